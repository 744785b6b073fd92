"""Small shared statistics with the counts behind them."""

from __future__ import annotations

import numpy as np


def kappa_2x2(a, b, c, d):
    """Cohen's kappa of a 2x2 table, with the counts' agreement figures.

    ``a`` both coders said yes, ``b`` only the first, ``c`` only the second, ``d`` neither.
    Works elementwise on arrays. When both coders agree on every item and use only one
    category (``p_e == 1``), kappa is undefined: NaN is returned and callers decide the
    convention (NVivo reports 1).

    Returns
    -------
    (p_o, p_e, kappa) : tuple of float or arrays

    Examples
    --------
    >>> p_o, p_e, k = kappa_2x2(50, 100, 50, 800)   # NVivo's worked example, in characters
    >>> round(p_o, 4), round(p_e, 4), round(k, 6)
    (0.85, 0.78, 0.318182)
    """
    a, b, c, d = (np.asarray(x, dtype="float64") for x in (a, b, c, d))
    n = a + b + c + d
    with np.errstate(invalid="ignore", divide="ignore"):
        p_o = (a + d) / n
        p_e = ((a + b) * (a + c) + (c + d) * (b + d)) / n**2
        kappa = np.where(np.isclose(p_e, 1.0), np.nan, (p_o - p_e) / (1 - p_e))
    if kappa.ndim == 0:
        return float(p_o), float(p_e), float(kappa)
    return p_o, p_e, kappa
