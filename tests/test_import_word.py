"""Coded Word files through ``import``: the comments come in as codings (the summary says how
many); ``--no-comments`` leaves them out; helpful paths for ``report``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from resilience_qda.cli import main
from resilience_qda.core.model import Document
from resilience_qda.io import read_project
from resilience_qda.io.docx import write_docx_codings
from resilience_qda.io.imports import read_sources

FIXTURES = Path(__file__).parent / "fixtures" / "sources"
DANISH = (FIXTURES / "interview-da-01.txt").read_text(encoding="utf-8")
ENGLISH = (
    "Interviewer: What did the sessions give you?\n\n"
    "Participant K: Honestly? People who get it. I felt less alone after the second one.\n\n"
    "Interviewer: And at work?\n\n"
    "Participant K: I keep the framework sheet in my bag now, and I use it in supervision.\n"
)


def span(text: str, quote: str) -> tuple[int, int]:
    start = text.index(quote)
    return start, start + len(quote)


def coded_docx(path: Path, doc_id: str, text: str, rows: list[tuple[str, str, str]]) -> Path:
    """A Word file with ``rows`` (quote, code label, coder) as comments, as a colleague
    sends it back after coding in Word."""
    codings = pd.DataFrame(
        [
            {"doc_id": doc_id, "start": s, "end": e, "code": code, "coder": coder,
             "source": "manual", "score": None}
            for quote, code, coder in rows
            for s, e in [span(text, quote)]
        ]
    )  # fmt: skip
    return write_docx_codings(Document(doc_id, text), codings, path / f"{doc_id}.docx")


@pytest.fixture
def english_docx(tmp_path):
    return coded_docx(
        tmp_path,
        "interview-K",
        ENGLISH,
        [
            ("I felt less alone after the second one.", "Feeling less alone", "Ann"),
            ("I keep the framework sheet in my bag now", "Artefacts", "Ann"),  # a name
            ("I use it in supervision", "Supervision", "Ben"),
        ],
    )  # fmt: skip


def test_import_brings_word_comments_in_as_codings(english_docx, tmp_path, capsys):
    project = tmp_path / "p"
    assert main(["import", str(english_docx), "--project", str(project)]) == 0
    err = capsys.readouterr().err
    assert "3 coding(s) from Word comments in 1 file(s) (coder(s): Ann, Ben)" in err
    p = read_project(project)
    codings = p.codings.sort_values("start")
    text = p.corpus["interview-K"].text
    assert text == ENGLISH
    quotes = [text[s:e] for s, e in zip(codings["start"], codings["end"], strict=True)]
    assert quotes == [
        "I felt less alone after the second one.",
        "I keep the framework sheet in my bag now",
        "I use it in supervision",
    ]
    assert codings["coder"].tolist() == ["Ann", "Ann", "Ben"]
    assert "practice-elements/materials/artefacts" in set(codings["code"])


def test_codes_the_codebook_lacks_are_added_and_named(english_docx, tmp_path, capsys):
    project = tmp_path / "p"
    main(["import", str(english_docx), "--project", str(project)])
    err = capsys.readouterr().err
    assert "were added to the codebook: feeling-less-alone, supervision" in err
    book = read_project(project).codebook
    assert book["feeling-less-alone"].name == "Feeling less alone"
    assert book["practice-elements/materials/artefacts"]  # the built-in codes are kept


def test_no_comments_imports_the_text_only(english_docx, tmp_path, capsys):
    project = tmp_path / "p"
    assert main(["import", str(english_docx), "--project", str(project), "--no-comments"]) == 0
    assert "Word comments" not in capsys.readouterr().err
    p = read_project(project)
    assert len(p.codings) == 0 and p.corpus["interview-K"].text == ENGLISH


def test_a_coded_danish_interview_in_word_is_danish_with_its_codings(tmp_path):
    f = coded_docx(
        tmp_path,
        "interview-da-01",
        DANISH,
        [
            ("huslejen er steget", "Økonomi", "Mette"),
            ("Jeg savnede at have nogen at ringe til", "Støtte", "Mette"),
        ],
    )
    found = read_sources([f], codebook=read_project_codebook())
    doc = found.documents[0]
    assert doc.metadata["language"] == "da" and doc.kind == "interview"
    assert found.comments == {"interview-da-01": 2}
    assert set(found.codings["code"]) == {"okonomi", "stotte"}
    assert found.created_codes == ["okonomi", "stotte"]


def test_comments_added_to_an_existing_project_keep_the_others(english_docx, tmp_path):
    project = tmp_path / "p"
    (tmp_path / "notes").mkdir()
    note = tmp_path / "notes" / "meeting-01.md"
    note.write_text("---\nkind: observation\n---\nThe group met. Seven came.\n")
    main(["import", str(note), "--project", str(project)])
    main(["import", str(english_docx), "--project", str(project)])
    p = read_project(project)
    assert p.corpus.doc_ids == ["interview-K", "meeting-01"]
    assert len(p.codings) == 3


def read_project_codebook():
    from resilience_qda.io.codebook import read_codebook

    return read_codebook("cop-evaluation")


# --------------------------------------------------------------------------- report paths


def test_report_without_a_project_says_how_to_name_one(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # outside the clone: there is no data/sample here
    assert main(["report"]) == 1
    err = capsys.readouterr().err
    assert "no project folder named and none at data/sample" in err
    assert "resilience-qda report PROJECT" in err and "resilience-qda import" in err
    assert main(["report", "missing"]) == 1
    assert "missing: no such project folder" in capsys.readouterr().err
