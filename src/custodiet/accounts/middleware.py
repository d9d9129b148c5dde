"""Sends approvers who have not shown their second factor this session to enrol or verify.

Runs after django-otp's OTPMiddleware, which marks a session verified once a code has
matched. Only sign-out, the two second-factor pages and static files are let through, so
no page, form or API call is reachable with a password alone.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from custodiet.accounts.two_factor import required_step

EXEMPT_URL_NAMES = ("logout", "two_factor_enrol", "two_factor_verify")


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.CUSTODIET_REQUIRE_2FA and not self._exempt(request.path_info):
            step = required_step(request.user)
            if step is not None:
                return redirect_to_login(request.get_full_path(), reverse(step))
        return self.get_response(request)

    @staticmethod
    def _exempt(path: str) -> bool:
        if settings.STATIC_URL and path.startswith(settings.STATIC_URL):
            return True
        return path in {reverse(name) for name in EXEMPT_URL_NAMES}
