"""Benchmark: saturation, triangulation, the claims ledger and exemplars on a large project.

    python benchmarks/bench_methods.py               # data/sample copied 200 times
    python benchmarks/bench_methods.py --copies 20   # a quick run

The corpus is data/sample's 25 documents copied N times (ids suffixed, cases renamed so
every copy has its own participants) with coder A's codings copied alongside: the same
passages, N times as many. Prints the seconds of each method beside a baseline measured in
the same run: `retrieve` of the same passages (what exemplars and the claims ledger read)
and `frequencies` of all codings (the cheapest whole-table count).
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import pandas as pd

import resilience_qda as rq
from resilience_qda.core.model import Corpus, Document

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"


def copied(copies: int):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        project = rq.read_project(SAMPLE)
    a = project.codings_of("A")
    docs, cases, frames = [], [], []
    for k in range(copies):
        rename = {c: f"{c}{k}" for c in project.corpus.cases["case"]}
        for d in project.corpus:
            meta = dict(d.metadata)
            if meta.get("case"):
                meta["case"] = rename[meta["case"]]
            docs.append(Document(f"{d.doc_id}-{k}", d.text, meta))
        cases.append(project.corpus.cases.assign(case=project.corpus.cases["case"].map(rename)))
        frames.append(a.assign(doc_id=a["doc_id"] + f"-{k}"))
    corpus = Corpus(docs, cases=pd.concat(cases, ignore_index=True))
    return project, corpus, pd.concat(frames, ignore_index=True)


def timed(label: str, fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    seconds = time.perf_counter() - start
    print(f"{label:<58} {seconds:8.2f} s")
    return out, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=200)
    args = parser.parse_args()
    project, corpus, codings = copied(args.copies)
    claims = rq.read_claims(project)
    corpus.documents, corpus.turns  # noqa: B018  (built once, outside the timings)
    theme = "themes/more-resourceful"
    print(
        f"{len(corpus):,} documents, {len(codings):,} codings, "
        f"{corpus.documents['n_words'].sum():,} words, {len(claims)} claims"
    )
    _, base_freq = timed("baseline: frequencies (all codings)", rq.frequencies, codings)
    found, base_retrieve = timed(f"baseline: retrieve {theme}", rq.retrieve, codings, corpus, theme)
    _, t_ex = timed(
        f"exemplars n=3 over {len(found):,} passages", rq.exemplars, found, n=3, spread="sector"
    )
    _, t_sat = timed(
        "saturation (overall and per branch)", rq.saturation, codings, corpus.documents
    )
    _, t_tri = timed(
        "triangulation (all codes x kind)", rq.triangulation, codings, corpus.documents
    )
    _, t_claims = timed(
        f"claim_evidence ({len(claims)} claims, quotes)",
        rq.claim_evidence,
        codings,
        corpus,
        claims,
    )
    print(
        f"ratios: exemplars / retrieve {t_ex / base_retrieve:.1f}x; saturation / frequencies "
        f"{t_sat / base_freq:.1f}x; triangulation / frequencies {t_tri / base_freq:.1f}x; "
        f"claim_evidence / retrieve {t_claims / base_retrieve:.1f}x"
    )


if __name__ == "__main__":
    main()
