"""Sign-in throttling: a username is paused at one address after repeated wrong passwords."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import authenticate
from django.db.models import F
from django.utils import timezone

from custodiet.accounts.models import Role

from .conftest import EXPLORER, HOME, LOGOUT, sign_in

WRONG = "not the password at all"


def _fail(client, username: str, times: int, **extra) -> list[int]:
    return [sign_in(client, username, WRONG, **extra).status_code for _ in range(times)]


def _fail_until_paused(client):
    _fail(client, "clerk", 4)
    return sign_in(client, "clerk", WRONG)


def _after_cool_off() -> None:
    # Moves the recorded failures back past the 15-minute cool-off, as if time had passed.
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - dt.timedelta(minutes=16))


def test_five_wrong_passwords_pause_the_account_even_for_the_right_one(client, clerk, password):
    assert _fail(client, "clerk", 4) == [200] * 4
    assert _fail(client, "clerk", 1) == [429]

    response = sign_in(client, "clerk", password)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert client.get(EXPLORER).status_code == 302


def test_the_pause_page_says_when_to_try_again(client, clerk):
    before = timezone.now()
    response = _fail_until_paused(client)
    html = response.content.decode()

    assert "<h1>Sign-in paused</h1>" in html
    assert "usa-alert--warning" in html
    assert "After 5 failed sign-ins" in html
    assert "in about 15 minutes" in html
    retry_at = dt.datetime.fromisoformat(re.search(r'<time datetime="([^"]+)"', html).group(1))
    assert dt.timedelta(minutes=15) <= retry_at - before <= dt.timedelta(minutes=15, seconds=5)
    assert 14 * 60 < int(response["Retry-After"]) <= 15 * 60
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_trying_during_the_pause_does_not_extend_it(client, clerk, password):
    _fail_until_paused(client)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - dt.timedelta(minutes=10))
    response = sign_in(client, "clerk", password)
    assert response.status_code == 429
    assert "in about 5 minutes" in response.content.decode()

    AccessAttempt.objects.update(attempt_time=F("attempt_time") - dt.timedelta(minutes=6))
    assert sign_in(client, "clerk", password).status_code == 302


def test_after_the_cool_off_the_right_password_works(client, clerk, password):
    _fail_until_paused(client)
    _after_cool_off()

    response = sign_in(client, "clerk", password)
    assert response.status_code == 302
    assert response["Location"] == HOME
    assert client.get(EXPLORER).status_code == 200


def test_a_cool_off_of_a_moment_ends_on_its_own(client, clerk, password, settings):
    settings.AXES_COOLOFF_TIME = dt.timedelta(microseconds=1)
    _fail_until_paused(client)
    assert sign_in(client, "clerk", password).status_code == 302


def test_a_successful_sign_in_starts_the_count_again(client, clerk, password):
    assert _fail(client, "clerk", 4) == [200] * 4
    assert sign_in(client, "clerk", password).status_code == 302
    client.post(LOGOUT)

    assert _fail(client, "clerk", 4) == [200] * 4
    assert _fail(client, "clerk", 1) == [429]


def test_the_pause_holds_one_username_at_one_address(client, person, password):
    person(Role.CLERK)
    person(Role.SUPERVISOR)
    _fail(client, "clerk", 5)

    assert sign_in(client, "clerk", password, REMOTE_ADDR="192.0.2.7").status_code == 302
    client.post(LOGOUT)
    assert sign_in(client, "supervisor", password).status_code == 302


def test_the_limit_comes_from_the_settings(client, clerk, settings):
    settings.AXES_FAILURE_LIMIT = 2
    assert _fail(client, "clerk", 2) == [200, 429]


def test_the_failed_password_is_not_stored(client, clerk):
    _fail(client, "clerk", 1)
    assert WRONG not in AccessAttempt.objects.get().post_data


def test_a_password_check_without_a_request_is_refused(clerk, password):
    # No address to count failures against, so no unthrottled way to guess.
    assert authenticate(username="clerk", password=password) is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CUSTODIET_LOGIN_ATTEMPTS", "0"),
        ("CUSTODIET_LOGIN_ATTEMPTS", "five"),
        ("CUSTODIET_LOGIN_COOLOFF_MINUTES", "0"),
    ],
)
def test_a_bad_throttle_setting_stops_the_process(name, value):
    env = {**os.environ, "CUSTODIET_INSECURE_DEV_KEY": "true", name: value}
    result = subprocess.run(
        [sys.executable, "-c", "import custodiet.settings"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert name in result.stderr
