"""Text from uploaded PDFs: real PDFs made with reportlab, every way bytes can be bad, and
the hostile files of issue 10 (reading without bound, active content), each refused with
the budget or the content it names.

Most tests go through `extract_pdf_text`, which reads in a child process; the property
tests call the child's own `read_text`, so that hundreds of examples need no process each.
"""

from __future__ import annotations

import dataclasses
import io
import logging
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from custodiet.policy import pdftext
from custodiet.policy.facts.documents import classify_document
from custodiet.policy.pdftext import BUDGET, PdfTextError, extract_pdf_text
from custodiet.policy.pdfworker import read_text
from hostile_pdfs import (
    embedded_file_pdf,
    expanding_pdf,
    javascript_in_object_stream_pdf,
    javascript_pdf,
    launch_pdf,
    slow_pdf,
    text_pdf,
    warrant_pdf,
)

DISTRICT_COURT_WARRANT_PAGES = [
    [
        "UNITED STATES DISTRICT COURT",
        "for the",
        "District of Colorado",
        "In the Matter of the Search of records held by the Colorado Division of Motor Vehicles",
        "SEARCH AND SEIZURE WARRANT",
        "To: Any authorized law enforcement officer",
    ],
    [
        "YOU ARE COMMANDED to execute this warrant on or before June 1, 2022.",
        "/s/ Hon. Maria Castillo, United States Magistrate Judge",
        "AO 93 (Rev. 11/13) Search and Seizure Warrant",
    ],
]
PRINT_AGAIN = "Print it to a new PDF or scan it, and upload that"


def _encrypted(data: bytes, *, user_password: str, algorithm: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm=algorithm)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def i200_pdf() -> bytes:
    return warrant_pdf()


@pytest.fixture(autouse=True)
def _quiet_pypdf(caplog: pytest.LogCaptureFixture) -> None:
    # pypdf warns about every damaged file it is shown; these tests show it many.
    caplog.set_level(logging.ERROR, logger="pypdf")


# --- Reading real documents ------------------------------------------------------------------


def test_an_i200_pdf_reads_as_an_administrative_warrant(i200_pdf: bytes) -> None:
    text = extract_pdf_text(i200_pdf)
    assert "WARRANT FOR ARREST OF ALIEN" in text
    facts = classify_document(text=text)
    assert facts.kind == "administrative_warrant"
    assert facts.court_issued is False
    assert "form I-200" in facts.signals


def test_a_district_court_warrant_pdf_reads_as_a_judicial_warrant() -> None:
    text = extract_pdf_text(text_pdf(DISTRICT_COURT_WARRANT_PAGES))
    facts = classify_document(text=text)
    assert facts.kind == "judicial_warrant"
    assert facts.court_issued is True
    assert "United States District Court for the District of Colorado" in facts.because


def test_line_breaks_are_kept_and_pages_are_separated_by_a_blank_line() -> None:
    text = extract_pdf_text(text_pdf(DISTRICT_COURT_WARRANT_PAGES))
    lines = text.split("\n")
    assert lines[:3] == ["UNITED STATES DISTRICT COURT", "for the", "District of Colorado"]
    assert "To: Any authorized law enforcement officer\n\nYOU ARE COMMANDED" in text


def test_runs_of_spaces_collapse_and_blank_lines_are_limited() -> None:
    text = extract_pdf_text(text_pdf([["SEARCH     WARRANT", "", "", "", "Judge"]]))
    assert "SEARCH WARRANT" in text
    assert "\n\n\n" not in text
    assert text == text.strip()


def test_a_pdf_of_images_only_gives_no_text() -> None:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=letter)
    pdf.rect(72, 72, 200, 200, fill=1)
    pdf.showPage()
    pdf.save()
    assert extract_pdf_text(buffer.getvalue()) == ""


def test_a_pdf_encrypted_only_against_editing_is_read(i200_pdf: bytes) -> None:
    data = _encrypted(i200_pdf, user_password="", algorithm="RC4-128")
    assert "Form I-200" in extract_pdf_text(data)


def test_junk_before_the_pdf_header_is_tolerated(i200_pdf: bytes) -> None:
    assert "Form I-200" in extract_pdf_text(b"\xef\xbb\xbf\r\n" + i200_pdf)


def test_exactly_the_page_limit_is_read() -> None:
    text = extract_pdf_text(text_pdf([[f"page {n}"] for n in range(3)]), max_pages=3)
    assert text == "page 0\n\npage 1\n\npage 2"


# --- Refusing what cannot be read --------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"hello, this is a plain text file",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"\xff\xd8\xff\xe0\x00\x10JFIF",
        b"PK\x03\x04\x14\x00\x06\x00",  # a .docx
        b"%PD",
    ],
)
def test_bytes_that_are_not_a_pdf_are_refused_as_not_a_pdf(data: bytes) -> None:
    with pytest.raises(PdfTextError, match="not a PDF"):
        extract_pdf_text(data)


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n this is not a PDF body at all",
        b"%PDF-",
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF",
    ],
)
def test_a_corrupt_pdf_is_refused_as_corrupt(data: bytes) -> None:
    with pytest.raises(PdfTextError, match="corrupt PDF"):
        extract_pdf_text(data)


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9])
def test_a_truncated_pdf_is_refused_as_corrupt(i200_pdf: bytes, fraction: float) -> None:
    with pytest.raises(PdfTextError, match="corrupt PDF"):
        extract_pdf_text(i200_pdf[: int(len(i200_pdf) * fraction)])


@pytest.mark.parametrize("algorithm", ["RC4-40", "RC4-128", "AES-256"])
def test_a_pdf_locked_with_a_password_is_refused_as_encrypted(
    i200_pdf: bytes, algorithm: str
) -> None:
    data = _encrypted(i200_pdf, user_password="secret", algorithm=algorithm)
    with pytest.raises(PdfTextError, match="encrypted PDF"):
        extract_pdf_text(data)


def test_more_pages_than_the_default_limit_are_refused() -> None:
    with pytest.raises(PdfTextError, match=r"^too many pages \(51 > 50\)$"):
        extract_pdf_text(text_pdf([[f"page {n}"] for n in range(51)]))


def test_more_pages_than_a_given_limit_are_refused() -> None:
    with pytest.raises(PdfTextError, match=r"too many pages \(3 > 2\)"):
        extract_pdf_text(text_pdf([["one"], ["two"], ["three"]]), max_pages=2)


def test_the_error_is_a_value_error_for_callers_that_catch_those() -> None:
    with pytest.raises(ValueError):
        extract_pdf_text(b"not a pdf")


# --- Reading within a budget ---------------------------------------------------------------


def test_pages_that_inflate_to_megabytes_are_refused_at_the_first_one() -> None:
    # The file of issue 10: 50 pages of 4 MB of text operators each, a file of 400 KB.
    with pytest.raises(PdfTextError, match=r"^its page 1 unpacks to more than 2 MB of drawing"):
        extract_pdf_text(expanding_pdf())


def test_a_page_of_more_drawing_instructions_than_the_budget_is_refused() -> None:
    data = text_pdf([["a short first page"], [f"line {n}" for n in range(40)]])
    budget = dataclasses.replace(BUDGET, page_instructions=100)
    with pytest.raises(PdfTextError, match=r"^its page 2 holds more than 100 drawing instruc"):
        extract_pdf_text(data, budget=budget)


def test_the_default_budget_holds_a_page_of_a_million_bytes_of_text_operators() -> None:
    with pytest.raises(PdfTextError, match=r"^its page 1 holds more than 100,000 drawing"):
        extract_pdf_text(expanding_pdf(pages=1, inflated_bytes=1_000_000))


def test_a_pdf_within_every_page_budget_is_stopped_at_the_time_budget() -> None:
    # Each page stays under both page budgets; together they take far longer than allowed.
    data = slow_pdf()
    budget = dataclasses.replace(BUDGET, seconds=0.5)
    with pytest.raises(PdfTextError, match=r"^it takes more than 0\.5 seconds to read$"):
        extract_pdf_text(data, budget=budget)


def test_a_pdf_that_needs_more_memory_than_the_budget_is_refused() -> None:
    data = expanding_pdf(pages=1, inflated_bytes=12_000_000)
    budget = dataclasses.replace(BUDGET, memory_mb=8)
    with pytest.raises(PdfTextError, match=r"^it needs more than 8 MB of memory to read$"):
        extract_pdf_text(data, budget=budget)


def test_a_stream_larger_than_the_stream_budget_is_not_decompressed() -> None:
    data = expanding_pdf(pages=1, inflated_bytes=3_000_000)
    budget = dataclasses.replace(BUDGET, stream_mb=1, page_mb=8)
    limit = r"^page 1 cannot be read within the reading limits \(Limit reached while decompress"
    with pytest.raises(PdfTextError, match=limit):
        extract_pdf_text(data, budget=budget)


def test_a_pdf_of_more_objects_than_can_be_searched_is_refused(i200_pdf: bytes) -> None:
    budget = dataclasses.replace(BUDGET, objects=5)
    with pytest.raises(PdfTextError, match=r"^it holds more than 5 objects, too many to check"):
        extract_pdf_text(i200_pdf, budget=budget)


def test_a_reader_that_stops_without_an_answer_is_not_believed(
    i200_pdf: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdftext, "WORKER", "custodiet.policy.no_such_module")
    with pytest.raises(PdfTextError, match=r"^the reader stopped on this PDF without finishing"):
        extract_pdf_text(i200_pdf)


def test_the_web_process_never_imports_the_pdf_parser() -> None:
    # Only the child parses PDFs; the process that serves pages does not even load pypdf.
    code = "import sys, custodiet.policy.pdftext; print('pypdf' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


# --- Refusing active content -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "contains"),
    [
        (javascript_pdf, "it contains JavaScript (a program that a PDF reader runs"),
        (javascript_in_object_stream_pdf, "it contains JavaScript"),
        (embedded_file_pdf, "it contains an embedded file (another file carried inside it)"),
        (launch_pdf, "it contains a Launch action (it starts another program"),
    ],
    ids=["javascript-open-action", "javascript-in-object-stream", "embedded-file", "launch"],
)
def test_a_pdf_with_active_content_is_refused_saying_what_it_holds(build, contains) -> None:
    with pytest.raises(PdfTextError) as refused:
        extract_pdf_text(build())
    assert str(refused.value).startswith(contains)
    assert str(refused.value).endswith(PRINT_AGAIN)


def test_javascript_in_an_object_stream_is_found_though_no_byte_spells_it() -> None:
    data = javascript_in_object_stream_pdf()
    assert b"JavaScript" not in data and b"/JS" not in data
    assert "WARRANT FOR ARREST OF ALIEN" in PdfReader(io.BytesIO(data)).pages[0].extract_text()
    with pytest.raises(PdfTextError, match="JavaScript"):
        extract_pdf_text(data)


def test_javascript_spelled_with_escaped_names_is_found() -> None:
    # /J#61vaScript is /JavaScript to every PDF reader.
    data = javascript_pdf().replace(b"/S /JavaScript", b"/S /J#61vaScript")
    data = data.replace(b"/JS ", b"/J#53 ")
    assert b"JavaScript" not in data and b"/JS" not in data
    with pytest.raises(PdfTextError, match=r"^it contains JavaScript"):
        extract_pdf_text(data)


@pytest.mark.parametrize(
    ("action", "contains"),
    [
        ("/SubmitForm", "a form that sends what is typed into it to another address"),
        ("/ImportData", "an action that loads form data from another file"),
        ("/GoToE", "a link into an embedded file"),
        ("/RichMediaExecute", "rich media"),
    ],
)
def test_each_kind_of_action_that_reaches_outside_the_page_is_refused(
    i200_pdf: bytes, action: str, contains: str
) -> None:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(i200_pdf)))
    page = writer.pages[0]
    page[NameObject("/AA")] = DictionaryObject(
        {NameObject("/O"): DictionaryObject({NameObject("/S"): NameObject(action)})}
    )
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(PdfTextError, match=f"^it contains {contains}"):
        extract_pdf_text(buffer.getvalue())


# --- Properties: no other exception escapes, whatever the bytes ----------------------------------


def _extract_or_refuse(data: bytes) -> None:
    # The child's reading itself, in this process: what the child does with any bytes.
    try:
        assert isinstance(read_text(data, max_pages=50, budget=BUDGET), str)
    except PdfTextError as error:
        assert str(error)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4096))
def test_random_bytes_give_text_or_a_pdf_text_error(data: bytes) -> None:
    try:
        assert isinstance(extract_pdf_text(data), str)
    except PdfTextError as error:
        assert str(error)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4096))
def test_random_bytes_after_a_pdf_header_give_text_or_a_pdf_text_error(data: bytes) -> None:
    _extract_or_refuse(b"%PDF-1.4\n" + data)


VALID_PDF = warrant_pdf()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=len(VALID_PDF)))
def test_a_pdf_cut_anywhere_gives_text_or_a_pdf_text_error(cut: int) -> None:
    _extract_or_refuse(VALID_PDF[:cut])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=len(VALID_PDF) - 1), st.integers(0, 255)),
        min_size=1,
        max_size=8,
    )
)
def test_a_pdf_with_damaged_bytes_gives_text_or_a_pdf_text_error(
    damage: list[tuple[int, int]],
) -> None:
    data = bytearray(VALID_PDF)
    for position, value in damage:
        data[position] = value
    _extract_or_refuse(bytes(data))
