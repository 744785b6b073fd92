"""The evidence for and against each claim of a claims ledger: cases, passages, a quote each.

The verdict stays with the analyst: the table puts the supporting and the contrary evidence
side by side, counted the same way, with the most typical quote of each.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from ..core.claims import Claim, claims_from_data
from ..core.codes import select_codes
from ..core.errors import ClaimsError, CodingsError
from ..core.model import Corpus
from .exemplars import exemplars, passage_cases
from .retrieval import retrieve

SIDES = ("supporting", "counter")
QUOTE_FIELDS = ("quote", "quote_doc_id", "quote_start", "quote_end", "quote_case", "quote_speaker")
CLAIM_EVIDENCE_COLUMNS = [
    "claim_id",
    "claim",
    "scope",
    "supporting_codes",
    "counter_codes",
    "documents_in_scope",
    "cases_in_scope",
    *[
        f"{side}_{what}"
        for side in SIDES
        for what in ("cases", "documents", "passages", "case_list")
    ],
    *[f"{side}_{what}" for side in SIDES for what in QUOTE_FIELDS],
    "note",
]


def claim_evidence(
    codings: pd.DataFrame,
    corpus: Corpus,
    claims: Iterable[Claim] | dict | list,
    *,
    coder: str | None = None,
    rollup: bool = True,
    quotes: bool = True,
) -> pd.DataFrame:
    """Per claim: the cases, documents and passages for it and against it, and a quote each.

    Parameters
    ----------
    codings : DataFrame
        A codings table; one coder's codings are counted (name it with ``coder`` when the
        table holds several).
    corpus : Corpus
        The documents (with case attributes, for ``where`` and for cases).
    claims : list of Claim, or the ledger's data
        From :func:`~resilience_qda.io.claims.read_claims`, or a ``{"claims": [...]}``
        mapping checked by :func:`~resilience_qda.core.claims.claims_from_data`.
    coder : str, optional
        Whose codings to count.
    rollup : bool
        A claim's code covers its descendants (default), so ``themes`` means every theme.
    quotes : bool
        Choose a quote of each kind (by :func:`~resilience_qda.analysis.exemplars.exemplars`:
        the most typical passage, a participant's own words first).

    Returns
    -------
    DataFrame
        One row per claim: ``claim_id, claim, scope, supporting_codes, counter_codes,
        documents_in_scope, cases_in_scope``; for each side (``supporting``, ``counter``)
        ``_cases`` (participants with a passage: the ``case`` of its document; notes
        without a case add passages and documents, not cases), ``_documents``,
        ``_passages`` (distinct spans; one span under two of the claim's codes counts
        once), ``_case_list`` (the cases, ``"; "``-joined), and ``_quote``,
        ``_quote_doc_id``, ``_quote_start``, ``_quote_end``, ``_quote_case``,
        ``_quote_speaker``; then ``note``. No verdict: weighing the two sides is the
        analyst's job.

    Examples
    --------
    >>> from resilience_qda.core.model import Document
    >>> corpus = Corpus([Document("i1", "P: It changed how I work.", {"case": "P"}),
    ...                  Document("i2", "Q: Nothing changed for me.", {"case": "Q"})])
    >>> c = pd.DataFrame({"doc_id": ["i1", "i2"], "start": [3, 3], "end": [25, 26],
    ...                   "code": ["change", "no-change"], "coder": "A"})
    >>> t = claim_evidence(c, corpus, {"claims": [{"claim": "Practice changed.",
    ...     "supporting": "change", "counter": "no-change"}]})
    >>> t[["supporting_cases", "counter_cases", "counter_quote"]].values.tolist()
    [[1, 1, 'Nothing changed for me.']]
    """
    if not isinstance(claims, list) or not all(isinstance(c, Claim) for c in claims):
        claims = claims_from_data(claims)
    table = _one_coder(codings, coder)
    docs = corpus.documents
    everyone = sorted({str(c) for c in docs["case"].dropna()} | _cases_of(corpus))
    rows = []
    for claim in claims:
        scope = _in_scope(docs, claim)
        here = table[table["doc_id"].isin(set(scope["doc_id"]))]
        row = {
            "claim_id": claim.id,
            "claim": claim.claim,
            "scope": claim.scope(),
            "supporting_codes": "; ".join(claim.supporting),
            "counter_codes": "; ".join(claim.counter),
            "documents_in_scope": int(scope["doc_id"].nunique()),
            "cases_in_scope": int(scope["case"].dropna().nunique()),
        }
        for side, codes in zip(SIDES, (claim.supporting, claim.counter), strict=True):
            found = select_codes(here, list(codes), rollup=rollup) if codes else here.iloc[:0]
            passages = retrieve(found, corpus, None, context=0, attributes=("case",))
            passages = passages.drop_duplicates(["doc_id", "start", "end"])
            passages["case"] = passage_cases(passages, everyone).to_numpy()
            row.update(_counts(passages, side))
            row.update(_quote(passages, side, everyone) if quotes else _no_quote(side))
        row["note"] = claim.note
        rows.append(row)
    out = pd.DataFrame(rows, columns=CLAIM_EVIDENCE_COLUMNS)
    counts = [f"{s}_{w}" for s in SIDES for w in ("cases", "documents", "passages")]
    offsets = [f"{s}_quote_{w}" for s in SIDES for w in ("start", "end")]
    return out.astype(
        {
            **{c: "int64" for c in [*counts, "documents_in_scope", "cases_in_scope"]},
            **{c: "Int64" for c in offsets},
        }
    )


def _one_coder(codings: pd.DataFrame, coder: str | None) -> pd.DataFrame:
    coders = sorted(map(str, codings["coder"].unique().tolist())) if len(codings) else []
    if coder is not None:
        if coder not in coders:
            raise CodingsError(
                f"no codings by coder {coder!r}; coders present: {', '.join(coders) or 'none'}"
            )
        return codings[codings["coder"] == coder]
    if len(coders) > 1:
        raise CodingsError(
            f"claim_evidence counts one coder's codings; the codings hold "
            f"{', '.join(coders)}: pass coder="
        )
    return codings


def _cases_of(corpus: Corpus) -> set[str]:
    cases = corpus.cases
    return {str(c) for c in cases["case"].dropna()} if "case" in cases else set()


def _in_scope(docs: pd.DataFrame, claim: Claim) -> pd.DataFrame:
    scope = docs
    for attribute, values in claim.where.items():
        if attribute not in docs.columns:
            have = [c for c in docs.columns if c not in ("n_chars", "n_words")]
            raise ClaimsError(
                f"claim {claim.id!r}: where.{attribute}: the documents have no attribute "
                f"{attribute!r}; they have {', '.join(map(str, have))}"
            )
        as_text = scope[attribute].map(_text)
        scope = scope[as_text.isin(values)]
    return scope


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _counts(passages: pd.DataFrame, side: str) -> dict:
    who = sorted({str(c) for c in passages["case"].dropna()})
    return {
        f"{side}_cases": len(who),
        f"{side}_documents": int(passages["doc_id"].nunique()),
        f"{side}_passages": len(passages),
        f"{side}_case_list": "; ".join(who),
    }


def _quote(passages: pd.DataFrame, side: str, everyone: list[str]) -> dict:
    best = exemplars(passages, n=1, cases=everyone) if len(passages) else passages
    if not len(best):
        return _no_quote(side)
    pick = best.iloc[0]
    return {
        f"{side}_quote": pick["text"],
        f"{side}_quote_doc_id": pick["doc_id"],
        f"{side}_quote_start": int(pick["start"]),
        f"{side}_quote_end": int(pick["end"]),
        f"{side}_quote_case": None if pd.isna(pick["case"]) else pick["case"],
        f"{side}_quote_speaker": None if pd.isna(pick["speaker"]) else pick["speaker"],
    }


def _no_quote(side: str) -> dict:
    return {f"{side}_{what}": None for what in QUOTE_FIELDS}


__all__ = ["CLAIM_EVIDENCE_COLUMNS", "claim_evidence"]
