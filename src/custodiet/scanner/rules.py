"""The monitor's rules, read from `rules.toml`: one DuckDB query per category."""

from __future__ import annotations

import functools
import hashlib
import pathlib
import tomllib
from dataclasses import dataclass
from typing import Any

RULES_PATH = pathlib.Path(__file__).resolve().parent / "rules.toml"

# The categories of contract/QUERYLOGS.md, in the order summaries list them.
CATEGORIES = (
    "immigration_agency",
    "immigration_reason",
    "immigration_query",
    "no_articulable_purpose",
    "uncertified_access",
    "volume_anomaly",
)
IMMIGRATION_CATEGORIES = CATEGORIES[:3]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    category: str
    title: str
    description: str
    reason: str
    # The rows it can judge at all: a condition over `access a` and `accessors x`.
    reads: str
    sql: str


@dataclass(frozen=True, slots=True)
class RuleSet:
    rules: tuple[Rule, ...]
    parameters: dict[str, Any]
    # The rule file's SHA-256: which rules a stored scan ran.
    sha256: str

    def by_category(self, category: str) -> Rule:
        return next(rule for rule in self.rules if rule.category == category)


@functools.cache
def load_rules(path: pathlib.Path = RULES_PATH) -> RuleSet:
    """The rule file, checked: one rule for each category, every field present."""
    raw = path.read_bytes()
    data = tomllib.loads(raw.decode("utf-8"))
    rules = []
    for index, table in enumerate(data.get("rule", [])):
        missing = [f for f in Rule.__slots__ if not isinstance(table.get(f), str)]
        if missing:
            raise ValueError(f"{path}: rule[{index}]: field {missing[0]!r} is missing")
        if table["category"] not in CATEGORIES:
            raise ValueError(
                f"{path}: rule[{index}]: field 'category': {table['category']!r} is not one of "
                + ", ".join(CATEGORIES)
            )
        rules.append(Rule(**{f: table[f].strip() for f in Rule.__slots__}))
    categories = [rule.category for rule in rules]
    if sorted(categories) != sorted(CATEGORIES):
        raise ValueError(f"{path}: there must be exactly one rule per category")
    return RuleSet(tuple(rules), dict(data.get("parameters", {})), hashlib.sha256(raw).hexdigest())
