"""Reading one untrusted PDF inside the child process that `pdftext.extract_pdf_text` starts.

`python -m custodiet.policy.pdfworker SETTINGS` reads the PDF from standard input, limits
its own process (address space, CPU seconds, no files written, no core dumps, no further
processes), and writes one JSON object to standard output: {"text": ...} or
{"refused": ...}. `read_text` is the reading itself, with every budget but time and
memory; the tests call it directly too.

Active content is found in the PDF's structure, not in its bytes: an object stream is
compressed and a name may be spelled with #-escapes (/J#61vaScript), so the objects are
walked from the trailer as pypdf resolves them, up to a budget of objects.
"""

from __future__ import annotations

import io
import json
import math
import resource
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pypdf import PageObject, PasswordType, PdfReader, apply_configuration
from pypdf.errors import LimitReachedError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from custodiet.policy.pdftext import Budget, PdfTextError

MB = 1024 * 1024
# Form XObjects a page may draw while its text is read (pypdf allows 5,000); a document
# page draws a handful: a letterhead, a seal, a signature.
_FORMS_PER_PAGE = 200

_SCRIPT = "JavaScript (a program that a PDF reader runs when the file is opened or used)"
_EMBEDDED = "an embedded file (another file carried inside it)"
_RICH_MEDIA = "rich media (Flash or video that a PDF reader plays)"
# The names that make a PDF reader do more than show pages, wherever they appear (as a
# key: /JS, /EmbeddedFiles; or as a value: /S /Launch, /Type /EmbeddedFile), and what
# the refusal calls them.
ACTIVE_CONTENT = {
    "/JavaScript": _SCRIPT,
    "/JS": _SCRIPT,
    "/Launch": "a Launch action (it starts another program or opens another file)",
    "/EmbeddedFiles": _EMBEDDED,
    "/EmbeddedFile": _EMBEDDED,
    "/GoToE": "a link into an embedded file (a GoToE action)",
    "/SubmitForm": "a form that sends what is typed into it to another address",
    "/ImportData": "an action that loads form data from another file",
    "/RichMedia": _RICH_MEDIA,
    "/RichMediaExecute": _RICH_MEDIA,
}


def read_text(data: bytes, *, max_pages: int, budget: Budget) -> str:
    """The text of every page, pages separated by a blank line, or a `PdfTextError`.

    A `MemoryError` is let through: the process it happens in decides what it means.
    """
    with apply_configuration(**_pypdf_limits(budget)):
        reader = _open(data)
        _refuse_active_content(reader, budget)
        with _reading("its pages cannot be read"):
            pages = reader.pages
            count = len(pages)
        if count > max_pages:
            raise PdfTextError(f"too many pages ({count} > {max_pages})")
        return "\n\n".join(_page_text(pages[index], index + 1, budget) for index in range(count))


def _pypdf_limits(budget: Budget) -> dict[str, Any]:
    stream_bytes = budget.stream_mb * MB
    return {
        "maximum_declared_stream_length": stream_bytes,
        "array_based_stream_maximum_output_length": stream_bytes,
        "jbig2_maximum_output_length": stream_bytes,
        "lzw_maximum_output_length": stream_bytes,
        "run_length_maximum_output_length": stream_bytes,
        "zlib_maximum_output_length": stream_bytes,
        "brotli_maximum_output_length": stream_bytes,
        "image_maximum_buffer_size": stream_bytes,
        "stream_decoding_work_maximum_length": 4 * stream_bytes,
        "stream_parsing_work_maximum_count": budget.page_instructions,
        "xform_maximum_invocations_per_extraction": _FORMS_PER_PAGE,
        # Never run an external JBIG2 decoder on a stranger's image.
        "jbig2dec_binary": None,
    }


@contextmanager
def _reading(what: str) -> Iterator[None]:
    """Name any failure of pypdf's for the user: it raises whatever its parser trips on
    (KeyError, struct.error, RecursionError, ...). A refusal or lack of memory passes."""
    try:
        yield
    except (PdfTextError, MemoryError):
        raise
    except LimitReachedError as error:
        raise PdfTextError(f"{what} within the reading limits ({_reason(error)})") from error
    except Exception as error:
        raise PdfTextError(f"corrupt PDF: {what} ({_reason(error)})") from error


def _open(data: bytes) -> PdfReader:
    try:
        reader = PdfReader(io.BytesIO(data))
        encrypted = reader.is_encrypted
    except MemoryError:
        raise
    except Exception as error:
        if b"/Encrypt" in data:
            raise PdfTextError("encrypted PDF: it cannot be opened without a password") from error
        raise PdfTextError(f"corrupt PDF: it cannot be read ({_reason(error)})") from error
    if encrypted:
        _open_without_password(reader)
    return reader


def _open_without_password(reader: PdfReader) -> None:
    """Open a PDF that is encrypted only against editing: its user password is empty."""
    try:
        opened = reader.decrypt("") != PasswordType.NOT_DECRYPTED
    except MemoryError:
        raise
    except Exception as error:
        raise PdfTextError(
            f"encrypted PDF: its encryption cannot be opened here ({_reason(error)})"
        ) from error
    if not opened:
        raise PdfTextError("encrypted PDF: it cannot be opened without a password")


def _refuse_active_content(reader: PdfReader, budget: Budget) -> None:
    """Walk every object reachable from the trailer; refuse the first active name met."""
    stack: list[Any] = [reader.trailer]
    seen: set[tuple[int, int]] = set()
    walked = 0
    with _reading("its objects cannot be read"):
        while stack:
            node = stack.pop()
            if isinstance(node, IndirectObject):
                if (node.idnum, node.generation) in seen:
                    continue
                seen.add((node.idnum, node.generation))
                node = node.get_object()
            if isinstance(node, NameObject):
                _refuse_if_active(node)
                continue
            if isinstance(node, DictionaryObject):
                # dict's own items: a subclass may iterate otherwise (an outline, its
                # children), and references stay unresolved until they are popped.
                for key, value in dict.items(node):
                    _refuse_if_active(key)
                    stack.append(value)
            elif isinstance(node, ArrayObject):
                stack.extend(node)
            else:
                continue
            walked += 1
            if walked > budget.objects:
                raise PdfTextError(
                    f"it holds more than {budget.objects:,} objects, "
                    "too many to check for active content"
                )


def _refuse_if_active(name: str) -> None:
    if name in ACTIVE_CONTENT:
        raise PdfTextError(
            f"it contains {ACTIVE_CONTENT[name]}. Print it to a new PDF or scan it, and upload that"
        )


def _page_text(page: PageObject, number: int, budget: Budget) -> str:
    """One page's text, its drawing instructions measured before any of its text is read."""
    with _reading(f"page {number} cannot be read"):
        content = page.get_contents()  # decompressed within the stream budget
        if content is not None:
            if len(content.get_data()) > budget.page_mb * MB:
                raise PdfTextError(
                    f"its page {number} unpacks to more than {budget.page_mb} MB "
                    "of drawing instructions"
                )
            try:
                parsed = content.operations
            except LimitReachedError:
                raise PdfTextError(
                    f"its page {number} holds more than {budget.page_instructions:,} "
                    "drawing instructions"
                ) from None
            if parsed:
                # Text extraction reuses a parsed content stream instead of parsing it again.
                page[NameObject("/Contents")] = content
        return page.extract_text() or ""


def _reason(error: Exception) -> str:
    return str(error)[:200] or type(error).__name__


def _limit_this_process(budget: Budget) -> None:
    # The memory budget is what reading may add to the interpreter and pypdf, whose own
    # address space differs from one machine to the next.
    memory = _address_space() + budget.memory_mb * MB
    seconds = math.ceil(budget.seconds) + 1  # the parent's wall clock stops it first
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    # Bounds the child even if the web worker that started it is gone.
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    # A core dump would write a resident's document to disk. The child writes only to
    # its pipes and starts no program.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))


def _address_space() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def main(argv: list[str]) -> int:
    settings = json.loads(argv[0])
    max_pages = settings.pop("max_pages")
    budget = Budget(**settings)
    # Set aside, so that the refusal can still be written once memory has run out.
    reserve = bytearray(MB)
    _limit_this_process(budget)
    try:
        data = sys.stdin.buffer.read()
        answer = {"text": read_text(data, max_pages=max_pages, budget=budget)}
    except PdfTextError as error:
        answer = {"refused": str(error)}
    except MemoryError:
        del reserve
        answer = {"refused": f"it needs more than {budget.memory_mb} MB of memory to read"}
    sys.stdout.buffer.write(json.dumps(answer).encode("ascii"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
