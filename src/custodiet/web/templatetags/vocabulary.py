"""`{{ value|label:"kind" }}`: a vocabulary value in words on a page (custodiet.labels)."""

from __future__ import annotations

from django import template

from custodiet import labels

register = template.Library()


@register.filter
def label(value: object, vocabulary: str | None = None) -> str:
    """The value in English words with a capital; the argument names its vocabulary
    ("channel", "kind", "obligation", ...), which a value in several of them needs."""
    if value is None or value == "":
        return ""
    return labels.label(str(value), vocabulary or None)
