"""The witness against C2SP tlog-witness and tlog-cosignature, through the interfaces it
promises: HTTP on a real socket, the command line, the TOML file and the cosignature
format, checked with an Ed25519 key the test made itself.

One agency log (the DMV's) submits checkpoints of a real RFC 6962 tree with real
consistency proofs; a second history signed by the same key plays the forking log, and a
stranger's key plays a log nobody trusts.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import itertools
import json
import multiprocessing
import os
import random
import selectors
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from custodiet.merkle.compact import CompactTree
from custodiet.merkle.cosignature import (
    CosignatureError,
    Witness,
    WitnessVerifier,
    with_cosignatures,
)
from custodiet.merkle.note import Checkpoint, Signer, sign_checkpoint, sign_note
from custodiet.merkle.proof import consistency_proof
from custodiet.merkle.rfc6962 import EMPTY_ROOT, leaf_hash
from custodiet.witness import (
    MAX_BODY,
    MAX_PROOF_LINES,
    Config,
    ConfigError,
    Store,
    add_checkpoint,
    application,
    request_body,
)

DMV = "dmv.colorado.example/ledger"
WITNESS = "witness.gov.example/oversight"
SIZE_TYPE = "text/x.tlog.size"
CUSTODIET = Path(sys.executable).with_name("custodiet")
SHARED = Path(os.environ.get("CUSTODIET_SHARED", Path(__file__).resolve().parents[3] / "shared"))
VECTORS = SHARED / "vectors" / "rfc6962" / "consistency"


# The log and the witness keys.


class HonestLog:
    """A log whose leaves are fixed up front, so that every size has exactly one root.

    Another instance with the same signer and another `history` is a fork: the same key
    vouching for two trees.
    """

    def __init__(self, signer: Signer, leaves: int = 256, history: bytes = b"honest") -> None:
        self.signer = signer
        self.origin = signer.name
        self.leaves = [leaf_hash(b"%s leaf %d" % (history, i)) for i in range(leaves)]

    def _hash(self, begin: int, end: int) -> bytes:
        tree = CompactTree()
        tree.extend(self.leaves[begin:end])
        return tree.root()

    def root(self, size: int) -> bytes:
        return self._hash(0, size)

    def proof(self, old: int, size: int) -> list[bytes]:
        if old == 0:
            return []
        return consistency_proof(
            old,
            size,
            lambda ids: [self._hash(i.index << i.level, (i.index + 1) << i.level) for i in ids],
        )

    def checkpoint(self, size: int, extensions: Sequence[str] = ()) -> str:
        return sign_checkpoint(
            Checkpoint(self.origin, size, self.root(size), tuple(extensions)), [self.signer]
        )

    def request(self, old: int, size: int, proof: Sequence[bytes] | None = None) -> str:
        nodes = self.proof(old, size) if proof is None else proof
        return request_body(old, nodes, self.checkpoint(size))


def new_signer(name: str = DMV) -> Signer:
    return Signer(name, Ed25519PrivateKey.generate())


def witness_key(name: str = WITNESS) -> tuple[Witness, bytes]:
    """A witness whose key string the test wrote itself from a raw Ed25519 key: the key
    id and the encoding are then checked against the spec, not against the code."""
    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    key_id = hashlib.sha256(name.encode() + b"\n" + b"\x04" + public).digest()[:4]
    seed = base64.b64encode(b"\x04" + private.private_bytes_raw()).decode()
    return Witness.from_skey(f"PRIVATE+KEY+{name}+{key_id.hex()}+{seed}"), public


def text_of(note: str) -> str:
    return note[: note.rindex("\n\n") + 1]


def cosigned_at(config: Config, note: str, answer_body: str) -> int:
    return config.witness.verifier.timestamp(with_cosignatures(note, [answer_body]))


def corrupted(note: str, name: str) -> str:
    """`note` with the last bit of each signature by `name` flipped, the key id kept."""
    lines = note.split("\n")
    for number, line in enumerate(lines):
        if line.startswith(f"— {name} "):
            raw = bytearray(base64.b64decode(line.rsplit(" ", 1)[1]))
            raw[-1] ^= 1
            lines[number] = f"— {name} {base64.b64encode(bytes(raw)).decode()}"
    return "\n".join(lines)


def assert_one_chain(accepted: Sequence[tuple[int, int]], final: int) -> None:
    """Each cosigned (old, new) starts where the previous one ended. Two acceptances
    from the same stored size would be the spec's race: the later write rolls back."""
    olds = [old for old, _ in accepted]
    assert len(olds) == len(set(olds)), f"two requests accepted from the same size: {accepted}"
    size = 0
    for old, new in sorted(accepted):
        assert old == size, f"accepted {old} -> {new} while the stored size was {size}"
        assert new > old
        size = new
    assert size == final


# HTTP: the real application on a real socket.


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 64  # the concurrency test opens many connections at once


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass  # one access-log line per request would bury pytest's report


@dataclass(frozen=True)
class Reply:
    status: int
    content_type: str | None
    body: str
    headers: dict[str, str]


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int

    def request(
        self,
        body: str | bytes | None = None,
        *,
        method: str = "POST",
        path: str = "/add-checkpoint",
        headers: dict[str, str] | None = None,
    ) -> Reply:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            data = body.encode() if isinstance(body, str) else body
            connection.request(method, path, body=data, headers=headers or {})
            response = connection.getresponse()
            return Reply(
                response.status,
                response.getheader("Content-Type"),
                response.read().decode(),
                dict(response.getheaders()),
            )
        finally:
            connection.close()


@contextmanager
def serving(app: Any) -> Iterator[Endpoint]:
    server = make_server(
        "127.0.0.1", 0, app, server_class=ThreadingServer, handler_class=QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield Endpoint("127.0.0.1", server.server_port)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=30)


@pytest.fixture
def dmv() -> HonestLog:
    return HonestLog(new_signer())


@pytest.fixture
def fork(dmv: HonestLog) -> HonestLog:
    return HonestLog(dmv.signer, history=b"fork")


@pytest.fixture
def keys() -> tuple[Witness, bytes]:
    return witness_key()


@pytest.fixture
def config(tmp_path: Path, dmv: HonestLog, keys: tuple[Witness, bytes]) -> Config:
    return Config(keys[0], tmp_path / "witness.sqlite3", {DMV: [dmv.signer.verifier]})


@pytest.fixture
def store(config: Config) -> Store:
    return Store(config.database)


@pytest.fixture
def witness(config: Config) -> Iterator[Endpoint]:
    with serving(application(config)) as endpoint:
        yield endpoint


# 200: cosignatures.


def test_it_cosigns_the_first_checkpoint_of_a_log(
    witness: Endpoint, config: Config, dmv: HonestLog, store: Store
) -> None:
    before = int(time.time())
    reply = witness.request(dmv.request(0, 5))
    after = int(time.time())
    assert reply.status == 200, reply.body
    assert reply.content_type is not None
    assert reply.content_type.split(";")[0] == "text/plain"
    assert reply.body.startswith(f"— {WITNESS} ")
    assert reply.body.endswith("\n")
    assert reply.body.count("\n") == 1
    stamp = cosigned_at(config, dmv.checkpoint(5), reply.body)
    assert before - 1 <= stamp <= after + 1
    assert store.latest(DMV) == (5, dmv.root(5))


@pytest.mark.parametrize("extensions", [(), ("ext/one", "ext two with spaces")])
def test_the_cosignature_is_ed25519_over_the_c2sp_message(
    witness: Endpoint, keys: tuple[Witness, bytes], dmv: HonestLog, extensions: tuple[str, ...]
) -> None:
    note = dmv.checkpoint(7, extensions)
    reply = witness.request(request_body(0, [], note))
    assert reply.status == 200, reply.body

    public = keys[1]
    prefix = f"— {WITNESS} "
    assert reply.body.startswith(prefix)
    raw = base64.b64decode(reply.body[len(prefix) : -1], validate=True)
    assert len(raw) == 4 + 8 + 64
    assert raw[:4] == hashlib.sha256(WITNESS.encode() + b"\n\x04" + public).digest()[:4]
    stamp = int.from_bytes(raw[4:12], "big")
    assert stamp < 1 << 63
    message = f"cosignature/v1\ntime {stamp}\n".encode() + text_of(note).encode()
    Ed25519PublicKey.from_public_bytes(public).verify(raw[12:], message)


def test_the_published_witness_key_reads_back_and_verifies(
    witness: Endpoint, config: Config, dmv: HonestLog
) -> None:
    reply = witness.request(dmv.request(0, 3))
    verifier = WitnessVerifier.from_vkey(config.witness.verifier.vkey)
    assert verifier.timestamp(with_cosignatures(dmv.checkpoint(3), [reply.body])) > 0
    with pytest.raises(CosignatureError):
        verifier.timestamp(with_cosignatures(dmv.checkpoint(4), [reply.body]))


def test_it_cosigns_a_growing_log_with_real_consistency_proofs(
    witness: Endpoint, dmv: HonestLog, store: Store
) -> None:
    # 64 makes the next proof start from a perfect tree, whose root the proof leaves out.
    sizes = [0, 1, 2, 5, 13, 64, 100, 256]
    for old, size in itertools.pairwise(sizes):
        reply = witness.request(dmv.request(old, size))
        assert reply.status == 200, f"{old} -> {size}: {reply.body}"
        assert store.latest(DMV) == (size, dmv.root(size))


def test_it_cosigns_the_same_checkpoint_again(
    witness: Endpoint, config: Config, dmv: HonestLog, store: Store
) -> None:
    assert witness.request(dmv.request(0, 13)).status == 200
    again = witness.request(dmv.request(13, 13))
    assert again.status == 200, again.body
    assert cosigned_at(config, dmv.checkpoint(13), again.body) > 0
    assert store.latest(DMV) == (13, dmv.root(13))


def test_it_cosigns_an_empty_log_and_then_its_growth(witness: Endpoint, dmv: HonestLog) -> None:
    assert dmv.root(0) == EMPTY_ROOT
    assert witness.request(dmv.request(0, 0)).status == 200
    assert witness.request(dmv.request(0, 9)).status == 200


def test_it_serves_under_a_submission_prefix(config: Config, dmv: HonestLog) -> None:
    with serving(application(config, prefix="/witness")) as witness:
        assert witness.request(dmv.request(0, 3), path="/witness/add-checkpoint").status == 200
        assert witness.request(dmv.request(3, 4), path="/add-checkpoint").status == 404


# 404 and 405: what is not add-checkpoint.


def test_it_answers_404_for_an_unknown_origin(witness: Endpoint, store: Store) -> None:
    stranger = HonestLog(new_signer("police.denver.example/log"))
    reply = witness.request(stranger.request(0, 5))
    assert reply.status == 404
    assert store.latest(stranger.origin) is None


@pytest.mark.parametrize(
    "path", ["/", "/add-checkpoint/", "/witness/add-checkpoint", "/add-checkpoints"]
)
def test_it_answers_404_for_another_path(witness: Endpoint, dmv: HonestLog, path: str) -> None:
    assert witness.request(dmv.request(0, 5), path=path).status == 404


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_it_answers_405_to_anything_but_a_post(witness: Endpoint, method: str) -> None:
    reply = witness.request(method=method)
    assert reply.status == 405
    assert reply.headers.get("Allow") == "POST"


# 403: no trusted signature.


def test_it_answers_403_to_a_checkpoint_signed_only_by_an_untrusted_key(
    witness: Endpoint, store: Store
) -> None:
    impostor = HonestLog(new_signer(DMV))  # the DMV's name, another key
    reply = witness.request(impostor.request(0, 5))
    assert reply.status == 403
    assert store.latest(DMV) is None
    assert store.evidence() == []


def test_it_answers_403_when_the_trusted_signature_is_corrupted(
    witness: Endpoint, dmv: HonestLog, store: Store
) -> None:
    reply = witness.request(request_body(0, [], corrupted(dmv.checkpoint(5), DMV)))
    assert reply.status == 403, reply.body
    assert store.latest(DMV) is None


def test_it_ignores_signatures_by_unknown_keys(
    witness: Endpoint, config: Config, dmv: HonestLog
) -> None:
    stranger = new_signer("stranger.example/key")
    checkpoint = Checkpoint(DMV, 5, dmv.root(5))
    for old, signers in [(0, [stranger, dmv.signer]), (5, [dmv.signer, stranger])]:
        note = sign_checkpoint(checkpoint, signers)
        reply = witness.request(request_body(old, [], note))
        assert reply.status == 200, reply.body
        assert cosigned_at(config, note, reply.body) > 0


# 400: malformed requests.


def test_it_answers_400_when_old_is_larger_than_the_checkpoint(
    witness: Endpoint, dmv: HonestLog, store: Store
) -> None:
    assert witness.request(dmv.request(0, 5)).status == 200
    reply = witness.request(request_body(14, [], dmv.checkpoint(13)))
    assert reply.status == 400
    assert store.latest(DMV) == (5, dmv.root(5))


@pytest.mark.parametrize(
    "first",
    [
        "old 01",
        "old 00",
        "old -1",
        "old +0",
        "old 0x0",
        "new 0",
        "Old 0",
        "old  0",
        "old 0 ",
        "old\t0",
        "old",
        "old ",
        "",
    ],
)
def test_it_answers_400_to_a_malformed_old_line(
    witness: Endpoint, dmv: HonestLog, first: str
) -> None:
    reply = witness.request(f"{first}\n\n{dmv.checkpoint(5)}")
    assert reply.status == 400, reply.body


@pytest.mark.parametrize("digit", ["０", "٠"])  # FULLWIDTH DIGIT ZERO, ARABIC-INDIC DIGIT ZERO
def test_the_old_size_must_be_an_ascii_decimal(
    witness: Endpoint, dmv: HonestLog, digit: str
) -> None:
    # The spec: "the tree size ... encoded as an ASCII decimal". str.isdigit() and int()
    # also take the other scripts' digits.
    reply = witness.request(f"old {digit}\n\n{dmv.checkpoint(5)}")
    assert reply.status == 400, reply.body


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(lambda note: "old 0\n" + note, id="no-blank-line"),
        pytest.param(lambda note: "old 0" + note, id="no-newline-after-old"),
        pytest.param(lambda note: "old 0\r\n\r\n" + note, id="crlf"),
        pytest.param(lambda note: "old 0\n\n" + note.rstrip("\n"), id="no-final-newline"),
        pytest.param(lambda note: "old 0\n\n" + note.split("\n\n")[0] + "\n", id="unsigned"),
        pytest.param(lambda note: "old 0\n\n" + note.replace("\n5\n", "\nfive\n"), id="bad-size"),
    ],
)
def test_it_answers_400_to_a_malformed_body(witness: Endpoint, dmv: HonestLog, body: Any) -> None:
    reply = witness.request(body(dmv.checkpoint(5)))
    assert reply.status == 400, reply.body


@pytest.mark.parametrize(
    "line",
    [
        "!!not base64!!",
        base64.b64encode(b"\x01" * 31).decode(),
        base64.b64encode(b"\x01" * 33).decode(),
        base64.b64encode(b"\x01" * 32).decode().rstrip("="),
        base64.urlsafe_b64encode(b"\xfb" * 32).decode(),
        base64.b64encode(b"\x01" * 32).decode() + " ",
        "",
    ],
    ids=["garbage", "31-bytes", "33-bytes", "unpadded", "urlsafe", "trailing-space", "empty"],
)
def test_it_answers_400_to_a_malformed_proof_line(
    witness: Endpoint, dmv: HonestLog, store: Store, line: str
) -> None:
    assert witness.request(dmv.request(0, 5)).status == 200
    proof = "\n".join(base64.b64encode(node).decode() for node in dmv.proof(5, 13))
    reply = witness.request(f"old 5\n{proof}\n{line}\n\n{dmv.checkpoint(13)}")
    assert reply.status == 400, reply.body
    assert store.latest(DMV) == (5, dmv.root(5))


def test_it_answers_400_to_more_than_63_proof_lines_and_reads_63(
    witness: Endpoint, dmv: HonestLog
) -> None:
    assert witness.request(dmv.request(0, 5)).status == 200
    node = b"\x07" * 32
    too_many = witness.request(request_body(5, [node] * (MAX_PROOF_LINES + 1), dmv.checkpoint(13)))
    assert MAX_PROOF_LINES == 63
    assert too_many.status == 400
    most = witness.request(request_body(5, [node] * MAX_PROOF_LINES, dmv.checkpoint(13)))
    assert most.status == 422  # well-formed, read, and not a proof


def test_it_answers_400_to_a_body_that_is_not_utf8(witness: Endpoint, dmv: HonestLog) -> None:
    reply = witness.request(b"old 0\n\n\xff\xfe" + dmv.checkpoint(5).encode())
    assert reply.status == 400


def test_it_answers_400_to_a_bad_content_length(witness: Endpoint) -> None:
    reply = witness.request(b"", headers={"Content-Length": "ten"})
    assert reply.status == 400


# 413: the size limit.


def test_it_answers_413_to_a_body_over_the_limit(witness: Endpoint) -> None:
    # Only the header is sent: a server that answers before reading a body the client is
    # still sending resets the connection, and the test would see that, not the answer.
    connection = http.client.HTTPConnection(witness.host, witness.port, timeout=60)
    try:
        connection.putrequest("POST", "/add-checkpoint")
        connection.putheader("Content-Length", str(MAX_BODY + 1))
        connection.endheaders()
        response = connection.getresponse()
        assert response.status == 413
    finally:
        connection.close()


def padded_request(dmv: HonestLog, size: int, length: int) -> str:
    """A valid first request for `size` of exactly `length` UTF-8 bytes (one long
    extension line makes up the difference)."""
    short = request_body(0, [], dmv.checkpoint(size, ["x"]))
    body = request_body(0, [], dmv.checkpoint(size, ["x" * (1 + length - len(short.encode()))]))
    assert len(body.encode()) == length
    return body


def test_a_body_of_exactly_the_limit_is_cosigned(witness: Endpoint, dmv: HonestLog) -> None:
    assert witness.request(padded_request(dmv, 5, MAX_BODY)).status == 200


def test_a_negative_content_length_does_not_lift_the_limit(
    witness: Endpoint, dmv: HonestLog, store: Store
) -> None:
    body = padded_request(dmv, 5, MAX_BODY + 1000).encode()
    with socket.create_connection((witness.host, witness.port), timeout=60) as raw:
        raw.sendall(
            b"POST /add-checkpoint HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -1\r\n"
            b"Connection: close\r\n\r\n" + body
        )
        raw.shutdown(socket.SHUT_WR)
        answer = b""
        try:
            while chunk := raw.recv(65536):
                answer += chunk
        except ConnectionResetError:
            # The witness closed the connection on the body it would not read: the
            # answer it sent first may be lost with it. Refused either way.
            pass
    if answer:
        status = int(answer.split(b" ", 2)[1])
        assert status in (400, 413), answer.decode(errors="replace")
    assert store.latest(DMV) is None


# 409: the witness's size is not the one the log believes, or the log forked.


def test_it_answers_409_with_size_zero_when_nothing_is_stored(
    witness: Endpoint, dmv: HonestLog, store: Store
) -> None:
    reply = witness.request(dmv.request(5, 13))
    assert reply.status == 409
    assert reply.content_type == SIZE_TYPE
    assert reply.body == "0\n"
    assert store.latest(DMV) is None


@pytest.mark.parametrize("old", [5, 12, 14])
def test_it_answers_409_with_its_size_to_a_stale_or_early_old(
    witness: Endpoint, dmv: HonestLog, store: Store, old: int
) -> None:
    for previous, size in [(0, 5), (5, 13)]:
        assert witness.request(dmv.request(previous, size)).status == 200
    reply = witness.request(dmv.request(old, 20))
    assert reply.status == 409
    assert reply.content_type == SIZE_TYPE
    assert reply.body == "13\n"
    assert store.latest(DMV) == (13, dmv.root(13))


def test_it_answers_409_to_another_root_at_its_size_and_keeps_it(
    witness: Endpoint, dmv: HonestLog, fork: HonestLog, store: Store
) -> None:
    assert witness.request(dmv.request(0, 13)).status == 200
    reply = witness.request(fork.request(13, 13))
    assert reply.status == 409
    assert reply.body == "13\n"
    assert store.latest(DMV) == (13, dmv.root(13))
    assert [(origin, status) for origin, status, _ in store.evidence()] == [(DMV, 409)]


def test_it_answers_409_to_another_root_at_size_zero(
    witness: Endpoint, dmv: HonestLog, store: Store
) -> None:
    # "If the old size matches the checkpoint size, the witness MUST check that the root
    # hashes are also identical": size 0 is a size like any other once it is stored.
    assert witness.request(dmv.request(0, 0)).status == 200
    other = sign_checkpoint(Checkpoint(DMV, 0, b"\x01" * 32), [dmv.signer])
    reply = witness.request(request_body(0, [], other))
    assert reply.status == 409, reply.body
    assert store.latest(DMV) == (0, EMPTY_ROOT)


# 422: the proof does not verify.


def test_it_answers_422_to_a_proof_with_a_wrong_node_and_keeps_it(
    witness: Endpoint, dmv: HonestLog, store: Store
) -> None:
    assert witness.request(dmv.request(0, 5)).status == 200
    proof = dmv.proof(5, 13)
    proof[1] = bytes([proof[1][0] ^ 1]) + proof[1][1:]
    reply = witness.request(dmv.request(5, 13, proof))
    assert reply.status == 422
    assert store.latest(DMV) == (5, dmv.root(5))
    assert [(origin, status) for origin, status, _ in store.evidence()] == [(DMV, 422)]


def test_it_answers_422_to_a_forked_history_and_keeps_it(
    witness: Endpoint, dmv: HonestLog, fork: HonestLog, store: Store
) -> None:
    # The fork's proof is a true proof, of its own tree: it does not lead to the root the
    # witness holds for size 5.
    assert witness.request(dmv.request(0, 5)).status == 200
    reply = witness.request(fork.request(5, 13))
    assert reply.status == 422
    assert store.latest(DMV) == (5, dmv.root(5))
    assert [(origin, status) for origin, status, _ in store.evidence()] == [(DMV, 422)]


@pytest.mark.parametrize(
    "proof",
    [
        pytest.param(lambda log: log.proof(5, 12), id="proof-for-other-sizes"),
        pytest.param(lambda log: [], id="empty"),
        pytest.param(lambda log: log.proof(5, 13)[:-1], id="truncated"),
        pytest.param(lambda log: [*log.proof(5, 13), log.root(5)], id="trailing-node"),
    ],
)
def test_it_answers_422_to_a_proof_that_does_not_prove(
    witness: Endpoint, dmv: HonestLog, store: Store, proof: Any
) -> None:
    assert witness.request(dmv.request(0, 5)).status == 200
    reply = witness.request(dmv.request(5, 13, proof(dmv)))
    assert reply.status == 422, reply.body
    assert store.latest(DMV) == (5, dmv.root(5))


def test_it_answers_422_to_proof_lines_from_size_zero(
    witness: Endpoint, dmv: HonestLog, store: Store
) -> None:
    reply = witness.request(dmv.request(0, 13, dmv.proof(5, 13)))
    assert reply.status == 422
    assert store.latest(DMV) is None


def test_it_answers_422_to_proof_lines_between_equal_sizes(
    witness: Endpoint, dmv: HonestLog, store: Store
) -> None:
    # RFC 6962's proof between equal sizes is empty; anything else does not verify.
    assert witness.request(dmv.request(0, 13)).status == 200
    reply = witness.request(dmv.request(13, 13, [dmv.root(13)]))
    assert reply.status == 422, reply.body


def _sendable(case: dict[str, Any]) -> bool:
    """A few happy cases hold placeholder roots that are not hashes: they test a
    verifier's arithmetic, and no checkpoint can carry them."""
    roots = (base64.b64decode(case[key]) for key in ("root1", "root2"))
    return bool(case["wantErr"]) or all(len(root) == 32 for root in roots)


def _vector_files() -> list[Path]:
    """None when the folder is missing: pytest then skips the empty parameter set."""
    paths = sorted(VECTORS.rglob("*.json"))
    return [path for path in paths if _sendable(json.loads(path.read_text()))]


@pytest.mark.parametrize(
    "path", _vector_files(), ids=lambda path: str(path.relative_to(VECTORS)).removesuffix(".json")
)
def test_the_rfc6962_consistency_vectors(
    config: Config, store: Store, dmv: HonestLog, path: Path
) -> None:
    """The witness stores (size1, root1) first, then is asked for (size2, root2) with the
    vector's proof: the happy paths are cosigned, the tampered ones never."""
    case = json.loads(path.read_text())

    def checkpoint(size: int, root: str) -> str:
        return sign_note(f"{DMV}\n{size}\n{root}\n", [dmv.signer])

    proof = [base64.b64decode(node) for node in case["proof"] or []]
    first = add_checkpoint(
        config, store, request_body(0, [], checkpoint(case["size1"], case["root1"]))
    )
    second = add_checkpoint(
        config, store, request_body(case["size1"], proof, checkpoint(case["size2"], case["root2"]))
    )
    if case["wantErr"]:
        assert second.status in (400, 409, 422), f"{case['desc']}: {second}"
    else:
        assert (first.status, second.status) == (200, 200), second.body


# Atomicity: checking `old` and storing the new checkpoint are one step.


def test_concurrent_submissions_never_roll_the_log_back(
    witness: Endpoint, config: Config, dmv: HonestLog, store: Store
) -> None:
    final, threads = 96, 16
    barrier = threading.Barrier(threads)
    accepted: list[tuple[int, int]] = []
    unexpected: list[Reply] = []
    believed_at_end: list[int] = []

    def submit(number: int) -> None:
        steps = random.Random(number)
        believed = 0
        barrier.wait(timeout=60)
        for _ in range(10 * final):
            if believed == final:
                break
            size = min(final, believed + steps.randint(1, 6))
            reply = witness.request(dmv.request(believed, size))
            if reply.status == 200:
                cosigned_at(config, dmv.checkpoint(size), reply.body)
                accepted.append((believed, size))
                believed = size
            elif reply.status == 409:
                believed = int(reply.body)
            else:
                unexpected.append(reply)
                return
        believed_at_end.append(believed)

    workers = [threading.Thread(target=submit, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    assert not unexpected
    assert believed_at_end == [final] * threads
    assert_one_chain(accepted, final)
    assert store.latest(DMV) == (final, dmv.root(final))


def test_a_smaller_checkpoint_is_never_cosigned_at_a_later_time_than_a_larger_one(
    config: Config, store: Store, dmv: HonestLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The spec's race, on the timestamps: a cosignature says that *at its time* this is
    the largest checkpoint the witness has seen. Request A (0 -> 4) is stored, then its
    thread is not scheduled again for a second; meanwhile B (4 -> 8) is stored and
    cosigned. A's cosignature must not carry a later time than B's."""
    clock = [1_900_000_000.0]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    stored_a, resume_a, done_b = threading.Event(), threading.Event(), threading.Event()
    cosign = Witness.cosign

    def descheduled_cosign(self: Witness, text: str, *args: Any, **kwargs: Any) -> str:
        if Checkpoint.parse(text).size == 4:
            stored_a.set()
            resume_a.wait(timeout=60)
        return cosign(self, text, *args, **kwargs)

    monkeypatch.setattr(Witness, "cosign", descheduled_cosign)
    answers = {}

    def run(old: int, size: int, done: threading.Event | None = None) -> None:
        answers[size] = add_checkpoint(config, store, dmv.request(old, size))
        if done:
            done.set()

    a = threading.Thread(target=run, args=(0, 4))
    a.start()
    assert stored_a.wait(timeout=60)
    b = threading.Thread(target=run, args=(4, 8, done_b))
    b.start()
    # A witness that serialises storing and cosigning holds B back until A resumes.
    done_b.wait(timeout=5)
    clock[0] += 1
    resume_a.set()
    a.join(timeout=60)
    b.join(timeout=60)
    assert (answers[4].status, answers[8].status) == (200, 200)
    stamps = {
        size: cosigned_at(config, dmv.checkpoint(size), answers[size].body) for size in (4, 8)
    }
    assert stamps[4] <= stamps[8], f"size 4 cosigned at {stamps[4]}, size 8 at {stamps[8]}"


def hammer(
    database: str, log_skey: str, witness_skey: str, seed: int, final: int, start: Any, out: Any
) -> None:
    """One process of the two-process test: submit until the witness holds `final`."""
    log = HonestLog(Signer.from_skey(log_skey), final)
    config = Config(Witness.from_skey(witness_skey), Path(database), {DMV: [log.signer.verifier]})
    store = Store(config.database)
    steps = random.Random(seed)
    accepted, believed = [], 0
    start.wait(timeout=120)
    for _ in range(10 * final):
        if believed == final:
            break
        size = min(final, believed + steps.randint(1, 3))
        answer = add_checkpoint(config, store, log.request(believed, size))
        if answer.status == 200:
            accepted.append((believed, size))
            believed = size
        elif answer.status == 409:
            believed = int(answer.body)
        else:
            out.put((seed, f"unexpected {answer}"))
            return
    out.put((seed, accepted))


def test_two_processes_on_one_database_keep_one_chain(
    config: Config, store: Store, dmv: HonestLog
) -> None:
    final = 160
    context = multiprocessing.get_context("spawn")
    start, out = context.Barrier(2), context.Queue()
    processes = [
        context.Process(
            target=hammer,
            args=(
                str(config.database),
                dmv.signer.skey,
                config.witness.skey,
                seed,
                final,
                start,
                out,
            ),
        )
        for seed in (1, 2)
    ]
    for process in processes:
        process.start()
    results = [out.get(timeout=300) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    assert [process.exitcode for process in processes] == [0, 0]
    accepted = []
    for _, result in results:
        assert isinstance(result, list), result
        accepted.extend(result)
    assert_one_chain(accepted, final)
    assert store.latest(DMV) == (final, HonestLog(dmv.signer, final).root(final))
    with sqlite3.connect(config.database) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


# The TOML configuration.


def write_config(folder: Path, witness: Witness, body: str) -> Path:
    (folder / "witness.key").write_text(witness.skey + "\n")
    path = folder / "witness.toml"
    path.write_text(body)
    return path


def test_the_config_file_names_the_key_the_database_and_the_logs(
    tmp_path: Path, dmv: HonestLog
) -> None:
    witness = Witness.generate(WITNESS)
    second = new_signer(DMV)
    other = new_signer("police.denver.example/log")
    path = write_config(
        tmp_path,
        witness,
        f'name = "{WITNESS}"\nkey_file = "witness.key"\ndatabase = "w.sqlite3"\n\n'
        f'[[log]]\norigin = "{DMV}"\nkey = "{dmv.signer.verifier.vkey}"\n\n'
        f'[[log]]\norigin = "{DMV}"\nkey = "{second.verifier.vkey}"\n\n'
        f'[[log]]\nkey = "{other.verifier.vkey}"\n',
    )
    config = Config.load(path)
    assert config.witness.verifier.vkey == witness.verifier.vkey
    assert config.database == tmp_path / "w.sqlite3"
    assert {origin: [v.vkey for v in keys] for origin, keys in config.logs.items()} == {
        DMV: [dmv.signer.verifier.vkey, second.verifier.vkey],
        other.name: [other.verifier.vkey],
    }
    answer = add_checkpoint(config, Store(config.database), dmv.request(0, 5))
    assert answer.status == 200
    assert cosigned_at(config, dmv.checkpoint(5), answer.body) > 0


def test_the_config_file_names_a_missing_key_file(tmp_path: Path) -> None:
    path = tmp_path / "witness.toml"
    path.write_text('key_file = "nowhere.key"\n')
    with pytest.raises(ConfigError, match=r"witness\.toml.*nowhere\.key"):
        Config.load(path)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("database = 'w.sqlite3'\n", "'key_file' is required"),
        ('key_file = "witness.key"\nname = "someone.else/w"\n', "someone.else/w"),
        ('key_file = "witness.key"\n[[log]]\norigin = "x"\n', "'key' is required"),
        ('key_file = "witness.key"\n[[log]]\nkey = "not a key"\n', "verifier key"),
        ('key_file = "witness.key"\nname = \n', "witness.toml"),
        ('key_file = "witness.key"\n[log]\nkey = "x"\n', "each \\[\\[log\\]\\] names"),
        ('key_file = "witness.key"\nlog = [1]\n', "each \\[\\[log\\]\\] names"),
    ],
    ids=[
        "no-key-file",
        "name-mismatch",
        "log-without-key",
        "bad-log-key",
        "bad-toml",
        "log-table",
        "log-numbers",
    ],
)
def test_the_config_file_refuses_what_it_cannot_use(
    tmp_path: Path, body: str, message: str
) -> None:
    path = write_config(tmp_path, Witness.generate(WITNESS), body)
    with pytest.raises(ConfigError, match=message):
        Config.load(path)


# The command line.


def custodiet(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CUSTODIET), *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_keygen_writes_a_private_key_and_prints_its_verifier_key(tmp_path: Path) -> None:
    out = tmp_path / "witness.key"
    result = custodiet("witness", "keygen", WITNESS, "--out", str(out))
    assert result.returncode == 0, result.stderr
    verifier = WitnessVerifier.from_vkey(result.stdout.strip())
    assert verifier.name == WITNESS
    assert out.stat().st_mode & 0o777 == 0o600
    assert Witness.from_skey(out.read_text()).verifier.vkey == verifier.vkey


def test_keygen_refuses_to_overwrite_a_key(tmp_path: Path) -> None:
    out = tmp_path / "witness.key"
    out.write_text("the key in service\n")
    result = custodiet("witness", "keygen", WITNESS, "--out", str(out))
    assert result.returncode != 0
    assert "exists" in result.stderr
    assert out.read_text() == "the key in service\n"


def test_keygen_refuses_a_name_with_a_space(tmp_path: Path) -> None:
    out = tmp_path / "witness.key"
    result = custodiet("witness", "keygen", "two words", "--out", str(out))
    assert result.returncode != 0
    assert not out.exists()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_answers_a_real_add_checkpoint(tmp_path: Path, dmv: HonestLog) -> None:
    key = tmp_path / "witness.key"
    keygen = custodiet("witness", "keygen", WITNESS, "--out", str(key))
    assert keygen.returncode == 0, keygen.stderr
    verifier = WitnessVerifier.from_vkey(keygen.stdout)
    path = tmp_path / "witness.toml"
    path.write_text(
        f'key_file = "witness.key"\n[[log]]\norigin = "{DMV}"\nkey = "{dmv.signer.verifier.vkey}"\n'
    )
    port = free_port()
    server = subprocess.Popen(
        [str(CUSTODIET), "witness", "serve", "--config", str(path), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        with selectors.DefaultSelector() as ready:
            ready.register(server.stdout, selectors.EVENT_READ)
            assert ready.select(timeout=60), "the server printed nothing within a minute"
        banner = server.stdout.readline()
        assert f"127.0.0.1:{port}/add-checkpoint" in banner, (banner, server.stderr)
        reply = Endpoint("127.0.0.1", port).request(dmv.request(0, 5))
        assert reply.status == 200, reply.body
        assert verifier.timestamp(with_cosignatures(dmv.checkpoint(5), [reply.body])) > 0
        assert Store(tmp_path / "witness.sqlite3").latest(DMV) == (5, dmv.root(5))
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)
