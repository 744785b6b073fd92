"""Fault injection on the commands that change a project: killed after every rename of
their commit, run two at a time, on a full disk and on a read-only folder. After each, the
project must read cleanly and be the old or the new one, with nothing stray left."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from _forkserver import REPO, ForkServer

import resilience_qda as rq
from resilience_qda.cli import main
from resilience_qda.core.model import Codebook, Corpus, Document, Project
from resilience_qda.io import faults
from resilience_qda.io.docx import write_docx_codings
from resilience_qda.io.memos import memos_frame
from resilience_qda.io.sheets import sheet_frame
from resilience_qda.io.transaction import HIDDEN

pytestmark = pytest.mark.skipif(os.name != "posix", reason="fork, flock and mount are POSIX")

TALK = (
    "Interviewer: What changed after the sessions with Sarah Thompson?\n\n"
    "Nurse R: I slow down now. I ask the family what a good day looks like.\n\n"
    "Interviewer: And the hard days?\n\n"
    "Nurse R: Jayden's mum rang twice. We made a plan for the mornings together.\n"
)
NOTES = (
    "Meeting 4. Six attended. Sarah Thompson opened with the noble truths.\n\n"
    "The group mapped Jayden Clarke's week on the board: school, contact, football.\n"
)
DIARY = "Week 2. Bus strike again, so we met at the library. It felt calmer there.\n"


def base_project(root: Path) -> Path:
    """A study unlike the sample: a transcript, meeting notes, a diary; two coders; memos."""
    corpus = Corpus(
        [
            Document("visit-r", TALK, {"kind": "interview", "case": "R", "visit": 1}),
            Document("meeting-4", NOTES, {"kind": "observation", "date": "2010-03-04"}),
            Document("diary-2", DIARY, {"kind": "diary"}),
        ],
        cases=pd.DataFrame({"case": ["R"], "role": ["Family nurse"]}),
    )
    book = Codebook(
        [
            rq.Code("pace", "Pace", patterns={"phrases": ["slow down"]}),
            rq.Code("planning", "Planning"),
            rq.Code("place", "Place"),
        ]
    )

    def span(doc_text: str, words: str) -> tuple[int, int]:
        s = doc_text.index(words)
        return s, s + len(words)

    rows = [
        ("visit-r", *span(TALK, "I slow down now."), "pace", "A"),
        ("visit-r", *span(TALK, "We made a plan for the mornings together."), "planning", "A"),
        ("meeting-4", *span(NOTES, "mapped Jayden Clarke's week"), "planning", "A"),
        ("diary-2", *span(DIARY, "we met at the library"), "place", "B"),
        ("visit-r", *span(TALK, "a good day"), "planning", "B"),
    ]
    codings = pd.DataFrame(rows, columns=["doc_id", "start", "end", "code", "coder"])
    codings = codings.assign(source="manual", score=None)
    memos = memos_frame(
        [
            {"memo_id": "visit-r-memo-1", "doc_id": "visit-r", "text": "Ask about mornings."},
            {"memo_id": "project-memo", "text": "Sarah Thompson suggested the diary."},
        ]
    )
    return rq.write_project(Project(corpus, book, codings, memos), root)


def snapshot(root: Path) -> dict[str, bytes]:
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root)
        if p.is_file() and HIDDEN not in rel.parts:
            data = p.read_bytes()
            if rel.name == "pseudonymisation.yaml":  # its date differs from run to run
                data = re.sub(rb"date: .*\n", b"", data)
            out[rel.as_posix()] = data
    return out


def stray(root: Path) -> list[str]:
    hidden = root / HIDDEN
    inside = [p.name for p in hidden.iterdir()] if hidden.is_dir() else []
    extra = [n for n in inside if n not in {"lock", "generation", ".gitignore"}]
    temps = [p.relative_to(root).as_posix() for p in root.rglob("*") if p.name.endswith(".tmp")]
    beside = [p.name for p in root.parent.iterdir() if p.name.startswith(f".{root.name}.")]
    return sorted(extra + temps + beside)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = ForkServer(tmp_path_factory.mktemp("forklogs"))
    yield s
    s.close()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """The base project and each command's input files, made once."""
    d = tmp_path_factory.mktemp("inputs")
    base = base_project(d / "base")
    edited = d / "visit-r-v2.txt"
    edited.write_text(TALK.replace("Nurse R: I slow", "Nurse R: Well. Honestly? I slow"))
    new_files = []
    for i in range(4):
        f = d / "new" / f"interview-{i}.txt"
        f.parent.mkdir(exist_ok=True)
        f.write_text(f"Interviewer: Session {i}?\n\nParent {i}: It helped us plan.\n")
        new_files.append(f)
    note = d / "new" / "meeting-5.md"
    note.write_text("---\nkind: observation\ndate: 2010-04-01\n---\nMeeting 5. Four came.\n")
    new_files.append(note)
    key = d / "key.csv"
    key.write_text(
        "name,pseudonym,variants\nSarah Thompson,Participant L,Sarah\n"
        "Jayden Clarke,Child 1,Jayden\n"
    )
    review = d / "review.csv"
    assert main(["pseudonymise", "review", str(base), "--key", str(key), "-o", str(review)]) == 0
    project = rq.read_project(base)
    sheet = sheet_frame(project, unit="sentence", coders=[], layout="codes")
    sheet.loc[sheet["text"].str.contains("plan"), "codes"] = "planning"
    sheet.loc[sheet["text"].str.contains("library"), "codes"] = "place; pace"
    sheet_file = d / "sheet-c.csv"
    sheet.to_csv(sheet_file, index=False)
    docx = d / "visit-r.docx"
    write_docx_codings(project.corpus["visit-r"], project.codings_of("A"), docx)
    survey = d / "survey.csv"
    survey.write_text(
        "id,answer,Code 1\n"
        "r1,The mornings are calmer now.,planning\n"
        "r2,We meet at the library.,place\n"
        "r3,,\n"
        "r4,Slower visits help us.,pace\n"
    )
    return {
        "survey import": [
            "import",
            survey,
            "--project",
            "{P}",
            "--text-column",
            "answer",
            "--id-column",
            "id",
            "--codes-columns",
            "Code *",
            "--coder",
            "S",
        ],
        "base": base,
        "update-source": ["update-source", "{P}", "visit-r", edited],
        "import": ["import", *new_files, "--project", "{P}"],
        "pseudonymise": [
            "pseudonymise",
            "apply",
            "{P}",
            "--review",
            review,
            "--key",
            key,
            "--in-place",
        ],
        "sheet import": ["sheet", "import", sheet_file, "--project", "{P}", "--coder", "C"],
        "word import": ["word", "import", docx, "--project", "{P}", "--coder", "W"],
    }


def fresh(inputs, tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copytree(inputs["base"], target)
    return target


def argv_for(inputs, command: str, root: Path) -> list[str]:
    return [str(root) if a == "{P}" else str(a) for a in inputs[command]]


COMMANDS = [
    "update-source",
    "import",
    "pseudonymise",
    "sheet import",
    "word import",
    "survey import",
]


@pytest.mark.parametrize("command", COMMANDS)
def test_killed_after_any_rename_the_project_is_the_old_or_the_new_one(
    command, inputs, server, tmp_path
):
    old = snapshot(inputs["base"])
    ref = fresh(inputs, tmp_path, "reference")
    status, log = server.run(argv_for(inputs, command, ref))
    assert status == 0, log
    new = snapshot(ref)
    assert new != old
    outcomes = []
    runs = [{faults.CRASH_STAGED_ENV: "1"}] + [{faults.CRASH_ENV: str(n)} for n in range(1, 200)]
    for env in runs:
        root = fresh(inputs, tmp_path, f"run-{len(outcomes)}")
        status, log = server.run(argv_for(inputs, command, root), env=env)
        if status == 0:
            assert snapshot(root) == new
            break
        assert status == faults.CRASH_STATUS, log
        project = rq.read_project(root)  # the next command: reads cleanly
        assert len(project.corpus) >= 3
        now = snapshot(root)
        assert now in (old, new), f"{command} killed with {env} left a mix"
        outcomes.append("new" if now == new else "old")
        assert stray(root) == [], env
        shutil.rmtree(root)
    else:
        pytest.fail(f"{command} never completed")
    renames = len(outcomes) - 1
    assert renames >= 4, f"{command}: only {renames} renames?"
    assert outcomes[0] == "old" and set(outcomes[1:]) == {"new"}


# --------------------------------------------------------------------------- two at once


def cli(*args: object) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "resilience_qda", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def finish(*procs: subprocess.Popen) -> list[tuple[int, str]]:
    return [(p.wait(timeout=600), p.stderr.read()) for p in procs]


def test_two_imports_of_the_same_new_document_one_wins_the_other_is_told(inputs, tmp_path):
    root = fresh(inputs, tmp_path, "p")
    for who in ("mine", "theirs"):
        (tmp_path / who).mkdir()
        (tmp_path / who / "clash.txt").write_text(f"Interviewer: Whose?\n\nP: {who}.\n")
    results = finish(
        cli("import", tmp_path / "mine" / "clash.txt", "--project", root),
        cli("import", tmp_path / "theirs" / "clash.txt", "--project", root),
    )
    statuses = sorted(s for s, _ in results)
    assert statuses == [0, 1], results
    loser = next(err for s, err in results if s == 1)
    assert "already has document(s) clash" in loser and "nothing was changed" in loser
    assert "Traceback" not in loser
    project = rq.read_project(root)
    assert project.corpus["clash"].text in (
        "Interviewer: Whose?\n\nP: mine.\n",
        "Interviewer: Whose?\n\nP: theirs.\n",
    )
    assert len(pd.read_csv(root / "sources.csv")) == 4


def test_two_imports_of_different_documents_both_land_with_every_row(inputs, tmp_path):
    root = fresh(inputs, tmp_path, "p")
    batches = []
    for who in ("a", "b"):
        folder = tmp_path / who
        folder.mkdir()
        for i in range(12):
            (folder / f"{who}-{i:02d}.txt").write_text(f"Interviewer: {who} {i}?\n\nP: Yes.\n")
        batches.append(folder)
    results = finish(*(cli("import", f, "--project", root) for f in batches))
    assert [s for s, _ in results] == [0, 0], results
    project = rq.read_project(root)
    assert len(project.corpus) == 3 + 24
    assert len(pd.read_csv(root / "sources.csv")) == 3 + 24
    assert len(project.codings) == 5  # nobody's codings were lost either


def test_an_import_and_a_sheet_import_at_once_keep_both(inputs, tmp_path):
    root = fresh(inputs, tmp_path, "p")
    results = finish(
        cli(*argv_for(inputs, "import", root)),
        cli(*argv_for(inputs, "sheet import", root)),
    )
    assert [s for s, _ in results] == [0, 0], results
    project = rq.read_project(root)
    assert "interview-3" in project.corpus and "meeting-5" in project.corpus
    assert len(project.codings_of("C")) == 3  # place and pace on one sentence, planning
    assert len(project.codings_of("A")) == 3


# --------------------------------------------------------------------------- full disk


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MB tmpfs (needs root; skipped with the reason otherwise)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({done.stderr.strip() or 'not root'})")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path, leave: int) -> None:
    free = shutil.disk_usage(disk).free
    with open(disk / "filler.bin", "wb") as fh:
        fh.write(b"\0" * max(0, free - leave))


def test_a_full_disk_is_one_line_and_changes_nothing(inputs, small_disk, tmp_path, capsys):
    root = small_disk / "p"
    shutil.copytree(inputs["base"], root)
    big = tmp_path / "big.txt"
    big.write_text("Interviewer: Long?\n\nP: " + "Yes, and then we talked. " * 20_000 + "\n")
    fill(small_disk, 64 * 1024)
    before = snapshot(root)
    assert main(["import", str(big), "--project", str(root)]) == 1
    err = capsys.readouterr().err
    assert re.search(r"sources/big\.txt: cannot write: the disk is full \(ENOSPC\)", err), err
    assert "nothing was changed" in err and err.count("\n") == 1
    assert snapshot(root) == before
    assert stray(root) == []
    assert len(rq.read_project(root).corpus) == 3
    # writing elsewhere on the full disk: one line each, nothing half-written left
    for argv in (
        ["export", str(inputs["base"]), "-o", str(small_disk / "out.qdpx")],
        ["report", str(inputs["base"]), "--out", str(small_disk / "report")],
        ["code", str(inputs["base"]), "-o", str(small_disk / "rules.csv")],
        ["sheet", "export", str(inputs["base"]), "-o", str(small_disk / "s.xlsx")],
    ):
        (small_disk / "filler.bin").unlink()
        fill(small_disk, 2 * 1024)
        assert main(argv) == 1, argv
        err = capsys.readouterr().err
        assert "the disk is full (ENOSPC)" in err and "Traceback" not in err, (argv, err)
        left = [p.name for p in small_disk.iterdir() if p.name not in ("p", "filler.bin")]
        assert left == [], (argv, left)


# --------------------------------------------------------------------------- read-only


@pytest.fixture
def read_only_copy(inputs, small_disk):
    """The base project on a tmpfs remounted read-only (a real EROFS)."""
    root = small_disk / "p"
    shutil.copytree(inputs["base"], root)
    done = subprocess.run(
        ["mount", "-o", "remount,ro", str(small_disk)], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot remount read-only here ({done.stderr.strip()})")
    return root


@pytest.mark.parametrize("command", ["update-source", "import", "sheet import"])
def test_a_read_only_folder_is_one_line_and_still_reads(command, inputs, read_only_copy, capsys):
    root = read_only_copy
    assert main(argv_for(inputs, command, root)) == 1
    err = capsys.readouterr().err
    assert "the file system is read-only (EROFS)" in err and "Traceback" not in err, err
    assert len(rq.read_project(root).codings) == 5  # reading still works


@pytest.mark.parametrize("command", ["update-source", "import", "sheet import"])
def test_permission_denied_is_one_line_and_changes_nothing(
    command, inputs, tmp_path, capsys, monkeypatch
):
    """We run as root, where chmod stops nothing: the refusal is injected at the same seam
    the operating system's would come through (writing the staged files)."""
    root = fresh(inputs, tmp_path, "p")
    before = snapshot(root)
    faults.reset()
    monkeypatch.setenv(faults.FAULT_ENV, "EACCES:stage")
    assert main(argv_for(inputs, command, root)) == 1
    err = capsys.readouterr().err
    assert "permission denied (EACCES)" in err and "nothing was changed" in err, err
    assert "Traceback" not in err
    monkeypatch.delenv(faults.FAULT_ENV)
    assert snapshot(root) == before and stray(root) == []


def test_names_too_long_for_any_file_system_are_one_line(inputs, tmp_path, capsys):
    note = tmp_path / "note.md"
    note.write_text(f"---\ndoc_id: {'long-' * 60}\n---\nMeeting 6.\n")
    assert main(["import", str(note), "--project", str(tmp_path / "p")]) == 1
    err = capsys.readouterr().err
    assert "cannot be a file name" in err and "bytes long; file systems allow 255" in err
    assert err.count("\n") == 1 and not (tmp_path / "p").exists()
    root = fresh(inputs, tmp_path, "q")
    argv = argv_for(inputs, "sheet import", root)
    assert main([*argv[:-1], "Dr " + "Very-Long-Name " * 20]) == 1
    err = capsys.readouterr().err
    assert "coder name" in err and "file systems allow 255" in err and "Traceback" not in err


# --------------------------------------------------------------------------- report


def test_an_interrupted_report_leaves_the_old_folder(inputs, tmp_path, server, monkeypatch):
    out = tmp_path / "report"
    assert main(["report", str(inputs["base"]), "--out", str(out)]) == 0
    old = snapshot(out)
    # an error while writing the new one: the old folder stays, nothing beside it
    faults.reset()
    monkeypatch.setenv(faults.FAULT_ENV, "EIO:write@5")
    assert main(["report", str(inputs["base"]), "--out", str(out)]) == 1
    monkeypatch.delenv(faults.FAULT_ENV)
    assert snapshot(out) == old and stray(out) == []
    # killed half-way through a two-rename swap (file systems without an atomic exchange)
    code = f"""
import os
import resilience_qda.io.folders as folders
from resilience_qda import read_project
from resilience_qda.report import build_report
folders._exchange = lambda a, b: False
real = os.replace
def replace(a, b):
    real(a, b)
    if ".old-" in str(b):
        os._exit(86)
folders.os.replace = replace
build_report(read_project({str(inputs["base"])!r}), {str(out)!r})
"""
    status, log = server.exec(code)
    assert status == 86, log
    assert not out.exists()  # cut between the two renames
    from resilience_qda.io.folders import recover_folder

    recover_folder(out)  # what the next report run does first
    assert snapshot(out) == old and stray(out) == []
