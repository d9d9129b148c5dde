"""The SQL prefilter lets through every text the purpose vocabulary calls immigration.

Beside the Hypothesis test (`test_reasons.py`), every string of the policy tests and the
shared scenarios is checked: a reason the prefilter dropped would never be judged.
"""

from __future__ import annotations

import ast
import json
import os
import re
from pathlib import Path

from custodiet.policy.facts.purpose import immigration_purpose
from custodiet.scanner.vocabulary import CANDIDATE_SQL

TESTS = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CUSTODIET_SHARED", TESTS.parents[1] / "shared"))


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def _texts() -> set[str]:
    texts: set[str] = set()
    for source in [*TESTS.glob("policy/*.py"), *TESTS.glob("scanner/*.py")]:
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                texts.add(node.value)
    for scenario in (SHARED / "scenarios").rglob("*.json"):
        texts.update(_strings(json.loads(scenario.read_text(encoding="utf-8"))))
    return {text for text in texts if len(text) < 500}


def test_every_immigration_text_of_the_tests_and_scenarios_passes_the_prefilter():
    prefilter = re.compile(CANDIDATE_SQL.removeprefix("(?i)"), re.IGNORECASE)
    immigration = [text for text in _texts() if immigration_purpose(text).immigration]
    assert len(immigration) > 100  # the vocabulary's own tests are among them
    assert [text for text in immigration if not prefilter.search(text)] == []
