"""Inter-coder agreement that anyone can check: every coefficient with the counts behind it.

One entry point, :func:`agreement`, over a project; the pieces it uses work on a codings
table and can be called directly:

- character level, NVivo's coding comparison per code x source:
  :func:`coding_comparison`, averaged per code by :func:`average_comparison`;
- unit level (sentence, turn, paragraph, document): :func:`unit_agreement` with Cohen's
  kappa, percentage agreement, Krippendorff's alpha, Fleiss' kappa, Brennan-Prediger kappa
  and Gwet's AC1, with bootstrap intervals on request;
- MAXQDA-style segment agreement: :func:`segment_agreement` (:func:`segment_matches`);
- review: :func:`disagreements` (the passages where coders differ, with the text) and
  :func:`agreement_matrix` (a coefficient per code x document, for a heatmap);
- the coefficients themselves over reliability data (coders x units):
  :func:`krippendorff_alpha`, :func:`cohen_kappa`, :func:`fleiss_kappa`,
  :func:`brennan_prediger_kappa`, :func:`gwet_ac1`, :func:`percent_agreement`.

Every result row carries its counts (``a, b, c, d`` or the coincidence matrix ``o_00,
o_01, o_11``), ``p_o`` and ``p_e``, and the coefficient under its own name (``kappa``,
``alpha``, ``ac1``, ``agreement_pct``), so that a reader can recompute it by hand.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ..core.model import Project
from ..core.units import UNITS, units
from .agreement_character import average_comparison, coding_comparison, covered_length
from .agreement_coefficients import (
    METHODS,
    binary_agreement,
    brennan_prediger_kappa,
    cohen_kappa,
    coincidence_matrix,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    percent_agreement,
)
from .agreement_data import resolve_coders
from .agreement_review import agreement_matrix, disagreements, segment_agreement, segment_matches
from .agreement_units import unit_agreement, unit_matrix

#: Methods at character level: NVivo's per-source comparison, its per-code average, and
#: MAXQDA's segment matching.
CHARACTER_METHODS = ("nvivo", "average", "segment")


def agreement(
    project: Project,
    coders: Sequence[str | Sequence[str]],
    *,
    unit: str = "character",
    method: str | Sequence[str] | None = None,
    codes: Sequence[str] | None = None,
    doc_ids: str | Sequence[str] = "shared",
    min_overlap: float = 0.0,
    utf16: bool = False,
    threshold: float = 0.9,
    bootstrap: int = 0,
    random_state: int = 0,
) -> pd.DataFrame:
    """Inter-coder agreement of a project's coders (or groups, ``"A+C"``).

    Parameters
    ----------
    project : Project
    coders : coder names or groups
        Two for character level; any number for Krippendorff, Fleiss, Gwet, percent.
    unit : {"character", "sentence", "turn", "paragraph", "document"}
    method : str or list of str, optional
        Character level: ``"nvivo"`` (default; per code x source), ``"average"`` (per code:
        unweighted, size-weighted and pooled), ``"segment"`` (MAXQDA). Units:
        ``"cohen"`` (default for two coders), ``"percent"``, ``"krippendorff"`` (default
        for more), ``"fleiss"``, ``"brennan-prediger"``, ``"gwet"``, a list, or ``"all"``.
    codes, doc_ids, min_overlap, utf16, threshold, bootstrap, random_state
        Passed on: see :func:`coding_comparison`, :func:`unit_agreement`,
        :func:`segment_agreement`.

    Examples
    --------
    >>> project = read_project("data/sample")  # doctest: +SKIP
    >>> agreement(project, ["A", "B"]).head()  # doctest: +SKIP
    >>> agreement(project, ["A", "B"], unit="turn", method="krippendorff")  # doctest: +SKIP
    """
    corpus, codings = project.corpus, project.codings
    if unit == "character":
        method = method or "nvivo"
        if not isinstance(method, str) or method not in CHARACTER_METHODS:
            raise ValueError(
                f"at character level the method is one of {', '.join(CHARACTER_METHODS)}; got "
                f"{method!r} (unit-based methods need unit='sentence', 'turn', 'paragraph' or "
                "'document')"
            )
        if method == "segment":
            return segment_agreement(
                codings, corpus, coders, threshold=threshold, codes=codes, doc_ids=doc_ids
            )
        table = coding_comparison(
            codings, corpus, coders, codes=codes, doc_ids=doc_ids, utf16=utf16
        )
        return average_comparison(table) if method == "average" else table
    if unit not in UNITS:
        raise ValueError(f"unit must be character or one of {', '.join(UNITS)}; got {unit!r}")
    if method is None:
        method = "cohen" if len(coders) == 2 else "krippendorff"
    if method == "all":
        method = list(METHODS) if len(coders) == 2 else [m for m in METHODS if m != "cohen"]
    return unit_agreement(
        codings,
        units(corpus, unit),
        coders,
        method=method,
        codes=codes,
        min_overlap=min_overlap,
        doc_ids=doc_ids,
        bootstrap=bootstrap,
        random_state=random_state,
        corpus=corpus,
    )


__all__ = [
    "CHARACTER_METHODS",
    "METHODS",
    "agreement",
    "agreement_matrix",
    "average_comparison",
    "binary_agreement",
    "brennan_prediger_kappa",
    "coding_comparison",
    "cohen_kappa",
    "coincidence_matrix",
    "covered_length",
    "disagreements",
    "fleiss_kappa",
    "gwet_ac1",
    "krippendorff_alpha",
    "percent_agreement",
    "resolve_coders",
    "segment_agreement",
    "segment_matches",
    "unit_agreement",
    "unit_matrix",
]
