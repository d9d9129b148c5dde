"""The README's shell examples, run as written after a demo set up as `make demo` sets it up.

Every ```sh block of README.md runs, in the README's order, in one bash (so that its
`. .demo/env` holds for the blocks after it), in a folder holding what a clone holds, with
an environment that has none of Custodiet's variables. A block whose line above is
`<!-- not run: why -->` is left out: servers, installs, crontab lines. Each command must
exit 0. The demo is small (20 requests), so the whole run takes some tens of seconds.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
# What the README's commands read of a clone; what they write goes beside these links.
CLONED = ("README.md", "Makefile", "examples", "tests")
NOT_RUN = re.compile(r"<!-- not run: (?P<why>\S.*?) -->")


@dataclass(frozen=True)
class Block:
    line: int  # of the opening fence, counted from 1
    commands: tuple[tuple[int, str], ...]  # (README line, command with its continuations)
    not_run: str | None  # why, when it is not run


def sh_blocks(text: str) -> list[Block]:
    lines = text.splitlines()
    blocks = []
    i = 0
    while i < len(lines):
        if lines[i].strip() != "```sh":
            i += 1
            continue
        marked = NOT_RUN.fullmatch(lines[i - 1].strip()) if i else None
        start, commands, pending, first = i + 1, [], "", 0
        i += 1
        while lines[i].strip() != "```":
            if not pending:
                first = i + 1
            pending += lines[i]
            if lines[i].endswith("\\"):
                pending += "\n"
            else:
                if pending.strip() and not pending.lstrip().startswith("#"):
                    commands.append((first, pending))
                pending = ""
            i += 1
        blocks.append(Block(start, tuple(commands), marked["why"] if marked else None))
        i += 1
    return blocks


def bash_script(blocks: list[Block]) -> str:
    """One script; the first command to fail stops it, naming its README line."""
    lines = ["set -euo pipefail", """trap 'echo "README.md:$line exited $?" >&2' ERR"""]
    for block in blocks:
        for line, command in block.commands:
            lines += [f"line={line}", command]
    return "\n".join(lines) + "\n"


def fresh_env() -> dict[str, str]:
    """What a new user's shell holds: no CUSTODIET_ variable, no DATABASE_URL; the
    project's virtual environment stands in for the one `make demo` installs."""
    kept = {name: os.environ[name] for name in ("HOME", "LANG", "TMPDIR") if name in os.environ}
    path = os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"])
    return {**kept, "PATH": path}


def bash(script: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", script],
        cwd=cwd,
        env=fresh_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def after_make_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clone where `make demo` has run, but for installing, the assets and the server:
    the Makefile's own targets make the keys and `.demo/env`, and the demo loads from it."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    clone = tmp_path_factory.mktemp("clone")
    for name in CLONED:
        (clone / name).symlink_to(ROOT / name)
    setup = bash(
        "set -e\n"
        f"make --silent PYTHON={sys.executable} .demo/env .demo/secret-key .demo/pii-hash-key\n"
        ". .demo/env\n"
        "custodiet migrate --no-input --verbosity 0\n"
        "custodiet demo --requests 20 > demo.out 2> demo.err\n",
        clone,
    )
    assert setup.returncode == 0, setup.stderr + (clone / "demo.err").read_text()
    return clone


def test_the_readme_examples_run_as_written_after_make_demo(after_make_demo: Path) -> None:
    run = [block for block in sh_blocks(README.read_text()) if block.not_run is None]
    result = bash(bash_script(run), after_make_demo)
    assert result.returncode == 0, (
        f"{result.stderr[-4000:]}\n--- stdout ---\n{result.stdout[-2000:]}"
    )
    assert "Traceback" not in result.stderr
    # Some of what the commands wrote, where the README says they write it.
    # The demo's quarters move with the day it is loaded; it names them in quarters.env.
    demo = (after_make_demo / ".demo" / "governor" / "quarters.env").read_text()
    quarter = dict(line.split("=", 1) for line in demo.split())["QUARTER"]
    for written in ("flags.parquet", "q1.csv", "audit/log.vkey", f"jbc-{quarter}.xlsx"):
        assert (after_make_demo / written).exists(), written
    assert "0 failed" in result.stdout


def test_the_readme_sets_the_demo_up_first() -> None:
    run = [block for block in sh_blocks(README.read_text()) if block.not_run is None]
    assert [command for _, command in run[0].commands] == [". .demo/env"]
    assert sum(len(block.commands) for block in run) >= 20


def test_every_example_left_out_says_why_and_none_points_outside_the_project() -> None:
    blocks = sh_blocks(README.read_text())
    left_out = {block.line: block.not_run for block in blocks if block.not_run is not None}
    # make demo/test, the witness server, production, its first administrator, cron, and
    # the API's two curl examples (a batch, a database query), which need a server
    assert len(left_out) == 7, left_out
    assert all(block.commands for block in blocks)
    commands = [command for block in blocks for _, command in block.commands]
    assert not [command for command in commands if "../" in command]
