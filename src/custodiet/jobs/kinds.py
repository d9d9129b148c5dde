"""Every kind of background job: the function that does it, its title, and who may
start or follow it (a Membership capability). A kind not listed here cannot be run."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    function: str  # "module:function", imported when the job runs
    title: str
    capability: str  # who may see the job's page (of the job's agency)


KINDS: dict[str, Kind] = {
    "ledger-verify": Kind("custodiet.ledger.jobs:verify", "Verify the ledger", "can_read_ledger"),
    "report-build": Kind(
        "custodiet.reports.jobs:build",
        "Build the report for the Governor's office",
        "can_read_reports",
    ),
    "bundle-receive": Kind(
        "custodiet.oversight.jobs:receive", "Check a received report bundle", "can_oversee"
    ),
}
