"""How well the detector does: precision and recall per kind on labelled text.

Labelled text marks each identifier as ``{{KIND:text}}``; documents start with a line
``=== doc-id ===``; lines starting with ``#`` are comments. A found span counts as right
when it overlaps a labelled span of the same kind; each labelled span is found or not.
"""

from __future__ import annotations

import re

import pandas as pd

_MARK = re.compile(r"\{\{([A-Z_]+):(.*?)\}\}")
_DOC = re.compile(r"^=== (.+?) ===\s*$", re.MULTILINE)
SCORE_COLUMNS = ("kind", "labelled", "found", "true_positives", "exact", "precision", "recall")


def parse_labelled(text: str) -> tuple[dict[str, str], pd.DataFrame]:
    """Split labelled text into plain texts and the labelled spans.

    Returns
    -------
    texts : dict
        ``{doc_id: text}`` without the marks.
    gold : DataFrame
        ``doc_id, start, end, kind, text``.

    Examples
    --------
    >>> texts, gold = parse_labelled("=== d ===\\nRing {{PHONE:07700 900123}} now.\\n")
    >>> texts["d"], gold[["start", "end", "kind"]].values.tolist()
    ('Ring 07700 900123 now.', [[5, 17, 'PHONE']])
    """
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    parts = _DOC.split(body)
    docs = dict(zip(parts[1::2], parts[2::2], strict=True)) if len(parts) > 1 else {"doc": body}
    texts, rows = {}, []
    for doc_id, raw in docs.items():
        out, last, pos = [], 0, 0
        for m in _MARK.finditer(raw):
            out.append(raw[last : m.start()])
            pos += m.start() - last
            rows.append((doc_id, pos, pos + len(m.group(2)), m.group(1), m.group(2)))
            out.append(m.group(2))
            pos += len(m.group(2))
            last = m.end()
        out.append(raw[last:])
        texts[doc_id] = "".join(out).lstrip("\n")
        shift = len("".join(out)) - len(texts[doc_id])
        rows = [
            (d, s - shift, e - shift, k, t) if d == doc_id else (d, s, e, k, t)
            for d, s, e, k, t in rows
        ]
    gold = pd.DataFrame(rows, columns=["doc_id", "start", "end", "kind", "text"])
    return texts, gold


def detection_scores(found: pd.DataFrame, gold: pd.DataFrame) -> pd.DataFrame:
    """Precision and recall per kind (and ``all``) of found spans against labelled ones.

    Both tables have ``doc_id, start, end, kind``. ``exact`` counts found spans with the
    labelled span's very boundaries. Kinds only ever labelled (never found) have precision
    NaN; kinds only found have recall NaN.

    Examples
    --------
    >>> g = pd.DataFrame({"doc_id": ["d", "d"], "start": [0, 10], "end": [5, 15],
    ...                   "kind": ["NAME", "PHONE"]})
    >>> f = pd.DataFrame({"doc_id": ["d", "d"], "start": [0, 20], "end": [5, 25],
    ...                   "kind": ["NAME", "PHONE"]})
    >>> detection_scores(f, g)[["kind", "precision", "recall"]].values.tolist()
    [['NAME', 1.0, 1.0], ['PHONE', 0.0, 0.0], ['all', 0.5, 0.5]]
    """
    gold_spans = _by_doc_kind(gold)
    found_spans = _by_doc_kind(found)
    f = found.assign(
        hit=[_hits(r, gold_spans) for r in found.itertuples(index=False)],
        exact=[_hits(r, gold_spans, exact=True) for r in found.itertuples(index=False)],
    )
    g = gold.assign(hit=[_hits(r, found_spans) for r in gold.itertuples(index=False)])
    rows = []
    for kind in [*sorted(set(f["kind"]) | set(g["kind"])), "all"]:
        fk = f if kind == "all" else f[f["kind"] == kind]
        gk = g if kind == "all" else g[g["kind"] == kind]
        rows.append(
            {
                "kind": kind,
                "labelled": len(gk),
                "found": len(fk),
                "true_positives": int(fk["hit"].sum()),
                "exact": int(fk["exact"].sum()),
                "precision": fk["hit"].mean() if len(fk) else float("nan"),
                "recall": gk["hit"].mean() if len(gk) else float("nan"),
            }
        )
    return pd.DataFrame(rows, columns=list(SCORE_COLUMNS))


def _by_doc_kind(table: pd.DataFrame) -> dict[tuple[str, str], list[tuple[int, int]]]:
    spans: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for d, k, s, e in table[["doc_id", "kind", "start", "end"]].itertuples(index=False):
        spans.setdefault((d, k), []).append((int(s), int(e)))
    return spans


def _hits(r, spans: dict, *, exact: bool = False) -> bool:
    others = spans.get((r.doc_id, r.kind), [])
    if exact:
        return (int(r.start), int(r.end)) in others
    return any(s < r.end and e > r.start for s, e in others)


__all__ = ["SCORE_COLUMNS", "detection_scores", "parse_labelled"]
