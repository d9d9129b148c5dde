"""Reasons quoted from real plate-reader audits, read in context through `custodiet scan`.

Every immigration agency a reason names counts, in the role the reader gives it; the same
cues that keep an assault on an ICE officer from being enforcement keep an assault on an
HSI agent from being one.
"""

from __future__ import annotations

import pytest

from . import logs
from .conftest import custodiet_scan, flags_of, read_output

pytestmark = pytest.mark.django_db

# (reason, whether it is an immigration reason)
REASONS = [
    ("Fugitive DEA and HSI", True),
    ("DEA/HSI", True),
    ("Assist FBI with HSI case", True),
    ("h.s.i. case 25-114", True),
    ("locate alien", True),
    ("removal case", True),
    ("ICE target", True),
    ("Impersonation of an ICE officer", False),
    ("assault on HSI agent", False),
    ("not for HSI", False),
    ("DEA case 25-114", False),
    ("stolen vehicle, case 25-0042", False),
]


def test_each_agency_a_reason_names_counts_in_its_role(tmp_path):
    log = tmp_path / "audit.csv"
    rows = [logs.alpr5_row(n, f"user{n}", reason) for n, (reason, _) in enumerate(REASONS)]
    starts = logs.write_csv(log, logs.ALPR5_HEADER, rows)
    out = tmp_path / "flags.csv"

    ran = custodiet_scan(log, "--out", out)

    assert ran.code == 0, ran.stderr
    flagged = {line for line, category in flags_of(read_output(out)[1]) if category == logs.REASON}
    expected = {starts[n] for n, (_, immigration) in enumerate(REASONS) if immigration}
    assert flagged == expected, {REASONS[starts.index(line)][0] for line in flagged ^ expected}
