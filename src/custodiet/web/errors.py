"""The pages that answer an error (Django's handler400/403/404/500 and CSRF_FAILURE_VIEW):
in the site's design, saying what happened and where to go next.

Under the API's prefix the same errors answer JSON in the API's own shape, so a partner
system that mistypes a path reads an error it can parse, never a page. The 500 page is
rendered with the request first (the navigation, and sign-out for the signed-in); when
that fails too, because the database or a context processor is what broke, it is rendered
again without the request, which touches no database, and failing that is a fixed text.
"""

from __future__ import annotations

import logging

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import requires_csrf_token

from custodiet import __version__

logger = logging.getLogger(__name__)

# What the API says for each status (its errors name a field, as api.py's do).
API_ERRORS = {
    400: ("request", "the request could not be read"),
    403: ("Authorization", "not allowed"),
    404: ("path", "no such endpoint; the endpoints are listed at /api/docs"),
    500: ("request", "the server failed; the error is logged, try again later"),
}
# The last resort, when even the page without the request cannot be rendered.
PLAIN_500 = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Server error · '
    "Custodiet</title></head><body><main><h1>Something went wrong</h1><p>The server could not "
    'finish this request. The error is logged. <a href="/">Go to the start page</a>.</p>'
    "</main></body></html>"
)


def _for_api(request: HttpRequest) -> bool:
    try:
        prefix = reverse("api:api-root")
    except NoReverseMatch:  # a URLconf without the API mounted
        return False
    return request.path_info.startswith(prefix)


def _api_error(status: int) -> JsonResponse:
    field, message = API_ERRORS[status]
    return JsonResponse({"errors": [{"field": field, "message": message}]}, status=status)


def _back(request: HttpRequest) -> str | None:
    """The page of this site the visitor came from, if any: the way back."""
    referer = request.headers.get("Referer", "")
    try:
        host = request.get_host()
    except DisallowedHost:
        return None
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={host}, require_https=request.is_secure()
    ):
        return referer
    return None


def _page(request: HttpRequest, template: str, status: int, **context: object) -> HttpResponse:
    return render(request, template, {"back": _back(request), **context}, status=status)


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _for_api(request):
        return _api_error(400)
    return _page(request, "400.html", 400)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _for_api(request):
        return _api_error(403)
    return _page(request, "403.html", 403, reason=str(exception or ""))


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _for_api(request):
        return _api_error(404)
    return _page(request, "404.html", 404)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    try:
        if _for_api(request):
            return _api_error(500)
        return render(request, "500.html", status=500)
    except Exception:
        logger.warning("the 500 page failed with the request; rendered without", exc_info=True)
    try:
        page = loader.render_to_string("500.html", {"custodiet_version": __version__})
        return HttpResponseServerError(page)
    except Exception:
        logger.warning("the 500 page failed to render; answered in plain text", exc_info=True)
    return HttpResponseServerError(PLAIN_500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: the form's token no longer matches (often a page left open)."""
    return _page(request, "403_csrf.html", 403)
