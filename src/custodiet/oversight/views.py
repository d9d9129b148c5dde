"""The Governor's office's pages: the agencies' accepted reports and the bundles sent to
the office, an upload that is checked in the background, each check's verdict, and the
Joint Budget Committee summary of a quarter with its downloads.

Only the oversight role sees them (`can_oversee`); a receipt of another office is the
same 404 as one that does not exist.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST, require_safe

from custodiet.accounts.access import require
from custodiet.accounts.models import Agency, Membership
from custodiet.accounts.ratelimit import limit_uploads
from custodiet.cases.letters import write_pdf
from custodiet.oversight import actions, summary
from custodiet.oversight import office as offices
from custodiet.oversight.forms import MB, BundleForm, QuarterForm, SizeLimit, last_ended_quarter
from custodiet.oversight.models import Receipt, Verdict
from custodiet.reports import received
from custodiet.reports.recount import Period
from custodiet.web.pages import staff_page

page = staff_page(not_found="oversight/not_found.html")
LATEST_RECEIPTS = 20
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# What each check of contract/REPORTS.md establishes, in plain words.
CHECKS = {
    "signature": "The checkpoint is signed with the agency's log key",
    "witness": "The office's witness cosigned the checkpoint after the period ended",
    "log": "The entries are those of the checkpoint, and extend the history accepted before",
    "leaves": "Every entry reads as the agency's ledger writes it",
    "counts": "Every figure of the report is recounted from the entries",
    "record": "The written record has one row per reportable request, and no other",
    "attestation": "The report is attested, or sent with exactly the exceptions the entries show",
}


def _membership(request: HttpRequest) -> Membership:
    return require(request.user, "can_oversee")


def _limit() -> int:
    return int(settings.CUSTODIET_BUNDLE_UPLOAD_MAX_MB) * MB


def _names(codes: Iterable[str]) -> dict[str, str]:
    return dict(Agency.objects.filter(code__in=list(codes)).values_list("code", "name"))


def _index(
    request: HttpRequest, membership: Membership, form: BundleForm, status: int = 200
) -> HttpResponse:
    try:
        config = offices.current()
    except offices.NoOffice as error:
        config, problem = None, str(error)
    else:
        problem = ""
    agencies = []
    if config is not None:
        # When and by whom each kept report was received here; one received on the command
        # line has no receipt, and shows when it was kept.
        receipts: dict[str, Verdict] = {}
        for verdict in (
            Verdict.objects.filter(receipt__office=membership.agency, accepted=True)
            .select_related("receipt__uploaded_by")
            .order_by("decided_at", "id")
        ):
            receipts.setdefault(verdict.kept_at, verdict)
        names = _names(config.agencies)
        for code in sorted(config.agencies):
            reports = offices.accepted(config, code)
            agencies.append(
                {
                    "code": code,
                    "name": names.get(code, ""),
                    "reports": [(r, receipts.get(str(r.folder.resolve()))) for r in reports],
                }
            )
    context = {
        "nav": "oversight",
        "problem": problem,
        "agencies": agencies,
        "receipts": Receipt.objects.of_office(membership.agency)[:LATEST_RECEIPTS],
        "form": form,
        "errors": [
            (form["bundle"].auto_id, f"{form['bundle'].label}: {e}")
            for e in form.errors.get("bundle", [])
        ],
        "quarter": last_ended_quarter(timezone.localdate()),
    }
    return render(request, "oversight/index.html", context, status=status)


@page
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    return _index(request, _membership(request), BundleForm(limit=_limit()))


@page
@csrf_exempt
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    # The size limit must be in place before anything reads the request's body, the CSRF
    # check included (it runs next, in `_upload`); the role is checked first, so that no
    # one else can make the server read a large upload at all.
    membership = _membership(request)
    request.upload_handlers.insert(0, SizeLimit(request, _limit()))
    return _upload(request, membership=membership)


@csrf_protect
@limit_uploads
def _upload(request: HttpRequest, *, membership: Membership) -> HttpResponse:
    form = BundleForm(request.POST, request.FILES, limit=_limit())
    try:
        offices.current()
    except offices.NoOffice:
        return _index(request, membership, form, status=409)
    if not form.is_valid():
        sent = request.FILES.get("bundle")
        if sent is not None:
            why = " ".join(form.errors["bundle"])
            actions.refuse(sent, by=request.user, office=membership.agency, why=why)
        return _index(request, membership, form, status=400)
    receipt = actions.take_in(
        form.cleaned_data["bundle"], by=request.user, office=membership.agency
    )
    return redirect("oversight-receipt", receipt.pk)


@page
@require_safe
def receipt_page(request: HttpRequest, receipt_id: int) -> HttpResponse:
    membership = _membership(request)
    receipt = Receipt.objects.of_office(membership.agency).filter(pk=receipt_id).first()
    if receipt is None:
        raise Http404("no such receipt")
    verdict = receipt.found
    checks = [
        {**check, "plain": CHECKS.get(check["name"], check["name"])}
        for check in (verdict.checks if verdict else [])
    ]
    return render(
        request,
        "oversight/receipt.html",
        {"nav": "oversight", "receipt": receipt, "verdict": verdict, "checks": checks},
    )


# The Joint Budget Committee summary ------------------------------------------------------


def _quarter(request: HttpRequest) -> tuple[QuarterForm, Period | None]:
    asked = request.GET.get("quarter")
    default = last_ended_quarter(timezone.localdate()).label
    form = QuarterForm({"quarter": default if asked is None else asked})
    return form, form.cleaned_data["quarter"] if form.is_valid() else None


def _summary_page(
    request: HttpRequest, form: QuarterForm, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    errors = [(form["quarter"].auto_id, f"Quarter: {e}") for e in form.errors.get("quarter", [])]
    return render(
        request,
        "oversight/summary.html",
        {"nav": "oversight", "form": form, "errors": errors, **context},
        status=status,
    )


def _summed(
    request: HttpRequest,
) -> tuple[QuarterForm, Period | None, list[dict[str, Any]], str]:
    """The form, the quarter asked for, `received.summary`'s rows, and why there are none."""
    _membership(request)
    form, quarter = _quarter(request)
    if quarter is None:
        return form, None, [], ""
    try:
        config = offices.current()
    except offices.NoOffice as error:
        return form, quarter, [], str(error)
    return form, quarter, received.summary(config, quarter), ""


def _summary_context(quarter: Period, rows: list[dict[str, Any]]) -> dict[str, Any]:
    lines = summary.lines(rows, _names(row["agency"] for row in rows))
    return {
        "quarter": quarter,
        "lines": lines,
        "reported": sum(1 for line in lines if line.quarter is not None),
        "quarter_chart": summary.chart(lines, quarter, year_to_date=False),
        "year_chart": summary.chart(lines, quarter, year_to_date=True),
    }


@page
@require_safe
def summary_page(request: HttpRequest) -> HttpResponse:
    form, quarter, rows, problem = _summed(request)
    if quarter is None:
        return _summary_page(request, form, {}, status=400)
    if problem:
        return _summary_page(request, form, {"problem": problem, "quarter": quarter})
    return _summary_page(request, form, _summary_context(quarter, rows))


def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@page
@require_safe
def summary_xlsx(request: HttpRequest) -> HttpResponse:
    form, quarter, rows, problem = _summed(request)
    if quarter is None or problem:
        return _summary_page(
            request, form, {"problem": problem}, status=400 if not problem else 404
        )
    with tempfile.TemporaryDirectory(prefix="custodiet-jbc-") as folder:
        out = Path(folder) / "summary.xlsx"
        received.write_summary(rows, out)
        content = out.read_bytes()
    return _attachment(content, XLSX, f"jbc-{quarter.label}.xlsx")


@page
@require_safe
def summary_pdf(request: HttpRequest) -> HttpResponse:
    membership = _membership(request)
    form, quarter, rows, problem = _summed(request)
    if quarter is None or problem:
        return _summary_page(
            request, form, {"problem": problem}, status=400 if not problem else 404
        )
    html = render_to_string(
        "oversight/summary_pdf.html",
        {
            "office": membership.agency,
            "made_on": timezone.localdate(),
            **_summary_context(quarter, rows),
        },
    )
    pdf = write_pdf(html, f"custodiet:jbc-summary:{quarter.label}")
    return _attachment(pdf, "application/pdf", f"jbc-{quarter.label}.pdf")
