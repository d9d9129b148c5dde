"""`custodiet scan FILE...`: flag immigration enforcement and misuse in database-access logs."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from custodiet.accounts.models import Agency
from custodiet.directory.current import current_directory
from custodiet.monitor import actions
from custodiet.monitor.models import CATEGORY_LABELS
from custodiet.monitor.registry import scan_partners
from custodiet.policy.facts.agencies import default_directory
from custodiet.scanner import ScanContext, ScanError, Summary, scan, show_layout
from custodiet.scanner.layouts import FAMILIES, LayoutError, parse_columns
from custodiet.scanner.rules import load_rules


class _Bars:
    """One progress bar per phase of the scan, on standard error when it is a terminal."""

    def __init__(self, enabled: bool) -> None:
        from tqdm import tqdm

        self._tqdm = tqdm
        self._enabled = enabled
        self._bar: Any = None
        self._label = ""

    def __call__(self, label: str, fraction: float | None) -> None:
        if not self._enabled:
            return
        if label != self._label:
            self.close()
            self._label = label
            self._bar = self._tqdm(
                total=100, desc=label, unit="%", leave=False, file=sys.stderr, disable=None
            )
        if fraction is not None and self._bar is not None:
            self._bar.n = round(fraction * 100)
            self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _table(title: str, header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> str:
    """Columns padded to their widest cell; numbers right-aligned, with thousands commas."""
    shown = [
        tuple((f"{cell:,}", True) if isinstance(cell, int) else (str(cell), False) for cell in row)
        for row in rows
    ]
    cells = [tuple((name, False) for name in header), *shown]
    widths = [max(len(text) for text, _ in column) for column in zip(*cells, strict=True)]
    lines = [title]
    for row in cells:
        lines.append(
            "  "
            + "  ".join(
                text.rjust(width) if number else text.ljust(width)
                for (text, number), width in zip(row, widths, strict=True)
            ).rstrip()
        )
    return "\n".join(lines)


def render_summary(summary: Summary) -> str:
    parts = [
        f"{summary.rows:,} accesses read; {summary.flagged_rows:,} flagged "
        f"({summary.flags:,} flags)."
    ]
    rules = {rule.category: rule.id for rule in load_rules().rules}
    rows = []
    for category, n in summary.by_category.items():
        rule = rules[category]
        if rule in summary.by_rule:
            flagged, read = summary.by_rule[rule]
            share = f"{flagged / read:.1%}" if read else "-"
            rows.append((CATEGORY_LABELS[category], rule, n, flagged, read, share))
        else:
            rows.append((CATEGORY_LABELS[category], rule, n, "not checked", "", ""))
    parts.append(
        _table(
            "By category, most serious first (rows each rule flagged, of the rows it could judge):",
            ("category", "rule", "flags", "rows flagged", "of rows", "share"),
            rows,
        )
    )
    agencies: dict[str, dict[str, int]] = {}
    for (label, category), n in summary.by_agency.items():
        agencies.setdefault(label, {})[category] = n
    if agencies:
        ranked = sorted(agencies.items(), key=lambda item: -sum(item[1].values()))
        parts.append(
            _table(
                "By agency (categories by flags):",
                ("agency", "flags", "categories"),
                [
                    (
                        label,
                        sum(counts.values()),
                        ", ".join(f"{CATEGORY_LABELS[c].lower()} {n:,}" for c, n in counts.items()),
                    )
                    for label, counts in ranked[:25]
                ],
            )
        )
        if len(ranked) > 25:
            parts.append(f"  ... and {len(ranked) - 25} more agencies")
    months: dict[str, dict[str, int]] = {}
    for (month, category), n in summary.by_month.items():
        months.setdefault(month, {})[category] = n
    if months:
        parts.append(
            _table(
                "By month:",
                ("month", *(CATEGORY_LABELS[c].lower() for c in CATEGORY_LABELS)),
                [
                    (month, *(counts.get(c, 0) for c in CATEGORY_LABELS))
                    for month, counts in sorted(months.items())
                ],
            )
        )
    if summary.unknown_agencies:
        parts.append(
            _table(
                "Not in the agency directory (add them, or confirm they are unknown):",
                ("organization or ORI", "accesses"),
                [(unknown.label, unknown.accesses) for unknown in summary.unknown_agencies[:50]],
            )
        )
    if not summary.certification_checked:
        parts.append(
            "Uncertified access was not checked: no partner registry (name the agency with "
            "--agency, after `custodiet migrate`)."
        )
    return "\n\n".join(parts)


class Command(BaseCommand):
    help = (
        "Read database-access logs (message-switch logs, plate-reader search audits, or the "
        "canonical layout; CSV, gzip, JSON Lines, Parquet or XLSX) and flag immigration agencies, "
        "immigration reasons and queries, searches without an articulable purpose, third "
        "parties without a current certification, and volume anomalies. Exits 0 whether or "
        "not anything was flagged, 2 when an input cannot be read whole (nothing is written "
        "or imported then)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
        parser.add_argument(
            "--format", choices=FAMILIES, help="the files' layout (default: from the header)"
        )
        parser.add_argument(
            "--columns",
            metavar='CANONICAL="Their Column",...',
            help="map the files' columns by hand, e.g. "
            '--columns occurred_at="When",reason="Why" (the rest are recognised by name)',
        )
        parser.add_argument(
            "--sheet",
            action="append",
            default=[],
            metavar="NAME",
            help="read only this sheet of the XLSX workbooks (repeat for several; default: "
            "every sheet with a header row)",
        )
        parser.add_argument(
            "--show-layout",
            action="store_true",
            help="print the mapping each file would be read with (canonical <- their "
            "column, and the columns kept as is), without scanning",
        )
        parser.add_argument(
            "--out",
            type=Path,
            metavar="FILE.csv|FILE.parquet",
            help="write one row per flag here (default: CSV on standard output, "
            "unless --summary is given)",
        )
        parser.add_argument(
            "--summary", action="store_true", help="print counts by category, agency and month"
        )
        parser.add_argument(
            "--import",
            dest="import_",
            action="store_true",
            help="store the findings in the application for the privacy officer",
        )
        parser.add_argument(
            "--agency",
            metavar="CODE",
            help="whose data the logs show (an agency code, e.g. CO-DOR-DMV); "
            "default: the only agency set up",
        )
        parser.add_argument(
            "--memory-limit", default="1GB", help="DuckDB's memory limit (default 1GB)"
        )
        parser.add_argument("--no-progress", action="store_true", help="show no progress bars")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            columns = parse_columns(options["columns"]) if options["columns"] else {}
        except ValueError as exc:
            raise CommandError(str(exc), returncode=2) from None
        if options["show_layout"]:
            self._show_layouts(options["files"], options["format"], columns, options["sheet"])
            return
        out: Path | None = options["out"]
        if out is not None and out.suffix.lower() not in (".csv", ".parquet"):
            raise CommandError(f"--out: {out} must end in .csv or .parquet", returncode=2)
        agency, partners, note = self._agency(options["agency"], options["import_"])
        if note:
            self.stderr.write(note)
        try:
            directory = current_directory()
        except DatabaseError:
            # No application database: the packaged directory is the one in force.
            directory = default_directory()
        context = ScanContext(
            directory=directory,
            agency_id=agency.code if agency else None,
            partners=scan_partners(agency, directory) if partners else None,
            time_zone=settings.TIME_ZONE,
            memory_limit=options["memory_limit"],
        )
        if options["import_"]:
            assert agency is not None
            readable = [path for path in options["files"] if path.is_file()]
            try:
                actions.refuse_reimport(agency, actions.file_records(readable))
            except actions.AlreadyImported as exc:
                raise CommandError(str(exc), returncode=1) from None
        bars = _Bars(not options["no_progress"])
        try:
            result = scan(
                options["files"],
                family=options["format"],
                columns=columns,
                sheets=options["sheet"],
                context=context,
                progress=bars,
            )
        except ValueError as exc:
            raise CommandError(str(exc), returncode=2) from None
        except ScanError as exc:
            bars.close()
            for problem in exc.problems:
                self.stderr.write(problem)
            raise CommandError(
                "nothing was scanned: the input above cannot be read whole", returncode=2
            ) from None
        with result:
            if out is not None:
                result.write(out)
            elif not options["summary"]:
                result.write_csv_to(self.stdout)
            bars.close()
            summary = result.summary()
            if options["summary"]:
                self.stdout.write(render_summary(summary))
            elif out is not None:
                self.stderr.write(
                    f"{summary.rows:,} accesses read; {summary.flags:,} flags written to {out}"
                )
            if options["import_"]:
                assert agency is not None
                try:
                    stored = actions.import_scan(result, agency=agency, by=_operator())
                except actions.AlreadyImported as exc:
                    raise CommandError(str(exc), returncode=1) from None
                self.stderr.write(
                    f"Imported as scan {stored.pk}: {stored.findings.count():,} findings "
                    f"for {agency.name}."
                )

    def _show_layouts(
        self, files: list[Path], family: str | None, columns: dict[str, str], sheets: list[str]
    ) -> None:
        problems = []
        for path in files:
            if not path.is_file():
                problems.append(f"{path}: no such file")
                continue
            try:
                self.stdout.write(f"{path}\n{show_layout(path, family, columns, sheets)}")
            except LayoutError as exc:
                where = f"{path}:{exc.line}" if exc.line else f"{path}"
                problems.append(f"{where}: {exc}")
            except (OSError, EOFError, ValueError) as exc:
                problems.append(f"{path}: {exc}")
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError("no layout for the input above", returncode=2)

    def _agency(self, code: str | None, required: bool) -> tuple[Agency | None, bool, str]:
        """The agency, whether its registry can be read, and a note when it cannot."""
        try:
            if code:
                agency = Agency.objects.filter(code=code).first()
                if agency is None:
                    raise CommandError(f"--agency: no agency has the code {code!r}", returncode=2)
                return agency, True, ""
            agencies = list(Agency.objects.all()[:2])
        except DatabaseError:
            if required:
                raise CommandError(
                    "--import: the application database is not set up (run custodiet migrate)",
                    returncode=2,
                ) from None
            return None, False, "No application database: uncertified access is not checked."
        if len(agencies) == 1:
            return agencies[0], True, ""
        if required:
            raise CommandError("--import: name the agency with --agency CODE", returncode=2)
        return None, False, ""


def _operator() -> str:
    try:
        return f"command line ({getpass.getuser()})"
    except (KeyError, OSError):
        return "command line"
