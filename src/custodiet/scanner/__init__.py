"""The database-access monitor's engine: read access logs, flag what the rules find.

Framework-free (DuckDB, the agency directory and the purpose vocabulary of
`custodiet.policy`), so it runs from the command line, a benchmark or the web application
alike. `custodiet.monitor` stores what it finds for the privacy officer.
"""

from custodiet.scanner.scan import (
    Partner,
    Scan,
    ScanContext,
    ScanError,
    Summary,
    scan,
    show_layout,
)

__all__ = ["Partner", "Scan", "ScanContext", "ScanError", "Summary", "scan", "show_layout"]
