"""Sign-in pages beyond the password: the lockout page and the second factor's two steps.

Thin adapters: django-axes decides who is locked out, `two_factor` decides what a code
proves. The device key and the codes are kept out of error reports (`sensitive_*`) and
out of every cache (`never_cache`).
"""

from __future__ import annotations

import math
from typing import Any

import django_otp
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods

from custodiet.accounts import two_factor
from custodiet.accounts.forms import CodeForm


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """django-axes' lockout response (AXES_LOCKOUT_CALLABLE): 429 and when to try again.

    The lockout ends a cool-off after the last counted failure; tries during the lockout
    are not counted (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT), so the time holds.
    """
    now = timezone.now()
    last_failure = AccessAttempt.objects.filter(
        username=get_client_username(request, credentials),
        ip_address=request.axes_ip_address,  # type: ignore[attr-defined]
    ).aggregate(last=Max("attempt_time"))["last"]
    retry_at = (last_failure or now) + get_cool_off(request)
    seconds = max(0, math.ceil((retry_at - now).total_seconds()))
    response = render(
        request,
        "accounts/locked_out.html",
        {
            "retry_at": retry_at,
            "minutes": max(1, math.ceil(seconds / 60)),
            "failure_limit": settings.AXES_FAILURE_LIMIT,
        },
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response


def _next_url(request: HttpRequest) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _passed(request: HttpRequest, device: Any) -> HttpResponse:
    # A new session key for the stronger sign-in, as Django gives one for the password.
    request.session.cycle_key()
    django_otp.login(request, device)
    return redirect(_next_url(request))


def _wrong_code(form: CodeForm, check: two_factor.CodeCheck) -> None:
    if check.retry_at is not None:
        local = timezone.localtime(check.retry_at)
        form.add_error(
            "code",
            f"Too many wrong codes in a row. Wait until {local:%H:%M:%S} and enter the "
            "code your app shows then.",
        )
    else:
        form.add_error(
            "code",
            "That code does not match. Check that your phone's clock is right and enter "
            "the code your app shows now.",
        )


@sensitive_variables()
@never_cache
@sensitive_post_parameters("code")
@login_required
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """Show a new device's set-up link as a QR code and text; confirm it with a code."""
    user = request.user
    if two_factor.has_device(user):
        if not user.is_verified():
            return redirect_to_login(_next_url(request), reverse("two_factor_verify"))
        return render(request, "accounts/two_factor_enrolled.html", {"next": _next_url(request)})

    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = two_factor.confirm_device(user=user, code=form.cleaned_data["code"])
        if check.device is not None:
            return _passed(request, check.device)
        _wrong_code(form, check)

    device = two_factor.pending_device(user)
    uri = device.config_url
    return render(
        request,
        "accounts/two_factor_enrol.html",
        {
            "form": form,
            "next": _next_url(request),
            "qr_code": two_factor.qr_code(uri),
            "setup_uri": uri,
            "setup_key": two_factor.setup_key(device),
            "required": two_factor.is_required(user),
        },
    )


@sensitive_variables()
@never_cache
@sensitive_post_parameters("code")
@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Ask for the current code after a password sign-in."""
    user = request.user
    if not two_factor.has_device(user):
        return redirect_to_login(_next_url(request), reverse("two_factor_enrol"))
    if user.is_verified():
        return redirect(_next_url(request))

    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = two_factor.verify_device(user=user, code=form.cleaned_data["code"])
        if check.device is not None:
            return _passed(request, check.device)
        _wrong_code(form, check)
    return render(
        request, "accounts/two_factor_verify.html", {"form": form, "next": _next_url(request)}
    )
