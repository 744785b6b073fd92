"""Project transactions: the lock, staged files, the journal and recovery, under threads,
processes and crashes at every step of a commit."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from _forkserver import REPO, ForkServer

import resilience_qda as rq
from resilience_qda.core.errors import ProjectBusyError, ProjectError, StorageError
from resilience_qda.core.model import Codebook, Corpus, Document, Project
from resilience_qda.io import faults
from resilience_qda.io.project import update_codings
from resilience_qda.io.transaction import HIDDEN, read_consistently, recover, transaction

pytestmark = pytest.mark.skipif(os.name != "posix", reason="fork and flock are POSIX")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = ForkServer(tmp_path_factory.mktemp("forklogs"))
    yield s
    s.close()


def files(root: Path) -> dict[str, bytes]:
    """Every file of a project but its hidden folder."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and HIDDEN not in p.relative_to(root).parts
    }


def leftovers(root: Path) -> list[str]:
    """Anything a transaction should not leave: staged folders, journals, temporary files."""
    hidden = root / HIDDEN
    extra = sorted(
        p.name
        for p in (hidden.iterdir() if hidden.is_dir() else [])
        if p.name not in {"lock", "generation", ".gitignore"}
    )
    temps = sorted(p.name for p in root.rglob("*.tmp"))
    return extra + temps


def study(tmp_path: Path, name: str = "p") -> Path:
    """A small project unlike the sample: a transcript, a diary, two coders."""
    talk = "Interviewer: How was the group?\n\nNurse R: Calmer. I listen first now.\n"
    diary = "Week 3. The bus was late again; we met at the library instead.\n"
    corpus = Corpus(
        [
            Document("visit-1", talk, {"kind": "interview", "case": "R"}),
            Document("diary-3", diary, {"kind": "diary", "week": 3}),
        ]
    )
    book = Codebook([rq.Code("calm", "Calm"), rq.Code("transport", "Transport")])
    codings = pd.DataFrame(
        [
            ("visit-1", talk.index("Calmer"), talk.index("Calmer") + 6, "calm", "R1"),
            ("diary-3", diary.index("The bus"), diary.index("late") + 4, "transport", "R2"),
        ],
        columns=["doc_id", "start", "end", "code", "coder"],
    ).assign(source="manual", score=None)
    return rq.write_project(Project(corpus, book, codings), tmp_path / name)


# --------------------------------------------------------------------------- basics


def test_changes_appear_together_when_the_block_ends_and_reads_see_them_before(tmp_path):
    root = study(tmp_path)
    with transaction(root, command="test") as tx:
        tx.write("sources/new.txt", b"Fresh text.\n")
        tx.remove("sources/diary-3.txt")
        assert tx.read("sources/new.txt") == b"Fresh text.\n"
        assert tx.read("sources/diary-3.txt") is None
        assert not (root / "sources" / "new.txt").exists()  # staged, not yet visible
        assert (root / "sources" / "diary-3.txt").exists()
    assert (root / "sources" / "new.txt").read_text() == "Fresh text.\n"
    assert not (root / "sources" / "diary-3.txt").exists()
    assert leftovers(root) == []


def test_an_error_in_the_block_changes_nothing(tmp_path):
    root = study(tmp_path)
    before = files(root)
    with pytest.raises(KeyError), transaction(root, command="test") as tx:
        tx.write("sources/visit-1.txt", b"overwritten")
        tx.remove("codings/R1.csv")
        raise KeyError("boom")
    assert files(root) == before
    assert leftovers(root) == []


def test_a_nested_write_joins_the_outer_transaction(tmp_path):
    root = study(tmp_path)
    project = rq.read_project(root)
    before = files(root)
    with pytest.raises(RuntimeError), transaction(root, command="outer"):
        rq.write_project(project, root)  # joins: nothing committed yet
        rq.write_codings(project.codings.assign(coder="R9"), root)
        raise RuntimeError("stop")
    assert files(root) == before


@pytest.mark.parametrize(
    "rel", ["../outside.txt", "/etc/passwd", ".resilience-qda/lock", "sources/../../x", ""]
)
def test_paths_that_leave_the_project_are_refused(tmp_path, rel):
    root = study(tmp_path)
    refused = pytest.raises(ProjectError, match="not a file inside the project")
    with refused, transaction(root, command="test") as tx:
        tx.write(rel, b"x")


def test_a_symlinked_folder_that_leaves_the_project_is_not_written_through(tmp_path):
    root = study(tmp_path)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (root / "memos").symlink_to(outside)
    refused = pytest.raises(ProjectError, match="symbolic link that leaves")
    with refused, transaction(root, command="test") as tx:
        tx.write("memos/m.md", b"x")
    assert list(outside.iterdir()) == []


def test_new_folders_and_files_follow_the_umask(tmp_path):
    old = os.umask(0o002)
    try:
        root = study(tmp_path, "group-writable")
    finally:
        os.umask(old)
    assert root.stat().st_mode & 0o777 == 0o775
    assert (root / "sources").stat().st_mode & 0o777 == 0o775
    assert (root / "sources" / "visit-1.txt").stat().st_mode & 0o777 == 0o664


def test_a_replaced_file_keeps_its_mode(tmp_path):
    root = study(tmp_path)
    target = root / "codings" / "R1.csv"
    target.chmod(0o640)
    rq.write_codings(rq.read_project(root).codings_of("R1"), root)
    assert target.stat().st_mode & 0o777 == 0o640


# --------------------------------------------------------------------------- the lock


HOLD = """
import sys, time
from resilience_qda.io.transaction import transaction
with transaction(sys.argv[1], command="import") as tx:
    tx.write("sources/held.txt", b"x")
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def hold_lock(root: Path, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(root), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_a_busy_project_says_who_holds_it_after_waiting_briefly(tmp_path):
    root = study(tmp_path)
    proc = hold_lock(root, 30)
    try:
        t0 = time.monotonic()
        with pytest.raises(ProjectBusyError) as err, transaction(root, command="x", timeout=0.5):
            pass
        assert time.monotonic() - t0 >= 0.5
        message = str(err.value)
        assert re.search(
            rf"project is busy: import since \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d, pid {proc.pid}",
            message,
        ), message
        assert "wait for it to finish" in message
        # the CLI says the same in one line
        out = subprocess.run(
            [sys.executable, "-m", "resilience_qda", "reanchor", str(root)],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            timeout=120,
        )
        assert out.returncode == 1 and "project is busy: import since" in out.stderr
        assert "Traceback" not in out.stderr
    finally:
        proc.kill()
        proc.wait()


def test_the_lock_of_a_killed_process_is_taken_over_at_once(tmp_path):
    root = study(tmp_path)
    proc = hold_lock(root, 60)
    holder = json.loads((root / HIDDEN / "lock").read_text())
    assert holder["pid"] == proc.pid and holder["command"] == "import"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    t0 = time.monotonic()
    with transaction(root, command="after", timeout=5) as tx:
        tx.write("sources/after.txt", b"y")
    assert time.monotonic() - t0 < 5
    assert (root / "sources" / "after.txt").exists()
    assert not (root / "sources" / "held.txt").exists()  # the killed one never committed
    assert leftovers(root) == []


def test_threads_never_lose_a_read_modify_write(tmp_path):
    root = study(tmp_path)
    with transaction(root, command="init") as tx:
        tx.write("count.txt", b"0")

    def work():
        for _ in range(25):
            with transaction(root, command="count", timeout=60) as tx:
                tx.write("count.txt", str(int(tx.read("count.txt")) + 1).encode())

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert (root / "count.txt").read_text() == "100"


def _add_coding(doc: str, start: int, end: int, code: str):
    def change(table: pd.DataFrame) -> pd.DataFrame:
        row = {"doc_id": doc, "start": start, "end": end, "code": code, "source": "manual"}
        return pd.concat([table, pd.DataFrame([row])], ignore_index=True)

    return change


def test_update_codings_from_threads_keeps_every_coding(tmp_path):
    root = study(tmp_path)
    text = rq.read_project(root).corpus["diary-3"].text

    def work(k):
        for i in range(10):
            update_codings(root, "R1", _add_coding("diary-3", k * 10 + i, k * 10 + i + 3, "calm"))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    mine = rq.read_project(root).codings_of("R1")
    assert len(mine) == 1 + 40
    added = mine[mine["doc_id"] == "diary-3"]
    assert added["quote"].tolist() == [
        text[s:e] for s, e in zip(added["start"], added["end"], strict=True)
    ]


UPDATE = """
import sys
import pandas as pd
from resilience_qda.io.project import update_codings
root, k = sys.argv[1], int(sys.argv[2])
def add(i):
    def change(t):
        row = {"doc_id": "visit-1", "start": k * 10 + i, "end": k * 10 + i + 2,
               "code": "calm", "source": "manual"}
        return pd.concat([t, pd.DataFrame([row])], ignore_index=True)
    return change
for i in range(8):
    update_codings(root, "R2", add(i))
"""


def test_update_codings_from_processes_keeps_every_coding(tmp_path):
    root = study(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [
        subprocess.Popen([sys.executable, "-c", UPDATE, str(root), str(k)], env=env)
        for k in range(3)
    ]
    assert [p.wait(timeout=300) for p in procs] == [0, 0, 0]
    coded = rq.read_project(root).codings_of("R2")
    assert len(coded) == 1 + 24
    assert set(zip(coded["start"], coded["end"], strict=True)) >= {
        (k * 10 + i, k * 10 + i + 2) for k in range(3) for i in range(8)
    }


def test_update_codings_refuses_bad_rows_and_leaves_the_file(tmp_path):
    root = study(tmp_path)
    before = files(root)
    with pytest.raises(rq.CodingsError, match="past the end"):
        update_codings(root, "R1", _add_coding("visit-1", 0, 10_000, "calm"))
    with pytest.raises(rq.CodingsError, match="only 'R1'"):
        update_codings(root, "R1", lambda t: t.assign(coder="R2"))
    with pytest.raises(rq.CodingsError, match="cannot be a file name"):
        update_codings(root, "..", lambda t: t)
    assert files(root) == before


def test_update_codings_returns_the_stored_table_and_can_empty_it(tmp_path):
    root = study(tmp_path)
    got = update_codings(root, "R1", _add_coding("diary-3", 0, 7, "calm"))
    assert got[["start", "end", "quote"]].values.tolist()[0] == [0, 7, "Week 3."]
    empty = update_codings(root, "R1", lambda t: t.iloc[0:0])
    assert len(empty) == 0
    assert (root / "codings" / "R1.csv").read_text().startswith("doc_id,start,end")
    assert rq.read_project(root).codings_of("R1").empty


# --------------------------------------------------------------------------- crashes


CRASHY = """
from resilience_qda.io.transaction import transaction
with transaction(ROOT, command="crashy") as tx:
    for i in range(4):
        tx.write(f"sources/{i}.txt", b"new %d" % i)
    tx.remove("sources/old.txt")
    tx.write("codings/Z.csv", b"doc_id,start,end,code,coder,source,score\\n")
"""


def _reset(root: Path) -> None:
    with transaction(root, command="reset") as tx:
        for i in range(4):
            tx.write(f"sources/{i}.txt", b"old %d" % i)
        tx.write("sources/old.txt", b"old")
        tx.remove("codings/Z.csv")


def test_a_crash_at_any_step_of_a_commit_leaves_the_old_or_the_new_files(tmp_path, server):
    root = tmp_path / "p"
    _reset(root)
    old = files(root)
    code = CRASHY.replace("ROOT", repr(str(root)))
    seen = set()
    for env in [{faults.CRASH_STAGED_ENV: str(n)} for n in (1, 3, 6)] + [
        {faults.CRASH_ENV: str(n)} for n in range(1, 40)
    ]:
        status, log = server.exec(code, env=env)
        if status == 0:
            new = files(root)
            break
        assert status == faults.CRASH_STATUS, log
        assert (root / HIDDEN).is_dir()
        done = recover(root)  # what every next command does first
        now = files(root)
        seen.add("new" if now != old else "old")
        assert now == old or now["sources/0.txt"] == b"new 0", (env, done)
        if now != old:
            assert "sources/old.txt" not in now and now["codings/Z.csv"].startswith(b"doc_id")
            assert all(now[f"sources/{i}.txt"] == b"new %d" % i for i in range(4))
        assert leftovers(root) == [], env
        _reset(root)
    else:
        pytest.fail("the commit never completed")
    assert seen == {"old", "new"}
    assert sorted(new) == sorted([*(k for k in old if k != "sources/old.txt"), "codings/Z.csv"])


def test_the_next_read_finishes_a_cut_commit(tmp_path, server):
    root = study(tmp_path)
    project = rq.read_project(root)
    changed = project.codings.assign(code="transport")
    code = f"""
import pandas as pd, resilience_qda as rq
rq.write_codings(pd.read_pickle({str(tmp_path / "c.pkl")!r}), {str(root)!r})
"""
    changed.to_pickle(tmp_path / "c.pkl")
    status, _ = server.exec(code, env={faults.CRASH_ENV: "3"})
    assert status == faults.CRASH_STATUS
    assert (root / HIDDEN / "journal.json").exists()
    again = rq.read_project(root)  # a plain read completes the commit
    assert set(again.codings["code"]) == {"transport"}
    assert leftovers(root) == []


def test_a_failed_rename_mid_commit_puts_every_file_back(tmp_path, monkeypatch):
    root = study(tmp_path)
    before = files(root)
    project = rq.read_project(root)
    project.codings = project.codings.assign(code="calm")
    for k in range(1, 8):
        faults.reset()
        monkeypatch.setenv(faults.FAULT_ENV, f"EACCES:commit@{k}")
        with pytest.raises(StorageError, match="permission denied"):
            rq.write_project(project, root)
        monkeypatch.delenv(faults.FAULT_ENV)
        assert files(root) == before, k
        assert leftovers(root) == []


def test_an_unreadable_journal_stops_with_a_clear_message(tmp_path):
    root = study(tmp_path)
    (root / HIDDEN / "journal.json").write_text("{not json")
    refused = pytest.raises(ProjectError, match="journal of an unfinished change cannot be read")
    with refused, transaction(root, command="x"):
        pass


# --------------------------------------------------------------------------- readers


def test_readers_never_see_a_commit_half_done(tmp_path):
    """Text and codings change together; a reader must never get one without the other."""
    root = study(tmp_path)
    short, long = "Short text.\n", "A much longer text than before, indeed.\n"
    project = rq.read_project(root)

    def version(text: str) -> Project:
        doc = Document("diary-3", text, {"kind": "diary"})
        corpus = Corpus([project.corpus["visit-1"], doc])
        codings = project.codings[project.codings["doc_id"] != "diary-3"]
        whole = pd.DataFrame(
            [("diary-3", 0, len(text) - 1, "transport", "R2", "manual", None)],
            columns=list(rq.CODINGS_COLUMNS),
        )
        return Project(corpus, project.codebook, pd.concat([codings, whole]))

    versions = [version(short), version(long)]
    rq.write_project(versions[1], root)  # every state a reader can see is one of the two
    errors, reads = [], []
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            try:
                p = rq.read_project(root)
                reads.append(p.codings_of("R2")["end"].max() + 1 == len(p.corpus["diary-3"].text))
            except Exception as exc:  # a mix would raise "past the end"
                errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        for i in range(30):
            rq.write_project(versions[i % 2], root)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert errors == []
    assert reads and all(reads)


def test_read_consistently_runs_the_read_once_when_nothing_changes(tmp_path):
    root = study(tmp_path)
    calls = []
    assert read_consistently(root, lambda: calls.append(1) or "done") == "done"
    assert calls == [1]


def test_the_lock_file_says_who_holds_the_project_and_git_ignores_the_folder(tmp_path):
    root = study(tmp_path)
    with transaction(root, command="documented"):
        holder = json.loads((root / HIDDEN / "lock").read_text())
    assert set(holder) == {"command", "started", "pid", "host", "thread"}
    assert (root / HIDDEN / ".gitignore").read_text().strip().endswith("*")
