"""The security headers of pages, on static files too.

WhiteNoise answers for /static/ before the middleware that adds the page headers
(clickjacking, the content security policy) runs, so a stylesheet or an SVG opened on
its own would go without them. Its hook adds them to every file it serves, from the same
settings the pages use, so the two can never differ.
"""

from __future__ import annotations

from collections.abc import MutableMapping

from csp.utils import build_policy
from django.conf import settings


def add_headers(headers: MutableMapping[str, str], path: str, url: str) -> None:
    # Built by django-csp itself, from the same setting, so it is the pages' policy exactly.
    headers["Content-Security-Policy"] = build_policy()
    headers["X-Frame-Options"] = settings.X_FRAME_OPTIONS
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
