"""People with roles in one agency, for the sign-in tests; and a frozen TOTP clock."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp import models as totp_models
from django_otp.plugins.otp_totp.models import TOTPDevice

from custodiet.accounts.models import Agency, Membership, Role

LOGIN = "/accounts/login/"
LOGOUT = "/accounts/logout/"
ENROL = "/accounts/two-factor/"
VERIFY = "/accounts/two-factor/verify/"
EXPLORER = "/explorer/"
# Where a sign-in lands when no page was asked for: it sends each person to their start page.
HOME = "/"


@pytest.fixture
def agency(db) -> Agency:
    return Agency.objects.create(code="CO-DOR-DMV", name="Colorado Division of Motor Vehicles")


@pytest.fixture
def person(agency, django_user_model, password):
    """Makes a person with the given role (username = the role's value)."""

    def make(role: Role, username: str | None = None):
        user = django_user_model.objects.create_user(
            username=username or role.value, password=password
        )
        Membership.objects.create(user=user, agency=agency, role=role)
        return user

    return make


@pytest.fixture
def supervisor(person):
    return person(Role.SUPERVISOR)


@pytest.fixture
def clerk(person):
    return person(Role.CLERK)


def sign_in(client: Client, username: str, password: str, **extra):
    """Sign in through the form, as a person does (axes counts only these)."""
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


class Clock:
    """Stands in for the `time` module django-otp reads TOTP steps from."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now

    def tick(self, seconds: float = 30) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock(1_800_000_000.0)  # the start of a 30-second step
    monkeypatch.setattr(totp_models, "time", clock)
    return clock


def code_for(device: TOTPDevice, at: float) -> str:
    """The code an authenticator app holding the device's key shows at time `at`."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    totp.time = at
    return f"{totp.token():0{device.digits}d}"
