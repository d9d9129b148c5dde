"""A finding's page through HTTP: its rule as the rule file states it, why it was flagged,
and the logged rows behind it, each with its file, line and every column as it was."""

from __future__ import annotations

import csv
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from custodiet.monitor import views
from custodiet.monitor.models import Finding
from custodiet.scanner.rules import load_rules

from . import pages
from .conftest import BULK, ICE_LESC, PERSONAL, UNKNOWN_IAQ


@pytest.fixture
def reader(privacy_officer, signed_in):
    return signed_in(privacy_officer)


def _page(reader, finding: Finding, **query):
    response = reader.get(reverse("monitor-finding", args=[finding.pk]), query)
    assert response.status_code == 200
    return response


def test_a_finding_states_its_rule_and_the_law_behind_it(scanned, reader):
    finding = Finding.objects.get(agency=ICE_LESC)
    rule = next(rule for rule in load_rules().rules if rule.id == "MON-1")

    text = pages.text(_page(reader, finding))

    assert f"Rule MON-1: {rule.title}" in text
    assert rule.description in text
    assert rule.reason in text
    assert "C.R.S. 24-74-103" in rule.reason
    assert finding.why in text
    assert "Immigration agency 3 flagged accesses." in text
    assert "directory entry US-DHS-ICE-LESC" in text


def test_the_rows_are_the_logged_rows_with_their_lines_and_columns_as_written(
    scanned, reader, tmp_path
):
    finding = Finding.objects.get(agency=UNKNOWN_IAQ)
    with (tmp_path / "switch-2025-q1.csv").open(newline="", encoding="utf-8") as handle:
        logged = list(csv.reader(handle))
    # Line n of the file is logged[n - 1]: the header is line 1.
    expected = [(line, row) for line, row in enumerate(logged, start=1) if row[1] == "CO0010000"]

    rows = pages.table(_page(reader, finding), "Rows 1 to 2 of 2")

    assert rows[0] == ["Where and when", "The row, as logged", "Why"]
    assert rows[1] == ["File and line", "When", *logged[0]]
    for (line, row), shown in zip(expected, rows[2:], strict=True):
        assert shown[0] == f"switch-2025-q1.csv:{line}"
        # The log's UTC time, shown in the agency's zone (Denver: seven hours behind in winter).
        logged_at = dt.datetime.fromisoformat(row[0]).astimezone(ZoneInfo("America/Denver"))
        assert shown[1] == logged_at.strftime("%Y-%m-%d %H:%M:%S")
        assert shown[2:6] == row
        assert shown[6].startswith("The message key IAQ is an Immigration Alien Query")
    assert PERSONAL[0] in rows[2][5]


def test_the_rows_are_paged_on_the_server(scanned, reader, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 10)
    finding = Finding.objects.get(category="volume_anomaly", user_id="dpd-9")
    assert finding.accesses == BULK

    second = _page(reader, finding, page=2)

    rows = pages.table(second, f"Rows 11 to 20 of {BULK}")
    assert [row[0] for row in rows[2:]] == [
        f"switch-2025-q1.csv:{line}"
        for line in sorted(finding.rows.values_list("source_line", flat=True))[10:20]
    ]
    assert "?page=3" in pages.html(second)


def test_the_finding_leads_back_to_its_scan(scanned, reader):
    finding = Finding.objects.get(agency=ICE_LESC)

    response = _page(reader, finding)

    assert f"/monitor/?scan={scanned.pk}" in pages.links(response, "/monitor/")
