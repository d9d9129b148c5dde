"""C2SP signed notes and tlog checkpoints, signed with Ed25519 keys.

A signed note is UTF-8 text ending in a newline, a blank line, then one line per
signature: `— <key name> <base64(4-byte key id || signature)>`. The key id binds the
signature to one key of that name, so verifiers pick out the signatures they know and
ignore the rest: witnesses can add cosignatures without breaking anyone's check.
Key strings follow golang.org/x/mod/sumdb/note, so standard tools read ours and we
read theirs. A checkpoint is a note whose text is the origin, the tree size and the
base64 root hash, one per line, then optional extension lines.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from dataclasses import dataclass
from hashlib import sha256

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from custodiet.merkle.rfc6962 import HASH_SIZE

ALG_ED25519 = 0x01
SIGNATURE_PREFIX = "— "  # an EM DASH (U+2014) and a space
MAX_SIGNATURES = 100  # as in sumdb/note: bounds the work a hostile note can cause

_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")
_DECIMAL = re.compile(r"0|[1-9][0-9]*")


class NoteError(ValueError):
    """A note, key or checkpoint that cannot be accepted."""


class MalformedNoteError(NoteError):
    """Text that is not a well-formed signed note."""


class KeyFormatError(NoteError):
    """A signer or verifier key string that cannot be parsed."""


class SignatureError(NoteError):
    """A signature by a known key that does not verify: the note was forged or altered."""


class UnverifiedNoteError(NoteError):
    """A note with no signature from any of the keys the caller trusts."""


class CheckpointError(NoteError):
    """Note text that is not a well-formed checkpoint."""


def key_id(name: str, public_key: bytes) -> int:
    """The key id of the signed-note spec: the first 4 bytes of
    SHA-256(name || "\\n" || 0x01 || public key), read as a big-endian integer."""
    digest = sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def _check_name(name: str) -> None:
    if not name or any(c.isspace() for c in name) or "+" in name:
        raise KeyFormatError(f"key name {name!r} must be non-empty, without spaces or '+'")
    if _CONTROL.search(name):
        raise KeyFormatError(f"key name {name!r} holds a control character")


def _decode_base64(text: str) -> bytes:
    try:
        return binascii.a2b_base64(text.encode("ascii"), strict_mode=True)
    except (UnicodeEncodeError, binascii.Error) as error:
        raise ValueError(f"not valid base64: {error}") from None


def _parse_key(kind: str, name: str, hex_id: str, key64: str) -> tuple[int, bytes]:
    """Check the name and id fields and return (key id, raw 32-byte key)."""
    _check_name(name)
    if len(hex_id) != 8 or not all(c in "0123456789abcdefABCDEF" for c in hex_id):
        raise KeyFormatError(f"{kind} key id {hex_id!r} is not 8 hexadecimal digits")
    try:
        key = _decode_base64(key64)
    except ValueError as error:
        raise KeyFormatError(f"{kind} key: {error}") from None
    if not key or key[0] != ALG_ED25519:
        raise KeyFormatError(f"{kind} key is not an Ed25519 key (algorithm byte 0x01)")
    if len(key) != 33:
        raise KeyFormatError(f"{kind} key is {len(key) - 1} bytes, not 32")
    return int(hex_id, 16), key[1:]


class Verifier:
    """Checks signatures by one Ed25519 key, known by its name and key id."""

    __slots__ = ("_key", "key_id", "name")

    def __init__(self, name: str, public_key: Ed25519PublicKey) -> None:
        _check_name(name)
        self.name = name
        self._key = public_key
        self.key_id = key_id(name, public_key.public_bytes(Encoding.Raw, PublicFormat.Raw))

    @classmethod
    def from_vkey(cls, vkey: str) -> Verifier:
        """Read a verifier key string `<name>+<8 hex key id>+<base64(0x01 || public key)>`."""
        parts = vkey.strip().split("+", 2)
        if len(parts) != 3:
            raise KeyFormatError("verifier key is not of the form <name>+<key id>+<key>")
        hex_id, raw = _parse_key("verifier", *parts)
        try:
            public_key = Ed25519PublicKey.from_public_bytes(raw)
        except ValueError as error:
            raise KeyFormatError(f"verifier key is not an Ed25519 public key: {error}") from None
        verifier = cls(parts[0], public_key)
        if verifier.key_id != hex_id:
            raise KeyFormatError(f"verifier key id {parts[1]} does not match the name and key")
        return verifier

    @property
    def vkey(self) -> str:
        """This key as a verifier key string, to publish."""
        raw = self._key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        encoded = base64.b64encode(bytes([ALG_ED25519]) + raw).decode()
        return f"{self.name}+{self.key_id:08x}+{encoded}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Whether `signature` is this key's signature of `message`."""
        try:
            self._key.verify(signature, message)
        except InvalidSignature:
            return False
        return True


class Signer:
    """Signs notes with one Ed25519 private key under a name."""

    __slots__ = ("_key", "verifier")

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        self.verifier = Verifier(name, private_key.public_key())

    @classmethod
    def from_skey(cls, skey: str) -> Signer:
        """Read a signer key string `PRIVATE+KEY+<name>+<key id>+<base64(0x01 || seed)>`."""
        parts = skey.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise KeyFormatError("signer key is not of the form PRIVATE+KEY+<name>+<key id>+<key>")
        hex_id, raw = _parse_key("signer", *parts[2:])
        signer = cls(parts[2], Ed25519PrivateKey.from_private_bytes(raw))
        # The id is that of the public key, so a mismatch means a corrupted or wrong key.
        if signer.key_id != hex_id:
            raise KeyFormatError(f"signer key id {parts[3]} does not match the name and key")
        return signer

    @property
    def name(self) -> str:
        return self.verifier.name

    @property
    def key_id(self) -> int:
        return self.verifier.key_id

    @property
    def skey(self) -> str:
        """This key as a signer key string, to keep secret."""
        raw = self._key.private_bytes_raw()
        encoded = base64.b64encode(bytes([ALG_ED25519]) + raw).decode()
        return f"PRIVATE+KEY+{self.name}+{self.key_id:08x}+{encoded}"

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)


def generate_key(name: str) -> tuple[str, str]:
    """A new Ed25519 key pair for `name`, as (signer key string, verifier key string)."""
    signer = Signer(name, Ed25519PrivateKey.generate())
    return signer.skey, signer.verifier.vkey


@dataclass(frozen=True, slots=True)
class Signature:
    """One signature line of a note, not yet checked."""

    name: str
    key_id: int
    signature: bytes

    def format(self) -> str:
        encoded = base64.b64encode(self.key_id.to_bytes(4, "big") + self.signature).decode()
        return f"{SIGNATURE_PREFIX}{self.name} {encoded}\n"


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise MalformedNoteError("note text does not end with a newline")
    match = _CONTROL.search(text)
    if match:
        raise MalformedNoteError(
            f"note holds control character {match.group()!r} at offset {match.start()}"
        )


def parse_note(note: str) -> tuple[str, list[Signature]]:
    """Split a signed note into its text and its signatures, checking only their form."""
    _check_text(note)
    split = note.rfind("\n\n")
    if split < 0:
        raise MalformedNoteError("note has no blank line before its signatures")
    text, block = note[: split + 1], note[split + 2 :]
    if not block:
        raise MalformedNoteError("note has no signature lines")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise MalformedNoteError(f"note has {len(lines)} signatures, over {MAX_SIGNATURES}")
    signatures = []
    for number, line in enumerate(lines, start=1):
        where = f"signature line {number}"
        if not line.startswith(SIGNATURE_PREFIX):
            raise MalformedNoteError(f"{where} does not start with an em dash and a space")
        name, _, encoded = line[len(SIGNATURE_PREFIX) :].partition(" ")
        try:
            _check_name(name)
        except KeyFormatError as error:
            raise MalformedNoteError(f"{where}: {error}") from None
        if not encoded:
            raise MalformedNoteError(f"{where}: signature is missing")
        try:
            raw = _decode_base64(encoded)
        except ValueError as error:
            raise MalformedNoteError(f"{where}: signature is {error}") from None
        if len(raw) < 5:
            raise MalformedNoteError(f"{where}: signature is too short")
        signatures.append(Signature(name, int.from_bytes(raw[:4], "big"), raw[4:]))
    return text, signatures


def sign_note(text: str, signers: Iterable[Signer]) -> str:
    """`text` signed by each of `signers`, as a note."""
    _check_text(text)
    message = text.encode()
    lines = [Signature(s.name, s.key_id, s.sign(message)).format() for s in signers]
    if not lines:
        raise ValueError("a note needs at least one signer")
    return text + "\n" + "".join(lines)


def cosign_note(note: str, signers: Iterable[Signer]) -> str:
    """`note` with signatures by `signers` added after the ones it has (a cosignature)."""
    text, signatures = parse_note(note)
    message = text.encode()
    added = [Signature(s.name, s.key_id, s.sign(message)) for s in signers]
    # A key signs at most once: its new signature replaces an old one.
    replaced = {(a.name, a.key_id) for a in added}
    kept = [s for s in signatures if (s.name, s.key_id) not in replaced]
    return text + "\n" + "".join(s.format() for s in kept + added)


def open_note(note: str, verifiers: Iterable[Verifier]) -> str:
    """The text of `note`, once every signature by a known key has verified.

    Signatures by unknown keys are ignored; at least one known key must have signed.
    """
    text, signatures = parse_note(note)
    known = {(v.name, v.key_id): v for v in verifiers}
    message = text.encode()
    verified = 0
    for signature in signatures:
        verifier = known.get((signature.name, signature.key_id))
        if verifier is None:
            continue
        if not verifier.verify(message, signature.signature):
            raise SignatureError(
                f"signature by {signature.name} (key {signature.key_id:08x}) does not verify"
            )
        verified += 1
    if not verified:
        signed_by = ", ".join(f"{s.name} ({s.key_id:08x})" for s in signatures)
        wanted = ", ".join(f"{name} ({key:08x})" for name, key in known) or "no key"
        raise UnverifiedNoteError(f"note is signed by {signed_by}, not by {wanted}")
    return text


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A tree head: the log's origin line, its tree size and its root hash."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def format(self) -> str:
        """The checkpoint as note text."""
        if not self.origin or "\n" in self.origin:
            raise CheckpointError("checkpoint origin must be one non-empty line")
        if not 0 <= self.size < 1 << 64:
            raise CheckpointError(f"checkpoint tree size {self.size} is out of range")
        if len(self.root) != HASH_SIZE:
            raise CheckpointError(f"checkpoint root is {len(self.root)} bytes, not {HASH_SIZE}")
        for extension in self.extensions:
            if not extension or "\n" in extension:
                raise CheckpointError("checkpoint extension lines must be non-empty lines")
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode()]
        return "\n".join([*lines, *self.extensions]) + "\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Read checkpoint note text, rejecting anything the C2SP format does not allow."""
        if not text.endswith("\n"):
            raise CheckpointError("checkpoint does not end with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise CheckpointError("checkpoint has fewer than 3 lines (origin, size, root)")
        origin, size, root, *extensions = lines
        if not origin:
            raise CheckpointError("checkpoint origin (line 1) is empty")
        if not _DECIMAL.fullmatch(size) or int(size) >= 1 << 64:
            raise CheckpointError(f"checkpoint tree size (line 2) {size!r} is not a decimal size")
        try:
            root_hash = _decode_base64(root)
        except ValueError as error:
            raise CheckpointError(f"checkpoint root (line 3) is {error}") from None
        if len(root_hash) != HASH_SIZE:
            raise CheckpointError(
                f"checkpoint root (line 3) is {len(root_hash)} bytes, not {HASH_SIZE}"
            )
        for number, extension in enumerate(extensions, start=4):
            if not extension:
                raise CheckpointError(f"checkpoint line {number} is empty")
        return cls(origin, int(size), root_hash, tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, signers: Iterable[Signer]) -> str:
    """The checkpoint as a signed note."""
    return sign_note(checkpoint.format(), signers)


def verify_checkpoint(note: str, verifier: Verifier) -> Checkpoint:
    """The checkpoint in `note`, if `verifier`'s key signed it."""
    return Checkpoint.parse(open_note(note, [verifier]))
