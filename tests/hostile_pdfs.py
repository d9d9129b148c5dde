"""PDFs an upload form must survive, built here so the tests and `bench.uploads` read the same.

An ordinary one-page warrant, as a clerk uploads it, and the hostile files of issue 10: a
PDF whose small compressed pages inflate to megabytes of text operators each, and PDFs
that carry active content (a JavaScript action run on opening, an embedded file, a Launch
action, JavaScript hidden in a compressed object stream).

Imported as `hostile_pdfs` by the tests (tests/ is on their path) and as
`tests.hostile_pdfs` by the benchmarks (run from the project's root).
"""

from __future__ import annotations

import io
import zlib

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    DictionaryObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen.canvas import Canvas

I200_LINES = [
    "DEPARTMENT OF HOMELAND SECURITY",
    "WARRANT FOR ARREST OF ALIEN",
    "File No. A123 456 789",
    "To: Any immigration officer authorized pursuant to sections 236 and 287 of the",
    "Immigration and Nationality Act and part 287 of title 8, Code of Federal Regulations.",
    "I have determined that there is probable cause to believe that JUAN DOE is removable.",
    "(Signature of Authorized Immigration Officer)",
    "Supervisory Detention and Deportation Officer",
    "Form I-200 (Rev. 09/16)",
]

# One text-showing operator as a PDF writer emits it; the expanding pages repeat it.
_TEXT_OPERATOR = b"(WARRANT) Tj "


def text_pdf(pages: list[list[str]]) -> bytes:
    """A PDF with these lines of text on its pages, as an office program would make it."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=letter)
    for lines in pages:
        y = 740
        for line in lines:
            canvas.drawString(72, y, line)
            y -= 16
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def warrant_pdf() -> bytes:
    """An ordinary one-page administrative warrant (Form I-200)."""
    return text_pdf([I200_LINES])


def expanding_pdf(pages: int = 50, inflated_bytes: int = 4_000_000) -> bytes:
    """Each page a small FlateDecode stream that inflates to `inflated_bytes` of text operators.

    Within pypdf's own limits (75 MB a stream, 2,000,000 tokens), so pypdf alone reads it
    for minutes: the file of issue 10. 50 pages of 4 MB make a file of about 400 KB.
    """
    operators = _TEXT_OPERATOR * (inflated_bytes // len(_TEXT_OPERATOR))
    content = b"BT /F1 12 Tf 72 700 Td " + operators + b"ET\n"
    compressed = zlib.compress(content, 9)
    writer = PdfWriter()
    font = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
    )
    for _ in range(pages):
        page = writer.add_blank_page(612, 792)
        stream = StreamObject()
        stream._data = compressed
        stream[NameObject("/Filter")] = NameObject("/FlateDecode")
        stream[NameObject("/Length")] = NumberObject(len(compressed))
        page[NameObject("/Contents")] = writer._add_object(stream)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
    return _written(writer)


def slow_pdf() -> bytes:
    """Fifty pages each under the page budgets (300 KB, some 46,000 instructions), so that
    only the time budget stops it: the longest any upload may take."""
    return expanding_pdf(pages=50, inflated_bytes=300_000)


def javascript_pdf() -> bytes:
    """A warrant that runs JavaScript when it is opened (a /JavaScript /OpenAction)."""
    return _warrant_with_open_action(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.launchURL('https://example.invalid/');"),
        }
    )


def launch_pdf() -> bytes:
    """A warrant that starts another program when it is opened (a /Launch /OpenAction)."""
    return _warrant_with_open_action(
        {
            NameObject("/S"): NameObject("/Launch"),
            NameObject("/F"): TextStringObject("cmd.exe"),
            NameObject("/NewWindow"): NameObject("/true"),
        }
    )


def embedded_file_pdf() -> bytes:
    """A warrant carrying another file inside it (an /EmbeddedFiles name tree)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(warrant_pdf())))
    writer.add_attachment("invoice.exe", b"MZ\x90\x00 not really a program")
    return _written(writer)


def javascript_in_object_stream_pdf() -> bytes:
    """JavaScript in a compressed object stream, where no byte of the file spells it out.

    pypdf writes no object streams, so the file is assembled here: every dictionary
    (catalog, pages, page, font, the action) sits in one FlateDecode /ObjStm, found
    through a cross-reference stream, as PDF 1.5 writers do to save space.
    """
    packed = {
        1: b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 6 0 R"
            b" /Resources << /Font << /F1 7 0 R >> >> >>"
        ),
        4: b"<< /S /JavaScript /JS (app.alert\\('opened'\\)) >>",
        7: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    }
    header = b""
    body = b""
    for number, text in packed.items():
        header += b"%d %d " % (number, len(body))
        body += text + b"\n"
    object_stream = zlib.compress(header + body)
    content = b"BT /F1 12 Tf 72 700 Td (WARRANT FOR ARREST OF ALIEN) Tj ET"

    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    offsets[5] = len(out)
    out += b"5 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\n" % (
        len(packed),
        len(header),
        len(object_stream),
    )
    out += b"stream\n" + object_stream + b"\nendstream\nendobj\n"
    offsets[6] = len(out)
    out += b"6 0 obj\n<< /Length %d >>\nstream\n%s\nendstream\nendobj\n" % (len(content), content)
    offsets[8] = len(out)
    # Cross-reference entries: type 1 (offset in the file) or 2 (index in object stream 5).
    rows = [b"\x00\x00\x00\x00\xff\xff"]
    index = {number: position for position, number in enumerate(packed)}
    for number in range(1, 9):
        if number in packed:
            rows.append(b"\x02" + (5).to_bytes(4, "big") + index[number].to_bytes(1, "big"))
        else:
            rows.append(b"\x01" + offsets[number].to_bytes(4, "big") + b"\x00")
    xref = b"".join(rows)
    out += b"8 0 obj\n<< /Type /XRef /Size 9 /W [1 4 1] /Root 1 0 R /Length %d >>\nstream\n" % len(
        xref
    )
    out += xref + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % offsets[8]
    return bytes(out)


def _warrant_with_open_action(action: dict[NameObject, object]) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(warrant_pdf())))
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(
        DictionaryObject(action)  # type: ignore[arg-type]
    )
    return _written(writer)


def _written(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


# The hostile files by name, for the tests and the benchmark.
HOSTILE = {
    "expanding content streams": expanding_pdf,
    "pages just under the page budgets": slow_pdf,
    "JavaScript run on opening": javascript_pdf,
    "embedded file": embedded_file_pdf,
    "Launch action": launch_pdf,
    "JavaScript in an object stream": javascript_in_object_stream_pdf,
}
