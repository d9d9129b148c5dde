"""The policy engine: a request and a pack in, a decision with its reasons out.

A pure function with no database and no Django, so that the CLI, the web application,
imports and benchmarks all reach the same decision. Facts are gathered once, the pack's
terms are computed from them, then every rule in force on the request's date is
evaluated; a rule that fails to evaluate is recorded in the decision and sends it to
counsel, it never crashes the call. The rules in force are those of the date on which the
agency received the request, on its own calendar (the pack's time zone).
"""

from __future__ import annotations

import ast
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from custodiet.policy.facts.agencies import Directory
from custodiet.policy.facts.gather import FACTS, Gathered, Settings, gather
from custodiet.policy.model import (
    OBLIGATIONS,
    Decision,
    FactFinding,
    Obligation,
    Outcome,
    PolicyRef,
    ProcessFinding,
    ProcessKind,
    Reason,
    Record,
    Reportable,
    Request,
    WithheldRecord,
)
from custodiet.policy.packs import Pack, Rule, Term

# How decision rules combine, as in Cedar's authorizer ("any forbid denies"):
#
#   any rule says refuse          -> refuse
#   else any rule says review     -> legal_review
#   else any rule says eligible   -> eligible
#   else (no rule decided)        -> legal_review: the system never releases by default
#
# Whether a reporting law counts the request combines the same way, exclusions first:
#
#   any report rule says not reportable  -> not reportable (the person in interest, ...)
#   else any says reportable             -> reportable
#   else (no reporting law in force)     -> not stated
PRECEDENCE = {"refuse": 0, "legal_review": 1, "eligible": 2}
DECISION_EFFECTS = frozenset(PRECEDENCE)
_OBLIGATION_ORDER = {name: index for index, name in enumerate(OBLIGATIONS)}


def _fallback_immigration_related(values: dict[str, Any]) -> bool:
    # Packs define `immigration_related` as a term; a pack without one still reports it.
    return bool(
        values["immigration_agency"]
        or values["immigration_purpose_stated"]
        or values["immigration_role_unclear"]
        or values["immigration_offense"]
        or values["purpose_category"] == "civil_immigration_enforcement"
    )


def _evaluate(
    rule_id: str, condition: Any, names: dict[str, Any], errors: list[str]
) -> bool | None:
    try:
        return bool(condition.evaluate(names))
    except Exception as exc:  # a pack error must not crash a decision; it is recorded
        errors.append(f"{rule_id}: could not be evaluated ({type(exc).__name__}: {exc})")
        return None


def _addenda(rule: Rule, names: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The sentences of the rule that apply to this request, in English and Spanish."""
    found = []
    for addendum in rule.addenda:
        try:
            holds = bool(addendum.when.evaluate(names))
        except Exception:
            holds = False
        if holds:
            found.append((addendum.text, addendum.text_es))
    return found


def _explanation(
    rule: Rule, because: Mapping[str, str], names: Mapping[str, Any] | None = None
) -> str:
    """The rule's explanation, with the sentences that apply to this request, completed by
    the reasons of the facts it names as details."""
    extra = [text for text, _ in _addenda(rule, names)] if names is not None else []
    details = [because[name] for name in rule.details if because.get(name)]
    return " ".join([rule.explanation, *extra, *details])


def _explanation_es(rule: Rule, names: Mapping[str, Any]) -> str | None:
    # Spanish for what the pack wrote; the facts' own reasons stay in English on the
    # decision, and the letters say so.
    if not rule.explanation_es:
        return None
    extra = [text_es or text for text, text_es in _addenda(rule, names)]
    return " ".join([rule.explanation_es, *extra])


def _reason(
    rule: Rule,
    because: Mapping[str, str],
    names: Mapping[str, Any],
    effect: str | None = None,
) -> Reason:
    return Reason(
        rule=rule.id,
        citation=rule.citation,
        # Decision rules' effects are outcomes: the pack loader checks the vocabulary.
        effect=cast(Outcome, effect or rule.effect),
        explanation=_explanation(rule, because, names),
        confirmed=rule.confirmed,
        explanation_es=_explanation_es(rule, names),
    )


@dataclass
class RuleStage:
    """What the rules concluded from the facts, before records and findings are rendered."""

    names: dict[str, Any]
    fired: list[Reason]
    outcome: str
    obligations: set[str] = field(default_factory=set)
    never_released: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    reportable: Reportable | None = None


class _Names(ast.NodeTransformer):
    """Rewrites `fact` as `n["fact"]`: many conditions, one compiled function."""

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in ("True", "False", "None"):
            return node
        return ast.copy_location(
            ast.Subscript(
                value=ast.Name(id="n", ctx=ast.Load()),
                slice=ast.Constant(node.id),
                ctx=ast.Load(),
            ),
            node,
        )


def _expression(source: str) -> ast.expr:
    # The facts' names are rewritten first, then wrapped: `bool` itself is the builtin,
    # never a fact (rewriting it too made every compiled stage fail over to the slow path).
    tree = cast(ast.expr, _Names().visit(ast.parse(source, mode="eval").body))
    return ast.Call(func=ast.Name(id="bool", ctx=ast.Load()), args=[tree], keywords=[])


# Keyed by the identity of the pack's own tuples (`Pack.in_force` returns the same tuples
# for every date of a period), which this keeps alive.
_STAGES: dict[
    tuple[int, int, bool],
    tuple[tuple[Term, ...], tuple[Rule, ...], Callable[[dict[str, Any]], tuple[bool, ...]]],
] = {}


def _compiled(
    terms: tuple[Term, ...], rules: tuple[Rule, ...], *, duties: bool = False
) -> Callable[[dict[str, Any]], tuple[bool, ...]]:
    """The compiled decision stage (terms, then decision rules), or with `duties` the
    compiled duty stage (obligation, withholding and report rules, after the outcome)."""
    key = (id(terms), id(rules), duties)
    found = _STAGES.get(key)
    if found is not None and found[0] is terms and found[1] is rules:
        return found[2]
    stage = _compile(terms, rules, duties=duties)
    if len(_STAGES) > 4096:
        _STAGES.clear()
    _STAGES[key] = (terms, rules, stage)
    return stage


def _compile(
    terms: tuple[Term, ...], rules: tuple[Rule, ...], *, duties: bool
) -> Callable[[dict[str, Any]], tuple[bool, ...]]:
    """One function that sets every term in `names` and returns whether each decision rule
    holds: the same checked conditions as `Condition.evaluate`, evaluated in one call
    instead of one call each (`make bench`). Any error falls back to the one-by-one path,
    which records which rule failed."""
    body: list[ast.stmt] = [
        ast.Assign(
            targets=[
                ast.Subscript(
                    value=ast.Name(id="n", ctx=ast.Load()),
                    slice=ast.Constant(term.name),
                    ctx=ast.Store(),
                )
            ],
            value=_expression(term.when.source),
            lineno=0,
        )
        for term in terms
        if not duties
    ]
    chosen = [rule for rule in rules if (rule.effect in DECISION_EFFECTS) != duties]
    body.append(
        ast.Return(
            value=ast.Tuple(elts=[_expression(rule.when.source) for rule in chosen], ctx=ast.Load())
        )
    )
    function = ast.FunctionDef(
        name="stage",
        args=ast.arguments(
            posonlyargs=[],
            args=[ast.arg(arg="n")],
            kwonlyargs=[],
            kw_defaults=[],
            defaults=[],
        ),
        body=body,
        decorator_list=[],
    )
    module = ast.fix_missing_locations(ast.Module(body=[function], type_ignores=[]))
    namespace: dict[str, Any] = {"__builtins__": {"bool": bool}}
    exec(compile(module, "<rule stage>", "exec"), namespace)  # noqa: S102 - checked conditions
    return cast(Callable[[dict[str, Any]], tuple[bool, ...]], namespace["stage"])


def decide_outcome(
    values: dict[str, Any],
    terms: tuple[Term, ...],
    rules: tuple[Rule, ...],
    because: Mapping[str, str] | None = None,
) -> tuple[dict[str, Any], list[Reason], list[str]]:
    """The rule stage proper: terms, then every decision rule, ordered by precedence."""
    because = because if because is not None else {}
    names = dict(values)
    errors: list[str] = []
    fired: list[tuple[Reason, Rule]] = []
    holding: tuple[bool, ...] | None
    try:
        holding = _compiled(terms, rules)(names)
    except Exception:  # the one-by-one path below names the failing rule
        holding = None
    if holding is not None:
        decisions = (rule for rule in rules if rule.effect in DECISION_EFFECTS)
        for rule, held in zip(decisions, holding, strict=True):
            if held:
                fired.append((_reason(rule, because, names), rule))
    else:
        names = dict(values)
        for term in terms:
            names[term.name] = bool(_evaluate(f"term {term.name}", term.when, names, errors))
        for rule in rules:
            if rule.effect not in DECISION_EFFECTS:
                continue
            holds = _evaluate(rule.id, rule.when, names, errors)
            if holds is None:
                fired.append((_reason(rule, because, names, "legal_review"), rule))
            elif holds:
                fired.append((_reason(rule, because, names), rule))
    # Strongest effect first; among equals the most recent law, which is the most specific
    # (the statute's citation leads a refusal the guidance would also give).
    fired.sort(key=lambda pair: (PRECEDENCE[pair[0].effect], -pair[1].start.toordinal()))
    return names, [reason for reason, _ in fired], errors


def apply_rules(
    values: dict[str, Any],
    terms: tuple[Term, ...],
    rules: tuple[Rule, ...],
    because: Mapping[str, str] | None = None,
) -> RuleStage:
    names, fired, errors = decide_outcome(values, terms, rules, because)
    outcome = fired[0].effect if fired else "legal_review"
    if not fired:
        errors.append("no rule in force decided this request; counsel must decide it")
    names["outcome"] = outcome
    # Every request is logged whatever a pack says or omits: the record is Custodiet's
    # own guarantee (DESIGN.md), so it cannot depend on a rule being in force.
    stage = RuleStage(
        names=names, fired=fired, outcome=outcome, errors=errors, obligations={"log_request"}
    )
    # Duty rules run last: they may depend on the outcome ("before anything is shared").
    duties = [rule for rule in rules if rule.effect not in DECISION_EFFECTS]
    try:
        holding = _compiled(terms, rules, duties=True)(names)
    except Exception:  # one by one, so that the rule that fails is named
        holding = tuple(bool(_evaluate(rule.id, rule.when, names, errors)) for rule in duties)
    reports: list[Rule] = []
    for rule, held in zip(duties, holding, strict=True):
        if not held:
            continue
        if rule.effect == "obligation":
            stage.obligations.update(rule.obligations)
        elif rule.effect == "withhold":
            for record in rule.records:
                stage.never_released.setdefault(record, rule.citation)
        elif rule.effect == "report":
            reports.append(rule)
    if reports:
        # An exclusion (reportable false) outranks the general rule, as in PRECEDENCE.
        chosen = min(reports, key=lambda rule: bool(rule.reportable))
        stage.reportable = Reportable(
            value=bool(chosen.reportable),
            because=_explanation(chosen, because if because is not None else {}, names),
        )
    return stage


def decide(
    request: Request,
    pack: Pack,
    *,
    as_of: dt.date | None = None,
    settings: Settings | None = None,
    directory: Directory | None = None,
    explain: bool = False,
) -> Decision:
    """Decide `request` under `pack` as of its received date (or `as_of`).

    With `explain`, the decision also lists every fact and term with the reason it holds
    or not: what the explorer shows. Without it the decision is still replayable, since
    the same request and pack version always give the same facts.
    """
    settings = settings or Settings()
    received_on = pack.received_on(request)
    on = as_of or received_on
    terms, rules = pack.in_force(on, settings.agency_kind)
    gathered = gather(request, settings=settings, directory=directory, received_on=received_on)
    stage = apply_rules(gathered.values, terms, rules, gathered.because)
    outcome, fired, names, never_released = (
        stage.outcome,
        stage.fired,
        stage.names,
        stage.never_released,
    )

    requested = list(dict.fromkeys(request.records_requested))
    withheld = [
        WithheldRecord(record=record, citation=never_released[record])
        for record in requested
        if record in never_released
    ]
    releasable: list[str] = []
    pending: list[str] = []
    if outcome == "refuse":
        refusal = fired[0].citation
        withheld += [
            WithheldRecord(record=record, citation=refusal)
            for record in requested
            if record not in never_released
        ]
    elif outcome == "legal_review":
        # Nothing is releasable until counsel approves: these are what counsel may release.
        pending = [record for record in requested if record not in never_released]
    else:
        releasable = [record for record in requested if record not in never_released]
    # The reasons that decide lead; the rules that held with a weaker effect are kept
    # apart, so a refusal never reads as "eligible" beside its refusing reason.
    deciding = [reason for reason in fired if reason.effect == outcome]
    considered = [reason for reason in fired if reason.effect != outcome]

    immigration_related = names.get("immigration_related")
    if immigration_related is None:
        immigration_related = _fallback_immigration_related(names)

    return Decision(
        request_id=request.id,
        outcome=cast(Outcome, outcome),
        immigration_related=bool(immigration_related),
        reasons=deciding,
        also_considered=considered,
        obligations=cast(
            list[Obligation], sorted(stage.obligations, key=_OBLIGATION_ORDER.__getitem__)
        ),
        releasable_records=cast(list[Record], releasable),
        records_for_counsel=cast(list[Record], pending),
        withheld_records=withheld,
        legal_process=_process_findings(gathered),
        facts=_fact_findings(gathered, names, terms) if explain else None,
        errors=stage.errors,
        reportable=stage.reportable,
        policy=PolicyRef(
            pack=pack.id,
            version=pack.version,
            as_of=on,
            rules_in_force=[rule.id for rule in rules],
        ),
    )


def _process_findings(gathered: Gathered) -> list[ProcessFinding]:
    return [
        ProcessFinding(
            kind=cast(ProcessKind, doc.kind),
            inferred=doc.inferred,
            because=doc.because,
            stated_kind=cast(ProcessKind | None, doc.stated_kind),
            court_issued=doc.court_issued,
            immigration=doc.immigration,
            ambiguous=doc.ambiguous,
        )
        for doc in gathered.documents
    ]


def _fact_findings(gathered: Gathered, names: dict[str, Any], terms: Any) -> list[FactFinding]:
    findings = [
        FactFinding(
            fact=name,
            value=list(value) if isinstance(value := names[name], tuple) else value,
            because=gathered.because.get(name, meaning),
        )
        for name, meaning in FACTS.items()
    ]
    # A term explains itself in the polarity it holds: "no permitted basis was found: ..."
    # when false, never its definition, which would state the opposite of the finding.
    findings += [
        FactFinding(
            fact=term.name, value=names[term.name], because=term.meaning(bool(names[term.name]))
        )
        for term in terms
    ]
    return findings
