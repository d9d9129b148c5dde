"""The command line as contract/REQUESTS.md promises it, run as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SHARED = Path(os.environ.get("CUSTODIET_SHARED", Path(__file__).resolve().parents[2] / "shared"))
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SECRET_KEY, PII_HASH_KEY = "CUSTODIET_SECRET_KEY", "CUSTODIET_PII_HASH_KEY"
GOOD = {
    "received_at": "2022-03-14T10:00:00-06:00",
    "requester": {"organization": "Denver Police Department", "level": "local"},
    "records_requested": ["address"],
    "purpose_category": "criminal_investigation",
    "criminal_investigation": {"case_number": "DPD-1", "offense": "robbery"},
}
BAD = {**GOOD, "records_requested": ["address", "favorite_color"]}


def custodiet(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "custodiet", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_evaluate_prints_one_decision_for_one_request() -> None:
    result = custodiet("evaluate", "-", stdin=json.dumps(GOOD))
    assert result.returncode == 0, result.stderr
    decision = json.loads(result.stdout)
    assert decision["outcome"] == "eligible"
    assert decision["policy"]["pack"] == "us-co"
    assert "facts" not in decision
    explained = json.loads(custodiet("evaluate", "--explain", "-", stdin=json.dumps(GOOD)).stdout)
    facts = {fact["fact"]: fact for fact in explained["facts"]}
    assert facts["court_process"]["value"] is False
    assert facts["active_criminal_investigation"]["value"] is True


def test_evaluate_reads_json_lines_and_arrays(tmp_path: Path) -> None:
    lines = tmp_path / "requests.jsonl"
    lines.write_text(
        "\ufeff"
        + json.dumps(GOOD)
        + "\n\n"
        + json.dumps({**GOOD, "purpose_category": "other"})
        + "\n"
    )
    result = custodiet("evaluate", str(lines))
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["outcome"] for line in result.stdout.splitlines()] == [
        "eligible",
        "refuse",
    ]
    array = custodiet("evaluate", "-", stdin=json.dumps([GOOD, GOOD]))
    assert len(array.stdout.splitlines()) == 2


def test_evaluate_names_the_bad_field_exits_2_and_decides_nothing_for_it(tmp_path: Path) -> None:
    lines = tmp_path / "requests.jsonl"
    lines.write_text(json.dumps(GOOD) + "\n" + json.dumps(BAD) + "\n")
    result = custodiet("evaluate", str(lines))
    assert result.returncode == 2
    assert "line 2" in result.stderr
    assert "records_requested[1]" in result.stderr
    assert "'favorite_color' is not allowed" in result.stderr
    assert len(result.stdout.splitlines()) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"requester": {"level": "local"}}, "requester.organization"),
        ({"requester": {"organization": ""}}, "requester.organization"),
        ({"received_at": "last Tuesday"}, "received_at"),
        ({"records_requested": []}, "records_requested"),
        ({"channel": "carrier pigeon"}, "channel"),
        ({"legal_process": [{"kind": "royal_decree"}]}, "legal_process[0].kind"),
        ({"certification": {"signed_on": "soon"}}, "certification.signed_on"),
        ({"purpose_category": "curiosity"}, "purpose_category"),
        # Values no record or ledger leaf can keep are refused where they stand.
        ({"id": "../cases/1"}, "id"),
        ({"received_at": "2022-03-14T10:00:00+18:00"}, "received_at"),
        ({"received_at": "0001-01-01T00:00:00"}, "received_at"),
        ({"purpose": "nul\u0000byte"}, "purpose"),
        ({"partner_reference": 2**60}, "partner_reference"),
        ({"requester": {"organization": "x" * 301}}, "requester.organization"),
    ],
)
def test_evaluate_error_names_the_field(change: dict[str, object], field: str) -> None:
    result = custodiet("evaluate", "-", stdin=json.dumps({**GOOD, **change}))
    assert result.returncode == 2
    assert f": {field}: " in result.stderr
    assert result.stdout == ""


def test_evaluate_rejects_text_that_is_not_json() -> None:
    result = custodiet("evaluate", "-", stdin="{not json")
    assert result.returncode == 2
    assert "not valid JSON" in result.stderr


def test_evaluate_as_of_changes_the_rules_applied() -> None:
    reentry = {
        **GOOD,
        "requester": {"organization": "ICE", "component": "ERO"},
        "criminal_investigation": {"case_number": "1", "offense": "8 U.S.C. 1326"},
    }
    now = json.loads(custodiet("evaluate", "-", stdin=json.dumps(reentry)).stdout)
    then = json.loads(
        custodiet("evaluate", "--as-of", "2020-08-01", "-", stdin=json.dumps(reentry)).stdout
    )
    assert (now["outcome"], then["outcome"]) == ("refuse", "eligible")
    assert custodiet("evaluate", "--as-of", "yesterday", "-", stdin="{}").returncode == 2


def test_the_shared_scenarios_all_pass() -> None:
    if not (SHARED / "scenarios").is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"the shared scenarios are missing at {SHARED}")
        pytest.skip("no shared folder beside the project")
    result = custodiet("scenarios", str(SHARED / "scenarios"))
    assert result.returncode == 0, result.stdout
    count = len(list((SHARED / "scenarios").glob("*.json")))
    assert count >= 15  # contract 1.1 added 12 to 15
    assert result.stdout.splitlines()[-1] == f"{count} passed, 0 failed"


def test_a_failing_scenario_fails_the_command(tmp_path: Path) -> None:
    (tmp_path / "wrong.json").write_text(
        json.dumps({"description": "x", "request": GOOD, "expect": {"outcome": "refuse"}})
    )
    (tmp_path / "right.json").write_text(
        json.dumps(
            {
                "description": "y",
                "request": BAD,
                "expect": {"error": True, "error_mentions": "records_requested"},
            }
        )
    )
    result = custodiet("scenarios", str(tmp_path))
    assert result.returncode == 1
    assert "FAIL wrong.json" in result.stdout
    assert "PASS right.json" in result.stdout
    assert result.stdout.splitlines()[-1] == "1 passed, 1 failed"


def test_policy_show_as_of_2020_lists_the_guidance_and_none_of_the_statute() -> None:
    result = custodiet("policy", "show", "us-co", "--as-of", "2020-08-01")
    assert result.returncode == 0
    assert "co-guidance-criminal-investigation" in result.stdout
    assert "Colorado Governor's guidance" in result.stdout
    assert "co-74-" not in result.stdout
    assert "24-74-103" not in result.stdout


def test_policy_show_marks_unconfirmed_rules_and_prints_json() -> None:
    text = custodiet("policy", "show", "us-co").stdout
    assert "[UNCONFIRMED: counsel to confirm]" in text
    data = json.loads(
        custodiet("policy", "show", "us-co", "--as-of", "2023-01-01", "--json").stdout
    )
    rules = {rule["id"]: rule for rule in data["rules"]}
    assert rules["co-74-105-certification"]["citation"].startswith("C.R.S. 24-74-105")
    assert "co-guidance-civil-immigration" not in rules
    assert "immigration_agency" in data["facts"]


def test_django_management_commands_run_through_the_same_entry_point() -> None:
    result = custodiet("check", "--deploy", "--fail-level", "ERROR")
    assert result.returncode == 0, result.stderr


def test_a_reader_that_stops_early_gets_no_traceback():
    shown = subprocess.run(
        f"{sys.executable} -m custodiet policy show us-co | head -1",
        shell=True,
        capture_output=True,
        text=True,
        check=False,
    )
    assert shown.stdout.startswith("Colorado (us-co)")
    assert "Traceback" not in shown.stderr and "BrokenPipe" not in shown.stderr


# --- Settings as a new user's shell has them: none of Custodiet's ---------------------------


def bare(*args: str, cwd: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    """`custodiet ARGS` with no CUSTODIET_ variable but `settings`, in the folder `cwd`."""
    kept = {name: os.environ[name] for name in ("HOME", "LANG", "PATH") if name in os.environ}
    return subprocess.run(
        [sys.executable, "-m", "custodiet", *args],
        env={**kept, **settings},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def not_set(command: str, name: str) -> str:
    return (
        f"custodiet {command}: {name} is not set: set it, or {name}_FILE to a file holding it "
        "(after `make demo`: . .demo/env)"
    )


@pytest.mark.parametrize(
    "args",
    [
        ("evaluate", str(EXAMPLES / "request.json")),
        ("classify", str(EXAMPLES / "warrant.pdf")),
        ("policy", "show", "us-co", "--as-of", "2020-08-01"),
        ("scan", str(EXAMPLES / "querylogs" / "switch-2025.csv"), "--summary"),
        ("scan", "--show-layout", str(EXAMPLES / "querylogs" / "release.xlsx")),
        ("ledger", "verify", "--help"),
    ],
    ids=["evaluate", "classify", "policy-show", "scan", "scan-show-layout", "help"],
)
def test_commands_that_need_no_secret_run_without_any(args: tuple[str, ...], tmp_path) -> None:
    result = bare(*args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "CUSTODIET_" not in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "command", "names"),
    [
        (("runserver",), "runserver", (SECRET_KEY, PII_HASH_KEY)),
        (("migrate",), "migrate", (SECRET_KEY, PII_HASH_KEY)),
        (("ledger", "verify"), "ledger verify", (PII_HASH_KEY,)),
        (("requests", "import", "requests.jsonl"), "requests import", (PII_HASH_KEY,)),
        (("scan", "log.csv", "--import"), "scan", (PII_HASH_KEY,)),
        (("demo",), "demo", (PII_HASH_KEY,)),
    ],
)
def test_a_command_that_needs_a_secret_names_each_missing_one_on_a_line_of_its_own(
    args: tuple[str, ...], command: str, names: tuple[str, ...], tmp_path
) -> None:
    result = bare(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [not_set(command, name) for name in names]


def test_only_the_secret_that_is_missing_is_named(tmp_path) -> None:
    result = bare("runserver", cwd=tmp_path, CUSTODIET_PII_HASH_KEY="a key")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [not_set("runserver", SECRET_KEY)]


def test_a_secret_file_that_cannot_be_read_is_one_line_naming_it(tmp_path) -> None:
    result = bare("ledger", "verify", cwd=tmp_path, CUSTODIET_PII_HASH_KEY_FILE="nowhere/key")
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("custodiet ledger verify: CUSTODIET_PII_HASH_KEY_FILE=nowhere/key: ")


def test_a_bad_setting_is_one_line_naming_it(tmp_path) -> None:
    log = str(EXAMPLES / "querylogs" / "vendor.csv")
    result = bare("scan", log, cwd=tmp_path, CUSTODIET_LOGIN_ATTEMPTS="five")
    assert result.returncode == 2
    assert (
        result.stderr == "custodiet scan: CUSTODIET_LOGIN_ATTEMPTS='five': must be a whole number\n"
    )


def test_the_web_server_refuses_to_start_without_its_secrets(tmp_path) -> None:
    kept = {name: os.environ[name] for name in ("HOME", "LANG", "PATH") if name in os.environ}

    def load(**settings: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", "import custodiet.wsgi"],
            env={**kept, **settings},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    refused = load(CUSTODIET_PII_HASH_KEY="a key")
    assert refused.returncode != 0
    assert "ImproperlyConfigured: CUSTODIET_SECRET_KEY is not set" in refused.stderr
    started = load(CUSTODIET_SECRET_KEY="a secret key", CUSTODIET_PII_HASH_KEY="a key")
    assert started.returncode == 0, started.stderr


def test_the_ledger_makes_no_leaf_without_its_key(settings) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from custodiet.ledger import store

    settings.CUSTODIET_PII_HASH_KEY = b""
    with pytest.raises(ImproperlyConfigured, match=PII_HASH_KEY):
        store.pii_hash_key()
