"""Bad and hostile data is refused or reported with a one-line message, never accepted
silently: YAML alias cycles and bombs, impossible dates, NUL characters, empty and duplicate
codings, numbers out of range, REFI-QDA files with shared GUIDs or a foreign namespace,
names no file system takes, symbolic links out of the project; and round trips lose
nothing."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from _forkserver import REPO

import resilience_qda as rq
from resilience_qda.cli import main
from resilience_qda.core.errors import CodebookError, CodingsError, ProjectError, ReadError
from resilience_qda.core.model import Codebook, Corpus, Document, Project
from resilience_qda.io.memos import memos_frame
from resilience_qda.io.refi import read_qdpx, write_qdc, write_qdpx
from resilience_qda.io.refi_read import read_qdc

SAMPLE = REPO / "data" / "sample"
TEXT = "Interviewer: How is it going?\n\nNurse K: Slower, calmer. We plan the week together.\n"

CYCLE = "codes: &loop\n  - name: Themes\n    children: *loop\n"  # the four-line codebook
BOMB = (
    "---\n"
    "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
    "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
    "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
    "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
    "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
    "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
    "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\n"
    "---\n"
    "Meeting notes.\n"
)


def project_at(root: Path, codings: pd.DataFrame | None = None) -> Path:
    corpus = Corpus([Document("visit-k", TEXT, {"kind": "interview"})])
    book = Codebook([rq.Code("pace", "Pace"), rq.Code("planning", "Planning")])
    if codings is None:
        s = TEXT.index("Slower")
        codings = pd.DataFrame(
            [("visit-k", s, s + 14, "pace", "A", "manual", None)], columns=list(rq.CODINGS_COLUMNS)
        )
    return rq.write_project(Project(corpus, book, codings), root)


def run_cli(*args, limit_memory: int | None = None) -> subprocess.CompletedProcess:
    def limits():
        if limit_memory:
            resource.setrlimit(resource.RLIMIT_AS, (limit_memory, limit_memory))

    return subprocess.run(
        [sys.executable, "-m", "resilience_qda", *map(str, args)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=120,  # generous: the refusal itself takes milliseconds
        preexec_fn=limits,
    )


# --------------------------------------------------------------------------- YAML


def test_an_alias_cycle_codebook_is_refused_not_walked_forever(tmp_path):
    book = tmp_path / "cycle.yaml"
    book.write_text(CYCLE)
    assert len(CYCLE.splitlines()) == 3  # (four with the file's final line break)
    done = run_cli("codebook", book, limit_memory=2 * 2**30)
    assert done.returncode == 1, done.stderr
    assert "cycle.yaml, line 1: the value anchored here holds an alias to itself" in done.stderr
    assert done.stderr.count("\n") == 1
    root = project_at(tmp_path / "p")
    (root / "codebook.yaml").write_text(CYCLE)
    with pytest.raises(CodebookError, match="alias cycle"):
        rq.read_project(root)


def test_an_alias_bomb_in_front_matter_is_refused_quickly_in_bounded_memory(tmp_path):
    note = tmp_path / "meeting-7.md"
    note.write_text(BOMB)
    done = run_cli("import", note, "--project", tmp_path / "p", limit_memory=2 * 2**30)
    assert done.returncode == 1, done.stderr
    assert "alias bomb" in done.stderr and "meeting-7.md" in done.stderr
    assert not (tmp_path / "p").exists()


def test_an_alias_bomb_in_a_memo_is_refused(tmp_path):
    root = project_at(tmp_path / "p")
    (root / "memos").mkdir()
    (root / "memos" / "m.md").write_text(BOMB)
    with pytest.raises(ReadError, match="alias bomb"):
        rq.read_project(root)


def test_ordinary_aliases_still_read(tmp_path):
    book = tmp_path / "b.yaml"
    book.write_text(
        "codes:\n  - name: A\n    patterns: &p {phrases: [slow down]}\n"
        "  - name: B\n    patterns: *p\n"
    )
    assert rq.read_codebook(book)["b"].patterns == {"phrases": ["slow down"]}


def test_a_date_that_does_not_exist_names_the_file_and_line(tmp_path, capsys):
    note = tmp_path / "meeting-8.md"
    note.write_text("---\nkind: observation\ndate: 2020-02-30\n---\nNotes.\n")
    assert main(["import", str(note), "--project", str(tmp_path / "p")]) == 1
    err = capsys.readouterr().err
    assert "meeting-8.md (front matter), line 3" in err and "'2020-02-30' is not a real date" in err
    root = project_at(tmp_path / "q")
    (root / "memos").mkdir()
    (root / "memos" / "m1.md").write_text("---\ncreated: 2021-13-01\n---\nText.\n")
    with pytest.raises(ReadError, match=r"m1\.md \(front matter\), line 2.*not a real date"):
        rq.read_project(root)


def test_a_nul_in_a_front_matter_doc_id_is_one_line(tmp_path, capsys):
    note = tmp_path / "n.md"
    note.write_text('---\ndoc_id: "meet\\0ing"\n---\nNotes.\n')
    assert main(["import", str(note), "--project", str(tmp_path / "p")]) == 1
    err = capsys.readouterr().err
    assert "control character" in err and "Traceback" not in err


# --------------------------------------------------------------------------- codings


def test_an_empty_codings_file_is_reported_not_read_as_no_codings(tmp_path, capsys):
    root = project_at(tmp_path / "p")
    (root / "codings" / "A.csv").write_bytes(b"")
    with pytest.raises(CodingsError, match=r"A\.csv: is empty \(0 bytes\).*restore it"):
        rq.read_project(root)
    assert main(["report", str(root), "--out", str(tmp_path / "r")]) == 1
    assert "is empty (0 bytes)" in capsys.readouterr().err


def read_rows(f: Path) -> pd.DataFrame:
    return pd.read_csv(f, dtype=str, keep_default_na=False)


def test_duplicate_coding_rows_are_counted_once_and_reported(tmp_path):
    root = project_at(tmp_path / "p")
    f = root / "codings" / "A.csv"
    rows = read_rows(f)
    pd.concat([rows, rows, rows]).to_csv(f, index=False)
    with pytest.warns(rq.QDAWarning, match="2 duplicate coding row"):
        project = rq.read_project(root)
    assert len(project.codings) == 1
    rq.write_codings(project.codings, root)
    assert len(read_rows(f)) == 1  # cleaned when written


@pytest.mark.parametrize("end", ["1" * 40, "99999999999999999999"])
def test_overlong_integers_are_refused_not_wrapped(tmp_path, end):
    root = project_at(tmp_path / "p")
    f = root / "codings" / "A.csv"
    read_rows(f).assign(end=end).to_csv(f, index=False)
    with pytest.raises(CodingsError, match="far too large to be a position"):
        rq.read_project(root)


def test_a_nul_inside_a_stored_source_is_refused_with_its_line(tmp_path):
    root = project_at(tmp_path / "p")
    (root / "sources" / "visit-k.txt").write_text(TEXT.replace("calmer", "cal\0mer"))
    with pytest.raises(ProjectError, match=r"visit-k\.txt: contains a NUL character \(line 3\)"):
        rq.read_project(root)


def test_memo_offsets_out_of_range_are_reported(tmp_path):
    root = project_at(tmp_path / "p")
    (root / "memos").mkdir()
    (root / "memos" / "far.md").write_text(
        "---\ndoc_id: visit-k\nstart: 3\nend: 99999999\n---\nX\n"
    )
    with pytest.warns(rq.QDAWarning, match=r"memo 'far': span \[3:99999999\] is outside"):
        rq.read_project(root)
    (root / "memos" / "far.md").write_text(
        f"---\ndoc_id: visit-k\nstart: 3\nend: {'9' * 40}\n---\n"
    )
    with pytest.raises(ReadError, match="is not a position in a text"):
        rq.read_project(root)


# --------------------------------------------------------------------------- encodings


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_read(tmp_path, encoding):
    f = tmp_path / "visit-u.txt"
    f.write_bytes(TEXT.encode(encoding))
    doc = rq.read_document(f)
    assert doc.text == TEXT and doc.metadata["encoding"] == encoding


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("coder", "why"),
    [
        ("..", "starts with a dot"),
        ("../../x", "starts with a dot"),
        ("CON", "device name Windows reserves"),
        ("lpt1", "device name Windows reserves"),
        ("x" * 300, "file systems allow 255"),
        ("COM3", "device name Windows reserves"),
    ],
)
def test_coder_names_no_file_system_takes_are_refused(tmp_path, coder, why):
    root = project_at(tmp_path / "p")
    codings = rq.read_project(root).codings.assign(coder=coder)
    with pytest.raises(CodingsError, match=why):
        rq.write_codings(codings, root)
    assert sorted(p.name for p in (root / "codings").iterdir()) == ["A.csv"]


@pytest.mark.parametrize("stem", ["CON", "aux", "nul.backup", "LPT9"])
def test_document_ids_no_file_system_takes_are_refused_on_import(tmp_path, stem, capsys):
    f = tmp_path / "in" / f"{stem}.txt"
    f.parent.mkdir()
    f.write_text(TEXT)
    assert main(["import", str(f), "--project", str(tmp_path / "p")]) == 1
    assert "cannot be a file name" in capsys.readouterr().err
    assert not (tmp_path / "p").exists()


# --------------------------------------------------------------------------- symlinks


def test_a_symlink_out_of_the_project_is_never_read_or_exported(tmp_path, capsys):
    root = project_at(tmp_path / "p")
    (root / "sources" / "passwd.txt").symlink_to("/etc/passwd")
    with pytest.raises(ProjectError, match="symbolic link to /etc/passwd, outside"):
        rq.read_project(root)
    out = tmp_path / "out.qdpx"
    assert main(["export", str(root), "-o", str(out)]) == 1
    assert "outside the project folder" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("where", ["codings/B.csv", "memos/m.md", "sources.csv", "codings"])
def test_symlinks_out_of_the_project_are_refused_wherever_they_are(tmp_path, where):
    root = project_at(tmp_path / "p")
    outside = tmp_path / "outside"
    outside.mkdir()
    target = outside / Path(where).name
    if where == "codings":
        (outside / "A.csv").write_text((root / "codings" / "A.csv").read_text())
        (root / "codings" / "A.csv").unlink()
        (root / "codings").rmdir()
        target = outside
    else:
        target.write_text("doc_id,kind\nvisit-k,interview\n")
        (root / where).parent.mkdir(exist_ok=True)
        (root / where).unlink(missing_ok=True)
    (root / where).symlink_to(target)
    with pytest.raises((ProjectError, ReadError), match="outside the project"):
        rq.read_project(root)


def test_a_symlink_that_stays_inside_the_project_is_read(tmp_path):
    root = project_at(tmp_path / "p")
    (root / "sources" / "copy.txt").symlink_to(root / "sources" / "visit-k.txt")
    assert rq.read_project(root).corpus["copy"].text == TEXT


# --------------------------------------------------------------------------- REFI-QDA


def qdpx(path: Path, sources: str, *, ns: str = "urn:QDA-XML:project:1.0") -> Path:
    xml = (
        f'<?xml version="1.0" encoding="utf-8"?><Project xmlns="{ns}" name="t" '
        f'origin="hand"><Sources>{sources}</Sources></Project>'
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("project.qde", xml)
        z.writestr("sources/a.txt", "First text.")
        z.writestr("sources/b.txt", "Second text.")
    return path


GUID = "11111111-2222-3333-4444-555555555555"


def test_two_sources_with_one_guid_are_refused_naming_both(tmp_path):
    f = qdpx(
        tmp_path / "dup.qdpx",
        f'<TextSource guid="{GUID}" name="a" plainTextPath="internal://a.txt"/>'
        f'<TextSource guid="{GUID}" name="b" plainTextPath="internal://b.txt"/>',
    )
    with pytest.raises(ReadError, match=r"TextSource 'a' and TextSource 'b' have the same GUID"):
        read_qdpx(f)


def test_a_foreign_namespace_is_reported(tmp_path):
    f = qdpx(
        tmp_path / "ns.qdpx",
        f'<TextSource guid="{GUID}" name="a" plainTextPath="internal://a.txt"/>',
        ns="urn:example:not-refi",
    )
    project = read_qdpx(f)
    assert any("XML namespace is 'urn:example:not-refi'" in w for w in project.warnings)


# --------------------------------------------------------------------------- round trips


def test_a_qdpx_round_trip_keeps_source_score_rules_memo_dates_and_ids(tmp_path):
    s = TEXT.index("Slower")
    codings = pd.DataFrame(
        [
            ("visit-k", s, s + 6, "pace", "A", "manual", None, ""),
            ("visit-k", s, s + 14, "pace", "rules:cb", "rules", 1.5, "Slower, calmer"),
            ("visit-k", s + 16, s + 38, "planning", "model:lr", "model", 0.82, ""),
        ],
        columns=[*rq.CODINGS_COLUMNS, "evidence"],
    )
    book = Codebook(
        [
            rq.Code("pace", "Pace", patterns={"phrases": ["slow down"], "weight": 1.5}),
            rq.Code("planning", "Planning", "Plans made.", patterns={"words": ["plan"]}),
        ]
    )
    memos = memos_frame(
        [
            {"memo_id": "Visit-K-Memo", "doc_id": "visit-k", "created": "2010-05-04", "text": "A"},
            {"memo_id": "later", "created": "2011-01-02T10:30:00Z", "text": "B"},
        ]
    )
    project = Project(Corpus([Document("visit-k", TEXT)]), book, codings, memos)
    back = read_qdpx(write_qdpx(project, tmp_path / "p.qdpx"))
    got = back.codings.set_index("coder")
    assert got["source"].to_dict() == {"A": "manual", "model:lr": "model", "rules:cb": "rules"}
    assert got.loc["model:lr", "score"] == 0.82 and got.loc["rules:cb", "score"] == 1.5
    assert got.loc["rules:cb", "evidence"] == "Slower, calmer"
    assert back.codebook["pace"].patterns == {"phrases": ["slow down"], "weight": 1.5}
    assert back.codebook["planning"].description == "Plans made."
    memo = back.memos.set_index("memo_id")
    assert memo.loc["Visit-K-Memo", "created"] == "2010-05-04"
    assert memo.loc["later", "created"] == "2011-01-02T10:30:00Z"
    # and a re-imported project codes like the original
    root = tmp_path / "again"
    assert main(["import", str(tmp_path / "p.qdpx"), "--project", str(root)]) == 0
    assert rq.read_project(root).codebook["planning"].patterns == {"words": ["plan"]}
    book_back = read_qdc(write_qdc(book, tmp_path / "b.qdc"))
    assert book_back["pace"].patterns == book["pace"].patterns


def test_the_sample_round_trips_through_qdpx_with_every_rule(tmp_path):
    project = rq.read_project(SAMPLE)
    back = read_qdpx(write_qdpx(project, tmp_path / "s.qdpx"))
    ruled = {c.path: c.patterns for c in project.codebook if c.patterns}
    assert len(ruled) == 93
    assert {c.path: c.patterns for c in back.codebook if c.patterns} == ruled
    assert (back.codings["source"] == "manual").all()


def test_a_sentence_sheet_says_which_codings_it_widens(tmp_path, capsys):
    project = rq.read_project(SAMPLE)
    mine = project.codings_of("A")
    units = rq.units(project.corpus, "sentence")
    whole = set(zip(units["doc_id"], units["start"], units["end"], strict=True))
    exact = sum((d, s, e) in whole for d, s, e in mine[["doc_id", "start", "end"]].values)
    assert 0 < exact < len(mine)
    out = tmp_path / "s.csv"
    assert main(["sheet", "export", str(SAMPLE), "-o", str(out), "--coder", "A"]) == 0
    err = capsys.readouterr().err
    assert f"{len(mine) - exact} of A's {len(mine)} codings do not cover whole sentences" in err
    sheet = pd.read_csv(out, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert sheet["start"].str.fullmatch(r"\d+").all() and sheet["end"].str.fullmatch(r"\d+").all()
    numbers = [c for c in sheet.columns if c == "meeting"]
    for c in numbers:
        assert not sheet[c].str.contains(r"\.0$").any()  # whole numbers stay whole
