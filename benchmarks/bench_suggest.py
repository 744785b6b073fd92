"""Learning from coding at scale: train on 100,000 coded units, suggest for the rest.

A generated corpus (benchmarks/generate.py: realistic interview talk recombined from the
sample) gets synthetic codings by coder A: ten codes, each given to the participant
sentences holding one of its cue words (with 5% of the labels flipped, as people are not
consistent either), in the first documents until A has coded ``--units`` units. The
remaining documents are left for the model.

The generator recombines the sample's few thousand sentences, so its units repeat (and
repeated texts are featurised once); a real corpus of this size has few repeats. By default
every participant unit is therefore made distinct before coding: two words of the corpus's
own vocabulary (never a cue word), a different pair for every unit, are put before its final
punctuation. ``--repeats`` keeps the generated texts as they are. The count of distinct
texts is printed.

Prints the seconds of ``suggest(project, coder="A")`` end to end (units, features, one
calibrated classifier per code over document-grouped folds, thresholds, suggestions)
against a baseline measured in the same run: a plain scikit-learn pipeline (word TF-IDF +
one-vs-rest SGD, no character n-grams, no calibration, no thresholds) fitted on the same
coded units and predicting the same uncoded ones.

    python benchmarks/bench_suggest.py [--units 100000] [--n-jobs 2] [--repeats]
"""

from __future__ import annotations

import argparse
import re
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd
from generate import make_project

import resilience_qda as rq
from resilience_qda.coding import units as corpus_units
from resilience_qda.coding.suggest import fit_suggester, suggest

OUT = Path(__file__).resolve().parent / "out"
#: Synthetic codes and the cue words that make a unit carry them.
CUES = {
    "practice-elements/materials/documents-and-policies": ["form", "forms", "paperwork"],
    "practice-elements/materials/artefacts": ["sheet", "laminated"],
    "context/time-constrained-target-driven": ["targets", "timescales", "caseload"],
    "context/top-down-risk-focused": ["risk"],
    "themes/more-reflexive": ["myself", "realise", "realised"],
    "practice-elements/competencies/learning": ["learnt", "learned", "course"],
    "framework/basics/enough-sleep": ["sleep"],
    "noble-truths/enlisting": ["enlisted", "enlisting", "husband"],
    "practice-elements/meanings/emotions": ["uncomfortable", "angry", "worried"],
    "framework/belonging/keep-relationships-going": ["relationship", "relationships"],
}


def distinct_units(corpus: rq.Corpus, seed: int = 0) -> rq.Corpus:
    """The corpus with every participant sentence made distinct by a pair of varied words.

    Unit ``i`` gets ``vocab[i % V] vocab[i // V % V]`` (``V`` words of the corpus, cue words
    left out) before its final punctuation, so no two units share a pair while there are
    fewer than ``V ** 2`` units (``V`` is about 2,000); sentence boundaries do not move.
    """
    table = corpus_units(corpus, "sentence")
    texts = corpus.texts
    cues = {w for ws in CUES.values() for w in ws}
    words = set()
    for text in texts.values():
        words.update(re.findall(r"\b[a-z]{3,12}\b", text[:20_000]))
    vocab = sorted(words - cues)
    np.random.default_rng(seed).shuffle(vocab)
    v = len(vocab)
    spans = table.loc[~table["interviewer"]].groupby("doc_id", sort=False)[["start", "end"]]
    spans = {d: rows.to_numpy().tolist() for d, rows in spans}
    docs, i = [], 0
    for doc in corpus:
        text, out, pos = doc.text, [], 0
        for start, end in spans.get(doc.doc_id, []):
            unit = text[start:end]
            cut = start + len(unit.rstrip(".?!\"')\u2019\u201d"))
            out.append(f"{text[pos:cut]} {vocab[i % v]} {vocab[i // v % v]}")
            pos, i = cut, i + 1
        out.append(text[pos:])
        docs.append(rq.Document(doc.doc_id, "".join(out), doc.metadata))
    return rq.Corpus(docs, cases=corpus.cases)


def synthetic_codings(
    project: rq.Project, n_units: int, seed: int = 0
) -> tuple[pd.DataFrame, list[str], int]:
    """Coder A's codings: cue-word units of the first documents, until ``n_units`` units."""
    rng = np.random.default_rng(seed)
    table = corpus_units(project.corpus, "sentence")
    table = table[~table["interviewer"]].reset_index(drop=True)
    per_doc = table.groupby("doc_id", sort=False).size()
    coded_docs = per_doc.index[: int(np.searchsorted(per_doc.cumsum().to_numpy(), n_units)) + 1]
    table = table[table["doc_id"].isin(set(coded_docs))].reset_index(drop=True)
    texts = project.corpus.texts
    words = (
        pd.Series(
            [
                texts[d][s:e].lower()
                for d, s, e in table[["doc_id", "start", "end"]].itertuples(False)
            ]
        )
        .str.findall(r"[a-z]+")
        .map(set)
    )
    frames = []
    for code, cues in CUES.items():
        carries = words.map(lambda w, cues=cues: not w.isdisjoint(cues)).to_numpy()
        flip = rng.random(len(carries)) < 0.05 * carries.mean() * 2  # ~5% of the positives
        carries = carries ^ flip
        frames.append(table.loc[carries, ["doc_id", "start", "end"]].assign(code=code))
    codings = pd.concat(frames, ignore_index=True).assign(coder="A", source="manual", score=None)
    # A read every unit of these documents: a document with no cue still counts as coded
    return codings, list(coded_docs), len(table)


def baseline(project, coder_docs, codings) -> float:
    """Word TF-IDF + one-vs-rest SGD on the same units: the least a learner must do."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import SGDClassifier
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import make_pipeline

    t0 = time.perf_counter()
    table = corpus_units(project.corpus, "sentence")
    table = table[~table["interviewer"]].reset_index(drop=True)
    texts = project.corpus.texts
    text = [texts[d][s:e] for d, s, e in table[["doc_id", "start", "end"]].itertuples(False)]
    coded = table["doc_id"].isin(set(coder_docs)).to_numpy()
    carried = rq.coding.code_units(codings, table)
    key = pd.MultiIndex.from_frame(table[["doc_id", "unit"]])
    Y = np.stack(
        [
            key.isin(
                pd.MultiIndex.from_frame(carried.loc[carried["code"] == c, ["doc_id", "unit"]])
            )
            for c in CUES
        ],
        axis=1,
    ).astype(int)
    model = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
        OneVsRestClassifier(SGDClassifier(loss="hinge", max_iter=8, tol=None, random_state=0)),
    )
    model.fit([t for t, c in zip(text, coded, strict=True) if c], Y[coded])
    model.predict([t for t, c in zip(text, coded, strict=True) if not c])
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=100_000, help="units coder A has coded")
    parser.add_argument("--n-jobs", type=int, default=2, help="codes fitted in parallel")
    parser.add_argument("--keep", action="store_true", help="keep the generated corpus")
    parser.add_argument(
        "--repeats", action="store_true", help="keep the generated (repeating) sentences"
    )
    args = parser.parse_args()
    documents = int(args.units / 215) + 1 + int(args.units / 215 / 5)  # ~215 units/doc
    folder = OUT / f"suggest-{documents}x3000"
    if not folder.exists():
        make_project(folder, documents=documents, words=3000)
    corpus = rq.read_project(folder).corpus
    if not args.repeats:
        corpus = distinct_units(corpus)
    book = rq.read_codebook("cop-evaluation")
    project = rq.Project(corpus, book)
    codings, coder_docs, n_coded = synthetic_codings(project, args.units)
    project = rq.Project(corpus, book, rq.validate_codings(codings, corpus))
    total = len(corpus_units(corpus, "sentence").query("~interviewer"))

    base = baseline(project, coder_docs, codings)

    t0 = time.perf_counter()
    model, data = fit_suggester(project, coder="A", doc_ids=coder_docs, n_jobs=args.n_jobs)
    fitted = time.perf_counter() - t0
    t1 = time.perf_counter()
    out = suggest(project, coder="A", fitted=(model, data))
    suggested = time.perf_counter() - t1
    whole = fitted + suggested

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    unique = data.features["text"].nunique()
    print(
        f"documents: {len(corpus):,} ({len(coder_docs):,} coded by A)  participant units: "
        f"{total:,} ({n_coded:,} coded, {total - n_coded:,} to suggest; "
        f"{unique:,} distinct texts)  codes: {len(CUES)}  codings by A: {len(codings):,}"
    )
    summary = model.summary()
    print(
        f"codes learned: {(summary['status'] == 'fitted').sum()} of {len(summary)}; "
        f"median cross-validated precision {summary['cv_precision'].median():.2f}, "
        f"recall {summary['cv_recall'].median():.2f}; suggestions: {len(out):,}"
    )
    print(f"baseline (word TF-IDF + OvR SGD, fit + predict):  {base:6.1f} s")
    print(f"fit_suggester (units, features, calibrated CV):  {fitted:6.1f} s")
    print(f"suggest (predict the uncoded units):             {suggested:6.1f} s")
    ratio = whole / base
    print(
        f"train + suggest:                                 {whole:6.1f} s  ({ratio:.1f}x baseline)"
    )
    print(f"peak RSS: {rss:,.0f} MiB")
    if not args.keep:
        import shutil

        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
