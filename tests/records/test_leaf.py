"""A ledger leaf reveals no one's personal data, yet is recomputable from the event."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from custodiet.ledger import store
from custodiet.ledger.leaf import (
    LEAF_VERSION,
    PUBLIC_FIELDS,
    keyed_hash,
    leaf_data,
    leaf_mismatch,
    version_of,
)
from custodiet.records.models import Event

REQUEST = {
    "id": "R-1",
    "received_at": "2022-03-14T10:00:00-06:00",
    "channel": "email",
    "requester": {"name": "Deportation Officer R. Hale", "organization": "ICE", "component": "ERO"},
    "subjects": [
        {"name": "Juan Doe", "date_of_birth": "1990-02-03", "license_number": "123456789"}
    ],
    "records_requested": ["address"],
    "purpose": "Locate Juan Doe at 12 Elm St for removal",
    "purpose_category": "civil_immigration_enforcement",
    "legal_process": [
        {"form": "I-200", "text": "WARRANT FOR ARREST OF ALIEN JUAN DOE", "signed_by": "Officer X"}
    ],
    "partner_note": "call Juan's employer",
}
AT = dt.datetime(2022, 3, 14, 16, 0, tzinfo=dt.UTC)


def leaf(key: bytes = b"k1", payload: object = None) -> bytes:
    return leaf_data(
        event_id=7,
        kind="request.received",
        at=AT,
        actor="clerk",
        request="R-1",
        payload={"request": REQUEST} if payload is None else payload,
        key=key,
    )


def test_a_leaf_holds_no_personal_data_in_the_clear() -> None:
    text = leaf().decode()
    for secret in (
        "Juan",
        "Doe",
        "1990-02-03",
        "123456789",
        "Elm",
        "Hale",
        "Officer X",
        "employer",
    ):
        assert secret not in text
    document = json.loads(text)["payload"]["request"]
    assert document["requester"]["organization"] == "ICE"
    assert document["records_requested"] == ["address"]
    assert document["legal_process"][0]["form"] == "I-200"
    assert document["subjects"].startswith("hmac-sha256:")
    assert document["partner_note"].startswith("hmac-sha256:")  # unknown fields are hashed too


def test_a_leaf_is_canonical_and_keyed() -> None:
    assert leaf() == leaf()
    reordered = {"request": dict(reversed(list(REQUEST.items())))}
    assert leaf(payload=reordered) == leaf()
    assert leaf(key=b"k2") != leaf()
    digest = keyed_hash(b"k1", "Juan Doe")
    assert digest != keyed_hash(b"k2", "Juan Doe")
    assert len(base64.b64decode(digest.removeprefix("hmac-sha256:"))) == 32


def test_only_fields_without_personal_data_are_public() -> None:
    assert "subjects" not in PUBLIC_FIELDS["request"]
    assert "purpose" not in PUBLIC_FIELDS["request"]
    assert "name" not in PUBLIC_FIELDS["request"]["requester"]


def test_version_2_keeps_of_a_document_its_kind_and_form_and_of_a_certification_its_dates():
    payload = {
        "request": REQUEST
        | {"certification": {"signed_on": "2022-01-10", "signed_by": "Example Certifier"}}
    }
    first = json.loads(leaf_data(**_leaf_fields(payload), version=1))["payload"]["request"]
    second = json.loads(leaf_data(**_leaf_fields(payload)))["payload"]["request"]
    assert first["legal_process"][0]["form"] == second["legal_process"][0]["form"] == "I-200"
    assert first["certification"]["signed_by"] == "Example Certifier"
    assert second["certification"]["signed_on"] == "2022-01-10"
    assert second["certification"]["signed_by"].startswith("hmac-sha256:")


def _leaf_fields(payload: object) -> dict[str, object]:
    return {
        "event_id": 7,
        "kind": "request.received",
        "at": AT,
        "actor": "clerk",
        "request": None,
        "payload": payload,
        "key": b"k1",
    }


@pytest.mark.django_db
def test_an_entry_is_recomputed_by_the_rules_of_its_own_version():
    event = Event.objects.create(
        kind="request.received", actor="clerk", at=AT, payload={"request": REQUEST}
    )
    older = store.event_leaf(event, version=1)
    assert version_of(older) == 1 and version_of(store.event_leaf(event)) == LEAF_VERSION == 2
    assert older != store.event_leaf(event)
    assert store.leaf_mismatch(event, older) is None
    assert store.leaf_mismatch(event, store.event_leaf(event)) is None
    assert "any known version" in str(store.leaf_mismatch(event, older.replace(b'"v":1', b'"v":9')))
    altered = older.replace(b'"channel":"email"', b'"channel":"phone"')
    assert "altered" in str(store.leaf_mismatch(event, altered))


# The quick check `verify` runs first (a C serializer), against RFC 8785 itself ----------

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**60), max_value=2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
_KEYS = st.text(max_size=6) | st.sampled_from(["name", "\ue000", "\U0001f600", "a\ud800"])
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=20,
)
_PAYLOADS = st.dictionaries(
    st.sampled_from(["request", "decision", "note", "to_state", "reminder"]), _VALUES, max_size=4
)


def _reference(payload: object) -> bytes | None:
    try:
        return leaf(payload=payload)
    except Exception:  # RFC 8785 refuses it: no leaf could have been written
        return None


@settings(max_examples=300, deadline=None)
@given(_PAYLOADS, _PAYLOADS)
def test_the_quick_check_agrees_with_rfc_8785_on_any_json(written: dict, now: dict) -> None:
    stored = _reference(written)
    assume(stored is not None)
    why = leaf_mismatch(
        stored,
        event_id=7,
        kind="request.received",
        at=AT,
        actor="clerk",
        request="R-1",
        payload=now,
        key=b"k1",
    )
    # A match exactly when RFC 8785 writes the same leaf for the event as it is now.
    assert (why is None) == (_reference(now) == stored)


@settings(max_examples=300, deadline=None)
@given(_PAYLOADS)
def test_the_quick_check_matches_every_leaf_rfc_8785_wrote(written: dict) -> None:
    stored = _reference(written)
    assume(stored is not None)
    assert (
        leaf_mismatch(
            stored,
            event_id=7,
            kind="request.received",
            at=AT,
            actor="clerk",
            request="R-1",
            payload=json.loads(json.dumps(written)),
            key=b"k1",
        )
        is None
    )


@settings(max_examples=400, deadline=None)
@given(_PAYLOADS)
def test_a_leaf_written_quickly_is_the_leaf_rfc_8785_writes(payload: dict) -> None:
    import rfc8785

    from custodiet.ledger.leaf import SPECS, redact

    fields = {
        "v": LEAF_VERSION,
        "event": 7,
        "kind": "request.received",
        "at": AT.isoformat(timespec="microseconds"),
        "actor": "clerk",
        "request": "R-1",
    }
    try:
        expected = rfc8785.dumps(fields | {"payload": redact(payload, SPECS[LEAF_VERSION], b"k1")})
    except Exception:
        with pytest.raises(Exception):  # noqa: B017 - whatever RFC 8785 raises
            leaf(payload=payload)
        return
    assert leaf(payload=payload) == expected


@pytest.mark.parametrize("edited", [float("nan"), float("inf"), float("-inf")])
def test_a_null_edited_to_a_number_no_json_can_hold_is_reported(edited: float) -> None:
    # A C serializer writes NaN and infinities as null; the check must not be fooled.
    stored = leaf(payload={"note": None})
    why = leaf_mismatch(
        stored,
        event_id=7,
        kind="request.received",
        at=AT,
        actor="clerk",
        request="R-1",
        payload={"note": edited},
        key=b"k1",
    )
    assert why is not None and "can no longer be written as a leaf" in why
