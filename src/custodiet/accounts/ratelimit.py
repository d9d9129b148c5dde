"""Overload answered, not absorbed: how many requests a partner, an address or a person may
send in a window, and 429 with Retry-After past it.

Each limit is a fixed window counted in the database (`RateCount`), so every worker of a
deployment shares the counts, and each count is one atomic UPDATE, so concurrent workers
lose none. A window's row carries its end, and old windows are deleted when new ones
begin. Fixed windows allow at most twice the rate across a window's edge, enough to keep
one client from taking every worker.

The client's address is `address()`, which sign-in throttling uses too: behind proxies
(CUSTODIET_PROXY_COUNT) it is read from X-Forwarded-For, so a proxy's own address never
stands for every client.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import ipaddress
import math
import threading
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from ninja.throttling import BaseThrottle

from custodiet.accounts.models import RateCount
from custodiet.accounts.rates import Rate


def hit(scope: str, who: str, rate: Rate) -> float | None:
    """Count one request of `who`; None while within `rate`, else the seconds to wait."""
    now = timezone.now().timestamp()
    window = int(now // rate.seconds)
    wait = (window + 1) * rate.seconds - now
    # Hashed: the key holds no address or name, and has a fixed length.
    digest = hashlib.sha256(f"{scope}\0{who}\0{rate.seconds}".encode()).hexdigest()[:40]
    key = f"{digest}:{window}"
    if connection.vendor != "postgresql":
        # SQLite takes its one write lock at a transaction's start: a call past the rate
        # is refused on a read, never queued behind the writers.
        counted = RateCount.objects.filter(key=key).values_list("count", flat=True).first()
        if counted is not None and counted >= rate.requests:
            return wait
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            # A count lost in a crash costs nothing; waiting for the disk on every call
            # would cost every call two flushes. Local to this transaction alone.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        # Counted in one statement, and only while within the rate: a flood past it
        # writes nothing.
        if _counted(key, rate):
            return None
        if not RateCount.objects.filter(key=key).exists():
            ends_at = dt.datetime.fromtimestamp((window + 1) * rate.seconds, dt.UTC)
            try:
                with transaction.atomic():
                    RateCount.objects.create(key=key, count=1, ends_at=ends_at)
            except IntegrityError:
                pass  # another worker began the window first: count there, below
            else:
                RateCount.objects.filter(ends_at__lt=timezone.now()).delete()
                return None
        # The window is there: full, or begun by another worker a moment ago.
        return None if _counted(key, rate) else wait


def _counted(key: str, rate: Rate) -> bool:
    """Count one more in the window `key` if it is there and within `rate`."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_ratecount SET count = count + 1 WHERE key = %s AND count < %s "
            "RETURNING count",
            [key, rate.requests],
        )
        return cursor.fetchone() is not None


def client_address(request: HttpRequest) -> str | None:
    """The client's address, or None when there is none to tell (sign-in throttling reads
    it too): the peer's, or behind CUSTODIET_PROXY_COUNT proxies the one the outermost of
    them saw (X-Forwarded-For counted from the right, which a client cannot forge)."""
    proxies: int = settings.CUSTODIET_PROXY_COUNT
    found = request.META.get("REMOTE_ADDR") or None
    if proxies > 0:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [hop for hop in hops if hop]
        if hops:
            found = hops[-proxies] if len(hops) >= proxies else hops[0]
    try:
        return str(ipaddress.ip_address(found)) if found else None
    except ValueError:
        return request.META.get("REMOTE_ADDR") or None


def address(request: HttpRequest) -> str:
    """What the rate limits count an address by."""
    return client_address(request) or "unknown"


def address_wait(request: HttpRequest) -> float | None:
    """Count an API call from its address, whatever token it sends, valid or not."""
    rate: Rate = settings.CUSTODIET_API_ADDRESS_RATE
    return hit("api-address", address(request), rate)


class PartnerThrottle(BaseThrottle):
    """Each partner token: CUSTODIET_API_RATE. ninja answers 429 with Retry-After."""

    def __init__(self) -> None:
        # One instance serves every request; a worker's threads keep their own waits.
        self._local = threading.local()

    def allow_request(self, request: HttpRequest) -> bool:
        token = getattr(request, "auth", None)
        rate: Rate = settings.CUSTODIET_API_RATE
        self._local.wait = None if token is None else hit("api-token", str(token.pk), rate)
        return self._local.wait is None

    def wait(self) -> float | None:
        wait: float | None = getattr(self._local, "wait", None)
        return wait


def too_many(request: HttpRequest, seconds: float, rate: Rate) -> HttpResponse:
    wait = math.ceil(seconds)
    response = render(request, "web/too_many.html", {"seconds": wait, "rate": rate}, status=429)
    response["Retry-After"] = str(wait)
    return response


def limit_uploads(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Refuse, with 429 and Retry-After, a POST whose files would pass CUSTODIET_UPLOAD_RATE
    for its person or its address (each file counts); other requests pass untouched."""

    @functools.wraps(view)
    def limited(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST" and request.FILES:
            rate: Rate = settings.CUSTODIET_UPLOAD_RATE
            person = str(request.user.pk) if request.user.is_authenticated else "anonymous"
            files = sum(len(request.FILES.getlist(name)) for name in request.FILES)
            for _ in range(files):
                waits = [
                    wait
                    for scope, who in (
                        ("upload-person", person),
                        ("upload-address", address(request)),
                    )
                    if (wait := hit(scope, who, rate)) is not None
                ]
                if waits:
                    return too_many(request, max(waits), rate)
        return view(request, *args, **kwargs)

    return limited
