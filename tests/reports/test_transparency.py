"""The public transparency report: counts by agency, quarter, final status and immigration
relation, with small counts withheld so that none can be worked out from what is shown.

The proof is a reader's: `Reader` takes the table exactly as the CSV publishes it (numbers
and words), knows what the words say ("fewer than N" is 0 to N - 1, "withheld" N or more)
and every way the figures add up, and computes, by exhaustive search over whole numbers,
the least and the greatest value each figure not shown can have. It shares no code with
the suppression it checks.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import gzip
import io
import json
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from custodiet.accounts.models import Role
from custodiet.cases import actions as case_actions
from custodiet.ledger import store
from custodiet.merkle.cosignature import Witness
from custodiet.merkle.note import generate_key
from custodiet.policy.model import parse_request
from custodiet.reports import actions as report_actions
from custodiet.reports import bundle, received, transparency
from custodiet.reports.received import Office
from custodiet.reports.recount import STATUSES, Period, leaves, recount
from ledger.witnessing import running_witness
from oversight.conftest import keep, write_config
from web.test_browser import (  # noqa: F401
    _assert_all_accessible,
    _csp_contexts,
    _csp_violations,
    _screenshot,
    browser,
)

from . import pages
from .conftest import DENVER, ICE_NO_PROCESS, ROBBERY, contract

YEAR = 2025
COLUMNS = ("requests", *STATUSES, "immigration_related", "not_immigration_related")
AGENCIES = ("CO-DOR-DMV", "CO-CDPS-CSP", "CO-DHS-EXAMPLE")
CAP = 400  # the reader's largest value for a withheld figure: far above any table here


# The reader ------------------------------------------------------------------------------


Cell = tuple[str, str, str]


def shown_table(text: str) -> dict[tuple[str, str], dict[str, str]]:
    """The CSV as a reader has it: each row reported, its cells as written."""
    rows = list(csv.DictReader(io.StringIO(text)))
    return {
        (row["agency"], row["period"]): {c: row[c] for c in COLUMNS}
        for row in rows
        if row["figures_from"] != "not reported"
    }


def additions(rows: set[tuple[str, str]], year: str) -> list[tuple[Cell, list[Cell]]]:
    """Every (total, parts) the reader can add up: within a row, across agencies, across
    quarters, and the agencies' years to the year of all agencies."""
    found: list[tuple[Cell, list[Cell]]] = []
    for agency, period in rows:
        total = (agency, period, "requests")
        found.append((total, [(agency, period, s) for s in STATUSES]))
        found.append((total, [(agency, period, c) for c in COLUMNS[-2:]]))
    agencies = {a for a, _ in rows if a != "all"}
    quarters = {p for _, p in rows if p != year}
    for c in COLUMNS:
        for q in quarters:
            found.append((("all", q, c), [(a, q, c) for a in agencies if (a, q) in rows]))
        for a in [*agencies, "all"]:
            found.append(((a, year, c), [(a, q, c) for q in quarters if (a, q) in rows]))
        found.append((("all", year, c), [(a, year, c) for a in agencies]))
    return found


class Reader:
    """What can be worked out from the published table, by exhaustive search."""

    def __init__(self, text: str, minimum: int, year: str) -> None:
        shown = shown_table(text)
        self.known: dict[Cell, int] = {}
        self.domains: dict[Cell, tuple[int, int]] = {}
        for (agency, period), cells in shown.items():
            for column, written in cells.items():
                cell = (agency, period, column)
                if written.isdigit():
                    self.known[cell] = int(written)
                elif written == f"fewer than {minimum}":
                    # A column with nothing counted all year shows 0s, so this one has
                    # something in its year for all agencies.
                    self.domains[cell] = (int(cell[:2] == ("all", year)), minimum - 1)
                else:
                    assert written == "withheld", written
                    self.domains[cell] = (minimum, CAP)
        self.equations = []
        for total, parts in additions(set(shown), year):
            terms = [(cell, 1) for cell in parts] + [(total, -1)]
            constant = -sum(sign * self.known[c] for c, sign in terms if c in self.known)
            unknown = [(c, sign) for c, sign in terms if c not in self.known]
            if unknown:
                self.equations.append((unknown, constant))
            else:
                assert constant == 0, f"the published figures do not add up at {total}"

    def _tighten(self, domains: dict[Cell, tuple[int, int]]) -> bool:
        again = True
        while again:
            again = False
            for terms, constant in self.equations:
                for cell, sign in terms:
                    others = [(c, s) for c, s in terms if c != cell]
                    low = sum(s * domains[c][0 if s > 0 else 1] for c, s in others)
                    high = sum(s * domains[c][1 if s > 0 else 0] for c, s in others)
                    # sign * cell + (others) == constant
                    lo, hi = sorted(((constant - high) * sign, (constant - low) * sign))
                    now = (max(domains[cell][0], lo), min(domains[cell][1], hi))
                    if now[0] > now[1]:
                        return False
                    if now != domains[cell]:
                        domains[cell] = now
                        again = True
        return True

    def possible(self, domains: dict[Cell, tuple[int, int]]) -> bool:
        """Whether some whole numbers within `domains` satisfy every addition."""
        domains = dict(domains)
        if not self._tighten(domains):
            return False
        open_ = [c for c, (lo, hi) in domains.items() if lo < hi]
        if not open_:
            return True
        cell = min(open_, key=lambda c: domains[c][1] - domains[c][0])
        lo, hi = domains[cell]
        return any(self.possible({**domains, cell: (v, v)}) for v in range(lo, hi + 1))

    def bounds(self, cell: Cell) -> tuple[int, int]:
        """The least and the greatest value the figure can have (within CAP)."""
        domains = dict(self.domains)
        assert self._tighten(domains), "no table agrees with the page"
        lo, hi = domains[cell]
        least = next(v for v in range(lo, hi + 1) if self.possible({**domains, cell: (v, v)}))
        most = next(v for v in range(hi, lo - 1, -1) if self.possible({**domains, cell: (v, v)}))
        return least, most


# Tables ----------------------------------------------------------------------------------


def figures(released=0, refused=0, pending=0, withdrawn=0, immigration=0) -> dict[str, int]:
    requests = released + refused + pending + withdrawn
    return {
        "requests": requests,
        "released": released,
        "refused": refused,
        "pending": pending,
        "withdrawn": withdrawn,
        "immigration_related": immigration,
        "not_immigration_related": requests - immigration,
    }


def grid(reported: dict[tuple[str, str], dict[str, int]]) -> dict[tuple[str, str], dict[str, int]]:
    """The agencies' quarters with their years, and all agencies' quarters and year."""
    found = {key: dict(row) for key, row in reported.items()}
    for (agency, quarter), row in reported.items():
        for key in ((agency, str(YEAR)), ("all", quarter), ("all", str(YEAR))):
            into = found.setdefault(key, dict.fromkeys(COLUMNS, 0))
            for c in COLUMNS:
                into[c] += row[c]
    return found


def published(table: dict, hidden: dict[Cell, str], minimum: int) -> str:
    """A hand-made table as the CSV would publish it, with these figures hidden."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["agency", "period", *COLUMNS, "figures_from"])
    words = {"small": f"fewer than {minimum}", "withheld": "withheld"}
    for (agency, period), row in table.items():
        cells = [
            words[hidden[(agency, period, c)]] if (agency, period, c) in hidden else row[c]
            for c in COLUMNS
        ]
        writer.writerow([agency, period, *cells, "accepted report"])
    return out.getvalue()


def worked_out(text: str, minimum: int) -> dict[Cell, int]:
    """The figures of a published CSV not shown that the reader can work out, by value."""
    reader = Reader(text, minimum, str(YEAR))
    found = {}
    for cell in reader.domains:
        least, most = reader.bounds(cell)
        if least == most:
            found[cell] = least
    return found


def exposed(table: dict, hidden: dict[Cell, str], minimum: int) -> dict[Cell, int]:
    return worked_out(published(table, hidden, minimum), minimum)


def one_unknown_rule(table: dict, minimum: int) -> dict[Cell, str]:
    """The simple rule: hide the small figures, then, while some addition hides exactly
    one figure, hide the smallest other figure of 5 or more in it."""
    hidden = {
        (a, p, c): "small"
        for (a, p), row in table.items()
        for c, n in row.items()
        if n < minimum and table[("all", str(YEAR))][c]
    }
    values = {(a, p, c): n for (a, p), row in table.items() for c, n in row.items()}
    changed = True
    while changed:
        changed = False
        for total, parts in additions(set(table), str(YEAR)):
            cells = [total, *parts]
            if sum(c in hidden for c in cells) == 1:
                others = [c for c in cells if c not in hidden and values[c] >= minimum]
                if others:
                    hidden[min(others, key=lambda c: values[c])] = "withheld"
                    changed = True
    return hidden


def office_with(folder: Path, reports: dict[tuple[str, str], dict[str, int]]) -> Office:
    """The Governor's office in `folder`, its store holding these accepted reports."""
    keys = {code: generate_key(f"{code.lower()}.example/ledger")[1] for code in AGENCIES}
    witness = Witness.generate("witness.governor.example/oversight").verifier.vkey
    office = Office.load(write_config(folder, witness, keys))
    for n, ((agency, label), row) in enumerate(sorted(reports.items()), start=1):
        statuses = {s: row[s] for s in STATUSES}
        keep(office, agency, label, statuses, size=10 * n, immigration=row["immigration_related"])
    return office


# Suppression on hand-made tables ---------------------------------------------------------


def test_a_small_figure_is_never_left_to_a_subtraction():
    table = grid({("CO-DOR-DMV", "2025-Q1"): figures(released=3, refused=9, immigration=9)})

    hidden = transparency.suppress(table, str(YEAR), 5)

    released, refused = ("CO-DOR-DMV", "2025-Q1", "released"), ("CO-DOR-DMV", "2025-Q1", "refused")
    assert hidden[released] == "small"
    # Shown, the 9 refused would give the released away: 12 requests less 9.
    assert hidden[refused] == "withheld"
    assert ("CO-DOR-DMV", "2025-Q1", "pending") not in hidden  # nothing pending all year
    assert not exposed(table, hidden, 5)


def test_additions_that_each_hide_two_figures_can_still_give_one_away_together():
    # Every addition of the one-unknown rule's table hides at least two figures; yet the
    # DMV's two quarters, their year, the State Patrol's and all agencies' figures, and
    # "fewer than 5" and "withheld" (5 or more) leave one table only.
    table = grid(
        {
            ("CO-DOR-DMV", "2025-Q3"): figures(released=5, refused=1, pending=1, immigration=3),
            ("CO-DOR-DMV", "2025-Q4"): figures(refused=6, immigration=2),
            ("CO-CDPS-CSP", "2025-Q3"): figures(released=2, refused=5, pending=8, immigration=11),
            ("CO-CDPS-CSP", "2025-Q4"): figures(refused=2, pending=8, immigration=8),
        }
    )
    simple = one_unknown_rule(table, 5)
    assert all(
        sum(cell in simple for cell in (total, *parts)) != 1
        for total, parts in additions(set(table), str(YEAR))
    )
    assert exposed(table, simple, 5)[("CO-DOR-DMV", "2025-Q4", "immigration_related")] == 2

    hidden = transparency.suppress(table, str(YEAR), 5)

    assert not exposed(table, hidden, 5)


def test_the_words_themselves_are_part_of_what_a_reader_knows():
    # 6 requests: 1 released, 5 refused. The rule withholds the 5 beside the 1, but a
    # withheld figure is 5 or more, and the released column is not all zeros: 1 and 5.
    table = grid({("CO-DOR-DMV", "2025-Q3"): figures(released=1, refused=5)})
    simple = one_unknown_rule(table, 5)
    assert exposed(table, simple, 5)[("CO-DOR-DMV", "2025-Q3", "released")] == 1

    hidden = transparency.suppress(table, str(YEAR), 5)

    assert not exposed(table, hidden, 5)
    assert ("CO-DOR-DMV", "2025-Q3", "requests") in hidden


def test_zero_is_a_small_figure_unless_its_column_counted_nothing_all_year():
    table = grid(
        {
            ("CO-DOR-DMV", "2025-Q1"): figures(released=20, refused=0, immigration=10),
            ("CO-DOR-DMV", "2025-Q2"): figures(released=30, refused=12, immigration=10),
        }
    )

    hidden = transparency.suppress(table, str(YEAR), 5)

    assert hidden[("CO-DOR-DMV", "2025-Q1", "refused")] == "small"
    for period in ("2025-Q1", "2025-Q2", "2025"):
        assert ("CO-DOR-DMV", period, "withdrawn") not in hidden
        assert ("CO-DOR-DMV", period, "pending") not in hidden
    assert not exposed(table, hidden, 5)


def test_a_minimum_of_one_withholds_nothing():
    table = grid({("CO-DOR-DMV", "2025-Q1"): figures(released=1, refused=2, immigration=1)})

    assert transparency.suppress(table, str(YEAR), 1) == {}


# The property: nothing withheld can be worked out ---------------------------------------


@st.composite
def years_of_reports(draw) -> dict[tuple[str, str], dict[str, int]]:
    """A year of accepted reports of up to three agencies, many of their counts small."""
    agencies = draw(st.lists(st.sampled_from(AGENCIES), min_size=1, max_size=3, unique=True))
    quarters = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3, unique=True))
    count = st.one_of(st.integers(0, 4), st.integers(0, 12))
    reports = {}
    for agency in agencies:
        for quarter in quarters:
            if len(reports) and draw(st.integers(0, 4)) == 0:
                continue  # this agency did not report this quarter
            row = {s: draw(count) for s in STATUSES[:3]}
            row["withdrawn"] = draw(st.one_of(st.just(0), st.integers(0, 3)))
            total = sum(row.values())
            related = draw(st.integers(0, total))
            reports[(agency, f"{YEAR}-Q{quarter}")] = figures(**row, immigration=related)
    return reports


@given(reports=years_of_reports(), minimum=st.sampled_from([2, 3, 5]))
# The reader's search is exhaustive: a rare draw can take it many minutes, so the same
# 60 draws are made on every run (derandomized), all of them checked.
@hypothesis_settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
def test_no_figure_not_shown_can_be_worked_out_from_the_published_ones(reports, minimum):
    with tempfile.TemporaryDirectory() as folder:
        table = transparency.build(office_with(Path(folder), reports), YEAR, minimum)
    text = transparency.csv_text(table)
    truth = grid(reports)
    shown = shown_table(text)
    assert set(shown) == set(truth)
    if table.withheld_all:
        event(f"every figure of the year not published, minimum {minimum}")
        assert {w for cells in shown.values() for w in cells.values()} == {"not published"}
        return
    hidden = []
    for (agency, period), cells in shown.items():
        for column, written in cells.items():
            value = truth[(agency, period)][column]
            if written.isdigit():
                assert int(written) == value, "a figure shown is the true count"
                assert value >= minimum or not truth[("all", str(YEAR))][column]
            elif written == "withheld":
                assert value >= minimum
                hidden.append((agency, period, column))
            else:
                assert (written, value < minimum) == (f"fewer than {minimum}", True)
                hidden.append((agency, period, column))
    for total, parts in additions(set(shown), str(YEAR)):
        written = shown[total[:2]][total[2]]
        if written.isdigit():
            assert int(written) == sum(truth[cell[:2]][cell[2]] for cell in parts)
    reader = Reader(text, minimum, str(YEAR))
    for cell in hidden:
        least, most = reader.bounds(cell)
        assert least <= truth[cell[:2]][cell[2]] <= most
        assert least < most, f"{cell} can be worked out: it is {least}"


# The page and the CSV --------------------------------------------------------------------

REPORTED = {
    ("CO-DOR-DMV", "2025-Q1"): figures(released=12, refused=7, immigration=6),
    ("CO-DOR-DMV", "2025-Q2"): figures(released=3, refused=9, pending=2, immigration=1),
    ("CO-DOR-DMV", "2025-Q3"): figures(released=15, refused=8, pending=6, immigration=9),
    ("CO-CDPS-CSP", "2025-Q1"): figures(refused=6, immigration=6),
    ("CO-CDPS-CSP", "2025-Q2"): figures(released=8, refused=1),
}


@pytest.fixture
def governors_office(tmp_path, settings) -> Office:
    """The office's store: REPORTED (the DMV's Q2 also in an earlier, smaller report, which
    no longer counts) and a quarter of 2024; the State Patrol has not reported Q3."""
    office = office_with(tmp_path / "governor", REPORTED)
    keep(office, "CO-DOR-DMV", "2025-Q2", {"released": 1}, size=5)
    keep(office, "CO-DOR-DMV", "2024-Q4", {"released": 40, "refused": 6}, size=3, immigration=6)
    settings.CUSTODIET_OVERSIGHT_CONFIG = office.store.parent / "oversight.toml"
    return office


def kept_log(office: Office, agency: str, label: str) -> dict[str, Any]:
    """The log of the agency's accepted report of the period with the largest log."""
    folder = office.store / agency / label
    largest = max(int(kept.name) for kept in folder.iterdir())
    return json.loads((folder / str(largest) / "report.json").read_text())["log"]


def page_rows(response) -> dict[tuple[str, str], list[str]]:
    """The page's tables: each row's cells after its heading, as a person reads them."""
    found = {}
    html = pages.html(response)
    for agency, period, cells in re.findall(
        r'<tr id="row-([^"]+)-(\d{4}(?:-Q\d)?)">(.*?)</tr>', html, re.S
    ):
        found[(agency, period)] = [
            re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)
        ]
    return found


def test_anyone_reads_the_report_without_signing_in(governors_office, settings, clerk, signed_in):
    settings.CUSTODIET_REQUIRE_2FA = True
    response = Client().get("/transparency/")

    assert response.status_code == 200
    assert signed_in(clerk).get("/transparency/").status_code == 200
    text = pages.text(response)
    assert "Requests for residents' personal information, 2025" in text
    assert "fewer than 5" in text
    assert re.findall(r'href="/transparency/\?year=(\d+)"', pages.html(response)) == ["2024"]
    rows = page_rows(response)
    log = kept_log(governors_office, "CO-DOR-DMV", "2025-Q1")
    assert rows[("CO-DOR-DMV", "2025-Q1")][-1] == f"{log['size']} entries, root {log['root'][:12]}"
    # The DMV's Q2 is its larger accepted report, of 14 requests, 3 of them released.
    assert rows[("CO-DOR-DMV", "2025-Q2")][1] == "fewer than 5"
    assert rows[("CO-CDPS-CSP", "2025-Q3")] == ["No accepted report"]
    assert rows[("all", "2025")][-1] == "Sum of the quarters"
    assert rows[("all", "2025-Q1")][-1] == "Sum of the agencies"


def test_the_csv_is_the_page_and_every_figure_shown_is_the_true_one(governors_office):
    client = Client()
    page = page_rows(client.get("/transparency/", {"year": "2025"}))
    response = client.get("/transparency.csv", {"year": "2025"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="transparency-2025.csv"'
    text = response.content.decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == list(transparency.CSV_FIELDS)
    truth = grid(REPORTED)
    for row in rows:
        key = (row["agency"], row["period"])
        shown = [row[c] for c in COLUMNS]
        if row["figures_from"] == "not reported":
            assert page[key] == ["No accepted report"]
            continue
        assert page[key][: len(COLUMNS)] == shown, key
        for column, written in zip(COLUMNS, shown, strict=True):
            value = truth[key][column]
            if written.isdigit():
                assert int(written) == value
            else:
                # Withheld: its number appears in neither the CSV's cell nor the page's.
                assert written in ("fewer than 5", "withheld")
                assert str(value) not in (written, page[key][COLUMNS.index(column)])
    dmv_q1 = next(r for r in rows if (r["agency"], r["period"]) == ("CO-DOR-DMV", "2025-Q1"))
    log = kept_log(governors_office, "CO-DOR-DMV", "2025-Q1")
    assert (dmv_q1["log_origin"], dmv_q1["log_size"], dmv_q1["log_root"]) == (
        log["origin"],
        str(log["size"]),
        log["root"],
    )
    assert dmv_q1["figures_from"] == "accepted report"
    assert not worked_out(text, 5)


def test_the_chart_draws_only_published_figures(governors_office):
    response = Client().get("/transparency/")

    svg = pages.chart(response)
    assert svg is not None
    assert svg.get("role") == "img"
    assert svg.findtext(f"{pages.SVG}title") == (
        "Requests by quarter and final status, all agencies, 2025"
    )
    bars = {
        g.get("id"): g.findtext(f"{pages.SVG}title")
        for g in svg.iter(f"{pages.SVG}g")
        if (g.get("id") or "").startswith("transparency-2025")
    }
    rows = page_rows(response)
    assert set(bars) == {
        f"transparency-{quarter}"
        for quarter in ("2025-Q1", "2025-Q2", "2025-Q3")
        if rows[("all", quarter)][0].isdigit()
    }
    for bar, title in bars.items():
        cells = dict(zip(COLUMNS, rows[("all", bar.removeprefix("transparency-"))], strict=False))
        assert title.startswith(
            f"{bar.removeprefix('transparency-')}: {cells['requests']} requests"
        )
        drawn = dict((s, int(n)) for n, s in re.findall(r"(\d+) (released|refused|pending)", title))
        assert all(cells[status] == str(n) for status, n in drawn.items())
        rest = re.search(r"(\d+) whose status is not shown", title)
        shown = sum(int(cells[s]) for s in STATUSES if cells[s].isdigit())
        assert int(rest.group(1) if rest else 0) == int(cells["requests"]) - shown


def test_a_year_with_no_accepted_report_and_a_year_that_is_not_one(governors_office):
    empty = Client().get("/transparency/", {"year": "2023"})
    assert empty.status_code == 200
    assert set(map(tuple, page_rows(empty).values())) == {("No accepted report",)}
    assert re.findall(r'href="/transparency/\?year=(\d+)"', pages.html(empty)) == ["2025", "2024"]

    wrong = Client().get("/transparency/", {"year": "20x5"})
    assert wrong.status_code == 400
    assert "Year: '20x5' is not a year: write it as 2025." in pages.text(wrong)
    assert Client().get("/transparency.csv", {"year": "20x5"}).status_code == 400


def test_without_an_office_the_site_says_it_publishes_no_report(settings):
    settings.CUSTODIET_OVERSIGHT_CONFIG = None

    response = Client().get("/transparency/")

    assert response.status_code == 200
    assert "This site publishes no transparency report" in pages.text(response)
    assert "<table" not in pages.html(response)
    download = Client().get("/transparency.csv")
    assert download.status_code == 404
    assert download.content.decode().startswith("This site publishes no transparency report")


def test_an_unreadable_office_is_not_explained_to_the_public(settings, tmp_path, caplog):
    settings.CUSTODIET_OVERSIGHT_CONFIG = tmp_path / "missing" / "oversight.toml"

    response = Client().get("/transparency/")

    assert response.status_code == 503
    assert "cannot be shown at the moment" in pages.text(response)
    assert "missing" not in pages.html(response)
    assert "missing" in caplog.text


def test_a_year_no_withholding_can_protect_is_not_published(tmp_path, settings):
    # With "fewer than 3", the State Patrol's few requests can be worked out from the
    # words around them whatever else is withheld.
    office = office_with(
        tmp_path / "governor",
        {
            ("CO-DOR-DMV", "2025-Q2"): figures(released=6, refused=5, pending=5, immigration=2),
            ("CO-DOR-DMV", "2025-Q3"): figures(released=4, refused=6, pending=2, immigration=11),
            ("CO-CDPS-CSP", "2025-Q2"): figures(released=2, immigration=1),
            ("CO-CDPS-CSP", "2025-Q3"): figures(refused=1, pending=2, immigration=1),
        },
    )
    settings.CUSTODIET_OVERSIGHT_CONFIG = office.store.parent / "oversight.toml"
    settings.CUSTODIET_PUBLIC_MIN_COUNT = 3

    response = Client().get("/transparency/")

    assert "No figure of 2025 is published" in pages.text(response)
    assert pages.chart(response) is None
    rows = [row for row in page_rows(response).values() if row != ["No accepted report"]]
    assert {cell for row in rows for cell in row[: len(COLUMNS)]} == {"not published"}


def test_the_report_takes_no_post_and_the_footer_leads_to_it(governors_office):
    assert Client().post("/transparency/").status_code == 405
    assert Client().post("/transparency.csv").status_code == 405
    login = Client().get("/accounts/login/")
    assert 'href="/transparency/"' in pages.html(login)


def test_the_command_writes_the_csv_the_page_downloads(governors_office, tmp_path):
    out = tmp_path / "transparency.csv"
    config = governors_office.store.parent / "oversight.toml"
    stdout = io.StringIO()

    call_command(
        "oversight",
        "transparency",
        "--year",
        "2025",
        "--config",
        str(config),
        "--out",
        str(out),
        stdout=stdout,
    )

    assert out.read_bytes() == Client().get("/transparency.csv").content
    assert "2025, 5 accepted quarterly reports" in stdout.getvalue()


# The real thing --------------------------------------------------------------------------


@pytest.fixture
def frozen_now(monkeypatch) -> dt.datetime:
    """Replaces the folder's May 2025: here three quarters are lived, and reported on the
    Monday after the third ended."""
    now = dt.datetime(2025, 10, 6, 9, 0, tzinfo=DENVER)
    monkeypatch.setattr(timezone, "now", lambda: now.astimezone(dt.UTC))
    return now


# Per quarter: (received, the request, what the staff do with it).
LIVED = {
    "2025-Q1": [
        ("2025-01-06T08:30", ROBBERY, "release"),
        ("2025-01-14T10:00", ICE_NO_PROCESS, "refuse"),
        ("2025-02-03T11:00", ROBBERY, "release"),
        ("2025-02-20T15:00", ICE_NO_PROCESS, "refuse"),
        ("2025-03-03T09:15", ROBBERY, "release"),
        ("2025-03-31T23:30", ROBBERY, None),
    ],
    "2025-Q2": [
        ("2025-04-01T00:10", ICE_NO_PROCESS, "refuse"),
        ("2025-05-12T09:00", ROBBERY, "release"),
        ("2025-06-30T12:00", ROBBERY, "release"),
    ],
    "2025-Q3": [
        ("2025-07-02T09:00", ROBBERY, "release"),
        ("2025-08-14T16:00", ICE_NO_PROCESS, "refuse"),
        ("2025-08-15T16:00", ICE_NO_PROCESS, "refuse"),
        ("2025-09-02T10:00", ICE_NO_PROCESS, "refuse"),
        ("2025-09-10T10:00", ROBBERY, "release"),
        ("2025-09-30T23:30", ROBBERY, None),
    ],
}


def _live(agency, person, supervisor) -> None:
    clerk = person("desk_clerk", Role.CLERK, agency)
    for lived in LIVED.values():
        for received_at, base, then in lived:
            request = parse_request(contract(received_at, base, {}))
            case = case_actions.take_in(request, by=clerk, agency=agency)
            if then == "release":
                case_actions.release(case_actions.approve(case, by=supervisor), by=clerk)
            elif then == "refuse":
                case_actions.refuse(case, by=clerk)


def _recounted(kept: Path, label: str) -> dict[str, Any]:
    """The quarter counted again from the entries the office kept, as its check counts it."""
    with gzip.open(kept / "entries.jsonl.gz") as handle:
        data = [base64.b64decode(json.loads(line)["data"]) for line in handle]
    found = recount(leaves(data), Period.parse(label), "CO-DOR-DMV", "America/Denver")
    return found.counts


@pytest.mark.django_db
def test_the_page_shows_what_the_accepted_bundles_recount(
    frozen_now, agency, person, supervisor, privacy_officer, tmp_path, settings
):
    settings.CUSTODIET_LOG_KEY_FILE = tmp_path / "keys" / "log.key"
    call_command("ledger", "keygen", stdout=io.StringIO(), stderr=io.StringIO())
    _live(agency, person, supervisor)
    attester = person("attester", Role.ATTESTER, agency)
    archives = []
    with running_witness(tmp_path, store.signer().verifier.vkey) as governor:
        witnesses = bundle.Witnesses([governor.url], [governor.key.verifier])
        for label in LIVED:
            report = report_actions.build_report(
                agency, Period.parse(label), by=privacy_officer, witnesses=witnesses
            )
            report_actions.attest(report, by=attester, name="Example Attester", title="Attester")
            archives.append(report_actions.sent_archive(report))
        logs = {"CO-DOR-DMV": store.signer().verifier.vkey}
        config = write_config(tmp_path / "governor", governor.key.verifier.vkey, logs)
    office = Office.load(config)
    kept = [received.receive(office, archive) for archive in archives]
    assert all(result.accepted for result in kept)
    settings.CUSTODIET_OVERSIGHT_CONFIG = config
    settings.CUSTODIET_PUBLIC_MIN_COUNT = 2  # small enough that figures of a few show

    response = Client().get("/transparency/")
    download = Client().get("/transparency.csv").content.decode()

    rows = page_rows(response)
    counted = {}
    for label, result in zip(LIVED, kept, strict=True):
        counts = _recounted(result.kept_at, label)
        counted[label] = {
            "requests": counts["requests"],
            **counts["final_status"],
            "immigration_related": counts["immigration_related"]["yes"],
            "not_immigration_related": counts["immigration_related"]["no"],
        }
        report = json.loads((result.kept_at / "report.json").read_text())
        assert rows[("CO-DOR-DMV", label)][-1] == (
            f"{report['log']['size']} entries, root {report['log']['root'][:12]}"
        )
    assert [counted[label]["requests"] for label in LIVED] == [6, 3, 6]
    truth = grid({("CO-DOR-DMV", label): found for label, found in counted.items()})
    shown_numbers = 0
    for key, row in truth.items():
        for column, written in zip(COLUMNS, rows[key], strict=False):
            if written.isdigit():
                assert int(written) == row[column], (key, column)
                shown_numbers += 1
            else:
                assert (written == "fewer than 2") == (row[column] < 2), (key, column)
    assert shown_numbers >= 10
    assert rows[("CO-DOR-DMV", "2025")][COLUMNS.index("withdrawn")] == "0"
    assert not worked_out(download, 2)
    # Counts only: no request id, no requester, nothing of the written record.
    for text in (pages.html(response), download):
        assert not re.search(r"R-\d{8}-", text)
        assert "Lin" not in text and "Hale" not in text and "Juan" not in text


# In a browser ----------------------------------------------------------------------------


@pytest.fixture
def contexts(live_server, transactional_db, governors_office, browser):  # noqa: F811
    # The data comes before `browser`: Playwright's sync API keeps an event loop in this
    # thread, and Django refuses database calls while one is running.
    with _csp_contexts(browser, live_server.url) as pair:
        yield pair


@pytest.mark.browser
def test_a_visitor_reads_the_report_in_a_browser(contexts):
    from playwright.sync_api import expect

    enforced, with_axe = contexts
    page = enforced.new_page()
    blocked = _csp_violations(page)
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Transparency report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Requests for residents' personal information, 2025"
    )
    expect(
        page.get_by_role("img", name="Requests by quarter and final status, all agencies, 2025")
    ).to_be_visible()
    expect(page.get_by_role("table", name="CO-DOR-DMV, 2025")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV, 2025").click()
    assert download.value.suggested_filename == "transparency-2025.csv"
    _screenshot(page, "transparency")
    assert not blocked, "\n".join(blocked)
    _assert_all_accessible(
        with_axe(),
        [
            ("/transparency/", "the transparency report"),
            ("/transparency/?year=2023", "a year with no report"),
            ("/transparency/?year=soon", "a year that is not one"),
        ],
    )
