"""Natural order for labels people read: "Interview 2" before "Interview 10"."""

from __future__ import annotations

import re

import numpy as np

_DIGITS = re.compile(r"(\d+)")


def natural_key(value: object) -> tuple:
    """A sort key: numbers before text, numbers by value, text with its digit runs compared
    as numbers and letters case-insensitively.

    Examples
    --------
    >>> sorted(["Interview 10", "interview 2", "Interview 1b", 3, 2.5], key=natural_key)
    [2.5, 3, 'Interview 1b', 'interview 2', 'Interview 10']
    """
    if isinstance(value, bool | np.bool_):
        return (0, float(value), ())
    if isinstance(value, int | float | np.integer | np.floating):
        return (0, float(value), ())
    parts = _DIGITS.split(str(value))
    key = tuple(
        (0, int(p), "") if i % 2 else (1, 0, p.casefold()) for i, p in enumerate(parts) if p
    )
    return (1, 0.0, (*key, (2, 0, str(value))))


def natural_sorted(values) -> list:
    """``values`` sorted by :func:`natural_key`.

    >>> natural_sorted(["meeting-10", "meeting-9"])
    ['meeting-9', 'meeting-10']
    """
    return sorted(values, key=natural_key)
