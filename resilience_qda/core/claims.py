"""Claims: what an analysis asserts, with the codes that support it and those against it.

A claims ledger is the list of claims a report makes ("practitioners became more
reflexive"), each tied to the codes whose passages support it and the codes whose passages
count against it (negative cases), optionally within a group of documents (``where``:
``{"sector": ["foster care"]}``). The ledger is checked here, without I/O;
:func:`resilience_qda.io.claims.read_claims` reads it from ``claims.yaml``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .errors import ClaimsError
from .model import slugify

#: Keys a claim may have.
CLAIM_KEYS = ("id", "claim", "supporting", "counter", "where", "note")


@dataclass(frozen=True)
class Claim:
    """One claim of an analysis.

    ``supporting`` and ``counter`` are code paths (a branch covers its descendants);
    ``where`` maps a document or case attribute to the values a document must have (all
    attributes must match, any value of each).
    """

    id: str
    claim: str
    supporting: tuple[str, ...]
    counter: tuple[str, ...] = ()
    where: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    note: str = ""

    def scope(self) -> str:
        """``where`` in words: ``"sector = foster care; kind = interview"``, or ``"all"``."""
        if not self.where:
            return "all"
        return "; ".join(f"{k} = {' or '.join(v)}" for k, v in self.where.items())


def claims_from_data(
    tree: object, *, origin: str = "<claims>", codes: Iterable[str] | None = None
) -> list[Claim]:
    """Check the structure of a claims ledger and return its claims.

    Parameters
    ----------
    tree : mapping or list
        ``{"claims": [...]}`` (or the list itself), each claim a mapping with ``claim``
        (the text), ``supporting`` (a code or list of codes), and optionally ``id``,
        ``counter``, ``where`` and ``note``.
    origin : str
        Named in error messages (the file).
    codes : iterable of str, optional
        The codes that exist (codebook paths and codes used); a claim naming any other code
        is refused, with the nearest existing codes suggested. A branch counts as existing
        when a code below it exists.

    Raises
    ------
    ClaimsError
        Naming the claim (its id, or its position) and the key at fault.

    Examples
    --------
    >>> claims = claims_from_data({"claims": [{"claim": "Carers felt heard.",
    ...     "supporting": "themes/more-resilient-themselves",
    ...     "counter": ["counter-evidence"], "where": {"sector": "foster care"}}]})
    >>> claims[0].id, claims[0].supporting, claims[0].scope()
    ('carers-felt-heard', ('themes/more-resilient-themselves',), 'sector = foster care')
    """
    if isinstance(tree, list):
        tree = {"claims": tree}
    if not isinstance(tree, dict) or "claims" not in tree:
        raise ClaimsError(
            f"{origin}: a claims ledger needs a top-level 'claims:' list; got "
            f"{type(tree).__name__ if tree is not None else 'an empty file'}"
        )
    extra = sorted(map(str, set(tree) - {"claims"}))
    if extra:
        raise ClaimsError(
            f"{origin}: unknown top-level key(s) {', '.join(extra)}; only 'claims' is allowed"
        )
    items = tree["claims"]
    if not isinstance(items, list) or not items:
        raise ClaimsError(f"{origin}: 'claims' must be a non-empty list of claims")
    known = _known(codes)
    out: list[Claim] = []
    seen: dict[str, int] = {}
    for n, item in enumerate(items, start=1):
        where_at = f"{origin}: claim {n}"
        if not isinstance(item, dict):
            raise ClaimsError(f"{where_at}: a claim is a mapping (claim:, supporting:, ...)")
        if item.get("id") is not None:
            where_at = f"{origin}: claim {str(item['id'])!r}"
        unknown = sorted(map(str, set(item) - set(CLAIM_KEYS)))
        if unknown:
            raise ClaimsError(
                f"{where_at}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(CLAIM_KEYS)}"
            )
        text = item.get("claim")
        if not isinstance(text, str) or not text.strip():
            raise ClaimsError(f"{where_at}: 'claim' must be the claim's text; got {text!r}")
        ident = str(item["id"]).strip() if item.get("id") is not None else slugify(text)[:60]
        ident = ident.strip("-") or f"claim-{n}"
        where_at = f"{origin}: claim {ident!r}"
        if ident in seen:
            raise ClaimsError(f"{where_at}: the id is used twice (claims {seen[ident]} and {n})")
        seen[ident] = n
        supporting = _codes(item.get("supporting"), "supporting", where_at, known, required=True)
        counter = _codes(item.get("counter"), "counter", where_at, known, required=False)
        both = sorted(set(supporting) & set(counter))
        if both:
            raise ClaimsError(
                f"{where_at}: code(s) {', '.join(both)} both support and count against the "
                "claim; list each code under 'supporting' or 'counter', not both"
            )
        note = item.get("note") or ""
        if not isinstance(note, str):
            raise ClaimsError(f"{where_at}: 'note' must be text; got {note!r}")
        out.append(
            Claim(
                id=ident,
                claim=" ".join(text.split()),
                supporting=supporting,
                counter=counter,
                where=_where(item.get("where"), where_at),
                note=note.strip(),
            )
        )
    return out


def _known(codes: Iterable[str] | None) -> set[str] | None:
    if codes is None:
        return None
    known: set[str] = set()
    for code in codes:
        parts = str(code).split("/")
        known.update("/".join(parts[:i]) for i in range(1, len(parts) + 1))
    return known


def _codes(
    value: object, key: str, where_at: str, known: set[str] | None, *, required: bool
) -> tuple[str, ...]:
    if value is None or value == []:
        if required:
            raise ClaimsError(f"{where_at}: '{key}' must name at least one code")
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(c, str) and c.strip() for c in items):
        raise ClaimsError(
            f"{where_at}: '{key}' must be a code path or a list of code paths; got {value!r}"
        )
    paths = tuple(dict.fromkeys(c.strip().strip("/") for c in items))
    if known is not None:
        for path in paths:
            if path not in known:
                near = difflib.get_close_matches(path, sorted(known), n=3, cutoff=0.6)
                hint = f"; did you mean {', '.join(near)}?" if near else ""
                raise ClaimsError(
                    f"{where_at}: '{key}' names code {path!r}, which is neither in the "
                    f"codebook nor used in the codings{hint}"
                )
    return paths


def _where(value: object, where_at: str) -> dict[str, tuple[str, ...]]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not value:
        raise ClaimsError(
            f"{where_at}: 'where' must map attributes to values (sector: foster care); "
            f"got {value!r}"
        )
    out = {}
    for attribute, wanted in value.items():
        values = wanted if isinstance(wanted, list) else [wanted]
        if not values or not all(
            isinstance(v, str | int | float) and not isinstance(v, bool) for v in values
        ):
            raise ClaimsError(
                f"{where_at}: where.{attribute} must be a value or a list of values; got {wanted!r}"
            )
        out[str(attribute)] = tuple(_text(v) for v in values)
    return out


def _text(value: str | int | float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


__all__ = ["CLAIM_KEYS", "Claim", "claims_from_data"]
