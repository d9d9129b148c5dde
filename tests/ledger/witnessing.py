"""A witness of the Governor's office, served on a free local port for a test."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

from custodiet import witness
from custodiet.merkle.cosignature import Witness
from custodiet.merkle.note import Verifier


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@dataclass(frozen=True)
class Running:
    url: str
    key: Witness
    store: witness.Store


@contextlib.contextmanager
def running_witness(folder: Path, *log_keys: str) -> Iterator[Running]:
    """A witness trusting these log keys (verifier key strings), until the block ends."""
    key = Witness.generate("witness.governor.example/oversight")
    trusted: dict[str, list[Verifier]] = {}
    for vkey in log_keys:
        verifier = Verifier.from_vkey(vkey)
        trusted.setdefault(verifier.name, []).append(verifier)
    config = witness.Config(key, folder / "witness.sqlite3", trusted)
    server = make_server("127.0.0.1", 0, witness.application(config), handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Running(f"http://127.0.0.1:{server.server_port}", key, witness.Store(config.database))
    finally:
        server.shutdown()
        server.server_close()
