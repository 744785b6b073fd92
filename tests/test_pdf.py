"""PDFs with a text layer: text in reading order with its pages; scans and hostile files are
refused with a message that says what to do."""

from __future__ import annotations

import pytest
from _pdf import PICTURE_PAGE, pdf_bytes, text_page

from resilience_qda.cli import main
from resilience_qda.core.errors import QDAWarning, ReadError
from resilience_qda.core.model import Corpus
from resilience_qda.core.pages import add_pages, pages_table
from resilience_qda.core.units import units
from resilience_qda.io import pdf as pdf_io
from resilience_qda.io import read_project
from resilience_qda.io.sources import read_document

PAGE_1 = [
    "Interview 4 - sundhedsplejerske, marts",
    "",
    "Interviewer: Hvordan begyndte det for dig?",
    "Informant: Med kortet. Vi tegnede det sammen med familien,",
    "og børnene var med hele vejen.",
]
PAGE_2 = [
    "Interviewer: Og hvad skete der så?",
    "Informant: Så gik vi i gang. Forældrene fik mere ro på.",
]
PAGE_3 = ["Interviewer: Tak for i dag.", "Informant: Selv tak."]


@pytest.fixture
def interview_pdf(tmp_path):
    f = tmp_path / "interview-04.pdf"
    f.write_bytes(pdf_bytes([text_page(PAGE_1), text_page(PAGE_2), text_page(PAGE_3)]))
    return f


def test_text_comes_in_reading_order_with_the_page_starts(interview_pdf):
    found = pdf_io.read_pdf(interview_pdf)
    assert found.text.startswith("Interview 4 - sundhedsplejerske, marts\n")
    assert found.text.index("Hvordan begyndte") < found.text.index("Og hvad skete")
    assert "børnene var med" in found.text  # WinAnsi text decoded
    assert len(found.page_starts) == 3 and found.empty_pages == ()
    page_2 = found.text[found.page_starts[1] : found.page_starts[2]]
    assert page_2.startswith("Interviewer: Og hvad skete der så?")


def test_a_pdf_document_is_a_danish_interview_whose_turns_and_units_know_their_page(
    interview_pdf,
):
    doc = read_document(interview_pdf)
    assert doc.kind == "interview" and doc.metadata["language"] == "da"
    corpus = Corpus([doc])
    pages = pages_table((d.doc_id, len(d.text), d.metadata) for d in corpus)
    assert pages["page"].tolist() == [1, 2, 3]
    turns = add_pages(corpus.turns, pages)
    assert turns["page"].tolist() == [1, 1, 2, 2, 3, 3]
    paragraphs = units(corpus, "turn")
    assert paragraphs["page"].tolist() == [1, 1, 1, 2, 2, 3, 3]  # the header is a unit too


def test_imported_pdf_keeps_its_pages_in_sources_csv(interview_pdf, tmp_path, capsys):
    project = tmp_path / "p"
    assert main(["import", str(interview_pdf), "--project", str(project)]) == 0
    assert "1 interview" in capsys.readouterr().err
    p = read_project(project)
    starts = p.corpus.documents["page_starts"].iloc[0]
    assert len(str(starts).split()) == 3
    assert units(p.corpus, "sentence")["page"].max() == 3


def test_pages_without_text_are_named_in_a_warning(tmp_path):
    f = tmp_path / "mixed.pdf"
    f.write_bytes(pdf_bytes([text_page(PAGE_1), PICTURE_PAGE, text_page(PAGE_2)]))
    with pytest.warns(QDAWarning, match=r"mixed\.pdf: page\(s\) 2 have no text layer"):
        doc = read_document(f)
    starts = [int(x) for x in doc.metadata["page_starts"].split()]
    assert starts[1] == starts[2]  # the empty page begins where page 3 does


def test_a_scanned_pdf_gets_a_clear_message(tmp_path):
    f = tmp_path / "scan.pdf"
    f.write_bytes(pdf_bytes([PICTURE_PAGE, PICTURE_PAGE]))
    with pytest.raises(ReadError, match=r"scan\.pdf: has no text layer \(2 page\(s\).*OCR"):
        read_document(f)


def test_a_decompression_bomb_is_stopped_at_the_cap(tmp_path):
    f = tmp_path / "bomb.pdf"
    bomb = b"BT /F1 12 Tf 72 740 Td (x) Tj ET " + b" " * 150_000_000
    f.write_bytes(pdf_bytes([bomb]))
    assert f.stat().st_size < 1_000_000
    with pytest.raises(
        ReadError, match=r"bomb\.pdf: a stream of the PDF is larger than .* decompressed"
    ):
        read_document(f)


def test_a_stream_that_claims_two_gigabytes_is_not_read(tmp_path):
    f = tmp_path / "claim.pdf"
    f.write_bytes(pdf_bytes([text_page(PAGE_1)], compress=False, lengths=[2 * 1024**3]))
    with pytest.raises(ReadError, match=r"claim\.pdf: .*larger than pypdf's cap.*declared"):
        read_document(f)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"Interviewer: this is text, not a PDF\n", "is not a PDF"),
        (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog", "damaged|no text layer"),
    ],
)
def test_empty_broken_and_mislabelled_pdfs_are_refused(tmp_path, content, message):
    f = tmp_path / "x.pdf"
    f.write_bytes(content)
    with pytest.raises(ReadError, match=message) as info:
        read_document(f)
    assert "x.pdf" in str(info.value)


def test_a_truncated_pdf_is_refused_or_read_but_never_crashes(interview_pdf, tmp_path):
    data = interview_pdf.read_bytes()
    for cut in (len(data) // 4, len(data) // 2, len(data) - 40):
        f = tmp_path / f"cut-{cut}.pdf"
        f.write_bytes(data[:cut])
        try:
            doc = read_document(f)
        except ReadError as exc:
            assert f.name in str(exc)
        else:
            assert doc.text.strip()


def test_password_protected_pdfs_say_so(tmp_path):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(612, 792)
    writer.encrypt("secret")
    f = tmp_path / "locked.pdf"
    with open(f, "wb") as fh:
        writer.write(fh)
    with pytest.raises(
        ReadError, match=r"locked\.pdf: the PDF is (protected by a password|encrypted)"
    ):
        read_document(f)


def test_caps_on_pages_and_size(interview_pdf, monkeypatch):
    monkeypatch.setattr(pdf_io, "MAX_PAGES", 2)
    with pytest.raises(ReadError, match="has 3 pages; PDFs of more than 2 are not read"):
        read_document(interview_pdf)
    monkeypatch.setattr(pdf_io, "MAX_PDF_BYTES", 100)
    with pytest.raises(ReadError, match="PDFs larger than 100 bytes are not read"):
        read_document(interview_pdf)
