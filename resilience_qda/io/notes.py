"""Front matter: a small YAML block between ``---`` lines at the top of a note."""

from __future__ import annotations

import re

from ..core.errors import ReadError
from .safeyaml import load_yaml

_FRONT = re.compile(r"\A---[ \t]*\n(?P<yaml>.*?)\n---[ \t]*\n", re.DOTALL)


def split_front_matter(text: str, *, name: str = "<text>") -> tuple[dict, str]:
    """Return ``(metadata, body)``; a text without front matter gives ``({}, text)``.

    Examples
    --------
    >>> split_front_matter("---\\nkind: observation\\nmeeting: 3\\n---\\nNotes.")
    ({'kind': 'observation', 'meeting': 3}, 'Notes.')
    """
    m = _FRONT.match(text)
    if not m:
        return {}, text
    # a leading newline so that the YAML's line numbers are the file's (line 1 is ---)
    meta = load_yaml("\n" + m.group("yaml"), origin=f"{name} (front matter)") or {}
    if not isinstance(meta, dict):
        raise ReadError(
            f"{name}: the front matter must be 'key: value' lines, got {type(meta).__name__}"
        )
    meta = {str(k): (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in meta.items()}
    return meta, text[m.end() :]
