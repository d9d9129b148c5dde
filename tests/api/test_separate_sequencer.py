"""Intake with the separate sequencer: a request is answered once its events and their
leaves are committed, and its history names each event's position once the sequencer
has placed it."""

from __future__ import annotations

import pytest

from custodiet.ledger import sequencer, store
from custodiet.ledger.models import Entry, Leaf

from .conftest import detective_request

pytestmark = pytest.mark.django_db


def test_an_answered_request_is_in_the_record_and_gets_its_positions_after(api, settings):
    settings.CUSTODIET_LEDGER_SEQUENCER = "separate"

    answer = api.submit(detective_request(id="DRIVES-0001"))

    assert answer.status_code == 201, answer.json()
    leaves = Leaf.objects.filter(event__request__public_id="DRIVES-0001").count()
    assert leaves >= 3 and Entry.objects.count() == 0  # received, decided, case opened
    history = api.read("DRIVES-0001").json()["history"]
    assert len(history) == leaves
    assert all("ledger_index" not in event for event in history)

    assert sequencer.Sequencer().run(once=True) == leaves

    history = api.read("DRIVES-0001").json()["history"]
    assert sorted(event["ledger_index"] for event in history) == list(range(leaves))
    assert store.verify().ok
