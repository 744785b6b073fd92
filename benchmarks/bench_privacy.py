"""Pseudonymisation: how well the detector finds identifiers, and how fast it runs.

1. Precision and recall per kind on the labelled test set (``tests/fixtures/privacy/
   labelled.txt``, written with the detector) and on the held-out set (``heldout.txt``,
   written after the patterns were fixed and never used to tune them).
2. Speed on a generated corpus with identifiers inserted: detection (patterns + key) and the
   whole replacement with re-anchoring of codings, against a baseline measured in the same
   run: one regular-expression pass that splits the same texts into words.

    python benchmarks/bench_privacy.py [--documents 300] [--words 1500]
"""

from __future__ import annotations

import argparse
import random
import re
import time
from pathlib import Path

import pandas as pd
from generate import make_project

from resilience_qda import read_project
from resilience_qda.core.model import CODINGS_COLUMNS, Corpus, Document, Project
from resilience_qda.privacy import find_candidates, pseudonymise, read_key
from resilience_qda.privacy.evaluate import detection_scores, parse_labelled

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "privacy"
OUT = Path(__file__).resolve().parent / "out"
EXTRAS = [
    "Jayden",
    "Kayla Morrison",
    "Mrs Thompson",
    "07700 900461",
    "BN2 4GJ",
    "lorraine.bishop@example.org",
    "DOB 03/05/2006",
    "NHS 943 476 5919",
    "14 Elm Grove",
    "Westfield Primary School",
]


def accuracy(key) -> None:
    for name in ("labelled.txt", "heldout.txt"):
        texts, gold = parse_labelled((FIXTURES / name).read_text(encoding="utf-8"))
        table = detection_scores(find_candidates(texts, key=key), gold)
        table["precision"] = table["precision"].round(3)
        table["recall"] = table["recall"].round(3)
        print(f"\n{name}: {len(gold)} labelled identifiers in {len(texts)} documents")
        print(table.to_string(index=False))


def with_identifiers(project: Project, seed: int = 0) -> Project:
    rng = random.Random(seed)
    docs = []
    for d in project.corpus:
        sentences = d.text.split(". ")
        for _ in range(max(1, len(sentences) // 20)):
            i = rng.randrange(len(sentences))
            sentences[i] = f"{sentences[i]}, {rng.choice(EXTRAS)}"
        docs.append(Document(d.doc_id, ". ".join(sentences), d.metadata))
    corpus = Corpus(docs)
    rows = []
    for d in corpus:  # ten codings per document, on sentence-sized spans
        for m in list(re.finditer(r"[^.\n]{40,}\.", d.text))[:10]:
            rows.append((d.doc_id, m.start(), m.end(), "themes/more-reflexive", "A", "manual", 0))
    codings = pd.DataFrame(rows, columns=list(CODINGS_COLUMNS))
    return Project(corpus, project.codebook, codings)


def speed(key, documents: int, words: int) -> None:
    folder = OUT / f"privacy-{documents}x{words}"
    if not folder.exists():
        make_project(folder, documents=documents, words=words)
    project = with_identifiers(read_project(folder))
    texts = project.corpus.texts
    n_words = sum(len(t.split()) for t in texts.values())

    t0 = time.perf_counter()
    for t in texts.values():
        re.findall(r"\w+", t)
    baseline = time.perf_counter() - t0

    t0 = time.perf_counter()
    review = find_candidates(project, key=key)
    detect = time.perf_counter() - t0

    t0 = time.perf_counter()
    result = pseudonymise(project, review, key=key)
    replace = time.perf_counter() - t0
    statuses = result.codings_report["status"].value_counts().to_dict()
    print(f"\ncorpus: {len(texts)} documents, {n_words:,} words, {len(project.codings)} codings")
    print(f"baseline (split into words): {baseline:.3f} s")
    print(f"detection (patterns + key):  {detect:.3f} s  = {detect / baseline:.0f}x baseline")
    inserted = {x.removeprefix("DOB ").removeprefix("NHS ") for x in EXTRAS}
    other = review[~review["text"].isin(inserted)]
    print(f"  {len(review)} candidates, {n_words / detect:,.0f} words/s")
    print(f"  candidates other than the inserted identifiers: {len(other)}")
    print(f"replacement + re-anchoring:  {replace:.3f} s  = {replace / baseline:.0f}x baseline")
    print(f"  codings: {statuses}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=300)
    parser.add_argument("--words", type=int, default=1500)
    args = parser.parse_args()
    key = read_key(FIXTURES / "key.csv")
    accuracy(key)
    speed(key, args.documents, args.words)


if __name__ == "__main__":
    main()
