"""`custodiet-verify` on export directories: an honest one passes, every kind of tampering
fails naming the entry line or checkpoint, unusable input exits 2; and no Django needed."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest

from custodiet.merkle.compact import CompactTree
from custodiet.merkle.note import Checkpoint, Signer, generate_key, sign_checkpoint
from custodiet.merkle.rfc6962 import leaf_hash
from custodiet.merkle.verifier import main

ORIGIN = "custodiet.example/log"
COUNT = 1000
CHECKPOINTS = (300, 600, 1000)
LOG_KEY = generate_key(ORIGIN)


def entry_data(index: int) -> bytes:
    return json.dumps({"event": "request.received", "case": f"C-{index:05d}"}).encode()


def entry_line(index: int, data: bytes) -> str:
    return json.dumps({"index": index, "data": base64.b64encode(data).decode()}) + "\n"


def write_checkpoint(export: Path, checkpoint: Checkpoint, signer: Signer) -> None:
    (export / "checkpoints" / str(checkpoint.size)).write_text(
        sign_checkpoint(checkpoint, [signer]), encoding="utf-8"
    )


@pytest.fixture
def export(tmp_path: Path) -> Path:
    """An honest export of 1000 entries with checkpoints at 300, 600 and 1000."""
    directory = tmp_path / "export"
    (directory / "checkpoints").mkdir(parents=True)
    signer = Signer.from_skey(LOG_KEY[0])
    tree = CompactTree()
    with (directory / "entries.jsonl").open("w", encoding="utf-8") as entries:
        for index in range(COUNT):
            entries.write(entry_line(index, entry_data(index)))
            tree.append(leaf_hash(entry_data(index)))
            if tree.size in CHECKPOINTS:
                write_checkpoint(directory, Checkpoint(ORIGIN, tree.size, tree.root()), signer)
    (directory / "log.vkey").write_text(LOG_KEY[1] + "\n", encoding="utf-8")
    return directory


def verify(export: Path, key: str = LOG_KEY[1]) -> int:
    return main([str(export), "--key", key])


def lines(export: Path) -> list[str]:
    return (export / "entries.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)


def rewrite(export: Path, new_lines: list[str]) -> None:
    (export / "entries.jsonl").write_text("".join(new_lines), encoding="utf-8")


def failure(capsys: pytest.CaptureFixture[str], export: Path, key: str = LOG_KEY[1]) -> str:
    assert verify(export, key) == 1
    return capsys.readouterr().err


def test_an_honest_export_passes_and_says_what_was_checked(
    export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert verify(export) == 0
    out = capsys.readouterr().out
    assert "1,000 read" in out
    assert f"3 verified, origin {ORIGIN}" in out
    assert "latest:      size 1,000, root " in out
    assert out.rstrip().endswith("OK")


def test_the_key_may_be_a_file_such_as_the_exports_own_when_named(export: Path) -> None:
    assert verify(export, str(export / "log.vkey")) == 0


def test_entries_beyond_the_latest_checkpoint_are_reported_not_failed(
    export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rewrite(export, [*lines(export), entry_line(COUNT, b"new")])
    assert verify(export) == 0
    assert "1 entry after the latest checkpoint, not yet signed for" in capsys.readouterr().out


def test_an_edited_byte_of_one_entry_names_the_checkpoint_and_the_range(
    export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edited = lines(export)
    data = bytearray(entry_data(450))
    data[5] ^= 0x01
    edited[450] = entry_line(450, bytes(data))
    rewrite(export, edited)
    err = failure(capsys, export)
    assert "checkpoint 600: root does not match entries 0..599" in err
    assert "entries 0..299 match checkpoint 300" in err
    assert "index 300 or later" in err


def test_a_deleted_line_names_the_missing_entry(
    export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edited = lines(export)
    del edited[450]
    rewrite(export, edited)
    err = failure(capsys, export)
    assert "entries.jsonl line 451: index 451 where 450 was expected" in err
    assert "entry 450 removed or out of order" in err


def test_swapped_lines_are_named(export: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edited = lines(export)
    edited[450], edited[451] = edited[451], edited[450]
    rewrite(export, edited)
    assert "entries.jsonl line 451: index 451 where 450 was expected" in failure(capsys, export)


def test_an_inserted_line_is_named(export: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edited = lines(export)
    edited.insert(450, entry_line(450, b"an invented request"))
    rewrite(export, edited)
    err = failure(capsys, export)
    assert "entries.jsonl line 452: index 450 again, where 451 was expected" in err


def test_an_inserted_line_with_renumbered_successors_fails_the_next_checkpoint(
    export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = [entry_data(index) for index in range(COUNT)]
    data.insert(450, b"an invented request")
    rewrite(export, [entry_line(index, value) for index, value in enumerate(data)])
    assert "checkpoint 600: root does not match" in failure(capsys, export)


def test_removed_trailing_entries_fail_the_checkpoint_that_covered_them(
    export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rewrite(export, lines(export)[:990])
    err = failure(capsys, export)
    assert "checkpoint 1000: tree size 1000 but entries.jsonl holds only 990 entries" in err


def test_an_altered_checkpoint_root_fails_its_signature(
    export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = export / "checkpoints" / "600"
    origin, size, _, rest = path.read_text(encoding="utf-8").split("\n", 3)
    forged_root = base64.b64encode(bytes(32)).decode()
    path.write_text("\n".join([origin, size, forged_root, rest]), encoding="utf-8")
    assert "checkpoint 600: signature by custodiet.example/log" in failure(capsys, export)


def test_a_checkpoint_signed_by_another_key_is_refused(
    export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    impostor = Signer.from_skey(generate_key(ORIGIN)[0])
    write_checkpoint(export, Checkpoint(ORIGIN, 600, bytes(32)), impostor)
    err = failure(capsys, export)
    assert "checkpoint 600: note is signed by custodiet.example/log" in err
    assert "not by custodiet.example/log" in err


def test_a_checkpoint_signed_by_the_log_with_a_wrong_root_names_the_checkpoint(
    export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_checkpoint(export, Checkpoint(ORIGIN, 300, bytes(32)), Signer.from_skey(LOG_KEY[0]))
    err = failure(capsys, export)
    assert "checkpoint 300: root does not match entries 0..299" in err


def test_a_checkpoint_under_the_wrong_file_name_is_refused(
    export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkpoints = export / "checkpoints"
    (checkpoints / "300").rename(checkpoints / "301")
    assert "checkpoint 301: the signed note says tree size 300" in failure(capsys, export)
    (checkpoints / "301").rename(checkpoints / "latest")
    assert "checkpoints/latest: the file name is not a tree size" in failure(capsys, export)


def test_a_line_that_is_not_an_entry_is_named(
    export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edited = lines(export)
    for bad, message in [
        ("not json\n", "line 8: not a JSON object"),
        ('{"index": 7}\n', 'line 8: not an object with exactly "index" and "data"'),
        ('{"index": "7", "data": ""}\n', "line 8: index '7' is not an integer"),
        ('{"index": 7, "data": "!!"}\n', "line 8 (index 7): data is not valid base64"),
        ("\n", "line 8: not a JSON object"),
    ]:
        rewrite(export, [*edited[:7], bad, *edited[8:]])
        assert message in failure(capsys, export)


def test_unusable_input_exits_2(
    export: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert verify(tmp_path / "nowhere") == 2
    assert "missing or not a directory" in capsys.readouterr().err
    assert verify(export, "not-a-key") == 2
    assert "--key:" in capsys.readouterr().err
    (export / "entries.jsonl").unlink()
    assert verify(export) == 2
    assert "cannot open entries.jsonl" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main([str(export)])
    assert exit_info.value.code == 2


def test_an_empty_checkpoints_folder_vouches_for_nothing(
    export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for path in (export / "checkpoints").iterdir():
        path.unlink()
    assert "holds no checkpoint" in failure(capsys, export)


def run_without_django(*args: str) -> subprocess.CompletedProcess[str]:
    # `sys.modules["django"] = None` makes any import of Django fail, as if not installed.
    code = (
        "import sys; sys.modules['django'] = None; "
        "from custodiet.merkle.verifier import main; raise SystemExit(main(sys.argv[1:]))"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_verifier_runs_without_django(export: Path) -> None:
    passed = run_without_django(str(export), "--key", LOG_KEY[1])
    assert passed.returncode == 0, passed.stderr
    assert "OK" in passed.stdout
    rewrite(export, lines(export)[:500])
    failed = run_without_django(str(export), "--key", LOG_KEY[1])
    assert failed.returncode == 1
    assert "checkpoint 600" in failed.stderr
    missing = run_without_django(str(export / "nowhere"), "--key", LOG_KEY[1])
    assert missing.returncode == 2


def test_no_module_of_the_package_imports_django() -> None:
    code = (
        "import sys; sys.modules['django'] = None\n"
        "import pkgutil, importlib, custodiet.merkle as package\n"
        "for module in pkgutil.iter_modules(package.__path__):\n"
        "    importlib.import_module(f'custodiet.merkle.{module.name}')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
