"""Sample requests for trainers, loaded into the decision explorer with one click.

The requests live in `examples.json` beside this module, in the contract format
(contract/REQUESTS.md), so a trainer can copy one straight into `custodiet evaluate`.
Each carries the outcome the Colorado pack should reach, which the page shows and the
tests check. The people in them are role titles, never real names.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EXAMPLES_FILE = Path(__file__).resolve().parent / "examples.json"


@dataclass(frozen=True)
class Example:
    slug: str
    title: str
    summary: str
    outcome: str
    request: dict[str, Any]


@functools.cache
def all_examples() -> tuple[Example, ...]:
    """Every example, in the order of the file; read once per process."""
    with EXAMPLES_FILE.open(encoding="utf-8") as handle:
        return tuple(Example(**entry) for entry in json.load(handle))


def get_example(slug: str) -> Example | None:
    return next((example for example in all_examples() if example.slug == slug), None)
