"""Witness cosignatures on checkpoints: C2SP tlog-cosignature, `cosignature/v1` (Ed25519).

A cosignature is a note signature line whose key id is
SHA-256(name || "\\n" || 0x04 || public key)[:4] and whose signature is a big-endian
64-bit POSIX timestamp followed by the Ed25519 signature of

    cosignature/v1
    time <timestamp>
    <the checkpoint's note text>

It says that, at that time, this is the largest consistent tree head the witness has seen
for the log. Witness keys are written as verifier keys of type 0x04.
"""

from __future__ import annotations

import base64
import binascii
import time
from hashlib import sha256

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from custodiet.merkle.note import (
    SIGNATURE_PREFIX,
    KeyFormatError,
    NoteError,
    parse_note,
)

ALG_COSIGNATURE_V1 = 0x04
MAX_TIMESTAMP = (1 << 63) - 1


class CosignatureError(NoteError):
    """A cosignature that is not a witness's, or does not verify."""


def cosignature_key_id(name: str, public_key: bytes) -> int:
    digest = sha256(name.encode() + b"\n" + bytes([ALG_COSIGNATURE_V1]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def _message(text: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n{text}".encode()


def _check_name(name: str) -> None:
    if not name or any(c.isspace() for c in name) or "+" in name:
        raise KeyFormatError(f"key name {name!r} must be non-empty, without spaces or '+'")


class WitnessVerifier:
    """Checks one witness's cosignatures."""

    __slots__ = ("_key", "key_id", "name")

    def __init__(self, name: str, public_key: Ed25519PublicKey) -> None:
        _check_name(name)
        self.name = name
        self._key = public_key
        self.key_id = cosignature_key_id(
            name, public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        )

    @classmethod
    def from_vkey(cls, vkey: str) -> WitnessVerifier:
        """`<name>+<8 hex key id>+<base64(0x04 || public key)>`."""
        parts = vkey.strip().split("+", 2)
        if len(parts) != 3:
            raise KeyFormatError("witness key is not of the form <name>+<key id>+<key>")
        name, hex_id, encoded = parts
        try:
            raw = binascii.a2b_base64(encoded.encode("ascii"), strict_mode=True)
        except (UnicodeEncodeError, binascii.Error) as error:
            raise KeyFormatError(f"witness key: not valid base64: {error}") from None
        if len(raw) != 33 or raw[0] != ALG_COSIGNATURE_V1:
            raise KeyFormatError("witness key is not a cosignature/v1 Ed25519 key (type 0x04)")
        verifier = cls(name, Ed25519PublicKey.from_public_bytes(raw[1:]))
        if f"{verifier.key_id:08x}" != hex_id.lower():
            raise KeyFormatError(f"witness key id {hex_id} does not match the name and key")
        return verifier

    @property
    def vkey(self) -> str:
        raw = self._key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        encoded = base64.b64encode(bytes([ALG_COSIGNATURE_V1]) + raw).decode()
        return f"{self.name}+{self.key_id:08x}+{encoded}"

    def timestamp(self, note: str) -> int:
        """When this witness cosigned `note`; CosignatureError if it did not."""
        text, signatures = parse_note(note)
        for signature in signatures:
            if (signature.name, signature.key_id) != (self.name, self.key_id):
                continue
            if len(signature.signature) != 8 + 64:
                raise CosignatureError(f"cosignature by {self.name} is not 72 bytes")
            stamp = int.from_bytes(signature.signature[:8], "big")
            try:
                self._key.verify(signature.signature[8:], _message(text, stamp))
            except InvalidSignature:
                raise CosignatureError(f"cosignature by {self.name} does not verify") from None
            return stamp
        raise CosignatureError(f"not cosigned by the witness {self.name} ({self.key_id:08x})")


class Witness:
    """A witness's signing key."""

    __slots__ = ("_key", "verifier")

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        self.verifier = WitnessVerifier(name, private_key.public_key())

    @classmethod
    def generate(cls, name: str) -> Witness:
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def from_skey(cls, skey: str) -> Witness:
        """`PRIVATE+KEY+<name>+<key id>+<base64(0x04 || seed)>`."""
        parts = skey.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise KeyFormatError("witness signer key is not PRIVATE+KEY+<name>+<key id>+<key>")
        try:
            raw = binascii.a2b_base64(parts[4].encode("ascii"), strict_mode=True)
        except (UnicodeEncodeError, binascii.Error) as error:
            raise KeyFormatError(f"witness signer key: not valid base64: {error}") from None
        if len(raw) != 33 or raw[0] != ALG_COSIGNATURE_V1:
            raise KeyFormatError("witness signer key is not of type 0x04")
        witness = cls(parts[2], Ed25519PrivateKey.from_private_bytes(raw[1:]))
        if f"{witness.verifier.key_id:08x}" != parts[3].lower():
            raise KeyFormatError("witness signer key id does not match the name and key")
        return witness

    @property
    def name(self) -> str:
        return self.verifier.name

    @property
    def skey(self) -> str:
        encoded = base64.b64encode(
            bytes([ALG_COSIGNATURE_V1]) + self._key.private_bytes_raw()
        ).decode()
        return f"PRIVATE+KEY+{self.name}+{self.verifier.key_id:08x}+{encoded}"

    def cosign(self, text: str, timestamp: int | None = None) -> str:
        """The cosignature line for a checkpoint's note text (signatures not included)."""
        stamp = int(time.time()) if timestamp is None else timestamp
        if not 0 <= stamp <= MAX_TIMESTAMP:
            raise ValueError(f"timestamp {stamp} is out of range")
        signature = self._key.sign(_message(text, stamp))
        raw = self.verifier.key_id.to_bytes(4, "big") + stamp.to_bytes(8, "big") + signature
        return f"{SIGNATURE_PREFIX}{self.name} {base64.b64encode(raw).decode()}\n"


def with_cosignatures(note: str, lines: list[str]) -> str:
    """The note with these cosignature lines added after its signatures (each once)."""
    present = set(note.split("\n"))
    added = "".join(line for line in lines if line.rstrip("\n") not in present)
    return note + added
