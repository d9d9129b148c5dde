"""CSV cells that a spreadsheet opens as text, never as a formula.

A purpose stated as `=HYPERLINK("http://...")` or `@SUM(...)` would run when the privacy
officer opens the export in a spreadsheet (CSV injection). OWASP's rule: a cell that
begins with `=`, `+`, `-`, `@`, a tab or a carriage return is written with a leading `'`,
which spreadsheets show as text and other programs can strip. Every CSV the application
writes from people's words passes through here; the XLSX export stores text as text.
"""

from __future__ import annotations

from collections.abc import Mapping

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """The value, with a leading `'` if a spreadsheet would read it as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def safe_row(row: Mapping[str, str]) -> dict[str, str]:
    return {name: safe_cell(value) for name, value in row.items()}
