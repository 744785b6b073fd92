"""The project folder: reading, validating, writing atomically, round trips."""

import pandas as pd
import pytest

import resilience_qda as rq
from resilience_qda import CodingsError, ProjectError, QDAWarning
from resilience_qda.core.errors import StorageError
from resilience_qda.io import faults

INTERVIEW = (
    "Interviewer: What changed for you?\n\n"
    "Participant L: I think I slowed down. I map where the family is at before I act.\n"
)
NOTE = 'CoP meeting 1, 14 January 2010.\n\nL said "we never have time".\n'


def make(tmp_path, codings=None):
    root = tmp_path / "proj"
    (root / "sources").mkdir(parents=True)
    (root / "sources" / "interview-L.txt").write_text(INTERVIEW)
    (root / "sources" / "meeting-01.txt").write_text(NOTE)
    (root / "sources.csv").write_text(
        "doc_id,kind,case,date,meeting\n"
        "interview-L,interview,L,2010-12-08,\n"
        "meeting-01,observation,,2010-01-14,1\n"
    )
    (root / "cases.csv").write_text("case,role,sector\nL,Social worker,social work\n")
    if codings is not None:
        (root / "codings").mkdir()
        (root / "codings" / "A.csv").write_text(codings)
    return root


def coding_line(quote, code="themes/more-reflexive", doc="interview-L", text=INTERVIEW):
    start = text.index(quote)
    return f"{doc},{start},{start + len(quote)},{code},A,manual,\n"


HEADER = "doc_id,start,end,code,coder,source,score\n"


def test_a_project_gives_documents_with_kinds_dates_cases_and_turns(tmp_path):
    project = rq.read_project(make(tmp_path))
    docs = project.corpus.documents.set_index("doc_id")
    assert docs.loc["interview-L", ["kind", "case", "date", "role"]].tolist() == [
        "interview",
        "L",
        "2010-12-08",
        "Social worker",
    ]
    assert docs.loc["meeting-01", "meeting"] == 1
    assert project.corpus.turns["speaker"].tolist() == ["Interviewer", "Participant L"]
    assert project.codebook.name == "cop-evaluation"


def test_codings_are_read_validated_and_sorted(tmp_path):
    lines = coding_line("I map where the family is at before I act.") + coding_line(
        "I think I slowed down."
    )
    project = rq.read_project(make(tmp_path, HEADER + lines))
    quotes = rq.coded_text(project.codings, project.corpus).tolist()
    assert quotes == ["I think I slowed down.", "I map where the family is at before I act."]
    assert project.coders == ["A"]


def test_a_coding_past_the_end_of_its_document_names_file_row_and_size(tmp_path):
    root = make(tmp_path, HEADER + "interview-L,10,9999,themes/more-reflexive,A,manual,\n")
    with pytest.raises(CodingsError, match=r"codings/A\.csv.*row 1.*past the end.*characters"):
        rq.read_project(root)


def test_codes_missing_from_the_codebook_are_kept_with_a_warning(tmp_path):
    root = make(tmp_path, HEADER + coding_line("I think I slowed down.", code="my/own-code"))
    with pytest.warns(QDAWarning, match="my/own-code"):
        project = rq.read_project(root)
    assert project.codings["code"].tolist() == ["my/own-code"]
    assert project.unknown_codes() == ["my/own-code"]


def test_rows_of_another_coder_in_a_coders_file_are_refused(tmp_path):
    line = coding_line("I think I slowed down.").replace(",A,", ",B,")
    with pytest.raises(CodingsError, match="coder 'A' only"):
        rq.read_project(make(tmp_path, HEADER + line))


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"\xef\xbb\xbfText", "byte-order mark"),
        (b"one\r\ntwo", "CR/CRLF"),
        (b"caf\xe9", "not UTF-8"),
        ("cafe\u0301".encode(), "NFC"),
    ],
)
def test_sources_not_in_stored_form_are_refused_with_the_fix(tmp_path, content, problem):
    root = make(tmp_path)
    (root / "sources" / "meeting-01.txt").write_bytes(content)
    with pytest.raises(ProjectError, match=f"meeting-01.txt.*{problem}.*import"):
        rq.read_project(root)


def test_a_folder_without_sources_is_not_a_project(tmp_path):
    with pytest.raises(ProjectError, match="resilience-qda import"):
        rq.read_project(tmp_path)


def test_write_then_read_gives_the_same_project(tmp_path):
    root = make(tmp_path, HEADER + coding_line("I think I slowed down."))
    project = rq.read_project(root)
    copy = rq.write_project(project, tmp_path / "copy")
    again = rq.read_project(copy)
    assert again.corpus.texts == project.corpus.texts
    pd.testing.assert_frame_equal(
        again.codings[list(rq.CODINGS_COLUMNS)], project.codings[list(rq.CODINGS_COLUMNS)]
    )
    pd.testing.assert_frame_equal(again.corpus.documents, project.corpus.documents)
    assert not (copy / "codebook.yaml").exists()  # the built-in codebook is not copied
    written = pd.read_csv(copy / "codings" / "A.csv")
    assert written["quote"].tolist() == ["I think I slowed down."]


def test_edited_sources_are_detected_through_the_anchor_quote(tmp_path):
    root = make(tmp_path, HEADER + coding_line("I think I slowed down."))
    rq.write_project(rq.read_project(root), root)
    (root / "sources" / "interview-L.txt").write_text(INTERVIEW.replace("What", "So what"))
    with pytest.warns(QDAWarning, match="no longer cover their quoted text"):
        rq.read_project(root)


def _files(root):
    return {
        p: p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and ".resilience-qda" not in p.relative_to(root).parts
    }


@pytest.mark.parametrize("point", ["stage", "commit", "commit@3"])
def test_an_interrupted_write_leaves_the_existing_project_untouched(tmp_path, monkeypatch, point):
    root = make(tmp_path, HEADER + coding_line("I think I slowed down."))
    before = _files(root)
    project = rq.read_project(root)
    project.codings = pd.concat([project.codings, project.codings.assign(coder="B")])
    faults.reset()
    monkeypatch.setenv(faults.FAULT_ENV, f"ENOSPC:{point}")
    with pytest.raises(StorageError, match=r"disk is full.*nothing was changed"):
        rq.write_project(project, root)
    monkeypatch.delenv(faults.FAULT_ENV)
    assert _files(root) == before  # every file as it was
    left = {p.name for p in (root / ".resilience-qda").iterdir()}
    assert left <= {".gitignore", "generation", "lock"}  # and nothing staged is left


def test_a_new_project_appears_whole_or_not_at_all(tmp_path, monkeypatch):
    project = rq.read_project(make(tmp_path))
    monkeypatch.setenv(faults.FAULT_ENV, "EIO:commit")
    with pytest.raises(StorageError, match="input/output error"):
        rq.write_project(project, tmp_path / "new")
    assert not (tmp_path / "new").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".new")]


def test_write_codings_replaces_only_that_coders_file(tmp_path):
    root = make(tmp_path, HEADER + coding_line("I think I slowed down."))
    rules = pd.DataFrame(
        [
            {
                "doc_id": "meeting-01",
                "start": 0,
                "end": 5,
                "code": "x",
                "coder": "rules:cop-evaluation",
                "source": "rules",
                "score": 1.0,
            }
        ]
    )
    written = rq.write_codings(rules, root)
    assert [p.name for p in written] == ["rules%3Acop-evaluation.csv"]
    with pytest.warns(QDAWarning):
        project = rq.read_project(root)
    assert project.coders == ["A", "rules:cop-evaluation"]


def test_a_coders_file_carries_only_the_optional_columns_that_coder_fills(tmp_path):
    root = make(tmp_path, HEADER + coding_line("I think I slowed down."))
    project = rq.read_project(root)
    mine = project.codings.assign(memo="slowing down")
    project.codings = pd.concat([mine, project.codings.assign(coder="B")], ignore_index=True)
    copy = rq.write_project(project, tmp_path / "copy")
    assert "memo" in pd.read_csv(copy / "codings" / "A.csv").columns
    assert "memo" not in pd.read_csv(copy / "codings" / "B.csv").columns
