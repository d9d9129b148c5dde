"""Volume anomalies: a user far above its peers that day, or above its own usual day, with
the thresholds of rules.toml (at least 25 queries, 8 robust deviations, 5 peers, 7 days)."""

from __future__ import annotations

import datetime as dt

import pytest

from custodiet.monitor.models import Finding
from custodiet.scanner.rules import load_rules

from . import logs
from .conftest import custodiet_scan, flags_of, read_output

pytestmark = pytest.mark.django_db
PARAMETERS = load_rules().parameters


def audit(tmp_path, searches: list[tuple[str, str]]) -> tuple[list[int], set[tuple[int, str]]]:
    """A 5-column audit of (user, day) searches, and the flags its scan gives."""
    log = tmp_path / "audit.csv"
    rows = [
        (f"id-{i}", user, f"{day} {10 + i % 12:02d}:{i % 60:02d}:00", "12", "Property Crime")
        for i, (user, day) in enumerate(searches)
    ]
    lines = logs.write_csv(log, logs.ALPR5_HEADER, rows)
    out = tmp_path / "flags.csv"
    ran = custodiet_scan(log, "--out", out)
    assert ran.code == 0, ran.stderr
    return lines, flags_of(read_output(out)[1])


def test_a_user_far_above_the_others_that_day_is_flagged_on_every_search_of_it(tmp_path):
    assert PARAMETERS["volume_min"] == 25
    day = "2025-06-18"
    normal = [(f"user-{u}", day) for u in range(12) for _ in range(3)]
    spike = [("user-spike", day)] * 40
    other_day = [("user-spike", "2025-06-19")] * 3
    searches = normal[:18] + spike + normal[18:] + other_day
    lines, found = audit(tmp_path, searches)
    assert found == {
        (line, logs.VOLUME)
        for line, (user, when) in zip(lines, searches, strict=True)
        if user == "user-spike" and when == day
    }


def test_fewer_searches_than_the_minimum_are_never_a_spike(tmp_path):
    day = "2025-06-18"
    searches = [(f"user-{u}", day) for u in range(12)] + [("user-busy", day)] * 24
    _, found = audit(tmp_path, searches)
    assert found == set()


def test_many_users_with_ordinary_days_are_not_flagged(tmp_path):
    day = "2025-06-18"
    searches = [(f"user-{u}", day) for u in range(20) for _ in range(u % 5 + 1)]
    searches += [(f"heavy-{u}", day) for u in range(3) for _ in range(30)]
    # 30 a day is ordinary when most users run between 1 and 30: no spike.
    searches += [(f"mid-{u}", day) for u in range(10) for _ in range(20)]
    _, found = audit(tmp_path, searches)
    assert found == set()


def test_a_user_far_above_their_own_usual_day_is_flagged(tmp_path):
    start = dt.date(2025, 6, 1)
    days = [(start + dt.timedelta(days=n)).isoformat() for n in range(11)]
    searches = [("user-1", day) for day in days[:10] for _ in range(4)]
    searches += [("user-1", days[10])] * 40
    lines, found = audit(tmp_path, searches)
    assert found == {
        (line, logs.VOLUME)
        for line, (_, when) in zip(lines, searches, strict=True)
        if when == days[10]
    }


def test_a_spike_is_one_finding_for_its_user(tmp_path, agency, privacy_officer):
    day = "2025-06-18"
    searches = [(f"user-{u}", day) for u in range(12) for _ in range(3)]
    searches += [("user-spike", day)] * 40
    log = tmp_path / "audit.csv"
    rows = [
        (f"id-{i}", user, f"{when} 10:00:00", "12", "Property Crime")
        for i, (user, when) in enumerate(searches)
    ]
    logs.write_csv(log, logs.ALPR5_HEADER, rows)
    assert custodiet_scan(log, "--import", "--agency", agency.code).code == 0
    (finding,) = Finding.objects.filter(category=logs.VOLUME)
    assert (finding.user_id, finding.accesses, finding.rule) == ("user-spike", 40, "MON-6")
    assert finding.rows.count() == 40


def agency_audit(tmp_path, per_day: list[int]) -> tuple[list[int], list[dict[str, str]]]:
    """An audit with no user column (as Okaloosa's): one agency's searches, `per_day[n]` of
    them on day n; the lines of the rows and the flags its scan gives."""
    start = dt.date(2025, 1, 1)
    rows = [
        (
            f"id-{day}-{i}",
            "Example County SO",
            "Property Crime",
            f"{start + dt.timedelta(days=day)} {8 + i % 10:02d}:{i % 60:02d}:{i // 60 % 60:02d}",
        )
        for day, count in enumerate(per_day)
        for i in range(count)
    ]
    log = tmp_path / "agency.csv"
    lines = logs.write_csv(log, ("ID", "Org_Name", "Reason", "Search_Time"), rows)
    out = tmp_path / "flags.csv"
    ran = custodiet_scan(log, "--out", out)
    assert ran.code == 0, ran.stderr
    return lines, read_output(out)[1]


def test_an_agency_busy_day_is_one_flag_on_its_first_query_once_it_has_30_days(tmp_path):
    assert PARAMETERS["volume_agency_history_days"] == 30
    per_day = [5 + day % 3 for day in range(40)] + [200]
    lines, flags = agency_audit(tmp_path, per_day)
    assert [(int(f["source_line"]), f["category"]) for f in flags] == [
        (lines[sum(per_day[:-1])], logs.VOLUME)
    ]
    assert "ran 200 queries on 2025-02-10" in flags[0]["why"]
    assert "over 41 days with activity" in flags[0]["why"]
    assert "One flag for the day, on its first query." in flags[0]["why"]


def test_an_agency_with_less_history_is_not_judged_by_it(tmp_path):
    per_day = [5 + day % 3 for day in range(20)] + [200]
    _, flags = agency_audit(tmp_path, per_day)
    assert flags == []
