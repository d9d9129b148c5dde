"""The password check, behind django-axes' count of failed sign-ins.

Listed first in AUTHENTICATION_BACKENDS, before Django's ModelBackend, which does the
checking itself. axes counts failures per username and address; a password check that
comes with no request has no address to count against, so it is refused rather than let
through unthrottled (axes alone would raise ValueError).
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest


class ThrottledSignIn(AxesStandaloneBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            # PermissionDenied stops Django's authenticate(): no later backend runs.
            raise PermissionDenied("a password is only checked as part of a web request")
        return super().authenticate(request, username, password, **kwargs)
