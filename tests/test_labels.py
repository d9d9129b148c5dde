"""Every code a person may meet has words in English and Spanish (custodiet.labels).

The vocabularies are read from contract/REQUESTS.md itself, so a value the contract adds
fails here until it has its words; the Colorado pack's effects and obligations are read
from the pack as loaded, baseline included.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from custodiet import labels
from custodiet.policy import model
from custodiet.policy.packs import get_pack
from custodiet.reports.recount import STATUSES

SHARED = Path(os.environ.get("CUSTODIET_SHARED", Path(__file__).resolve().parents[2] / "shared"))
CONTRACT = SHARED / "contract" / "REQUESTS.md"


def _listed(text: str, after: str) -> list[str]:
    """The backquoted, comma-separated values that follow `after` in the contract."""
    start = text.index(after) + len(after)
    found = re.match(r"\s*`([^`]+)`", text[start:], re.S)
    assert found, after
    return [value.strip() for value in found.group(1).replace("\n", " ").split(",")]


def _alternatives(text: str, field: str) -> list[str]:
    """The values of a field written as `"field": "a | b | c"` in the contract's JSON."""
    found = re.search(rf'"{field}": "(?:optional: )?([a-z_ |()]+?)"', text)
    assert found, field
    return [re.sub(r"\s*\(.*\)", "", value).strip() for value in found.group(1).split("|")]


def _contract() -> dict[str, list[str]]:
    text = CONTRACT.read_text(encoding="utf-8")
    obligations = re.findall(r"`([a-z_]+)` \((?:1\.1: )?[^)]*", text[text.index("Obligations") :])
    return {
        "channel": _alternatives(text, "channel"),
        "level": _alternatives(text, "level"),
        "relationship": _alternatives(text, "relationship"),
        "purpose_category": _alternatives(text, "purpose_category"),
        "outcome": _alternatives(text, "outcome"),
        "records_requested": _listed(text, "`records_requested` vocabulary:"),
        "kind": _listed(text, "`legal_process[].kind` vocabulary:"),
        "obligation": [name for name in obligations if name in model.OBLIGATIONS],
    }


def _pack_codes() -> list[tuple[str, str]]:
    pack = get_pack("us-co")
    rules = [*pack.rules, *(pack.baseline.rules if pack.baseline else ())]
    return sorted(
        {("effect", rule.effect) for rule in rules}
        | {("obligation", duty) for rule in rules for duty in rule.obligations}
    )


def _every_code() -> list[tuple[str, str]]:
    contract = _contract()
    codes = {(vocabulary, value) for vocabulary, values in contract.items() for value in values}
    model_vocabularies = {
        "channel": model.CHANNELS,
        "level": model.LEVELS,
        "relationship": model.RELATIONSHIPS,
        "purpose_category": model.PURPOSE_CATEGORIES,
        "outcome": model.OUTCOMES,
        "records_requested": model.RECORDS,
        "kind": model.PROCESS_KINDS,
        "obligation": model.OBLIGATIONS,
    }
    codes |= {(name, value) for name, values in model_vocabularies.items() for value in values}
    codes |= {("final_status", status) for status in STATUSES}
    return sorted(codes | set(_pack_codes()))


def test_the_contract_is_read_whole():
    contract = _contract()
    assert "administrative_warrant" in contract["kind"]
    assert "identity_documents" in contract["records_requested"]
    assert {"log_request", "record_officer"} <= set(contract["obligation"])
    assert set(contract["relationship"]) == {"third_party", "self", "consent"}
    assert ("effect", "withhold") in _pack_codes()


@pytest.mark.parametrize(("vocabulary", "value"), _every_code())
def test_every_code_has_english_and_spanish_words(vocabulary, value):
    english, spanish = labels.VOCABULARIES[vocabulary][value]
    assert english.strip() and spanish.strip()
    assert "_" not in english and "_" not in spanish
    assert labels.label(value, vocabulary) == english[:1].upper() + english[1:]
    assert labels.words(value, vocabulary, "es") == spanish


def test_a_value_in_several_vocabularies_reads_as_the_one_named():
    assert labels.label("other", "kind") == "Document of another kind"
    assert labels.label("other", "records_requested") == "Other records"
    assert labels.label("email", "channel") == "Email"
    # Unnamed, it cannot say which it is, so it says no more than the code does.
    assert labels.label("other") == "Other"
    assert labels.label("administrative_warrant") == "Administrative warrant, not issued by a court"


def test_a_value_no_table_knows_reads_as_its_words():
    assert labels.label("drone_footage", "records_requested") == "Drone footage"
