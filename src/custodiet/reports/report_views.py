"""The reports to the Governor's office: which periods the law asks for and how each
stands, building one (a background job), and the attester reading it in full and
attesting it, or sending it with its exceptions listed.

The privacy officer builds; the designated attester attests; both read every report in
full (its written record names people). Nobody else sees these pages.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from custodiet import labels
from custodiet.accounts.access import require
from custodiet.accounts.forms import FreshCodeForm
from custodiet.accounts.models import Membership
from custodiet.jobs import start
from custodiet.jobs.models import Job, State
from custodiet.policy.packs import get_pack
from custodiet.records.export import EXPORT_FIELDS
from custodiet.reports import actions, bundle
from custodiet.reports.models import Attestation, Report
from custodiet.reports.oversight import STATEMENT
from custodiet.reports.recount import STATUSES, Period
from custodiet.web.pages import staff_page

page = staff_page(not_found="reports/report_not_found.html")
# The written record's fields the page shows as columns; the rest follow each row.
MAIN_FIELDS = (
    "request_id",
    "date_received",
    "requester_organization",
    "requester_level",
    "records_sought",
    "outcome",
    "final_status",
    "immigration_related",
    "last_decided_by",
)


# The report's counts as the page shows them: caption, field of `counts`, and the
# vocabulary its keys are values of (yes and no, "none" and "unknown" read as themselves).
COUNTED = (
    ("By final status", "final_status", "final_status"),
    ("Immigration-related", "immigration_related", None),
    ("By requester level", "requester_level", "level"),
    ("By channel", "channel", "channel"),
    ("By legal process offered", "legal_process", "kind"),
    ("By records requested", "records_requested", "records_requested"),
)


@dataclass(frozen=True)
class Due:
    period: Period
    duty: str  # the law that asks for it, in words
    report: Report | None  # its latest build
    building: Job | None  # a build queued or running


def _periods(today: dt.date) -> list[tuple[Period, str]]:
    """Every period a reporting duty of the pack asks for that has ended, newest first."""
    pack = get_pack(settings.CUSTODIET_POLICY_PACK)
    found: dict[str, tuple[Period, str]] = {}
    for duty in pack.reporting:
        year = duty.start.year
        while year <= today.year:
            labels = [str(year)] if duty.kind == "year" else [f"{year}-Q{q}" for q in range(1, 5)]
            for label in labels:
                period = Period.parse(label)
                if period.end < today and duty.covers(period.kind, period.start):
                    words = duty.citation + ("" if duty.confirmed else " (unconfirmed)")
                    found[label] = (period, words)
            year += 1
    return sorted(found.values(), key=lambda item: (item[0].end, item[0].kind), reverse=True)


def _membership(request: HttpRequest) -> Membership:
    return require(request.user, "can_read_reports")


def _report(membership: Membership, report_id: int) -> Report:
    report = (
        Report.objects.select_related("agency", "built_by")
        .filter(pk=report_id, agency=membership.agency)
        .first()
    )
    if report is None:
        raise Http404("no such report")
    return report


@page
@require_safe
def report_list(request: HttpRequest) -> HttpResponse:
    membership = _membership(request)
    latest: dict[str, Report] = {}
    for report in (
        Report.objects.filter(agency=membership.agency)
        .select_related("attestation", "built_by")
        .order_by("-built_at", "-id")
    ):
        latest.setdefault(report.period, report)
    building: dict[str, Job] = {}
    for job in Job.objects.filter(
        agency=membership.agency, kind="report-build", state__in=[State.QUEUED, State.RUNNING]
    ):
        if not job.stalled:
            building.setdefault(str(job.args.get("period")), job)
    dues = [
        Due(period, duty, latest.get(period.label), building.get(period.label))
        for period, duty in _periods(timezone.localdate())
    ]
    waiting = [due for due in dues if due.report and not hasattr(due.report, "attestation")]
    return render(
        request,
        "reports/reports.html",
        {"nav": "reports", "membership": membership, "dues": dues, "waiting": waiting},
    )


@page
@require_POST
def build_report(request: HttpRequest) -> HttpResponse:
    membership = require(request.user, "can_build_reports")
    labels = {period.label for period, _ in _periods(timezone.localdate())}
    label = request.POST.get("period", "")
    if label not in labels:
        raise PermissionDenied(f"period: {label!r} is not a period the law asks for that has ended")
    running = Job.objects.filter(
        agency=membership.agency,
        kind="report-build",
        state__in=[State.QUEUED, State.RUNNING],
        args__period=label,
    ).first()
    if running is not None and not running.stalled:
        return redirect("job", running.pk)
    job = start(
        "report-build",
        user=request.user,
        agency=membership.agency,
        args={"period": label, "next_url": reverse("reports")},
    )
    return redirect("job", job.pk)


def _record_rows(report: Report) -> list[dict[str, str]]:
    with (Path(report.directory) / "record.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


class AttestForm(FreshCodeForm):
    name = forms.CharField(
        max_length=150,
        label="Your name, as it goes on the report",
        widget=forms.TextInput(attrs={"class": "usa-input", "autocomplete": "name"}),
    )
    title = forms.CharField(
        max_length=150,
        label="Your title",
        widget=forms.TextInput(attrs={"class": "usa-input", "autocomplete": "organization-title"}),
    )
    read_in_full = forms.BooleanField(
        label="I have read this report in full: its counts, its written record and its exceptions",
        widget=forms.CheckboxInput(attrs={"class": "usa-checkbox__input"}),
    )


def _detail(
    request: HttpRequest, report: Report, membership: Membership, form: Any
) -> HttpResponse:
    directory = Path(report.directory)
    if not (directory / "report.json").is_file() or not (directory / "record.csv").is_file():
        # The folder was moved or removed: the row stays (it is in the ledger), the page
        # cannot show what is not there.
        raise Http404(f"the files of report {report.pk} are no longer in {directory}")
    content = json.loads((directory / "report.json").read_text(encoding="utf-8"))
    rows = _record_rows(report)
    attestation = Attestation.objects.filter(report=report).select_related("by").first()
    superseded = None if attestation else actions.superseded_by(report)
    counts = content["counts"]
    tables = [
        (caption, [(labels.label(key, vocabulary), n) for key, n in counts[field].items()])
        for caption, field, vocabulary in COUNTED
    ]
    return render(
        request,
        "reports/report.html",
        {
            "nav": "reports",
            "membership": membership,
            "report": report,
            "content": content,
            "statuses": [(s, counts["final_status"].get(s, 0)) for s in STATUSES],
            "tables": tables,
            "main_fields": MAIN_FIELDS,
            "rows": [
                (
                    [row.get(f, "") for f in MAIN_FIELDS],
                    [(f, row.get(f, "")) for f in EXPORT_FIELDS if f not in MAIN_FIELDS],
                )
                for row in rows
            ],
            "attestation": attestation,
            "superseded": superseded,
            "form": form,
            "statement": STATEMENT,
            "duty": bundle.required(Period.parse(report.period)),
        },
    )


@page
@require_safe
def report_page(request: HttpRequest, report_id: int) -> HttpResponse:
    membership = _membership(request)
    report = _report(membership, report_id)
    form = None
    if (
        membership.can_attest
        and not Attestation.objects.filter(report=report).exists()
        and actions.superseded_by(report) is None
    ):
        user = request.user
        name = user.get_full_name() if hasattr(user, "get_full_name") else ""
        form = AttestForm(user=user, initial={"name": name or user.get_username()})
    return _detail(request, report, membership, form)


@page
@require_POST
def attest(request: HttpRequest, report_id: int) -> HttpResponse:
    membership = require(request.user, "can_attest")
    report = _report(membership, report_id)
    form = AttestForm(request.POST, user=request.user)
    if not form.is_valid():
        return _detail(request, report, membership, form)
    act = actions.attest if not report.exceptions else actions.send_with_exceptions
    try:
        act(
            report,
            by=request.user,
            name=form.cleaned_data["name"],
            title=form.cleaned_data["title"],
        )
    except actions.AttestError as error:
        form.add_error(None, str(error))
        return _detail(request, report, membership, form)
    messages.success(
        request,
        f"{report.period}: "
        + ("attested" if not report.exceptions else "sent with its exceptions listed")
        + ", and recorded in the ledger. Download the bundle below to send it.",
    )
    return redirect("report", report.pk)


def _file(report: Report, name: str, content_type: str, download: str) -> FileResponse:
    path = Path(report.directory) / name
    if not path.is_file():
        raise Http404("the report's file is missing")
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=download, content_type=content_type
    )


@page
@require_safe
def report_pdf(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _report(_membership(request), report_id)
    return _file(
        report, "report.pdf", "application/pdf", f"report-{report.agency.code}-{report.period}.pdf"
    )


@page
@require_safe
def report_record(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _report(_membership(request), report_id)
    return _file(
        report,
        "record.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"record-{report.agency.code}-{report.period}.xlsx",
    )


@page
@require_safe
def report_bundle(request: HttpRequest, report_id: int) -> HttpResponse:
    """The bundle as sent: only once it is attested or sent with its exceptions."""
    report = _report(_membership(request), report_id)
    try:
        archive = actions.sent_archive(report)
    except bundle.ReportError as error:
        raise PermissionDenied(f"the bundle cannot be sent: {error}") from None
    if archive is None:
        raise PermissionDenied("the report is sent once its attester has attested it")
    return FileResponse(
        archive.open("rb"),
        as_attachment=True,
        filename=f"report-{report.agency.code}-{report.period}.tar.gz",
        content_type="application/gzip",
    )
