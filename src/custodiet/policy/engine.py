"""The policy engine: a request and a pack in, a decision with its reasons out.

A pure function with no database and no Django, so that the CLI, the web application,
imports and benchmarks all reach the same decision. Facts are gathered once, the pack's
terms are computed from them, then every rule in force on the request's date is
evaluated; a rule that fails to evaluate is recorded in the decision and sends it to
counsel, it never crashes the call. The rules in force are those of the date on which the
agency received the request, on its own calendar (the pack's time zone).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
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


def _explanation(rule: Rule, because: Mapping[str, str]) -> str:
    """The rule's explanation, completed by the reasons of the facts it names as details."""
    details = [because[name] for name in rule.details if because.get(name)]
    return " ".join([rule.explanation, *details])


def _reason(rule: Rule, because: Mapping[str, str], effect: str | None = None) -> Reason:
    return Reason(
        rule=rule.id,
        citation=rule.citation,
        # Decision rules' effects are outcomes: the pack loader checks the vocabulary.
        effect=cast(Outcome, effect or rule.effect),
        explanation=_explanation(rule, because),
        confirmed=rule.confirmed,
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


def decide_outcome(
    values: dict[str, Any],
    terms: tuple[Term, ...],
    rules: tuple[Rule, ...],
    because: Mapping[str, str] | None = None,
) -> tuple[dict[str, Any], list[Reason], list[str]]:
    """The rule stage proper: terms, then every decision rule, ordered by precedence."""
    because = because or {}
    names = dict(values)
    errors: list[str] = []
    for term in terms:
        names[term.name] = bool(_evaluate(f"term {term.name}", term.when, names, errors))
    fired: list[tuple[Reason, Rule]] = []
    for rule in rules:
        if rule.effect not in DECISION_EFFECTS:
            continue
        holds = _evaluate(rule.id, rule.when, names, errors)
        if holds is None:
            fired.append((_reason(rule, because, "legal_review"), rule))
        elif holds:
            fired.append((_reason(rule, because), rule))
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
    reports: list[Rule] = []
    for rule in rules:
        if rule.effect == "obligation" and _evaluate(rule.id, rule.when, names, errors):
            stage.obligations.update(rule.obligations)
        elif rule.effect == "withhold" and _evaluate(rule.id, rule.when, names, errors):
            for record in rule.records:
                stage.never_released.setdefault(record, rule.citation)
        elif rule.effect == "report" and _evaluate(rule.id, rule.when, names, errors):
            reports.append(rule)
    if reports:
        # An exclusion (reportable false) outranks the general rule, as in PRECEDENCE.
        chosen = min(reports, key=lambda rule: bool(rule.reportable))
        stage.reportable = Reportable(
            value=bool(chosen.reportable), because=_explanation(chosen, because or {})
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
    received_on = pack.received_on(request)
    on = as_of or received_on
    terms, rules = pack.in_force(on)
    gathered = gather(
        request,
        settings=settings or Settings(),
        directory=directory,
        received_on=received_on,
    )
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
    if outcome == "refuse":
        refusal = fired[0].citation
        withheld += [
            WithheldRecord(record=record, citation=refusal)
            for record in requested
            if record not in never_released
        ]
        releasable: list[str] = []
    else:
        releasable = [record for record in requested if record not in never_released]

    immigration_related = names.get("immigration_related")
    if immigration_related is None:
        immigration_related = _fallback_immigration_related(names)

    return Decision(
        request_id=request.id,
        outcome=cast(Outcome, outcome),
        immigration_related=bool(immigration_related),
        reasons=fired,
        obligations=cast(
            list[Obligation], sorted(stage.obligations, key=_OBLIGATION_ORDER.__getitem__)
        ),
        releasable_records=cast(list[Record], releasable),
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
        FactFinding(fact=name, value=names[name], because=gathered.because.get(name, meaning))
        for name, meaning in FACTS.items()
    ]
    findings += [
        FactFinding(fact=term.name, value=names[term.name], because=term.means) for term in terms
    ]
    return findings
