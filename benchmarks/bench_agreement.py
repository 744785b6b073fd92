"""Character-level agreement at scale: 1,000 documents x 100 codes x 2 coders.

Synthetic codings are generated here (coder A at random, coder B a jittered, thinned and
topped-up copy of A, as a second coder's work looks). Prints the seconds for NVivo-style
coding comparison (every code x document: 100,000 rows) and its per-code average, against
a baseline measured in the same run: the obvious implementation, one boolean mask per
code x document filled span by span and counted with numpy (no per-character Python loop
either), which also checks that both give the same counts.

    python benchmarks/bench_agreement.py [--documents 1000] [--codes 100] [--chars 6000]
    python benchmarks/bench_agreement.py --units 200     # also sentence-level, generated texts

With ``--units N`` it also times unit-based agreement (sentences; Cohen's kappa, alpha and
AC1 per code, and per code x document) on N realistic generated transcripts
(``benchmarks/generate.py``), coders coding whole sentences with 100 codes.
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd

from resilience_qda.analysis.agreement import average_comparison, coding_comparison


def make_codings(documents: int, codes: int, chars: int, per_doc: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(chars // 2, chars * 3 // 2, documents)
    doc = np.repeat(np.arange(documents), per_doc)
    size = lengths[doc]
    width = rng.integers(40, 600, len(doc))
    start = (rng.random(len(doc)) * (size - width)).astype("int64")
    code = rng.integers(0, codes, len(doc))
    a = pd.DataFrame(
        {"doc_id": doc, "start": start, "end": start + width, "code": code, "coder": "A"}
    )
    keep = rng.random(len(a)) > 0.15  # B misses some of A's passages ...
    b = a[keep].copy()
    b["start"] = (b["start"] + rng.integers(-30, 30, len(b))).clip(0)
    b["end"] = np.minimum(b["end"] + rng.integers(-30, 30, len(b)), lengths[b["doc_id"]])
    extra = a.sample(frac=0.1, random_state=seed).copy()  # ... and codes passages A did not
    extra["code"] = rng.integers(0, codes, len(extra))
    b = pd.concat([b, extra.assign(coder="B")])
    table = pd.concat([a, b.assign(coder="B")], ignore_index=True)
    table = table[table["start"] < table["end"]]
    table["doc_id"] = "doc-" + table["doc_id"].astype(str).str.zfill(4)
    table["code"] = "code-" + table["code"].astype(str).str.zfill(3)
    texts = {f"doc-{i:04d}": "x" * int(n) for i, n in enumerate(lengths)}
    return table.reset_index(drop=True), texts


def baseline(codings: pd.DataFrame, texts: dict[str, str]) -> pd.DataFrame:
    """One boolean mask per side per code x document."""
    codes = sorted(codings["code"].unique())
    by_key = {k: g for k, g in codings.groupby(["doc_id", "code"], sort=False)}
    rows = []
    for doc_id, text in texts.items():
        n = len(text)
        for code in codes:
            g = by_key.get((doc_id, code))
            masks = {"A": np.zeros(n, bool), "B": np.zeros(n, bool)}
            if g is not None:
                for s, e, who in zip(g["start"], g["end"], g["coder"], strict=True):
                    masks[who][s:e] = True
            x, y = masks["A"], masks["B"]
            a = int(np.count_nonzero(x & y))
            b, c = int(np.count_nonzero(x)) - a, int(np.count_nonzero(y)) - a
            rows.append((code, doc_id, a, b, c, n - a - b - c))
    return pd.DataFrame(rows, columns=["code", "doc_id", "a", "b", "c", "d"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--codes", type=int, default=100)
    parser.add_argument("--chars", type=int, default=6000, help="mean characters a document")
    parser.add_argument("--per-doc", type=int, default=60, help="codings of coder A a document")
    parser.add_argument("--units", type=int, default=0, help="also time sentence units on N docs")
    parser.add_argument("--keep", action="store_true", help="keep the generated project")
    args = parser.parse_args()
    codings, texts = make_codings(args.documents, args.codes, args.chars, args.per_doc)
    n_chars = sum(len(t) for t in texts.values())
    print(
        f"documents: {len(texts):,}  codes: {args.codes}  characters: {n_chars:,}  "
        f"codings: {len(codings):,} (A {int((codings['coder'] == 'A').sum()):,}, "
        f"B {int((codings['coder'] == 'B').sum()):,})"
    )

    t0 = time.perf_counter()
    table = coding_comparison(codings, texts, ["A", "B"])
    fast = time.perf_counter() - t0
    t0 = time.perf_counter()
    average_comparison(table)
    averaged = time.perf_counter() - t0

    t0 = time.perf_counter()
    slow = baseline(codings, texts)
    base = time.perf_counter() - t0

    merged = table.merge(slow, on=["code", "doc_id"], suffixes=("", "_mask"))
    same = all((merged[k] == merged[f"{k}_mask"]).all() for k in "abcd")
    print(f"code x document rows: {len(table):,}  counts identical to baseline: {same}")
    print(f"baseline (boolean masks per code x document): {base:7.2f} s")
    print(
        f"coding_comparison (interval arithmetic):      {fast:7.2f} s  ({base / fast:.1f}x faster)"
    )
    print(f"average_comparison (per code):                {averaged:7.2f} s")
    if not same:
        raise SystemExit("counts differ from the baseline")
    if args.units:
        bench_units(args.units, args.codes)


def bench_units(documents: int, codes: int, words: int = 1000) -> None:
    import warnings

    from generate import make_project

    from resilience_qda import read_project
    from resilience_qda.analysis.agreement import unit_agreement
    from resilience_qda.core.units import units

    folder = Path(__file__).resolve().parent / "out" / f"agreement-units-{documents}x{words}"
    if not folder.exists():
        make_project(folder, documents=documents, words=words)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        project = read_project(folder)
    t0 = time.perf_counter()
    table = units(project.corpus, "sentence")
    segmenting = time.perf_counter() - t0
    rng = np.random.default_rng(1)
    picked = table.sample(frac=0.3, random_state=1)
    a = pd.DataFrame(
        {
            "doc_id": picked["doc_id"],
            "start": picked["start"],
            "end": picked["end"],
            "code": rng.integers(0, codes, len(picked)),
            "coder": "A",
        }
    )
    b = a.sample(frac=0.85, random_state=2).assign(coder="B")
    recoded = b.sample(frac=0.1, random_state=3).index
    b.loc[recoded, "code"] = rng.integers(0, codes, len(recoded))
    codings = pd.concat([a, b], ignore_index=True)
    codings["code"] = "code-" + codings["code"].astype(str).str.zfill(3)
    t0 = time.perf_counter()
    unit_agreement(codings, table, ["A", "B"], method=["cohen", "krippendorff", "gwet"])
    per_code = time.perf_counter() - t0
    t0 = time.perf_counter()
    by_doc = unit_agreement(codings, table, ["A", "B"], by_document=True)
    per_doc = time.perf_counter() - t0
    print(
        f"sentence units: {len(table):,} in {documents:,} generated documents, "
        f"{len(codings):,} codings"
    )
    print(f"units(corpus, 'sentence'):                    {segmenting:7.2f} s")
    print(f"unit_agreement, 3 methods per code:           {per_code:7.2f} s")
    print(f"unit_agreement, per code x document ({len(by_doc):,}): {per_doc:7.2f} s")
    if "--keep" not in __import__("sys").argv:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
