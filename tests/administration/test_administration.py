"""The agency's administration: only its administrator reaches it, every change of a role,
an agency or an account's standing is ledgered, secrets are shown once, and no
administrator changes their own membership."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp import models as totp_models
from django_otp.plugins.otp_totp.models import TOTPDevice

from custodiet.accounts import actions, admin_urls
from custodiet.accounts.models import Agency, ApiToken, Membership, Role
from custodiet.ledger import store
from custodiet.ledger.models import Entry
from custodiet.records.models import Event
from matrix import DONE, LOGIN, ROLES

# fmt: off
#          clerk sup  couns priv audit admin partn unaff anon   outsider
PAGE =    (403,  403, 403,  403, 403,  200,  403,  403,  LOGIN, 403)
CHANGE =  (403,  403, 403,  403, 403,  DONE, 403,  403,  LOGIN, 403)
SECRET =  (403,  403, 403,  403, 403,  200,  403,  403,  LOGIN, 403)
# fmt: on
MATRIX: dict[tuple[str, str], tuple[Any, ...]] = {
    ("administration", "GET"): PAGE,
    ("administration-agency", "GET"): PAGE,
    ("administration-agency", "POST"): CHANGE,
    ("administration-person-new", "GET"): PAGE,
    ("administration-person-new", "POST"): SECRET,
    ("administration-person", "GET"): PAGE,
    ("administration-person", "POST"): CHANGE,
    ("administration-person-act", "POST"): CHANGE,
    ("administration-token-new", "POST"): SECRET,
    ("administration-token-revoke", "POST"): CHANGE,
}
AGENCY_DETAILS = {
    "name": "Colorado Division of Motor Vehicles",
    "time_zone": "America/Denver",
    "address": "1881 Pierce Street\nLakewood, CO 80214",
    "email": "dmv.records@agency.example",
    "phone": "303-555-0100",
    "answer_within_days": "5",
}


@pytest.fixture
def staff(person, agency):
    """A clerk and a partner account of the agency, for the administrator to manage."""
    return {
        "clerk": person("a_clerk", Role.CLERK, agency),
        "partner": person("a_partner", Role.PARTNER, agency),
    }


def _target(name: str, staff: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    clerk, partner = staff["clerk"], staff["partner"]
    token, _ = ApiToken.issue(partner, "existing")
    pages = {
        "administration": ([], {}),
        "administration-agency": ([], AGENCY_DETAILS),
        "administration-person-new": (
            [],
            {"username": "new_clerk", "first_name": "New", "last_name": "Example", "role": "clerk"},
        ),
        "administration-person": (
            [clerk.pk],
            {"role": "supervisor", "agency": clerk.membership.agency_id},
        ),
        "administration-person-act": ([clerk.pk, "deactivate"], {}),
        "administration-token-new": ([partner.pk], {"name": "records system"}),
        "administration-token-revoke": ([token.pk], {}),
    }
    args, data = pages[name]
    return reverse(name, args=args), data


def test_every_administration_page_has_its_row():
    assert {pattern.name for pattern in admin_urls.urlpatterns} == {name for name, _ in MATRIX}


@pytest.mark.parametrize(
    ("name", "method", "role", "expected"),
    [
        pytest.param(name, method, role, expected, id=f"{name}-{method}-{role}")
        for (name, method), answers in MATRIX.items()
        for role, expected in zip(ROLES, answers, strict=True)
    ],
)
def test_each_role_gets_its_answer(name, method, role, expected, client_of, staff):
    url, data = _target(name, staff)
    client = client_of(role)
    before = Event.objects.count()
    response = client.get(url) if method == "GET" else client.post(url, data)
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    elif expected == DONE:
        assert response.status_code == 302, response.content.decode()[:3000]
        assert Event.objects.count() == before + 1
    else:
        assert response.status_code == expected
        if method == "POST" and expected == 200:
            assert Event.objects.count() == before + 1
        else:
            assert Event.objects.count() == before


def _leaf(event: Event) -> dict[str, Any]:
    return json.loads(bytes(Entry.objects.get(event=event).data))


def test_a_person_added_gets_a_password_shown_once_and_can_sign_in(
    administrator, signed_in, agency
):
    admin = signed_in(administrator)
    response = admin.post(
        reverse("administration-person-new"),
        {
            "username": "new_clerk",
            "first_name": "New",
            "last_name": "Example",
            "email": "new.clerk@agency.example",
            "role": "clerk",
        },
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    password = re.search(r'<code id="secret">([^<]+)</code>', response.content.decode())[1]
    user = get_user_model().objects.get(username="new_clerk")
    assert user.membership.role == Role.CLERK and user.membership.agency == agency
    assert password not in user.password

    event = Event.objects.get(kind="membership.added")
    leaf = _leaf(event)
    assert leaf["actor"] == "administrator"
    assert leaf["payload"]["membership"] == {
        "user": "new_clerk",
        "agency": "CO-DOR-DMV",
        "role": "clerk",
        "active": True,
    }
    # Neither the name, the email nor the password reaches the event.
    assert "Example" not in json.dumps(event.payload) and "agency.example" not in json.dumps(
        event.payload
    )

    # The page that lists people never shows the password again.
    assert (
        password not in admin.get(reverse("administration-person", args=[user.pk])).content.decode()
    )
    newcomer = Client()
    answer = newcomer.post(
        reverse("login"), {"username": "new_clerk", "password": password}, REMOTE_ADDR="10.0.0.7"
    )
    assert answer.status_code == 302
    assert newcomer.get(reverse("cases")).status_code == 200


def test_a_username_already_taken_is_refused_naming_the_field(administrator, signed_in, clerk):
    response = signed_in(administrator).post(
        reverse("administration-person-new"),
        {"username": "CLERK", "first_name": "A", "last_name": "B", "role": "clerk"},
    )
    assert response.status_code == 200
    assert "Username: &#x27;CLERK&#x27; is already taken" in response.content.decode()
    assert not Event.objects.exists()


def test_a_role_change_and_a_move_are_ledgered_with_what_they_were(
    administrator, signed_in, staff, other_agency
):
    admin = signed_in(administrator)
    clerk = staff["clerk"]
    url = reverse("administration-person", args=[clerk.pk])
    assert (
        admin.post(url, {"role": "supervisor", "agency": clerk.membership.agency_id}).status_code
        == 302
    )
    clerk.membership.refresh_from_db()
    assert clerk.membership.role == Role.SUPERVISOR
    changed = _leaf(Event.objects.get(kind="membership.changed"))["payload"]["membership"]
    assert changed["role"] == "supervisor" and changed["from_role"] == "clerk"

    # Moved to another agency, the person leaves this administrator's hands.
    response = admin.post(url, {"role": "supervisor", "agency": other_agency.pk})
    assert response["Location"] == reverse("administration")
    moved = Event.objects.filter(kind="membership.changed").last()
    assert moved.payload["membership"]["agency"] == "CO-CDPS-CSP"
    assert moved.payload["membership"]["from_agency"] == "CO-DOR-DMV"
    assert admin.get(url).status_code == 404
    # They arrive deactivated: the receiving agency's administrator, not the sender, lets
    # them in.
    assert moved.payload["membership"]["active"] is False
    clerk.refresh_from_db()
    assert not clerk.is_active
    other_admin = signed_in(
        Membership.objects.create(
            user=get_user_model().objects.create_user("other_admin"),
            agency=other_agency,
            role=Role.ADMINISTRATOR,
        ).user
    )
    # Saving without a change records nothing.
    entries = store.size()
    other_admin.post(url, {"role": "supervisor", "agency": other_agency.pk})
    assert store.size() == entries
    other_admin.post(reverse("administration-person-act", args=[clerk.pk, "reactivate"]))
    clerk.refresh_from_db()
    assert clerk.is_active


def test_no_administrator_is_made_or_kept_on_the_pages(
    administrator, signed_in, person, agency, password
):
    # Otherwise an administrator could make (or take over) another administrator's account,
    # sign in as it and give themselves a case role.
    admin = signed_in(administrator)
    made = admin.post(
        reverse("administration-person-new"),
        {"username": "admin2", "first_name": "A", "last_name": "B", "role": "administrator"},
    )
    assert made.status_code == 200
    assert "Role: Select a valid choice" in made.content.decode()
    other = person("other_admin", Role.ADMINISTRATOR, agency)
    clerk = person("a_clerk", Role.CLERK, agency)
    promoted = admin.post(
        reverse("administration-person", args=[clerk.pk]),
        {"role": "administrator", "agency": agency.pk},
    )
    assert "Role: Select a valid choice" in promoted.content.decode()
    page = admin.get(reverse("administration-person", args=[other.pk])).content.decode()
    assert "custodiet setup --add-administrator" in page and 'name="role"' not in page
    for act in ("password", "deactivate", "second-factor"):
        admin.post(reverse("administration-person-act", args=[other.pk, act]))
    other.refresh_from_db()
    assert other.is_active and other.check_password(password)
    clerk.membership.refresh_from_db()
    assert clerk.membership.role == Role.CLERK
    assert not Event.objects.exists()
    with pytest.raises(actions.AdministrationError, match="on the command line"):
        actions.change_membership(
            by=administrator, user_id=clerk.pk, role=Role.ADMINISTRATOR, agency=agency
        )


def test_a_partners_tokens_end_when_the_role_or_agency_changes(
    administrator, signed_in, staff, other_agency
):
    partner = staff["partner"]
    _, secret = ApiToken.issue(partner, "records system")
    admin = signed_in(administrator)
    url = reverse("administration-person", args=[partner.pk])
    admin.post(url, {"role": "clerk", "agency": partner.membership.agency_id})
    assert Event.objects.get(kind="membership.changed").payload["tokens_revoked"] == 1
    # Made a partner again, the old token stays dead; the page still lists it as revoked.
    admin.post(url, {"role": "partner", "agency": partner.membership.agency_id})
    api = Client().get("/api/v1/requests/NONE", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.status_code == 401
    listed = admin.get(url).content.decode()
    assert f"<code>{secret[:12]}…</code>" in listed and re.search(r":\s+revoked", listed)
    # A new token, then a move: it ends too.
    _, second = ApiToken.issue(partner, "second")
    admin.post(url, {"role": "partner", "agency": other_agency.pk})
    assert (
        Client().get("/api/v1/requests/NONE", HTTP_AUTHORIZATION=f"Bearer {second}").status_code
        == 401
    )


@pytest.mark.parametrize("role", ["clerk", "supervisor", "counsel", "privacy_officer", "attester"])
def test_an_administrator_cannot_give_themselves_a_case_role(role, administrator, signed_in):
    admin = signed_in(administrator)
    url = reverse("administration-person", args=[administrator.pk])
    page = admin.get(url).content.decode()
    assert "This is your own account" in page and 'name="role"' not in page
    response = admin.post(url, {"role": role, "agency": administrator.membership.agency_id})
    assert response.status_code == 200
    assert "you cannot change the role or agency of your own account" in response.content.decode()
    administrator.membership.refresh_from_db()
    assert administrator.membership.role == Role.ADMINISTRATOR
    assert not Event.objects.exists()


@pytest.mark.parametrize("act", ["deactivate", "password", "unlock"])
def test_an_administrator_cannot_act_on_their_own_account(act, administrator, signed_in):
    response = signed_in(administrator).post(
        reverse("administration-person-act", args=[administrator.pk, act])
    )
    assert response.status_code == 302
    assert administrator.membership.agency.members.get(user=administrator).user.is_active
    if act != "unlock":
        assert not Event.objects.exists()


def test_another_agencys_person_is_not_found(administrator, signed_in, person, other_agency):
    stranger = person("stranger", Role.CLERK, other_agency)
    admin = signed_in(administrator)
    assert admin.get(reverse("administration-person", args=[stranger.pk])).status_code == 404
    response = admin.post(reverse("administration-person-act", args=[stranger.pk, "deactivate"]))
    assert response.status_code == 404
    stranger.refresh_from_db()
    assert stranger.is_active
    token, _ = ApiToken.issue(person("their_partner", Role.PARTNER, other_agency), "theirs")
    assert admin.post(reverse("administration-token-revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert "stranger" not in admin.get(reverse("administration")).content.decode()


def test_deactivation_keeps_the_history_and_ends_the_session(administrator, signed_in, staff):
    partner = staff["partner"]
    _, secret = ApiToken.issue(partner, "records system")
    session = signed_in(partner)
    admin = signed_in(administrator)
    admin.post(reverse("administration-person-act", args=[partner.pk, "deactivate"]))
    partner.refresh_from_db()
    assert not partner.is_active
    assert get_user_model().objects.filter(pk=partner.pk).exists()
    event = Event.objects.get(kind="membership.deactivated")
    assert event.payload == {
        "membership": {
            "user": "a_partner",
            "agency": "CO-DOR-DMV",
            "role": "partner",
            "active": False,
        },
        "tokens_revoked": 1,
    }
    # The open session and the partner's token both stop at once.
    assert session.get(reverse("home"))["Location"].startswith("/accounts/login/")
    api = Client().get("/api/v1/requests/X", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.status_code == 401
    assert "Deactivated" in admin.get(reverse("administration")).content.decode()

    admin.post(reverse("administration-person-act", args=[partner.pk, "reactivate"]))
    partner.refresh_from_db()
    assert partner.is_active
    assert Event.objects.filter(kind="membership.reactivated").count() == 1


def test_a_partner_token_is_shown_once_works_and_is_revoked(administrator, signed_in, staff):
    partner = staff["partner"]
    admin = signed_in(administrator)
    response = admin.post(
        reverse("administration-token-new", args=[partner.pk]), {"name": "records system"}
    )
    secret = re.search(r'<code id="secret">([^<]+)</code>', response.content.decode())[1]
    token = ApiToken.objects.get(user=partner)
    assert token.prefix == secret[:12] and secret not in token.digest
    assert _leaf(Event.objects.get(kind="token.issued"))["payload"]["token"] == {
        "prefix": token.prefix,
        "user": "a_partner",
    }
    listing = admin.get(reverse("administration")).content.decode()
    assert token.prefix in listing and secret not in listing
    answer = Client().get("/api/v1/requests/NONE", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert answer.status_code == 404  # known token, unknown request

    admin.post(reverse("administration-token-revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert (
        Client().get("/api/v1/requests/NONE", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code
        == 401
    )
    assert Event.objects.filter(kind="token.revoked").count() == 1


def test_tokens_go_only_to_partner_accounts(administrator, signed_in, staff):
    response = signed_in(administrator).post(
        reverse("administration-token-new", args=[staff["clerk"].pk]), {"name": "x"}
    )
    assert response.status_code == 302
    assert not ApiToken.objects.exists()
    assert not Event.objects.exists()


def test_failed_sign_ins_are_shown_and_cleared(administrator, signed_in, staff):
    for _ in range(3):
        Client().post(
            reverse("login"), {"username": "a_clerk", "password": "wrong"}, REMOTE_ADDR="10.0.0.9"
        )
    admin = signed_in(administrator)
    page = admin.get(reverse("administration-person", args=[staff["clerk"].pk])).content.decode()
    assert "Clear failed sign-ins" in page
    admin.post(reverse("administration-person-act", args=[staff["clerk"].pk, "unlock"]))
    assert not AccessAttempt.objects.filter(username="a_clerk").exists()
    assert Event.objects.filter(kind="membership.unlocked").count() == 1


def test_the_agencys_details_are_saved_checked_and_ledgered(administrator, signed_in, agency):
    admin = signed_in(administrator)
    bad = admin.post(
        reverse("administration-agency"), AGENCY_DETAILS | {"time_zone": "Mars/Olympus"}
    )
    assert bad.status_code == 200
    assert "Time zone:" in bad.content.decode()
    assert not Event.objects.exists()
    assert admin.post(reverse("administration-agency"), AGENCY_DETAILS).status_code == 302
    agency.refresh_from_db()
    assert agency.address == "1881 Pierce Street\nLakewood, CO 80214"
    leaf = _leaf(Event.objects.get(kind="agency.changed"))
    assert leaf["payload"]["agency_settings"]["agency"] == "CO-DOR-DMV"
    assert set(leaf["payload"]["agency_settings"]["changed"]) == {"address", "email", "phone"}


class _Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


def _code(device: TOTPDevice, at: float) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    totp.time = at
    return f"{totp.token():0{device.digits}d}"


def test_where_required_a_role_change_needs_a_fresh_code(
    administrator, staff, settings, monkeypatch, password
):
    settings.CUSTODIET_REQUIRE_2FA = True
    clock = _Clock(1_800_000_000.0)
    monkeypatch.setattr(totp_models, "time", clock)
    device = TOTPDevice.objects.create(user=administrator, name="Authenticator app", confirmed=True)
    admin = Client()
    admin.post(
        reverse("login"),
        {"username": "administrator", "password": password},
        REMOTE_ADDR="10.0.0.3",
    )
    opened_with = _code(device, clock.now)
    admin.post(reverse("two_factor_verify"), {"code": opened_with})
    clerk = staff["clerk"]
    url = reverse("administration-person", args=[clerk.pk])
    data = {"role": "supervisor", "agency": clerk.membership.agency_id}
    assert 'name="code"' in admin.get(url).content.decode()

    missing = admin.post(url, data)
    assert "A code from your authenticator app: This field is required." in missing.content.decode()
    replayed = admin.post(url, data | {"code": opened_with})
    assert "That code did not match" in replayed.content.decode()
    clerk.membership.refresh_from_db()
    assert clerk.membership.role == Role.CLERK

    # django-otp makes a person wait after a wrong code (in real seconds); a while later
    # the next code passes.
    clock.now += 30
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=None, throttling_failure_count=0
    )
    assert admin.post(url, data | {"code": _code(device, clock.now)}).status_code == 302
    clerk.membership.refresh_from_db()
    assert clerk.membership.role == Role.SUPERVISOR


def test_setup_takes_an_empty_database_to_a_first_administrator(db, settings, tmp_path):
    settings.CUSTODIET_LOG_KEY_FILE = str(tmp_path / "log.key")
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "setup",
        "--agency",
        "co-dor-dmv",
        "--agency-name",
        "Colorado Division of Motor Vehicles",
        "--address",
        r"1881 Pierce Street\nLakewood, CO 80214",
        "--username",
        "first_admin",
        stdout=out,
        stderr=err,
    )
    password = out.getvalue().strip()
    agency = Agency.objects.get(code="CO-DOR-DMV")
    assert agency.address == "1881 Pierce Street\nLakewood, CO 80214"
    admin = get_user_model().objects.get(username="first_admin")
    assert admin.membership.role == Role.ADMINISTRATOR and admin.check_password(password)
    assert (tmp_path / "log.key").exists()
    assert [e.kind for e in Event.objects.order_by("id")] == ["agency.added", "membership.added"]
    assert Entry.objects.count() == 2

    with pytest.raises(CommandError, match="already has an administrator"):
        call_command(
            "setup",
            "--agency",
            "CO-DOR-DMV",
            "--agency-name",
            "x",
            "--username",
            "second",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    with pytest.raises(CommandError, match="--time-zone: 'Mars/Olympus' is not a time zone"):
        call_command(
            "setup",
            "--agency",
            "CO-X",
            "--agency-name",
            "x",
            "--username",
            "third",
            "--time-zone",
            "Mars/Olympus",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert not Agency.objects.filter(code="CO-X").exists()
    with pytest.raises(CommandError, match="--agency-name: write it on one line"):
        call_command(
            "setup",
            "--agency",
            "CO-Y",
            "--agency-name",
            "Line one\nBcc: x@example.org",
            "--username",
            "fourth",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    # Another administrator is made here, on purpose, never on the pages.
    out = io.StringIO()
    call_command(
        "setup",
        "--agency",
        "CO-DOR-DMV",
        "--agency-name",
        "x",
        "--username",
        "second",
        "--add-administrator",
        stdout=out,
        stderr=io.StringIO(),
    )
    assert get_user_model().objects.get(username="second").membership.role == Role.ADMINISTRATOR
