"""Static files carry the same security headers as pages."""

from __future__ import annotations

import pytest
from django.test import Client

HEADERS = (
    "Content-Security-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
)


@pytest.fixture
def static_client(settings) -> Client:
    # Served by WhiteNoise straight from the app folders, as `make demo` does after
    # collectstatic; a new Client builds its middleware with these settings.
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    return Client()


@pytest.mark.django_db
def test_a_stylesheet_has_the_headers_of_the_sign_in_page(static_client):
    page = static_client.get("/accounts/login/")
    stylesheet = static_client.get("/static/web/custodiet.css")

    assert page.status_code == 200
    assert stylesheet.status_code == 200
    assert stylesheet["Content-Type"].startswith("text/css")
    for name in HEADERS:
        assert stylesheet.get(name) == page.get(name), name
    assert stylesheet["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in stylesheet["Content-Security-Policy"]
    assert stylesheet["Cross-Origin-Resource-Policy"] == "same-origin"
