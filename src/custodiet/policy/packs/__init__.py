"""Policy packs: the rules of a jurisdiction as data a lawyer can read.

A pack is a folder of TOML files: `pack.toml` holds the pack's identity, its time zone,
its baseline and its terms; every other file is a layer (a law or a guidance, in force from
a date) with its rules. The law in force is chosen by the calendar date on which the
agency received the request, in the pack's time zone (contract 1.1). Conditions are expressions over named facts, evaluated by `simpleeval`, so a
rule can say no more than a comparison, `and`, `or`, `not` and `in`. Everything is
checked when the pack loads: an unknown fact, an effect outside the vocabulary, a rule
without a citation all fail with the file and the rule's id in the message.
"""

from __future__ import annotations

import ast
import datetime as dt
import functools
import tomllib
import zoneinfo
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import CodeType
from typing import Any

from simpleeval import EvalWithCompoundTypes

from custodiet.policy.facts.gather import AGENCY_KINDS, FACTS
from custodiet.policy.model import OBLIGATIONS, OUTCOMES, RECORDS, Request

PACKS_DIR = Path(__file__).resolve().parent
# Terms several packs share ("immigration purpose"), one file each, named in a pack's
# `terms = [...]`.
TERMS_DIR = PACKS_DIR / "terms"
# "report" rules say whether a reporting law counts the request (`reportable = true` or
# `false`); they decide nothing about disclosure.
EFFECTS = (*OUTCOMES, "withhold", "obligation", "report")
# Facts a duty rule may read that exist only once the decision rules have run.
LATE_FACTS = {
    "outcome": "The outcome the decision rules reached: refuse, legal_review or eligible."
}
_FAR_FUTURE = dt.date(9999, 12, 31)


class PackError(ValueError):
    """A pack that cannot be loaded; the message names the file and the rule."""


# The expression forms a condition may use. simpleeval checks a condition when the pack
# loads (its own syntax and safety rules, then a dry run); the checked tree is compiled
# and run by CPython, which measured several times faster than simpleeval's tree walk
# (`make bench`). With no calls, attributes, subscripts or builtins, a condition can only
# read the facts it is given.
_ALLOWED_NODES = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub,
    ast.Compare, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn,
    ast.Is, ast.IsNot, ast.Name, ast.Load, ast.Constant, ast.Tuple, ast.List, ast.IfExp,
    ast.BinOp, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod,
)  # fmt: skip
_NO_BUILTINS: dict[str, Any] = {"__builtins__": {}}


@dataclass(frozen=True)
class Condition:
    """A checked expression over named facts, compiled once."""

    source: str
    code: CodeType
    names: frozenset[str]

    def evaluate(self, names: Mapping[str, Any]) -> Any:
        return eval(self.code, _NO_BUILTINS, names)  # noqa: S307 - checked tree, no builtins


@dataclass(frozen=True)
class Term:
    """A named idea over facts, with what it means when it holds and when it does not."""

    name: str
    when: Condition
    means: str
    means_not: str
    means_es: str = ""
    means_not_es: str = ""

    def meaning(self, value: bool, language: str = "en") -> str:
        if language == "es":
            return (self.means_es if value else self.means_not_es) or self.meaning(value)
        return self.means if value else self.means_not


@dataclass(frozen=True)
class Addendum:
    """A sentence a rule's explanation carries only when its condition holds for the request."""

    when: Condition
    text: str
    text_es: str = ""


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    citation: str
    effect: str
    when: Condition
    explanation: str
    start: dt.date
    end: dt.date
    layer: str
    confirmed: bool = True
    note: str = ""
    obligations: tuple[str, ...] = ()
    records: tuple[str, ...] = ()
    reportable: bool | None = None
    # Facts whose reasons complete the explanation ("what was unclear"), in this order.
    details: tuple[str, ...] = ()
    explanation_es: str = ""
    addenda: tuple[Addendum, ...] = ()
    # The kinds of agency the rule binds, each from its date (the layer's `binds`).
    binds: Mapping[str, dt.date] = field(default_factory=dict)

    def in_force(self, on: dt.date, kind: str = "state") -> bool:
        if not self.start <= on <= self.end:
            return False
        bound_from = self.binds.get(kind)
        return bound_from is not None and bound_from <= on


@dataclass(frozen=True)
class Layer:
    """A law or guidance in force from a date.

    `binds` names the kinds of agency it binds and from when: Colorado's guidance bound
    executive agencies only, SB21-131 state agencies, and SB25-276 extended Article 74 to
    local governments and the judicial and legislative branches. Without a `[layer.binds]`
    table a layer binds every kind from its own date.
    """

    id: str
    name: str
    citation: str
    start: dt.date
    end: dt.date
    binds: Mapping[str, dt.date] = field(default_factory=dict)


@dataclass(frozen=True)
class ReportingDuty:
    """A report the law asks for: of every `kind` period ("quarter" or "year") that begins
    on or after `start` (and before `until`, when the duty ended)."""

    kind: str
    start: dt.date
    until: dt.date | None
    citation: str
    confirmed: bool

    def covers(self, kind: str, first_day: dt.date) -> bool:
        return (
            kind == self.kind
            and first_day >= self.start
            and (self.until is None or first_day < self.until)
        )


@dataclass(frozen=True)
class NoticeDuty:
    """The law's duty to tell the person that their records were asked for (the
    obligation `notify_subject`): within how many days, counted how and from what.

    `counted_from` is "request" (New York: "after such request") or "process" (Illinois:
    "of receiving such a court order, warrant, or subpoena"); a request's process arrives
    with it, so both count from the day the agency received it. `exception` names when
    the law excuses the notice (Massachusetts: it would impede a criminal investigation);
    counsel records the reason before the task is closed without a notice.
    """

    start: dt.date
    until: dt.date | None
    within: int
    business: bool
    counted_from: str
    citation: str
    confirmed: bool
    before_release: bool = False
    exception: str = ""
    exception_es: str = ""

    def in_force(self, on: dt.date) -> bool:
        return self.start <= on and (self.until is None or on < self.until)

    @property
    def period(self) -> str:
        unit = "business day" if self.business else "day"
        return f"{self.within} {unit}{'s' if self.within != 1 else ''}"


@dataclass(frozen=True)
class Pack:
    id: str
    name: str
    version: str
    description: str
    terms: tuple[Term, ...]
    rules: tuple[Rule, ...]
    layers: tuple[Layer, ...]
    baseline: Pack | None = None
    baseline_until: dt.date | None = None
    # Whether the baseline's rules stay in force beside the state's layers after
    # `baseline_until` (New York's law adds a bar to the DPPA; Colorado's guidance replaced
    # its permitted uses with its own three bases, so its layers restate what they keep).
    baseline_stays: bool = False
    # The agency's IANA time zone ("America/Denver"); None reads a timestamp's own date.
    time_zone: str | None = None
    # The reports the law asks for, and from when (`[[reporting]]` in pack.toml).
    reporting: tuple[ReportingDuty, ...] = ()
    # The state whose law this is ("New York"), its holiday calendar ("US-NY") for business
    # days, and its duties to tell the person (`[[notice]]` in pack.toml).
    state: str | None = None
    holidays: str | None = None
    notices: tuple[NoticeDuty, ...] = ()
    # The words the letters take from the law (`[letters]` in pack.toml): what would change
    # a refusal for immigration enforcement, and the restriction a release carries, each
    # with its Spanish (`..._es`).
    letters: Mapping[str, str] = field(default_factory=dict)
    _periods: dict[
        tuple[tuple[int, ...], tuple[int, ...]], tuple[tuple[Term, ...], tuple[Rule, ...]]
    ] = field(default_factory=dict, compare=False, repr=False)
    _in_force_cache: dict[tuple[dt.date, str], tuple[tuple[Term, ...], tuple[Rule, ...]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @property
    def zone(self) -> zoneinfo.ZoneInfo | None:
        return zoneinfo.ZoneInfo(self.time_zone) if self.time_zone else None

    def received_on(self, request: Request) -> dt.date:
        """The date the agency received `request`, on its own calendar: the date whose
        law decides it, whatever offset the timestamp was written in."""
        return request.received_on_in(self.zone)

    def received_on_date(self, moment: dt.datetime) -> dt.date:
        """The calendar date of `moment` in the pack's time zone (a stored request's
        received_at); a moment without an offset is already the agency's wall-clock time."""
        zone = self.zone
        if zone is None or moment.utcoffset() is None:
            return moment.date()
        return moment.astimezone(zone).date()

    def notice_on(self, on: dt.date) -> NoticeDuty | None:
        """The duty to tell the person in force for a request received on `on`, if any."""
        return next((duty for duty in self.notices if duty.in_force(on)), None)

    def notice_due(self, received_on: dt.date, closed: Iterable[dt.date] = ()) -> dt.date | None:
        """The last day to tell the person about a request received on `received_on`."""
        from custodiet.policy.calendar import add_days

        duty = self.notice_on(received_on)
        if duty is None:
            return None
        return add_days(
            received_on, duty.within, business=duty.business, calendar=self.holidays, closed=closed
        )

    def rule(self, rule_id: str, on: dt.date | None = None) -> Rule | None:
        """The rule with this id (the version in force on `on`, when it was amended)."""
        found = None
        for rule in (*self.rules, *(self.baseline.rules if self.baseline else ())):
            if rule.id == rule_id:
                if on is None or rule.start <= on <= rule.end:
                    return rule
                found = found or rule
        return found

    def layers_of(self, rule_ids: Iterable[str], on: dt.date) -> list[str]:
        """The ids of the layers these rules, in force on `on`, belong to, each once, in
        the order of the rules (a decision lists them in the pack's order). A rule this
        pack does not know, from another version of it, is named by its own id, so no law
        a decision was made under goes unnamed."""
        layers: dict[str, None] = {}
        for rule_id in rule_ids:
            rule = self.rule(rule_id, on)
            layers.setdefault(rule.layer if rule is not None else rule_id)
        return list(layers)

    def in_force(
        self, on: dt.date, kind: str = "state"
    ) -> tuple[tuple[Term, ...], tuple[Rule, ...]]:
        """The terms and rules that decide a request received on `on` by an agency of `kind`.

        Before `baseline_until` the baseline's rules decide alone: the state's layers did
        not exist yet, and its rules restate the baseline's limits where they matter. The
        state's terms still apply, since they only name things (`immigration_related`)
        that reports count whatever the date.
        """
        cached = self._in_force_cache.get((on, kind))
        if cached is not None:
            return cached
        if self.baseline is not None and self.baseline_until and on < self.baseline_until:
            baseline_terms, baseline_rules = self.baseline.in_force(on, kind)
            result = (baseline_terms + self.terms, baseline_rules)
        else:
            own = tuple(rule for rule in self.rules if rule.in_force(on, kind))
            if self.baseline is not None and self.baseline_stays:
                baseline_terms, baseline_rules = self.baseline.in_force(on, kind)
                result = (baseline_terms + self.terms, baseline_rules + own)
            else:
                result = (self.terms, own)
        # Every day of a period between two changes of the law gets the very same tuples,
        # so that what is built from them once (the compiled rule stage) serves them all.
        key = (tuple(id(term) for term in result[0]), tuple(id(rule) for rule in result[1]))
        result = self._periods.setdefault(key, result)
        self._in_force_cache[(on, kind)] = result
        return result


def parse_condition(source: str, *, known: set[str], where: str) -> Condition:
    """Check an expression (valid syntax, allowed forms, known names, evaluates) and compile it."""
    text = " ".join(source.split())
    checker = EvalWithCompoundTypes(names={}, functions={})
    try:
        parsed = checker.parse(text)
    except SyntaxError as exc:
        raise PackError(f"{where}: the condition is not a valid expression: {exc.msg}") from None
    tree = ast.Expression(parsed.value if isinstance(parsed, ast.Expr) else parsed)
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise PackError(f"{where}: the condition may not use {type(node).__name__}")
    literals = {"True", "False", "None"}
    names = frozenset(node.id for node in ast.walk(tree) if isinstance(node, ast.Name)) - literals
    unknown = sorted(names - known)
    if unknown:
        raise PackError(
            f"{where}: the condition names unknown facts or terms: {', '.join(unknown)}"
        )
    checker.names = dict.fromkeys(known, False) | {
        "purpose_category": "unknown",
        "requester_level": "unknown",
        "agency_kind": "state",
        "receiving_agencies": (),
    }
    try:
        checker.eval(text, previously_parsed=parsed)
    except Exception as exc:  # simpleeval raises many types for what it refuses
        raise PackError(f"{where}: the condition cannot be evaluated: {exc}") from None
    code = compile(ast.fix_missing_locations(tree), where, "eval")
    return Condition(text, code, names)


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    raise PackError(f"{where}: must be a date written as YYYY-MM-DD, not {value!r}")


def _text(table: Mapping[str, Any], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise PackError(f"{where}: '{key}' is required and must be text")
    return " ".join(value.split())


def _strings(
    table: Mapping[str, Any], key: str, allowed: tuple[str, ...], where: str
) -> tuple[str, ...]:
    values = table.get(key, [])
    if not isinstance(values, list) or any(value not in allowed for value in values):
        raise PackError(f"{where}: '{key}' must be a list drawn from: {', '.join(allowed)}")
    return tuple(values)


def _load_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise PackError(f"{path}: not valid TOML: {exc}") from None


def _optional_text(table: Mapping[str, Any], key: str, where: str) -> str:
    value = table.get(key, "")
    if not isinstance(value, str):
        raise PackError(f"{where}: '{key}' must be text")
    return " ".join(value.split())


def _addenda(raw: Mapping[str, Any], known: set[str], where: str) -> tuple[Addendum, ...]:
    items = raw.get("addendum", [])
    if not isinstance(items, list):
        raise PackError(f"{where}: 'addendum' must be a list of tables")
    return tuple(
        Addendum(
            when=parse_condition(
                _text(item, "when", f"{where}, addendum {n}"),
                known=known,
                where=f"{where}, addendum {n}",
            ),
            text=_text(item, "text", f"{where}, addendum {n}"),
            text_es=_optional_text(item, "text_es", f"{where}, addendum {n}"),
        )
        for n, item in enumerate(items, start=1)
    )


def _binds(raw_layer: Mapping[str, Any], start: dt.date, where: str) -> dict[str, dt.date]:
    table = raw_layer.get("binds")
    if table is None:
        return dict.fromkeys(AGENCY_KINDS, start)
    if not isinstance(table, dict) or not table:
        raise PackError(f"{where}: 'binds' must be a table of agency kinds and dates")
    unknown = sorted(set(table) - set(AGENCY_KINDS))
    if unknown:
        raise PackError(
            f"{where}: 'binds' names unknown agency kinds: {', '.join(unknown)} "
            f"(known: {', '.join(AGENCY_KINDS)})"
        )
    binds = {kind: _date(day, f"{where}, binds.{kind}") for kind, day in table.items()}
    early = sorted(kind for kind, day in binds.items() if day < start)
    if early:
        raise PackError(f"{where}: binds {', '.join(early)} before the layer's 'from' {start}")
    return binds


def _parse_rule(raw: Mapping[str, Any], *, layer: Layer, known: set[str], where: str) -> Rule:
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not rule_id:
        raise PackError(f"{where}: every rule needs an 'id'")
    where = f"{where}, rule {rule_id}"
    effect = raw.get("effect")
    if effect not in EFFECTS:
        raise PackError(f"{where}: 'effect' must be one of: {', '.join(EFFECTS)}")
    start = _date(raw["from"], f"{where}, 'from'") if "from" in raw else layer.start
    end = _date(raw["until"], f"{where}, 'until'") if "until" in raw else layer.end
    if end < start:
        raise PackError(f"{where}: 'until' {end} comes before 'from' {start}")
    late = effect in ("obligation", "report")
    when_known = known | set(LATE_FACTS) if late else known
    rule = Rule(
        id=rule_id,
        title=_text(raw, "title", where),
        citation=_text(raw, "citation", where),
        effect=effect,
        when=parse_condition(_text(raw, "when", where), known=when_known, where=where),
        explanation=_text(raw, "explanation", where),
        start=start,
        end=end,
        layer=layer.id,
        confirmed=bool(raw.get("confirmed", True)),
        note=" ".join(str(raw.get("note", "")).split()),
        obligations=_strings(raw, "obligations", OBLIGATIONS, where),
        records=_strings(raw, "records", RECORDS, where),
        reportable=raw.get("reportable"),
        details=_strings(raw, "details", tuple(FACTS), where),
        explanation_es=_optional_text(raw, "explanation_es", where),
        addenda=_addenda(raw, when_known, where),
        binds=layer.binds,
    )
    if effect == "obligation" and not rule.obligations:
        raise PackError(f"{where}: an obligation rule must list 'obligations'")
    if effect == "withhold" and not rule.records:
        raise PackError(f"{where}: a withhold rule must list 'records'")
    if (effect == "report") != isinstance(rule.reportable, bool):
        raise PackError(
            f"{where}: 'reportable = true|false' goes with, and only with, a report rule"
        )
    return rule


def _time_zone(meta: Mapping[str, Any], where: str) -> str | None:
    name = meta.get("time_zone")
    if name is None:
        return None
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise PackError(
            f"{where}: 'time_zone' must name an IANA time zone such as \"America/Denver\", "
            f"not {name!r}"
        ) from None
    return str(name)


def load_pack(directory: Path, *, resolve: Callable[[str], Pack] | None = None) -> Pack:
    """Load and check the pack in `directory`. `resolve` finds a baseline pack by id."""
    manifest_path = directory / "pack.toml"
    if not manifest_path.is_file():
        raise PackError(f"{directory}: no pack.toml")
    manifest = _load_toml(manifest_path)
    meta = manifest.get("pack")
    if not isinstance(meta, dict):
        raise PackError(f"{manifest_path}: a [pack] table is required")
    where = str(manifest_path)
    known = set(FACTS)
    terms = []
    shared = meta.get("terms", [])
    if not isinstance(shared, list) or not all(isinstance(name, str) for name in shared):
        raise PackError(f"{where}: 'terms' must be a list of shared term files' names")
    raw_terms: list[tuple[str, dict[str, Any]]] = []
    for name in shared:
        path = TERMS_DIR / f"{name}.toml"
        if not path.is_file():
            raise PackError(f"{where}: 'terms' names {name!r}, but there is no {path}")
        raw_terms += [(str(path), raw) for raw in _load_toml(path).get("term", [])]
    raw_terms += [(where, raw) for raw in manifest.get("term", [])]
    for index, (term_file, raw) in enumerate(raw_terms):
        term_where = f"{term_file}, term {raw.get('name', index)}"
        name = _text(raw, "name", term_where)
        if name in known:
            raise PackError(f"{term_where}: '{name}' is already a fact or an earlier term")
        terms.append(
            Term(
                name,
                parse_condition(_text(raw, "when", term_where), known=known, where=term_where),
                _text(raw, "means", term_where),
                _text(raw, "means_not", term_where),
                _optional_text(raw, "means_es", term_where),
                _optional_text(raw, "means_not_es", term_where),
            )
        )
        known.add(name)

    whole = Layer(
        meta.get("id", directory.name),
        _text(meta, "name", where),
        "",
        dt.date.min,
        _FAR_FUTURE,
        dict.fromkeys(AGENCY_KINDS, dt.date.min),
    )
    layers: list[Layer] = []
    rules: list[Rule] = []
    first_seen: dict[str, list[tuple[Rule, Path]]] = {}

    def add(rule: Rule, path: Path) -> None:
        # An amended provision keeps its id: the same rule may appear again with new text
        # from a later date, so long as no two versions are in force on the same day.
        for earlier, earlier_path in first_seen.get(rule.id, []):
            if rule.start <= earlier.end and earlier.start <= rule.end:
                raise PackError(
                    f"{path}: rule id {rule.id} is used twice for the same dates "
                    f"(first in {earlier_path.name}); an amended version must start after "
                    f"the earlier one's 'until'"
                )
        first_seen.setdefault(rule.id, []).append((rule, path))
        rules.append(rule)

    for raw in manifest.get("rule", []):
        add(_parse_rule(raw, layer=whole, known=known, where=where), manifest_path)
    for path in sorted(directory.glob("*.toml")):
        if path == manifest_path:
            continue
        data = _load_toml(path)
        raw_layer = data.get("layer")
        if not isinstance(raw_layer, dict):
            raise PackError(f"{path}: a [layer] table is required")
        start = _date(raw_layer.get("from"), f"{path}, layer 'from'")
        layer = Layer(
            id=_text(raw_layer, "id", str(path)),
            name=_text(raw_layer, "name", str(path)),
            citation=_text(raw_layer, "citation", str(path)),
            start=start,
            end=_date(raw_layer["until"], f"{path}, layer 'until'")
            if "until" in raw_layer
            else _FAR_FUTURE,
            binds=_binds(raw_layer, start, f"{path}, layer"),
        )
        layers.append(layer)
        for raw in data.get("rule", []):
            add(_parse_rule(raw, layer=layer, known=known, where=str(path)), path)

    baseline = None
    if "baseline" in meta:
        if resolve is None:
            raise PackError(
                f"{where}: names baseline {meta['baseline']!r} but no packs to find it in"
            )
        baseline = resolve(str(meta["baseline"]))
        clashes = {term.name for term in baseline.terms} & {term.name for term in terms}
        if clashes:
            raise PackError(
                f"{where}: terms also defined by the baseline: {', '.join(sorted(clashes))}"
            )
    return Pack(
        id=_text(meta, "id", where),
        name=_text(meta, "name", where),
        version=_text(meta, "version", where),
        description=_text(meta, "description", where),
        terms=tuple(terms),
        rules=tuple(rules),
        layers=tuple(layers),
        baseline=baseline,
        baseline_until=_date(meta["baseline_until"], f"{where}, 'baseline_until'")
        if "baseline_until" in meta
        else None,
        baseline_stays=_flag(meta, "baseline_stays", where),
        time_zone=_time_zone(meta, where),
        reporting=tuple(_reporting(manifest, where)),
        state=_optional_text(meta, "state", where) or None,
        holidays=_holidays(meta, where),
        notices=tuple(_notices(manifest, where)),
        letters=_letters(manifest, where),
    )


LETTER_TEXTS = ("refusal_immigration", "use_restriction", "use_restriction_source")


def _letters(manifest: dict[str, Any], where: str) -> dict[str, str]:
    table = manifest.get("letters", {})
    if not isinstance(table, dict):
        raise PackError(f"{where}: [letters] must be a table")
    known = {*LETTER_TEXTS, *(f"{key}_es" for key in LETTER_TEXTS)}
    unknown = sorted(set(table) - known)
    if unknown:
        raise PackError(
            f"{where}: [letters] has unknown keys: {', '.join(unknown)} (known: "
            f"{', '.join(sorted(known))})"
        )
    return {key: _text(table, key, f"{where}, [letters]") for key in table}


def _flag(meta: Mapping[str, Any], key: str, where: str) -> bool:
    value = meta.get(key, False)
    if not isinstance(value, bool):
        raise PackError(f"{where}: '{key}' must be true or false")
    return value


def _holidays(meta: Mapping[str, Any], where: str) -> str | None:
    from custodiet.policy.calendar import CalendarError, is_business_day

    name = meta.get("holidays")
    if name is None:
        return None
    if not isinstance(name, str):
        raise PackError(f"{where}: 'holidays' must name a calendar such as \"US-NY\"")
    try:
        is_business_day(dt.date(2026, 1, 1), name)
    except CalendarError as exc:
        raise PackError(f"{where}: 'holidays': {exc}") from None
    return name


def _notices(manifest: dict[str, Any], where: str) -> list[NoticeDuty]:
    duties: list[NoticeDuty] = []
    for index, raw in enumerate(manifest.get("notice", [])):
        duty_where = f"{where}, notice {index + 1}"
        within = raw.get("within")
        if not isinstance(within, int) or isinstance(within, bool) or not 0 <= within <= 60:
            raise PackError(f"{duty_where}: 'within' must be a whole number of days, 0 to 60")
        counting = raw.get("counting", "days")
        if counting not in ("days", "business_days"):
            raise PackError(f'{duty_where}: \'counting\' must be "days" or "business_days"')
        counted_from = raw.get("counted_from", "request")
        if counted_from not in ("request", "process"):
            raise PackError(f'{duty_where}: \'counted_from\' must be "request" or "process"')
        start = _date(raw.get("from"), f"{duty_where}, 'from'")
        until = _date(raw["until"], f"{duty_where}, 'until'") if "until" in raw else None
        if any(
            start < (d.until or dt.date.max) and d.start < (until or dt.date.max) for d in duties
        ):
            raise PackError(f"{duty_where}: overlaps an earlier notice's dates")
        duties.append(
            NoticeDuty(
                start=start,
                until=until,
                within=within,
                business=counting == "business_days",
                counted_from=counted_from,
                citation=_text(raw, "citation", duty_where),
                confirmed=bool(raw.get("confirmed", True)),
                before_release=bool(raw.get("before_release", False)),
                exception=_optional_text(raw, "exception", duty_where),
                exception_es=_optional_text(raw, "exception_es", duty_where),
            )
        )
    return duties


def _reporting(manifest: dict[str, Any], where: str) -> list[ReportingDuty]:
    duties = []
    for index, raw in enumerate(manifest.get("reporting", [])):
        duty_where = f"{where}, reporting {index + 1}"
        kind = _text(raw, "kind", duty_where)
        if kind not in ("quarter", "year"):
            raise PackError(f'{duty_where}: \'kind\' must be "quarter" or "year", not {kind!r}')
        confirmed = raw.get("confirmed", True)
        if not isinstance(confirmed, bool):
            raise PackError(f"{duty_where}: 'confirmed' must be true or false")
        duties.append(
            ReportingDuty(
                kind=kind,
                start=_date(raw.get("from"), f"{duty_where}, 'from'"),
                until=_date(raw["until"], f"{duty_where}, 'until'") if "until" in raw else None,
                citation=_text(raw, "citation", duty_where),
                confirmed=confirmed,
            )
        )
    return duties


def available_packs() -> list[str]:
    return sorted(path.parent.name for path in PACKS_DIR.glob("*/pack.toml"))


@functools.cache
def get_pack(pack_id: str) -> Pack:
    """The packaged pack with this id, loaded once per process."""
    directory = PACKS_DIR / pack_id
    if not (directory / "pack.toml").is_file():
        raise PackError(f"no pack {pack_id!r}; available: {', '.join(available_packs())}")
    return load_pack(directory, resolve=get_pack)
