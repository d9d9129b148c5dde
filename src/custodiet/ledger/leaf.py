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
import hmac
import json
import re
from typing import Any

import orjson
import rfc8785

from custodiet.merkle.rfc6962 import leaf_hash

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


# A leaf's canonical JSON ends with its version: "v" sorts after its other keys.
_VERSION_AT_END = re.compile(rb',"v":([0-9]{1,3})\}\Z')


def _version_quickly(data: bytes) -> int | None:
    found = _VERSION_AT_END.search(data, max(0, len(data) - 12))
    return int(found[1]) if found is not None and int(found[1]) in SPECS else None


def version_of(data: bytes) -> int | None:
    """The version a stored leaf was written with, or None if it cannot be read."""
    try:
        version = json.loads(data)["v"]
    except (ValueError, TypeError, KeyError, RecursionError):
        return None
    return version if type(version) is int and version in SPECS else None


def keyed_hash(key: bytes, value: Any) -> str:
    digest = hmac.digest(key, rfc8785.dumps(value), "sha256")
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


def _head(
    version: int, event_id: int, kind: str, at: dt.datetime, actor: str, request: str | None
) -> dict[str, Any]:
    """A leaf's fields but its payload."""
    return {
        "v": version,
        "event": event_id,
        "kind": kind,
        "at": at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": actor,
        "request": request,
    }


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
    alone. RFC 8785's canonical JSON; written by a C serializer when every value is one
    it writes the same way (`_plain`), by RFC 8785's own implementation otherwise."""
    fields = _head(version, event_id, kind, at, actor, request)
    if _plain(payload) and _plain(fields):
        try:
            return _quick_dumps(fields | {"payload": _redact_quickly(payload, SPECS[version], key)})
        except orjson.JSONEncodeError:  # a lone surrogate: RFC 8785 says what is wrong
            pass
    return rfc8785.dumps(fields | {"payload": redact(payload, SPECS[version], key)})


# Integers RFC 8785 writes (the I-JSON range), and the first character from which UTF-16
# order (RFC 8785's, for keys) and code point order (the C serializer's) may differ.
_SAFE_INTEGER = 2**53 - 1
_ORDER_AGREES_BELOW = "\ue000"


def _plain(value: Any) -> bool:
    """Whether the C serializer writes `value` exactly as RFC 8785 does: strings, booleans,
    null, integers within 2**53 - 1, and lists and objects of them with keys below
    U+E000. Floats and anything else are left to RFC 8785."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return -_SAFE_INTEGER <= value <= _SAFE_INTEGER
    if kind is dict:
        return all(
            type(name) is str and (not name or max(name) < _ORDER_AGREES_BELOW) and _plain(item)
            for name, item in value.items()
        )
    if kind is list:
        return all(_plain(item) for item in value)
    return False


# Checking stored leaves quickly ---------------------------------------------------------


def _quick_dumps(value: Any) -> bytes:
    """JSON with sorted keys and no spaces, from a C serializer: RFC 8785's form for
    strings, booleans, null and integers, and for keys below U+E000 (RFC 8785 orders keys
    by UTF-16 code units, which then agree with code points). Floats, large integers and
    keys beyond that may come out otherwise; see `leaf_mismatch`."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def _redact_quickly(value: Any, spec: Any, key: bytes) -> Any:
    """`redact`, with the quick serializer, and with no call for a value kept as it is."""
    if spec is True:
        return value
    if isinstance(spec, dict) and isinstance(value, dict):
        kept = {}
        for name, item in value.items():
            inner = spec.get(name)
            if inner is True:
                kept[name] = item
            elif inner is None:
                kept[name] = _quick_hash(key, item)
            else:
                kept[name] = _redact_quickly(item, inner, key)
        return kept
    if isinstance(spec, list) and isinstance(value, list):
        return [_redact_quickly(item, spec[0], key) for item in value]
    return _quick_hash(key, value)


def _quick_hash(key: bytes, value: Any) -> str:
    digest = hmac.digest(key, _quick_dumps(value), "sha256")
    return "hmac-sha256:" + base64.b64encode(digest).decode()


def leaf_mismatch(
    data: bytes,
    *,
    event_id: int,
    kind: str,
    at: dt.datetime,
    actor: str,
    request: str | None,
    payload: Any,
    key: bytes,
) -> str | None:
    """Why the stored leaf `data` is not what this event gives now, or None when it is.

    The leaf is written again as `leaf_data` writes it (quickly for plain values, by
    RFC 8785 otherwise, so a float or NaN is never judged by the quick form). Never
    raises, whatever the event holds: content that can no longer be canonicalized is a
    mismatch to report, not a crash.
    """
    version = _version_quickly(data) or version_of(data)
    unknown = f"does not match event #{event_id}: the entry is not a leaf of any known version"
    if version is None:
        return unknown
    try:
        recomputed = leaf_data(
            event_id=event_id,
            kind=kind,
            at=at,
            actor=actor,
            request=request,
            payload=payload,
            key=key,
            version=version,
        )
    except Exception as error:  # any stored content whatsoever: the report names it
        return (
            f"does not match event #{event_id}: the event can no longer be written as a leaf "
            f"({type(error).__name__}: {str(error)[:200]})"
        )
    if recomputed != data:
        if version_of(data) != version:  # the quick reading of the version was fooled
            return unknown
        return (
            f"does not match event #{event_id}: the event or the entry was altered, or entries "
            "were reordered"
        )
    return None


# One stored entry as `custodiet ledger verify` reads it: the entry's index, bytes and
# event id; its leaf's id, whether the leaf's bytes are the entry's, the leaf's stored hash;
# then the event's id (None when it is gone), kind, time, actor, request id and payload
# as JSON text.
EntryRow = tuple[
    int,
    bytes,
    int,
    int | None,
    bool | None,
    bytes | None,
    int | None,
    str,
    dt.datetime,
    str,
    str | None,
    str,
]


def check_entries(rows: list[EntryRow], key: bytes) -> tuple[tuple[int, str] | None, list[bytes]]:
    """Check each entry against its leaf and its event, in order: the first problem as
    (index, why), or None, and the leaf hashes of the entries before it. Runs in worker
    processes: it needs no database and no settings."""
    hashes: list[bytes] = []
    for index, data, event_id, leaf_id, same, digest, found, *event in rows:
        if found is None:
            return (index, f"entry {index} has no event (event #{event_id} is gone)"), hashes
        if leaf_id is None:
            return (
                index,
                f"entry {index} has no leaf: event #{event_id} was placed without one",
            ), hashes
        if not same:
            return (
                index,
                f"entry {index} does not match event #{event_id}: its bytes are not those of "
                f"the leaf written with the event (leaf #{leaf_id}): the entry or the leaf was "
                "altered",
            ), hashes
        value = leaf_hash(data)
        if digest != value:
            return (
                index,
                f"leaf #{leaf_id} (entry {index}): its stored hash does not match its bytes",
            ), hashes
        problem = event_mismatch(data, found, *event, key=key)
        if problem is not None:
            return (index, f"entry {index} {problem}"), hashes
        hashes.append(value)
    return None, hashes


def event_mismatch(
    data: bytes,
    event_id: int,
    kind: str,
    at: dt.datetime | str,
    actor: str,
    request: str | None,
    payload: str | bytes,
    *,
    key: bytes,
) -> str | None:
    """`leaf_mismatch` for an event read as a row, its payload as JSON text."""
    if isinstance(at, str):
        at = dt.datetime.fromisoformat(at)
    if at.tzinfo is None:  # SQLite keeps times in UTC without saying so
        at = at.replace(tzinfo=dt.UTC)
    try:
        value = orjson.loads(payload)
    except orjson.JSONDecodeError:
        try:
            value = json.loads(payload)
        except (ValueError, RecursionError) as error:
            return f"does not match event #{event_id}: its payload is not JSON ({error})"
    return leaf_mismatch(
        data,
        event_id=event_id,
        kind=kind,
        at=at,
        actor=actor,
        request=request,
        payload=value,
        key=key,
    )
