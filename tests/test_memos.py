"""Memos: Markdown files in memos/, attached to the project, a document, a code, a passage
or a coding; a table to read; beside the codings in retrieval."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from resilience_qda.analysis.retrieval import retrieve
from resilience_qda.core.errors import ProjectError, ReadError
from resilience_qda.core.model import Corpus, Document, Project
from resilience_qda.io import read_project, write_project
from resilience_qda.io.codebook import read_codebook
from resilience_qda.io.memos import (
    add_memo,
    attach_memos,
    memo_files,
    memo_table,
    memos_frame,
    memos_in,
    read_memos,
)

TEXT = (
    "Interviewer: What changed for you?\n\n"
    "Participant N: I stopped feeling on my own with it. We had a shared language.\n"
)


@pytest.fixture
def project() -> Project:
    corpus = Corpus([Document("interview-N", TEXT, {"kind": "interview", "case": "N"})])
    s = TEXT.index("I stopped")
    e = TEXT.index("with it.") + len("with it.")
    codings = pd.DataFrame(
        {
            "doc_id": ["interview-N"],
            "start": [s],
            "end": [e],
            "code": ["context/feeling-isolated"],
            "coder": ["A"],
            "source": ["manual"],
            "score": [np.nan],
        }
    )
    p = Project(corpus, read_codebook("cop-evaluation"), codings)
    p = add_memo(p, "Isolation comes up in most interviews.", memo_id="overall")
    p = add_memo(p, "Recorded by phone; sound poor.", doc_id="interview-N")
    p = add_memo(p, "Includes feeling alone at work, not at home.", code="context/feeling-isolated")
    p = add_memo(
        p,
        "Turning point: compare with meeting 6.",
        doc_id="interview-N",
        start=s,
        end=e,
        code="context/feeling-isolated",
        coder="A",
        author="Kath",
        created="2010-05-04",
    )
    return p


def test_every_kind_of_memo_survives_a_write_and_read(project, tmp_path):
    write_project(project, tmp_path / "p")
    files = sorted(f.name for f in (tmp_path / "p" / "memos").glob("*.md"))
    assert files == [
        "context-feeling-isolated-memo-1.md",
        "interview-N-memo-1.md",
        "interview-N-memo-2.md",
        "overall.md",
    ]
    back = read_project(tmp_path / "p")
    table = memo_table(back).set_index("memo_id")
    assert table.loc["overall", "attached_to"] == "project"
    assert table.loc["interview-N-memo-1", "attached_to"] == "document"
    assert table.loc["context-feeling-isolated-memo-1", "attached_to"] == "code"
    coding = table.loc["interview-N-memo-2"]
    assert coding["attached_to"] == "coding"
    assert coding["passage"] == "I stopped feeling on my own with it."
    assert (coding["author"], coding["created"], coding["coder"]) == ("Kath", "2010-05-04", "A")
    assert int(coding["start"]) == TEXT.index("I stopped")
    left = project.memos.sort_values("memo_id").reset_index(drop=True)
    right = back.memos.sort_values("memo_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(left, right)


def test_the_memo_file_is_markdown_with_front_matter(project):
    files = memo_files(project.memos)
    text = files["memos/interview-N-memo-2.md"].decode()
    assert text.startswith("---\ndoc_id: interview-N\ncode: context/feeling-isolated\nstart: ")
    assert text.endswith("---\nTurning point: compare with meeting 6.\n")
    assert files["memos/overall.md"] == b"Isolation comes up in most interviews.\n"


def test_numpy_and_missing_values_write_as_plain_yaml():
    memos = memos_frame(
        [{"memo_id": "m", "doc_id": "d", "start": np.int64(3), "end": np.int64(9), "text": "x"}]
    )
    memos["weight"] = [np.float64(2.0)]
    expected = b"---\ndoc_id: d\nstart: 3\nend: 9\nweight: 2\n---\nx\n"
    assert memo_files(memos)["memos/m.md"] == expected


def test_coding_memos_show_in_retrieval(project):
    codings = attach_memos(project.codings, project.memos)
    assert codings["memo"].tolist() == ["Turning point: compare with meeting 6."]
    table = retrieve(codings, project.corpus, "context")
    assert table["memo"].tolist() == ["Turning point: compare with meeting 6."]
    assert "memo" not in project.codings  # the input is not changed


def test_attach_memos_keeps_existing_memos_and_matches_code_and_coder(project):
    codings = pd.concat(
        [project.codings.assign(memo="first thought"), project.codings.assign(coder="B")],
        ignore_index=True,
    )
    out = attach_memos(codings, project.memos)
    assert out["memo"].tolist() == [
        "first thought | Turning point: compare with meeting 6.",
        "",  # coder B's coding is not the one the memo annotates
    ]


def test_add_memo_refuses_what_it_cannot_attach(project):
    with pytest.raises(ProjectError, match="no such document"):
        add_memo(project, "x", doc_id="interview-Z")
    with pytest.raises(ProjectError, match="not inside document"):
        add_memo(project, "x", doc_id="interview-N", start=5, end=5000)
    with pytest.raises(ProjectError, match="start and end together"):
        add_memo(project, "x", doc_id="interview-N", start=5)
    with pytest.raises(ProjectError, match="already has a memo"):
        add_memo(project, "x", memo_id="overall")


def test_unsafe_memo_ids_are_refused():
    with pytest.raises(ProjectError, match="cannot be a file name"):
        memo_files(memos_frame([{"memo_id": "../escape", "text": "x"}]))


def test_a_memo_with_a_bad_offset_is_a_read_error(tmp_path):
    (tmp_path / "memos").mkdir()
    (tmp_path / "memos" / "m.md").write_text("---\ndoc_id: d\nstart: ten\nend: 20\n---\nx\n")
    with pytest.raises(ReadError, match=r"m\.md: start must be a whole number"):
        read_memos(tmp_path)


def test_memos_in_lists_memos_that_point_nowhere(project):
    memos = memos_frame(
        [
            {"memo_id": "a", "doc_id": "gone", "text": "x"},
            {"memo_id": "b", "doc_id": "interview-N", "start": 0, "end": 10_000, "text": "y"},
        ]
    )
    problems = memos_in(memos, project.corpus)
    assert len(problems) == 2
    assert "unknown document 'gone'" in problems[0]
    assert "outside 'interview-N'" in problems[1]
