"""WebVTT and SRT captions as transcripts: one line per turn, ``[hh:mm:ss] Speaker: words``."""

from __future__ import annotations

import re

import webvtt
from webvtt import srt
from webvtt.errors import MalformedFileError

from ..core.errors import ReadError

_NAME_PREFIX = re.compile(r"^(?P<speaker>[A-Z][\w.'’-]{0,30}(?: [A-Z0-9][\w.'’-]{0,30}){0,3}):\s+")


def captions_to_text(content: str, *, name: str = "<captions>", fmt: str | None = None) -> str:
    """Turn caption text (VTT or SRT) into transcript text.

    The speaker comes from a ``<v Name>`` voice tag or a ``Name:`` prefix; consecutive cues
    of one speaker merge into one turn, stamped with the time of its first cue. Cues with no
    speaker continue the turn before them.

    Examples
    --------
    >>> vtt = "WEBVTT\\n\\n00:00:01.000 --> 00:00:02.000\\n<v Ann>Hello\\n\\n" \\
    ...       "00:00:02.500 --> 00:00:03.000\\n<v Ann>again\\n"
    >>> captions_to_text(vtt)
    '[00:00:01] Ann: Hello again\\n'
    """
    fmt = fmt or ("vtt" if content.lstrip().startswith("WEBVTT") else "srt")
    try:
        cues = webvtt.from_string(content) if fmt == "vtt" else srt.parse(content.splitlines())
    except MalformedFileError as exc:
        kind = "WebVTT" if fmt == "vtt" else "SRT"
        raise ReadError(
            f"{name}: not a valid {kind} caption file ({exc}); check the cue "
            "timings (hh:mm:ss.mmm --> hh:mm:ss.mmm) and blank lines between cues"
        ) from None
    turns: list[list[str]] = []  # [time, speaker, words]
    for cue in cues:
        words = " ".join(cue.text.split())
        speaker = cue.voice
        if not speaker:
            m = _NAME_PREFIX.match(words)
            if m:
                speaker, words = m.group("speaker"), words[m.end() :]
        if not words:
            continue
        if turns and (speaker is None or speaker == turns[-1][1]):
            turns[-1][2] += " " + words
        else:
            turns.append([cue.start.split(".")[0].split(",")[0], speaker or "Unknown", words])
    if not turns:
        raise ReadError(f"{name}: the caption file has no cues with text")
    return "".join(f"[{t}] {s}: {w}\n" for t, s, w in turns)
