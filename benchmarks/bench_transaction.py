"""What the project transactions cost: writing a large project, reading it, and the coding
screen's update of one coder's file, each against a baseline measured in the same run.

- write: ``write_project`` of N generated transcripts into a new folder and then over
  itself (every file replaced: staged, journal, renames, old copies removed), against
  writing the same bytes with one temporary file and rename per file and no lock or
  journal (what writes did before transactions).
- read: ``read_project`` (consistent read: recovery check and commit tokens) against the
  same read without them.
- update: ``update_codings`` adding one coding to the sample's coder A (lock, read,
  validate, anchor, commit), against reading and rewriting that one file directly.
- hostile YAML: the alias-cycle codebook and an alias bomb in front matter, refused.

    python benchmarks/bench_transaction.py [--documents 2000] [--words 300]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd
from generate import make_project

import resilience_qda as rq
from resilience_qda.core.errors import QDAError
from resilience_qda.io import project as project_io
from resilience_qda.io.notes import split_front_matter
from resilience_qda.io.project import project_files, update_codings

OUT = Path(__file__).resolve().parent / "out"
SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"


def plain_write(files: dict[str, bytes], root: Path) -> None:
    """One temporary file and one rename per file, no lock, no journal."""
    for rel, data in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)


def timed(fn, repeat: int = 1) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=2_000)
    parser.add_argument("--words", type=int, default=300)
    args = parser.parse_args()
    work = OUT / "transaction"
    shutil.rmtree(work, ignore_errors=True)
    source = make_project(work / "generated", documents=args.documents, words=args.words)
    project = rq.read_project(source)
    files = project_files(project)
    print(f"project: {len(project.corpus):,} documents, {len(files):,} files")

    base_new = timed(lambda: plain_write(files, work / "plain"))
    base_over = timed(lambda: plain_write(files, work / "plain"))
    tx_new = timed(lambda: rq.write_project(project, work / "tx"))
    tx_over = timed(lambda: rq.write_project(project, work / "tx"))
    print(f"baseline write, new folder:      {base_new:6.2f} s")
    print(f"write_project, new folder:       {tx_new:6.2f} s  ({tx_new / base_new:.2f}x)")
    print(f"baseline write, over itself:     {base_over:6.2f} s")
    print(f"write_project, over itself:      {tx_over:6.2f} s  ({tx_over / base_over:.2f}x)")

    plain, consistent = [], []
    for _ in range(5):  # interleaved, so that both see the same cache and load
        plain.append(timed(lambda: project_io._read_project(work / "tx", None)))
        consistent.append(timed(lambda: rq.read_project(work / "tx")))
    plain_read, consistent_read = statistics.median(plain), statistics.median(consistent)
    state = timed(lambda: project_io.folder_state(work / "tx"), repeat=5)
    print(f"read, no consistency checks:     {plain_read:6.2f} s")
    print(
        f"read_project (consistent read):  {consistent_read:6.2f} s  "
        f"({consistent_read / plain_read:.2f}x; medians of 5)"
    )
    print(f"  of which the folder fingerprint: {state * 1000:.1f} ms (in both)")

    sample = work / "sample"
    shutil.copytree(SAMPLE, sample)
    f = sample / "codings" / "A.csv"

    def direct():
        table = pd.read_csv(f, dtype=str, keep_default_na=False)
        table.to_csv(f, index=False)

    def add_one():
        def change(t):
            row = {"doc_id": "interview-L", "start": 0, "end": 5, "code": "x", "source": "manual"}
            return pd.concat([t, pd.DataFrame([row])], ignore_index=True)

        update_codings(sample, "A", change)

    direct_t = timed(direct, repeat=20)
    update_t = timed(add_one, repeat=20)
    print(f"baseline rewrite of codings/A.csv: {direct_t * 1000:6.1f} ms")
    print(f"update_codings (one coding added): {update_t * 1000:6.1f} ms  (median of 20)")

    cycle = work / "cycle.yaml"
    cycle.write_text("codes: &loop\n  - name: Themes\n    children: *loop\n")
    layers = "".join(
        f"{c}: &{c} [{', '.join([f'*{p}'] * 10) if p else ', '.join(['x'] * 10)}]\n"
        for p, c in zip(["", *"abcdefgh"], "abcdefghi", strict=True)
    )
    bomb = f"---\n{layers}---\nText.\n"
    for name, fn in (
        ("alias-cycle codebook", lambda: rq.read_codebook(cycle)),
        ("alias bomb (10^9 values)", lambda: split_front_matter(bomb, name="bomb.md")),
    ):
        t0 = time.perf_counter()
        try:
            fn()
            result = "accepted!"
        except QDAError:
            result = "refused"
        print(f"{name}: {result} in {(time.perf_counter() - t0) * 1000:.1f} ms")
    if "--keep" not in os.sys.argv:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
