"""The access monitor's overview through HTTP: scans, counts, the three charts and their
tables, the findings, and the organizations the directory does not know.

The numbers on the page are compared with the flags of the known log (conftest.FLAGS) and
with an oracle that reads the imported flagged rows one by one in plain Python, so that a
filter is checked against an independent answer rather than against itself.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections import Counter

import pytest

from custodiet.monitor import views
from custodiet.monitor.models import CATEGORY_LABELS, FlaggedAccess, Scan
from custodiet.scanner.rules import IMMIGRATION_CATEGORIES

from . import pages
from .conftest import BY_MONTH, DENVER_PD, FLAGS, ICE_LESC, UNKNOWN_IAQ, UNKNOWN_TEST, write_log

IMMIGRATION = set(IMMIGRATION_CATEGORIES)


def flags_where(**wanted) -> list[FlaggedAccess]:
    """The oracle: every imported flag that the filter's words describe."""
    rows = FlaggedAccess.objects.select_related("finding__scan")
    picked = []
    for row in rows:
        finding = row.finding
        month = f"{row.occurred_at:%Y-%m}" if row.occurred_at else None
        if "scan" in wanted and finding.scan_id != wanted["scan"]:
            continue
        if "categories" in wanted and finding.category not in wanted["categories"]:
            continue
        if "accessor" in wanted and wanted["accessor"].lower() not in finding.agency.lower():
            continue
        if "start" in wanted and (month is None or month < wanted["start"]):
            continue
        if "end" in wanted and (month is None or month > wanted["end"]):
            continue
        picked.append(row)
    return picked


@pytest.fixture
def reader(privacy_officer, signed_in):
    return signed_in(privacy_officer)


# The scans and the counts


def test_the_scans_are_listed_newest_first_with_their_files_and_numbers(
    agency, import_log, reader, tmp_path
):
    first = import_log(agency)
    second = import_log(agency, write_log(tmp_path / "switch-again.csv", plate="S"), by="a.analyst")

    rows = pages.table(reader.get("/monitor/"), "2 scans")

    assert [row[0] for row in rows[1:]] == [f"Scan {second.pk}", f"Scan {first.pk}"]
    assert "by a.analyst" in rows[1][1]
    assert "switch-again.csv (switch, 79 rows)" in rows[1][2]
    assert rows[1][3:] == ["79", f"{second.flags} Certifications not checked"]


def test_the_counts_by_category_put_the_immigration_categories_first(scanned, reader):
    response = reader.get("/monitor/")

    assert pages.heading_total(response) == scanned.flags
    text = pages.text(response)
    immigration = text[text.index("Immigration enforcement") : text.index("Other misuse")]
    others = text[text.index("Other misuse") : text.index("Charts")]
    assert immigration.strip() == (
        "Immigration enforcement Immigration agency 3 Immigration reason 2 Immigration query 2"
    )
    assert f"No articulable purpose {FLAGS['no_articulable_purpose']}" in others
    assert f"Volume anomaly {scanned.by_category['volume_anomaly']}" in others
    assert scanned.by_category["volume_anomaly"] > 0


def test_an_agency_with_no_scan_is_told_how_to_import_one(agency, reader):
    response = reader.get("/monitor/")

    assert response.status_code == 200
    assert "No scan has been imported yet" in pages.text(response)
    assert "custodiet scan FILE --import --agency CO-DOR-DMV" in pages.text(response)
    assert pages.heading_total(response) is None


# The charts


def test_the_month_chart_has_a_bar_per_month_and_its_table_the_same_numbers(scanned, reader):
    response = reader.get("/monitor/")

    svg = pages.charts(response)["monitor-months"]
    months = pages.bars(svg, "month-")
    assert list(months) == ["2025-01", "2025-02", "2025-03"]
    table = pages.table(response, "Flags by month and category")
    assert table[0] == ["Month", *CATEGORY_LABELS.values(), "Total"]
    oracle = Counter((f"{row.occurred_at:%Y-%m}", row.finding.category) for row in flags_where())
    for (month, group), row in zip(months.items(), table[1:], strict=False):
        numbers = [oracle[(month, category)] for category in CATEGORY_LABELS]
        assert row == [
            f"{dt.date.fromisoformat(month + '-01'):%B %Y}",
            *map(str, numbers),
            str(sum(numbers)),
        ]
        for category, n in BY_MONTH[month].items():
            assert oracle[(month, category)] == n
        # One stacked segment per category the month has.
        assert len(group.findall(f"{pages.SVG}g")) == sum(1 for n in numbers if n)
    assert table[-1] == [
        "All months",
        *(str(n) for n in scanned.by_category.values()),
        str(scanned.flags),
    ]
    assert months["2025-02"].find(f"{pages.SVG}title").text == (
        "February 2025: 3 flags (1 immigration reason, 2 immigration query)"
    )


def test_the_agency_chart_shows_the_ten_with_the_most_flags_and_counts_the_rest(
    agency, import_log, reader, tmp_path
):
    # Twelve agencies the directory does not know, each searching with no reason: the
    # first with twelve searches, the last with one.
    log = tmp_path / "many.csv"
    log.write_text(
        "timestamp,ori,user_id,message\n"
        + "".join(
            f"2025-05-0{1 + n % 9}T10:00:00Z,CO09{index:05d},u{index},DQ.CO09{index:05d}.CO.TXT RSN/TEST.OLN/{n}\n"
            for index in range(1, 13)
            for n in range(13 - index)
        )
    )
    import_log(agency, log)

    response = reader.get("/monitor/")

    svg = pages.charts(response)["monitor-agencies"]
    ranked = pages.bars(svg, "agency-")
    assert len(ranked) == 10
    assert ranked["1"].find(f"{pages.SVG}title").text == (
        "CO0900001 (not in the agency directory): 12 flags (12 no articulable purpose)"
    )
    assert svg.find(f"{pages.SVG}title").text == "The 10 accessing agencies with the most flags"
    table = pages.table(response, "Flags by accessing agency and category")
    assert table[1][0] == "CO0900001 (not in the agency directory)"
    assert table[-2] == ["The other 2 agencies", "0", "0", "0", "3", "0", "0", "3"]
    assert table[-1][0] == "All agencies" and table[-1][-1] == str(sum(range(1, 13)))


def test_the_charts_are_named_for_assistive_technology_and_need_no_inline_style(scanned, reader):
    response = reader.get("/monitor/")
    found = pages.charts(response)

    assert list(found) == ["monitor-months", "monitor-agencies", "monitor-categories"]
    for chart_id, svg in found.items():
        assert svg.get("role") == "img"
        assert svg.get("aria-labelledby") == f"{chart_id}-title {chart_id}-desc"
        assert svg.find(f"{pages.SVG}desc").get("id") == f"{chart_id}-desc"
        assert all("style" not in element.attrib for element in svg.iter())
        assert svg.find(f".//{pages.SVG}style") is None
    categories = found["monitor-categories"]
    assert list(pages.bars(categories, "category-")) == list(CATEGORY_LABELS)
    assert categories.find(f"{pages.SVG}desc").text.startswith(
        "Horizontal bars, one per category, the three immigration categories first: "
        "Immigration agency, 3 flags; Immigration reason, 2 flags; Immigration query, 2 flags;"
    )
    # The bars' ids are unique on the page.
    ids = [
        element.get("id") for svg in found.values() for element in svg.iter() if element.get("id")
    ]
    assert len([i for i in ids if i.startswith(("month-", "agency-", "category-"))]) == len(
        {i for i in ids if i.startswith(("month-", "agency-", "category-"))}
    )


def test_the_charts_stay_inline_svg_whatever_other_libraries_register(scanned, reader):
    # WeasyPrint, on import, takes ElementTree's default prefix for its own namespace.
    ET.register_namespace("", "")

    page = pages.html(reader.get("/monitor/"))

    assert page.count('<svg xmlns="http://www.w3.org/2000/svg"') == 3
    assert "ns0:" not in page


# Filters


FILTERS = [
    pytest.param({}, {}, id="everything"),
    pytest.param({"category": "immigration"}, {"categories": IMMIGRATION}, id="immigration"),
    pytest.param(
        {"category": "no_articulable_purpose"},
        {"categories": {"no_articulable_purpose"}},
        id="one-category",
    ),
    pytest.param({"accessor": "denver"}, {"accessor": "denver"}, id="accessor"),
    pytest.param({"accessor": "VTICE0900"}, {"accessor": "VTICE0900"}, id="ori"),
    pytest.param(
        {"start": "2025-02", "end": "2025-02"},
        {"start": "2025-02", "end": "2025-02"},
        id="february",
    ),
    pytest.param({"start": "2025-03"}, {"start": "2025-03"}, id="from-march"),
    pytest.param({"end": "2025-01"}, {"end": "2025-01"}, id="until-january"),
    pytest.param(
        {"category": "immigration", "accessor": "Law", "start": "2025-01", "end": "2025-02"},
        {"categories": IMMIGRATION, "accessor": "Law", "start": "2025-01", "end": "2025-02"},
        id="all-at-once",
    ),
]


@pytest.mark.parametrize(("query", "wanted"), FILTERS)
def test_a_filter_shows_the_flags_and_findings_it_describes(scanned, reader, query, wanted):
    response = reader.get("/monitor/", query)

    assert response.status_code == 200
    expected = flags_where(**wanted)
    assert pages.heading_total(response) == len(expected)
    listed = {int(href.split("/")[-2]) for href in pages.links(response, "/monitor/findings/")}
    assert listed == {row.finding_id for row in expected}
    if expected:
        months = pages.table(response, "Flags by month and category")
        assert sum(int(row[-1]) for row in months[1:-1]) == len(expected)


def test_filters_by_scan_count_that_scan_alone(agency, import_log, reader, tmp_path):
    first = import_log(agency)
    second = import_log(agency, write_log(tmp_path / "again.csv", plate="S"))

    both = reader.get("/monitor/")
    one = reader.get("/monitor/", {"scan": first.pk})

    assert pages.heading_total(both) == first.flags + second.flags
    assert pages.heading_total(one) == first.flags
    assert "Flags in scan" in pages.text(one)
    listed = {int(href.split("/")[-2]) for href in pages.links(one, "/monitor/findings/")}
    assert listed == set(first.findings.values_list("pk", flat=True))


def test_the_findings_list_immigration_first_and_link_each_finding(scanned, reader):
    rows = pages.table(reader.get("/monitor/"), "Findings 1 to")

    assert rows[0] == [
        "Accessing agency",
        "Category",
        "User",
        "Accesses",
        "First",
        "Last",
        "Why",
    ]
    categories = [row[1] for row in rows[1:]]
    labels = list(CATEGORY_LABELS.values())
    assert categories == sorted(categories, key=labels.index)
    assert rows[1][:6] == [
        f"{ICE_LESC} Scan {scanned.pk}",
        "Immigration agency",
        "All users",
        "3",
        "7 Jan 2025",
        "4 Mar 2025",
    ]
    volume = next(row for row in rows if row[1] == "Volume anomaly")
    assert volume[0].startswith(DENVER_PD) and volume[2] == "dpd-9"


def test_findings_are_paged_and_the_pages_keep_the_filter(scanned, reader, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)

    first = reader.get("/monitor/", {"category": "immigration"})
    second = reader.get("/monitor/", {"category": "immigration", "page": 2})

    assert pages.table(first, "Findings 1 to 2 of 3")
    assert len(pages.table(second, "Findings 3 to 3 of 3")) == 2
    assert "?category=immigration&amp;page=2" in pages.html(first)
    assert pages.heading_total(second) == 7


@pytest.mark.parametrize(
    ("query", "messages"),
    [
        ({"start": "soon"}, ["From month: “soon” is not a month; write it as 2025-03."]),
        ({"end": "2025-13"}, ["Until month: “2025-13” is not a month; write it as 2025-03."]),
        (
            {"start": "2025-03", "end": "2025-01"},
            ["Until month: 2025-01 comes before the first month, 2025-03."],
        ),
        ({"category": "maybe"}, ["Category: “maybe” is not one of the choices:"]),
        ({"scan": "x"}, ["Scan: “x” is not a scan of your agency; choose one from the list."]),
        ({"start": "0001-01"}, ["From month: 0001-01 is outside the years 1900 to 9000."]),
    ],
)
def test_a_filter_that_does_not_parse_shows_its_errors_and_no_number(
    scanned, reader, query, messages
):
    response = reader.get("/monitor/", query)

    assert response.status_code == 400
    for message in messages:
        assert message in pages.text(response)
    assert pages.heading_total(response) is None
    assert pages.charts(response) == {}
    assert pages.links(response, "/monitor/findings/") == []


def test_another_agencys_scan_is_not_a_choice(scanned, other_agency, import_log, reader):
    theirs = import_log(other_agency)

    response = reader.get("/monitor/", {"scan": theirs.pk})

    assert response.status_code == 400
    assert f"Scan: “{theirs.pk}” is not a scan of your agency" in pages.text(response)


# Organizations the directory does not know


def test_the_organizations_the_directory_does_not_know_link_to_a_prefilled_entry(scanned, reader):
    response = reader.get("/monitor/")

    rows = pages.table(response, f"Organizations and ORIs of scan {scanned.pk}")
    assert [row[:2] for row in rows[1:]] == [[UNKNOWN_IAQ, "2"], [UNKNOWN_TEST, "1"]]
    assert pages.links(response, "/directory/new/") == [
        "/directory/new/?ori=CO0010000",
        "/directory/new/?ori=CO0300000",
    ]
    assert "/partners/" in pages.links(response, "/partners/")


def test_a_registered_name_and_an_organization_prefill_what_they_can(agency, reader):
    Scan.objects.create(
        agency=agency,
        imported_at=dt.datetime(2025, 4, 1, tzinfo=dt.UTC),
        imported_by="privacy_officer",
        files=[],
        rows=0,
        flags=0,
        by_category={},
        unknown_agencies=[
            {
                "label": "Front Range Mutual (CO0990000, not in the agency directory)",
                "ori": "CO0990000",
                "name": "Front Range Mutual",
                "accesses": 4,
            },
            {
                "label": "Acme Data Brokers (not in the agency directory)",
                "ori": "",
                "name": "Acme Data Brokers",
                "accesses": 3,
            },
            {
                "label": "CO0010000 / CO0020000 (not in the agency directory)",
                "ori": "CO0010000 / CO0020000",
                "name": "",
                "accesses": 2,
            },
        ],
        certification_checked=True,
    )

    response = reader.get("/monitor/")

    assert pages.links(response, "/directory/new/") == [
        "/directory/new/?name=Front+Range+Mutual&ori=CO0990000",
        "/directory/new/?name=Acme+Data+Brokers",
        "/directory/new/?ori=CO0010000",
    ]


def test_those_who_cannot_edit_the_directory_see_the_list_without_links(
    scanned, auditor, signed_in
):
    response = signed_in(auditor).get("/monitor/")

    assert pages.table(response, f"Organizations and ORIs of scan {scanned.pk}")
    assert pages.links(response, "/directory/new/") == []
    assert pages.links(response, "/partners/") == []
