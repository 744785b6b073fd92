"""Speaker turns in transcripts: ``Interviewer:``, ``P:``, ``Participant L:``,
``[00:01:02] Name:``, ``NAME (00:01:02):``, or a pattern of your own."""

from __future__ import annotations

import re

import pandas as pd

from .errors import ReadError

#: Document kinds whose text is read as speaker turns.
TRANSCRIPT_KINDS = frozenset({"interview", "focus_group", "transcript"})
#: Speaker labels that name the interviewer rather than a participant (case-insensitive).
INTERVIEWER_LABELS = frozenset(
    {"interviewer", "i", "int", "q", "researcher", "moderator", "facilitator"}
)

TURNS_COLUMNS = ("doc_id", "turn", "start", "end", "speaker", "time", "interviewer")

_TIME = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
#: The default speaker label: at the start of a line, an optional ``[time]``, one to four
#: capitalised words (or a letter/number), an optional ``(time)``, then a colon.
SPEAKER_PATTERN = re.compile(
    rf"^(?:\[(?P<time>{_TIME})\][ \t]*)?"
    r"(?P<speaker>[A-Z][\w.'’-]{0,30}(?:[ \t][A-Z0-9][\w.'’-]{0,30}){0,3})"
    rf"(?:[ \t]*\((?P<time2>{_TIME})\))?"
    r"[ \t]*:(?=[ \t]|$)",
    re.MULTILINE,
)


def compile_speaker_pattern(pattern: str | re.Pattern | None) -> re.Pattern:
    """Compile a user's speaker pattern; it must have a named group ``speaker``."""
    if pattern is None:
        return SPEAKER_PATTERN
    try:
        compiled = re.compile(pattern, re.MULTILINE) if isinstance(pattern, str) else pattern
    except re.error as exc:
        raise ReadError(
            f"speaker pattern {pattern!r} is not a valid regular expression: {exc}"
        ) from None
    if "speaker" not in compiled.groupindex:
        raise ReadError(
            f"speaker pattern {compiled.pattern!r} needs a named group (?P<speaker>...) "
            "that captures the speaker's label"
        )
    return compiled


def is_interviewer(speaker: str, interviewer: object = None) -> bool:
    """Whether a speaker label names the interviewer (``Interviewer``, ``I``, ``Q``, ...)."""
    label = speaker.strip().lower()
    if isinstance(interviewer, str) and interviewer.strip() and label == interviewer.lower():
        return True
    return label.rstrip("0123456789 ").strip() in INTERVIEWER_LABELS


def turn_rows(
    text: str,
    *,
    doc_id: str = "",
    pattern: str | re.Pattern | None = None,
    interviewer: object = None,
) -> list[tuple]:
    """The rows of :func:`parse_turns` as tuples (fast path for whole corpora)."""
    regex = compile_speaker_pattern(pattern)
    labels = list(regex.finditer(text))
    rows = []
    for i, m in enumerate(labels):
        start = m.end()
        stop = labels[i + 1].start() if i + 1 < len(labels) else len(text)
        while start < stop and text[start].isspace():
            start += 1
        end = stop
        while end > start and text[end - 1].isspace():
            end -= 1
        speaker = m.group("speaker").strip()
        groups = m.groupdict()
        time = groups.get("time") or groups.get("time2")
        rows.append(
            (doc_id, len(rows), start, end, speaker, time, is_interviewer(speaker, interviewer))
        )
    return rows


def turns_frame(rows: list[tuple]) -> pd.DataFrame:
    """A turns table from :func:`turn_rows` tuples, with the schema's dtypes."""
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(TURNS_COLUMNS)
    dtypes = ("object", "int64", "int64", "int64", "object", "object", "bool")
    return pd.DataFrame(
        {
            name: pd.Series(list(values), dtype=dtype)
            for name, values, dtype in zip(TURNS_COLUMNS, columns, dtypes, strict=True)
        }
    )


def parse_turns(
    text: str,
    *,
    doc_id: str = "",
    pattern: str | re.Pattern | None = None,
    interviewer: object = None,
) -> pd.DataFrame:
    """Split a transcript into speaker turns.

    A turn runs from its label to the next label, so continuation lines and paragraphs
    belong to the turn above. Text before the first label belongs to no turn. Offsets cover
    the words spoken (the label is left out) with surrounding whitespace trimmed.

    Parameters
    ----------
    text : str
        Stored text (LF line ends).
    doc_id : str
        Copied into every row.
    pattern : str or compiled regex, optional
        A regex with a named group ``speaker`` (and optionally ``time``) matched at line
        starts; the default reads the layouts listed in this module's docstring.
    interviewer : str, optional
        The interviewer's label when it is not one of the usual ones (``Interviewer``, ``I``).

    Returns
    -------
    DataFrame
        ``doc_id, turn, start, end, speaker, time, interviewer``.

    Examples
    --------
    >>> t = parse_turns("I: How long?\\nP: Ten years.\\nAnd more.")
    >>> t[["speaker", "start", "end"]].values.tolist()
    [['I', 3, 12], ['P', 16, 36]]
    """
    return turns_frame(turn_rows(text, doc_id=doc_id, pattern=pattern, interviewer=interviewer))


def looks_like_transcript(text: str, pattern: str | re.Pattern | None = None) -> bool:
    """Whether a text reads as speaker turns rather than prose with labelled lines.

    True when at least two speakers each take two or more turns, or when speaker labels
    (two speakers or more) start at least two thirds of the non-empty lines. Notes with a few
    ``Present:`` or ``Reflection:`` lines are prose. Only the first 200,000 characters are
    read.

    Examples
    --------
    >>> looks_like_transcript("Interviewer: Hello.\\nP: Hi.")
    True
    >>> looks_like_transcript("Present: L, S.\\n\\nWe met.\\n\\nReflection: good.\\n\\nEnd.")
    False
    """
    head = text[:200_000]
    regex = compile_speaker_pattern(pattern)
    counts: dict[str, int] = {}
    for m in regex.finditer(head):
        counts[m.group("speaker")] = counts.get(m.group("speaker"), 0) + 1
    if len(counts) < 2:
        return False
    if sum(n >= 2 for n in counts.values()) >= 2:
        return True
    lines = sum(1 for line in head.splitlines() if line.strip())
    return sum(counts.values()) * 3 >= lines * 2
