"""Turn the coders' quotes (quotes/<coder>-<doc_id>.csv) into codings/<coder>.csv.

Coders wrote down the exact words they coded; offsets are computed here, never typed by
hand. Each quote must occur exactly once in its document. An optional ``pinned`` column
(yes) marks a quote the coder wants shown first among a code's exemplars. Run from the repository root:

    python data/sample/make_codings.py
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pandas as pd

from resilience_qda import write_codings

HERE = Path(__file__).resolve().parent


def quotes_to_codings(folder: Path = HERE) -> pd.DataFrame:
    rows, problems = [], []
    for f in sorted((folder / "quotes").glob("*-*.csv")):
        coder = f.stem.split("-", 1)[0]
        with f.open(encoding="utf-8", newline="") as fh:
            for n, q in enumerate(csv.DictReader(fh), start=2):
                text = (folder / "sources" / f"{q['doc_id']}.txt").read_text(encoding="utf-8")
                hits = text.count(q["quote"])
                if hits != 1:
                    problems.append(f"{f.name} line {n}: quote occurs {hits} times: {q['quote']!r}")
                    continue
                start = text.index(q["quote"])
                rows.append(
                    {
                        "doc_id": q["doc_id"],
                        "start": start,
                        "end": start + len(q["quote"]),
                        "code": q["code"],
                        "coder": coder,
                        "source": "manual",
                        "score": None,
                        "memo": q.get("memo") or "",
                        "pinned": q.get("pinned") or "",  # yes: an exemplar quote, first
                    }
                )
    if problems:
        sys.exit("\n".join(problems))
    return pd.DataFrame(rows)


if __name__ == "__main__":
    written = write_codings(quotes_to_codings(), HERE)
    print("\n".join(map(str, written)))
