"""Vetoes inside the spaCy pipeline: a span group holds exactly the matches that are coded.

The rule coder's ``span_ruler`` puts include patterns and exclusion patterns (``id``
``"exclude"``) on one span group. The ``qda_vetoes`` component, added after the ruler(s),
removes each exclusion span and every span of the same label that it overlaps, and keeps one
span where several of one label nest (the outermost), so ``doc.spans[key]`` is the evidence
the codings are made of.
"""

from __future__ import annotations

from collections.abc import Sequence

from spacy.language import Language
from spacy.tokens import Doc

#: Pattern ``id`` of exclusion patterns (include patterns have an empty id).
EXCLUDE_ID = "exclude"


def kept_matches(matches: Sequence[tuple]) -> list[int]:
    """Indices of the matches that survive vetoes and nesting, in text order.

    ``matches`` are ``(start, end, code, is_exclude)``. An exclusion vetoes every match of
    the same code that it overlaps (by at least one character); of matches of one code that
    lie inside one another only the outermost is kept, and of identical ones the first.

    Examples
    --------
    >>> kept_matches([(0, 13, "a", True), (3, 13, "a", False), (22, 32, "a", False),
    ...               (22, 28, "a", False), (3, 13, "b", False)])
    [4, 2]
    """
    vetoes: dict[str, list[tuple[int, int]]] = {}
    for s, e, code, exclude in matches:
        if exclude:
            vetoes.setdefault(code, []).append((s, e))
    alive = [
        i
        for i, (s, e, code, exclude) in enumerate(matches)
        if not exclude and not any(vs < e and s < ve for vs, ve in vetoes.get(code, ()))
    ]
    out: list[int] = []
    reach: dict[str, int] = {}
    for i in sorted(alive, key=lambda i: (matches[i][0], -matches[i][1], matches[i][2], i)):
        s, e, code, _ = matches[i]
        if reach.get(code, -1) >= e:
            continue
        reach[code] = e
        out.append(i)
    return sorted(out, key=lambda i: (matches[i][0], matches[i][1], matches[i][2]))


class Vetoes:
    """The ``qda_vetoes`` pipeline component (see the module docstring).

    Examples
    --------
    >>> import spacy
    >>> nlp = spacy.blank("en")
    >>> ruler = nlp.add_pipe("span_ruler", config={"spans_key": "k"})
    >>> ruler.add_patterns([{"label": "conf", "pattern": "confidence"},
    ...                     {"label": "conf", "pattern": "no confidence", "id": "exclude"}])
    >>> _ = nlp.add_pipe("qda_vetoes", config={"spans_key": "k"})
    >>> doc = nlp("no confidence then, but confidence now.")
    >>> [s.text for s in doc.spans["k"]]
    ['confidence']
    """

    def __init__(self, spans_key: str) -> None:
        self.spans_key = spans_key

    def __call__(self, doc: Doc) -> Doc:
        group = doc.spans.get(self.spans_key)
        if group is None or not len(group):
            return doc
        spans = list(group)
        matches = [(s.start_char, s.end_char, s.label_, s.id_ == EXCLUDE_ID) for s in spans]
        doc.spans[self.spans_key] = [spans[i] for i in kept_matches(matches)]
        return doc


@Language.factory(
    "qda_vetoes",
    default_config={"spans_key": "qda_rules"},
    requires=["doc.spans"],
    assigns=["doc.spans"],
)
def make_vetoes(nlp: Language, name: str, spans_key: str) -> Vetoes:
    return Vetoes(spans_key)


__all__ = ["EXCLUDE_ID", "Vetoes", "kept_matches"]
