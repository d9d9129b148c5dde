"""What every staff page shares: sign-in first, nothing cached, and a refusal or an unknown
object answered by a page that says so rather than a bare error."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

View = Callable[..., HttpResponse]


def staff_page(*, not_found: str) -> Callable[[View], View]:
    """Wrap a view; `not_found` is the template that answers a missing (or not yours) object."""

    def decorate(view: View) -> View:
        @login_required
        @never_cache
        @wraps(view)
        def page(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                return view(request, *args, **kwargs)
            except PermissionDenied as denial:
                # After a refused step on a case, lead back to it; otherwise, home.
                back = kwargs.get("public_id") if request.method == "POST" else None
                context = {"reason": str(denial), "public_id": back}
                return render(request, "cases/denied.html", context, status=403)
            except Http404:
                return render(request, not_found, status=404)

        return page

    return decorate
