"""Signed notes, keys and checkpoints: the Go reference example byte for byte, forgeries
and alterations refused, cosignatures tolerated, malformed input named."""

from __future__ import annotations

import base64
import contextlib
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from custodiet.merkle.note import (
    Checkpoint,
    CheckpointError,
    KeyFormatError,
    MalformedNoteError,
    NoteError,
    SignatureError,
    Signer,
    UnverifiedNoteError,
    Verifier,
    cosign_note,
    generate_key,
    open_note,
    parse_note,
    sign_checkpoint,
    sign_note,
    verify_checkpoint,
)
from custodiet.merkle.rfc6962 import EMPTY_ROOT

# The example of golang.org/x/mod/sumdb/note's tests: reproducing it byte for byte shows
# that Go tools (and so witnesses) read our keys and notes and we read theirs.
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n— PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)

ORIGIN = "custodiet.example/log"
TEXT = "custodiet.example/log\n3\n" + base64.b64encode(b"r" * 32).decode() + "\n"


def signer(name: str = ORIGIN) -> Signer:
    return Signer.from_skey(generate_key(name)[0])


def test_the_go_reference_example_signs_and_opens_byte_for_byte() -> None:
    peter = Signer.from_skey(GO_SKEY)
    assert peter.skey == GO_SKEY
    assert peter.verifier.vkey == GO_VKEY
    assert sign_note(GO_TEXT, [peter]) == GO_NOTE
    assert open_note(GO_NOTE, [Verifier.from_vkey(GO_VKEY)]) == GO_TEXT


def test_the_key_id_is_the_spec_hash_of_name_and_public_key() -> None:
    name, hex_id, key64 = GO_VKEY.split("+", 2)
    public = base64.b64decode(key64)
    assert public[0] == 0x01
    expected = hashlib.sha256(name.encode() + b"\n" + public).digest()[:4]
    assert expected.hex() == hex_id == "c74f20a3"
    assert Verifier.from_vkey(GO_VKEY).key_id == int(hex_id, 16)
    signature_line = GO_NOTE.rsplit("\n", 2)[-2]
    assert base64.b64decode(signature_line.split(" ")[2])[:4] == expected


def test_a_generated_key_pair_round_trips() -> None:
    skey, vkey = generate_key(ORIGIN)
    assert skey.startswith(f"PRIVATE+KEY+{ORIGIN}+")
    assert vkey.startswith(f"{ORIGIN}+")
    key = Signer.from_skey(skey)
    assert key.skey == skey
    assert key.verifier.vkey == vkey
    assert Verifier.from_vkey(vkey).vkey == vkey
    assert open_note(sign_note(TEXT, [key]), [Verifier.from_vkey(vkey)]) == TEXT


def test_every_mangled_verifier_key_is_refused() -> None:
    for begin in range(len(GO_VKEY)):
        for end in range(begin + 1, len(GO_VKEY) + 1):
            if (begin, end) != (0, len(GO_VKEY)):
                with pytest.raises(KeyFormatError):
                    Verifier.from_vkey(GO_VKEY[begin:end])
    for position in range(len(GO_VKEY)):
        mangled = GO_VKEY[:position] + chr(ord(GO_VKEY[position]) + 1) + GO_VKEY[position + 1 :]
        with pytest.raises(KeyFormatError):
            Verifier.from_vkey(mangled)


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("PeterNeumann+c74f20a3", "not of the form"),
        ("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "spaces"),
        ("PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "8 hexadecimal"),
        ("PeterNeumann+c74f20a3+BBpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "Ed25519"),
        ("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T", "base64"),
        ("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy", "29 bytes"),
        ("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "does not match"),
    ],
)
def test_a_bad_verifier_key_says_what_is_wrong(key: str, message: str) -> None:
    with pytest.raises(KeyFormatError, match=message):
        Verifier.from_vkey(key)


def test_a_bad_signer_key_says_what_is_wrong() -> None:
    with pytest.raises(KeyFormatError, match="PRIVATE"):
        Signer.from_skey(GO_SKEY.replace("PRIVATE", "PUBLIC"))
    with pytest.raises(KeyFormatError, match="does not match"):
        Signer.from_skey(GO_SKEY.replace("c74f20a3", "c74f20a4"))
    with pytest.raises(KeyFormatError, match="does not match"):
        Signer.from_skey(GO_SKEY.replace("PeterNeumann", "PaulNeumann"))


def test_a_flipped_bit_in_the_text_fails() -> None:
    key = signer()
    note = sign_note(TEXT, [key])
    altered = note.replace("\n3\n", "\n2\n", 1)
    with pytest.raises(SignatureError, match="does not verify"):
        open_note(altered, [key.verifier])


def test_a_flipped_bit_in_the_signature_fails() -> None:
    key = signer()
    text, [signature] = parse_note(sign_note(TEXT, [key]))
    raw = bytearray(signature.signature)
    raw[10] ^= 0x04
    forged = text + "\n" + type(signature)(signature.name, signature.key_id, bytes(raw)).format()
    with pytest.raises(SignatureError, match=f"signature by {ORIGIN}"):
        open_note(forged, [key.verifier])


def test_a_note_signed_by_another_key_of_the_same_name_is_unverified() -> None:
    note = sign_note(TEXT, [signer()])
    with pytest.raises(UnverifiedNoteError, match="not by"):
        open_note(note, [signer().verifier])


def test_the_same_key_under_another_name_is_another_key() -> None:
    private = Ed25519PrivateKey.generate()
    note = sign_note(TEXT, [Signer(ORIGIN, private)])
    impostor = Signer("custodiet.example/other", private)
    assert impostor.key_id != Signer(ORIGIN, private).key_id
    with pytest.raises(UnverifiedNoteError):
        open_note(note, [impostor.verifier])


def test_a_note_whose_only_signature_is_unknown_is_unverified() -> None:
    note = sign_note(TEXT, [signer("witness.example")])
    with pytest.raises(UnverifiedNoteError, match=r"signed by witness\.example"):
        open_note(note, [signer().verifier])


def test_a_cosignature_by_another_key_is_ignored_by_a_verifier_that_does_not_know_it() -> None:
    log, witness = signer(), signer("witness.example")
    note = cosign_note(sign_note(TEXT, [log]), [witness])
    assert note.count("\n— ") == 2
    assert open_note(note, [log.verifier]) == TEXT
    assert open_note(note, [witness.verifier]) == TEXT
    assert open_note(note, [log.verifier, witness.verifier]) == TEXT
    assert cosign_note(note, [witness]).count("\n— ") == 2, "a key signs once"


def test_a_forged_signature_by_a_known_key_fails_even_beside_a_good_one() -> None:
    log, impostor = signer(), signer()
    good = sign_note(TEXT, [log])
    _, [signature] = parse_note(sign_note(TEXT, [impostor]))
    forged = type(signature)(log.name, log.key_id, signature.signature).format()
    with pytest.raises(SignatureError):
        open_note(good + forged, [log.verifier])


@pytest.mark.parametrize(
    ("note", "message"),
    [
        (TEXT + "— a AAAAAAAA\n", "no blank line"),
        (TEXT + "\n— a AAAAAAAA", "does not end with a newline"),
        (TEXT + "\n", "no signature lines"),
        (TEXT + "\n— a AAAA!AAA\n", "base64"),
        (TEXT + "\n— a \n", "missing"),
        (TEXT + "\n— a\n", "missing"),
        (TEXT + "\n— a AAAAAA==\n", "too short"),
        (TEXT + "\n- a AAAAAAAA\n", "em dash"),
        (TEXT + "\n—a AAAAAAAA\n", "em dash"),
        (TEXT + "\n— a+b AAAAAAAA\n", "'\\+'"),
        (TEXT + "\n—  AAAAAAAA\n", "non-empty"),
        ("a\tb\n" + "\n— a AAAAAAAA\n", "control character"),
        (TEXT + "\n" + "— a AAAAAAAA\n" * 101, "over 100"),
    ],
)
def test_a_malformed_note_says_what_is_wrong(note: str, message: str) -> None:
    with pytest.raises(MalformedNoteError, match=message):
        open_note(note, [signer().verifier])


def test_only_text_ending_in_a_newline_can_be_signed() -> None:
    with pytest.raises(MalformedNoteError, match="newline"):
        sign_note(TEXT.rstrip("\n"), [signer()])


# Any UTF-8 text without control characters other than newline.
NOTE_TEXT = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters="\x7f").filter(
        lambda c: c == "\n" or c >= " "
    )
).map(lambda text: text + "\n")


@given(NOTE_TEXT)
def test_any_valid_text_round_trips(text: str) -> None:
    key = Signer.from_skey(GO_SKEY)
    assert open_note(sign_note(text, [key]), [key.verifier]) == text


@given(st.text())
def test_any_string_is_a_note_or_a_note_error(note: str) -> None:
    with contextlib.suppress(NoteError):
        open_note(note, [Verifier.from_vkey(GO_VKEY)])


def test_a_checkpoint_round_trips_with_extension_lines() -> None:
    root = b"\x07" * 32
    checkpoint = Checkpoint(ORIGIN, 1_000_000, root, ("extension one", "two"))
    text = checkpoint.format()
    root64 = base64.b64encode(root).decode()
    assert text == f"{ORIGIN}\n1000000\n{root64}\nextension one\ntwo\n"
    assert Checkpoint.parse(text) == checkpoint
    key = signer()
    assert verify_checkpoint(sign_checkpoint(checkpoint, [key]), key.verifier) == checkpoint


def test_an_altered_checkpoint_fails_its_signature() -> None:
    key = signer()
    note = sign_checkpoint(Checkpoint(ORIGIN, 0, EMPTY_ROOT), [key])
    with pytest.raises(SignatureError):
        verify_checkpoint(note.replace("\n0\n", "\n1\n", 1), key.verifier)


ROOT64 = base64.b64encode(EMPTY_ROOT).decode()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"{ORIGIN}\n5\n", "fewer than 3 lines"),
        (f"{ORIGIN}\n5\n{ROOT64}", "newline"),
        (f"\n5\n{ROOT64}\n", "origin"),
        *[
            (f"{ORIGIN}\n{size}\n{ROOT64}\n", "not a decimal size")
            for size in ["", "05", "+5", "-1", " 5", "1_000", "٣", "5.0", str(1 << 64)]
        ],
        (f"{ORIGIN}\n5\n{ROOT64[:-1]}\n", "base64"),
        (f"{ORIGIN}\n5\n{base64.b64encode(b'x' * 31).decode()}\n", "31 bytes"),
        (f"{ORIGIN}\n5\n{ROOT64}\n\n", "line 4 is empty"),
    ],
)
def test_a_malformed_checkpoint_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(CheckpointError, match=message):
        Checkpoint.parse(text)


def test_a_checkpoint_that_cannot_be_written_is_refused() -> None:
    with pytest.raises(CheckpointError, match="origin"):
        Checkpoint("two\nlines", 1, EMPTY_ROOT).format()
    with pytest.raises(CheckpointError, match="32"):
        Checkpoint(ORIGIN, 1, b"short").format()
    with pytest.raises(CheckpointError, match="extension"):
        Checkpoint(ORIGIN, 1, EMPTY_ROOT, ("",)).format()
