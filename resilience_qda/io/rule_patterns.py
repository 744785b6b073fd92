"""The shape of a code's rule ``patterns`` (checked without spaCy), shared by the YAML
codebook reader and the REFI-QDA readers, which carry patterns in code descriptions."""

from __future__ import annotations

from ..core.errors import CodebookError

#: Keys of a code's ``patterns`` mapping.
PATTERN_KEYS = {"phrases", "words", "tokens", "exclude", "weight"}


def check_patterns(patterns: object, where: str) -> dict:
    """Check the shape of a code's ``patterns`` (no spaCy needed); return it as a dict.

    ``phrases``: a list of non-empty strings (matched on lemmas); ``words``: the same, matched
    on the exact lower-case words (for forms whose lemma is ambiguous: "training" is not
    "train"); ``tokens``: a list of token patterns (lists of mappings); ``exclude``: phrases
    or token patterns; ``weight``: a positive number.
    Whether spaCy accepts each token pattern is checked when the rules are compiled.
    """
    if not patterns:
        return {}
    if not isinstance(patterns, dict):
        raise CodebookError(f"{where}: 'patterns' must be a mapping (phrases:, tokens:, exclude:)")
    unknown = set(patterns) - PATTERN_KEYS
    if unknown:
        raise CodebookError(
            f"{where}: unknown pattern key(s) {', '.join(sorted(map(str, unknown)))}; "
            f"allowed: {', '.join(sorted(PATTERN_KEYS))}"
        )
    for key in ("phrases", "words", "tokens", "exclude"):
        items = patterns.get(key) or []
        if not isinstance(items, list):
            raise CodebookError(f"{where}: patterns.{key} must be a list")
        for n, item in enumerate(items):
            is_tokens = (
                isinstance(item, list) and bool(item) and all(isinstance(t, dict) for t in item)
            )
            is_text = isinstance(item, str)
            ok = {"phrases": is_text, "words": is_text, "tokens": is_tokens}.get(
                key, isinstance(item, str) or is_tokens
            )
            if not ok:
                hint = (
                    " (YAML reads bare no, yes, on, off as true/false: quote the word)"
                    if isinstance(item, bool)
                    else ""
                )
                wanted = {
                    "phrases": "a phrase (a string)",
                    "words": "a phrase (a string)",
                    "tokens": "a token pattern (a list of mappings such as {LOWER: map})",
                    "exclude": "a phrase or a token pattern",
                }[key]
                raise CodebookError(
                    f"{where}: patterns.{key}[{n}] must be {wanted}; got {item!r}{hint}"
                )
            if isinstance(item, str) and not item.strip():
                raise CodebookError(f"{where}: patterns.{key}[{n}] is an empty phrase")
            if is_tokens:
                bad = _boolean_word(item)
                if bad:
                    raise CodebookError(
                        f"{where}: patterns.{key}[{n}] gives {bad} a true/false value; YAML "
                        "reads bare no, yes, on, off as true/false: quote the word"
                    )
    weight = patterns.get("weight", 1.0)
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight <= 0:
        raise CodebookError(f"{where}: patterns.weight must be a positive number; got {weight!r}")
    return patterns


_STRING_ATTRS = {"LOWER", "LEMMA", "ORTH", "TEXT", "NORM", "POS", "TAG", "DEP", "SHAPE"}


def _boolean_word(tokens: list) -> str | None:
    for token in tokens:
        for attr, value in token.items():
            if str(attr).upper() not in _STRING_ATTRS:
                continue
            values = [value]
            if isinstance(value, dict):
                values = [
                    v for vs in value.values() for v in (vs if isinstance(vs, list) else [vs])
                ]
            if any(isinstance(v, bool) for v in values):
                return str(attr)
    return None


__all__ = ["PATTERN_KEYS", "check_patterns"]
