"""The text of an uploaded PDF, so that a legal document can be read in its own words.

Clerks upload the warrant, subpoena or detainer they were handed, and `classify_document`
reads its text. A PDF from a stranger is untrusted input: anything that is not a readable,
unencrypted PDF of a reasonable length is refused with a `PdfTextError` whose message
says what is wrong, and no other exception escapes, whatever the bytes.

A PDF can also be made to cost its reader without bound: fifty small pages that each
inflate to megabytes of drawing instructions once held a web worker for minutes. So the
PDF is read in a child process of its own (`custodiet.policy.pdfworker`) under a `Budget`:
the operating system ends it at its time and memory limits, and the child itself refuses
a stream, a page or an object graph too large to read, and any active content (JavaScript,
Launch actions, embedded files). Each refusal names the budget the PDF exceeded. The child
starts with an empty environment, so none of the server's secrets are in reach of a
hostile file; the web process never imports the PDF parser at all.
"""

from __future__ import annotations

import dataclasses
import json
import re
import signal
import subprocess
import sys
from dataclasses import dataclass

# PDF readers accept a few bytes of junk (a mail header, a BOM) before the "%PDF-" marker.
_HEADER_WINDOW = 1024
WORKER = "custodiet.policy.pdfworker"

_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[^\S\n]+")  # whitespace other than line breaks
_LINE_EDGES = re.compile(r" ?\n ?")
_BLANK_LINES = re.compile(r"\n{3,}")


class PdfTextError(ValueError):
    """The bytes are not a PDF whose text can be read; the message says why, for the user."""


@dataclass(frozen=True)
class Budget:
    """What reading one PDF may take. A real legal document needs a small part of each.

    A typed page holds a few thousand drawing instructions (operators and their operands,
    as pypdf counts them) in some tens of kilobytes; pypdf parses about 200,000 a second,
    and extracting text costs several times that, so `seconds` is what bounds a PDF whose
    every page stays just under the page budgets.
    """

    seconds: float = 5.0  # wall time, the child's start included
    memory_mb: int = 256  # what reading may add to the child's address space
    stream_mb: int = 16  # any one stream once decompressed (a font, an image, a page)
    page_mb: int = 2  # one page's drawing instructions once decompressed
    page_instructions: int = 100_000  # one page's operators and operands
    objects: int = 100_000  # objects searched for active content


BUDGET = Budget()


def extract_pdf_text(data: bytes, *, max_pages: int = 50, budget: Budget | None = None) -> str:
    """The text of every page, pages separated by a blank line.

    A PDF of scanned images has no text, and gives "". Raises `PdfTextError` for bytes
    that are not a PDF, a PDF that cannot be opened without a password, a corrupt PDF, a
    PDF of more than `max_pages` pages, a PDF with active content, and a PDF that needs
    more than `budget` (the module's `BUDGET` unless given) to read.
    """
    if b"%PDF-" not in data[:_HEADER_WINDOW]:
        raise PdfTextError("not a PDF: the file does not start with a PDF header")
    budget = budget or BUDGET
    settings = json.dumps({"max_pages": max_pages, **dataclasses.asdict(budget)})
    too_slow = f"it takes more than {budget.seconds:g} seconds to read"
    try:
        # -I: neither the environment's PYTHON* variables nor the working directory
        # decide what the child imports.
        finished = subprocess.run(  # noqa: S603 (our own interpreter and module)
            [sys.executable, "-I", "-m", WORKER, settings],
            input=data,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={},
            timeout=budget.seconds,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise PdfTextError(too_slow) from None
    if finished.returncode == -signal.SIGXCPU:
        raise PdfTextError(too_slow)
    answer = _answer(finished.stdout)
    if answer is None:
        raise PdfTextError(
            f"the reader stopped on this PDF without finishing (exit status {finished.returncode})"
        )
    if "refused" in answer:
        raise PdfTextError(answer["refused"])
    return _normalise(answer["text"])


def _answer(output: bytes) -> dict[str, str] | None:
    """The child's one JSON object, {"text": ...} or {"refused": ...}; None if it gave none."""
    try:
        answer = json.loads(output)
    except ValueError:
        return None
    if not isinstance(answer, dict) or len(answer) != 1:
        return None
    key, value = next(iter(answer.items()))
    if key not in ("text", "refused") or not isinstance(value, str):
        return None
    return {key: value}


def _normalise(text: str) -> str:
    """Runs of spaces become one space; line breaks stay, at most one blank line in a row."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _SPACES.sub(" ", _CONTROL.sub("", text))
    text = _LINE_EDGES.sub("\n", text)
    return _BLANK_LINES.sub("\n\n", text).strip()
