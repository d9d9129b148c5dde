"""`custodiet tokens create|list|revoke`, and that what it issues works over HTTP."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.management import CommandError, call_command

from custodiet.accounts.models import ApiToken, Role
from custodiet.records.models import Event

from .conftest import Api, detective_request, make_member

pytestmark = pytest.mark.django_db


def tokens(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("tokens", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_create_prints_a_token_once_and_stores_only_its_hash(client, partner):
    out, err = tokens("create", "--user", "dmv-portal", "--name", "DMV portal")
    secret = out.strip()
    assert secret.startswith("cus_")
    assert "not shown again" in err
    stored = ApiToken.objects.get()
    assert (stored.user, stored.name, stored.prefix) == (partner, "DMV portal", secret[:12])
    assert stored.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in repr(list(ApiToken.objects.values()))
    assert Api(client, secret).submit(detective_request()).status_code == 201
    issued = Event.objects.get(kind="token.issued")
    assert issued.actor == "command line"
    assert issued.payload == {"token": {"prefix": secret[:12], "user": "dmv-portal"}}


def test_create_refuses_an_unknown_user(db):
    with pytest.raises(CommandError, match="no account named 'nobody'"):
        tokens("create", "--user", "nobody")


def test_create_refuses_an_account_that_is_not_a_partner(django_user_model, dmv):
    make_member(django_user_model, "clerk", dmv, Role.CLERK)
    django_user_model.objects.create_user(username="loner")
    for username in ("clerk", "loner"):
        with pytest.raises(CommandError, match="not a partner account"):
            tokens("create", "--user", username)
    assert not ApiToken.objects.exists()


def test_list_shows_prefixes_and_never_a_token(partner):
    secret = tokens("create", "--user", "dmv-portal", "--name", "DMV portal")[0].strip()
    out, _ = tokens("list")
    assert secret[:12] in out
    assert secret not in out
    assert "CO-DOR-DMV" in out
    assert "DMV portal" in out


def test_revoke_by_prefix_ends_the_tokens_use(client, partner):
    secret = tokens("create", "--user", "dmv-portal")[0].strip()
    out, _ = tokens("revoke", secret[:12])
    assert "Revoked" in out
    assert ApiToken.objects.get().revoked_at is not None
    assert Event.objects.get(kind="token.revoked").payload["token"]["prefix"] == secret[:12]
    assert Api(client, secret).submit(detective_request()).status_code == 401
    with pytest.raises(CommandError, match="no live token"):
        tokens("revoke", secret[:12])


def test_revoke_refuses_a_prefix_too_short_to_be_sure(partner):
    tokens("create", "--user", "dmv-portal")
    with pytest.raises(CommandError, match="12-character prefix"):
        tokens("revoke", "cus_")
    assert ApiToken.objects.get().revoked_at is None
