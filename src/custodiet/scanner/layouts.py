"""The access-log layouts the monitor reads, recognised by their header.

Each layout names its columns as the file writes them, and says how each one maps onto the
canonical access record (`CANONICAL`) as a DuckDB SQL expression over the raw text
columns `c0, c1, ...`. The raw columns are kept as they were read, because a flagged row is
reported with every original column unchanged.

The canonical layout is the project's own: any system's log converted to these columns can
be scanned with `--format canonical` (CSV, JSON Lines or Parquet).

Any other header is read by what its columns mean (`recognise`): their names, folded, are
looked up in columns.toml, and a header that cannot be mapped is refused with the
`--columns` option that would map it.
"""

from __future__ import annotations

import codecs
import csv
import functools
import gzip
import io
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# The canonical access record: (column, meaning). `occurred_at` is required; the rest may be
# empty where a system does not record them.
CANONICAL: tuple[tuple[str, str], ...] = (
    ("occurred_at", "when the query or search ran: ISO 8601, with or without an offset"),
    ("system", "the system the log comes from: switch, alpr, or another name"),
    ("ori", "the accessing agency's 9-character Originating Agency Identifier"),
    ("organization", "the accessing agency's name as the system records it"),
    ("user_id", "the account that ran the query"),
    ("query_type", "message key or search type: DQ, RQ, IAQ, plate search, ..."),
    ("destination", "where the message went: a state code, AX for ICE's LESC, ..."),
    ("subject", "what was looked up: a plate, a licence number, a name"),
    ("reason", "the stated reason or purpose, as written"),
    ("case_number", "the case or incident number given with the query"),
    ("offense_type", "the offence the search is for, where the system asks for one"),
    ("hotlist", "the hotlist or alert list the search or alert concerns, where there is one"),
)
CANONICAL_COLUMNS = tuple(name for name, _ in CANONICAL)

# Timestamps as the known systems write them, tried in order after ISO 8601, once their
# commas are dropped ("11/14/2025, 09:53:36 AM", "Jun 18, 2025, 10:20 AM"). Each is also
# tried with fractions of a second, and with a UTC offset after it (`time_sql`).
TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%b %d %Y %I:%M:%S %p",
    "%b %d %Y %I:%M %p",
)


@dataclass(frozen=True, slots=True)
class Names:
    """columns.toml: the names exports give each canonical column, and the zone words."""

    canonical: dict[str, str]  # folded name -> canonical column
    kept: frozenset[str]  # folded names of columns known to be kept as they are
    cues: dict[str, tuple[str, ...]]  # canonical column -> words hinting at it
    zones: dict[str, str]  # zone word (upper case) -> UTC offset


def fold(name: str) -> str:
    """A column name without case, spaces, underscores or punctuation: how names compare."""
    return "".join(ch for ch in name.casefold() if ch.isalnum())


@functools.cache
def names() -> Names:
    with (Path(__file__).with_name("columns.toml")).open("rb") as handle:
        data = tomllib.load(handle)
    canonical: dict[str, str] = {}
    for column, spellings in data["canonical"].items():
        if column not in CANONICAL_COLUMNS:
            raise ValueError(f"columns.toml: {column!r} is not a canonical column")
        for spelling in [column, *spellings]:
            if canonical.setdefault(fold(spelling), column) != column:
                raise ValueError(f"columns.toml: {spelling!r} names two columns")
    return Names(
        canonical=canonical,
        kept=frozenset(fold(n) for n in data["kept"]["names"]),
        cues={column: tuple(words) for column, words in data["cues"].items()},
        zones={word.upper(): offset for word, offset in data["zones"].items()},
    )


def time_sql(expr: str) -> str:
    """A DuckDB expression reading `expr` as an instant (TIMESTAMPTZ), NULL when it cannot.

    The session's TimeZone is the agency's: a time with an offset, "Z" or a zone word
    (columns.toml) is that instant, a time without one is read as the agency's wall-clock
    time.
    """
    # Formats that fail cost as much as the one that reads, and regular expressions more:
    # the fractions come after every plain format, and only a time that ends in an offset
    # or a zone word is tried with the formats that end in an offset.
    plain = [*TIME_FORMATS, *(f.replace("%S", "%S.%f") for f in TIME_FORMATS if "%S" in f)]
    zoned = _sql_list([f"{f} %z" for f in plain])
    text = f"trim({expr})"
    bare = f"replace({text}, ',', '')"
    last = f"upper(split_part({bare}, ' ', -1))"
    # A map, not a CASE: CASE x WHEN ... works x out again for every WHEN.
    zones = ", ".join(f"'{w}': '{o}'" for w, o in names().zones.items())
    offset = f"MAP {{{zones}}}[{last}]"
    before_last = f"rtrim(left({bare}, length({bare}) - length({last})))"
    return (
        f"coalesce(try_cast({text} AS TIMESTAMPTZ), CASE "
        f"WHEN {offset} IS NOT NULL THEN try_strptime({before_last} || ' ' || {offset}, {zoned}) "
        f"WHEN left({last}, 1) IN ('+', '-') THEN try_strptime({bare}, {zoned}) "
        f"ELSE try_strptime({bare}, {_sql_list(plain)})::TIMESTAMPTZ END)"
    )


def _sql_list(items: Sequence[str]) -> str:
    return "[" + ", ".join(f"'{item}'" for item in items) + "]"


# Switch messages: KEY.SENDER_ORI.DESTINATION.TXT FIELD/value.FIELD/value... Each is read
# by two regular expressions, once: its head, and its reason (RSN/ or PUR/), which a
# message need not carry at all. A reason runs to the next ".FIELD/" or the end, so the
# dots it holds stay in it ("RSN/I.C.E. DETAINER", "RSN/ASSIST U.S. IMMIGRATION").
_HEAD = r"^\s*([A-Za-z][A-Za-z0-9]{0,7})\.([A-Za-z0-9]{9})\.([^. ]*)"
_REASON = r"[. ](RSN|PUR)/(.*?)(?:\.[A-Z][A-Z0-9]{1,4}/|$)"


@dataclass(frozen=True, slots=True)
class Layout:
    """One log layout: its header and how its columns become an access record."""

    name: str
    family: str  # what --format calls it: switch, alpr or canonical
    title: str
    header: tuple[str, ...]
    # canonical column -> SQL over c0..cN and the prelude; columns not named are NULL.
    mapping: dict[str, str]
    # Values computed once per row, before the mapping reads them: name -> SQL over c0..cN.
    prelude: dict[str, str] = field(default_factory=dict)
    # Row checks on the access record (beyond a readable time): (SQL true for a
    # malformed row, the problem in words).
    checks: tuple[tuple[str, str], ...] = ()
    # The reason field was present (even if empty): whether to judge it at all.
    reason_given: str = "true"


def _switch() -> Layout:
    return Layout(
        name="switch",
        family="switch",
        title="message-switch log (timestamp, ori, user_id, message)",
        header=("timestamp", "ori", "user_id", "message"),
        prelude={
            "head": f"regexp_extract(c3, '{_HEAD}', ['key', 'ori', 'destination'])",
            "stated": f"regexp_extract(c3, '{_REASON}', ['field', 'value'])",
        },
        mapping={
            "occurred_at": time_sql("c0"),
            "system": "'switch'",
            "ori": "upper(trim(c1))",
            "user_id": "trim(c2)",
            "query_type": "nullif(upper(head.key), '')",
            "sender_ori": "upper(head.ori)",
            "destination": "nullif(upper(head.destination), '')",
            "reason": "nullif(stated.value, '')",
        },
        checks=(
            (
                "NOT regexp_full_match(ori, '[A-Z0-9]{9}')",
                "column 'ori': not a 9-character ORI",
            ),
            (
                "query_type IS NULL",
                "column 'message': does not start KEY.ORI. (for example DQ.CO0010000.CO.TXT)",
            ),
        ),
        reason_given="stated.field <> ''",
    )


def _alpr_simple() -> Layout:
    return Layout(
        name="alpr-5",
        family="alpr",
        title="plate-reader search audit, 5 columns (id, userId, searchDate, cameraCount, reason)",
        header=("id", "userid", "searchdate", "cameracount", "reason"),
        mapping={
            "occurred_at": time_sql("c2"),
            "system": "'alpr'",
            "user_id": "trim(c1)",
            "query_type": "'search'",
            "reason": "c4",
        },
    )


def _alpr_full(name: str, title: str, header: tuple[str, ...]) -> Layout:
    def col(label: str) -> str:
        return f"c{header.index(label)}"

    return Layout(
        name=name,
        family="alpr",
        title=title,
        header=header,
        mapping={
            "occurred_at": time_sql(col("search time")),
            "system": "'alpr'",
            "organization": f"trim({col('org name')})",
            "user_id": f"trim({col('name')})",
            "query_type": f"trim({col('search type')})",
            "subject": f"trim({col('license plate')})",
            "reason": col("reason"),
            "case_number": f"trim({col('case #')})",
        },
    )


_COMMON = ("id", "name", "org name", "total networks searched")
LAYOUTS: tuple[Layout, ...] = (
    _switch(),
    _alpr_simple(),
    _alpr_full(
        "alpr-13",
        "plate-reader search audit, 13 columns (ID, Name, Org Name, ..., Moderation)",
        (
            *_COMMON,
            "time frame",
            "license plate",
            "reason",
            "case #",
            "filters",
            "search time",
            "search type",
            "text prompt",
            "moderation",
        ),
    ),
    _alpr_full(
        "alpr-federal",
        "plate-reader federal-searches export (ID, Name, Org Name, ..., Search Type)",
        (
            *_COMMON,
            "license plate",
            "reason",
            "case #",
            "filters",
            "search time",
            "search type",
        ),
    ),
    Layout(
        name="canonical",
        family="canonical",
        title="Custodiet's canonical access layout (" + ", ".join(CANONICAL_COLUMNS) + ")",
        header=CANONICAL_COLUMNS,
        mapping={
            name: (time_sql(f"c{i}") if name == "occurred_at" else f"trim(c{i})")
            for i, name in enumerate(CANONICAL_COLUMNS)
        }
        | {"ori": "upper(trim(c2))", "reason": "c8"},
    ),
)
FAMILIES = ("switch", "alpr", "canonical")


class LayoutError(ValueError):
    """The file's header matches no layout (or not the one asked for); `line` when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def normalise(name: str) -> str:
    return " ".join(name.strip().lower().split())


def match(
    header: Sequence[str], family: str | None = None, columns: Mapping[str, str] | None = None
) -> Layout:
    """The layout of a file with this header: a known one whose columns are exactly
    `header` (case and spacing aside), else its columns recognised by name (`recognise`),
    with `columns` (canonical -> their column, from --columns) named by hand."""
    if columns:
        if family == "switch":
            raise LayoutError("--columns: a message-switch log has a layout of its own")
        return recognise(header, family, columns)
    names = tuple(normalise(h) for h in header)
    candidates = [lay for lay in LAYOUTS if family is None or lay.family == family]
    for layout in candidates:
        if names == layout.header:
            return layout
    # The canonical layout may leave out its optional columns, order them freely, and
    # carry columns of its own, which are kept as they are but not read.
    if family in (None, "canonical") and "occurred_at" in names and len(set(names)) == len(names):
        try:
            return canonical_subset(names)
        except _Ambiguous:
            return recognise(header, family, {})
    if family != "switch":
        return recognise(header, family, {})
    wanted = "; ".join(f"{lay.name}: {', '.join(lay.header)}" for lay in candidates)
    raise LayoutError(f"the header ({', '.join(header)}) matches no known layout ({wanted})")


def canonical_subset(header: tuple[str, ...]) -> Layout:
    """The canonical layout for a file holding some of its columns, in any order, spelt as
    any export spells them ("casenumber", "Offense Type"), and maybe columns of its own
    (kept as they are, not read)."""
    table = names().canonical
    meanings = [table.get(fold(name)) for name in header]
    found = [meaning for meaning in meanings if meaning is not None]
    if len(found) != len(set(found)):
        # Two columns of one meaning: recognise() refuses the header, naming them.
        raise _Ambiguous
    mapping = {meaning: _column_sql(meaning, i) for i, meaning in enumerate(meanings) if meaning}
    return Layout(
        name="canonical",
        family="canonical",
        title=LAYOUTS[-1].title,
        header=header,
        mapping=mapping,
        # A log that records no reason is not a log of searches without one.
        reason_given="true" if "reason" in mapping else "false",
    )


class _Ambiguous(Exception):
    pass


# A header recognised by name must give these: when an access happened, and the reason
# stated, which is what a search audit is read for (an alert log, read for its hotlists,
# needs only the time). A reason column the table does not know
# must not be read as "no reason given"; named by hand, only the time is required.
REQUIRED = ("occurred_at", "reason")


def recognise(header: Sequence[str], family: str | None, columns: Mapping[str, str]) -> Layout:
    """The header's columns mapped onto the canonical ones by their names (columns.toml),
    `columns` (canonical -> their column) first; the rest are kept as they are."""
    table = names()
    sources: dict[str, int] = {}
    for canonical, theirs in columns.items():
        if canonical not in CANONICAL_COLUMNS:
            raise LayoutError(
                f"--columns: {canonical!r} is not a canonical column "
                f"({', '.join(CANONICAL_COLUMNS)})"
            )
        found = [i for i, h in enumerate(header) if h == theirs] or [
            i for i, h in enumerate(header) if fold(h) == fold(theirs)
        ]
        if not found:
            raise LayoutError(
                f"--columns: {canonical}={theirs!r}: the header has no column {theirs!r} "
                f"(its columns: {', '.join(header)})"
            )
        sources[canonical] = found[0]
    named = set(sources.values())
    seen: dict[str, list[int]] = {}
    unknown: list[str] = []
    for i, column in enumerate(header):
        if i in named:
            continue
        meaning = table.canonical.get(fold(column))
        if meaning is None:
            if fold(column) not in table.kept:
                unknown.append(column)
        elif meaning not in sources:
            seen.setdefault(meaning, []).append(i)
    ambiguous = {c: found for c, found in seen.items() if len(found) > 1}
    sources |= {c: found[0] for c, found in seen.items() if len(found) == 1}
    # An alert log is read for its hotlists: it may have no reason to give.
    required = REQUIRED[:1] if columns or "hotlist" in sources else REQUIRED
    missing = [c for c in required if c not in sources]
    if missing or ambiguous:
        raise LayoutError(_unmapped(header, sources, missing, ambiguous, unknown))
    kind = family or "alpr"
    mapping = {c: _column_sql(c, i) for c, i in sources.items()}
    if "system" not in mapping and kind == "alpr":
        mapping["system"] = "'alpr'"
    return Layout(
        name="recognised",
        family=kind,
        title="columns recognised by name",
        header=tuple(normalise(h) for h in header),
        mapping=mapping,
        reason_given="true" if "reason" in sources else "false",
    )


def _column_sql(canonical: str, index: int) -> str:
    if canonical == "occurred_at":
        return time_sql(f"c{index}")
    if canonical == "ori":
        return f"upper(trim(c{index}))"
    if canonical == "reason":
        return f"c{index}"
    return f"trim(c{index})"


def _unmapped(
    header: Sequence[str],
    sources: Mapping[str, int],
    missing: Sequence[str],
    ambiguous: Mapping[str, Sequence[int]],
    unknown: Sequence[str],
) -> str:
    """The one message for a header that cannot be mapped, with the option that would."""
    recognised = (
        ", ".join(f"{c} <- {header[sources[c]]}" for c in CANONICAL_COLUMNS if c in sources)
        or "nothing"
    )
    lines = [
        f"the header ({', '.join(header)}) matches no known layout and its columns cannot be "
        "mapped by name",
        f"  recognised: {recognised}",
    ]
    if missing:
        lines.append(f"  missing: {', '.join(missing)}")
    for canonical, found in ambiguous.items():
        lines.append(f"  ambiguous: {canonical} could be {' or '.join(header[i] for i in found)}")
    if unknown:
        lines.append(f"  not recognised: {', '.join(unknown)}")
    suggestion: dict[str, str] = {}
    free = list(unknown)
    for canonical in missing:
        cues = names().cues.get(canonical, ())
        guess = next((u for u in free if any(cue in fold(u) for cue in cues)), None)
        if guess is None and len(missing) == 1 and len(free) == 1:
            guess = free[0]
        if guess is not None:
            free.remove(guess)
        suggestion[canonical] = guess or "Their Column"
    for canonical, found in ambiguous.items():
        suggestion[canonical] = header[found[0]]
    option = ",".join(f'{c}="{theirs}"' for c, theirs in suggestion.items())
    lines.append(f"  map it by hand: --columns {option}")
    return "\n".join(lines)


def parse_columns(text: str) -> dict[str, str]:
    """--columns "canonical=Their Column,...": their names may hold commas and spaces."""
    mapping: dict[str, str] = {}
    for part in re.split(r",\s*(?=[A-Za-z_]+\s*=)", text.strip()):
        canonical, equals, theirs = part.partition("=")
        canonical, theirs = canonical.strip(), theirs.strip().strip('"').strip()
        if not equals or not theirs:
            raise ValueError(f"--columns: {part!r} is not canonical=Their Column")
        if canonical not in CANONICAL_COLUMNS:
            raise ValueError(
                f"--columns: {canonical!r} is not a canonical column "
                f"({', '.join(CANONICAL_COLUMNS)})"
            )
        if canonical in mapping:
            raise ValueError(f"--columns: {canonical!r} is named twice")
        mapping[canonical] = theirs
    return mapping


def describe(layout: Layout, header: Sequence[str]) -> str:
    """The mapping a scan would use: canonical <- their column, and the columns kept."""
    used: set[int] = set()
    lines = [f"layout: {layout.name} ({layout.title})"]
    for canonical in CANONICAL_COLUMNS:
        sql = layout.mapping.get(canonical)
        if sql is None:
            continue
        # A value the mapping reads through the prelude reads the prelude's columns.
        read = [sql, *(p for n, p in layout.prelude.items() if re.search(rf"\b{n}\.", sql))]
        indices = sorted({int(n) for text in read for n in re.findall(r"\bc(\d+)\b", text)})
        used.update(indices)
        if indices:
            lines.append(f"  {canonical} <- {', '.join(header[i] for i in indices)}")
        else:
            lines.append(f"  {canonical} = {sql}")
    kept = [column for i, column in enumerate(header) if i not in used]
    lines.append(f"kept as is: {', '.join(kept) or 'none'}")
    return "\n".join(lines)


def is_gzip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(2) == b"\x1f\x8b"


def opener(path: Path) -> io.BufferedIOBase:
    """The file's bytes, decompressed when it is gzip (known by its magic number)."""
    raw = path.open("rb")
    if raw.read(2) == b"\x1f\x8b":
        raw.seek(0)
        return gzip.GzipFile(fileobj=raw)
    raw.seek(0)
    return raw


def read_header(path: Path) -> list[str]:
    """The first record of a CSV file: its column names (BOM and gzip handled)."""
    with opener(path) as handle:
        head = handle.read(1 << 16)
    if head.startswith(codecs.BOM_UTF8):
        head = head[len(codecs.BOM_UTF8) :]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A cut in the middle of a character at the end of the block is not an error.
        text = head[: exc.start].decode("utf-8")
        if exc.start < len(head) - 4:
            line = head[: exc.start].count(b"\n") + 1
            raise LayoutError("not UTF-8 text", line) from None
    if "\x00" in text:
        raise LayoutError(
            "binary data, not text (is it a CSV, JSON Lines, Parquet or XLSX file?)", 1
        )
    try:
        first = next(csv.reader(io.StringIO(text, newline="")), None)
    except csv.Error as exc:
        raise LayoutError(f"the header cannot be read as CSV ({exc})", 1) from None
    if not first or not any(cell.strip() for cell in first):
        raise LayoutError("no header (the file is empty)", 1)
    return first


def is_parquet(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) == b"PAR1"


def is_json_lines(path: Path) -> bool:
    with opener(path) as handle:
        head = handle.read(64).lstrip(codecs.BOM_UTF8).lstrip()
    return head.startswith(b"{")
