"""What goes into a ledger leaf: an event's canonical JSON (RFC 8785), with personal data
replaced by keyed hashes.

Only fields known to carry no one's personal data stay in the clear (an allowlist, so a
field a partner adds is hashed too). A keyed hash (HMAC-SHA256 with the deployment's
`CUSTODIET_PII_HASH_KEY`) lets the agency show that a leaf holds a given value without
letting anyone who reads a published proof guess names or dates of birth.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from typing import Any

import rfc8785

LEAF_VERSION = 1

# Which parts of an event payload stay readable: True keeps the value, a dict recurses
# into an object, a one-item list applies its spec to every item of a list.
_REQUEST: dict[str, Any] = {
    "id": True,
    "received_at": True,
    "channel": True,
    "receiving_agency": True,
    "requester": {"organization": True, "component": True, "ori": True, "level": True},
    "records_requested": True,
    "purpose_category": True,
    "legal_process": [{"kind": True, "form": True, "title": True, "issued_by": True}],
    "certification": True,
    "facial_recognition": True,
    "bulk": True,
}
_DECISION: dict[str, Any] = {
    "request_id": True,
    "outcome": True,
    "immigration_related": True,
    "reasons": True,
    "obligations": True,
    "releasable_records": True,
    "withheld_records": True,
    "legal_process": [
        {
            "kind": True,
            "inferred": True,
            "stated_kind": True,
            "court_issued": True,
            "immigration": True,
            "ambiguous": True,
        }
    ],
    "policy": True,
    "errors": True,
    # Added with the request contract 1.1; absent from older events, so their leaves are
    # unchanged. (`reportable` predates them and stays hashed: opening it now would change
    # the leaves of every event already logged.)
    "also_considered": True,
    "records_for_counsel": True,
}
PUBLIC_FIELDS: dict[str, Any] = {
    "request": _REQUEST,
    "decision": _DECISION,
    "decided_by": True,
    "from_state": True,
    "to_state": True,
    "document_sha256": True,
    "release": True,
    "recipients": True,
    "reminder": True,
    # Added with release under the law of the day of release and the steps before release;
    # no earlier event's payload has these keys, so earlier leaves are unchanged.
    "as_of": True,
    "outcome": True,
    "not_released": True,
    "obligation": True,
    "met": True,
    "approved": True,
}


def keyed_hash(key: bytes, value: Any) -> str:
    digest = hmac.new(key, rfc8785.dumps(value), hashlib.sha256).digest()
    return "hmac-sha256:" + base64.b64encode(digest).decode()


def redact(value: Any, spec: Any, key: bytes) -> Any:
    """Keep what `spec` allows, replace everything else by its keyed hash."""
    if spec is True:
        return value
    if isinstance(spec, dict) and isinstance(value, dict):
        return {
            name: redact(item, spec[name], key) if name in spec else keyed_hash(key, item)
            for name, item in value.items()
        }
    if isinstance(spec, list) and isinstance(value, list):
        return [redact(item, spec[0], key) for item in value]
    return keyed_hash(key, value)


def leaf_data(
    *,
    event_id: int,
    kind: str,
    at: dt.datetime,
    actor: str,
    request: str | None,
    payload: Any,
    key: bytes,
) -> bytes:
    """The exact bytes of a leaf: recomputable from the event row and the key alone."""
    return rfc8785.dumps(
        {
            "v": LEAF_VERSION,
            "event": event_id,
            "kind": kind,
            "at": at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "actor": actor,
            "request": request,
            "payload": redact(payload, PUBLIC_FIELDS, key),
        }
    )
