"""The language of a text: ISO 639-1 codes from py3langid, offline.

py3langid (a maintained port of langid.py: a naive Bayes model over byte n-grams, 97
languages, 4.4 MiB, numpy only) was chosen over langdetect and lingua-language-detector:
on this project's short English and Danish texts it was the most accurate and by far the
fastest (``benchmarks/bench_language.py``; figures in ``docs/sources.md``).

Speaker labels and timestamps are left out before detecting (``Interviewer:`` would pull a
Danish transcript towards English), long texts are sampled at their start, middle and end,
and texts with fewer than :data:`MIN_LETTERS` letters get ``""`` (undetermined): a detector
cannot tell ``Nej.`` from Polish.
"""

from __future__ import annotations

import math
import re

from ..core.turns import SPEAKER_PATTERN

#: Fewer letters than this and a text's language is left undetermined (``""``).
MIN_LETTERS = 12
#: Below this probability a text's language is left undetermined (``"Ja, helt sikkert."``
#: reads as Norwegian with 0.53).
MIN_PROBABILITY = 0.8
#: Characters read from a long text (in three windows: start, middle, end); detection costs
#: a few milliseconds per 1,000 characters, and 450 characters of speech name the language
#: of every transcript of the sample study and of ``benchmarks/bench_language.py``.
SAMPLE_CHARS = 450
#: Codes py3langid gives that spaCy knows under another name.
SPACY_NAMES = {"no": "nb"}
_TIMES = re.compile(r"[\[(]?\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?[\])]?")
_LETTER = re.compile(r"[^\W\d_]")


def _rank(text: str) -> list[tuple[str, float]]:
    import py3langid  # loads its model (about a second) on first use

    return py3langid.rank(text)


def speech(text: str) -> str:
    """The text without speaker labels and timestamps (what people said or wrote).

    >>> speech("[00:00:01] Interviewer: Hvordan gik det?\\nIP: Godt.")
    ' Hvordan gik det?\\n Godt.'
    """
    return _TIMES.sub("", SPEAKER_PATTERN.sub("", text))


def sample(text: str, size: int = SAMPLE_CHARS) -> str:
    """Up to ``size`` characters of ``text``: all of a short text, else three windows."""
    if len(text) <= size:
        return text
    third = size // 3
    middle = len(text) // 2 - third // 2
    return " ".join((text[:third], text[middle : middle + third], text[-third:]))


def detect_language(text: str, *, min_letters: int = MIN_LETTERS) -> tuple[str, float]:
    """The language of a text as ``(ISO 639-1 code, probability)``; ``("", 0.0)`` when the
    text is too short to tell.

    Parameters
    ----------
    text : str
    min_letters : int
        Texts with fewer letters than this are undetermined.

    Examples
    --------
    >>> detect_language("Vi mødes hver anden torsdag på biblioteket.")[0]
    'da'
    >>> detect_language("We meet every second Thursday in the library.")[0]
    'en'
    >>> detect_language("Nej.")
    ('', 0.0)

    Texts shorter than ``min_letters`` letters, and texts whose most likely language has a
    probability below :data:`MIN_PROBABILITY`, are undetermined (code ``""``).
    """
    part = speech(sample(text, SAMPLE_CHARS + SAMPLE_CHARS // 3))
    if len(_LETTER.findall(part, 0, 4 * min_letters)) < min_letters:
        return "", 0.0
    ranked = _rank(part)
    top = float(ranked[0][1])
    probability = 1.0 / sum(math.exp(float(score) - top) for _, score in ranked)
    if probability < MIN_PROBABILITY:
        return "", probability
    return str(ranked[0][0]), probability


def language_of(text: str) -> str:
    """:func:`detect_language`'s code alone (``""`` when undetermined).

    >>> language_of("Jeg er gift og har to børn.")
    'da'
    """
    return detect_language(text)[0]


def same_language(a: str, b: str) -> bool:
    """Whether two ISO 639-1 codes name the same language (``nb``, ``nn`` and ``no`` do).

    >>> same_language("nb", "no"), same_language("da", "en")
    (True, False)
    """

    def base(code: str) -> str:
        code = code.strip().lower().replace("_", "-").split("-")[0]
        return "no" if code in ("nb", "nn") else code

    return base(a) == base(b)


def spacy_language(code: str) -> str:
    """The spaCy language name of an ISO 639-1 code (``no`` is ``nb``; unknown: ``xx``).

    >>> spacy_language("da"), spacy_language("no"), spacy_language("")
    ('da', 'nb', 'xx')
    """
    code = (code or "").strip().lower().replace("_", "-").split("-")[0]
    return SPACY_NAMES.get(code, code) or "xx"


__all__ = ["detect_language", "language_of", "same_language", "spacy_language", "speech"]
