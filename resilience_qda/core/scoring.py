"""Score a coder against a reference coder, per code, at a unit of analysis.

A unit "carries" a code for a coder when one of the coder's codings of that code overlaps it
(:func:`resilience_qda.core.units.code_units`). Per code, the units fall into a 2x2 table
(both, coder only, reference only, neither) from which precision, recall, F1 and Cohen's
kappa are computed; the four counts travel with every row so each figure can be checked.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from .model import Corpus
from .stats import kappa_2x2
from .units import code_units
from .units import units as corpus_units

SCORE_COLUMNS = (
    "coder",
    "reference",
    "code",
    "units",
    "both",
    "coder_only",
    "reference_only",
    "neither",
    "precision",
    "recall",
    "f1",
    "p_o",
    "p_e",
    "kappa",
)


def score_coder(
    codings: pd.DataFrame,
    *,
    reference: str | pd.DataFrame,
    units: pd.DataFrame,
    coder: str | Iterable[str] | None = None,
    codes: Iterable[str] | None = None,
    rollup: bool = False,
    min_overlap: float = 0.0,
) -> pd.DataFrame:
    """Per-code precision, recall, F1 and Cohen's kappa of a coder against a reference.

    Parameters
    ----------
    codings : DataFrame
        Codings table holding the coder(s) to score (and the reference's rows when
        ``reference`` is a coder name).
    reference : str or DataFrame
        The reference coder's name in ``codings``, or the reference's codings table.
    units : DataFrame
        The units to score over (``doc_id, unit, start, end``, as from
        :func:`resilience_qda.core.units.units`); codings outside them are ignored, so
        pass only the documents (and turns) the reference actually coded.
    coder : str or list of str, optional
        Who to score; default every coder in ``codings`` but the reference.
    codes : iterable of str, optional
        Codes to score; default every code either side used within ``units``.
    rollup : bool
        Also score each code's ancestors (``a/b`` counts for ``a``): a unit carries an
        ancestor when it carries any code below it.
    min_overlap : float
        Passed to :func:`~resilience_qda.core.units.code_units`.

    Returns
    -------
    DataFrame
        One row per (coder, code): ``coder, reference, code, units, both, coder_only,
        reference_only, neither, precision, recall, f1, p_o, p_e, kappa``. Precision is NaN
        when the coder coded no unit, recall when the reference coded none; kappa is NaN
        when both agree on every unit using one category only.

    Examples
    --------
    >>> u = pd.DataFrame({"doc_id": "d", "unit": range(4), "start": [0, 10, 20, 30],
    ...                   "end": [10, 20, 30, 40]})
    >>> c = pd.DataFrame({"doc_id": "d", "start": [0, 12, 0, 22], "end": [5, 15, 5, 25],
    ...                   "code": "x", "coder": ["rules", "rules", "A", "A"]})
    >>> s = score_coder(c, reference="A", units=u)
    >>> s[["both", "coder_only", "reference_only", "neither"]].values.tolist()
    [[1, 1, 1, 1]]
    >>> s[["precision", "recall", "f1", "kappa"]].values.tolist()
    [[0.5, 0.5, 0.5, 0.0]]
    """
    if isinstance(reference, str):
        ref_name = reference
        ref = codings[codings["coder"] == reference]
        others = codings[codings["coder"] != reference]
    else:
        names = sorted(set(reference["coder"])) if "coder" in reference and len(reference) else []
        ref_name = names[0] if len(names) == 1 else "reference"
        ref = reference.assign(coder=ref_name)
        others = codings
    if coder is not None:
        wanted = [coder] if isinstance(coder, str) else list(coder)
        missing = sorted(set(wanted) - set(others["coder"]))
        if missing:
            raise ValueError(
                f"no codings by coder(s) {', '.join(missing)}; coders present: "
                f"{', '.join(sorted(set(others['coder'])))}"
            )
        others = others[others["coder"].isin(wanted)]
        coders = wanted
    else:
        coders = sorted(set(others["coder"]))
    keep = ["doc_id", "start", "end", "code", "coder"]
    both_sides = pd.concat([ref[keep], others[keep]], ignore_index=True)
    carried = code_units(both_sides, units, min_overlap=min_overlap)[
        ["doc_id", "unit", "code", "coder"]
    ]
    if rollup and len(carried):
        carried = _rollup(carried)
    n_units = len(units[["doc_id", "unit"]].drop_duplicates())
    if codes is None:
        codes = sorted(set(carried["code"]))
    codes = list(codes)
    sets = {
        key: set(zip(g["doc_id"], g["unit"], strict=True))
        for key, g in carried.groupby(["coder", "code"], sort=False)
    }
    rows = []
    for who in coders:
        for code in codes:
            mine = sets.get((who, code), set())
            theirs = sets.get((ref_name, code), set())
            a = len(mine & theirs)
            b, c = len(mine) - a, len(theirs) - a
            rows.append((who, ref_name, code, n_units, a, b, c, n_units - a - b - c))
    table = pd.DataFrame(rows, columns=list(SCORE_COLUMNS[:8]))
    a, b, c, d = (table[k].to_numpy(dtype="float64") for k in SCORE_COLUMNS[4:8])
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(a + b > 0, a / (a + b), np.nan)
        recall = np.where(a + c > 0, a / (a + c), np.nan)
        f1 = np.where(a + b + c > 0, 2 * a / (2 * a + b + c), np.nan)
    p_o, p_e, kappa = kappa_2x2(a, b, c, d) if len(table) else ([], [], [])
    table = table.assign(precision=precision, recall=recall, f1=f1, p_o=p_o, p_e=p_e, kappa=kappa)
    return table.astype({k: "int64" for k in SCORE_COLUMNS[3:8]})


def _rollup(carried: pd.DataFrame) -> pd.DataFrame:
    frames = [carried]
    depth = carried["code"].str.count("/")
    for level in range(int(depth.max()), 0, -1):
        deeper = carried[depth >= level]
        parents = deeper["code"].str.split("/").str[:level].str.join("/")
        frames.append(deeper.assign(code=parents.to_numpy()))
    return pd.concat(frames, ignore_index=True).drop_duplicates(ignore_index=True)


def scoring_units(
    corpus: Corpus,
    unit: str = "sentence",
    *,
    doc_ids: Iterable[str] | None = None,
    interviewer: bool = False,
) -> pd.DataFrame:
    """The units to score over: ``unit`` units of ``doc_ids`` (default all), without the
    interviewer's turns unless ``interviewer``.

    Examples
    --------
    >>> from resilience_qda.core.model import Document
    >>> c = Corpus([Document("i", "I: Why?\\n\\nP: Because. It works.", {"kind": "interview"})])
    >>> scoring_units(c)[["start", "end"]].values.tolist()
    [[12, 20], [21, 30]]
    """
    table = corpus_units(corpus, unit)
    if doc_ids is not None:
        table = table[table["doc_id"].isin(set(doc_ids))]
    if not interviewer:
        table = table[~table["interviewer"].astype(bool)]
    return table.reset_index(drop=True)


#: Which documents :func:`scored_documents` keeps.
DOCUMENT_RULES = ("both", "reference", "all")
#: Sources whose coders are taken to have read every document (a rule finding nothing in a
#: document has still coded it).
AUTOMATIC_SOURCES = frozenset({"rules", "model"})


def scored_documents(
    coder: pd.DataFrame,
    reference: pd.DataFrame,
    doc_ids: Iterable[str],
    *,
    rule: str = "both",
    read: Iterable[str] | None = None,
) -> tuple[list[str], str]:
    """The documents to score a coder over, and a sentence saying which and why.

    A person who coded some documents and not others says nothing about the others:
    counting them would turn every one of the reference's codings there into a miss. So by
    default only the documents **both** coders coded are scored. A coder whose codings all
    come from rules or a model is taken to have coded every document (finding nothing in a
    document is its answer there).

    Parameters
    ----------
    coder, reference : DataFrame
        The two coders' codings (``doc_id`` and ``source`` columns).
    doc_ids : iterable of str
        Every document of the project, in order.
    rule : {"both", "reference", "all"}
        ``both``: documents both coded; ``reference``: documents the reference coded;
        ``all``: every document.
    read : iterable of str, optional
        The documents an automatic coder read (e.g. those in its codebook's language: the
        rules leave the others out); default every document.

    Returns
    -------
    (list of str, str)
        The documents, in ``doc_ids`` order, and the rule in words.

    Examples
    --------
    >>> a = pd.DataFrame({"doc_id": ["d1", "d2", "d3"], "source": "manual"})
    >>> b = pd.DataFrame({"doc_id": ["d2", "d3", "d4"], "source": "manual"})
    >>> scored_documents(b, a, ["d1", "d2", "d3", "d4"])[0]
    ['d2', 'd3']
    >>> rules = pd.DataFrame({"doc_id": ["d4"], "source": "rules"})
    >>> scored_documents(rules, a, ["d1", "d2", "d3", "d4"])[0]
    ['d1', 'd2', 'd3']
    >>> scored_documents(rules, a, ["d1", "d2", "d3", "d4"], read=["d1", "d3", "d4"])
    (['d1', 'd3'], 'the documents both coded (an automatic coder counts as having coded every \
document it read, so: the documents the reference coded; 1 it left out is not scored)')
    """
    if rule not in DOCUMENT_RULES:
        raise ValueError(f"rule must be one of {', '.join(DOCUMENT_RULES)}; got {rule!r}")
    doc_ids = list(dict.fromkeys(doc_ids))
    if rule == "all":
        return doc_ids, "every document of the project"
    ref_docs = set(reference["doc_id"])
    if rule == "reference":
        return [d for d in doc_ids if d in ref_docs], "the documents the reference coded"
    seen = set(doc_ids if read is None else read)
    if _automatic(coder):
        both = [d for d in doc_ids if d in ref_docs]
        return [d for d in both if d in seen], (
            "the documents both coded (an automatic coder counts as having coded every "
            "document it read, so: the documents the reference coded" + _left_out(both, seen)
        )
    mine = set(coder["doc_id"])
    if _automatic(reference):
        both = [d for d in doc_ids if d in mine]
        return [d for d in both if d in seen], (
            "the documents both coded (an automatic reference counts as having coded every "
            "document it read, so: the documents the coder coded" + _left_out(both, seen)
        )
    return [d for d in doc_ids if d in mine and d in ref_docs], "the documents both coded"


def _left_out(documents: list[str], read: set[str]) -> str:
    n = sum(d not in read for d in documents)
    return f"; {n} it left out {'is' if n == 1 else 'are'} not scored)" if n else ")"


def _automatic(codings: pd.DataFrame) -> bool:
    sources = set(codings["source"]) if "source" in codings else set()
    return bool(sources) and sources <= AUTOMATIC_SOURCES


__all__ = [
    "DOCUMENT_RULES",
    "SCORE_COLUMNS",
    "score_coder",
    "scored_documents",
    "scoring_units",
]
