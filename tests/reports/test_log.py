"""The request log page through HTTP: filters, counts, the chart and its table, the rows.

Every filter is checked against the same question asked of the records in plain Python
(filters.py); the chart is read as SVG and its numbers compared with the table's.
"""

from __future__ import annotations

import datetime as dt

import pytest

from custodiet.cases import actions
from custodiet.policy.model import parse_request
from custodiet.records.actions import receive_and_decide
from custodiet.records.models import RequestRecord
from custodiet.reports import views

from . import pages
from .conftest import ICE_NO_PROCESS, ROBBERY, contract
from .filters import FILTERS, received

OUTCOME_LABELS = {"refuse": "Refuse", "legal_review": "Legal review", "eligible": "Eligible"}


@pytest.mark.parametrize(("query", "pick"), FILTERS)
def test_the_counts_and_rows_are_those_of_the_filter(log, privacy_officer, signed_in, query, pick):
    chosen = [record for record in log if pick(record)]

    response = signed_in(privacy_officer).get("/log/", query)

    assert response.status_code == 200
    assert pages.heading_total(response) == len(chosen)
    assert pages.row_ids(response) == [record.public_id for record in chosen]
    if chosen:
        assert pages.counts(response) == {
            **{
                label: sum(record.outcome == outcome for record in chosen)
                for outcome, label in OUTCOME_LABELS.items()
            },
            "Immigration-related": sum(bool(record.immigration_related) for record in chosen),
        }
    else:
        assert pages.counts(response) == {}
        assert pages.chart(response) is None
        assert "export.csv" not in pages.html(response)


def test_the_log_covers_every_outcome_over_several_months(log):
    # The data the other tests rely on, checked once: if the rules change, this says why.
    assert {record.outcome for record in log} == {"refuse", "legal_review", "eligible"}
    assert len({record.received_at.month for record in log}) >= 3


def test_the_filter_stays_in_the_form_and_in_the_download_links(log, privacy_officer, signed_in):
    response = signed_in(privacy_officer).get(
        "/log/", {"start": "2025-03-01", "outcome": "refuse", "requester": "Immigration"}
    )
    page = pages.html(response)
    assert 'value="2025-03-01"' in page
    assert '<option value="refuse" selected>' in page
    assert 'value="Immigration"' in page
    assert "/log/export.csv?start=2025-03-01&amp;outcome=refuse&amp;requester=Immigration" in page
    assert "/log/export.xlsx?start=2025-03-01&amp;outcome=refuse&amp;requester=Immigration" in page
    assert (
        "Requests received from 1 Mar 2025, from an organization containing “Immigration”, with the rules' outcome Refuse."
        in pages.text(response)
    )


# The chart


def test_the_chart_has_one_bar_group_per_month_of_the_range_and_the_table_the_same_numbers(
    log, privacy_officer, signed_in
):
    response = signed_in(privacy_officer).get("/log/", {"start": "2024-12-01", "end": "2025-04-30"})

    svg = pages.chart(response)
    months = pages.chart_months(svg)
    assert list(months) == ["2024-12", "2025-01", "2025-02", "2025-03", "2025-04"]
    table = pages.month_table(response)
    assert list(table) == list(months)
    for month, group in months.items():
        in_month = [record for record in log if f"{received(record):%Y-%m}" == month]
        numbers = [
            sum(record.outcome == outcome for record in in_month) for outcome in OUTCOME_LABELS
        ]
        immigration = sum(bool(record.immigration_related) for record in in_month)
        assert table[month] == [*numbers, len(in_month), immigration]
        # One stacked segment per outcome that the month has.
        assert len(group.findall(f"{pages.SVG}g")) == sum(1 for n in numbers if n)
    assert months["2025-01"].find(f"{pages.SVG}title").text == (
        "January 2025: 4 requests (2 refused, 2 eligible)"
    )
    assert months["2025-02"].find(f"{pages.SVG}title").text == "February 2025: 0 requests"


def test_an_open_ended_range_runs_from_the_first_to_the_last_month_with_requests(
    log, privacy_officer, signed_in
):
    client = signed_in(privacy_officer)
    everything = pages.chart(client.get("/log/"))
    assert list(pages.chart_months(everything)) == ["2025-01", "2025-02", "2025-03", "2025-04"]
    until_march = pages.chart(client.get("/log/", {"end": "2025-03-31"}))
    assert list(pages.chart_months(until_march)) == ["2025-01", "2025-02", "2025-03"]
    # Decades of empty months are not drawn: the chart keeps to the months with requests.
    decades = pages.chart(client.get("/log/", {"start": "1990-01-01", "end": "2060-12-31"}))
    assert list(pages.chart_months(decades)) == ["2025-01", "2025-02", "2025-03", "2025-04"]


def test_the_chart_is_named_for_assistive_technology_and_needs_no_inline_style(
    log, privacy_officer, signed_in
):
    response = signed_in(privacy_officer).get("/log/")
    svg = pages.chart(response)
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "log-chart-title log-chart-desc"
    assert svg.find(f"{pages.SVG}title").text == "Requests by month and outcome"
    assert svg.find(f"{pages.SVG}desc").text.startswith(
        "Stacked bars, one per month from January 2025 to April 2025: 9 requests in all, "
        "3 refused, 2 for legal review, 4 eligible."
    )
    # The Content-Security-Policy blocks style attributes and <style> elements.
    assert all("style" not in element.attrib for element in svg.iter())
    assert svg.find(f".//{pages.SVG}style") is None
    assert "<details" in pages.html(response)


# The rows


def test_rows_are_paged_on_the_server_and_pages_keep_the_filter(
    log, privacy_officer, signed_in, monkeypatch
):
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    client = signed_in(privacy_officer)
    seen = []
    for number in (1, 2, 3):
        seen += pages.row_ids(client.get("/log/", {"page": number}))
    assert seen == [record.public_id for record in log]
    first = pages.html(client.get("/log/", {"channel": "email"}))
    assert '?channel=email&amp;page=2"' in first
    # The counts are the filter's, whichever page is shown.
    assert pages.heading_total(client.get("/log/", {"page": 3})) == len(log)


def test_an_id_links_to_its_case_and_another_agencys_request_is_not_shown(
    log, agency, other_agency, privacy_officer, person, signed_in
):
    clerk = person("clerk", "clerk", agency)
    other_clerk = person("other_clerk", "clerk", other_agency)
    own = actions.take_in(
        parse_request(contract("2025-04-20T10:00", ICE_NO_PROCESS, {})), by=clerk, agency=agency
    )
    theirs = actions.take_in(
        parse_request(
            contract("2025-04-21T10:00", ICE_NO_PROCESS, {"receiving_agency": "CO-CDPS-CSP"})
        ),
        by=other_clerk,
        agency=other_agency,
    )

    page = pages.html(signed_in(privacy_officer).get("/log/", {"start": "2025-04-20"}))

    own_id, their_id = own.request.public_id, theirs.request.public_id
    assert f'<a class="text-no-wrap" href="/cases/{own_id}/">{own_id}</a>' in page
    assert their_id not in page
    # Requests recorded without a case (imported, for one) have no page to link to.
    assert f'href="/cases/{log[0].public_id}/"' not in page


def test_the_page_asks_the_database_the_same_few_questions_however_many_rows(
    log, agency, privacy_officer, signed_in, django_assert_max_num_queries
):
    client = signed_in(privacy_officer)
    with django_assert_max_num_queries(12):
        client.get("/log/")
    more = [contract(f"2025-04-{day:02d}T09:00", ROBBERY, {}) for day in range(1, 29)]
    receive_and_decide(
        [parse_request(request) for request in more], actor="import:test", agency=agency
    )
    with django_assert_max_num_queries(12):
        client.get("/log/")


# Bad filters


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "soon"}, "Received from: “soon” is not a date; write it as 2025-03-31."),
        ({"end": "2025-02-30"}, "Received until: “2025-02-30” is not a date"),
        (
            {"outcome": "maybe"},
            "Rules' outcome: “maybe” is not one of the choices: refuse, legal_review, eligible.",
        ),
        (
            {"start": "2025-03-01", "end": "2025-02-01"},
            "Received until: 2025-02-01 comes before the first date, 2025-03-01.",
        ),
        (
            {"immigration_related": "perhaps"},
            "Immigration-related: “perhaps” is not one of the choices: yes, no.",
        ),
        ({"channel": "fax"}, "How it arrived: “fax” is not one of the choices"),
        (
            {"end": "9999-12-31"},
            "Received until: 9999-12-31 is outside the years of any request, 1900 to 9000.",
        ),
        ({"requester": "Denver\x00"}, "Requester: Null characters are not allowed."),
        ({"requester": "x" * 301}, "Requester: Ensure this value has at most 300 characters"),
    ],
)
@pytest.mark.parametrize("url", ["/log/", "/log/export.csv", "/log/export.xlsx"])
def test_a_bad_filter_names_its_field_and_shows_nothing_else(
    log, privacy_officer, signed_in, url, query, message
):
    response = signed_in(privacy_officer).get(url, {"outcome": "refuse", **query})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    shown = pages.text(response)
    assert message in shown
    assert "Nothing is shown" in shown
    assert pages.heading_total(response) is None
    assert pages.counts(response) == {}
    assert pages.chart(response) is None
    assert pages.row_ids(response) == []
    assert "export.csv" not in pages.html(response)


def test_a_page_number_past_the_end_shows_the_last_page(log, privacy_officer, signed_in):
    response = signed_in(privacy_officer).get("/log/", {"page": "99"})
    assert pages.row_ids(response) == [record.public_id for record in log]
    response = signed_in(privacy_officer).get("/log/", {"page": "soon"})
    assert pages.row_ids(response) == [record.public_id for record in log]


def test_a_stray_far_future_row_adds_one_month_to_the_chart_not_centuries(
    log, agency, privacy_officer, signed_in
):
    # Written before dates were checked at intake: it cannot be deleted (the log keeps
    # everything), so the page must bear it.
    stray = RequestRecord.objects.get(pk=log[0].pk)
    RequestRecord.objects.filter(pk=stray.pk).update(
        received_at=dt.datetime(8999, 12, 31, 12, tzinfo=dt.UTC)
    )

    response = signed_in(privacy_officer).get("/log/")

    assert response.status_code == 200
    months = list(pages.chart_months(pages.chart(response)))
    assert months == ["2025-01", "2025-03", "2025-04", "8999-12"]
    assert pages.heading_total(response) == len(log)
