"""Scenario files: a request and the decision a pack must reach (shared/scenarios/README.md).

A scenario is `{"description", "request", "expect"}`. `expect` may hold `outcome`,
`immigration_related`, `obligations_include`, `withheld_include`, `citation_contains`,
`legal_process_kinds`, or `error: true` with `error_mentions`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from custodiet.policy.engine import decide
from custodiet.policy.facts.gather import Settings
from custodiet.policy.model import Decision, RequestError, parse_request
from custodiet.policy.packs import Pack

EXPECTATIONS = frozenset(
    {
        "outcome",
        "immigration_related",
        "obligations_include",
        "withheld_include",
        "citation_contains",
        "legal_process_kinds",
        "error",
        "error_mentions",
    }
)


@dataclass(frozen=True)
class ScenarioResult:
    name: str
    description: str
    problems: tuple[str, ...]
    summary: str

    @property
    def passed(self) -> bool:
        return not self.problems


def _check_decision(expect: dict[str, Any], decision: Decision) -> list[str]:
    problems = []
    if expect.get("error"):
        problems.append("expected an error, but the request was decided")
    if "outcome" in expect and decision.outcome != expect["outcome"]:
        problems.append(f"outcome {decision.outcome}, expected {expect['outcome']}")
    if (
        "immigration_related" in expect
        and decision.immigration_related != expect["immigration_related"]
    ):
        problems.append(
            f"immigration_related {decision.immigration_related}, expected {expect['immigration_related']}"
        )
    missing = set(expect.get("obligations_include", [])) - set(decision.obligations)
    if missing:
        problems.append(f"obligations lack {', '.join(sorted(missing))}")
    withheld = {item.record for item in decision.withheld_records}
    missing = set(expect.get("withheld_include", [])) - withheld
    if missing:
        problems.append(f"withheld records lack {', '.join(sorted(missing))}")
    if "citation_contains" in expect and not any(
        expect["citation_contains"] in reason.citation for reason in decision.reasons
    ):
        problems.append(f"no reason cites {expect['citation_contains']!r}")
    if "legal_process_kinds" in expect:
        kinds = [finding.kind for finding in decision.legal_process]
        if kinds != expect["legal_process_kinds"]:
            problems.append(
                f"legal process kinds {kinds}, expected {expect['legal_process_kinds']}"
            )
    return problems


def run_scenario(path: Path, pack: Pack, *, settings: Settings | None = None) -> ScenarioResult:
    name = path.name
    try:
        scenario = json.loads(path.read_text(encoding="utf-8-sig"))
        expect = scenario["expect"]
        request_data = scenario["request"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return ScenarioResult(name, "", (f"not a scenario file: {exc}",), "unreadable")
    description = str(scenario.get("description", ""))
    unknown = set(expect) - EXPECTATIONS
    if unknown:
        return ScenarioResult(
            name,
            description,
            (f"unknown expectations: {', '.join(sorted(unknown))}",),
            "unreadable",
        )
    try:
        request = parse_request(request_data)
    except RequestError as error:
        problems = []
        if not expect.get("error"):
            problems.append(f"invalid request: {error}")
        elif "error_mentions" in expect and expect["error_mentions"] not in str(error):
            problems.append(f"the error does not mention {expect['error_mentions']!r}: {error}")
        return ScenarioResult(name, description, tuple(problems), f"error: {error.field}")
    decision = decide(request, pack, settings=settings)
    return ScenarioResult(
        name, description, tuple(_check_decision(expect, decision)), decision.outcome
    )


def run_directory(
    directory: Path, pack: Pack, *, settings: Settings | None = None
) -> list[ScenarioResult]:
    return [
        run_scenario(path, pack, settings=settings) for path in sorted(directory.glob("*.json"))
    ]
