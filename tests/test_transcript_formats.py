"""Whisper and WhisperX JSON, noScribe HTML and oTranscribe .otr: read into speaker turns;
empty, broken, huge and hostile files refused with a message naming them."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from resilience_qda.cli import main
from resilience_qda.core.errors import QDAWarning, ReadError
from resilience_qda.core.model import Corpus
from resilience_qda.io import read_project
from resilience_qda.io.html import html_to_text
from resilience_qda.io.sources import read_document
from resilience_qda.io.whisper import whisper_to_text

FIXTURES = Path(__file__).parent / "fixtures" / "sources"


def turns_of(doc):
    t = Corpus([doc]).turns
    return [(r.speaker, r.time, doc.text[r.start : r.end]) for r in t.itertuples()]


# --------------------------------------------------------------------------- Whisper


def test_whisperx_json_gives_speakers_times_and_merged_turns():
    doc = read_document(FIXTURES / "whisperx-interview-12.json")
    assert doc.kind == "interview" and doc.metadata["language"] == "en"
    turns = turns_of(doc)
    assert [s for s, _, _ in turns] == ["SPEAKER_00", "SPEAKER_01"] * 4
    assert turns[1][1] == "00:00:04"
    # two consecutive segments of SPEAKER_01 merge into one turn
    assert turns[1][2] == (
        "Yeah, so I'm a family nurse, I've been with the team about six years now. Mostly "
        "under-fives, some school-age when the family's already known to us."
    )
    # a segment without a speaker continues the turn before it
    assert turns[3][2].endswith("I was the one reminding everyone to come.")
    assert [t for _, t, _ in turns][-1] == "00:00:47"


def test_whisper_without_speakers_is_timed_paragraphs_with_a_warning():
    with pytest.warns(QDAWarning, match="no segment names a speaker"):
        doc = read_document(FIXTURES / "whisper-interview-12.json")
    assert doc.kind == "document" and doc.text.startswith("[00:00:00] Okay, we're recording.")
    text, _ = whisper_to_text(
        {
            "segments": [
                {"start": 0, "end": 2, "text": "One."},
                {"start": 9, "end": 10, "text": "Two."},
            ]
        }
    )
    assert text == "[00:00:00] One.\n\n[00:00:09] Two.\n"


def test_whisper_speaker_names_become_labels_the_parser_reads():
    data = {
        "segments": [
            {"start": 0, "end": 1, "text": "Hi.", "speaker": "anna"},
            {"start": 1, "end": 2, "text": "Hello.", "speaker": "bo / interviewer"},
            {"start": 2, "end": 3, "text": "Right.", "speaker": "???"},
        ]
    }
    text, _ = whisper_to_text(data)
    assert text.splitlines() == [
        "[00:00:00] Anna: Hi.",
        "[00:00:01] Bo Interviewer: Hello.",
        "[00:00:02] Speaker 3: Right.",
    ]


def test_whisper_json_imports_into_a_project_with_turns(tmp_path, capsys):
    project = tmp_path / "p"
    src = FIXTURES / "whisperx-interview-12.json"
    assert main(["import", str(src), "--project", str(project)]) == 0
    assert "1 interview" in capsys.readouterr().err
    p = read_project(project)
    assert p.corpus.turns["speaker"].tolist()[:2] == ["SPEAKER_00", "SPEAKER_01"]
    assert p.corpus.documents["language"].tolist() == ["en"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b'{"segments": [', "not valid JSON"),
        (b"\xff\xfe\x00garbage", "not valid JSON|not UTF-8"),
        (b'{"results": []}', "must be Whisper or WhisperX output with a 'segments' list"),
        (b'{"segments": {"a": 1}}', "'segments' must be a list"),
        (b'{"segments": [42]}', "segment 0 is int"),
        (b'{"segments": [{"start": "0:01", "text": "x"}]}', "segment 0: 'start' must be"),
        (b'{"segments": [{"start": 1, "text": 5}]}', "segment 0: 'text' must be a string"),
        (b'{"segments": [{"start": NaN, "text": "x"}]}', "'start' must be"),
        (b'{"segments": [{"start": 1, "text": "  "}]}', "no segments with text"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
)
def test_broken_and_hostile_json_is_refused_with_the_file_named(tmp_path, content, message):
    f = tmp_path / "bad.json"
    f.write_bytes(content)
    with pytest.raises(ReadError, match=message) as info:
        read_document(f)
    assert "bad.json" in str(info.value)


def test_a_json_file_claiming_two_gigabytes_is_not_read(tmp_path):
    f = tmp_path / "huge.json"
    with open(f, "wb") as fh:  # a sparse file: 2 GB on paper, nothing on disk
        fh.truncate(2 * 1024**3)
    with pytest.raises(ReadError, match=r"huge\.json: is 2,147,483,648 bytes; JSON files larger"):
        read_document(f)


def test_a_long_whisper_transcript_is_read(tmp_path):
    segments = [
        {"start": i * 3.0, "end": i * 3.0 + 2.5, "text": f" Sentence {i} of the talk.",
         "speaker": f"SPEAKER_0{i % 2}"}
        for i in range(20_000)
    ]  # fmt: skip
    f = tmp_path / "long.json"
    f.write_text(json.dumps({"segments": segments}))
    doc = read_document(f)
    assert len(Corpus([doc]).turns) == 20_000
    assert doc.text.splitlines()[-1] == "[16:39:57] SPEAKER_01: Sentence 19999 of the talk."


# --------------------------------------------------------------------------- HTML


def test_noscribe_html_reads_as_a_danish_interview():
    doc = read_document(FIXTURES / "noscribe-interview-da-02.html")
    assert doc.kind == "interview" and doc.metadata["language"] == "da"
    turns = turns_of(doc)
    assert [s for s, _, _ in turns] == ["S00", "S01"] * 3
    assert turns[1] == (
        "S01",
        "00:00:05",
        "Det er blevet en vane. Jeg tager det med til alle hjemmebesøg. Forældrene kan "
        "lide, at de selv må skrive på det.",
    )
    assert '"endnu et skema"' in turns[3][2]  # entities decoded
    assert "p, li {" not in doc.text  # the style sheet is not text
    assert "noScribe" not in doc.text  # nor the note on the transcription


def test_otranscribe_otr_keeps_its_timestamps_and_bold_labels():
    doc = read_document(FIXTURES / "otranscribe-interview-14.otr")
    turns = turns_of(doc)
    assert [(s, t) for s, t, _ in turns] == [
        ("Interviewer", "00:00:03"),
        ("Carer", "00:00:09"),
        ("Interviewer", "00:00:21"),
        ("Carer", "00:00:25"),
    ]
    assert (
        turns[1][2] == "Nine years in April. Mostly teenagers, which people think is mad.\n"
        "But I like them at that age."
    )


def test_html_without_text_or_too_deep_is_refused(tmp_path):
    with pytest.raises(ReadError, match="no visible text"):
        html_to_text("<html><head><title>x</title></head><body><p> </p></body></html>")
    deep = tmp_path / "deep.html"
    deep.write_text("<div>" * 10_000 + "x" + "</div>" * 10_000)
    with pytest.raises(ReadError, match=r"deep\.html: HTML elements are nested more than"):
        read_document(deep)
    bad = tmp_path / "bad.otr"
    bad.write_text('{"media": "a.mp3"}')
    with pytest.raises(ReadError, match=r"bad\.otr: not an oTranscribe file"):
        read_document(bad)


def test_html_with_a_wrong_charset_is_still_read(tmp_path):
    f = tmp_path / "latin.html"
    f.write_bytes(
        '<meta charset="utf-8"><p>I: Hvordan går det?</p><p>P: Fint.</p>'.encode("cp1252")
    )
    assert "går" in read_document(f).text


def test_a_folder_of_mixed_sources_is_read(tmp_path):
    folder = tmp_path / "in"
    shutil.copytree(FIXTURES, folder, ignore=shutil.ignore_patterns("*.yaml", "*.csv"))
    with pytest.warns(QDAWarning):  # the Whisper file without speakers
        docs = {d.doc_id: d for d in map(read_document, sorted(folder.iterdir()))}
    assert {d.metadata["language"] for d in docs.values()} == {"en", "da"}
    assert os.path.exists(folder / "otranscribe-interview-14.otr")


@pytest.mark.parametrize("name", ["huge.html", "huge.otr"])
def test_html_and_otr_files_claiming_two_gigabytes_are_not_read(tmp_path, name):
    f = tmp_path / name
    with open(f, "wb") as fh:
        fh.truncate(2 * 1024**3)
    with pytest.raises(ReadError, match=rf"{name}: is 2,147,483,648 bytes"):
        read_document(f)
