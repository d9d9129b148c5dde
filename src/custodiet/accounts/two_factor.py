"""The second factor: one authenticator app (TOTP) per person, enrolled and then checked.

django-otp keeps the device and checks codes (RFC 6238: 30-second steps, one step of
clock drift either way, no code accepted twice, a doubling wait after each wrong code).
This module decides which device is a person's, confirms it, and draws its set-up link as
a QR code. The device key lets anyone mint codes: it appears only on the enrolment page,
is never logged, and goes nowhere else.
"""

from __future__ import annotations

import datetime as dt
import logging
import textwrap
from base64 import b32encode
from dataclasses import dataclass

import segno
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import QuerySet
from django.views.decorators.debug import sensitive_variables
from django_otp.plugins.otp_totp.models import TOTPDevice

log = logging.getLogger(__name__)

DEVICE_NAME = "Authenticator app"


@dataclass(frozen=True)
class CodeCheck:
    """What a code proved: the device it matched, or, after wrong codes, when to retry."""

    device: TOTPDevice | None = None
    retry_at: dt.datetime | None = None


def is_required(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Whether this deployment requires a second factor of this person (by their role)."""
    if not settings.CUSTODIET_REQUIRE_2FA or not user.is_authenticated:
        return False
    membership = getattr(user, "membership", None)
    return membership is not None and membership.needs_second_factor


def required_step(user: AbstractBaseUser | AnonymousUser) -> str | None:
    """The URL name of the second-factor page this person must pass next, if any.

    `user` comes from django-otp's OTPMiddleware, which adds `is_verified()`.
    """
    if not is_required(user) or user.is_verified():
        return None
    return "two_factor_verify" if has_device(user) else "two_factor_enrol"


def _devices(user: AbstractBaseUser, *, confirmed: bool) -> QuerySet[TOTPDevice]:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("pk")


def has_device(user: AbstractBaseUser) -> bool:
    return _devices(user, confirmed=True).exists()


def pending_device(user: AbstractBaseUser) -> TOTPDevice:
    """The device being enrolled: the same on every visit, so an app that already scanned
    it still gives codes that match."""
    device = _devices(user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def _check(device: TOTPDevice, code: str) -> CodeCheck:
    allowed, why = device.verify_is_allowed()
    if not allowed:
        return CodeCheck(retry_at=(why or {}).get("locked_until"))
    if device.verify_token(code):
        return CodeCheck(device=device)
    return CodeCheck()


def confirm_device(*, user: AbstractBaseUser, code: str) -> CodeCheck:
    """Confirm the pending device with a code from the app that scanned it."""
    with transaction.atomic():
        device = _devices(user, confirmed=False).select_for_update().first()
        if device is None:
            return CodeCheck()
        check = _check(device, code)
        if check.device is not None:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            log.info("user %s enrolled a second factor (device %s)", user.pk, device.pk)
    return check


def verify_device(*, user: AbstractBaseUser, code: str) -> CodeCheck:
    """Check a code against the person's confirmed device."""
    with transaction.atomic():
        device = _devices(user, confirmed=True).select_for_update().first()
        if device is None:
            return CodeCheck()
        return _check(device, code)


@sensitive_variables()
def setup_key(device: TOTPDevice) -> str:
    """The key as an app asks for it when typed by hand: base32, in groups of four."""
    return " ".join(textwrap.wrap(b32encode(device.bin_key).decode(), 4))


@sensitive_variables()
def qr_code(uri: str) -> str:
    """The set-up link as an SVG data URI (the CSP allows `img-src data:`)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=4, omitsize=True)


def reset(user: AbstractBaseUser) -> int:
    """Remove every device of a person who lost theirs; they enrol again at next sign-in."""
    with transaction.atomic():
        count, _ = TOTPDevice.objects.filter(user=user).delete()
    log.info("second factor of user %s reset (%d device(s) removed)", user.pk, count)
    return count
