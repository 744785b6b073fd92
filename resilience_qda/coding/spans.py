"""Codings to and from spaCy ``doc.spans``, e.g. for displaCy's span visualiser.

A coding becomes a :class:`~spacy.tokens.Span` in a span group: ``label_`` is its code and
``id_`` its coder. spaCy spans cover whole tokens, so a coding that starts or ends inside a
token is widened to the tokens it touches (``alignment_mode="expand"``); the exact
character offsets, the source and the score of every coding are kept in the group's
``attrs["qda"]`` (serialised with the Doc), so :func:`from_spans` gives back exactly the
codings :func:`to_spans` was given. Spans placed by anything else (a ``span_ruler``, an
annotation tool, the rule coder's ``doc.spans["qda_rules"]``) come back at their own
character offsets.

Examples
--------
>>> import pandas as pd, spacy
>>> from spacy import displacy
>>> text = "I keep the sheet in my bag. It helps."
>>> codings = pd.DataFrame({"doc_id": "d1", "start": [0, 28], "end": [27, 37],
...     "code": ["steps/have-it-to-hand", "steps/check-how-it-went"], "coder": "A",
...     "source": "manual", "score": None})
>>> doc = to_spans(codings, spacy.blank("en")(text))
>>> [(s.text, s.label_, s.id_) for s in doc.spans["codings"]]
[('I keep the sheet in my bag.', 'steps/have-it-to-hand', 'A'), \
('It helps.', 'steps/check-how-it-went', 'A')]
>>> html = displacy.render(doc, style="span", options={"spans_key": "codings"}, page=False)
>>> back = from_spans(doc, doc_id="d1")
>>> back[["start", "end", "code", "coder", "source"]].values.tolist()
[[0, 27, 'steps/have-it-to-hand', 'A', 'manual'], [28, 37, 'steps/check-how-it-went', 'A', \
'manual']]
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from spacy.tokens import Doc

from ..core.errors import CodingsError
from ..core.model import CODINGS_COLUMNS, SOURCES, empty_codings, validate_codings

#: Default span-group key.
SPANS_KEY = "codings"
#: Key of the group's ``attrs`` entry holding each span's exact coding.
ATTRS_KEY = "qda"
_ALIGNMENTS = ("strict", "contract", "expand")


def to_spans(
    codings: pd.DataFrame,
    doc: Doc,
    *,
    key: str = SPANS_KEY,
    doc_id: str | None = None,
    alignment_mode: str = "expand",
) -> Doc:
    """Return a copy of ``doc`` whose span group ``key`` holds one span per coding.

    Parameters
    ----------
    codings : DataFrame
        A codings table (``doc_id, start, end, code, coder, source, score``).
    doc : spacy.tokens.Doc
        The document's stored text, made into a Doc (``doc.text`` must be that text, since
        offsets are code points into it). It is not changed.
    key : str
        The span group to fill (replaced if the Doc already has one of that name).
    doc_id : str, optional
        Which document's codings to place; may be left out when ``codings`` holds one.
    alignment_mode : {"expand", "strict", "contract"}
        How a coding that does not start and end at token boundaries becomes a span
        (:meth:`spacy.tokens.Doc.char_span`); with ``"strict"`` such a coding is an error.

    Returns
    -------
    Doc
        A copy with ``doc.spans[key]``: ``label_`` = code, ``id_`` = coder, in the order
        ``(start, end, code, coder)``, and ``doc.spans[key].attrs["qda"]`` the exact
        ``start, end, code, coder, source, score`` of each span.

    Raises
    ------
    CodingsError
        For a table that is not a codings table, an unknown or ambiguous ``doc_id``, a
        coding past the end of ``doc.text``, or one that cannot be aligned to tokens.
    """
    if alignment_mode not in _ALIGNMENTS:
        raise ValueError(
            f"alignment_mode must be one of {', '.join(_ALIGNMENTS)}; got {alignment_mode!r}"
        )
    table = validate_codings(codings, origin="to_spans(codings)")
    ids = sorted(set(table["doc_id"]))
    if doc_id is None:
        if len(ids) > 1:
            raise CodingsError(
                f"to_spans: codings hold {len(ids)} documents ({', '.join(ids[:5])}"
                f"{', ...' if len(ids) > 5 else ''}); pass doc_id= to say which one the Doc is"
            )
        doc_id = ids[0] if ids else None
    rows = table[table["doc_id"] == doc_id] if doc_id is not None else table
    past = rows[rows["end"] > len(doc.text)]
    if len(past):
        first = past.iloc[0]
        raise CodingsError(
            f"to_spans: {len(past)} coding(s) of {doc_id!r} end past the Doc's text "
            f"({len(doc.text)} characters; first: {first['code']!r} at "
            f"{first['start']}-{first['end']}); make the Doc from the document's stored text"
        )
    out = doc.copy()
    spans, records = [], []
    for start, end, code, coder, source, score in rows[
        ["start", "end", "code", "coder", "source", "score"]
    ].itertuples(index=False):
        span = out.char_span(
            int(start), int(end), label=code, span_id=coder, alignment_mode=alignment_mode
        )
        if span is None or not len(span):
            raise CodingsError(
                f"to_spans: the coding {code!r} by {coder!r} at {start}-{end} of {doc_id!r} "
                f"({doc.text[start:end]!r}) does not fit the Doc's tokens with "
                f'alignment_mode={alignment_mode!r}; use alignment_mode="expand"'
            )
        spans.append(span)
        records.append(
            [int(start), int(end), code, coder, source, None if math.isnan(score) else score]
        )
    out.spans[key] = spans
    out.spans[key].attrs[ATTRS_KEY] = {"doc_id": doc_id, "rows": records}
    return out


def from_spans(
    doc: Doc,
    *,
    doc_id: str,
    key: str = SPANS_KEY,
    coder: str | None = None,
    source: str | None = None,
) -> pd.DataFrame:
    """The codings table of the span group ``doc.spans[key]``.

    Parameters
    ----------
    doc : spacy.tokens.Doc
    doc_id : str
        The document the Doc is (written to every row).
    key : str
        The span group to read.
    coder : str, optional
        The coder of every row; default each span's ``id_`` (an error where a span has none).
    source : str, optional
        ``manual``, ``rules``, ``model`` or ``import``; default the source :func:`to_spans`
        recorded, else ``import``.

    Returns
    -------
    DataFrame
        ``doc_id, start, end, code, coder, source, score``, sorted like every codings table;
        the exact offsets, source and score :func:`to_spans` recorded where the group still
        holds the span it made (same position in the group, code and coder, overlapping
        the recorded offsets), else the span's own character offsets and an empty score.

    Raises
    ------
    CodingsError
        For a missing span group, a span without a label, or without a coder.

    Examples
    --------
    >>> from resilience_qda.coding.rules import compile_rules
    >>> doc = compile_rules()("Then I felt so isolated.")
    >>> from_spans(doc, key="qda_rules", doc_id="d", coder="rules:cop-evaluation",
    ...            source="rules")[["start", "end", "code", "coder"]].values.tolist()
    [[15, 23, 'context/feeling-isolated', 'rules:cop-evaluation']]
    """
    if source is not None and source not in SOURCES:
        raise ValueError(f"source must be one of {', '.join(SOURCES)}; got {source!r}")
    if key not in doc.spans:
        groups = ", ".join(sorted(doc.spans)) or "none"
        raise CodingsError(f"from_spans: the Doc has no span group {key!r} (groups: {groups})")
    group = doc.spans[key]
    saved = group.attrs.get(ATTRS_KEY) or {}
    records = saved.get("rows") or []
    exact = len(records) == len(group)
    rows = []
    for n, span in enumerate(group):
        if not span.label_:
            raise CodingsError(f"from_spans: span {n} ({span.text!r}) of {key!r} has no label")
        who = coder or span.id_
        if not who:
            raise CodingsError(
                f"from_spans: span {n} ({span.text!r}) of {key!r} has no id_ naming its "
                "coder; pass coder="
            )
        start, end, kind, score = span.start_char, span.end_char, None, np.nan
        if exact:
            r_start, r_end, r_code, r_coder, r_source, r_score = records[n]
            if (span.label_, span.id_) == (r_code, r_coder) and (
                span.start_char < r_end and r_start < span.end_char
            ):
                start, end, kind = r_start, r_end, r_source
                score = np.nan if r_score is None else float(r_score)
        rows.append((doc_id, start, end, span.label_, who, source or kind or "import", score))
    if not rows:
        return empty_codings()
    table = pd.DataFrame(rows, columns=list(CODINGS_COLUMNS))
    return validate_codings(table, {doc_id: doc.text}, origin=f"from_spans(doc, key={key!r})")


__all__ = ["ATTRS_KEY", "SPANS_KEY", "from_spans", "to_spans"]
