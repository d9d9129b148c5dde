"""Overload answered, not absorbed: how many requests a partner, an address or a person may
send in a window, and 429 with Retry-After past it.

Counters live in the `ratelimit` cache, a database table by default, so that every worker
process of a deployment shares them (a per-process cache would multiply each limit by the
number of workers). Each limit is a fixed window: simple, and at most twice the rate at a
window's edge, which is enough to keep one client from taking every worker.

The API's limits are ninja throttles (its 429 answer carries Retry-After); uploads of the
staff pages, which make the server read a PDF, are limited by `limit_uploads`.
"""

from __future__ import annotations

import functools
import hashlib
import math
import time
from collections.abc import Callable
from typing import Any

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja.throttling import BaseThrottle

from custodiet.accounts.rates import Rate

CACHE = "ratelimit"


def hit(scope: str, who: str, rate: Rate) -> float | None:
    """Count one request of `who`; None while within `rate`, else the seconds to wait."""
    now = time.time()
    window = int(now // rate.seconds)
    # Hashed: the key holds no address or name, and has a fixed length.
    digest = hashlib.sha256(f"{scope}\0{who}".encode()).hexdigest()[:32]
    key = f"{scope}:{digest}:{window}"
    cache = caches[CACHE]
    count = cache.get(key)
    if count is not None and count >= rate.requests:
        # Refused: nothing is written, so a flood costs the table one read a call.
        return (window + 1) * rate.seconds - now
    if count is None and cache.add(key, 1, timeout=rate.seconds + 1):
        return None
    try:
        count = cache.incr(key)
    except ValueError:  # expired since it was read
        cache.set(key, 1, timeout=rate.seconds + 1)
        count = 1
    if count <= rate.requests:
        return None
    return (window + 1) * rate.seconds - now


def address(request: HttpRequest) -> str:
    """The client's address, found the way sign-in throttling finds it."""
    return get_client_ip_address(request) or "unknown"


class _Throttle(BaseThrottle):
    """A ninja throttle over `hit`: ninja answers 429 with Retry-After from `wait()`."""

    scope = ""

    def __init__(self) -> None:
        self._wait: float | None = None

    def who(self, request: HttpRequest) -> str | None:
        raise NotImplementedError

    def rate(self) -> Rate:
        raise NotImplementedError

    def allow_request(self, request: HttpRequest) -> bool:
        who = self.who(request)
        self._wait = None if who is None else hit(self.scope, who, self.rate())
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait


class PartnerThrottle(_Throttle):
    """Each partner token: CUSTODIET_API_RATE."""

    scope = "api-token"

    def who(self, request: HttpRequest) -> str | None:
        token = getattr(request, "auth", None)
        return None if token is None else str(token.pk)

    def rate(self) -> Rate:
        rate: Rate = settings.CUSTODIET_API_RATE
        return rate


class AddressThrottle(_Throttle):
    """Each client address, whatever token it sends: CUSTODIET_API_ADDRESS_RATE."""

    scope = "api-address"

    def who(self, request: HttpRequest) -> str | None:
        return address(request)

    def rate(self) -> Rate:
        rate: Rate = settings.CUSTODIET_API_ADDRESS_RATE
        return rate


def limit_uploads(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Refuse, with 429 and Retry-After, a POST carrying files past CUSTODIET_UPLOAD_RATE
    for its person or its address; other requests pass untouched."""

    @functools.wraps(view)
    def limited(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST" and request.FILES:
            rate: Rate = settings.CUSTODIET_UPLOAD_RATE
            person = str(request.user.pk) if request.user.is_authenticated else "anonymous"
            waits = [
                wait
                for scope, who in (("upload-person", person), ("upload-address", address(request)))
                if (wait := hit(scope, who, rate)) is not None
            ]
            if waits:
                seconds = math.ceil(max(waits))
                response = render(
                    request,
                    "web/too_many.html",
                    {"seconds": seconds, "rate": rate},
                    status=429,
                )
                response["Retry-After"] = str(seconds)
                return response
        return view(request, *args, **kwargs)

    return limited
