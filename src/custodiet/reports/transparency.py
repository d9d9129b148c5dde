"""The public transparency report: how many requests the agencies reported to the
Governor's office, by agency, quarter, final status and immigration relation, with the
counts small enough to point at someone withheld.

The figures come only from the reports the office accepted (`custodiet.reports.received`):
for each agency and quarter, the accepted report with the largest log, and its checkpoint,
so that every figure can be checked against the log the witness cosigned. A year is the
sum of its quarters, and all agencies the sum of the agencies. No request, name or row of
a written record is ever read here: only the counts of `report.json`.

Small counts. A figure under `minimum` is shown as "fewer than N", 0 included. Showing 0
as 0 would give figures away: "fewer than 5" would then mean 1 to 4, and four quarters of
"fewer than 5" adding up to a year of "fewer than 5" would each be exactly 1. Only a column
with nothing counted all year (no request withdrawn) shows its zeros, which say nothing of
anyone. The figures add up (the statuses to the requests, the immigration-related and the
others to the same requests, the agencies to all agencies, the quarters to the year), so
a small figure beside published ones could be worked out by subtraction; further figures
are withheld until every figure not shown takes another value in some other table that
agrees with all the page says (`suppress`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from custodiet.records.spreadsheet import safe_cell
from custodiet.reports.received import Office, _accepted
from custodiet.reports.recount import STATUSES, Period, PeriodError

SMALL = "small"  # under the minimum: "fewer than N"
WITHHELD = "withheld"  # the minimum or more, withheld so that a small figure stays unknown
UNPUBLISHED = "unpublished"  # every figure of a year that cannot be protected otherwise

REQUESTS = "requests"
IMMIGRATION = ("immigration_related", "not_immigration_related")
COLUMNS = (REQUESTS, *STATUSES, *IMMIGRATION)
ALL = "all"  # the row key of every agency together
QUARTERS = (1, 2, 3, 4)


# The suppression.

Cell = tuple[str, str, str]  # (agency or ALL, quarter label or the year, column)
Grid = Mapping[tuple[str, str], Mapping[str, int]]  # the figures of each row present
# How many values the search for another table may try for one figure before it counts
# the figure as exposed and withholds one more: a bound on the page's time that can cost
# a figure shown, never a figure given away.
SEARCH_BUDGET = 400

# The ways the columns of a row add up, as moves that keep every sum: one status for
# another; immigration-related for not; or a status, an immigration column and the
# requests together.
_COLUMN_MOVES: list[dict[str, int]] = [
    *({a: 1, b: -1} for a in STATUSES for b in STATUSES if a != b),
    {IMMIGRATION[0]: 1, IMMIGRATION[1]: -1},
    {IMMIGRATION[1]: 1, IMMIGRATION[0]: -1},
    *({s: 1, i: 1, REQUESTS: 1} for s in STATUSES for i in IMMIGRATION),
]


class Unprotectable(Exception):
    """A small figure that can be worked out whatever else is withheld: what the words say
    of the figures around it ("fewer than N", "withheld") is enough."""


@dataclass(frozen=True)
class Sum:
    """A figure of the table that is the sum of others: a reader can subtract."""

    total: Cell
    parts: tuple[Cell, ...]


def sums(grid: Grid, year: str) -> list[Sum]:
    """Every way the figures of the table add up."""
    found = []
    agencies = sorted({a for a, _ in grid if a != ALL})
    quarters = sorted({p for _, p in grid if p != year})
    for agency, period in grid:
        for parts in (STATUSES, IMMIGRATION):
            found.append(Sum((agency, period, REQUESTS), tuple((agency, period, c) for c in parts)))
    for c in COLUMNS:
        for q in quarters:
            if (ALL, q) in grid:
                across = tuple((a, q, c) for a in agencies if (a, q) in grid)
                found.append(Sum((ALL, q, c), across))
        for agency in [*agencies, ALL]:
            if (agency, year) in grid:
                over = tuple((agency, q, c) for q in quarters if (agency, q) in grid)
                found.append(Sum((agency, year, c), over))
        if (ALL, year) in grid:
            years = tuple((a, year, c) for a in agencies if (a, year) in grid)
            found.append(Sum((ALL, year, c), years))
    return found


def suppress(grid: Grid, year: str, minimum: int) -> dict[Cell, str]:
    """The figures not to publish, each SMALL or WITHHELD.

    Every figure under `minimum`, 0 included, is SMALL, but in a column with nothing
    counted all year: that one shows its zeros. Then each figure not published must take
    another value in some other table that agrees with all the page says: every number
    shown, every sum, SMALL as 0 to minimum - 1 (at least 1 for a column's year for all
    agencies, since it would otherwise be a column of zeros) and WITHHELD as minimum or
    more. Such a table is looked for first as a box (`_boxes`) of unpublished figures,
    then by a search (`_other_table`); when there is none, more figures are WITHHELD: the
    corners of the box that withholds the fewest (the fewest totals, then the smallest),
    or else a figure of a sum the figure is in."""
    if minimum <= 1:
        return {}
    values = {(a, p, c): n for (a, p), row in grid.items() for c, n in row.items()}
    counted = {c for c in COLUMNS if grid.get((ALL, year), {}).get(c)}
    hidden = {cell: SMALL for cell, n in values.items() if n < minimum and cell[2] in counted}
    if not hidden:
        return hidden
    bounds = _Bounds(minimum, 2 * max(values.values()) + minimum, year)
    table_sums = sums(grid, year)
    protected: set[Cell] = set()
    waiting = list(hidden)
    while waiting:
        cell = waiting[0]
        if cell in protected:
            waiting.pop(0)
            continue
        boxes = _fitting_boxes(grid, year, cell, values, hidden, bounds)
        free = next((box for new, box in boxes if not new), None)
        if free is not None:
            protected.update(free)
            continue
        other = _other_table(values, table_sums, bounds, hidden, cell)
        if other is not None:
            protected.update(c for c, n in other.items() if n != values[c])
            continue
        if boxes:
            more = min(boxes, key=lambda found: _cost(found[0], values, year))[0]
        else:
            more = [_complement(values, table_sums, bounds, hidden, cell)]
        for new in more:
            hidden[new] = WITHHELD
            waiting.append(new)
    return hidden


@dataclass(frozen=True)
class _Bounds:
    """What the page says of a figure it does not show: the range a reader can be sure of."""

    minimum: int
    ceiling: int  # a table far from the true one is not needed to show a figure is unknown
    year: str

    def of(self, cell: Cell, why: str) -> tuple[int, int]:
        if why == WITHHELD:
            return self.minimum, self.ceiling
        # A column's year for all agencies is 0 only when the column shows its zeros.
        return int(cell[:2] == (ALL, self.year)), self.minimum - 1


def _cost(cells: list[Cell], values: Mapping[Cell, int], year: str) -> tuple[int, int, int]:
    """Fewer figures first; then fewer totals, which a reader misses more; then smaller."""
    levels = sum((a == ALL) + (p == year) + (c == REQUESTS) for a, p, c in cells)
    return len(cells), levels, sum(values[cell] for cell in cells)


def _pairs(which: str, axis: Sequence[str], total: str) -> list[dict[str, int]]:
    """Moves along one axis that keep its sums: one member for another, or a member and
    the total together."""
    if which == total:
        return [{member: 1, total: 1} for member in axis]
    return [{which: 1, other: -1} for other in axis if other != which] + [{which: 1, total: 1}]


def _boxes(grid: Grid, year: str, cell: Cell) -> Iterator[dict[Cell, int]]:
    """Every box through `cell`: a move of 1 along agencies, quarters and columns at once,
    up at some corners and down at the others, which changes no sum of the table."""
    agency, period, column = cell
    agencies = sorted({a for a, _ in grid if a != ALL})
    quarters = sorted({p for _, p in grid if p != year})
    for by_agency in _pairs(agency, agencies, ALL):
        for by_period in _pairs(period, quarters, year):
            for by_column in (move for move in _COLUMN_MOVES if move.get(column) == 1):
                box = {
                    (a, p, c): sa * sp * sc
                    for a, sa in by_agency.items()
                    for p, sp in by_period.items()
                    for c, sc in by_column.items()
                }
                if all((a, p) in grid for a, p, _ in box):
                    yield box


def _fitting_boxes(
    grid: Grid,
    year: str,
    cell: Cell,
    values: Mapping[Cell, int],
    hidden: Mapping[Cell, str],
    bounds: _Bounds,
) -> list[tuple[list[Cell], dict[Cell, int]]]:
    """The boxes through `cell` whose move (one way or the other) keeps every corner what
    the page would say of it, each with the published corners it would withhold."""
    found = []
    for box in _boxes(grid, year, cell):
        for sign in (1, -1):
            new = []
            for corner, step in box.items():
                why = hidden.get(corner, WITHHELD)
                low, high = bounds.of(corner, why)
                if not low <= values[corner] + sign * step <= high:
                    break
                if corner not in hidden:
                    if values[corner] < bounds.minimum:
                        break  # a column's zeros, shown
                    new.append(corner)
            else:
                found.append((new, box))
                break
    return found


def _complement(
    values: Mapping[Cell, int],
    sums: Sequence[Sum],
    bounds: _Bounds,
    hidden: Mapping[Cell, str],
    exposed: Cell,
) -> Cell:
    """A published figure to withhold for `exposed` when no box fits: from the sum of it
    that hides the fewest figures, the one with the fewest totals, the smallest; failing
    any, from the sums of the hidden figures it is tied to, one ring further each time."""
    ring, seen = {exposed}, {exposed}
    while ring:
        near = [s for s in sums if s.total in ring or ring.intersection(s.parts)]
        candidates = [
            (sum(k in hidden for k in (s.total, *s.parts)), _cost([k], values, bounds.year), k)
            for s in near
            for k in (s.total, *s.parts)
            if k not in hidden and values[k] >= bounds.minimum
        ]
        if candidates:
            return min(candidates)[2]
        ring = {k for s in near for k in (s.total, *s.parts) if k in hidden} - seen
        seen |= ring
    raise Unprotectable(exposed)


Ranges = dict[Cell, tuple[int, int]]
Equation = tuple[list[tuple[Cell, int]], int]


class _Exhausted(Exception):
    pass


def _other_table(
    values: Mapping[Cell, int],
    sums: Sequence[Sum],
    bounds: _Bounds,
    hidden: Mapping[Cell, str],
    cell: Cell,
) -> dict[Cell, int] | None:
    """Values of the hidden figures, another at `cell`, that agree with every published
    figure, sum and word shown; None if none is found within the budget.

    Each sum becomes an equation over the hidden figures (parts +1, total -1, published
    figures moved to the constant); bounds are narrowed along the equations, and values
    nearest the true ones are tried first, where another table is likeliest."""
    equations: list[Equation] = []
    for s in sums:
        terms = [(k, 1) for k in s.parts] + [(s.total, -1)]
        unknown = [(k, sign) for k, sign in terms if k in hidden]
        if unknown:
            constant = -sum(sign * values[k] for k, sign in terms if k not in hidden)
            equations.append((unknown, constant))
    ranges = {k: bounds.of(k, why) for k, why in hidden.items()}
    true = {k: values[k] for k in hidden}
    budget = [SEARCH_BUDGET]
    low, high = ranges[cell]
    for side in ((true[cell] + 1, high), (low, true[cell] - 1)):
        if side[0] > side[1]:
            continue
        try:
            found = _search({**ranges, cell: side}, equations, true, budget)
        except _Exhausted:
            return None
        if found is not None:
            return found
    return None


def _narrow(bounds: Ranges, equations: list[Equation]) -> bool:
    """Tighten the bounds along the equations until none changes; False if one empties."""
    changed = True
    while changed:
        changed = False
        for terms, constant in equations:
            least = sum(sign * bounds[k][0 if sign > 0 else 1] for k, sign in terms)
            most = sum(sign * bounds[k][1 if sign > 0 else 0] for k, sign in terms)
            if least > constant or most < constant:
                return False
            for k, sign in terms:
                low, high = bounds[k]
                # sign * x = constant - the other terms, which lie in [rest_low, rest_high].
                rest_low = least - sign * (low if sign > 0 else high)
                rest_high = most - sign * (high if sign > 0 else low)
                if sign > 0:
                    new = (max(low, constant - rest_high), min(high, constant - rest_low))
                else:
                    new = (max(low, rest_low - constant), min(high, rest_high - constant))
                if new[0] > new[1]:
                    return False
                if new != (low, high):
                    bounds[k] = new
                    changed = True
    return True


def _nearest(true: int, low: int, high: int) -> Iterator[int]:
    start = min(max(true, low), high)
    yield start
    for step in range(1, high - low + 1):
        for value in (start + step, start - step):
            if low <= value <= high:
                yield value


def _search(
    bounds: Ranges, equations: list[Equation], true: Mapping[Cell, int], budget: list[int]
) -> dict[Cell, int] | None:
    if not _narrow(bounds, equations):
        return None
    open_ = [k for k, (low, high) in bounds.items() if low < high]
    if not open_:
        return {k: low for k, (low, _) in bounds.items()}
    key = min(open_, key=lambda k: bounds[k][1] - bounds[k][0])
    for value in _nearest(true[key], *bounds[key]):
        budget[0] -= 1
        if budget[0] < 0:
            raise _Exhausted
        found = _search({**bounds, key: (value, value)}, equations, true, budget)
        if found is not None:
            return found
    return None


# The published table.


class TransparencyError(Exception):
    """An accepted report whose figures do not add up, or a year that is not one."""


@dataclass(frozen=True)
class Checkpoint:
    """The log state a quarter's figures rest on, as the accepted report names it."""

    origin: str
    size: int
    root: str  # base64

    @property
    def root_short(self) -> str:
        return self.root[:12]


@dataclass(frozen=True)
class Figure:
    """A figure as published: its number, or the words that stand for it (never both)."""

    value: int | None
    words: str = ""

    def __str__(self) -> str:
        return self.words or str(self.value)


@dataclass(frozen=True)
class Row:
    agency: str  # its code, or ALL
    agency_name: str
    period: str  # "2025-Q3", or "2025" for the year
    figures: dict[str, Figure] | None  # None: no accepted report for the period
    checkpoint: Checkpoint | None  # an agency's quarter only; a sum rests on its rows'

    @property
    def is_year(self) -> bool:
        return "-Q" not in self.period

    @property
    def source(self) -> str:
        if self.figures is None:
            return "not reported"
        if self.checkpoint is not None:
            return "accepted report"
        return "sum of the quarters" if self.is_year else "sum of the agencies"


@dataclass(frozen=True)
class Table:
    year: int
    minimum: int
    rows: list[Row]
    withheld_all: bool = False  # no figure could be shown without giving a small one away

    @property
    def small_words(self) -> str:
        return f"fewer than {self.minimum}"

    def agencies(self) -> list[tuple[str, str, list[Row]]]:
        """(code, name, rows) of each agency, then of all agencies together, in order."""
        grouped: dict[str, list[Row]] = {}
        for row in self.rows:
            grouped.setdefault(row.agency, []).append(row)
        return [(code, rows[0].agency_name, rows) for code, rows in grouped.items()]


def _figures(report: dict[str, Any], agency: str, label: str) -> dict[str, int]:
    counts = report["counts"]
    figures = {REQUESTS: int(counts[REQUESTS])}
    figures.update({s: int(counts["final_status"].get(s, 0)) for s in STATUSES})
    related = counts["immigration_related"]
    figures[IMMIGRATION[0]] = int(related.get("yes", 0))
    figures[IMMIGRATION[1]] = int(related.get("no", 0))
    # The suppression trusts these sums: a report that broke them would make it unsound.
    by_status = sum(figures[s] for s in STATUSES)
    by_relation = sum(figures[c] for c in IMMIGRATION)
    if not by_status == by_relation == figures[REQUESTS]:
        raise TransparencyError(
            f"{agency} {label}: the accepted report's figures do not add up to its requests"
        )
    return figures


def _add(into: dict[str, int], figures: Mapping[str, int]) -> None:
    for column, n in figures.items():
        into[column] = into.get(column, 0) + n


def _gather(
    office: Office, year: int
) -> tuple[
    dict[tuple[str, str], dict[str, int]], dict[tuple[str, str], Checkpoint], dict[str, str]
]:
    """The true figures of every row present, the checkpoints of the agencies' quarters,
    and the agencies' names."""
    figures: dict[tuple[str, str], dict[str, int]] = {}
    checkpoints: dict[tuple[str, str], Checkpoint] = {}
    names: dict[str, str] = {}
    for agency in sorted(office.agencies):
        names[agency] = agency
        for n in QUARTERS:
            label = f"{year}-Q{n}"
            report = _accepted(office, agency, label)
            if report is None:
                continue
            names[agency] = str(report.get("agency_name") or agency)
            found = _figures(report, agency, label)
            figures[(agency, label)] = found
            log = report["log"]
            checkpoints[(agency, label)] = Checkpoint(
                str(log["origin"]), int(log["size"]), str(log["root"])
            )
            _add(figures.setdefault((agency, str(year)), {}), found)
            _add(figures.setdefault((ALL, label), {}), found)
            _add(figures.setdefault((ALL, str(year)), {}), found)
    return figures, checkpoints, names


def build(office: Office, year: int, minimum: int) -> Table:
    """The year's published table: every agency of the office, its quarters and its year,
    then all agencies together."""
    figures, checkpoints, names = _gather(office, year)
    values = {(a, p, c): n for (a, p), row in figures.items() for c, n in row.items()}
    try:
        hidden: dict[Cell, str] = suppress(figures, str(year), minimum)
    except Unprotectable:
        hidden, withheld_all = dict.fromkeys(values, UNPUBLISHED), True
    else:
        withheld_all = False
    words = {SMALL: f"fewer than {minimum}", WITHHELD: "withheld", UNPUBLISHED: "not published"}

    def published(agency: str, period: str) -> dict[str, Figure] | None:
        if (agency, period) not in figures:
            return None
        return {
            c: Figure(None, words[hidden[(agency, period, c)]])
            if (agency, period, c) in hidden
            else Figure(values[(agency, period, c)])
            for c in COLUMNS
        }

    periods = [*(f"{year}-Q{n}" for n in QUARTERS), str(year)]
    rows = [
        Row(code, name, period, published(code, period), checkpoints.get((code, period)))
        for code, name in [*names.items(), (ALL, "All agencies")]
        for period in periods
    ]
    return Table(year, minimum, rows, withheld_all)


def years(office: Office) -> list[int]:
    """The years with an accepted quarterly report of any agency, latest first."""
    found = set()
    for agency in office.agencies:
        home = office.store / agency
        for folder in home.iterdir() if home.is_dir() else []:
            try:
                period = Period.parse(folder.name)
            except PeriodError:
                continue
            if period.kind == "quarter" and _accepted(office, agency, period.label):
                found.add(period.start.year)
    return sorted(found, reverse=True)


def parse_year(text: str) -> int:
    if not re.fullmatch(r"\d{4}", text.strip()):
        raise TransparencyError(f"{text!r} is not a year: write it as 2025")
    try:
        return Period.parse(text.strip()).start.year
    except PeriodError as error:
        raise TransparencyError(str(error)) from None


CSV_FIELDS = (
    "agency",
    "agency_name",
    "period",
    *COLUMNS,
    "figures_from",
    "log_origin",
    "log_size",
    "log_root",
)


def csv_text(table: Table) -> str:
    """The table as CSV, cell for cell what the page shows: words where a figure is withheld."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_FIELDS)
    for row in table.rows:
        shown = [str(row.figures[c]) if row.figures else "not reported" for c in COLUMNS]
        point = row.checkpoint
        cells = [
            row.agency,
            row.agency_name,
            row.period,
            *shown,
            row.source,
            point.origin if point else "",
            str(point.size) if point else "",
            point.root if point else "",
        ]
        writer.writerow([safe_cell(cell) for cell in cells])
    return out.getvalue()
