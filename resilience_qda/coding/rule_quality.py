"""How well an auto-coder does per area, on text it was and was not tuned on.

The built-in codebook's rules are tuned on one half of the sample project's documents
(:data:`SAMPLE_SPLIT`, ``"tuning"``) against coder A and reported on the other half
(``"heldout"``) and on labelled passages written after tuning was frozen (a text file read by
:func:`read_passages`). Scores are per *area*: codes rolled up to the second level of the
``practice-elements`` and ``framework`` branches (``practice-elements/meanings``,
``framework/coping``, ...), over sentence units, with macro-F1 per branch.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.errors import CodingsError
from ..core.model import Codebook, Corpus, Document
from ..core.scoring import score_coder

#: The fixed split of ``data/sample``: meetings alternate (odd numbers tune, even ones are
#: held out, so both halves span the year); interviews are split within each role, with
#: two of the four interviews coder B also coded on each side.
SAMPLE_SPLIT: dict[str, tuple[str, ...]] = {
    "tuning": (
        "interview-B",  # foster carer (B coded)
        "interview-D",  # social worker
        "interview-F",  # family nurse
        "interview-J",  # voluntary sector
        "interview-K",  # family nurse
        "interview-L",  # social worker (B coded)
        "interview-M",  # foster carer
        "meeting-01",
        "meeting-03",
        "meeting-05",
        "meeting-07",
        "meeting-09",
        "meeting-11",  # B coded
    ),
    "heldout": (
        "interview-G",  # foster carer
        "interview-H",  # social worker
        "interview-N",  # voluntary sector (B coded)
        "interview-R",  # social worker
        "interview-S",  # family nurse (B coded)
        "interview-T",  # voluntary sector
        "meeting-02",  # B coded
        "meeting-04",
        "meeting-06",  # B coded
        "meeting-08",
        "meeting-10",
        "meeting-12",
    ),
}

#: The areas scored: practice elements and framework areas of the built-in codebook.
AREAS: tuple[str, ...] = (
    "practice-elements/meanings",
    "practice-elements/competencies",
    "practice-elements/materials",
    "framework/basics",
    "framework/belonging",
    "framework/learning",
    "framework/coping",
    "framework/core-self",
)

_PASSAGE = re.compile(r"^===\s*(?P<id>[^|=]+?)\s*(?:\|(?P<meta>[^=]*))?===\s*$")
_LABELS = re.compile(r"\s*\[(?P<labels>[^\[\]]*)\]\s*$")


def read_passages(
    source: str | Path, codebook: Codebook, *, coder: str = "gold"
) -> tuple[Corpus, pd.DataFrame]:
    """Read labelled passages: one sentence a line, its codes in brackets at the line end.

    The format::

        # comment lines anywhere
        === p001 | family nurse | diary ===
        I keep the sheet in the car. [materials/artefacts, framework/basics]
        A sentence that carries no code.

    A label is a code path or any unique ending of one (``artefacts``,
    ``basics/being-safe``); each passage becomes a :class:`Document` (its lines joined
    by line ends, so each line is one sentence unit) whose metadata holds the ``|``
    fields after the id as ``voice`` and ``kind`` (kind ``passage`` when not given).

    Returns
    -------
    corpus : Corpus
    gold : DataFrame
        A codings table: one row per (line, code) with ``coder`` and ``source="manual"``.

    Raises
    ------
    CodingsError
        Naming the line of an unknown or ambiguous label, a duplicate passage id, or text
        before the first passage header.

    Examples
    --------
    >>> from resilience_qda.io.codebook import read_codebook
    >>> corpus, gold = read_passages(
    ...     "=== p1 | carer ===\\nI felt proud of him. [emotions]\\nNothing here.\\n",
    ...     read_codebook("cop-evaluation"))
    >>> gold[["doc_id", "start", "end", "code"]].values.tolist()
    [['p1', 0, 20, 'practice-elements/meanings/emotions']]
    """
    text = Path(source).read_text(encoding="utf-8") if isinstance(source, Path) else source
    paths = [c.path for c in codebook]
    docs: dict[str, tuple[list[str], dict]] = {}
    rows: list[tuple] = []
    current: str | None = None
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("#") or not line.strip():
            continue
        header = _PASSAGE.match(line)
        if header:
            current = header["id"].strip()
            if current in docs:
                raise CodingsError(f"line {number}: passage {current!r} appears twice")
            fields = [f.strip() for f in (header["meta"] or "").split("|") if f.strip()]
            meta = {"voice": fields[0] if fields else "", "kind": "passage"}
            if len(fields) > 1:
                meta["genre"] = fields[1]
            docs[current] = ([], meta)
            continue
        if current is None:
            raise CodingsError(f"line {number}: text before the first '=== id ===' header")
        lines, _ = docs[current]
        found = _LABELS.search(line)
        sentence = (line[: found.start()] if found else line).strip()
        start = sum(len(x) + 1 for x in lines)
        lines.append(sentence)
        if found:
            for label in filter(None, (x.strip() for x in found["labels"].split(","))):
                code = _resolve(label, paths, number)
                rows.append((current, start, start + len(sentence), code, coder, "manual", np.nan))
    corpus = Corpus([Document(d, "\n".join(lines), meta) for d, (lines, meta) in docs.items()])
    gold = pd.DataFrame(
        rows, columns=["doc_id", "start", "end", "code", "coder", "source", "score"]
    ).astype({"start": "int64", "end": "int64", "score": "float64"})
    return corpus, gold


def _resolve(label: str, paths: list[str], number: int) -> str:
    if label in paths:
        return label
    hits = [p for p in paths if p.endswith("/" + label)]
    if len(hits) != 1:
        what = "matches no code" if not hits else f"is ambiguous ({', '.join(hits)})"
        raise CodingsError(f"line {number}: label {label!r} {what}; write more of its path")
    return hits[0]


def area_scores(
    codings: pd.DataFrame,
    *,
    reference: pd.DataFrame,
    units: pd.DataFrame,
    areas: Iterable[str] = AREAS,
) -> pd.DataFrame:
    """Precision, recall and F1 per area (codes rolled up), and macro-F1 per branch.

    Parameters
    ----------
    codings : DataFrame
        The codings to score (one coder).
    reference : DataFrame
        The reference codings (one coder).
    units : DataFrame
        The units to score over (:func:`resilience_qda.core.scoring.scoring_units`).
    areas : iterable of str
        Area codes; rows ``<branch>/macro`` (mean F1, precision and recall of the branch's
        areas, and the sums of their counts) follow each branch's areas.

    Returns
    -------
    DataFrame
        ``area, reference, coded, both, precision, recall, f1``; ``reference`` and
        ``coded`` count units.

    Examples
    --------
    >>> u = pd.DataFrame({"doc_id": "d", "unit": range(2), "start": [0, 10], "end": [9, 20]})
    >>> ref = pd.DataFrame({"doc_id": "d", "start": [0], "end": [9], "coder": "A",
    ...                     "code": "framework/coping/being-brave"})
    >>> got = ref.assign(coder="rules", start=[10], end=[20])
    >>> area_scores(got, reference=ref, units=u, areas=["framework/coping"])[
    ...     ["area", "reference", "coded", "f1"]].values.tolist()
    [['framework/coping', 1, 1, 0.0], ['framework/macro', 1, 1, 0.0]]
    """
    areas = list(areas)
    table = score_coder(
        codings.assign(coder="coder"),
        reference=reference.assign(coder="reference"),
        units=units,
        codes=areas,
        rollup=True,
    )
    out = pd.DataFrame(
        {
            "area": table["code"],
            "reference": table["both"] + table["reference_only"],
            "coded": table["both"] + table["coder_only"],
            "both": table["both"],
            "precision": table["precision"],
            "recall": table["recall"],
            "f1": table["f1"],
        }
    )
    frames = []
    for branch in dict.fromkeys(a.split("/")[0] for a in areas):
        part = out[out["area"].str.startswith(branch + "/")]
        macro = {
            "area": f"{branch}/macro",
            **{k: int(part[k].sum()) for k in ("reference", "coded", "both")},
            "precision": part["precision"].mean(),
            "recall": part["recall"].mean(),
            "f1": part["f1"].mean(),
        }
        frames += [part, pd.DataFrame([macro])]
    return pd.concat(frames, ignore_index=True)


__all__ = ["AREAS", "SAMPLE_SPLIT", "area_scores", "read_passages"]
