"""What goes into a ledger leaf: an event's canonical JSON (RFC 8785), with personal data
replaced by keyed hashes.

Only fields known to carry no one's personal data stay in the clear (an allowlist, so a
field a partner adds is hashed too). A keyed hash (HMAC-SHA256 with the deployment's
`CUSTODIET_PII_HASH_KEY`) lets the agency show that a leaf holds a given value without
letting anyone who reads a published proof guess names or dates of birth.

Leaves carry their version (`v`), and an entry is always recomputed by the rules of its
own version, so a log keeps verifying as the allowlist narrows:

- version 1 kept a document's title and issuer, the whole certification object, and the
  reasons' explanations (which may quote the request's words) in the clear;
- version 2 (every event since) keeps of a document only its kind and form number, of a
  certification only its dates and partner, of a reason its rule, citation, effect and
  whether it is confirmed; and opens the decision's `reportable`, which the report to the
  Governor's office is recounted from.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from typing import Any

import rfc8785

LEAF_VERSION = 2

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


# Version 2: what each part keeps, the rest hashed (see the module's docstring).
_REASON: dict[str, Any] = {"rule": True, "citation": True, "effect": True, "confirmed": True}
_REQUEST_2 = _REQUEST | {
    "legal_process": [{"kind": True, "form": True}],
    "certification": {"signed_on": True, "valid_through": True, "partner_id": True},
}
_DECISION_2 = _DECISION | {
    "reasons": [_REASON],
    "also_considered": [_REASON],
    "reportable": True,
}
# A report to the Governor's office, built, attested or sent with its exceptions listed
# (no earlier event has the key, so earlier leaves are unchanged): it names no one.
_REPORT: dict[str, Any] = {
    "agency": True,
    "period": True,
    "sha256": True,
    "log_size": True,
    "requests": True,
    "exceptions": True,
    "statement": True,
}
# The administration's changes (custodiet.accounts.actions) name staff accounts by username,
# role and agency, as `actor` already does, and a token by its public prefix; no name,
# email or secret is in their payloads. No earlier event has these keys.
_MEMBERSHIP: dict[str, Any] = {
    "user": True,
    "agency": True,
    "role": True,
    "active": True,
    "from_role": True,
    "from_agency": True,
}
# A letter's delivery (custodiet.cases.actions.deliver): how, which letters and in which
# languages; where it went (an email or postal address, a name) stays hashed. No earlier
# event has the key.
_DELIVERY: dict[str, Any] = {"method": True, "letter_sha256": True, "language": True}
# A notice to the person (custodiet.cases.subject_notices): when it was due, under which
# law, whether it went on time, so timeliness can be checked from published proofs; the
# address and counsel's reason stay hashed. No earlier event has the key.
_SUBJECT_NOTICE: dict[str, Any] = {
    "notices": True,
    "position": True,
    "due_on": True,
    "on_time": True,
    "period": True,
    "citation": True,
    "before_release": True,
}
PUBLIC_FIELDS_2: dict[str, Any] = PUBLIC_FIELDS | {
    "request": _REQUEST_2,
    "decision": _DECISION_2,
    "report": _REPORT,
    "membership": _MEMBERSHIP,
    "token": {"prefix": True, "user": True},
    "tokens_revoked": True,
    "agency_settings": {"agency": True, "changed": True},
    "delivery": _DELIVERY,
    "subject_notice": _SUBJECT_NOTICE,
}
SPECS: dict[int, dict[str, Any]] = {1: PUBLIC_FIELDS, 2: PUBLIC_FIELDS_2}


def version_of(data: bytes) -> int | None:
    """The version a stored leaf was written with, or None if it cannot be read."""
    try:
        version = json.loads(data)["v"]
    except (ValueError, TypeError, KeyError, RecursionError):
        return None
    return version if type(version) is int and version in SPECS else None


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
    version: int = LEAF_VERSION,
) -> bytes:
    """The exact bytes of a leaf: recomputable from the event row, the key and the version
    alone."""
    return rfc8785.dumps(
        {
            "v": version,
            "event": event_id,
            "kind": kind,
            "at": at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "actor": actor,
            "request": request,
            "payload": redact(payload, SPECS[version], key),
        }
    )
