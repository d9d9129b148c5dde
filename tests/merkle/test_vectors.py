"""The shared RFC 6962 conformance vectors (from transparency-dev/merkle): every root,
every inclusion and consistency case, tampered ones rejected and happy paths accepted."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import pytest

from custodiet.merkle.compact import CompactTree
from custodiet.merkle.rfc6962 import EMPTY_ROOT, leaf_hash
from custodiet.merkle.verify import ProofError, verify_consistency, verify_inclusion

SHARED = Path(os.environ.get("CUSTODIET_SHARED", Path(__file__).resolve().parents[3] / "shared"))
VECTORS = SHARED / "vectors" / "rfc6962"


def _vectors(kind: str) -> list[Path]:
    """The vector files of one kind; none when the folder is missing (then every test
    of them skips, or fails under CI)."""
    return sorted((VECTORS / kind).rglob("*.json"))


def _id(path: Path | None) -> str:
    return "missing" if path is None else str(path.relative_to(VECTORS))


@pytest.fixture(autouse=True)
def _require_vectors() -> None:
    if not VECTORS.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"conformance vectors missing at {VECTORS}")
        pytest.skip(f"conformance vectors not found at {VECTORS} (set CUSTODIET_SHARED)")


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def _b64(value: str) -> bytes:
    return base64.b64decode(value)


def _proof(case: dict[str, Any]) -> list[bytes]:
    return [_b64(value) for value in case["proof"] or []]


def test_the_vector_set_is_complete() -> None:
    # Guards against a silently shrunken vector directory passing vacuously.
    assert len(_vectors("inclusion")) >= 90
    assert len(_vectors("consistency")) >= 80
    for kind in ("inclusion", "consistency"):
        assert any(not _load(path)["wantErr"] for path in _vectors(kind))


def test_roots_for_sizes_0_to_8() -> None:
    roots = _load(VECTORS / "roots.json")
    leaves = [bytes.fromhex(value) for value in roots["leaf_inputs_hex"]]
    expected = [bytes.fromhex(value) for value in roots["root_hashes_hex_by_size"]]
    assert expected[0] == EMPTY_ROOT
    tree = CompactTree()
    assert tree.root() == expected[0]
    for size, leaf in enumerate(leaves, start=1):
        tree.append(leaf_hash(leaf))
        assert tree.root() == expected[size], f"size {size}"
    batched = CompactTree()
    batched.extend([leaf_hash(leaf) for leaf in leaves])
    assert batched.root() == expected[len(leaves)]


@pytest.mark.parametrize("path", _vectors("inclusion") or [None], ids=_id)
def test_inclusion_vector(path: Path | None) -> None:
    assert path is not None
    case = _load(path)
    args = (
        _b64(case["leafHash"]),
        case["leafIdx"],
        case["treeSize"],
        _proof(case),
        _b64(case["root"]),
    )
    if case["wantErr"]:
        with pytest.raises(ProofError):
            verify_inclusion(*args)
    else:
        verify_inclusion(*args)


@pytest.mark.parametrize("path", _vectors("consistency") or [None], ids=_id)
def test_consistency_vector(path: Path | None) -> None:
    assert path is not None
    case = _load(path)
    args = (
        case["size1"],
        case["size2"],
        _proof(case),
        _b64(case["root1"]),
        _b64(case["root2"]),
    )
    if case["wantErr"]:
        with pytest.raises(ProofError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)
