"""No one's personal data in any ledger leaf: a marker put in every field of a request
that may hold it is found in no entry, through intake, decision, counsel, approval and
release or refusal (REPORTS.md: the proofs leave the agency; the record does not)."""

from __future__ import annotations

import json

import pytest

from custodiet.cases import actions
from custodiet.cases.models import Case
from custodiet.ledger.models import Entry

from .conftest import Role, make_member

pytestmark = pytest.mark.django_db

# Markers that cannot occur by chance, one per field, each the kind of value a person's
# data would be.
MARKERS = {
    "requester.name": "Qzv Example Requester",
    "requester.email": "qzv-requester@example.org",
    "requester.address": "12 Qzvexample Street",
    "subjects.name": "Qzw Example Subject",
    "subjects.date_of_birth": "1917-07-17",
    "subjects.license_number": "917071717",
    "purpose": "Qzx Example Subject",
    "criminal_investigation.offense": "Qzy example offence",
    "legal_process.title": "Order concerning Qzt Example Person",
    "legal_process.issued_by": "Qzu Example Issuer",
    "legal_process.signed_by": "Qzs Example Signer",
    "legal_process.text": "Qzr example text",
    "certification.signed_by": "Qzq Example Certifier",
    "claimed_legal_requirement": "Qzp example requirement",
    "counsel.reason": "Qzo example counsel note",
}


def _request(**changes: object) -> dict[str, object]:
    request: dict[str, object] = {
        "received_at": "2025-09-14T10:00:00-06:00",
        "receiving_agency": "CO-DOR-DMV",
        "channel": "email",
        "requester": {
            "name": MARKERS["requester.name"],
            "email": MARKERS["requester.email"],
            "address": MARKERS["requester.address"],
            "organization": "Homeland Security Investigations",
            "level": "federal",
        },
        "subjects": [
            {
                "name": MARKERS["subjects.name"],
                "date_of_birth": MARKERS["subjects.date_of_birth"],
                "license_number": MARKERS["subjects.license_number"],
            }
        ],
        "records_requested": ["address"],
        "purpose": f"Human trafficking investigation; locate {MARKERS['purpose']}",
        "purpose_category": "criminal_investigation",
        "criminal_investigation": {
            "case_number": "HSI-2025-0001",
            "offense": MARKERS["criminal_investigation.offense"],
        },
        "legal_process": [
            {
                "kind": "court_order",
                "title": MARKERS["legal_process.title"],
                "issued_by": MARKERS["legal_process.issued_by"],
                "signed_by": MARKERS["legal_process.signed_by"],
                "text": MARKERS["legal_process.text"],
            }
        ],
        "claimed_legal_requirement": MARKERS["claimed_legal_requirement"],
        "certification": {
            "signed_on": "2025-01-10",
            "signed_by": MARKERS["certification.signed_by"],
        },
    }
    request.update(changes)
    return request


def test_no_marker_of_any_field_reaches_any_leaf(api, dmv, supervisor, django_user_model):
    counsel = make_member(django_user_model, "counsel", dmv, Role.COUNSEL)
    clerk = make_member(django_user_model, "clerk-1", dmv, Role.CLERK)
    refused = api.submit(_request())
    released = api.submit(
        _request(
            requester={
                "name": MARKERS["requester.name"],
                "organization": "Denver Police Department",
                "level": "local",
            },
            legal_process=[],
        )
    )
    assert refused.status_code == released.status_code == 201, refused.content
    first = Case.objects.get(request__public_id=refused.json()["id"])
    assert first.state == "with_counsel"  # HSI, even on a criminal case
    first = actions.counsel_decide(
        first, by=counsel, release=False, reason=MARKERS["counsel.reason"]
    )
    actions.refuse(first, by=clerk)
    second = Case.objects.get(request__public_id=released.json()["id"])
    assert second.state == "awaiting_approval"
    actions.release(actions.approve(second, by=supervisor), by=clerk)
    leaves = [bytes(entry.data).decode() for entry in Entry.objects.order_by("index")]
    kinds = {json.loads(leaf)["kind"] for leaf in leaves}
    assert {"request.received", "request.decided"} <= kinds
    assert {"counsel.decided", "request.refused", "request.released"} <= kinds
    for field, marker in MARKERS.items():
        for leaf in leaves:
            assert marker.lower() not in leaf.lower(), (field, json.loads(leaf)["kind"])
    # What stays readable is what the report is recounted from.
    decided = next(
        json.loads(leaf) for leaf in leaves if json.loads(leaf)["kind"] == "request.decided"
    )
    decision = decided["payload"]["decision"]
    assert isinstance(decision["reportable"]["value"], bool)
    assert decision["reasons"] and {"rule", "citation", "effect"} <= set(decision["reasons"][0])
    assert decision["reasons"][0].get("explanation", "hmac").startswith("hmac-sha256:")
