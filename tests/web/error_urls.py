"""The site's URLconf with views that fail on purpose, for the error-page tests: a 500
needs a view that raises, and a 400 or a 403 one that refuses after sign-in is known."""

from django.core.exceptions import SuspiciousOperation
from django.urls import path

from custodiet import urls as site
from custodiet.accounts.access import require

handler400 = site.handler400
handler403 = site.handler403
handler404 = site.handler404
handler500 = site.handler500


def fails(request):
    raise RuntimeError("a view that fails, for the 500 page")


def suspicious(request):
    raise SuspiciousOperation("a request the site cannot trust, for the 400 page")


def oversight_only(request):
    require(request.user, "can_oversee")


urlpatterns = [
    path("fails/", fails),
    path("api/fails/", fails),
    path("suspicious/", suspicious),
    path("oversight-only/", oversight_only),
    *site.urlpatterns,
]
