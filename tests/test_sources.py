"""Reading source files into documents: text, notes with front matter, captions, Word."""

import zipfile

import docx
import pytest

from resilience_qda import ReadError, read_corpus, read_document

VTT = """WEBVTT

00:00:01.000 --> 00:00:03.000
<v Interviewer>What did you make of the framework?

00:00:03.500 --> 00:00:06.000
<v Participant L>Honestly? At first, um,

00:00:06.000 --> 00:00:08.000
<v Participant L>I thought it was another form.
"""

SRT = """1
00:00:01,000 --> 00:00:02,500
Interviewer: And now?

2
00:00:03,000 --> 00:00:05,000
Participant S: Now I carry it in my bag.

3
00:00:05,000 --> 00:00:06,000
Every visit.
"""


def test_vtt_voices_become_turns_and_cues_of_one_speaker_merge(tmp_path):
    f = tmp_path / "int-L.vtt"
    f.write_text(VTT)
    doc = read_document(f)
    assert doc.kind == "interview"
    assert doc.text == (
        "[00:00:01] Interviewer: What did you make of the framework?\n"
        "[00:00:03] Participant L: Honestly? At first, um, I thought it was another form.\n"
    )


def test_srt_name_prefixes_become_speakers_and_unlabelled_cues_continue(tmp_path):
    f = tmp_path / "int-S.srt"
    f.write_text(SRT)
    from resilience_qda import Corpus

    corpus = Corpus([read_document(f)])
    turns = corpus.turns
    assert turns["speaker"].tolist() == ["Interviewer", "Participant S"]
    doc = corpus["int-S"]
    last = turns.iloc[1]
    assert doc.text[last.start : last.end] == "Now I carry it in my bag. Every visit."
    assert turns["time"].tolist() == ["00:00:01", "00:00:03"]


def test_broken_captions_name_the_file(tmp_path):
    f = tmp_path / "bad.vtt"
    f.write_text("WEBVTT\n\nnot a timing line\nhello\n")
    with pytest.raises(ReadError, match=r"bad\.vtt.*(WebVTT|no cues)"):
        read_document(f)


def test_front_matter_gives_the_note_its_kind_date_and_meeting(tmp_path):
    f = tmp_path / "meeting-03.md"
    f.write_text("---\nkind: observation\ndate: 2010-03-11\nmeeting: 3\n---\nSix attended.\n")
    doc = read_document(f)
    assert doc.text == "Six attended.\n"
    assert (doc.kind, doc.metadata["date"], doc.metadata["meeting"]) == (
        "observation",
        "2010-03-11",
        3,
    )


def test_bad_front_matter_is_a_clear_error(tmp_path):
    f = tmp_path / "note.md"
    f.write_text("---\nkind: [unclosed\n---\ntext\n")
    with pytest.raises(ReadError, match=r"note\.md.*front matter"):
        read_document(f)


def test_word_paragraphs_are_read_in_order(tmp_path):
    d = docx.Document()
    d.add_paragraph("Interviewer: How did it go?")
    d.add_paragraph("")
    p = d.add_paragraph("Participant B: ")
    p.add_run("It went ").bold = True
    p.add_run("well, actually.")
    f = tmp_path / "int-B.docx"
    d.save(f)
    doc = read_document(f)
    assert doc.text == "Interviewer: How did it go?\n\nParticipant B: It went well, actually.\n"
    assert doc.kind == "interview"


def test_a_zip_that_is_not_a_word_file_is_refused(tmp_path):
    f = tmp_path / "fake.docx"
    with zipfile.ZipFile(f, "w") as z:
        z.writestr("hello.txt", "not word")
    with pytest.raises(ReadError, match=r"fake\.docx.*not a Word document"):
        read_document(f)


def test_a_docx_that_is_not_a_zip_is_refused(tmp_path):
    f = tmp_path / "fake.docx"
    f.write_text("just text")
    with pytest.raises(ReadError, match=r"fake\.docx.*not a Word \.docx"):
        read_document(f)


def test_unknown_suffixes_are_refused(tmp_path):
    f = tmp_path / "audio.mp3"
    f.write_bytes(b"ID3....")
    with pytest.raises(ReadError, match=r"cannot read '\.mp3'"):
        read_document(f)


def test_a_folder_becomes_a_corpus_and_duplicate_ids_are_refused(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "int-1.txt").write_text("Interviewer: x\nP: y\n")
    (tmp_path / "a" / "note.md").write_text("Observed.\n")
    corpus = read_corpus(tmp_path / "a")
    assert corpus.doc_ids == ["int-1", "note"]
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "int-1.md").write_text("Another.\n")
    with pytest.raises(ReadError, match=r"would both be document 'int-1'"):
        read_corpus([tmp_path / "a", tmp_path / "b"])
