"""Text from uploaded PDFs: real PDFs made with reportlab, and every way bytes can be bad."""

from __future__ import annotations

import io
import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from custodiet.policy.facts.documents import classify_document
from custodiet.policy.pdftext import PdfTextError, extract_pdf_text

I200_PAGE = [
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


def _pdf(pages: list[list[str]]) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=letter)
    for lines in pages:
        y = 740
        for line in lines:
            pdf.drawString(72, y, line)
            y -= 16
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _encrypted(data: bytes, *, user_password: str, algorithm: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm=algorithm)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def i200_pdf() -> bytes:
    return _pdf([I200_PAGE])


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
    text = extract_pdf_text(_pdf(DISTRICT_COURT_WARRANT_PAGES))
    facts = classify_document(text=text)
    assert facts.kind == "judicial_warrant"
    assert facts.court_issued is True
    assert "United States District Court for the District of Colorado" in facts.because


def test_line_breaks_are_kept_and_pages_are_separated_by_a_blank_line() -> None:
    text = extract_pdf_text(_pdf(DISTRICT_COURT_WARRANT_PAGES))
    lines = text.split("\n")
    assert lines[:3] == ["UNITED STATES DISTRICT COURT", "for the", "District of Colorado"]
    assert "To: Any authorized law enforcement officer\n\nYOU ARE COMMANDED" in text


def test_runs_of_spaces_collapse_and_blank_lines_are_limited() -> None:
    text = extract_pdf_text(_pdf([["SEARCH     WARRANT", "", "", "", "Judge"]]))
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
    text = extract_pdf_text(_pdf([[f"page {n}"] for n in range(3)]), max_pages=3)
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
        extract_pdf_text(_pdf([[f"page {n}"] for n in range(51)]))


def test_more_pages_than_a_given_limit_are_refused() -> None:
    with pytest.raises(PdfTextError, match=r"too many pages \(3 > 2\)"):
        extract_pdf_text(_pdf([["one"], ["two"], ["three"]]), max_pages=2)


def test_the_error_is_a_value_error_for_callers_that_catch_those() -> None:
    with pytest.raises(ValueError):
        extract_pdf_text(b"not a pdf")


# --- Properties: no other exception escapes, whatever the bytes ----------------------------------


def _extract_or_refuse(data: bytes) -> None:
    try:
        assert isinstance(extract_pdf_text(data), str)
    except PdfTextError as error:
        assert str(error)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4096))
def test_random_bytes_give_text_or_a_pdf_text_error(data: bytes) -> None:
    _extract_or_refuse(data)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4096))
def test_random_bytes_after_a_pdf_header_give_text_or_a_pdf_text_error(data: bytes) -> None:
    _extract_or_refuse(b"%PDF-1.4\n" + data)


VALID_PDF = _pdf([I200_PAGE])


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
