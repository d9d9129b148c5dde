"""A rate limit as the settings write it (`600/minute`), read before Django is set up."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(second|minute|hour|day)\s*$")


@dataclass(frozen=True)
class Rate:
    requests: int
    seconds: int

    @classmethod
    def parse(cls, name: str, text: str) -> Rate:
        """`600/minute` and the like; a setting that does not parse stops the process."""
        match = _RATE.match(text)
        if match is None or int(match.group(1)) < 1:
            raise ImproperlyConfigured(
                f"{name}={text!r}: write a rate as N/second, N/minute, N/hour or N/day, N >= 1"
            )
        return cls(int(match.group(1)), _UNITS[match.group(2)])

    def __str__(self) -> str:
        unit = next(unit for unit, seconds in _UNITS.items() if seconds == self.seconds)
        return f"{self.requests}/{unit}"
