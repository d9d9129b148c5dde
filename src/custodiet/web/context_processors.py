"""Template context every page gets: the running version, shown in the footer."""

from __future__ import annotations

from django.http import HttpRequest

from custodiet import __version__


def version(request: HttpRequest) -> dict[str, str]:
    return {"custodiet_version": __version__}
