"""The sections of the report: each a function ``section(project, report)``.

A section reads the project and the resolved study plan (``report.study``), calls analysis
functions, and adds headings, text, tables, figures and quotes to the
:class:`~resilience_qda.report.document.Report`; a section without data is left out with
one line saying why (:meth:`~resilience_qda.report.document.Report.skip`).

:data:`SECTIONS` is the report's order. To add a section, write such a function and put it
in a copy of the list (``build_report(project, out, sections=[*SECTIONS[:-2], mine,
*SECTIONS[-2:]])``) or insert it here. Nothing here names a study's codes or attributes:
those come from study.yaml.
"""

from __future__ import annotations

from .agreement import agreement_section
from .branches import branch_section, branches_section
from .claims import claims_section
from .codebook import codebook_section, memos_section
from .coding import coding_section
from .common import MIN_GROUP
from .corpus import corpus_section
from .facets import facets_section
from .limitations import limitations_section
from .saturation import saturation_section
from .stripes import stripes_section
from .time import change_section
from .triangulation import triangulation_section
from .words import words_section

#: The sections of the report, in order. Limitations come after every section that can
#: add one.
SECTIONS = [
    corpus_section,
    coding_section,
    branches_section,
    facets_section,
    triangulation_section,
    change_section,
    claims_section,
    agreement_section,
    saturation_section,
    stripes_section,
    words_section,
    limitations_section,
    codebook_section,
    memos_section,
]

__all__ = [
    "MIN_GROUP",
    "SECTIONS",
    "agreement_section",
    "branch_section",
    "branches_section",
    "change_section",
    "claims_section",
    "codebook_section",
    "coding_section",
    "corpus_section",
    "facets_section",
    "limitations_section",
    "memos_section",
    "saturation_section",
    "stripes_section",
    "triangulation_section",
    "words_section",
]
