"""`custodiet ledger verify` on an honest database, and on one an attacker with the
database owner's rights has edited directly in SQL: each kind of change fails and the
message names the entry, event or checkpoint. Exports of the same ledger are checked by
`custodiet-verify`, which needs no database."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from custodiet.ledger import store
from custodiet.ledger.models import Checkpoint, Entry
from custodiet.merkle.compact import CompactTree
from custodiet.merkle.note import Checkpoint as Note
from custodiet.merkle.note import Signer, generate_key, sign_checkpoint
from custodiet.merkle.rfc6962 import leaf_hash
from custodiet.merkle.verifier import main as custodiet_verify
from custodiet.merkle.verify import verify_inclusion
from custodiet.records.models import Event

from .conftest import POSTGRES, contract_request, verify_ledger

pytestmark = pytest.mark.django_db

LEDGER_TABLES = ["ledger_entry", "ledger_leaf", "ledger_node", "ledger_checkpoint", "records_event"]


@pytest.fixture
def ledger(log_key: str, import_requests) -> str:
    """Twenty entries (ten requests, each received and decided), checkpoints at sizes 10
    and 20; returns the verifier key."""
    import_requests([contract_request(number) for number in range(1, 6)])
    call_command("ledger", "checkpoint", stdout=io.StringIO())
    import_requests([contract_request(number) for number in range(6, 11)])
    call_command("ledger", "checkpoint", stdout=io.StringIO())
    return log_key


def sql(statement: str, params: list[object] | None = None) -> list[tuple[object, ...]]:
    """Run SQL as the attacker: on PostgreSQL the insert-only triggers are switched off
    first, as the tables' owner could (inside the test's transaction, so it is undone)."""
    with connection.cursor() as cursor:
        if POSTGRES:
            # ALTER TABLE needs the deferred foreign-key checks of earlier inserts done.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in LEDGER_TABLES:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def entry_data(index: int) -> bytes:
    return bytes(sql('SELECT data FROM ledger_entry WHERE "index" = %s', [index])[0][0])


def event_of(index: int) -> int:
    return int(sql('SELECT event_id FROM ledger_entry WHERE "index" = %s', [index])[0][0])


def failure() -> str:
    result = verify_ledger()
    assert result.status == 1, result.output
    return result.output.split("ledger verification FAILED: ", 1)[1].strip()


def test_verify_passes_on_an_honest_ledger(ledger: str) -> None:
    result = verify_ledger()
    assert result.status == 0
    assert result.output.strip() == "ledger verified: 20 entries, 2 checkpoints"
    assert verify_ledger("--key", ledger).status == 0


def test_verify_passes_on_an_empty_ledger_with_no_key() -> None:
    result = verify_ledger()
    assert (result.status, result.output.strip()) == (
        0,
        "ledger verified: 0 entries, 0 checkpoints",
    )


def test_verify_names_the_entry_whose_stored_subtree_hash_was_changed(ledger: str) -> None:
    # Proofs are served from these hashes; the one over leaves 4..7 is completed by entry 7.
    sql('UPDATE ledger_node SET hash = %s WHERE level = 2 AND "index" = 1', [bytes(32)])
    assert failure() == (
        "entry 7: the stored hash at level 2, position 1 does not match the entries"
    )


def test_verify_names_the_entry_whose_data_had_one_byte_changed(ledger: str) -> None:
    data = bytearray(entry_data(7))
    data[40] ^= 0x01
    sql('UPDATE ledger_entry SET data = %s WHERE "index" = %s', [bytes(data), 7])
    assert failure().startswith(f"entry 7 does not match event #{event_of(7)}")


def test_verify_names_the_entry_that_was_deleted(ledger: str) -> None:
    sql('DELETE FROM ledger_entry WHERE "index" = 12')
    assert failure() == "entry 12 is missing (the next stored entry is 13)"


def test_verify_names_the_first_of_two_entries_that_were_swapped(ledger: str) -> None:
    third, ninth = entry_data(3), entry_data(9)
    sql('UPDATE ledger_entry SET data = %s WHERE "index" = %s', [ninth, 3])
    sql('UPDATE ledger_entry SET data = %s WHERE "index" = %s', [third, 9])
    assert failure().startswith("entry 3 does not match event")


def insert_event() -> int:
    """A new event row, as an attacker would slip in a request that never came."""
    rows = sql(
        "INSERT INTO records_event (request_id, kind, actor, at, payload) "
        "VALUES (NULL, 'request.received', 'intruder', '2022-03-14 16:00:00', '{}') RETURNING id"
    )
    return int(rows[0][0])


def insert_entry_at(index: int, event_id: int) -> None:
    """Shift entries index.. up by one and put a well-formed entry for `event_id` at `index`
    (its leaf computed as the application would, so the data matches the event, and its
    leaf row written too)."""
    sql('UPDATE ledger_entry SET "index" = -"index" - 1 WHERE "index" >= %s', [index])
    sql('UPDATE ledger_entry SET "index" = -"index" WHERE "index" < 0')
    data = store.event_leaf(Event.objects.get(pk=event_id))
    sql(
        "INSERT INTO ledger_leaf (event_id, data, hash, staged_at) VALUES (%s, %s, %s, %s)",
        [event_id, data, leaf_hash(data), "2022-03-14 16:00:00"],
    )
    sql(
        'INSERT INTO ledger_entry ("index", event_id, data) VALUES (%s, %s, %s)',
        [index, event_id, data],
    )


def test_verify_names_an_entry_inserted_in_the_middle(ledger: str) -> None:
    insert_entry_at(5, insert_event())
    assert failure().startswith("entry 5: the stored hash at level 0, position 5 does not match")


def test_an_inserted_entry_with_every_stored_hash_recomputed_fails_at_the_signed_checkpoint(
    ledger: str,
) -> None:
    insert_entry_at(5, insert_event())
    tree = CompactTree()
    nodes = []
    for (data,) in sql('SELECT data FROM ledger_entry ORDER BY "index"'):
        nodes.extend(tree.append(leaf_hash(bytes(data))))
    sql("DELETE FROM ledger_node")
    with connection.cursor() as cursor:
        cursor.executemany(
            'INSERT INTO ledger_node (level, "index", hash) VALUES (%s, %s, %s)',
            [(node.level, node.index, node.hash) for node in nodes],
        )
    message = failure()
    assert message.startswith("checkpoint at size 10: its root does not match entries 0..9")


def test_verify_names_the_entry_whose_event_was_edited_without_it(ledger: str) -> None:
    event_id = event_of(9)
    event = Event.objects.get(pk=event_id)
    assert event.kind == "request.decided"
    payload = event.payload
    payload["decision"]["outcome"] = "refuse"
    sql("UPDATE records_event SET payload = %s WHERE id = %s", [json.dumps(payload), event_id])
    assert failure().startswith(f"entry 9 does not match event #{event_id}")


def test_verify_names_the_entry_whose_event_had_hashed_personal_data_edited(ledger: str) -> None:
    # The requester's name is only a keyed hash in the leaf; changing it still shows.
    event_id = event_of(14)
    payload = Event.objects.get(pk=event_id).payload
    payload["request"]["requester"]["name"] = "Someone Else"
    sql("UPDATE records_event SET payload = %s WHERE id = %s", [json.dumps(payload), event_id])
    assert failure().startswith(f"entry 14 does not match event #{event_id}")


def test_verify_names_an_event_that_has_no_entry(ledger: str) -> None:
    event_id = insert_event()
    assert (
        failure() == f"event #{event_id} (request.received) has no ledger leaf: it was never logged"
    )


def test_verify_names_the_entry_whose_leaf_was_deleted(ledger: str) -> None:
    event_id = event_of(4)
    sql("DELETE FROM ledger_leaf WHERE event_id = %s", [event_id])
    assert failure() == f"entry 4 has no leaf: event #{event_id} was placed without one"


def test_verify_names_the_entry_whose_leaf_and_entry_were_changed_alike(ledger: str) -> None:
    event_id = event_of(6)
    data = entry_data(6).replace(b'"kind":"request.received"', b'"kind":"request.withdrawn"')
    assert data != entry_data(6)
    sql('UPDATE ledger_entry SET data = %s WHERE "index" = 6', [data])
    sql(
        "UPDATE ledger_leaf SET data = %s, hash = %s WHERE event_id = %s",
        [data, leaf_hash(data), event_id],
    )
    assert failure().startswith(f"entry 6 does not match event #{event_id}: the event or")


def test_verify_names_the_leaf_whose_stored_hash_was_changed(ledger: str) -> None:
    event_id = event_of(2)
    sql("UPDATE ledger_leaf SET hash = %s WHERE event_id = %s", [bytes(32), event_id])
    assert failure().startswith("leaf #") and "(entry 2): its stored hash" in failure()


def test_verify_names_a_leaf_that_waited_for_its_position_beyond_the_bound(ledger: str) -> None:
    event_id = insert_event()
    data = store.event_leaf(Event.objects.get(pk=event_id))
    sql(
        "INSERT INTO ledger_leaf (event_id, data, hash, staged_at) VALUES (%s, %s, %s, %s)",
        [event_id, data, leaf_hash(data), "2022-03-14 16:00:00"],
    )
    message = failure()
    assert f"(event #{event_id}) has waited" in message
    assert "beyond the 10 s bound: is `custodiet ledger sequence` running?" in message


def test_verify_names_the_checkpoint_whose_stored_root_was_altered(ledger: str) -> None:
    sql("UPDATE ledger_checkpoint SET root = %s WHERE size = 20", [bytes(32)])
    assert failure().startswith("checkpoint at size 20: its root does not match entries 0..19")


def forged_note(size: int) -> str:
    """A checkpoint with the right size and root, signed by a key that is not the log's."""
    skey, _ = generate_key(store.signer().name)
    stored = Checkpoint.objects.get(size=size)
    return sign_checkpoint(
        Note(origin=store.signer().name, size=size, root=bytes(stored.root)),
        [Signer.from_skey(skey)],
    )


def altered_signature(note: str) -> str:
    """The note with one bit of its signature flipped."""
    body, signature_line = note.rstrip("\n").rsplit("\n", 1)
    prefix, encoded = signature_line.rsplit(" ", 1)
    raw = bytearray(base64.b64decode(encoded))
    raw[10] ^= 0x01
    return f"{body}\n{prefix} {base64.b64encode(bytes(raw)).decode()}\n"


def test_verify_names_the_checkpoint_signed_by_another_key(ledger: str) -> None:
    sql("UPDATE ledger_checkpoint SET note = %s WHERE size = 10", [forged_note(10)])
    message = failure()
    assert message.startswith("checkpoint at size 10: note is signed by ")
    assert f"not by {store.signer().name} ({store.signer().verifier.key_id:08x})" in message


def test_verify_names_the_checkpoint_whose_signature_was_altered(ledger: str) -> None:
    note = Checkpoint.objects.get(size=20).note
    sql("UPDATE ledger_checkpoint SET note = %s WHERE size = 20", [altered_signature(note)])
    message = failure()
    assert message.startswith("checkpoint at size 20: ")
    assert "signature" in message


def test_verify_with_another_published_key_rejects_every_checkpoint(ledger: str) -> None:
    _, other = generate_key(store.signer().name)
    result = verify_ledger("--key", other)
    assert result.status == 1
    assert "checkpoint at size 10: " in result.output


# Exports, checked by `custodiet-verify` ---------------------------------------------------


def export_and_check(
    directory: Path, key: str, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    call_command("ledger", "export", str(directory), stdout=io.StringIO())
    capsys.readouterr()
    status = custodiet_verify([str(directory), "--key", key])
    captured = capsys.readouterr()
    return status, captured.out + captured.err


def test_an_exported_ledger_is_accepted_by_custodiet_verify(
    ledger: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, output = export_and_check(tmp_path / "export", ledger, capsys)
    assert status == 0, output
    assert "entries:     20 read" in output
    assert "checkpoints: 2 verified" in output
    assert output.rstrip().endswith("OK")
    exported = tmp_path / "export"
    assert sorted(path.name for path in (exported / "checkpoints").iterdir()) == ["10", "20"]
    assert (exported / "log.vkey").read_text().strip() == ledger


def test_an_export_of_a_tampered_ledger_is_rejected_by_custodiet_verify(
    ledger: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = bytearray(entry_data(13))
    data[40] ^= 0x01
    sql('UPDATE ledger_entry SET data = %s WHERE "index" = %s', [bytes(data), 13])
    status, output = export_and_check(tmp_path / "export", ledger, capsys)
    assert status == 1
    assert "checkpoint 20: root does not match entries 0..19" in output
    assert "the change is at index 10 or later" in output


def test_an_export_with_a_forged_checkpoint_is_rejected_by_custodiet_verify(
    ledger: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sql("UPDATE ledger_checkpoint SET note = %s WHERE size = 10", [forged_note(10)])
    status, output = export_and_check(tmp_path / "export", ledger, capsys)
    assert status == 1
    assert "FAILED: checkpoint 10: " in output


def test_prove_prints_an_inclusion_proof_that_verifies_against_the_checkpoint(ledger: str) -> None:
    out = io.StringIO()
    call_command("ledger", "prove", "13", stdout=out)
    proof = json.loads(out.getvalue())
    assert (proof["index"], proof["tree_size"]) == (13, 20)
    assert base64.b64decode(proof["data"]) == bytes(Entry.objects.get(index=13).data)
    verify_inclusion(
        base64.b64decode(proof["leaf_hash"]),
        13,
        20,
        [base64.b64decode(node) for node in proof["proof"]],
        bytes(Checkpoint.objects.get(size=20).root),
    )
    assert proof["checkpoint"] == Checkpoint.objects.get(size=20).note


@pytest.mark.parametrize(
    "poison",
    [
        # What PostgreSQL makes of a float 1e16 once it is stored: an integer past 2**53.
        '{"request": {"id": "T-0003", "n": 10000000000000000}}',
        # Nothing RFC 8785 can write at all.
        '{"request": {"id": "T-0003", "n": 1e400}}',
    ],
)
def test_an_entry_whose_event_can_no_longer_be_canonicalized_fails_there_without_a_crash(
    ledger: str, poison: str
) -> None:
    event_id = event_of(4)
    sql("UPDATE records_event SET payload = %s WHERE id = %s", [poison, event_id])

    message = failure()

    assert message.startswith(f"entry 4 does not match event #{event_id}: the event can no longer")


def test_verify_names_a_leaf_whose_event_is_gone(ledger: str) -> None:
    data = entry_data(3)
    sql(
        "INSERT INTO ledger_leaf (event_id, data, hash, staged_at) VALUES (%s, %s, %s, %s)",
        [987654, data, leaf_hash(data), "2022-03-14 16:00:00"],
    )
    assert failure().endswith("names event #987654, which is gone")
