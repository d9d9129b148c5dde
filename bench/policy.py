"""How fast the policy engine decides, against a JSON round trip and against Cedar.

- Whole decisions: contract JSON in, decision JSON out, one request at a time and as one
  batch through `custodiet evaluate`'s code path. Target: 10,000 a second on one core.
- The context reader alone (purpose, offence and "acting for" read in context), with its
  caches cleared: every request's purpose is made unique, as real ones are, so no
  decision is spared the reading.
- The rule stage alone (terms and decision rules over already gathered facts), against
  the same rules translated mechanically to Cedar and evaluated by `cedarpy` with a
  pre-parsed policy set, Cedar's fastest per-request path. Target: ratio at most 1.
  Both must fire the same rules on every request, or the benchmark fails.
"""

from __future__ import annotations

import ast
import io
import json
import tempfile
from pathlib import Path
from typing import Any

import cedarpy
from simpleeval import EvalWithCompoundTypes

from bench.timing import best_of
from custodiet.cli import run
from custodiet.policy.engine import DECISION_EFFECTS, decide, decide_outcome
from custodiet.policy.facts import purpose as context
from custodiet.policy.facts.agencies import default_directory
from custodiet.policy.facts.gather import Settings, gather
from custodiet.policy.model import parse_request
from custodiet.policy.packs import Pack, Rule, Term, available_packs, get_pack
from custodiet.samples import generate

COUNT = 10_000
REPEATS = 3
# Purposes that give immigration words other roles, as requesters write them; mixed into
# the generated requests so that the context reader has real work.
CONTEXT_PURPOSES = [
    "Assault on a federal officer: an ICE deportation officer was struck by a vehicle in Aurora.",
    "Residential burglary. Our office has no 287(g) agreement and will not share this with ICE.",
    "Serving a forcible entry and detainer judgment on the tenant.",
    "Suspect posed as an ICE agent, told families they would be deported and demanded cash.",
    "Identity theft case; the address is needed for our ICE liaison.",
    "Shots were fired at the ICE processing center; a witness recorded the plate.",
    "Bribery: a county official took payments from an ICE detention contractor.",
    "Consumer fraud case against a notario who defrauded immigrants seeking visas.",
]


def _varied(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every purpose unique, a third of them with immigration words in other roles."""
    varied = []
    for index, item in enumerate(raw):
        item = dict(item)
        base = item.get("purpose") or ""
        if index % 3 == 0:
            base = CONTEXT_PURPOSES[index % len(CONTEXT_PURPOSES)]
        item["purpose"] = f"{base} Reference {index}."
        varied.append(item)
    return varied


def to_cedar(node: ast.AST, terms: dict[str, ast.AST]) -> str:
    """Translate a pack condition (a Python-syntax expression) to a Cedar expression."""
    if isinstance(node, ast.Expression):
        return to_cedar(node.body, terms)
    if isinstance(node, ast.BoolOp):
        joiner = " && " if isinstance(node.op, ast.And) else " || "
        return "(" + joiner.join(to_cedar(value, terms) for value in node.values) + ")"
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return f"!({to_cedar(node.operand, terms)})"
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        left, right, op = node.left, node.comparators[0], node.ops[0]
        if isinstance(op, ast.In) and isinstance(right, ast.Tuple):
            return f"{to_cedar(right, terms)}.contains({to_cedar(left, terms)})"
        symbol = {ast.Eq: "==", ast.NotEq: "!="}[type(op)]
        return f"({to_cedar(left, terms)} {symbol} {to_cedar(right, terms)})"
    if isinstance(node, ast.Tuple):
        return "[" + ", ".join(to_cedar(item, terms) for item in node.elts) + "]"
    if isinstance(node, ast.Constant):
        return json.dumps(node.value)
    if isinstance(node, ast.Name):
        if node.id in ("True", "False"):
            return node.id.lower()
        if node.id in terms:
            return f"({to_cedar(terms[node.id], terms)})"
        return f"context.{node.id}"
    raise ValueError(f"no Cedar translation for {ast.dump(node)}")


def cedar_policies(terms: tuple[Term, ...], rules: tuple[Rule, ...]) -> tuple[str, list[str]]:
    term_trees = {term.name: ast.parse(term.when.source, mode="eval") for term in terms}
    decision_rules = [rule for rule in rules if rule.effect in DECISION_EFFECTS]
    text = "\n".join(
        f'@id("{rule.id}")\npermit(principal, action == Action::"decide", resource)\n'
        f"when {{ {to_cedar(ast.parse(rule.when.source, mode='eval'), term_trees)} }};"
        for rule in decision_rules
    )
    return text, [rule.id for rule in decision_rules]


def main() -> None:
    pack: Pack = get_pack("us-co")
    settings = Settings()
    raw = _varied(generate(COUNT))
    texts = [json.dumps(item) for item in raw]
    requests = [parse_request(item) for item in raw]
    print(f"policy engine: {COUNT:,} varied requests, pack {pack.id} {pack.version}, one core")

    def baseline() -> None:
        for text in texts:
            json.dumps(json.loads(text))

    def one_at_a_time() -> None:
        for text in texts:
            decide(parse_request(json.loads(text)), pack, settings=settings).to_json()

    # The generated requests as they are, a dozen purposes repeated: what this benchmark
    # measured before purposes were made unique (the readers' caches then spare most work).
    repeated = [json.dumps(item) for item in generate(COUNT)]

    def repeated_purposes() -> None:
        for text in repeated:
            decide(parse_request(json.loads(text)), pack, settings=settings).to_json()

    with tempfile.TemporaryDirectory() as folder:
        batch_file = Path(folder) / "requests.jsonl"
        batch_file.write_text("\n".join(texts))

        def batch() -> None:
            out = io.StringIO()
            assert run(["evaluate", str(batch_file)], out=out, err=io.StringIO()) == 0

        base = best_of(baseline, REPEATS)
        single = best_of(one_at_a_time, REPEATS)
        earlier = best_of(repeated_purposes, REPEATS)
        batched = best_of(batch, REPEATS)

    directory = default_directory()
    readings = [
        (
            "\n".join(
                part
                for part in (
                    request.purpose,
                    request.criminal_investigation.offense
                    if request.criminal_investigation
                    else None,
                )
                if part
            ),
            request.purpose,
        )
        for request in requests
    ]

    def read_in_context() -> None:
        context._read.cache_clear()
        context._purpose.cache_clear()
        context._offense.cache_clear()
        directory._acting_for_cached.cache_clear()
        for text, purpose in readings:
            context.immigration_purpose(text)
            context.immigration_offense(text)
            directory.acting_for(purpose)

    reader = best_of(read_in_context, REPEATS)

    # The rule stage on the same facts for both engines.
    staged: list[tuple[dict[str, Any], tuple[Term, ...], tuple[Rule, ...]]] = []
    for request in requests:
        terms, rules = pack.in_force(request.received_on)
        staged.append((gather(request, settings=settings).values, terms, rules))

    cedar_sets: dict[tuple[int, int], tuple[cedarpy.PolicySet, list[str]]] = {}
    for _, terms, rules in staged:
        key = (id(terms), id(rules))
        if key not in cedar_sets:
            text, ids = cedar_policies(terms, rules)
            cedar_sets[key] = (cedarpy.PolicySet.from_str(text), ids)
    entities = cedarpy.Entities.from_json_str("[]")
    cedar_requests = [
        (
            {
                "principal": 'Requester::"r"',
                "action": 'Action::"decide"',
                "resource": 'Request::"q"',
                "context": values,
            },
            cedar_sets[(id(terms), id(rules))],
        )
        for values, terms, rules in staged
    ]

    def ours() -> None:
        for values, terms, rules in staged:
            decide_outcome(values, terms, rules)

    def cedar() -> None:
        for request, (policy_set, _) in cedar_requests:
            cedarpy.is_authorized(request, policy_set, entities)

    # The same terms and rules walked by simpleeval (which checks every condition when a
    # pack loads): the measurement behind compiling the checked conditions instead.
    checker = EvalWithCompoundTypes(names={}, functions={})
    parsed = {}
    for _, terms, rules in staged:
        for item in (*terms, *rules):
            parsed.setdefault(item.when.source, checker.parse(item.when.source))

    def tree_walk() -> None:
        for values, terms, rules in staged:
            names = dict(values)
            checker.names = names
            for term in terms:
                names[term.name] = bool(
                    checker.eval(term.when.source, previously_parsed=parsed[term.when.source])
                )
            for rule in rules:
                if rule.effect in DECISION_EFFECTS:
                    checker.eval(rule.when.source, previously_parsed=parsed[rule.when.source])

    ours_time = best_of(ours, REPEATS)
    walk_time = best_of(tree_walk, REPEATS)
    cedar_time = best_of(cedar, REPEATS)

    disagreements = 0
    for (values, terms, rules), (request, (policy_set, ids)) in zip(
        staged, cedar_requests, strict=True
    ):
        _, fired, errors = decide_outcome(values, terms, rules)
        result = cedarpy.is_authorized(request, policy_set, entities)
        cedar_fired = {
            ids[int(reason.removeprefix("policy"))] for reason in result.diagnostics.reasons
        }
        if {reason.rule for reason in fired} != cedar_fired or errors or result.diagnostics.errors:
            disagreements += 1

    def row(label: str, seconds: float, extra: str = "") -> None:
        per = seconds / COUNT * 1e6
        print(f"  {label:<44} {per:8.1f} µs  {COUNT / seconds:>9,.0f}/s  {extra}")

    row("baseline: JSON read and write", base, "1.0x")
    row("whole decision, one request at a time", single, f"{single / base:.1f}x baseline")
    row("whole decision, batch (custodiet evaluate)", batched, f"{batched / base:.1f}x baseline")
    row("whole decision, a dozen purposes repeated", earlier, f"{earlier / base:.1f}x baseline")
    row(
        "context reader alone (caches cleared)",
        reader,
        f"{reader / single:.0%} of a whole decision",
    )
    per_second = COUNT / single
    print(
        f"  target >= 10,000 whole decisions/s: {'met' if per_second >= 10_000 else 'NOT met'} ({per_second:,.0f}/s)"
    )
    row("rule stage: Custodiet (checked, compiled)", ours_time)
    row("rule stage: simpleeval tree walk", walk_time, f"{walk_time / ours_time:.1f}x compiled")
    row("rule stage: Cedar (cedarpy, parsed once)", cedar_time)
    ratio = ours_time / cedar_time
    print(
        f"  rule stage ratio Custodiet/Cedar: {ratio:.2f} (target <= 1: {'met' if ratio <= 1 else 'NOT met'})"
    )
    print(f"  agreement: {COUNT - disagreements:,}/{COUNT:,} requests fire the same rules in both")
    if disagreements:
        raise SystemExit("the Cedar translation and the engine disagree: the comparison is void")
    every_pack(texts, settings, base)


def every_pack(texts: list[str], settings: Settings, base: float) -> None:
    """The same whole decisions under every state's pack: a pack is data, so none may be
    much slower than another. Printed against the JSON baseline measured above."""
    print(f"  whole decisions under every pack (same {len(texts):,} requests, one at a time):")
    rates = {}
    for pack_id in available_packs():
        each = get_pack(pack_id)

        def decide_all(pack: Pack = each) -> None:
            for text in texts:
                decide(parse_request(json.loads(text)), pack, settings=settings).to_json()

        seconds = best_of(decide_all, REPEATS)
        rates[pack_id] = len(texts) / seconds
        print(
            f"    {pack_id:<10} {seconds / len(texts) * 1e6:8.1f} µs  {rates[pack_id]:>9,.0f}/s"
            f"  {seconds / base:5.1f}x baseline  "
            f"{'met' if rates[pack_id] >= 10_000 else 'NOT met'} (target >= 10,000/s)"
        )
    slowest = min(rates, key=rates.__getitem__)
    print(f"  slowest pack {slowest}: {rates[slowest] / rates['us-co']:.2f} of Colorado's rate")
