"""The text of an uploaded PDF, so that a legal document can be read in its own words.

Clerks upload the warrant, subpoena or detainer they were handed, and `classify_document`
reads its text. A PDF from a stranger is untrusted input: anything that is not a readable,
unencrypted PDF of a reasonable length is refused with a `PdfTextError` whose message
says what is wrong, and no other exception escapes, whatever the bytes.
"""

from __future__ import annotations

import io
import re

from pypdf import PasswordType, PdfReader

# PDF readers accept a few bytes of junk (a mail header, a BOM) before the "%PDF-" marker.
_HEADER_WINDOW = 1024

_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[^\S\n]+")  # whitespace other than line breaks
_LINE_EDGES = re.compile(r" ?\n ?")
_BLANK_LINES = re.compile(r"\n{3,}")


class PdfTextError(ValueError):
    """The bytes are not a PDF whose text can be read; the message says why, for the user."""


def extract_pdf_text(data: bytes, *, max_pages: int = 50) -> str:
    """The text of every page, pages separated by a blank line.

    A PDF of scanned images has no text, and gives "". Raises `PdfTextError` for bytes
    that are not a PDF, a PDF that cannot be opened without a password, a corrupt PDF,
    and a PDF of more than `max_pages` pages.
    """
    if b"%PDF-" not in data[:_HEADER_WINDOW]:
        raise PdfTextError("not a PDF: the file does not start with a PDF header")
    # pypdf raises whatever its parser trips on (KeyError, struct.error, RecursionError,
    # ...) for a damaged file, so every failure to read is caught and named for the user.
    try:
        reader = PdfReader(io.BytesIO(data))
        encrypted = reader.is_encrypted
    except Exception as error:
        if b"/Encrypt" in data:
            raise PdfTextError("encrypted PDF: it cannot be opened without a password") from error
        raise PdfTextError(f"corrupt PDF: it cannot be read ({_reason(error)})") from error
    if encrypted:
        _open_without_password(reader)
    try:
        pages = reader.pages
        count = len(pages)
    except Exception as error:
        raise PdfTextError(f"corrupt PDF: its pages cannot be read ({_reason(error)})") from error
    if count > max_pages:
        raise PdfTextError(f"too many pages ({count} > {max_pages})")
    texts = []
    for number in range(count):
        try:
            texts.append(pages[number].extract_text() or "")
        except Exception as error:
            raise PdfTextError(
                f"corrupt PDF: page {number + 1} cannot be read ({_reason(error)})"
            ) from error
    return _normalise("\n\n".join(texts))


def _open_without_password(reader: PdfReader) -> None:
    """Open a PDF that is encrypted only against editing: its user password is empty."""
    try:
        opened = reader.decrypt("") != PasswordType.NOT_DECRYPTED
    except Exception as error:
        raise PdfTextError(
            f"encrypted PDF: its encryption cannot be opened here ({_reason(error)})"
        ) from error
    if not opened:
        raise PdfTextError("encrypted PDF: it cannot be opened without a password")


def _reason(error: Exception) -> str:
    return str(error)[:200] or type(error).__name__


def _normalise(text: str) -> str:
    """Runs of spaces become one space; line breaks stay, at most one blank line in a row."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _SPACES.sub(" ", _CONTROL.sub("", text))
    text = _LINE_EDGES.sub("\n", text)
    return _BLANK_LINES.sub("\n\n", text).strip()
