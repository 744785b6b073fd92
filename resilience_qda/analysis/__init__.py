"""Pure pandas/numpy functions over the codings table and the corpus tables (never spaCy)."""

from .claims import claim_evidence
from .cooccurrence import (
    configuration_counts,
    configurations,
    cooccurrence,
    passage_configurations,
    passages,
)
from .corpus import cases_by_attribute, documents_by_kind
from .exemplars import exemplars, typicality
from .frequencies import codings_by_coder, frequencies
from .matrix import matrix, wide
from .retrieval import framework_matrix, retrieve
from .saturation import analysis_order, saturation
from .timeline import codes_over_time
from .triangulation import triangulation
from .words import keyword_in_context, word_frequencies

__all__ = [
    "analysis_order",
    "cases_by_attribute",
    "claim_evidence",
    "codes_over_time",
    "codings_by_coder",
    "configuration_counts",
    "configurations",
    "cooccurrence",
    "documents_by_kind",
    "exemplars",
    "framework_matrix",
    "frequencies",
    "keyword_in_context",
    "matrix",
    "passage_configurations",
    "passages",
    "retrieve",
    "saturation",
    "triangulation",
    "typicality",
    "wide",
    "word_frequencies",
]
