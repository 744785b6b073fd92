"""Speaker labels as transcribers write them, and the warning when a transcript has no turns."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from resilience_qda.core.errors import QDAWarning
from resilience_qda.core.turns import (
    looks_like_transcript,
    parse_turns,
    transcript_problem,
    turn_coverage,
)
from resilience_qda.io.sources import read_document

FIXTURES = Path(__file__).parent / "fixtures" / "sources"

#: A transcript as a transcription service types it: lower-case role labels, a header.
LOWER_CASE = (FIXTURES / "interview-07-lowercase.txt").read_text(encoding="utf-8")


def spoken(text, table):
    return [(r.speaker, text[r.start : r.end]) for r in table.itertuples()]


@pytest.mark.parametrize(
    ("text", "speakers"),
    [
        ("interviewer: Hello.\ninterviewee: Hi.", ["interviewer", "interviewee"]),
        ("INTERVIEWER: Hello.\nRESPONDENT: Hi.", ["INTERVIEWER", "RESPONDENT"]),
        ("Moderator: Welcome.\nParticipant 3: Thanks.", ["Moderator", "Participant 3"]),
        ("Facilitator: Right.\nparticipant B: Yes.", ["Facilitator", "participant B"]),
        ("Int: Why?\nResp: Because.", ["Int", "Resp"]),
        ("I: Why?\nR: Because.\nQ: Then?\nA: Nothing.", ["I", "R", "Q", "A"]),
        ("i: why?\np: because.", ["i", "p"]),
        ("P01: First.\nR12: Second.", ["P01", "R12"]),
        ("Speaker 1: Hi.\nSpeaker 2: Hello.", ["Speaker 1", "Speaker 2"]),
        ("SPEAKER_00: Hi.\nSPEAKER_01: Hello.", ["SPEAKER_00", "SPEAKER_01"]),
        ("Mary Jones: So I rang.\nDr. Patel: Good.", ["Mary Jones", "Dr. Patel"]),
        ("Interviewer: Hvordan gik det?\nIP: Godt.", ["Interviewer", "IP"]),
        ("**Interviewer:** Go on.\n**Anna:** Well.", ["Interviewer", "Anna"]),
        ("[SPEAKER_00]: Hi.\n[SPEAKER_01]: Hello.", ["SPEAKER_00", "SPEAKER_01"]),
    ],
)
def test_labels_in_any_case_roles_numbers_and_names(text, speakers):
    assert parse_turns(text)["speaker"].tolist() == speakers


@pytest.mark.parametrize(
    ("text", "times"),
    [
        ("[00:01:02] Interviewer: Go on.\n[00:01:09] Anna: hm", ["00:01:02", "00:01:09"]),
        ("00:01:02 Interviewer: Go on.\n00:01:09 P: Yes.", ["00:01:02", "00:01:09"]),
        ("(00:01:02) I: Go on.\n(1:09) P: Yes.", ["00:01:02", "1:09"]),
        ("Interviewer (00:01:02): Go on.\nP [00:01:09]: Yes.", ["00:01:02", "00:01:09"]),
        ("00:01:02 - Interviewer: Go on.\n00:01:09 - P: Yes.", ["00:01:02", "00:01:09"]),
    ],
)
def test_timestamps_before_or_after_the_label(text, times):
    turns = parse_turns(text)
    assert turns["time"].tolist()[: len(times)] == times


def test_otter_layout_label_and_time_on_their_own_line():
    text = "Speaker 1  0:02\nSo how did it start?\n\nSpeaker 2  0:09\nWith the map, really.\n"
    turns = parse_turns(text)
    assert spoken(text, turns) == [
        ("Speaker 1", "So how did it start?"),
        ("Speaker 2", "With the map, really."),
    ]
    assert turns["time"].tolist() == ["0:02", "0:09"]


def test_lower_case_transcript_has_its_turns_and_interviewer_flags():
    turns = parse_turns(LOWER_CASE)
    assert turns["speaker"].tolist() == ["interviewer", "interviewee"] * 4
    assert turns["interviewer"].tolist() == [True, False] * 4
    first = turns.iloc[1]
    assert LOWER_CASE[first.start : first.end].startswith("It's always been")
    assert "interviewee:" not in LOWER_CASE[first.start : first.end]
    assert looks_like_transcript(LOWER_CASE)


def test_prose_with_colons_is_not_a_speaker():
    text = "Participant L: what I said was: no.\nso the answer: maybe.\nthe plan: none."
    assert parse_turns(text)["speaker"].tolist() == ["Participant L"]


def test_imported_lower_case_transcript_is_an_interview_without_warnings(tmp_path):
    f = tmp_path / "interview-07.txt"
    f.write_text(LOWER_CASE, encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error", QDAWarning)
        doc = read_document(f)
    assert doc.kind == "interview"
    assert doc.metadata["language"] == "en"


def test_labels_the_pattern_cannot_read_are_named_in_a_warning(tmp_path):
    text = "".join(f"anna: answer {i} about the group.\nbob: question {i}?\n" for i in range(4))
    f = tmp_path / "focus-group.txt"
    f.write_text(text, encoding="utf-8")
    with pytest.warns(QDAWarning, match=r"focus-group\.txt: looks like a transcript.*'anna:'"):
        doc = read_document(f)
    assert doc.kind == "document"
    own = read_document(f, speaker_pattern=r"^(?P<speaker>[a-z]+):")
    assert own.kind == "interview"


def test_a_transcript_kind_without_turns_is_warned_about(tmp_path):
    f = tmp_path / "int-3.txt"
    f.write_text("We talked about the framework for an hour. She liked the map.\n")
    with pytest.warns(QDAWarning, match=r"int-3\.txt: looks like a transcript \(its kind is"):
        read_document(f, kind="interview")


def test_low_coverage_names_the_header_and_the_unread_labels():
    header = "Consent form read out and signed before the recording started. " * 10
    text = header + "\n\nInterviewer: Hi.\nParticipant: Hello.\n"
    assert turn_coverage(text) < 0.5
    assert "come before the first speaker label" in transcript_problem(text, kind="interview")
    mixed = "".join(
        f"Interviewer: question {i} about the sessions?\nanna: a long answer number {i} "
        "about the sessions and the map and the group.\n"
        for i in range(5)
    )
    problem = transcript_problem(mixed, kind="interview")
    assert problem.startswith("speaker turns cover only")
    assert "'anna:' 5 times" in problem


def test_sample_transcripts_read_as_before(sample_project):
    turns = sample_project.corpus.turns
    assert len(turns) > 100
    for doc in sample_project.corpus:
        if doc.kind == "interview":
            assert transcript_problem(doc.text, kind=doc.kind) is None, doc.doc_id
