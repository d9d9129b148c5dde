"""Run every benchmark: `python -m bench [name ...]`."""

import sys

from bench import (
    intake,
    ledger,
    ledger_pure,
    load,
    monitor,
    policy,
    report_build,
    reports,
    uploads,
    workbooks,
)

BENCHES = {
    "policy": policy.main,
    "merkle": ledger_pure.main,
    "ledger": ledger.main,
    "monitor": monitor.main,
    "workbooks": workbooks.main,
    "uploads": uploads.main,
    "intake": intake.main,
    "reports": reports.main,
    "report-build": report_build.main,
    "witness": reports.witness_main,
    "load": load.main,
}


def main(argv: list[str]) -> int:
    names = argv or list(BENCHES)
    unknown = [name for name in names if name not in BENCHES]
    if unknown:
        print(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHES)}")
        return 2
    for name in names:
        BENCHES[name]()
    return 0


sys.exit(main(sys.argv[1:]))
