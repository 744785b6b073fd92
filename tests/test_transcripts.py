"""Speaker turns from the transcript layouts researchers use."""

import pytest

from resilience_qda import ReadError, parse_turns
from resilience_qda.core.turns import looks_like_transcript


def spoken(text, table):
    return [(r.speaker, text[r.start : r.end]) for r in table.itertuples()]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Interviewer: How long have you been a nurse?\n\n"
            "Participant L: Ten years, give or take.",
            [
                ("Interviewer", "How long have you been a nurse?"),
                ("Participant L", "Ten years, give or take."),
            ],
        ),
        (
            "I: And the framework?\nP: We used it. Well, sort of.\n",
            [("I", "And the framework?"), ("P", "We used it. Well, sort of.")],
        ),
        (
            "[00:01:02] Interviewer: Go on.\n[00:01:05] Mary Jones: So I rang Mum.",
            [("Interviewer", "Go on."), ("Mary Jones", "So I rang Mum.")],
        ),
        (
            "INTERVIEWER (00:00:03): Thanks for coming.\nSARAH (00:00:07): No problem.",
            [("INTERVIEWER", "Thanks for coming."), ("SARAH", "No problem.")],
        ),
    ],
)
def test_common_layouts_give_speakers_and_exact_spans(text, expected):
    assert spoken(text, parse_turns(text)) == expected


def test_continuation_lines_and_paragraphs_belong_to_the_turn_above():
    text = (
        "Interviewer: Tell me more.\n\nParticipant B: Well.\nShe was fourteen.\n\nAnd then -- yeah."
    )
    turns = parse_turns(text)
    assert spoken(text, turns)[1] == (
        "Participant B",
        "Well.\nShe was fourteen.\n\nAnd then -- yeah.",
    )


def test_timestamps_are_kept_as_turn_attributes():
    turns = parse_turns("[00:01:02] A: one\nB (1:02:03): two")
    assert turns["time"].tolist() == ["00:01:02", "1:02:03"]


def test_interviewer_turns_are_flagged():
    turns = parse_turns("I: Hi.\nParticipant N: Hello.\nQ: Next?\nR1: me", interviewer="R1")
    assert turns["interviewer"].tolist() == [True, False, True, True]


def test_a_header_before_the_first_label_belongs_to_no_turn():
    text = "Interview with L, 8 Dec 2010\n\nInterviewer: Right.\nParticipant L: OK."
    assert parse_turns(text)["speaker"].tolist() == ["Interviewer", "Participant L"]


def test_lowercase_sentences_with_colons_are_not_speakers():
    text = "Participant L: what I said was: no.\nso the answer: maybe."
    assert parse_turns(text)["speaker"].tolist() == ["Participant L"]


def test_a_custom_pattern_reads_other_layouts():
    text = "<<Ann>> hello there\n<<Bob>> hi"
    turns = parse_turns(text, pattern=r"^<<(?P<speaker>\w+)>>")
    assert spoken(text, turns) == [("Ann", "hello there"), ("Bob", "hi")]


def test_a_pattern_without_speaker_group_is_refused():
    with pytest.raises(ReadError, match=r"\(\?P<speaker>"):
        parse_turns("x", pattern=r"^(\w+):")


def test_an_invalid_pattern_is_refused():
    with pytest.raises(ReadError, match="not a valid regular expression"):
        parse_turns("x", pattern=r"^(?P<speaker>\w+")


def test_transcripts_are_recognised_and_prose_is_not():
    assert looks_like_transcript("Interviewer: a\nParticipant L: b")
    assert not looks_like_transcript("The group met at ten. Seven people came.")


def test_notes_with_a_few_labelled_lines_are_prose_not_transcripts(sample_project):
    note = sample_project.corpus["meeting-03"].text  # has Present:, Absent:, Reflection:
    assert not looks_like_transcript(note)
    assert looks_like_transcript(sample_project.corpus["interview-M"].text)
