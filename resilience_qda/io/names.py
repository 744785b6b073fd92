"""Names that become file names (document ids, coder names, memo ids), checked against the
rules of every common file system, so that a project made on Linux opens on Windows and
macOS and nothing is written outside its folder."""

from __future__ import annotations

import re

from ..core.errors import ProjectError

#: Names Windows reserves for devices, with or without an extension (``CON.txt`` too).
RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL"]
    + [f"{p}{n}" for p in ("COM", "LPT") for n in [*"0123456789", "¹", "²", "³"]]
)
#: Characters Windows refuses in names (and ``/``, which no file system accepts).
FORBIDDEN = '/\\:*?"<>|'
MAX_BYTES = 255
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def name_problem(filename: str) -> str | None:
    """What is wrong with ``filename`` as a file name on some file system, or None.

    >>> name_problem("interview-01.txt") is None
    True
    >>> name_problem("CON.csv")
    'CON is a device name Windows reserves'
    >>> name_problem("...csv")
    'it starts with a dot (a hidden file, or a path out of the folder)'
    """
    if not filename or not filename.strip():
        return "it is empty"
    m = _CONTROL.search(filename)
    if m:
        return f"it contains the control character U+{ord(m.group()):04X}"
    bad = sorted({ch for ch in filename if ch in FORBIDDEN})
    if bad:
        return f"it contains {' '.join(bad)}, which file systems refuse"
    if filename.startswith("."):
        return "it starts with a dot (a hidden file, or a path out of the folder)"
    if filename != filename.rstrip(" ."):
        return "it ends with a dot or a space, which Windows drops"
    stem = filename.split(".", 1)[0].strip().upper()
    if stem in RESERVED:
        return f"{stem} is a device name Windows reserves"
    size = len(filename.encode("utf-8"))
    if size > MAX_BYTES:
        return f"it is {size} bytes long; file systems allow {MAX_BYTES}"
    if len(filename.encode("utf-16-le")) // 2 > MAX_BYTES:
        return f"it is longer than {MAX_BYTES} characters"
    return None


def check_file_name(filename: str, *, what: str, error: type[Exception] = ProjectError) -> str:
    """Return ``filename`` if every file system accepts it, else raise ``error`` saying
    why, naming ``what`` it is for (e.g. ``"document id 'CON'"``).

    >>> check_file_name("CON.txt", what="document id 'CON'")
    Traceback (most recent call last):
    ...
    resilience_qda.core.errors.ProjectError: document id 'CON' cannot be a file name \
(CON.txt): CON is a device name Windows reserves; choose another name
    """
    problem = name_problem(filename)
    if problem is not None:
        shown = filename if len(filename) <= 80 else filename[:60] + "..." + filename[-12:]
        shown = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", shown)
        raise error(f"{what} cannot be a file name ({shown}): {problem}; choose another name")
    return filename


__all__ = ["FORBIDDEN", "MAX_BYTES", "RESERVED", "check_file_name", "name_problem"]
