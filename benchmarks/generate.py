"""Generate realistic benchmark corpora from the sample study's own talk.

New interviews are made by recombining the sample's interviewer questions and participant
sentences (so vocabulary, sentence lengths and the codebook's hit rate stay realistic);
observation notes by recombining note sentences. Deterministic for a seed.

    python benchmarks/generate.py OUT --documents 10000 --words 300
    python benchmarks/generate.py OUT --documents 700 --words 1500     # ~1M words

Output is a project folder (sources/, sources.csv, cases.csv) under OUT; keep it out of git
(benchmarks/out/ is ignored).
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pandas as pd

from resilience_qda import read_project
from resilience_qda.coding import units

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
ROLES = [
    ("Social worker", "social work"),
    ("Family nurse", "family nursing"),
    ("Foster carer", "foster care"),
    ("Youth worker", "voluntary and third sector"),
]


@cache
def _material() -> tuple[list[str], list[str], list[str]]:
    project = read_project(SAMPLE)
    table = units(project.corpus, "sentence")
    texts = project.corpus.texts
    table["text"] = [
        texts[d][s:e] for d, s, e in table[["doc_id", "start", "end"]].itertuples(index=False)
    ]
    kinds = project.corpus.documents.set_index("doc_id")["kind"]
    table["kind"] = table["doc_id"].map(kinds)
    interview = table[table["kind"] == "interview"]
    questions = interview[interview["interviewer"]]["text"].tolist()
    answers = interview[~interview["interviewer"] & interview["speaker"].notna()]["text"].tolist()
    notes = table[table["kind"] != "interview"]["text"].tolist()
    return questions, answers, notes or answers


def make_text(words: int, rng: random.Random, *, kind: str = "interview", letter: str = "X") -> str:
    """One synthetic document of about ``words`` words."""
    questions, answers, notes = _material()
    parts, count = [], 0
    if kind == "interview":
        while count < words:
            q = rng.choice(questions)
            turn = " ".join(rng.choices(answers, k=rng.randint(2, 8)))
            parts.append(f"Interviewer: {q}\n\nParticipant {letter}: {turn}\n")
            count += len(q.split()) + len(turn.split())
    else:
        while count < words:
            para = " ".join(rng.choices(notes, k=rng.randint(3, 7)))
            parts.append(para + "\n")
            count += len(para.split())
    return "\n".join(parts)


def iter_documents(documents: int, words: int, seed: int = 0) -> Iterator[tuple[str, str]]:
    """``(doc_id, text)`` pairs, streamed: 5 interviews to every observation note."""
    rng = random.Random(seed)
    for i in range(documents):
        kind = "observation" if i % 6 == 5 else "interview"
        yield (f"{kind}-{i:06d}", make_text(words, rng, kind=kind, letter=f"P{i:06d}"))


def make_project(out: str | Path, *, documents: int, words: int, seed: int = 0) -> Path:
    """Write a project folder of ``documents`` synthetic documents of ~``words`` words."""
    out = Path(out)
    (out / "sources").mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed + 1)
    rows, cases = [], []
    for i, (doc_id, text) in enumerate(iter_documents(documents, words, seed)):
        (out / "sources" / f"{doc_id}.txt").write_text(text, encoding="utf-8")
        kind = doc_id.split("-")[0]
        case = f"P{i:06d}" if kind == "interview" else ""
        rows.append(
            {
                "doc_id": doc_id,
                "kind": kind,
                "case": case,
                "date": f"2010-{1 + i % 12:02d}-{1 + i % 28:02d}",
                "meeting": "" if case else 1 + i % 12,
            }
        )
        if case:
            role, sector = rng.choice(ROLES)
            cases.append(
                {
                    "case": case,
                    "role": role,
                    "sector": sector,
                    "years_in_practice": rng.randint(1, 30),
                }
            )
    pd.DataFrame(rows).to_csv(out / "sources.csv", index=False, lineterminator="\n")
    pd.DataFrame(cases).to_csv(out / "cases.csv", index=False, lineterminator="\n")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out")
    parser.add_argument("--documents", type=int, default=100)
    parser.add_argument("--words", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    make_project(args.out, documents=args.documents, words=args.words, seed=args.seed)
    print(
        f"wrote {args.documents} documents of ~{args.words} words to {args.out} "
        f"in {time.perf_counter() - t0:.1f} s"
    )


if __name__ == "__main__":
    main()
