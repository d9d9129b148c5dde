"""The agency's administration: its people, their roles, partner tokens, lockouts and the
agency's own details, for its administrator.

Thin adapters: check the role, bind the form, call `custodiet.accounts.actions`, render.
Every list starts from the administrator's own agency. A secret (a temporary password, a
token) is shown once, on the answer to the POST that made it, and is never stored or
shown again.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_otp.plugins.otp_totp.models import TOTPDevice

from custodiet.accounts import actions
from custodiet.accounts.access import require
from custodiet.accounts.admin_forms import (
    AgencyForm,
    ConfirmForm,
    MembershipForm,
    PersonForm,
    TokenForm,
)
from custodiet.accounts.models import Agency, ApiToken, Membership
from custodiet.web import pages

admin_page = pages.staff_page(not_found="accounts/admin/not_found.html")


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _members(agency: Agency) -> Any:
    return (
        Membership.objects.filter(agency=agency)
        .select_related("user")
        .annotate(
            tokens=Count("user__api_tokens", filter=Q(user__api_tokens__revoked_at__isnull=True))
        )
        .order_by("-user__is_active", "role", "user__username")
    )


def _member(agency: Agency, user_id: int) -> Membership:
    membership = (
        Membership.objects.select_related("user", "agency")
        .filter(agency=agency, user_id=user_id)
        .first()
    )
    if membership is None:
        raise Http404("no such person")
    return membership


@admin_page
@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    membership = require(request.user, "can_administer")
    agency = membership.agency
    members = list(_members(agency))
    enrolled = set(
        TOTPDevice.objects.filter(user__membership__agency=agency, confirmed=True).values_list(
            "user_id", flat=True
        )
    )
    failures = actions.locked_out_usernames(agency)
    context = {
        "nav": "administration",
        "agency": agency,
        "members": [
            {
                "membership": member,
                "second_factor": member.user_id in enrolled,
                "failures": failures.get(member.user.get_username(), 0),
            }
            for member in members
        ],
        "tokens": ApiToken.objects.filter(user__membership__agency=agency)
        .select_related("user")
        .order_by("revoked_at", "-created_at"),
        "active": sum(1 for member in members if member.user.is_active),
    }
    return render(request, "accounts/admin/overview.html", context)


@admin_page
@require_http_methods(["GET", "HEAD", "POST"])
@sensitive_variables("password")
def person_new(request: HttpRequest) -> HttpResponse:
    require(request.user, "can_administer")
    form = PersonForm(_posted(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            added, password = actions.add_person(
                actions.NewPerson(
                    username=data["username"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    email=data["email"],
                    role=data["role"],
                ),
                by=request.user,  # type: ignore[arg-type]
            )
        except actions.AdministrationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            return _secret(request, added, password=password)
    context = {
        "nav": "administration",
        "form": form,
        "errors": form.error_summary() if form.is_bound else [],
    }
    return render(request, "accounts/admin/person_new.html", context)


def _secret(
    request: HttpRequest, member: Membership, *, password: str = "", token: str = ""
) -> HttpResponse:
    """The one page that shows a new secret; it is not cached, and not shown again."""
    return render(
        request,
        "accounts/admin/secret.html",
        {"nav": "administration", "member": member, "password": password, "token": token},
    )


@admin_page
@require_http_methods(["GET", "HEAD", "POST"])
def person(request: HttpRequest, user_id: int) -> HttpResponse:
    membership = require(request.user, "can_administer")
    member = _member(membership.agency, user_id)
    form = MembershipForm(
        _posted(request),
        user=request.user,
        initial={"role": member.role, "agency": member.agency},
    )
    if request.method == "POST" and form.is_valid():
        try:
            changed = actions.change_membership(
                by=request.user,  # type: ignore[arg-type]
                user_id=member.user_id,
                role=form.cleaned_data["role"],
                agency=form.cleaned_data["agency"],
            )
        except actions.AdministrationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            if changed:
                messages.success(request, f"{member.user.get_username()}'s membership was changed.")
            if form.cleaned_data["agency"] != membership.agency:
                return redirect("administration")
            return redirect("administration-person", member.user_id)
    return _person_page(request, member, form)


def _person_page(
    request: HttpRequest, member: Membership, form: Any, *, status: int = 200, **more: Any
) -> HttpResponse:
    context = {
        "nav": "administration",
        "member": member,
        "form": form,
        "errors": form.error_summary() if form.is_bound else [],
        "is_self": member.user_id == request.user.pk,
        "confirm": more.pop("confirm", None) or ConfirmForm(user=request.user),
        "token_form": more.pop("token_form", None) or TokenForm(user=request.user),
        "tokens": ApiToken.objects.filter(user=member.user).order_by("revoked_at", "-created_at"),
        "second_factor": TOTPDevice.objects.filter(user=member.user, confirmed=True).exists(),
        "failures": actions.locked_out_usernames(member.agency).get(member.user.get_username(), 0),
        **more,
    }
    return render(request, "accounts/admin/person.html", context, status=status)


def _act(request: HttpRequest, user_id: int, act: str) -> HttpResponse:
    """A button on a person's page: a fresh code where required, then the action."""
    membership = require(request.user, "can_administer")
    member = _member(membership.agency, user_id)
    confirm = ConfirmForm(request.POST, user=request.user)
    if not confirm.is_valid():
        return _person_page(
            request,
            member,
            MembershipForm(
                user=request.user, initial={"role": member.role, "agency": member.agency}
            ),
            confirm=confirm,
            status=400,
            errors=confirm.error_summary(),
        )
    by = request.user
    name = member.user.get_username()
    try:
        if act == "deactivate":
            actions.set_active(by=by, user_id=user_id, active=False)  # type: ignore[arg-type]
            messages.success(request, f"{name} was deactivated; their history stays.")
        elif act == "reactivate":
            actions.set_active(by=by, user_id=user_id, active=True)  # type: ignore[arg-type]
            messages.success(request, f"{name} can sign in again.")
        elif act == "password":
            password = actions.reset_password(by=by, user_id=user_id)  # type: ignore[arg-type]
            return _secret(request, member, password=password)
        elif act == "second-factor":
            actions.reset_second_factor(by=by, user_id=user_id)  # type: ignore[arg-type]
            messages.success(request, f"{name} sets up a new authenticator at their next page.")
        elif act == "unlock":
            actions.unlock(by=by, user_id=user_id)  # type: ignore[arg-type]
            messages.success(request, f"{name}'s failed sign-ins were cleared.")
    except actions.AdministrationError as exc:
        messages.error(request, str(exc))
    return redirect("administration-person", user_id)


@admin_page
@require_POST
def person_act(request: HttpRequest, user_id: int, act: str) -> HttpResponse:
    if act not in {"deactivate", "reactivate", "password", "second-factor", "unlock"}:
        raise Http404(act)
    return _act(request, user_id, act)


@admin_page
@require_POST
@sensitive_variables("secret")
def token_new(request: HttpRequest, user_id: int) -> HttpResponse:
    membership = require(request.user, "can_administer")
    member = _member(membership.agency, user_id)
    form = TokenForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            _, secret = actions.issue_token(
                by=request.user,  # type: ignore[arg-type]
                user_id=user_id,
                name=form.cleaned_data["name"],
            )
        except actions.AdministrationError as exc:
            messages.error(request, str(exc))
            return redirect("administration-person", user_id)
        return _secret(request, member, token=secret)
    return _person_page(
        request,
        member,
        MembershipForm(user=request.user, initial={"role": member.role, "agency": member.agency}),
        token_form=form,
        status=400,
        errors=form.error_summary(),
    )


@admin_page
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    require(request.user, "can_administer")
    try:
        token = actions.revoke_token(by=request.user, token_id=token_id)  # type: ignore[arg-type]
    except actions.AdministrationError:
        raise Http404("no such token") from None
    messages.success(request, f"Token {token.prefix}… was revoked; calls with it are refused.")
    return redirect("administration-person", token.user_id)


@admin_page
@require_http_methods(["GET", "HEAD", "POST"])
def agency(request: HttpRequest) -> HttpResponse:
    membership = require(request.user, "can_administer")
    current = membership.agency
    form = AgencyForm(
        _posted(request), initial={name: getattr(current, name) for name in actions.AGENCY_DETAILS}
    )
    if request.method == "POST" and form.is_valid():
        try:
            changed = actions.save_agency(
                by=request.user,  # type: ignore[arg-type]
                agency=membership.agency,
                details={name: form.cleaned_data[name] for name in actions.AGENCY_DETAILS},
            )
        except actions.AdministrationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            if changed:
                messages.success(request, "The agency's details were saved.")
            return redirect("administration")
    context = {
        "nav": "administration",
        "form": form,
        "errors": form.error_summary() if form.is_bound else [],
    }
    return render(request, "accounts/admin/agency.html", context)
