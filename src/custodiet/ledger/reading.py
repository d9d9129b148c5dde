"""Reading and checking a range of the log in a worker process of `custodiet ledger verify`.

Each worker opens its own connection (never one inherited from the process that started
it), reads the entries of its range with their leaves and events, checks them
(`leaf.check_entries`) and sends back only their leaf hashes: the process that started
it hashes the tree and checks the nodes and checkpoints, so no entry crosses between
processes. Entries, leaves and events are insert-only and a range is below the size the
verification started at, so ranges read at different moments are of one log.

Needs no Django: a worker starts afresh and imports this module alone.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from custodiet.ledger.leaf import check_entries

# Where to read: ("postgresql", connection parameters) or ("sqlite", file name).
Source = tuple[str, Any]


def check_range(
    source: Source, sql: str, start: int, stop: int, key: bytes
) -> tuple[tuple[int, str] | None, list[bytes], list[int]]:
    """Check entries [start, stop): the first problem (as `check_entries` gives it), the
    leaf hashes of the entries before it, and the indexes read (to find a missing one)."""
    kind, where = source
    if kind == "postgresql":
        import psycopg

        with psycopg.connect(**where) as database, database.cursor() as cursor:
            # A range is a small part of the log: each entry's leaf and event are found by
            # their indexes, never by hashing whole tables (which a planner may prefer).
            cursor.execute("SET enable_hashjoin = off")
            cursor.execute("SET enable_mergejoin = off")
            # Binary: leaf bytes as they are, not as hexadecimal text to decode.
            cursor.execute(sql, [start, stop], binary=True)
            rows = cursor.fetchall()
    else:
        database = sqlite3.connect(f"file:{where}?mode=ro", uri=True)
        try:
            rows = database.execute(sql.replace("%s", "?"), [start, stop]).fetchall()
        finally:
            database.close()
    indexes = [row[0] for row in rows]
    expected = list(range(start, start + len(rows)))
    if indexes != expected:  # an entry is missing: check up to it, the caller names it
        rows = rows[
            : next(n for n, (a, b) in enumerate(zip(indexes, expected, strict=True)) if a != b)
        ]
    problem, hashes = check_entries(rows, key)
    return problem, hashes, indexes
