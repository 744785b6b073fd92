"""Coding by structure, as NVivo's "auto code by speaker / heading / attribute" does.

- :func:`code_by_speaker`: every turn of a speaker, coded ``speakers/<speaker>``.
- :func:`code_by_question`: each interviewer question's answer (the turns after it up to the
  next interviewer turn), coded ``questions/<question>``, by a list of questions or by the
  interviewer's own words.
- :func:`code_by_attribute`: whole documents coded ``<attribute>/<value>`` from the document
  and case attributes (``kind``, ``role``, ``sector``...).

All return codings tables (``source="rules"``, ``coder="structure:<how>"``) that can be
merged with any other coding.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import pandas as pd

from ..core.model import Corpus, empty_codings, slugify

_WORD = re.compile(r"[a-z0-9']+")
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "so",
        "that",
        "the",
        "this",
        "to",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "with",
        "would",
        "you",
        "your",
        "just",
        "about",
        "tell",
        "bit",
        "any",
        "anything",
        "there",
        "them",
        "they",
        "their",
        "been",
    ]
)


def _rows(turns: pd.DataFrame, code: pd.Series, coder: str) -> pd.DataFrame:
    if not len(turns):
        return empty_codings()
    table = pd.DataFrame(
        {
            "doc_id": turns["doc_id"].to_numpy(),
            "start": turns["start"].to_numpy(dtype="int64"),
            "end": turns["end"].to_numpy(dtype="int64"),
            "code": code.to_numpy(),
            "coder": coder,
            "source": "rules",
            "score": float("nan"),
        }
    )
    table = table[(table["end"] > table["start"]) & table["code"].astype(bool)]
    return table.sort_values(["doc_id", "start", "code"], kind="stable").reset_index(drop=True)


def code_by_speaker(
    corpus: Corpus, *, prefix: str = "speakers", interviewer: bool = True
) -> pd.DataFrame:
    """Code every speaker turn of every transcript with ``<prefix>/<speaker slug>``.

    Examples
    --------
    >>> from resilience_qda.core.model import Document
    >>> c = Corpus([Document("i", "Interviewer: Why?\\n\\nParticipant L: Because.",
    ...                      {"kind": "interview"})])
    >>> code_by_speaker(c)[["start", "end", "code"]].values.tolist()
    [[13, 17, 'speakers/interviewer'], [34, 42, 'speakers/participant-l']]
    """
    turns = corpus.turns
    if not interviewer:
        turns = turns[~turns["interviewer"]]
    codes = turns["speaker"].map(lambda s: f"{prefix}/{slugify(str(s))}" if slugify(str(s)) else "")
    return _rows(turns, codes, "structure:speaker")


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


def _best_question(asked: str, questions: Mapping[str, list[str]], threshold: float) -> str:
    """The code of the listed question whose words best overlap the interviewer's turn."""
    said = _words(asked)
    best, best_score = "", 0.0
    for code, phrasings in questions.items():
        for phrasing in phrasings:
            wanted = _words(phrasing)
            if not wanted or not said:
                continue
            score = len(said & wanted) / len(wanted)
            if score > best_score:
                best, best_score = code, score
    return best if best_score >= threshold else ""


def code_by_question(
    corpus: Corpus,
    questions: Iterable[str] | Mapping[str, str | list[str]] | None = None,
    *,
    prefix: str = "questions",
    threshold: float = 0.5,
) -> pd.DataFrame:
    """Code each answer (the participant turns after an interviewer turn) by its question.

    Parameters
    ----------
    corpus : Corpus
    questions : list of str or mapping, optional
        The interview guide: a list of questions (code = ``q1``, ``q2``... in order), or
        ``{code name: question or list of phrasings}``. An interviewer turn is matched to
        the question whose (content) words it contains the largest share of, if at least
        ``threshold``; follow-up turns that match no question continue the current one.
        Without ``questions`` every interviewer turn starts a new question, coded
        ``q<n>`` by its order in the interview.
    prefix : str
        Parent of the question codes.
    threshold : float
        Share of a question's content words the interviewer's turn must contain.

    Examples
    --------
    >>> from resilience_qda.core.model import Document
    >>> text = ("Interviewer: Tell me about your role.\\n\\nP: I'm a nurse.\\n\\n"
    ...         "Interviewer: And before that?\\n\\nP: Wards.\\n\\n"
    ...         "Interviewer: What gets in the way at work?\\n\\nP: Time.")
    >>> c = Corpus([Document("i", text, {"kind": "interview"})])
    >>> guide = {"role": "Tell me about your role", "barriers": "What gets in the way?"}
    >>> code_by_question(c, guide)[["code"]].value_counts().sort_index().to_dict()
    {('questions/barriers',): 1, ('questions/role',): 2}
    """
    if questions is None:
        table: dict[str, list[str]] | None = None
    elif isinstance(questions, Mapping):
        table = {
            slugify(str(k)): [v] if isinstance(v, str) else list(v) for k, v in questions.items()
        }
    else:
        table = {f"q{n}": [q] for n, q in enumerate(questions, start=1)}
    turns = corpus.turns
    texts = corpus.texts
    codes = []
    for _doc_id, group in turns.groupby("doc_id", sort=False):
        current, asked = "", 0
        for t in group.itertuples(index=False):
            if t.interviewer:
                asked += 1
                if table is None:
                    current = f"q{asked}"
                else:
                    found = _best_question(texts[t.doc_id][t.start : t.end], table, threshold)
                    current = found or current
                codes.append("")
            else:
                codes.append(f"{prefix}/{current}" if current else "")
    code = pd.Series(codes, index=turns.index, dtype="object")
    return _rows(turns, code, "structure:question")


def code_by_attribute(corpus: Corpus, attribute: str, *, prefix: str | None = None) -> pd.DataFrame:
    """Code whole documents ``<prefix>/<value slug>`` by a document or case attribute.

    Documents without the attribute are left uncoded.

    Examples
    --------
    >>> from resilience_qda.core.model import Document
    >>> cases = pd.DataFrame({"case": ["L"], "role": ["Social worker"]})
    >>> c = Corpus([Document("i", "Hello.", {"case": "L"}), Document("n", "Notes.")], cases)
    >>> code_by_attribute(c, "role")[["doc_id", "start", "end", "code"]].values.tolist()
    [['i', 0, 6, 'role/social-worker']]
    """
    docs = corpus.documents
    if attribute not in docs.columns:
        known = ", ".join(c for c in docs.columns if c not in ("n_chars", "n_words"))
        raise KeyError(f"no attribute {attribute!r}; documents have: {known}")
    parent = slugify(prefix if prefix is not None else attribute)
    values = docs[attribute]
    keep = values.notna() & (values.astype(str).str.strip() != "")
    docs = docs[keep]
    spans = pd.DataFrame(
        {
            "doc_id": docs["doc_id"],
            "start": 0,
            "end": docs["n_chars"].astype("int64"),
        }
    )
    code = docs[attribute].map(lambda v: f"{parent}/{slugify(str(v))}" if slugify(str(v)) else "")
    return _rows(spans, code, f"structure:{slugify(attribute)}")


__all__ = ["code_by_attribute", "code_by_question", "code_by_speaker"]
