"""Coding by structure: speakers, interview questions, document attributes."""

from __future__ import annotations

import pandas as pd
import pytest

from resilience_qda.coding.structure import code_by_attribute, code_by_question, code_by_speaker
from resilience_qda.core.model import Corpus, Document, validate_codings

TEXT = (
    "Interview 3, January.\n\n"
    "Interviewer: Could you tell me about your role?\n\n"
    "Participant B: I foster. Two boys.\n\n"
    "Interviewer: Two?\n\n"
    "Participant B: Brothers, yes.\n\n"
    "Interviewer: And what gets in the way of this at work?\n\n"
    "Participant B: Paperwork.\n\n"
    "Extra paragraph of the same turn."
)


@pytest.fixture
def corpus():
    cases = pd.DataFrame({"case": ["B"], "role": ["Foster carer"]})
    return Corpus(
        [
            Document("interview-B", TEXT, {"kind": "interview", "case": "B"}),
            Document("meeting-01", "Notes of the meeting.", {"kind": "observation"}),
        ],
        cases,
    )


def _quotes(codings):
    return [(c, TEXT[s:e]) for s, e, c in codings[["start", "end", "code"]].values]


def test_each_turn_is_coded_with_its_speaker(corpus):
    codings = code_by_speaker(corpus, interviewer=False)
    validate_codings(codings, corpus)
    assert _quotes(codings) == [
        ("speakers/participant-b", "I foster. Two boys."),
        ("speakers/participant-b", "Brothers, yes."),
        ("speakers/participant-b", "Paperwork.\n\nExtra paragraph of the same turn."),
    ]
    assert set(codings["coder"]) == {"structure:speaker"} and set(codings["source"]) == {"rules"}


def test_answers_are_coded_by_the_guide_question_and_follow_ups_continue_it(corpus):
    guide = {"Role": "Tell me about your role", "Barriers": "What gets in the way at work?"}
    codings = code_by_question(corpus, guide)
    assert _quotes(codings) == [
        ("questions/role", "I foster. Two boys."),
        ("questions/role", "Brothers, yes."),
        ("questions/barriers", "Paperwork.\n\nExtra paragraph of the same turn."),
    ]


def test_a_question_list_numbers_the_codes_in_order(corpus):
    codings = code_by_question(corpus, ["your role", "what gets in the way"])
    assert codings["code"].tolist() == ["questions/q1", "questions/q1", "questions/q2"]


def test_without_a_guide_every_interviewer_turn_starts_a_question(corpus):
    codings = code_by_question(corpus)
    assert codings["code"].tolist() == ["questions/q1", "questions/q2", "questions/q3"]


def test_answers_before_any_matching_question_are_left_uncoded(corpus):
    codings = code_by_question(corpus, {"barriers": "what gets in the way"})
    assert _quotes(codings) == [
        ("questions/barriers", "Paperwork.\n\nExtra paragraph of the same turn.")
    ]


def test_documents_are_coded_by_case_and_document_attributes(corpus):
    by_role = code_by_attribute(corpus, "role")
    assert by_role[["doc_id", "start", "end", "code"]].values.tolist() == [
        ["interview-B", 0, len(TEXT), "role/foster-carer"]
    ]
    by_kind = code_by_attribute(corpus, "kind", prefix="Data kind")
    assert by_kind["code"].tolist() == ["data-kind/interview", "data-kind/observation"]


def test_an_unknown_attribute_names_the_ones_there_are(corpus):
    with pytest.raises(KeyError, match="role"):
        code_by_attribute(corpus, "sector")


def test_a_corpus_without_transcripts_gives_empty_tables():
    corpus = Corpus([Document("n", "Just notes.", {"kind": "observation"})])
    assert len(code_by_speaker(corpus)) == 0 and len(code_by_question(corpus)) == 0
