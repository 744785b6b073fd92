"""Loading a large project: 10,000 small transcripts.

Prints the seconds to read the project folder (decode, validate, documents and turns
tables) against a baseline measured in the same run: reading the same files' bytes and
decoding them as UTF-8 with nothing else.

    python benchmarks/bench_load.py [--documents 10000] [--words 300]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import time
from pathlib import Path

from generate import make_project

from resilience_qda import read_corpus, read_project

OUT = Path(__file__).resolve().parent / "out"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--words", type=int, default=300)
    args = parser.parse_args()
    folder = OUT / f"load-{args.documents}x{args.words}"
    if not folder.exists():
        make_project(folder, documents=args.documents, words=args.words)
    files = sorted((folder / "sources").glob("*.txt"))
    words = 0

    t0 = time.perf_counter()
    for f in files:
        words += len(f.read_bytes().decode("utf-8").split())
    baseline = time.perf_counter() - t0

    t0 = time.perf_counter()
    project = read_project(folder)
    documents, turns = project.corpus.documents, project.corpus.turns
    load = time.perf_counter() - t0

    t0 = time.perf_counter()
    corpus = read_corpus(folder / "sources")  # the import path: detection + normalisation
    imported = time.perf_counter() - t0

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"documents: {len(documents):,}  words: {words:,}  turns: {len(turns):,}")
    print(f"baseline (read bytes + decode):     {baseline:6.2f} s")
    print(f"read_project + documents + turns:   {load:6.2f} s  ({load / baseline:.1f}x baseline)")
    print(
        f"read_corpus (import: detect, NFC):  {imported:6.2f} s  "
        f"({imported / baseline:.1f}x baseline, {len(corpus):,} documents)"
    )
    print(f"peak RSS: {rss:,.0f} MiB")
    if "--keep" not in __import__("sys").argv:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
