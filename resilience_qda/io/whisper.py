"""Whisper and WhisperX JSON transcripts: ``segments`` with ``start``, ``end``, ``text`` and,
after diarisation, ``speaker``.

Each speaker turn becomes one line, ``[hh:mm:ss] SPEAKER_00: words``, stamped with the time
of its first segment; consecutive segments of one speaker merge into one turn, and a segment
without a speaker continues the turn before it. A file whose segments name no speaker at all
(Whisper without diarisation) is read as timed paragraphs, a new one after each pause of
:data:`PAUSE` seconds or more.
"""

from __future__ import annotations

import json
import math
import os
import re
import unicodedata
from pathlib import Path

from ..core.errors import ReadError
from ..core.turns import SPEAKER_PATTERN

#: Largest JSON file read (a two-hour WhisperX file with word timings is about 10 MB).
MAX_JSON_BYTES = 100 * 1024 * 1024
#: Most segments read from one file.
MAX_SEGMENTS = 1_000_000
#: A pause this long (seconds) starts a new paragraph in a transcript without speakers.
PAUSE = 2.0


def read_json(path: str | os.PathLike, *, limit: int = MAX_JSON_BYTES) -> object:
    """Parse a JSON file after checking its size; errors name the file and the problem."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ReadError(f"{path}: no such file") from None
    if size > limit:
        raise ReadError(
            f"{path}: is {size:,} bytes; JSON files larger than {limit:,} bytes are not read "
            "(is this really a transcript?)"
        )
    with open(path, "rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise ReadError(f"{path}: is larger than {limit:,} bytes; not read")
    if not data.strip():
        raise ReadError(f"{path}: the file is empty; nothing to read")
    try:
        return json.loads(data)
    except RecursionError:
        raise ReadError(
            f"{path}: the JSON is nested too deeply to be a transcript (a nesting bomb?); not read"
        ) from None
    except UnicodeDecodeError as exc:
        raise ReadError(f"{path}: is not UTF-8 JSON ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise ReadError(
            f"{path}: is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        ) from None


def _stamp(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _labels(speakers: list[str]) -> dict[str, str]:
    """A label per speaker name that the transcript parser reads back as that label: the
    name itself where it can, else the name capitalised, else ``Speaker N``."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for speaker in dict.fromkeys(speakers):
        name = " ".join(speaker.split())
        fixed = " ".join(w[:1].upper() + w[1:] for w in re.sub(r"[^\w.'’ -]", "", name).split())
        label = next(
            (
                c
                for c in (name, fixed)
                if c and c not in used and SPEAKER_PATTERN.fullmatch(c + ":")
            ),
            None,
        )
        n = len(used) + 1
        while label is None or label in used:
            label, n = f"Speaker {n}", n + 1
        out[speaker] = label
        used.add(label)
    return out


def _segments(data: object, name: str) -> list[dict]:
    if isinstance(data, dict):
        segments = data.get("segments")
        if segments is None:
            raise ReadError(
                f"{name}: a JSON source must be Whisper or WhisperX output with a 'segments' "
                f"list; this one has the keys {', '.join(sorted(map(str, data))[:8]) or 'none'}"
            )
    else:
        segments = data
    if not isinstance(segments, list):
        raise ReadError(
            f"{name}: 'segments' must be a list of segments (start, end, text); "
            f"got {type(segments).__name__}"
        )
    if len(segments) > MAX_SEGMENTS:
        raise ReadError(
            f"{name}: has {len(segments):,} segments; refusing more than {MAX_SEGMENTS:,}"
        )
    out = []
    for i, seg in enumerate(segments):
        where = f"{name}: segment {i}"
        if not isinstance(seg, dict):
            raise ReadError(f"{where} is {type(seg).__name__}, not an object with start and text")
        start, text = seg.get("start"), seg.get("text")
        if (
            isinstance(start, bool)
            or not isinstance(start, (int, float))
            or not math.isfinite(start)
            or start < 0
        ):
            raise ReadError(f"{where}: 'start' must be a number of seconds; got {start!r}")
        if not isinstance(text, str):
            raise ReadError(f"{where}: 'text' must be a string; got {type(text).__name__}")
        end = seg.get("end", start)
        if isinstance(end, bool) or not isinstance(end, (int, float)) or not math.isfinite(end):
            raise ReadError(f"{where}: 'end' must be a number of seconds; got {end!r}")
        speaker = seg.get("speaker")
        if speaker is not None and not isinstance(speaker, str):
            speaker = str(speaker)
        out.append({"start": float(start), "end": float(end), "text": text, "speaker": speaker})
    return out


def whisper_to_text(data: object, *, name: str = "<whisper>") -> tuple[str, dict]:
    """Turn parsed Whisper/WhisperX JSON into transcript text and metadata.

    Returns
    -------
    (text, metadata) : tuple
        ``metadata`` has ``kind`` (``interview`` with speakers, else ``document``) and
        ``language`` when the file names one as an ISO 639-1 code.

    Examples
    --------
    >>> data = {"language": "en", "segments": [
    ...     {"start": 0.0, "end": 2.1, "text": " How did it start?", "speaker": "SPEAKER_00"},
    ...     {"start": 2.4, "end": 5.0, "text": " With the map.", "speaker": "SPEAKER_01"},
    ...     {"start": 5.2, "end": 7.9, "text": " We drew it together.", "speaker": "SPEAKER_01"}]}
    >>> text, meta = whisper_to_text(data)
    >>> print(text, end="")
    [00:00:00] SPEAKER_00: How did it start?
    [00:00:02] SPEAKER_01: With the map. We drew it together.
    >>> meta
    {'kind': 'interview', 'language': 'en'}
    """
    segments = _segments(data, name)
    meta: dict = {}
    language = data.get("language") if isinstance(data, dict) else None
    if isinstance(language, str) and re.fullmatch(r"[a-zA-Z]{2}", language.strip()):
        meta["language"] = language.strip().lower()
    diarised = any(s["speaker"] for s in segments)
    labels = _labels([s["speaker"] for s in segments if s["speaker"]])
    lines: list[list] = []  # [time, speaker, words, last end]
    for seg in segments:
        words = " ".join(unicodedata.normalize("NFC", seg["text"]).split())
        if not words:
            continue
        speaker = labels[seg["speaker"]] if seg["speaker"] else None
        if lines and (
            (diarised and (speaker is None or speaker == lines[-1][1]))
            or (not diarised and seg["start"] - lines[-1][3] < PAUSE)
        ):
            lines[-1][2] += " " + words
            lines[-1][3] = max(lines[-1][3], seg["end"])
        else:
            lines.append([_stamp(seg["start"]), speaker or "Unknown", words, seg["end"]])
    if not lines:
        raise ReadError(f"{name}: the transcript has no segments with text")
    if diarised:
        meta["kind"] = "interview"
        text = "".join(f"[{t}] {s}: {w}\n" for t, s, w, _ in lines)
    else:
        meta["kind"] = "document"
        text = "\n\n".join(f"[{t}] {w}" for t, _, w, _ in lines) + "\n"
    return text, dict(sorted(meta.items()))


def read_whisper(path: str | os.PathLike) -> tuple[str, dict]:
    """Read a Whisper or WhisperX ``.json`` file: ``(text, metadata)``.

    See :func:`whisper_to_text`; a file that is too large, nested too deeply, or not
    Whisper output is refused with a message naming it.
    """
    return whisper_to_text(read_json(path), name=str(path))


__all__ = ["read_json", "read_whisper", "whisper_to_text"]
