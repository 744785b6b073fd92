"""Suggestions and review on the coding screen.

Three kinds of suggestions for one document, each shown to a coder to accept or reject one
by one: another coder's codings (``coder:B``), the codebook's rules (``rules``, through
:func:`resilience_qda.coding.rules.code_documents`) and a model learned from a coder's
coding (``model:A``, through :func:`resilience_qda.coding.suggest.suggest`, trained on that
coder's other documents). Accepted suggestions become the coder's own codings
(:func:`resilience_qda.coding.suggest.accept_suggestions`: ``source="manual"``, provenance in
``evidence``). :func:`disagreement` compares two coders on a document with NVivo's
character-level figures (:func:`resilience_qda.analysis.agreement.coding_comparison`).
"""

from __future__ import annotations

import pandas as pd

from ..analysis.agreement import coding_comparison, disagreements
from ..core.stats import kappa_2x2
from .errors import ConflictError, NotFoundError, RequestError
from .session import MACHINE_CODERS, CodingSession, check_coder, records
from .store import coder_file, with_ids


def sources(session: CodingSession, coder: str) -> list[dict]:
    """The suggestion sources a coder can choose from: other coders, rules, models."""
    codings = session.codings()
    per_coder = codings.groupby("coder")["doc_id"].nunique() if len(codings) else pd.Series()
    out = [
        {"source": f"coder:{c}", "label": f"{c}'s codings"}
        for c in session.coders()
        if c != coder and not c.startswith(MACHINE_CODERS)
    ]
    out += [
        {"source": f"coder:{c}", "label": c}
        for c in session.coders()
        if c.startswith(MACHINE_CODERS)
    ]
    out.append({"source": "rules", "label": f"rules of codebook {session.codebook.name!r}"})
    out += [
        {"source": f"model:{c}", "label": f"model learned from {c}'s coding"}
        for c, n in per_coder.items()
        if n >= 3 and not c.startswith(MACHINE_CODERS)
    ]
    return out


def _rules(session: CodingSession, doc_id: str) -> pd.DataFrame:
    from ..coding.rules import iter_codings

    key = ("rules", doc_id, id(session.codebook))
    if key not in session.cache:
        session.cache[key] = next(iter_codings([session.corpus[doc_id]], session.codebook))
    return session.cache[key]


def _model(session: CodingSession, doc_id: str, learner: str) -> pd.DataFrame:
    """A model learned from ``learner``'s coding of the other documents, on this one."""
    from ..coding.suggest import SuggestError, suggest
    from ..core.model import Project

    f = coder_file(session.root, learner)
    if not f.exists():
        raise NotFoundError(f"no coder {learner!r} in the project to learn from")
    st = f.stat()
    key = ("model", doc_id, learner, st.st_mtime_ns, st.st_size, id(session.codebook))
    if key not in session.cache:
        codings = session.codings().drop(columns="id")
        codings = codings[~((codings["coder"] == learner) & (codings["doc_id"] == doc_id))]
        project = Project(session.corpus, session.codebook, codings)
        try:
            found = suggest(project, coder=learner)
        except SuggestError as exc:
            raise ConflictError(f"cannot learn from {learner!r}: {exc}") from None
        session.cache[key] = found[found["doc_id"] == doc_id].reset_index(drop=True)
    return session.cache[key]


def suggestions(session: CodingSession, doc_id: str, *, coder: str, source: str) -> pd.DataFrame:
    """The pending suggestions of ``source`` for a coder on a document.

    Codings the coder already has (same span and code) and suggestions they rejected in
    this session are left out. Returns a codings table with ``id`` (the suggestion's id),
    ``evidence`` and ``text``.
    """
    doc = session.document_or_404(doc_id)
    coder = check_coder(coder)
    if not isinstance(source, str):
        raise RequestError(f"source must be coder:NAME, rules or model:NAME; got {source!r}")
    if source == "rules":
        found = _rules(session, doc.doc_id)
    elif source.startswith("model:"):
        found = _model(session, doc.doc_id, source.removeprefix("model:"))
    elif source.startswith("coder:"):
        other = source.removeprefix("coder:")
        if other == coder:
            raise RequestError("a coder's own codings are not suggestions; pick another source")
        codings = session.codings()
        if other not in set(codings["coder"]):
            raise NotFoundError(f"no coder {other!r} in the project")
        found = codings[(codings["coder"] == other) & (codings["doc_id"] == doc.doc_id)]
        found = found.drop(columns="id")
    else:
        raise RequestError(f"source must be coder:NAME, rules or model:NAME; got {source!r}")
    if "evidence" not in found:
        found = found.assign(evidence=None)
    found = with_ids(found.reset_index(drop=True))
    codings = session.codings()
    mine = codings[(codings["coder"] == coder) & (codings["doc_id"] == doc.doc_id)]
    have = set(zip(mine["start"], mine["end"], mine["code"], strict=True))
    taken = [
        (s, e, c) in have
        for s, e, c in zip(found["start"], found["end"], found["code"], strict=True)
    ]
    rejected = session.rejected.get(coder, set())
    keep = ~pd.Series(taken, index=found.index, dtype=bool) & ~found["id"].isin(rejected)
    out = found[keep].reset_index(drop=True)
    out["text"] = [doc.text[s:e] for s, e in zip(out["start"], out["end"], strict=True)]
    return out


def suggestion_view(session: CodingSession, doc_id: str, *, coder: str, source: str) -> dict:
    table = suggestions(session, doc_id, coder=coder, source=source)
    keep = ["id", "doc_id", "start", "end", "code", "coder", "source", "score", "evidence"]
    rows = records(table[[*keep, "text"]])
    for row in rows:
        row["from"] = row.pop("coder")
    return {"doc_id": doc_id, "coder": coder, "source": source, "suggestions": rows}


def accept(
    session: CodingSession, doc_id: str, suggestion_id: str, *, coder: str, source: str
) -> dict:
    """Make one suggestion the coder's own coding (undoable); returns the coding."""
    from ..coding.suggest import accept_suggestions

    table = suggestions(session, doc_id, coder=coder, source=source)
    hit = table[table["id"] == suggestion_id]
    if not len(hit):
        raise NotFoundError(
            f"no pending suggestion {suggestion_id!r} from {source} on {doc_id!r} for {coder!r}"
        )
    one = hit.drop(columns=["id", "text"]).reset_index(drop=True)
    session.code_or_404(one.loc[0, "code"])

    def change(current: pd.DataFrame) -> pd.DataFrame:
        return accept_suggestions(current, one, coder=coder, accept=[0])

    result = session.commit(coder, change)
    if not result["added"]:
        raise ConflictError("that suggestion is already one of the coder's codings")
    return result["added"][0]


def reject(session: CodingSession, doc_id: str, suggestion_id: str, *, coder: str, source: str):
    """Hide a suggestion from a coder for the rest of the session."""
    table = suggestions(session, doc_id, coder=coder, source=source)
    if not (table["id"] == suggestion_id).any():
        raise NotFoundError(f"no pending suggestion {suggestion_id!r} from {source}")
    session.rejected.setdefault(check_coder(coder), set()).add(suggestion_id)


def disagreement(session: CodingSession, doc_id: str, coders: list[str]) -> dict:
    """Two coders on one document: NVivo's character-level figures per code, their mean
    kappa over the codes either coder used there (``kappa``; codes where kappa is 0/0 left
    out), the counts and kappa pooled over those codes, and the passages where they differ."""
    doc = session.document_or_404(doc_id)
    if not isinstance(coders, list | tuple) or len(coders) != 2 or coders[0] == coders[1]:
        raise RequestError(f"name two different coders to compare; got {coders!r}")
    codings = session.codings().drop(columns="id")
    for c in coders:
        if c not in set(codings["coder"]):
            raise NotFoundError(f"no coder {c!r} in the project")
    pair = codings[codings["coder"].isin(coders) & (codings["doc_id"] == doc.doc_id)]
    empty = {"a": 0, "b": 0, "c": 0, "d": 0, "kappa": None, "pooled_kappa": None}
    empty["agreement_pct"] = None
    if pair.empty:
        return {"doc_id": doc.doc_id, "coders": list(coders), **empty, "codes": [], "passages": []}
    table = coding_comparison(pair, session.corpus, list(coders), doc_ids=[doc.doc_id])
    a, b, c, d = (int(table[k].sum()) for k in "abcd")
    p_o, _, pooled = kappa_2x2(a, b, c, d)
    defined = table.loc[~table["undefined"], "kappa"]
    mean = float(defined.mean()) if len(defined) else float("nan")
    passages = disagreements(
        pair, session.corpus, list(coders), unit="character", doc_ids=[doc.doc_id]
    )
    keep = ["start", "end", "only_a", "only_b", "both", "text"]
    return {
        "doc_id": doc.doc_id,
        "coders": list(coders),
        "a": a,
        "b": b,
        "c": c,
        "d": d,
        "kappa": None if mean != mean else round(mean, 4),
        "pooled_kappa": None if pooled != pooled else round(float(pooled), 4),
        "agreement_pct": round(100 * float(p_o), 2),
        "codes": records(
            table[["code", "a", "b", "c", "d", "kappa", "agreement_pct", "undefined"]]
        ),
        "passages": records(passages[keep]),
    }


__all__ = ["accept", "disagreement", "reject", "sources", "suggestion_view", "suggestions"]
