"""Speaker turns in transcripts: speaker labels as transcribers write them.

Read by default: roles in any case (``Interviewer:``, ``interviewee:``, ``RESPONDENT:``,
``Participant L:``, ``Moderator``, ``Facilitator``, ``Int:``, ``Resp:``, ``IP:``,
``Informant:``), single letters with or without a number (``I:``, ``R:``, ``P3:``, ``q:``),
numbered speakers (``Speaker 1:``, ``SPEAKER_00:``), capitalised names (``Mary Jones:``,
``SARAH:``), with a timestamp before or after the label (``[00:01:02] Name:``,
``00:01:02 Name:``, ``NAME (00:01:02):``, ``Name [1:02]:``), in Markdown bold
(``**Interviewer:**``), or on a line of its own followed by a time, as Otter.ai writes them
(``Speaker 1  0:02``). A pattern of your own may replace the default.
"""

from __future__ import annotations

import re

import pandas as pd

from .errors import ReadError

#: Document kinds whose text is read as speaker turns.
TRANSCRIPT_KINDS = frozenset({"interview", "focus_group", "transcript"})
#: Speaker labels that name the interviewer rather than a participant (case-insensitive).
INTERVIEWER_LABELS = frozenset(
    {"interviewer", "i", "int", "q", "researcher", "moderator", "facilitator", "forsker"}
)
#: Role words read as speaker labels in any case (``interviewee:``, ``RESP:``).
ROLE_LABELS = (
    "interviewer",
    "interviewee",
    "respondent",
    "participant",
    "moderator",
    "facilitator",
    "researcher",
    "informant",
    "speaker",
    "int",
    "resp",
    "ip",
)

TURNS_COLUMNS = ("doc_id", "turn", "start", "end", "speaker", "time", "interviewer")

_TIME = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
_WORD = r"[\w.'’-]{0,30}+"
_ROLE = "|".join(sorted(ROLE_LABELS, key=len, reverse=True))
#: A label: a role in any case with an optional number, letter or name after it; a single
#: letter with an optional number; or one to four capitalised words (a name).
_LABEL = (
    rf"(?i:{_ROLE})(?:[ _-]?\d{{1,3}}|[ \t][A-Z0-9]{_WORD})?(?![\w])"
    r"|[A-Za-z]\d{0,3}(?![\w])"
    rf"|[A-Z]{_WORD}(?:[ \t][A-Z0-9]{_WORD}){{0,3}}"
)
#: The default speaker label, at the start of a line (see the module docstring).
SPEAKER_PATTERN = re.compile(
    rf"^(?:[\[(](?P<time>{_TIME})[\])][ \t]*|(?P<time0>{_TIME})[ \t]+(?:[-–][ \t]*)?)?"
    rf"(?:\*\*)?\[?(?P<speaker>{_LABEL})\]?"
    rf"(?:(?:\*\*)?[ \t]*[\[(](?P<time2>{_TIME})[\])])?"
    rf"(?:[ \t]*:(?:\*\*)?(?=[ \t]|$)|[ \t]+(?P<time3>{_TIME})[ \t]*$)",
    re.MULTILINE,
)
_TIME_GROUPS = ("time", "time0", "time2", "time3")
#: Anything that could be a label: one to three words of any case and a colon at a line
#: start (used only to warn about labels the pattern did not read).
_CANDIDATE = re.compile(
    rf"^(?:[\[(]?{_TIME}[\])]?[ \t]*)?(?:\*\*)?(?P<label>[^\W\d_][\w.'’-]{{0,30}}"
    r"(?:[ \t][\w.'’-]{1,30}){0,2})[ \t]*:(?:\*\*)?(?=[ \t]|$)",
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
    return label.rstrip("0123456789 _-.").strip() in INTERVIEWER_LABELS


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
        time = next((groups[g] for g in _TIME_GROUPS if groups.get(g)), None)
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


#: Share of a transcript's text (white space aside) that its speaker turns should cover.
MIN_COVERAGE = 0.8


def unread_labels(text: str, pattern: str | re.Pattern | None = None) -> dict[str, int]:
    """Label-like line starts (``word:``) that the speaker pattern did not read, with counts.

    Only those that recur (three times or more) are returned: a one-off ``Note:`` is prose.

    Examples
    --------
    >>> unread_labels("anna: hi\\nbob: yes\\nanna: so\\nbob: no\\nanna: ok\\nbob: fine\\n")
    {'anna': 3, 'bob': 3}
    """
    regex = compile_speaker_pattern(pattern)
    read = {m.start() for m in regex.finditer(text)}
    counts: dict[str, int] = {}
    for m in _CANDIDATE.finditer(text):
        if m.start() not in read:
            label = m.group("label").strip()
            counts[label] = counts.get(label, 0) + 1
    return {k: n for k, n in sorted(counts.items(), key=lambda kv: -kv[1]) if n >= 3}


def turn_coverage(
    text: str, pattern: str | re.Pattern | None = None, *, unread: dict[str, int] | None = None
) -> float:
    """Share of the non-blank characters of ``text`` that belong to a speaker's turn.

    Labels count as covered; text before the first label, and lines that begin with a
    recurring label the pattern did not read (:func:`unread_labels`), do not.

    Examples
    --------
    >>> turn_coverage("I: Hi.\\nP: Hello.")
    1.0
    >>> round(turn_coverage("Interview 3, notes typed later\\n\\nI: Hi.\\nP: Hello."), 2)
    0.33
    """
    regex = compile_speaker_pattern(pattern)
    total = len(text) - sum(map(text.count, " \t\n\r\f\v"))
    if not total:
        return 0.0
    first = regex.search(text)
    if first is None:
        return 0.0
    head = text[: first.start()]
    uncovered = len(head) - sum(map(head.count, " \t\n\r\f\v"))
    if unread is None:
        unread = unread_labels(text, regex)
    if unread:
        for m in _CANDIDATE.finditer(text, first.start()):
            if m.group("label").strip() in unread:
                stop = text.find("\n", m.start())
                line = text[m.start() : len(text) if stop < 0 else stop]
                uncovered += len(line) - sum(map(line.count, " \t"))
    return 1 - uncovered / total


def transcript_problem(
    text: str, *, kind: str | None = None, pattern: str | re.Pattern | None = None
) -> str | None:
    """Why a text that looks like a transcript does not read as speaker turns, or None.

    A text looks like a transcript when its kind is one of :data:`TRANSCRIPT_KINDS` or when
    two or more label-like line starts recur (``anna:``, ``bob:``). It has a problem when
    no turn is found, or when the turns cover less than :data:`MIN_COVERAGE` of it
    (:func:`turn_coverage`). Only the first 2,000,000 characters are read.

    Examples
    --------
    >>> transcript_problem("I: Hi.\\nP: Hello.", kind="interview") is None
    True
    >>> print(transcript_problem("anna: hi\\nbob: yes\\n" * 3))
    looks like a transcript (lines begin with 'anna:' 3 times, 'bob:' 3 times) but no \
speaker turns were found; give a speaker pattern with a (?P<speaker>...) group that reads \
these labels
    """
    head = text[:2_000_000]
    unread = unread_labels(head, pattern)
    listed = ", ".join(f"'{k}:' {n} times" for k, n in list(unread.items())[:4])
    hint = (
        "give a speaker pattern with a (?P<speaker>...) group that reads these labels"
        if unread
        else "give a speaker pattern with a (?P<speaker>...) group that reads its labels"
    )
    transcript = (kind or "") in TRANSCRIPT_KINDS or len(unread) >= 2
    if not transcript:
        return None
    regex = compile_speaker_pattern(pattern)
    why = f"its kind is {kind!r}" if (kind or "") in TRANSCRIPT_KINDS else ""
    if unread:
        why = f"lines begin with {listed}" if not why else f"{why}; lines begin with {listed}"
    if regex.search(head) is None:
        return f"looks like a transcript ({why}) but no speaker turns were found; {hint}"
    coverage = turn_coverage(head, regex, unread=unread)
    if coverage >= MIN_COVERAGE:
        return None
    first = regex.search(head).start()
    where = []
    if first and len(head[:first].split()) > 3:
        where.append(f"the first {first:,} characters come before the first speaker label")
    if unread:
        where.append(f"lines beginning with {listed} were not read as speakers")
    detail = f" ({'; '.join(where)})" if where else ""
    return f"speaker turns cover only {coverage:.0%} of the text{detail}; " + (
        hint if unread else "check that the speaker labels are read as you expect"
    )
