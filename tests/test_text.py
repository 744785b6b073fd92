"""Plain text reading: encodings, BOMs, line ends, normalisation, refusals."""

import unicodedata

import pytest

from resilience_qda import ReadError, read_text

PASSAGE = "Participant L: It’s a café – you know – naïve “hope”.\nSecond line.\n"


@pytest.mark.parametrize(
    "encoding",
    ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252"],
)
def test_each_encoding_reads_back_the_same_text(tmp_path, encoding):
    f = tmp_path / "t.txt"
    f.write_bytes(PASSAGE.encode(encoding))
    text, _ = read_text(f)
    assert text == PASSAGE


def test_latin1_text_is_read_as_people_meant_it(tmp_path):
    f = tmp_path / "t.txt"
    f.write_bytes("Participant S: naïve café, £20 for the bus.\n".encode("latin-1"))
    assert read_text(f)[0] == "Participant S: naïve café, £20 for the bus.\n"


def test_the_bom_is_stripped_and_reported(tmp_path):
    f = tmp_path / "t.txt"
    f.write_bytes(b"\xef\xbb\xbfHello")
    assert read_text(f) == ("Hello", "utf-8-sig")


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_line_ends_become_lf(tmp_path, newline):
    f = tmp_path / "t.txt"
    f.write_bytes(newline.join(["one", "two", "three"]).encode())
    assert read_text(f)[0] == "one\ntwo\nthree"


def test_text_is_nfc_normalised(tmp_path):
    f = tmp_path / "t.txt"
    f.write_bytes("cafe\u0301".encode())
    text = read_text(f)[0]
    assert text == "café" and unicodedata.is_normalized("NFC", text)


def test_explicit_encoding_wins(tmp_path):
    f = tmp_path / "t.txt"
    f.write_bytes("Привет".encode("cp1251"))
    assert read_text(f, encoding="cp1251")[0] == "Привет"


@pytest.mark.parametrize("content", [b"", b"   \n\n\t "])
def test_empty_files_are_refused_naming_the_file(tmp_path, content):
    f = tmp_path / "empty.txt"
    f.write_bytes(content)
    with pytest.raises(ReadError, match=r"empty\.txt.*(empty|whitespace)"):
        read_text(f)


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b"PK\x03\x04\x14\x00\x06\x00", "zip"),
        (bytes(range(256)) * 20, "binary|control|NUL"),
    ],
)
def test_binary_files_are_refused(tmp_path, content, what):
    f = tmp_path / "transcript.txt"
    f.write_bytes(content)
    with pytest.raises(ReadError, match=what):
        read_text(f)


def test_a_missing_file_is_a_read_error(tmp_path):
    with pytest.raises(ReadError, match="no such file"):
        read_text(tmp_path / "nope.txt")


def test_a_50_mb_transcript_reads(tmp_path):
    turn = "Participant L: Well, um, we mapped it out on the framework, you know.\n\n"
    f = tmp_path / "big.txt"
    f.write_bytes((turn * (50 * 1024 * 1024 // len(turn) + 1)).encode())
    text, _ = read_text(f)
    assert len(text) >= 50 * 1024 * 1024
    assert text.startswith("Participant L: Well")
