"""The second factor: who is asked, enrolling an authenticator app, and the code at sign-in."""

from __future__ import annotations

import datetime as dt
import logging
from base64 import b32encode
from io import StringIO
from urllib.parse import unquote

import pytest
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from custodiet.accounts.models import Role

from .conftest import ENROL, EXPLORER, HOME, LOGOUT, VERIFY, code_for, sign_in


@pytest.fixture
def require_2fa(settings):
    settings.CUSTODIET_REQUIRE_2FA = True


@pytest.fixture
def enrolled(supervisor):
    """The supervisor's confirmed authenticator app."""
    return TOTPDevice.objects.create(user=supervisor, name="Authenticator app", confirmed=True)


def _signed_in(client, username: str, password: str):
    response = sign_in(client, username, password)
    assert response.status_code == 302, "the password sign-in failed"
    return client


def _unthrottle(device: TOTPDevice) -> None:
    # django-otp makes a person wait 1, 2, 4... seconds after each wrong code.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=device.throttling_failure_timestamp - dt.timedelta(hours=1)
    )


def test_a_supervisor_enrols_then_must_verify_at_each_new_sign_in(
    client, require_2fa, supervisor, password, clock
):
    _signed_in(client, "supervisor", password)
    response = client.get(EXPLORER)
    assert response.status_code == 302
    assert response["Location"] == f"{ENROL}?next=/explorer/"
    assert client.get("/policy/?as_of=2024-01-01")["Location"] == (
        f"{ENROL}?next=/policy/%3Fas_of%3D2024-01-01"
    )

    page = client.get(response["Location"])
    html = unquote(page.content.decode())
    device = TOTPDevice.objects.get(user=supervisor)
    assert not device.confirmed
    secret = b32encode(device.bin_key).decode()
    assert f"otpauth://totp/Custodiet:supervisor?secret={secret}" in html
    assert 'src="data:image/svg+xml' in html
    assert 'alt="QR code holding the set-up link written out below"' in html
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in html
    assert '<label class="usa-label" for="id_code">6-digit code' in html
    assert "no-store" in page["Cache-Control"]
    assert secret in unquote(client.get(ENROL).content.decode()), "a reload shows the same key"
    assert TOTPDevice.objects.filter(user=supervisor).count() == 1

    response = client.post(ENROL, {"code": code_for(device, clock.now), "next": "/explorer/"})
    assert response.status_code == 302
    assert response["Location"] == EXPLORER
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(EXPLORER).status_code == 200

    client.post(LOGOUT)
    _signed_in(client, "supervisor", password)
    response = client.get(EXPLORER)
    assert response["Location"] == f"{VERIFY}?next=/explorer/"
    page = client.get(response["Location"])
    assert "<h1>Enter your code</h1>" in page.content.decode()

    clock.tick(30)
    response = client.post(VERIFY, {"code": code_for(device, clock.now), "next": "/explorer/"})
    assert response.status_code == 302
    assert response["Location"] == EXPLORER
    assert client.get(EXPLORER).status_code == 200
    assert client.get(VERIFY)["Location"] == HOME


def test_a_wrong_code_is_refused_and_explained(client, require_2fa, enrolled, password, clock):
    _signed_in(client, "supervisor", password)
    wrong = f"{(int(code_for(enrolled, clock.now)) + 1) % 1_000_000:06d}"

    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == 200
    html = response.content.decode()
    assert "That code does not match" in html
    assert 'aria-invalid="true"' in html
    assert "usa-input--error" in html
    assert client.get(EXPLORER)["Location"].startswith(VERIFY)

    # Straight after a wrong code even the right one waits, so codes cannot be raced.
    response = client.post(VERIFY, {"code": code_for(enrolled, clock.now)})
    assert "Too many wrong codes in a row" in response.content.decode()

    enrolled.refresh_from_db()
    _unthrottle(enrolled)
    response = client.post(VERIFY, {"code": code_for(enrolled, clock.now)})
    assert response["Location"] == HOME


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef"])
def test_a_code_that_is_not_six_digits_is_refused(client, require_2fa, enrolled, password, code):
    _signed_in(client, "supervisor", password)
    response = client.post(VERIFY, {"code": code})
    assert response.status_code == 200
    assert 'id="id_code_error"' in response.content.decode()
    assert client.get(EXPLORER)["Location"].startswith(VERIFY)


def test_a_code_typed_with_a_space_is_accepted(client, require_2fa, enrolled, password, clock):
    _signed_in(client, "supervisor", password)
    code = code_for(enrolled, clock.now)
    response = client.post(VERIFY, {"code": f" {code[:3]} {code[3:]} "})
    assert response["Location"] == HOME


def test_a_wrong_code_does_not_confirm_the_enrolment(
    client, require_2fa, supervisor, password, clock
):
    _signed_in(client, "supervisor", password)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=supervisor)
    wrong = f"{(int(code_for(device, clock.now)) + 1) % 1_000_000:06d}"

    response = client.post(ENROL, {"code": wrong})
    assert response.status_code == 200
    assert "That code does not match" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get(EXPLORER)["Location"].startswith(ENROL)


def test_a_code_is_never_accepted_twice(client, require_2fa, enrolled, password, clock):
    code = code_for(enrolled, clock.now)
    _signed_in(client, "supervisor", password)
    assert client.post(VERIFY, {"code": code})["Location"] == HOME

    client.post(LOGOUT)
    _signed_in(client, "supervisor", password)
    response = client.post(VERIFY, {"code": code})
    assert "That code does not match" in response.content.decode()


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.COUNSEL, Role.ADMINISTRATOR])
def test_those_who_approve_or_decide_are_asked(client, require_2fa, person, password, role):
    person(role)
    _signed_in(client, role.value, password)
    assert client.get(EXPLORER)["Location"] == f"{ENROL}?next=/explorer/"


@pytest.mark.parametrize("role", [Role.CLERK, Role.PRIVACY_OFFICER, Role.AUDITOR, Role.PARTNER])
def test_other_roles_are_never_asked(client, require_2fa, person, password, role):
    person(role)
    _signed_in(client, role.value, password)
    response = client.get("/policy/")
    # Answered as the role allows (a partner system may not use the page), never sent
    # to the second-factor pages.
    assert response.status_code in (200, 403)


def test_someone_without_a_membership_is_not_asked(
    client, require_2fa, django_user_model, password
):
    django_user_model.objects.create_user(username="nobody", password=password)
    _signed_in(client, "nobody", password)
    # Refused (no agency), but not sent to the second-factor pages.
    assert client.get("/policy/").status_code == 403


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.COUNSEL, Role.ADMINISTRATOR])
def test_with_the_requirement_off_nobody_is_asked(client, person, password, role, settings):
    settings.CUSTODIET_REQUIRE_2FA = False
    person(role)
    _signed_in(client, role.value, password)
    assert client.get(EXPLORER).status_code == 200


def test_sign_out_and_static_files_are_let_through(client, require_2fa, supervisor, password):
    _signed_in(client, "supervisor", password)
    static = client.get("/static/web/custodiet.css")
    assert not static.get("Location", "").startswith(ENROL)

    response = client.post(LOGOUT)
    assert response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_enrolling_again_needs_the_code_of_the_enrolled_app(
    client, require_2fa, enrolled, password, clock
):
    # Otherwise a stolen password would be enough to replace the approver's app.
    _signed_in(client, "supervisor", password)
    assert client.get(ENROL)["Location"].startswith(VERIFY)
    assert client.post(ENROL, {"code": "123456"})["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=enrolled.user).count() == 1

    client.post(VERIFY, {"code": code_for(enrolled, clock.now)})
    page = client.get(ENROL)
    assert page.status_code == 200
    assert "Your second factor is set up" in page.content.decode()
    assert "otpauth://" not in page.content.decode()


def test_next_never_leads_off_the_site(client, require_2fa, enrolled, password, clock):
    _signed_in(client, "supervisor", password)
    response = client.post(
        VERIFY, {"code": code_for(enrolled, clock.now), "next": "https://evil.example/"}
    )
    assert response["Location"] == HOME


def test_verifying_gives_the_session_a_new_key(client, require_2fa, enrolled, password, clock):
    _signed_in(client, "supervisor", password)
    before = client.cookies["sessionid"].value
    client.post(VERIFY, {"code": code_for(enrolled, clock.now)})
    assert client.cookies["sessionid"].value != before


def test_the_key_and_codes_stay_out_of_the_logs(
    client, require_2fa, supervisor, password, clock, caplog
):
    caplog.set_level(logging.DEBUG)
    _signed_in(client, "supervisor", password)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=supervisor)
    code = code_for(device, clock.now)
    client.post(ENROL, {"code": code})

    logged = caplog.text
    assert "enrolled a second factor" in logged
    assert device.key not in logged
    assert b32encode(device.bin_key).decode() not in logged
    assert code not in logged


def test_reset_second_factor_sends_the_person_to_enrol_again(
    client, require_2fa, enrolled, password, clock
):
    _signed_in(client, "supervisor", password)
    client.post(VERIFY, {"code": code_for(enrolled, clock.now)})
    assert client.get(EXPLORER).status_code == 200

    out = StringIO()
    call_command("reset_second_factor", "supervisor", stdout=out)
    assert "Removed supervisor's second factor" in out.getvalue()
    assert not TOTPDevice.objects.filter(user=enrolled.user).exists()
    assert client.get(EXPLORER)["Location"].startswith(ENROL)

    with pytest.raises(CommandError, match="no account named 'nobody'"):
        call_command("reset_second_factor", "nobody")
