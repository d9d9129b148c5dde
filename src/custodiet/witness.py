"""A witness for the agencies' logs: C2SP tlog-witness, deployable on its own.

The Governor's office runs it (or names someone who does). It needs no access to any
agency's database: its own small SQLite database, its own key, and a list of the log keys
it trusts, by origin (a TOML file):

    name = "witness.gov.example/oversight"     # the witness's key name
    key_file = "witness.key"                   # PRIVATE+KEY+... of type 0x04 (keygen)
    database = "witness.sqlite3"

    [[log]]
    origin = "dmv.colorado.example/ledger"
    key = "dmv.colorado.example/ledger+1a2b3c4d+AX..."   # the agency's verifier key

`POST <prefix>/add-checkpoint` takes `old N`, the consistency proof lines, a blank line
and the signed checkpoint, and answers as the protocol says: 200 with the cosignature,
404 for an origin it does not know, 403 when no trusted signature verifies, 400 when the
request is malformed or old > new, 409 (`text/x.tlog.size`, its size) when `old` is not
the size it last cosigned or the roots of equal sizes differ, 422 when the proof fails.
Checking `old` and storing the new checkpoint are one transaction (`BEGIN IMMEDIATE`), so
two requests can never roll the log back. Every refused request that carried a valid
signature is kept as evidence: a log that shows two histories has signed both.
"""

from __future__ import annotations

import base64
import binascii
import re
import sqlite3
import time
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from custodiet.merkle.cosignature import Witness
from custodiet.merkle.note import Checkpoint, NoteError, Verifier, open_note, parse_note
from custodiet.merkle.rfc6962 import EMPTY_ROOT
from custodiet.merkle.verify import ProofError, verify_consistency

MAX_BODY = 64 * 1024
# An ASCII decimal with no leading zeroes (other scripts' digits are not sizes).
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,19}")
MAX_PROOF_LINES = 63
MAX_EVIDENCE = 1000
SCHEMA = """
CREATE TABLE IF NOT EXISTS latest (
    origin TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    root BLOB NOT NULL,
    note TEXT NOT NULL,
    cosigned_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS evidence (
    id INTEGER PRIMARY KEY,
    origin TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    status INTEGER NOT NULL,
    reason TEXT NOT NULL,
    body TEXT NOT NULL
);
"""


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    content_type: str = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class Config:
    witness: Witness
    database: Path
    logs: dict[str, list[Verifier]]  # origin -> the keys trusted for it

    @classmethod
    def load(cls, path: Path) -> Config:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise ConfigError(f"{path}: {error}") from None
        base = path.parent
        try:
            key_file = base / str(data["key_file"])
            witness = Witness.from_skey(key_file.read_text())
            if witness.name != data.get("name", witness.name):
                raise ConfigError(
                    f"{path}: 'name' is {data['name']!r}, the key's is {witness.name!r}"
                )
            logs: dict[str, list[Verifier]] = {}
            for entry in data.get("log", []):
                verifier = Verifier.from_vkey(str(entry["key"]))
                logs.setdefault(str(entry.get("origin", verifier.name)), []).append(verifier)
        except KeyError as error:
            raise ConfigError(f"{path}: {error.args[0]!r} is required") from None
        except (OSError, NoteError, ValueError, TypeError, AttributeError) as error:
            raise ConfigError(f"{path}: {error} (each [[log]] names an origin and a key)") from None
        return cls(witness, base / str(data.get("database", "witness.sqlite3")), logs)


class Store:
    """The witness's database: the latest cosigned checkpoint per log, and the evidence."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with self._connect() as db:
            db.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")
        return db

    def latest(self, origin: str) -> tuple[int, bytes] | None:
        with self._connect() as db:
            row = db.execute("SELECT size, root FROM latest WHERE origin = ?", [origin]).fetchone()
        return (int(row[0]), bytes(row[1])) if row else None

    def evidence(self) -> list[tuple[str, int, str]]:
        with self._connect() as db:
            return [
                (str(o), int(s), str(r))
                for o, s, r in db.execute("SELECT origin, status, reason FROM evidence ORDER BY id")
            ]

    def update(
        self,
        origin: str,
        decide: Callable[[tuple[int, bytes] | None], Answer | None],
        new: tuple[int, bytes, str],
        cosign: Callable[[int], str],
    ) -> Answer:
        """Atomically: `decide` on the stored (size, root); if it refuses, its Answer;
        else store `new` and answer with the cosignature, stamped with the time it was
        stored, so that no smaller checkpoint is ever cosigned later than a larger one."""
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
            row = db.execute("SELECT size, root FROM latest WHERE origin = ?", [origin]).fetchone()
            refused = decide((int(row[0]), bytes(row[1])) if row else None)
            if refused is not None:
                db.execute("COMMIT")
                return refused
            stamp = int(time.time())
            line = cosign(stamp)
            db.execute(
                "INSERT INTO latest (origin, size, root, note, cosigned_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (origin) DO UPDATE SET size = excluded.size, root = excluded.root, "
                "note = excluded.note, cosigned_at = excluded.cosigned_at",
                [origin, new[0], new[1], new[2], stamp],
            )
            db.execute("COMMIT")
            return Answer(200, line)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        finally:
            db.close()

    def keep(self, origin: str, status: int, reason: str, body: str) -> None:
        """Keep a refused request as evidence, once, and at most MAX_EVIDENCE per log."""
        with self._connect() as db:
            kept = db.execute(
                "SELECT count(*), sum(body = ?) FROM evidence WHERE origin = ?", [body, origin]
            ).fetchone()
            if kept[0] >= MAX_EVIDENCE or (kept[1] or 0) > 0:
                return
            db.execute(
                "INSERT INTO evidence (origin, received_at, status, reason, body) VALUES (?, ?, ?, ?, ?)",
                [origin, int(time.time()), status, reason, body],
            )


def _size_conflict(size: int) -> Answer:
    return Answer(409, f"{size}\n", "text/x.tlog.size")


def _parse(body: str) -> tuple[int, list[bytes], str]:
    """(old size, proof, checkpoint note); ValueError naming what is wrong."""
    head, blank, note = body.partition("\n\n")
    if not blank:
        raise ValueError("no blank line between the proof and the checkpoint")
    lines = head.split("\n")
    first = lines[0]
    size_text = first.removeprefix("old ")
    if first == size_text or not _DECIMAL.fullmatch(size_text):
        raise ValueError(f"the first line must be 'old N' with N in decimal, not {first!r}")
    proof = []
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise ValueError(f"{len(lines) - 1} proof lines, more than {MAX_PROOF_LINES}")
    for number, line in enumerate(lines[1:], start=2):
        try:
            node = binascii.a2b_base64(line.encode("ascii"), strict_mode=True)
        except (UnicodeEncodeError, binascii.Error):
            raise ValueError(f"line {number} is not a base64 hash") from None
        if len(node) != 32:
            raise ValueError(f"line {number} is not a 32-byte hash")
        proof.append(node)
    return int(size_text), proof, note


def add_checkpoint(config: Config, store: Store, body: str) -> Answer:
    """The protocol's add-checkpoint, on a request body."""
    try:
        old, proof, note = _parse(body)
        text, _ = parse_note(note)
        checkpoint = Checkpoint.parse(text)
    except (ValueError, NoteError) as error:
        return Answer(400, f"malformed request: {error}\n")
    trusted = config.logs.get(checkpoint.origin)
    if trusted is None:
        return Answer(404, f"unknown log origin {checkpoint.origin!r}\n")
    try:
        open_note(note, trusted)
    except NoteError as error:
        return Answer(403, f"no trusted signature verifies: {error}\n")
    if old > checkpoint.size:
        return Answer(400, f"old size {old} is larger than the checkpoint's {checkpoint.size}\n")
    why: list[str] = []

    def decide(stored: tuple[int, bytes] | None) -> Answer | None:
        # A log never cosigned stands at size 0, whose root is the empty tree's.
        size, root = stored or (0, EMPTY_ROOT)
        if old != size:
            return _size_conflict(size)  # a stale client, not evidence of anything
        if old == checkpoint.size and root != checkpoint.root:
            why.append(f"another root at the size last cosigned, {size}: the log forked")
            return _size_conflict(size)
        if (old == 0 or old == checkpoint.size) and proof:
            return Answer(
                422, f"a consistency proof from size {old} to {checkpoint.size} must be empty\n"
            )
        if old and old != checkpoint.size:
            try:
                verify_consistency(old, checkpoint.size, proof, root, checkpoint.root)
            except ProofError as error:
                why.append(f"no consistency from {old} to {checkpoint.size}: {error}")
                return Answer(422, f"the consistency proof does not verify: {error}\n")
        return None

    answer = store.update(
        checkpoint.origin,
        decide,
        (checkpoint.size, checkpoint.root, note),
        lambda stamp: config.witness.cosign(text, stamp),
    )
    if why:
        # Evidence of a fork: the request as signed, without signatures of unknown keys.
        store.keep(
            checkpoint.origin,
            answer.status,
            "; ".join(why),
            request_body(old, proof, _trusted_only(note, trusted)),
        )
    return answer


def _trusted_only(note: str, trusted: list[Verifier]) -> str:
    text, signatures = parse_note(note)
    known = {(v.name, v.key_id) for v in trusted}
    return text + "\n" + "".join(s.format() for s in signatures if (s.name, s.key_id) in known)


def application(config: Config, prefix: str = "") -> Callable[..., Iterable[bytes]]:
    """The witness as a WSGI application serving `<prefix>/add-checkpoint`."""
    store = Store(config.database)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "") != f"{prefix}/add-checkpoint":
            answer = Answer(404, "not found\n")
        elif environ.get("REQUEST_METHOD") != "POST":
            answer = Answer(405, "add-checkpoint takes a POST\n")
        else:
            answer = _posted(environ)
        headers = [("Content-Type", answer.content_type), ("Cache-Control", "no-store")]
        if answer.status == 405:
            headers.append(("Allow", "POST"))
        start_response(f"{answer.status} {_REASONS[answer.status]}", headers)
        return [answer.body.encode()]

    def _posted(environ: dict[str, Any]) -> Answer:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return Answer(400, "bad Content-Length\n")
        if length < 0:
            return Answer(400, "bad Content-Length\n")
        if length > MAX_BODY:
            return Answer(413, f"a request holds at most {MAX_BODY} bytes\n")
        raw = environ["wsgi.input"].read(length)
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            return Answer(400, "the request is not UTF-8 text\n")
        return add_checkpoint(config, store, body)

    return app


_REASONS = {
    200: "OK",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    422: "Unprocessable Entity",
}


def request_body(old: int, proof: Iterable[bytes], note: str) -> str:
    """What a log sends a witness: `old N`, the proof, a blank line, the checkpoint."""
    lines = [f"old {old}", *(base64.b64encode(node).decode() for node in proof)]
    return "\n".join(lines) + "\n\n" + note
