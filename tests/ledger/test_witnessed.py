"""The agency's log witnessed by the Governor's office: `ledger checkpoint --witness` sends
each checkpoint with its consistency proof to a real witness server and keeps the
cosignature; the export, `custodiet-verify --witness-key` and the report bundle carry and
check it; and a history the agency rewrote and signed again is refused by the witness,
and by the recipient of a report built on it."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from custodiet import witness
from custodiet.ledger import store as ledger
from custodiet.ledger.models import Checkpoint, Cosignature, Entry
from custodiet.merkle import verifier
from custodiet.merkle.cosignature import Witness
from custodiet.merkle.note import Checkpoint as Note
from custodiet.merkle.note import Verifier, sign_checkpoint

from .conftest import generated
from .witnessing import running_witness

pytestmark = pytest.mark.django_db


@pytest.fixture
def governor(tmp_path: Path, log_key: str) -> Iterator[tuple[str, Witness, witness.Store]]:
    """The Governor's office's witness, trusting the agency's log key, on a free port."""
    with running_witness(tmp_path, log_key) as running:
        yield running.url, running.key, running.store


def _checkpoint(url: str) -> str:
    out = io.StringIO()
    call_command("ledger", "checkpoint", "--witness", url, stdout=out)
    return out.getvalue()


def test_each_checkpoint_is_witnessed_and_the_export_carries_the_cosignatures(
    governor, import_requests, log_key, tmp_path
):
    url, key, store = governor
    import_requests(generated(3, "first"))
    first = _checkpoint(url)
    import_requests(generated(4, "second"))
    second = _checkpoint(url)
    assert key.verifier.timestamp(first) and key.verifier.timestamp(second)
    assert Cosignature.objects.count() == 2
    size = Entry.objects.count()
    assert store.latest(Verifier.from_vkey(log_key).name)[0] == size
    export = tmp_path / "export"
    call_command("ledger", "export", str(export), stdout=io.StringIO())
    assert verifier.main([str(export), "--key", log_key, "--witness-key", key.verifier.vkey]) == 0
    stranger = Witness.generate("witness.elsewhere.example/w").verifier.vkey
    assert verifier.main([str(export), "--key", log_key, "--witness-key", stranger]) == 1


def test_a_rewritten_history_is_refused_by_the_witness_naming_it(governor, import_requests):
    url, _, store = governor
    import_requests(generated(3, "first"))
    _checkpoint(url)
    import_requests(generated(2, "second"))
    # The agency's database now holds a checkpoint of another history at the new size,
    # signed with the agency's own key: the witness, which saw the honest one grow,
    # refuses it (the proof from the size it cosigned does not reach that root) and
    # keeps the request as evidence.
    size = Entry.objects.count()
    signer = ledger.signer()
    note = sign_checkpoint(Note(origin=signer.name, size=size, root=bytes(32)), [signer])
    Checkpoint.objects.create(size=size, root=bytes(32), note=note)
    with pytest.raises(CommandError, match=rf"witness refused: {url}: answered 422"):
        call_command("ledger", "checkpoint", "--witness", url, stdout=io.StringIO())
    assert [(status, origin) for origin, status, _ in store.evidence()] == [(422, signer.name)]


def test_an_unreachable_witness_is_named(log_key, import_requests):
    import_requests(generated(1, "only"))
    with pytest.raises(
        CommandError, match=re.escape("http://127.0.0.1:9/: cannot reach the witness")
    ):
        call_command(
            "ledger", "checkpoint", "--witness", "http://127.0.0.1:9/", stdout=io.StringIO()
        )
    with pytest.raises(CommandError, match="over http:// or https://"):
        call_command(
            "ledger", "checkpoint", "--witness", "file:///etc/passwd", stdout=io.StringIO()
        )


def test_an_answer_that_is_no_cosignature_is_refused_and_not_kept(log_key, import_requests):
    import threading
    from wsgiref.simple_server import make_server

    from .witnessing import _Quiet

    def impostor(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"hello, I am not a cosignature\n"]

    server = make_server("127.0.0.1", 0, impostor, handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        import_requests(generated(1, "only"))
        url = f"http://127.0.0.1:{server.server_port}"
        with pytest.raises(CommandError, match="answered with no cosignature"):
            call_command("ledger", "checkpoint", "--witness", url, stdout=io.StringIO())
    finally:
        server.shutdown()
        server.server_close()
    assert not Cosignature.objects.exists()


def test_with_the_witness_key_only_its_verified_cosignature_is_kept(governor, import_requests):
    url, key, _ = governor
    import_requests(generated(2, "first"))

    def checkpoint(vkey: str) -> None:
        call_command(
            "ledger", "checkpoint", "--witness", url, "--witness-key", vkey, stdout=io.StringIO()
        )

    with pytest.raises(CommandError, match="no cosignature by a witness key given"):
        checkpoint(Witness.generate("witness.elsewhere.example/w").verifier.vkey)
    checkpoint(key.verifier.vkey)
    assert [c.witness for c in Cosignature.objects.all()] == [key.name]
