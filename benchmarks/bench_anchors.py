"""Re-anchoring at scale: codings on generated transcripts, then a round of typical edits.

Each document of ``benchmarks/generate.py`` gets ``--codings`` codings on sentence-like
spans; the text is then edited as a transcriber would (a header line added, names
pseudonymised, words corrected inside some coded passages, one passage per document
rewritten). Prints, for re-anchoring with the old texts (diff) and from anchors only, the
seconds, codings per second and the statuses, against a baseline measured in the same run:
the obvious implementation, ``new_text.find(quote)`` for each coding (which is fast but
loses every edited passage and puts repeated quotes on their first occurrence).

    python benchmarks/bench_anchors.py [--documents 200] [--words 3000] [--codings 40]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import iter_documents

from resilience_qda.coding.anchors import reanchor
from resilience_qda.core.model import anchor_codings


def make(documents: int, words: int, per_doc: int, seed: int = 0):
    """Codings, old and new texts, and where each coding belongs in the new text
    (``None`` for the rewritten passages, which must be orphaned)."""
    rng = random.Random(seed)
    old, new, rows, expected = {}, {}, [], []
    for doc_id, text in iter_documents(documents, words, seed=seed):
        sentences = [m.span() for m in re.finditer(r"[A-Z][^.!?\n]{20,200}[.!?]", text)]
        picks = sorted(rng.sample(sentences, min(per_doc, len(sentences))))
        old[doc_id] = text
        # edits at positions of the old text: (start, end, replacement), never overlapping
        edits = [(0, 0, "[Checked against the recording]\n\n")]
        edits += [(m.end(), m.end(), "x") for m in re.finditer(r"\bParticipant [A-Z]\b", text)]
        for s, e in picks[1::5]:
            k = text.find(" the ", s, e)
            if k >= 0:
                edits.append((k + 5, k + 5, "very "))
        rewritten = picks[len(picks) // 2]
        edits.append((*rewritten, "This passage was rewritten by the transcriber."))
        edits.sort()
        pieces, pos = [], 0
        for s, e, repl in edits:
            pieces += [text[pos:s], repl]
            pos = e
        new[doc_id] = "".join(pieces) + text[pos:]

        def shift(p: int, side: str, edits=edits) -> int:
            return p + sum(
                len(r) - (e - s)
                for s, e, r in edits
                if (e < p or (e == p and (side == "end" or s < p)) or (s == e == p and p == 0))
            )

        for k, (s, e) in enumerate(picks):
            rows.append((doc_id, s, e, f"code-{k % 12}", "A", "manual", None))
            if (s, e) == rewritten:
                expected.append(None)
            else:
                expected.append((shift(s, "start"), shift(e, "end")))
    codings = pd.DataFrame(
        rows, columns=["doc_id", "start", "end", "code", "coder", "source", "score"]
    )
    return anchor_codings(codings, old), old, new, expected


def judge(report: pd.DataFrame, expected: list) -> dict[str, int]:
    """Placed on the expected span, lost (orphaned though placeable), or wrong (placed
    off its passage, or placed when its passage was rewritten)."""
    out = {"right": 0, "orphaned as it should": 0, "lost": 0, "wrong": 0}
    for r, want in zip(report.itertuples(index=False), expected, strict=True):
        if want is None:
            out["orphaned as it should" if r.status == "orphaned" else "wrong"] += 1
        elif r.status == "orphaned":
            out["lost"] += 1
        else:
            s, e = int(r.start), int(r.end)
            out["right" if (s, e) == want else "wrong"] += 1
    return out


def baseline(codings: pd.DataFrame, new: dict[str, str]) -> pd.Series:
    """str.find of each quote: the position, or -1."""
    return pd.Series(
        [new[d].find(q) for d, q in zip(codings["doc_id"], codings["quote"], strict=True)]
    )


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--documents", type=int, default=200)
    p.add_argument("--words", type=int, default=3000)
    p.add_argument("--codings", type=int, default=40)
    args = p.parse_args(argv)
    codings, old, new, expected = make(args.documents, args.words, args.codings)
    n = len(codings)
    print(f"{args.documents} documents x ~{args.words} words, {n} codings")

    t = time.perf_counter()
    found = baseline(codings, new)
    t_base = time.perf_counter() - t
    base = pd.DataFrame(
        {
            "status": ["orphaned" if p < 0 else "moved" for p in found],
            "start": found,
            "end": found + codings["quote"].str.len(),
        }
    )
    print(f"baseline str.find: {t_base:.3f} s ({n / t_base:,.0f} codings/s)")
    print(f"  {judge(base, expected)}")
    for label, kwargs in (("with old texts (diff)", {"old_texts": old}), ("anchors only", {})):
        t = time.perf_counter()
        result = reanchor(codings, new, **kwargs)
        took = time.perf_counter() - t
        print(
            f"reanchor {label}: {took:.3f} s ({n / took:,.0f} codings/s, "
            f"{took / t_base:.0f}x the baseline)"
        )
        print(f"  {result.summary()}")
        print(f"  {judge(result.report, expected)}")


if __name__ == "__main__":
    main()
