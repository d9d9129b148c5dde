"""The privacy officer's pages for the partner registry: partners, their restriction
notices and acknowledgments, and their 24-74-105 certifications.

Thin adapters: check access (`partner_manager`, `get_partner_for_user`), parse the form, call one
action of `custodiet.partners.actions`, render. A refusal is a 403 page that says why;
an unknown partner and another agency's partner are the same 404 page. Every POST that
succeeds redirects.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from custodiet.accounts.access import require
from custodiet.accounts.models import Membership
from custodiet.accounts.ratelimit import limit_uploads
from custodiet.directory.current import current_directory
from custodiet.partners import actions
from custodiet.partners.forms import (
    NOTICE_STATES,
    AcknowledgmentForm,
    CertificationForm,
    NoticeForm,
    PartnerFilterForm,
    PartnerForm,
)
from custodiet.partners.models import Acknowledgment, Notice, Partner
from custodiet.partners.registry import (
    CURRENT,
    EXPIRING,
    EXPIRING_WITHIN_DAYS,
    LAPSED,
    NONE,
    STANDINGS,
    Row,
    agency_partners,
    certifications_without_forms,
    effective_oris,
    rows,
    standing,
    unacknowledged,
    valid_through,
)
from custodiet.records.models import Event
from custodiet.web import pages

PAGE_SIZE = 50
# USWDS utility colours for each standing's tag, each at least 4.5:1 against its text.
STANDING_TAGS = {
    CURRENT: "bg-success-darker",
    EXPIRING: "bg-gold text-ink",
    LAPSED: "bg-error-dark",
    NONE: "bg-base-darker",
}
EVENTS = {
    "partner.registered": "Registered",
    "partner.updated": "Details changed",
    "notice.sent": "Restriction notice sent",
    "notice.acknowledged": "Acknowledgment recorded",
    "certification.recorded": "Certification recorded",
}


def partner_manager(user: Any) -> Membership:
    """The membership of a privacy officer or an administrator; 403 for anyone else.

    The one place the partner pages decide who may use them.
    """
    return require(user, "can_manage_partners")


def get_partner_for_user(user: Any, partner_id: int) -> Partner:
    """The partner with this id in the person's own agency, if they may manage it; else 404/403."""
    membership = partner_manager(user)
    partner = agency_partners(membership.agency).filter(pk=partner_id).first()
    if partner is None:
        raise Http404("no such partner")
    return partner


registry_page = pages.staff_page(not_found="partners/not_found.html")


def _posted(request: HttpRequest) -> Any:
    """What a form is bound to: the POST's data (even if empty), or nothing on a GET."""
    return request.POST if request.method == "POST" else None


def _attachment(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _notice_state(row: Row) -> str:
    if row.acknowledged:
        return "acknowledged"
    return "waiting" if row.notices else "never_sent"


def _present(row: Row) -> dict[str, Any]:
    return {
        "row": row,
        "partner": row.partner,
        "standing": STANDINGS[row.standing],
        "tag": STANDING_TAGS[row.standing],
        "notice": NOTICE_STATES[_notice_state(row)],
        "notice_state": _notice_state(row),
    }


# The registry ---------------------------------------------------------------------------


@registry_page
@require_safe
def partner_list(request: HttpRequest) -> HttpResponse:
    membership = partner_manager(request.user)
    form = PartnerFilterForm(request.GET)
    partners = agency_partners(membership.agency)
    wanted: dict[str, str] = form.cleaned_data if form.is_valid() else {}
    if wanted.get("q"):
        partners = partners.filter(name__icontains=wanted["q"])
    if wanted.get("kind"):
        partners = partners.filter(kind=wanted["kind"])
    found = rows(partners, timezone.localdate())
    if wanted.get("certification"):
        found = [row for row in found if row.standing == wanted["certification"]]
    if wanted.get("notice"):
        found = [row for row in found if _notice_state(row) == wanted["notice"]]
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "nav": "partners",
        "section": "partners",
        "agency": membership.agency,
        "form": form,
        "filtered": any(wanted.values()),
        "page": page,
        "rows": [_present(row) for row in page.object_list],
    }
    return render(request, "partners/list.html", context)


@registry_page
@require_http_methods(["GET", "HEAD", "POST"])
def partner_new(request: HttpRequest) -> HttpResponse:
    membership = partner_manager(request.user)
    form = PartnerForm(_posted(request), agency=membership.agency)
    if request.method == "POST" and form.is_valid():
        try:
            partner = actions.register_partner(
                agency=membership.agency, by=request.user, details=form.details()
            )
        except actions.RegistryError as error:
            form.show_problems(error.problems)
        else:
            messages.success(request, f"{partner.name} is registered.")
            return redirect("partner", partner.pk)
    return _form_page(request, "partners/partner_form.html", form, partner=None)


@registry_page
@require_http_methods(["GET", "HEAD", "POST"])
def partner_edit(request: HttpRequest, partner_id: int) -> HttpResponse:
    partner = get_partner_for_user(request.user, partner_id)
    form = PartnerForm(
        _posted(request),
        agency=partner.agency,
        partner=partner,
        initial=PartnerForm.initial_for(partner),
    )
    if request.method == "POST" and form.is_valid():
        try:
            partner = actions.update_partner(partner, by=request.user, details=form.details())
        except actions.RegistryError as error:
            form.show_problems(error.problems)
        else:
            messages.success(request, f"{partner.name}'s details are saved.")
            return redirect("partner", partner.pk)
    return _form_page(request, "partners/partner_form.html", form, partner=partner)


def _form_page(
    request: HttpRequest, template: str, form: Any, *, partner: Partner | None, **extra: Any
) -> HttpResponse:
    context = {
        "nav": "partners",
        "section": "partners",
        "form": form,
        "partner": partner,
        "errors": form.error_summary() if form.is_bound else [],
        **extra,
    }
    return render(request, template, context)


@registry_page
@require_safe
def partner_detail(request: HttpRequest, partner_id: int) -> HttpResponse:
    partner = get_partner_for_user(request.user, partner_id)
    today = timezone.localdate()
    directory = current_directory()
    certifications = list(certifications_without_forms().filter(partner=partner))
    in_force = next((c for c in certifications if c.signed_on <= today), None)
    now = standing(in_force.signed_on if in_force else None, today)
    notices = (
        partner.notices.defer("pdf")
        .select_related("sent_by")
        .prefetch_related(
            Prefetch("acknowledgments", queryset=Acknowledgment.objects.order_by("id"))
        )
        .order_by("-sequence")
    )
    history = (
        Event.objects.filter(request=None, kind__in=EVENTS, payload__partner=partner.pk)
        .select_related("ledger_entry")
        .order_by("id")
    )
    context = {
        "nav": "partners",
        "section": "partners",
        "partner": partner,
        "listed": directory.get(partner.directory_id) if partner.directory_id else None,
        "oris": effective_oris(partner, directory),
        "standing": STANDINGS[now],
        "tag": STANDING_TAGS[now],
        "in_force": in_force,
        "in_force_through": valid_through(in_force.signed_on) if in_force else None,
        "certifications": [
            {"certification": c, "valid_through": valid_through(c.signed_on)}
            for c in certifications
        ],
        "notices": notices,
        "acknowledged": any(notice.acknowledgments.all() for notice in notices),
        "history": [
            {
                "event": event,
                "what": EVENTS[event.kind],
                "entry": getattr(getattr(event, "ledger_entry", None), "index", None),
            }
            for event in history
        ],
    }
    return render(request, "partners/detail.html", context)


# Notices ----------------------------------------------------------------------------------


@registry_page
@require_http_methods(["GET", "HEAD", "POST"])
def notice_send(request: HttpRequest, partner_id: int) -> HttpResponse:
    partner = get_partner_for_user(request.user, partner_id)
    form = NoticeForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            notice = actions.send_notice(
                partner, by=request.user, method=data["method"], sent_to=data["sent_to"]
            )
        except actions.RegistryError as error:
            form.show_problems(error.problems)
        else:
            how = {
                "email": f"emailed to {notice.sent_to}",
                "mail": "recorded as mailed: download it below to print",
                "hand": "recorded as handed over: download it below to print",
            }[notice.method]
            messages.success(request, f"Notice {notice.reference} is issued and {how}.")
            return redirect("partner", partner.pk)
    return _form_page(request, "partners/notice_form.html", form, partner=partner)


@registry_page
@require_safe
def notice_pdf(request: HttpRequest, partner_id: int, notice_id: int) -> HttpResponse:
    partner = get_partner_for_user(request.user, partner_id)
    notice = partner.notices.filter(pk=notice_id).first()
    if notice is None:
        raise Http404("no such notice")
    return _attachment(bytes(notice.pdf), f"restriction-notice-{notice.reference}.pdf")


@registry_page
@require_http_methods(["GET", "HEAD", "POST"])
def acknowledgment_new(request: HttpRequest, partner_id: int) -> HttpResponse:
    partner = get_partner_for_user(request.user, partner_id)
    sent = partner.notices.defer("pdf").order_by("-sequence")
    latest = sent.first()
    form = AcknowledgmentForm(
        _posted(request),
        notices=sent,
        initial={"notice": latest, "acknowledged_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.acknowledge(
                data["notice"],
                by=request.user,
                acknowledged_on=data["acknowledged_on"],
                acknowledged_by=data["acknowledged_by"],
                method=data["method"],
            )
        except actions.RegistryError as error:
            form.show_problems(error.problems)
        else:
            messages.success(
                request,
                f"{partner.name}'s acknowledgment of {data['notice'].reference} is recorded.",
            )
            return redirect("partner", partner.pk)
    return _form_page(
        request, "partners/acknowledgment_form.html", form, partner=partner, nothing_sent=not latest
    )


@registry_page
@require_safe
def notices_unacknowledged(request: HttpRequest) -> HttpResponse:
    membership = partner_manager(request.user)
    found = [_present(row) for row in rows(unacknowledged(membership.agency), timezone.localdate())]
    last_sent = {
        notice.partner_id: notice
        for notice in Notice.objects.filter(partner__agency=membership.agency)
        .defer("pdf")
        .order_by("sequence")
    }
    for item in found:
        item["last_notice"] = last_sent.get(item["partner"].pk)
    context = {
        "nav": "partners",
        "section": "notices",
        "agency": membership.agency,
        "rows": found,
        "by_email": sum(1 for item in found if item["partner"].contact_email),
    }
    return render(request, "partners/notices.html", context)


@registry_page
@require_POST
def notices_resend(request: HttpRequest) -> HttpResponse:
    membership = partner_manager(request.user)
    resent = actions.resend_to_unacknowledged(membership.agency, by=request.user)
    count = len(resent.sent)
    messages.success(
        request, f"A new notice was emailed to {count} partner{'s' if count != 1 else ''}."
    )
    if resent.without_email:
        names = ", ".join(partner.name for partner in resent.without_email)
        messages.warning(request, f"No email address is on file for {names}: send theirs by mail.")
    for partner, problem in resent.failed:
        messages.error(request, f"{partner.name}: {problem} Nothing was recorded for it.")
    return redirect("partner-notices")


# Certifications ---------------------------------------------------------------------------


@registry_page
@limit_uploads
@require_http_methods(["GET", "HEAD", "POST"])
def certification_new(request: HttpRequest, partner_id: int) -> HttpResponse:
    partner = get_partner_for_user(request.user, partner_id)
    form = CertificationForm(_posted(request), request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            certification = actions.record_certification(
                partner,
                by=request.user,
                signed_on=data["signed_on"],
                signer_name=data["signer_name"],
                signer_title=data["signer_title"],
                filename=data["form"].filename,
                content=data["form"].content,
            )
        except actions.RegistryError as error:
            form.show_problems(error.problems)
        else:
            through = valid_through(certification.signed_on)
            messages.success(
                request,
                f"{partner.name}'s certification signed on {certification.signed_on:%Y-%m-%d} "
                f"is recorded; it covers requests received through {through:%Y-%m-%d}.",
            )
            return redirect("partner", partner.pk)
    return _form_page(request, "partners/certification_form.html", form, partner=partner)


@registry_page
@require_safe
def certification_pdf(request: HttpRequest, partner_id: int, certification_id: int) -> HttpResponse:
    partner = get_partner_for_user(request.user, partner_id)
    certification = partner.certifications.filter(pk=certification_id).first()
    if certification is None:
        raise Http404("no such certification")
    return _attachment(bytes(certification.form), certification.filename)


def _lapse(row: Row) -> str:
    """When the certification lapses: the day after the last day it covers."""
    if row.days_left is None:
        return "No certification"
    until = row.days_left + 1
    if until > 0:
        return f"Lapses in {until} day{'s' if until != 1 else ''}"
    if until == 0:
        return "Lapsed today"
    return f"Lapsed {-until} day{'s' if until != -1 else ''} ago"


@registry_page
@require_safe
def certifications_overview(request: HttpRequest) -> HttpResponse:
    membership = partner_manager(request.user)
    today = timezone.localdate()
    found = rows(agency_partners(membership.agency), today)
    groups = [
        {
            "standing": key,
            "label": STANDINGS[key],
            "tag": STANDING_TAGS[key],
            "rows": [
                {"row": row, "when": _lapse(row)}
                for row in sorted(
                    (row for row in found if row.standing == key),
                    key=lambda row: (row.valid_through or today, row.partner.name.casefold()),
                )
            ],
        }
        for key in (LAPSED, EXPIRING, NONE, CURRENT)
    ]
    context = {
        "nav": "partners",
        "section": "certifications",
        "agency": membership.agency,
        "today": today,
        "groups": groups,
        "expiring_days": EXPIRING_WITHIN_DAYS,
    }
    return render(request, "partners/certifications.html", context)
