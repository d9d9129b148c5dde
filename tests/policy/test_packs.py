"""Packs load only when every rule is complete, and a broken pack names its file and rule."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from custodiet.policy.packs import PACKS_DIR, PackError, available_packs, get_pack, load_pack

GOOD_RULE = """
[[rule]]
id = "extra-rule"
title = "Extra"
citation = "Somewhere 1-2-3"
effect = "refuse"
explanation = "For the test."
when = "facial_recognition"
"""


def pack_with(tmp_path: Path, layer_body: str) -> Path:
    directory = tmp_path / "us-co"
    shutil.copytree(PACKS_DIR / "us-co", directory)
    (directory / "90-extra.toml").write_text(
        '[layer]\nid = "extra"\nname = "Extra"\ncitation = "x"\nfrom = 2022-01-01\n' + layer_body
    )
    return directory


def test_the_packaged_packs_load() -> None:
    assert {"us-co", "us-federal"} <= set(available_packs())
    pack = get_pack("us-co")
    assert pack.baseline is get_pack("us-federal")
    assert len(pack.rules) >= 15


def test_a_well_formed_extra_layer_loads(tmp_path: Path) -> None:
    pack = load_pack(pack_with(tmp_path, GOOD_RULE), resolve=get_pack)
    _, rules = pack.in_force(dt.date(2022, 1, 1))
    assert "extra-rule" in {rule.id for rule in rules}
    _, earlier = pack.in_force(dt.date(2021, 12, 31))
    assert "extra-rule" not in {rule.id for rule in earlier}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('when = "facial_recognition"', 'when = "no_such_fact"'),
            "unknown facts or terms: no_such_fact",
        ),
        (
            ('when = "facial_recognition"', 'when = "facial_recognition and ("'),
            "not a valid expression",
        ),
        (('when = "facial_recognition"', "when = \"__import__('os')\""), "extra-rule"),
        (('effect = "refuse"', 'effect = "maybe"'), "'effect' must be one of"),
        (('citation = "Somewhere 1-2-3"\n', ""), "'citation' is required"),
        (('effect = "refuse"', 'effect = "refuse"\nuntil = 2020-01-01'), "comes before 'from'"),
        (('effect = "refuse"', 'effect = "refuse"\nfrom = "last year"'), "must be a date"),
        (('id = "extra-rule"', 'id = "co-74-105-verify"'), "used twice"),
        (
            ('effect = "refuse"', 'effect = "obligation"\nobligations = ["tell_everyone"]'),
            "'obligations' must be a list",
        ),
        (('effect = "refuse"', 'effect = "withhold"'), "must list 'records'"),
    ],
)
def test_a_broken_rule_names_the_file_and_the_problem(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    directory = pack_with(tmp_path, GOOD_RULE.replace(*change))
    with pytest.raises(PackError, match=r"90-extra\.toml") as raised:
        load_pack(directory, resolve=get_pack)
    assert message in str(raised.value)


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    directory = pack_with(tmp_path, "[[rule]\n")
    with pytest.raises(PackError, match=r"90-extra.toml: not valid TOML"):
        load_pack(directory, resolve=get_pack)


def test_an_unknown_pack_lists_the_available_ones() -> None:
    with pytest.raises(PackError, match=r"available: .*us-co"):
        get_pack("xx-nowhere")


def test_before_the_guidance_the_federal_baseline_decides_alone() -> None:
    terms, rules = get_pack("us-co").in_force(dt.date(2020, 5, 19))
    assert {rule.id for rule in rules} == {rule.id for rule in get_pack("us-federal").rules}
    assert "immigration_related" in {term.name for term in terms}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('effect = "refuse"', 'effect = "report"'), "'reportable = true|false'"),
        (('effect = "refuse"', 'effect = "refuse"\nreportable = false'), "only with, a report"),
        (('effect = "refuse"', 'effect = "report"\nreportable = "yes"'), "'reportable"),
        (('effect = "refuse"', 'effect = "refuse"\ndetails = ["no_such_fact"]'), "'details'"),
    ],
)
def test_report_rules_and_details_are_checked(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    directory = pack_with(tmp_path, GOOD_RULE.replace(*change))
    with pytest.raises(PackError, match=r"90-extra\.toml") as raised:
        load_pack(directory, resolve=get_pack)
    assert message in str(raised.value)


def test_a_report_rule_says_whether_the_request_is_counted(tmp_path: Path) -> None:
    rule = GOOD_RULE.replace('effect = "refuse"', 'effect = "report"\nreportable = false')
    pack = load_pack(pack_with(tmp_path, rule), resolve=get_pack)
    (extra,) = [r for r in pack.rules if r.id == "extra-rule"]
    assert (extra.effect, extra.reportable) == ("report", False)


def test_a_decisions_rules_name_the_layers_they_belong_to_on_its_date() -> None:
    pack = get_pack("us-co")
    amended = "co-74-103-immigration-enforcement"  # SB21-131's, then SB25-276's text
    assert pack.layers_of([amended], dt.date(2025, 5, 22)) == ["sb21-131"]
    assert pack.layers_of([amended], dt.date(2025, 5, 23)) == ["sb25-276"]
    on = dt.date(2025, 8, 1)
    _, rules = pack.in_force(on)
    assert pack.layers_of([rule.id for rule in rules], on) == [
        "us-co",
        "guidance-2020",
        "sb21-131",
        "sb21-131-2022",
        "facial-recognition",
        "sb25-276",
        "governor-review-2025",
    ]
    _, federal = pack.in_force(dt.date(2019, 1, 1))
    assert pack.layers_of([rule.id for rule in federal], dt.date(2019, 1, 1)) == ["us-federal"]
    # A rule of another version of the pack is named, not dropped.
    assert pack.layers_of(["co-guidance-log", "gone-rule"], on) == ["guidance-2020", "gone-rule"]
