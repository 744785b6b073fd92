"""Retrieval for quotation, exemplar choice and the framework matrix."""

from __future__ import annotations

import pandas as pd
import pytest
from _analysis_data import INTERVIEW_L, codings, corpus, span

from resilience_qda.analysis.retrieval import exemplars, framework_matrix, retrieve
from resilience_qda.core.model import Corpus, Document


def coder_a():
    c = codings()
    return c[c["coder"] == "A"]


def test_retrieve_gives_text_speaker_case_role_and_context():
    found = retrieve(coder_a(), corpus(), "practice-elements/materials", context=15)
    assert found["text"].tolist() == [
        "The sheet helped me think.",
        "I was tired though.",
        "The map, mostly.",
        "The sheet went round.",
    ]
    first = found.iloc[0]
    assert (first["speaker"], first["case"], first["role"]) == (
        "Participant L",
        "L",
        "Social worker",
    )
    assert not first["interviewer"]
    assert first["before"] == INTERVIEW_L[first["start"] - 15 : first["start"]]
    assert first["after"] == "\n\nInterviewer: "[:15]
    note = found.iloc[-1]
    assert note["speaker"] is None and note["kind"] == "observation"


def test_retrieve_exact_code_only():
    found = retrieve(coder_a(), corpus(), "practice-elements/materials", rollup=False)
    assert len(found) == 0


def test_memos_travel_with_the_passages():
    c = coder_a().assign(memo="")
    c.loc[c["code"] == "themes/more-reflexive", "memo"] = "thinking differently"
    found = retrieve(c, corpus(), "themes")
    assert found.set_index("code").loc["themes/more-reflexive", "memo"] == "thinking differently"


def test_hostile_text_is_returned_as_text():
    text = "Participant X: <script>alert('x')</script> & more"
    c = Corpus([Document("h", text, {"kind": "interview", "case": "X"})])
    s, e = span(text, "<script>alert('x')</script>")
    codings_h = pd.DataFrame(
        {"doc_id": ["h"], "start": [s], "end": [e], "code": ["themes/a"], "coder": ["A"]}
    )
    assert retrieve(codings_h, c, "themes")["text"].tolist() == ["<script>alert('x')</script>"]


def test_exemplars_prefer_participants_quotable_length_and_distinct_cases():
    r = pd.DataFrame(
        {
            "doc_id": ["i1", "i1", "i1", "i2", "i3"],
            "start": [0, 100, 200, 0, 0],
            "end": [100, 105, 300, 100, 1000],
            "case": ["L", "L", "L", "S", "B"],
            "interviewer": [True, False, False, False, False],
            "text": ["q" * 100, "short", "a" * 100, "b" * 100, "c" * 1000],
        }
    )
    picks = exemplars(r, n=3)
    # L's quotable participant passage, S's, then L's short one: B's only passage is over
    # 600 characters with no sentence to trim it to, so it is skipped
    assert picks["text"].str[0].tolist() == ["a", "b", "s"]
    assert picks["rank"].tolist() == [1, 2, 3]
    assert len(exemplars(r, n=10)) == 4 and exemplars(r, n=10)["voice"].iloc[-1] == "interviewer"
    assert len(exemplars(r.head(0))) == 0


def test_framework_matrix_cells_hold_passages():
    fm = framework_matrix(coder_a(), corpus(), ["themes/more-reflexive", "themes/more-resourceful"])
    assert fm[["case", "code", "passages"]].values.tolist() == [
        ["L", "themes/more-reflexive", 1],
        ["L", "themes/more-resourceful", 0],
        ["S", "themes/more-reflexive", 0],
        ["S", "themes/more-resourceful", 1],
    ]
    assert fm["passages_text"].tolist()[0] == "The sheet helped me think. [interview-L]"
    capped = framework_matrix(coder_a(), corpus(), ["practice-elements"], max_passages=1)
    l_row = capped[capped["case"] == "L"].iloc[0]
    assert l_row["passages"] == 3 and l_row["passages_text"].count("[interview-L]") == 1
    with pytest.raises(KeyError, match="no attribute"):
        framework_matrix(coder_a(), corpus(), ["themes"], rows="tenure")


def test_retrieve_does_not_mutate():
    c = coder_a()
    before = c.copy()
    retrieve(c, corpus())
    pd.testing.assert_frame_equal(c, before)
