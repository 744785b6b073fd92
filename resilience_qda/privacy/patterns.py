"""Identifiers with a shape: e-mail addresses, UK phone numbers and postcodes, dates of
birth, NHS numbers, street addresses and named schools or services.

Each finder takes a text and returns :class:`Hit` tuples. They aim at what identifies a
person in an interview about practice, not at every number or date: a meeting date is no
identifier, a date after "born on" or "DOB" is; a ten-digit number is an NHS number only if
its check digit is right; a phone number must have the length and prefix of a UK number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple


class Hit(NamedTuple):
    """One identifying span ``text[start:end]`` of a kind, found by a detector."""

    start: int
    end: int
    kind: str
    detector: str


#: Kinds the pattern finders report, with the placeholder that replaces them.
PLACEHOLDERS = {
    "EMAIL": "[EMAIL]",
    "PHONE": "[PHONE]",
    "POSTCODE": "[POSTCODE]",
    "DOB": "[DATE OF BIRTH]",
    "NHS": "[NHS NUMBER]",
    "ADDRESS": "[ADDRESS]",
    "INSTITUTION": "[INSTITUTION]",
}

_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"
)
_PHONE = re.compile(
    r"(?<![\w+£$€/.,:-])(?:(?:\+44|0044)\s?(?:\(0\)\s?)?[1-9]|\(?0[1-9])"
    r"(?:[ \-)]{0,2}\d){8,9}(?![\w/-]|[.,:]\d)"
)
_POSTCODE = re.compile(
    r"\b(?:[A-PR-UWYZ][A-HK-Y]?\d[A-HJKPS-UW\d]?|GIR) ?\d[ABD-HJLNP-UW-Z]{2}\b", re.IGNORECASE
)
_NHS = re.compile(r"(?<![\w+£$.,/-])\d{3}[ -]?\d{3}[ -]?\d{4}(?![\w/-]|[.,]\d)")
_NHS_CUE = re.compile(r"\bNHS\s*(?:no\.?|number|num\.?|#)?\s*(?:is|was|:)?\s*$", re.IGNORECASE)

_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_DATE = (
    rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:\d{{4}}|\d{{2}})\b|\d{{4}}-\d{{2}}-\d{{2}}\b"
    rf"|{_DAY}\s+(?:of\s+)?{_MONTHS}\b(?:,?\s+(?:19|20)\d\d\b)?"
    rf"|{_MONTHS}\s+{_DAY}\b(?:,?\s+(?:19|20)\d\d\b)?"
    rf"|{_MONTHS}\s+(?:19|20)\d\d\b)"
)
_DOB = re.compile(
    r"\b(?:born|d\.?o\.?b\b\.?|date\s+of\s+birth|birth\s*date|birthday)(?:['’]s)?"
    r"(?:[\s:,(-]+(?:is|was|on|in|is\s+on|the|:|-))*[\s:,(-]*(?:the\s+)?"
    rf"(?P<date>{_DATE})",
    re.IGNORECASE,
)

_CAP = r"[A-Z][a-z'’]+(?:-[A-Z][a-z'’]+)?"
_STREET_ANY = (
    r"Road|Rd|Street|St|Avenue|Ave|Lane|Close|Drive|Way|Crescent|Gardens|Place|Terrace|"
    r"Grove|Court|Hill|Rise|Walk|Square|Mews|Park|Row|Parade|View|Green|Vale"
)
_STREET_NAMED = r"Road|Street|Avenue|Lane|Close|Drive|Crescent|Gardens|Terrace|Grove|Rise|Mews"
_ADDRESS = re.compile(
    r"(?:\b(?:Flat|Apartment|Unit)\s+\d+[A-Za-z]?,?\s+)?"
    rf"\b\d{{1,4}}[A-Za-z]?,?\s+(?:{_CAP}\s+){{1,3}}(?:{_STREET_ANY})\b"
    rf"|\b(?:{_CAP}\s+){{1,2}}(?:{_STREET_NAMED})\b"
)
_INSTITUTION_TYPES = (
    r"(?:Primary|Junior|Infant|Infants|Secondary|High|Grammar|Community|Catholic|CE|C of E)"
    r"\s+(?:School|Academy|College)|Primary|Academy|School|College|Nursery|Pre-School|"
    r"Surgery|Hospital|Hospice|Medical\s+Centre|Health\s+Centre|Children's\s+Centre|"
    r"Children’s\s+Centre|Family\s+Centre|Youth\s+Centre|Youth\s+Club|Church"
)
_INSTITUTION = re.compile(
    rf"\b(?:(?:St\.?|{_CAP})\s+(?:(?:of|the|and|on|upon)\s+)?){{1,4}}(?:{_INSTITUTION_TYPES})\b"
)
#: Capitalised words that start a sentence or describe rather than name.
_NOT_A_NAME = frozenset(
    """the a an on in at to from down up off along near by our their his her my your its
    and but so then just round past into onto over across of this that these those every
    each one some any all no local special new old big little whole same other another
    family youth young children's children’s community secondary primary junior infant
    high grammar catholic sure start nhs camhs county city village town private state
    independent free faith boarding mainstream residential day after before when where
    which what who went go going gone got get lives lived living moved stayed said
    she he they we i you it there here yes yeah no well oh um er mum dad nan gran
    grandma granddad aunt uncle""".split()  # noqa: SIM905
)


def find_emails(text: str) -> list[Hit]:
    """E-mail addresses.

    >>> find_emails("write to sarah.t@council.gov.uk today")
    [Hit(start=9, end=31, kind='EMAIL', detector='pattern')]
    """
    return [Hit(m.start(), m.end(), "EMAIL", "pattern") for m in _EMAIL.finditer(text)]


def find_phones(text: str) -> list[Hit]:
    """UK phone numbers (mobile, geographic, non-geographic; ``0...`` or ``+44``), with
    spaces, hyphens or brackets; other numbers of similar length are left alone.

    >>> [text[h.start:h.end] for text in ["ring 07700 900123 or (01273) 494 000"]
    ...  for h in find_phones(text)]
    ['07700 900123', '(01273) 494 000']
    >>> find_phones("case ref 2010 4471 0091, year 2010-2011")
    []
    """
    out = []
    for m in _PHONE.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if digits.startswith("0044"):
            digits = "0" + digits[4:]
        elif digits.startswith("44"):
            digits = "0" + digits[2:]
        digits = re.sub(r"^00", "0", digits)  # +44 (0) 1273 ...
        if _uk_number(digits):
            out.append(Hit(m.start(), m.end(), "PHONE", "pattern"))
    return out


def _uk_number(digits: str) -> bool:
    if len(digits) == 11:
        return digits[1] in "123579" or digits.startswith("08")
    if len(digits) == 10:
        return digits.startswith(("01", "0800", "0808", "0500"))
    return False


def find_postcodes(text: str) -> list[Hit]:
    """Full UK postcodes (outward and inward code), in capitals or all lower case.

    >>> find_postcodes("we moved to BN2 4GJ, not far from the M23")
    [Hit(start=12, end=19, kind='POSTCODE', detector='pattern')]
    """
    out = []
    for m in _POSTCODE.finditer(text):
        s = m.group()
        if s.isupper() or (s.islower() and " " in s):
            out.append(Hit(m.start(), m.end(), "POSTCODE", "pattern"))
    return out


def nhs_check_digit_ok(number: str) -> bool:
    """Whether a ten-digit NHS number has the right modulus-11 check digit.

    >>> nhs_check_digit_ok("943 476 5919"), nhs_check_digit_ok("943 476 5918")
    (True, False)
    """
    digits = [int(c) for c in number if c.isdigit()]
    if len(digits) != 10:
        return False
    total = sum(d * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == digits[9]


def find_nhs_numbers(text: str) -> list[Hit]:
    """NHS numbers: ten digits (``3 3 4`` or unbroken) whose check digit is right, or any
    ten digits right after "NHS number".

    >>> find_nhs_numbers("NHS no. 943 476 5919; invoice 943 476 5918")
    [Hit(start=8, end=20, kind='NHS', detector='pattern')]
    """
    out = []
    for m in _NHS.finditer(text):
        cued = _NHS_CUE.search(text[max(0, m.start() - 24) : m.start()]) is not None
        if nhs_check_digit_ok(m.group()) or cued:
            out.append(Hit(m.start(), m.end(), "NHS", "pattern"))
    return out


def find_dates_of_birth(text: str) -> list[Hit]:
    """Dates that follow "born", "DOB", "date of birth" or "birthday"; other dates (a
    meeting, a review, a year) are not identifiers and are left alone.

    >>> t = "We met on 14 March 2010. Her DOB is 03/05/2006 and she was born on 3rd May."
    >>> [t[h.start:h.end] for h in find_dates_of_birth(t)]
    ['03/05/2006', '3rd May']
    """
    return [Hit(m.start("date"), m.end("date"), "DOB", "pattern") for m in _DOB.finditer(text)]


def find_addresses(text: str) -> list[Hit]:
    """Street addresses: a house number and a street (``12 Elm Grove``, ``Flat 3, 40 Church
    Road``), or a named street alone (``on Ditchling Road``).

    >>> t = "They live at 14 Hollingbury Rise, two doors from the Crown Court."
    >>> [t[h.start:h.end] for h in find_addresses(t)]
    ['14 Hollingbury Rise']
    """
    out = []
    for m in _ADDRESS.finditer(text):
        s, e = _strip_leading(text, m.start(), m.end())
        if e > s and re.search(rf"(?:{_STREET_ANY})$", text[s:e]):
            name = text[s:e].split()
            if name[0][0].isdigit() or name[0] in ("Flat", "Apartment", "Unit") or len(name) > 1:
                out.append(Hit(s, e, "ADDRESS", "pattern"))
    return out


def find_institutions(text: str) -> list[Hit]:
    """Named schools, colleges, nurseries, surgeries, hospitals and centres
    (``Westfield Primary School``, ``St Luke's Surgery``); unnamed ones ("the Children's
    Centre") are left alone.

    >>> t = "He moved from Westfield Primary School to the local Children's Centre."
    >>> [t[h.start:h.end] for h in find_institutions(t)]
    ['Westfield Primary School']
    """
    out = []
    for m in _INSTITUTION.finditer(text):
        s, e = _strip_leading(text, m.start(), m.end())
        tail = re.search(rf"(?:{_INSTITUTION_TYPES})$", text[s:e])
        if tail is not None and tail.start() > 0 and text[s:e].split()[0] not in ("of", "and"):
            out.append(Hit(s, e, "INSTITUTION", "heuristic"))
    return out


def _strip_leading(text: str, s: int, e: int) -> tuple[int, int]:
    """Drop leading words that describe rather than name (``The``, ``Our``, ``Local``)."""
    while True:
        m = re.match(r"[\w'’.-]+\s+", text[s:e])
        if m is None or m.group().strip().rstrip(".").lower() not in _NOT_A_NAME:
            return s, e
        s += m.end()


FINDERS = {
    "EMAIL": find_emails,
    "PHONE": find_phones,
    "POSTCODE": find_postcodes,
    "DOB": find_dates_of_birth,
    "NHS": find_nhs_numbers,
    "ADDRESS": find_addresses,
    "INSTITUTION": find_institutions,
}


def find_patterns(text: str, *, kinds: Iterable[str] | None = None) -> list[Hit]:
    """Every pattern hit of the given kinds (default: all of :data:`FINDERS`), sorted;
    overlaps are kept (see :func:`resilience_qda.privacy.detect.resolve_overlaps`).

    >>> [h.kind for h in find_patterns("Call 07700 900123 or mail jo@example.org")]
    ['PHONE', 'EMAIL']
    """
    chosen = list(FINDERS) if kinds is None else [k.upper() for k in kinds]
    unknown = [k for k in chosen if k not in FINDERS]
    if unknown:
        raise ValueError(f"unknown identifier kind(s) {unknown}; known: {', '.join(FINDERS)}")
    return sorted(h for k in chosen for h in FINDERS[k](text))


__all__ = [
    "FINDERS",
    "PLACEHOLDERS",
    "Hit",
    "find_addresses",
    "find_dates_of_birth",
    "find_emails",
    "find_institutions",
    "find_nhs_numbers",
    "find_patterns",
    "find_phones",
    "find_postcodes",
    "nhs_check_digit_ok",
]
