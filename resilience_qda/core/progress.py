"""Progress bars for long work: in a notebook as a widget, on a terminal as a text bar.

One switch for the whole toolkit: ``progress=None`` (the default everywhere) shows a bar when
someone is watching (a terminal on stderr, or a Jupyter kernel) and stays silent in scripts,
pipes and tests; ``True`` or ``False`` decide explicitly.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable


def watched() -> bool:
    """Whether a person is likely watching: stderr is a terminal, or this is a Jupyter kernel."""
    if "ipykernel" in sys.modules:
        try:
            from IPython import get_ipython

            shell = get_ipython()
        except ImportError:  # pragma: no cover - ipykernel always brings IPython
            shell = None
        if shell is not None and shell.__class__.__name__ == "ZMQInteractiveShell":
            return True
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


def progress_bar(
    iterable: Iterable | None = None,
    *,
    total: int | None = None,
    desc: str = "",
    unit: str = "doc",
    progress: bool | None = None,
):
    """A ``tqdm.auto`` bar, or ``None`` when no bar should be shown.

    Parameters
    ----------
    iterable : iterable, optional
        Its length, when it has one, is the bar's total.
    total : int, optional
        The number of steps, when ``iterable`` has no length.
    desc, unit : str
        What the bar is doing and what it counts.
    progress : bool, optional
        ``None`` (default): show a bar only when :func:`watched`.

    Examples
    --------
    >>> progress_bar(range(3), progress=False) is None
    True
    """
    if progress is None:
        progress = watched()
    if not progress:
        return None
    from tqdm.auto import tqdm

    # no monitor thread: a process with a second thread must not fork (the report draws
    # its figures in forked workers, the rule coder codes in them)
    tqdm.monitor_interval = 0
    if total is None and iterable is not None and hasattr(iterable, "__len__"):
        total = len(iterable)
    return tqdm(total=total, unit=unit, desc=desc, file=sys.stderr, leave=False)
