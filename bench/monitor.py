"""How fast the database-access monitor scans a switch log, and how much memory it holds.

A synthetic Nlets-style switch log (`CUSTODIET_BENCH_MONITOR_ROWS` rows, 10,000,000 by
default) is scanned as `custodiet scan` does it: loaded into DuckDB, every rule run, the
flags written to Parquet and summarised. The baseline, measured in the same run, is DuckDB
counting the same file's records with the scanner's own CSV options: the least any scan
must do. Targets: the scan takes at most twice the baseline, and stays under 2 GB of
memory at 10,000,000 rows.

Each measurement runs in a process of its own, so that its peak memory is its alone:
`python -m bench.monitor --measure bare|load|scan FILE`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.timing import fastest, in_child, met

if TYPE_CHECKING:
    from custodiet.scanner import Partner

ROOT = Path(__file__).resolve().parents[1]
ROWS_VARIABLE = "CUSTODIET_BENCH_MONITOR_ROWS"
DEFAULT_ROWS = 10_000_000
REPEATS = 2
RATIO_TARGET = 2.0
MEMORY_TARGET = 2 << 30

# The synthetic log: a year of queries by the users of a thousand Colorado agencies.
AGENCIES = 1000
USERS = 20_000
FIRST_DAY = dt.date(2024, 7, 1)
DAYS = 365
# Two users each run about 30% of one day's traffic: the spikes the volume rule is for.
SPIKES = ((100, 4242), (250, 17_001))
# VTICE0900 is ICE's Law Enforcement Support Center in the agency directory; the other is
# an immigration office the directory does not know, as real logs will have.
IMMIGRATION_ORIS = ("VTICE0900", "VTICE0900", "VTICE0900", "DCICE0100")
SPECIFIC = (
    "THEFT",
    "TRAFFIC STOP",
    "DUI",
    "ASSAULT",
    "WARRANT SERVICE",
    "BURGLARY",
    "WELFARE CHECK",
    "ACCIDENT",
    "STOLEN VEHICLE",
    "DOMESTIC",
    "FRAUD",
    "MISSING PERSON",
)
VAGUE = ("INV", "TEST", "INVESTIGATION", "SEARCH", "LAW ENFORCEMENT", "POLICE")
IMMIGRATION = ("ICE", "ICE ERO", "IMMIGRATION")
LAST_NAMES = ("DOE", "GARCIA", "SMITH", "NGUYEN", "MARTINEZ", "JOHNSON", "LOPEZ", "BROWN")
FIRST_NAMES = ("JUAN", "MARIA", "JOHN", "ANA", "LUIS", "EMILY", "JOSE", "SARAH")
OFFICERS = ("SGT ROE", "OFC LEE", "DET CRUZ", "CPL KIM")


def rows_wanted() -> int:
    text = os.environ.get(ROWS_VARIABLE, "")
    if not text:
        return DEFAULT_ROWS
    try:
        rows = int(text.replace("_", ""))
    except ValueError:
        raise SystemExit(f"{ROWS_VARIABLE}={text!r}: not a whole number") from None
    if rows < DAYS:
        raise SystemExit(f"{ROWS_VARIABLE}={text!r}: at least {DAYS} rows (a year of days)")
    return rows


def agency_ori(rank: int) -> str:
    """The ORI of the agency with this rank by traffic (rank 0 is Denver PD, CO0160200).

    Colorado ORIs are CO, a three-digit county (64 counties), two digits for the agency
    and 00; the busiest agencies are spread over the counties."""
    spread = (rank * 337 + 143) % AGENCIES
    return f"CO{1 + spread % 64:03d}{spread // 64:02d}00"


def certifications(rank: int) -> tuple[dt.date, ...]:
    """When the agency signed its 24-74-105 certifications: renewed on time for most, none
    for about 3% of agencies, and lapsed half-way through the log for about 4%."""
    if rank % 29 == 28:
        return ()
    if rank % 23 == 22:
        return (dt.date(2024, 1, 15),)
    return (dt.date(2024, 5, 1), dt.date(2025, 4, 20))


def registry() -> tuple[Partner, ...]:
    from custodiet.scanner import Partner

    return tuple(
        Partner(
            name=f"Agency {agency_ori(rank)}",
            directory_id="CO-DENVER-PD" if rank == 0 else "",
            oris=(agency_ori(rank),),
            signed_on=certifications(rank),
        )
        for rank in range(AGENCIES)
        if certifications(rank)
    )


def _sql_list(values: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _pick(values: tuple[str, ...], hashed: str) -> str:
    return f"{_sql_list(values)}[1 + ({hashed} % {len(values)})::INTEGER]"


def generation_sql(path: Path, rows: int) -> str:
    """One COPY: every field drawn from hashes of the row number, so the file is the same
    every run, and times rise through the year as a real log's do."""
    epoch = int(dt.datetime.combine(FIRST_DAY, dt.time(), dt.UTC).timestamp()) * 1_000_000
    year = DAYS * 86_400 * 1_000_000
    oris = _sql_list([agency_ori(rank) for rank in range(AGENCIES)])
    spike_user = " ".join(
        f"WHEN day = {day} AND h1 // {USERS} % 10 < 3 THEN {user}" for day, user in SPIKES
    )
    specific = _pick(SPECIFIC, "h3 // 1000")
    dob = "strftime(DATE '1950-01-01' + ((h4 // 400) % 20000)::INTEGER, '%Y%m%d')"
    name = f"{_pick(LAST_NAMES, 'h4 // 7')} || ', ' || {_pick(FIRST_NAMES, 'h4 // 61')}"
    person = f"'.NAM/' || {name} || '.DOB/' || {dob} || '.SEX/' || {_pick(('M', 'F'), 'h4 // 3')}"
    plate = (
        "chr((65 + h4 % 26)::INTEGER) || chr((65 + (h4 // 26) % 26)::INTEGER) || "
        "chr((65 + (h4 // 676) % 26)::INTEGER) || lpad(((h4 // 17576) % 1000)::VARCHAR, 3, '0')"
    )
    return f"""
    COPY (
      WITH drawn AS (
        SELECT i, hash(i, 1) AS h1, hash(i, 2) AS h2, hash(i, 3) AS h3, hash(i, 4) AS h4,
          i * {DAYS} // {rows} AS day
        FROM range({rows}) t(i)
      ), who AS (
        SELECT *, CASE {spike_user} ELSE h1 % {USERS} END AS user_n, h2 % 10000 AS kind,
          h2 // 10000 % 500 = 0 AS immigrant, h3 % 1000 AS why
        FROM drawn
      ), records AS (
        SELECT i, kind,
          CASE WHEN immigrant THEN {_pick(IMMIGRATION_ORIS, "h1 // 7")}
               ELSE {oris}[1 + floor({AGENCIES} * pow((hash(user_n, 5) % 1000000) / 1e6, 3))::INTEGER]
          END AS ori,
          CASE WHEN immigrant THEN 'ICE' || lpad((h1 % 40)::VARCHAR, 3, '0')
               ELSE 'U' || lpad(user_n::VARCHAR, 5, '0') END AS user_id,
          CASE WHEN why < 30 THEN {_pick(VAGUE, "h3 // 1000")}
               WHEN why < 35 THEN ''
               WHEN why < 40 THEN {_pick(IMMIGRATION, "h3 // 1000")}
               WHEN why < 100 THEN 'CASE 24-' || lpad((h3 % 100000)::VARCHAR, 7, '0')
               ELSE {specific} END AS reason,
          lpad((h4 % 1000000000)::VARCHAR, 9, '0') AS oln, {plate} AS plate,
          {person} AS person, {_pick(OFFICERS, "h3 // 11")} AS officer,
          make_timestamp({epoch} + (i * ({year} / {rows}))::BIGINT) AS occurred
        FROM who
      )
      SELECT strftime(occurred, '%Y-%m-%dT%H:%M:%SZ') AS timestamp, ori, user_id,
        CASE WHEN kind < 200 THEN 'IAQ.' || ori || '.AX.TXT PUR/C.ATN/' || officer || person
             WHEN kind < 700 THEN 'DNQ.' || ori || '.CO.TXT RSN/' || reason || person
             WHEN kind < 5200 THEN 'DQ.' || ori || '.CO.TXT RSN/' || reason || '.OLN/' || oln
             WHEN kind < 7600 THEN 'RQ.' || ori || '.CO.TXT RSN/' || reason || '.LIC/' || plate || '.LIT/PC'
             ELSE 'RQ.' || ori || '.CO.TXT.LIC/' || plate || '.LIT/PC' END AS message
      FROM records
    ) TO '{str(path).replace("'", "''")}' (HEADER, DELIMITER ',')
    """


# In the measuring process -----------------------------------------------------------------


def _peak_memory() -> int:
    """This process's peak resident memory, in bytes.

    From /proc's VmHWM where there is one: Linux carries the parent's peak into a child's
    ru_maxrss across exec (subprocess starts children with vfork), so a `make bench` that
    held a lot earlier would inflate every measurement."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def _generate(path: Path, rows: int) -> dict[str, Any]:
    import duckdb

    duckdb.connect().execute(generation_sql(path, rows))
    return {}


def _reader(path: Path) -> str:
    """The scanner's CSV options for a switch log (scan.py `_load`), without the rejects
    table."""
    columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(4))
    quoted = str(path).replace("'", "''")
    return (
        f"read_csv('{quoted}', header = true, auto_detect = false, columns = {{{columns}}}, "
        "delim = ',', quote = '\"', escape = '\"', strict_mode = true, "
        "compression = 'auto', encoding = 'utf-8', max_line_size = 1048576)"
    )


def _bare(path: Path, rows: int) -> dict[str, Any]:
    import duckdb

    con = duckdb.connect()
    started = time.perf_counter()
    (counted,) = con.execute(f"SELECT count(*) FROM {_reader(path)}").fetchone()  # type: ignore[misc]
    return {"seconds": time.perf_counter() - started, "rows": counted}


def _load(path: Path, rows: int) -> dict[str, Any]:
    """Every column read into a table of a database file, as the scan's first step does."""
    import duckdb

    with tempfile.TemporaryDirectory() as folder:
        con = duckdb.connect(str(Path(folder) / "load.duckdb"))
        con.execute("SET memory_limit = '1GB'")
        started = time.perf_counter()
        con.execute(f"CREATE TABLE raw AS SELECT * FROM {_reader(path)}")
        seconds = time.perf_counter() - started
        con.close()
    return {"seconds": seconds}


def _scan(path: Path, rows: int) -> dict[str, Any]:
    from custodiet.scanner import ScanContext, scan

    # (label, start, end) of each phase the scan reports, in the order they start.
    spans: dict[str, list[float]] = {}

    def progress(label: str, fraction: float | None) -> None:
        now = time.perf_counter()
        span = spans.setdefault(label, [now, now])
        if fraction == 1.0:
            span[1] = now

    context = ScanContext(agency_id="CO-DOR-DMV", partners=registry())
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        with scan([path], context=context, progress=progress) as result:
            result.write(Path(folder) / "flags.parquet")
            progress("summary()", 0.0)
            summary = result.summary()
            progress("summary()", 1.0)
        finished = time.perf_counter()
    return {
        "seconds": finished - started,
        "rows": summary.rows,
        "flagged_rows": summary.flagged_rows,
        "by_category": summary.by_category,
        "phases": _phases(started, spans, finished),
    }


def _phases(started: float, spans: dict[str, list[float]], finished: float) -> list[list[Any]]:
    """Seconds in each reported phase, and in the work between them that reports nothing."""
    phases: list[list[Any]] = []
    previous, last = "start", started
    for label, (start, end) in [*spans.items(), ("end", [finished, finished])]:
        if start - last > 0.05:
            phases.append([f"between {previous!r} and {label!r}", start - last])
        if label != "end":
            phases.append([label, end - start])
        previous, last = label, end
    return phases


MEASURES = {"generate": _generate, "bare": _bare, "load": _load, "scan": _scan}


def measure(task: str, path: Path, rows: int) -> None:
    result = MEASURES[task](path, rows)
    result["peak"] = _peak_memory()
    print(json.dumps(result))


# The driver ---------------------------------------------------------------------------------


def _run(task: str, path: Path, rows: int = 0) -> dict[str, Any]:
    return in_child("bench.monitor", "--measure", task, path, "--rows", rows)


def _best(task: str, path: Path) -> dict[str, Any]:
    return fastest([_run(task, path) for _ in range(REPEATS)])


def _megabytes(size: int) -> str:
    return f"{size / (1 << 20):,.0f} MB"


def main() -> None:
    rows = rows_wanted()
    with tempfile.TemporaryDirectory(prefix="custodiet-bench-") as folder:
        path = Path(folder) / "switch.csv"
        started = time.perf_counter()
        _run("generate", path, rows)
        generated = time.perf_counter() - started
        print(
            f"monitor: switch log of {rows:,} rows ({_megabytes(path.stat().st_size)} CSV, "
            f"made in {generated:.1f} s), {AGENCIES:,} agencies, {USERS:,} users, "
            f"{os.cpu_count()} cores, best of {REPEATS}"
        )
        bare = _best("bare", path)
        load = _best("load", path)
        scanned = _best("scan", path)
    assert bare["rows"] == scanned["rows"] == rows, "the scan and DuckDB read different rows"

    def row(label: str, run: dict[str, Any], extra: str) -> None:
        seconds = run["seconds"]
        print(
            f"  {label:<46} {seconds:7.2f} s  {rows / seconds:>11,.0f} rows/s  "
            f"peak {_megabytes(run['peak']):>8}  {extra}"
        )

    row("baseline: DuckDB count(*), the scanner's options", bare, "1.0x")
    row(
        "DuckDB reading it into a table (information)",
        load,
        f"{load['seconds'] / bare['seconds']:.1f}x",
    )
    ratio = scanned["seconds"] / bare["seconds"]
    row("scan: rules, flags to Parquet, summary", scanned, f"{ratio:.1f}x")
    print(
        f"  ratio scan/baseline: {ratio:.1f} (target <= {RATIO_TARGET:g}: {met(ratio <= RATIO_TARGET)})"
    )
    peak = scanned["peak"]
    print(
        f"  peak memory of the scan: {_megabytes(peak)} "
        f"(target < {_megabytes(MEMORY_TARGET)} at {DEFAULT_ROWS:,} rows: {met(peak < MEMORY_TARGET)})"
    )
    print("  where the scan's time goes (its fastest run):")
    for name, seconds in scanned["phases"]:
        print(f"    {name:<60} {seconds:7.2f} s  {seconds / scanned['seconds']:4.0%}")
    print(
        f"  flags: {sum(scanned['by_category'].values()):,} on {scanned['flagged_rows']:,} rows: "
        + ", ".join(f"{name} {count:,}" for name, count in scanned["by_category"].items())
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--measure", choices=MEASURES, help="run one measurement on FILE")
    parser.add_argument("file", nargs="?", type=Path)
    parser.add_argument("--rows", type=int, default=0, help="rows to generate (--measure generate)")
    args = parser.parse_args()
    if args.measure:
        measure(args.measure, args.file, args.rows)
    else:
        main()
