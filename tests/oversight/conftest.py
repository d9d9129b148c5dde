"""The Governor's office's people and its office: an oversight.toml naming the agencies it
receives from, and reports kept in its store as `custodiet.reports.received` keeps them.

The office is an agency of its own (CO-GOV-OLC); its counsel has the oversight role.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from custodiet.accounts.models import Agency, Role
from custodiet.merkle.cosignature import Witness
from custodiet.merkle.note import generate_key
from custodiet.reports.received import Office
from custodiet.reports.recount import STATUSES, Period

OFFICE_CODE = "CO-GOV-OLC"


@pytest.fixture
def office_agency(db) -> Agency:
    return Agency.objects.create(
        code=OFFICE_CODE, name="Colorado Governor's Office of Legal Counsel"
    )


@pytest.fixture
def governor(person, office_agency):
    return person("governor", Role.OVERSIGHT, office_agency)


@pytest.fixture
def governor_client(governor, signed_in) -> Client:
    return signed_in(governor)


def write_config(folder: Path, witness_vkey: str, agencies: dict[str, str]) -> Path:
    """oversight.toml in `folder`: the store beside it, the witness, one table per agency."""
    folder.mkdir(parents=True, exist_ok=True)
    tables = "".join(
        f'\n[[agency]]\ncode = "{code}"\nlog_key = "{vkey}"\n' for code, vkey in agencies.items()
    )
    config = folder / "oversight.toml"
    config.write_text(f'store = "accepted"\nwitness_keys = ["{witness_vkey}"]\n{tables}')
    return config


@pytest.fixture
def office(tmp_path, settings) -> Office:
    """An office receiving from the DMV and the State Patrol, with keys made for the test."""
    agencies = {
        code: generate_key(f"{code.lower()}.example/ledger")[1]
        for code in ("CO-DOR-DMV", "CO-CDPS-CSP")
    }
    witness = Witness.generate("witness.governor.example/oversight").verifier.vkey
    config = write_config(tmp_path / "governor", witness, agencies)
    settings.CUSTODIET_OVERSIGHT_CONFIG = config
    return Office.load(config)


def keep(
    office: Office,
    agency: str,
    label: str,
    statuses: dict[str, int],
    *,
    size: int,
    immigration: int = 0,
    exceptions: int = 0,
) -> Path:
    """A report as the office keeps it once accepted: its report.json and checkpoint."""
    period = Period.parse(label)
    requests = sum(statuses.values())
    report: dict[str, Any] = {
        "version": 1,
        "agency": agency,
        "period": period.as_json("America/Denver"),
        "log": {
            "origin": f"{agency.lower()}.example/ledger",
            "size": size,
            "root": base64.b64encode(hashlib.sha256(f"{agency}{size}".encode()).digest()).decode(),
        },
        "counts": {
            "requests": requests,
            "final_status": {status: statuses.get(status, 0) for status in STATUSES},
            "immigration_related": {"yes": immigration, "no": requests - immigration},
        },
        "attestation": None
        if exceptions
        else {"name": "Example Attester", "title": "Designated attester"},
        "exceptions": [{"entry": n, "request": f"R-{n}", "why": "test"} for n in range(exceptions)],
    }
    folder = office.store / agency / label / str(size)
    folder.mkdir(parents=True)
    (folder / "report.json").write_text(json.dumps(report))
    (folder / "checkpoint").write_text(f"{agency.lower()}.example/ledger\n{size}\n")
    return folder


@pytest.fixture
def kept(office) -> Callable[..., Path]:
    return lambda *args, **kwargs: keep(office, *args, **kwargs)
