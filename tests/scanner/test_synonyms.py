"""Renaming a log's columns to any name the table knows for them, spelt any way an export
spells it, or putting them in any order, never changes what the scan flags."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custodiet.scanner import layouts
from custodiet.scanner.layouts import fold

from . import logs
from .conftest import custodiet_scan, read_output

with (Path(layouts.__file__).with_name("columns.toml")).open("rb") as handle:
    TABLE = tomllib.load(handle)
SPELLINGS = {column: [column, *names] for column, names in TABLE["canonical"].items()}
KEPT = TABLE["kept"]["names"]

# The canonical columns of the records below, and the records with the flags they must get.
COLUMNS = (
    "occurred_at",
    "organization",
    "user_id",
    "reason",
    "case_number",
    "offense_type",
    "hotlist",
)
RECORDS: list[tuple[tuple[str, ...], set[str]]] = [
    (("2025-11-14 09:00:00", "Example PD", "u1", "burglary", "25-1", "Theft", ""), set()),
    (("2025-11-14 09:01:00", logs.ICE, "u2", "fugitive", "", "", ""), {logs.AGENCY}),
    (("2025-11-14 09:02:00", "Example PD", "u3", "ICE WARRANT", "", "", ""), {logs.REASON}),
    (("2025-11-14 09:03:00", "Example PD", "u4", "investigation", "", "", ""), {logs.VAGUE}),
    (("2025-11-14 09:04:00", "Example PD", "u4", "investigation", "25-2", "", ""), set()),
    (("2025-11-14 09:05:00", "Example PD", "u5", "inv", "", "Robbery", ""), set()),
    (("2025-11-14 09:06:00", "Example PD", "u6", "training", "25-3", "Theft", ""), {logs.VAGUE}),
    (
        ("11/14/2025, 09:07:00 AM UTC", "Example PD", "u7", "hit", "", "", "Deported Felons"),
        {logs.QUERY},
    ),
    (("2025-11-14 09:08:00", "Example PD", "u8", "police", "", "", ""), {logs.VAGUE}),
]


def _spelt(name: str, separator: str, case: str) -> str:
    """The name as another export writes it: its words joined another way, in another case."""
    words = "".join(ch if ch.isalnum() else " " for ch in name).split() or [name]
    joined = separator.join(words)
    return {"lower": joined.lower(), "upper": joined.upper(), "title": joined.title()}.get(
        case, joined
    )


@st.composite
def headers(draw: st.DrawFn) -> tuple[list[str], list[int], list[str]]:
    """(header, the canonical column each of its columns holds as an index into COLUMNS or
    -1 for a kept one, the kept columns' names)."""
    names = []
    for column in COLUMNS:
        name = draw(st.sampled_from(SPELLINGS[column]))
        separator = draw(st.sampled_from(["", " ", "_", "-", "."]))
        case = draw(st.sampled_from(["as is", "lower", "upper", "title"]))
        names.append(_spelt(name, separator, case))
    kept = draw(st.lists(st.sampled_from(KEPT), unique=True, max_size=3))
    order = draw(st.permutations(range(len(COLUMNS) + len(kept))))
    header = [(names + kept)[i] for i in order]
    source = [i if i < len(COLUMNS) else -1 for i in order]
    return header, source, kept


def _scan(tmp_path: Path, header: list[str], source: list[int]) -> set[tuple[int, str]]:
    log = tmp_path / "renamed.csv"
    rows = [tuple(record[i] if i >= 0 else "kept value" for i in source) for record, _ in RECORDS]
    lines = logs.write_csv(log, tuple(header), rows)
    out = tmp_path / "flags.csv"
    ran = custodiet_scan(log, "--out", out)
    assert ran.code == 0, (header, ran.stderr)
    record_of = {line: index for index, line in enumerate(lines)}
    return {(record_of[int(row["source_line"])], row["category"]) for row in read_output(out)[1]}


EXPECTED = {(index, category) for index, (_, flags) in enumerate(RECORDS) for category in flags}


@pytest.mark.django_db
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(drawn=headers())
def test_any_known_name_in_any_spelling_and_order_flags_the_same(tmp_path, drawn):
    header, source, _ = drawn
    assert len({fold(name) for name in header}) == len(header)
    assert _scan(tmp_path, header, source) == EXPECTED


@pytest.mark.django_db
def test_the_contract_spellings_in_the_contract_order_flag_the_same(tmp_path):
    header = ["Search Time", "Org Name", "Name", "Reason", "Case #", "Offense Type", "Hotlist Name"]
    assert _scan(tmp_path, header, list(range(len(COLUMNS)))) == EXPECTED


@pytest.mark.django_db
def test_a_canonical_header_spelt_another_way_is_read_the_same(tmp_path):
    # Found by the property above: a header led by the canonical `occurred_at` took the
    # canonical path, which read only exact canonical names and kept "casenumber" unread.
    header = [
        "occurred_at",
        "organization",
        "userid",
        "reason",
        "casenumber",
        "offensetype",
        "hotlist",
    ]
    assert _scan(tmp_path, header, list(range(len(COLUMNS)))) == EXPECTED
