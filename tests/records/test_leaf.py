"""A ledger leaf reveals no one's personal data, yet is recomputable from the event."""

from __future__ import annotations

import base64
import datetime as dt
import json

from custodiet.ledger.leaf import PUBLIC_FIELDS, keyed_hash, leaf_data

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
