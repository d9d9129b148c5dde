"""Filters for the log records that `settings.LOGGING` keeps out of the console."""

from __future__ import annotations

import logging


class WithoutFontToolsNotice(logging.Filter):
    """Drops WeasyPrint's notice that it subsets a font with fontTools.

    WeasyPrint subsets the letters' fonts with HarfBuzz's subsetter when the system has it
    (Debian's libharfbuzz-subset0, which `make` installs); without it, it falls back to
    fontTools, which gives the same PDF, and says so at WARNING for every font of every
    PDF: over a thousand lines when the demo issues its letters, burying the progress and
    any warning that matters. The notice tells the operator nothing they must act on.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Using fontTools instead of HarfBuzz-Subset")
