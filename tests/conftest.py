"""Fixtures shared across the test suite: the named people the web tests sign in as.

Kept small on purpose: a person is added here when a second test module needs them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from custodiet.accounts.models import Agency, Membership, Role
from custodiet.accounts.rates import Rate

PASSWORD = "a long test password, never used outside tests"


@pytest.fixture(scope="session")
def _empty_static_root(tmp_path_factory):
    return tmp_path_factory.mktemp("static")


@pytest.fixture(autouse=True)
def _test_settings(settings, _empty_static_root, tmp_path_factory):
    # Production serves hashed files from collectstatic's manifest; tests render pages
    # straight from the app folders, so they use the plain storage (and an empty
    # STATIC_ROOT, so WhiteNoise does not warn that collectstatic never ran).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.STATIC_ROOT = _empty_static_root
    # A deliberately slow password hash makes every sign-in in a test slow, and proves nothing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests send many requests a second on purpose; the rate-limit tests set their own.
    plenty = Rate(1_000_000, 60)
    settings.CUSTODIET_API_RATE = settings.CUSTODIET_API_ADDRESS_RATE = plenty
    settings.CUSTODIET_UPLOAD_RATE = plenty
    # Reports a test builds go to a folder of its own, never into the checkout.
    settings.CUSTODIET_REPORTS_DIR = tmp_path_factory.mktemp("reports")


@pytest.fixture(autouse=True)
def _fresh_directory():
    # A test's directory changes are rolled back, and SQLite gives the next test's the same
    # ids: built directories must not outlive the test that made them.
    from custodiet.directory.current import forget

    forget()
    yield
    forget()


@pytest.fixture
def password() -> str:
    """The password of every person the fixtures create."""
    return PASSWORD


@pytest.fixture
def counsel_client(client: Client, counsel) -> Client:
    """A browser-like client signed in as counsel."""
    client.force_login(counsel)
    return client


@pytest.fixture
def agency(db) -> Agency:
    return Agency.objects.create(code="CO-DOR-DMV", name="Colorado Division of Motor Vehicles")


@pytest.fixture
def other_agency(db) -> Agency:
    return Agency.objects.create(code="CO-CDPS-CSP", name="Colorado State Patrol")


@pytest.fixture
def client_of(agency, other_agency, person, signed_in) -> Callable[[str], Client]:
    """A client signed in as a new person of this role (a name of matrix.ROLES)."""

    def client(role: str) -> Client:
        if role == "anonymous":
            return Client()
        if role == "unaffiliated":
            return signed_in(person(role, None))
        if role == "outsider":
            return signed_in(person(role, Role.PRIVACY_OFFICER, other_agency))
        return signed_in(person(role, role, agency))

    return client


@pytest.fixture
def signed_in() -> Callable[[Any], Client]:
    """Sign a person in on a client of their own (several people can share a test)."""

    def sign_in(user: Any) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def person(django_user_model) -> Callable[..., Any]:
    """A user with this role in this agency (or in none, for role=None)."""

    def make(username: str, role: str | None, agency: Agency | None = None) -> Any:
        user = django_user_model.objects.create_user(
            username=username,
            password=PASSWORD,
            email=f"{username}@agency.example",
            first_name=username.replace("_", " ").title(),
            last_name="Example",
        )
        if role is not None:
            Membership.objects.create(user=user, agency=agency, role=role)
        return user

    return make


@pytest.fixture
def clerk(person, agency):
    return person("clerk", Role.CLERK, agency)


@pytest.fixture
def second_clerk(person, agency):
    return person("second_clerk", Role.CLERK, agency)


@pytest.fixture
def supervisor(person, agency):
    return person("supervisor", Role.SUPERVISOR, agency)


@pytest.fixture
def second_supervisor(person, agency):
    return person("second_supervisor", Role.SUPERVISOR, agency)


@pytest.fixture
def counsel(person, agency):
    """The agency's counsel, who decides the requests the rules route to legal review."""
    return person("counsel", Role.COUNSEL, agency)


@pytest.fixture
def privacy_officer(person, agency):
    return person("privacy_officer", Role.PRIVACY_OFFICER, agency)


@pytest.fixture
def auditor(person, agency):
    return person("auditor", Role.AUDITOR, agency)


@pytest.fixture
def administrator(person, agency):
    return person("administrator", Role.ADMINISTRATOR, agency)


@pytest.fixture
def partner(person, agency):
    return person("partner", Role.PARTNER, agency)


@pytest.fixture
def unaffiliated(person):
    return person("unaffiliated", None)
