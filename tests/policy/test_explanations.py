"""Explanations a clerk can read aloud: `--explain` never states the opposite of a finding.

Every fact and term is seen both true and false across the requests of the tests and the
scenarios, and the sentence given for it is never the same for both values: a sentence
that reads the same whichever way the finding went states the opposite of one of them. A
term explains itself by what it means when it holds and when it does not.
"""

from __future__ import annotations

import io
import json
import os
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from custodiet.cli import run
from custodiet.policy.engine import decide
from custodiet.policy.facts.gather import FACTS, Settings
from custodiet.policy.model import parse_request
from custodiet.policy.packs import get_pack

from .test_engine import CASES

HERE = Path(__file__).parent
SHARED = Path(os.environ.get("CUSTODIET_SHARED", HERE.parents[2] / "shared"))
# Facts that are values rather than findings: nothing to contradict.
VALUES = {"purpose_category", "requester_level", "agency_kind", "receiving_agencies"}


def _requests() -> list[dict[str, Any]]:
    found = []
    # Every state's scenarios too: the facts only other states' rules read (who signed a
    # warrant, a whole database sought) are seen both ways there.
    states = sorted(path for path in (HERE / "states").iterdir() if path.is_dir())
    for folder in (HERE / "scenarios", SHARED / "scenarios", *states):
        for path in sorted(folder.glob("*.json")):
            scenario = json.loads(path.read_text())
            if not scenario.get("expect", {}).get("error"):
                found.append(scenario["request"])
    found += [{k: v for k, v in data.items() if k != "_kind"} for _, data, _, _ in CASES]
    return found


def _findings() -> dict[str, dict[bool, set[str]]]:
    seen: dict[str, dict[bool, set[str]]] = defaultdict(lambda: defaultdict(set))
    pack = get_pack("us-co")
    for data in _requests():
        for settings in (Settings(), Settings(facial_recognition_authorization="Session law")):
            decision = decide(parse_request(data), pack, settings=settings, explain=True)
            for finding in decision.facts or ():
                if finding.fact not in VALUES:
                    seen[finding.fact][bool(finding.value)].add(finding.because)
    return seen


FINDINGS = _findings()
TERMS = {term.name: term for term in get_pack("us-co").terms}


@pytest.mark.parametrize("name", sorted(set(FACTS) - VALUES | set(TERMS)))
def test_each_fact_is_seen_both_ways_and_never_explained_alike(name: str) -> None:
    both = FINDINGS[name]
    assert both[True] and both[False], (
        f"{name} is never seen {'true' if not both[True] else 'false'}"
    )
    assert not both[True] & both[False], (
        f"{name} is explained alike both ways: {both[True] & both[False]}"
    )


@pytest.mark.parametrize("name", sorted(TERMS))
def test_a_term_explains_itself_in_the_polarity_it_holds(name: str) -> None:
    term = TERMS[name]
    assert FINDINGS[name][True] == {term.means}
    assert FINDINGS[name][False] == {term.means_not}


def test_the_cli_never_says_a_false_immigration_purpose_is_immigration_enforcement(
    tmp_path: Path,
) -> None:
    robbery = next(data for label, data, _, _ in CASES if label.startswith("police robbery"))
    path = tmp_path / "request.json"
    path.write_text(json.dumps(robbery))
    out = io.StringIO()
    assert run(["evaluate", "--explain", str(path)], out=out, err=io.StringIO()) == 0
    facts = {f["fact"]: f for f in json.loads(out.getvalue())["facts"]}
    assert facts["immigration_purpose"]["value"] is False
    assert facts["immigration_purpose"]["because"].startswith("The purpose is not")
    assert facts["permitted_basis"]["value"] is True
    assert facts["permitted_basis"]["because"].startswith("One of the guidance's")
