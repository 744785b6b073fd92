"""Pure pandas/numpy functions over the codings table and the corpus tables (never spaCy)."""

from .cooccurrence import (
    configuration_counts,
    configurations,
    cooccurrence,
    passage_configurations,
    passages,
)
from .corpus import cases_by_attribute, documents_by_kind
from .frequencies import codings_by_coder, frequencies
from .matrix import matrix, wide
from .retrieval import exemplars, framework_matrix, retrieve
from .timeline import codes_over_time
from .words import keyword_in_context, word_frequencies

__all__ = [
    "cases_by_attribute",
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
    "wide",
    "word_frequencies",
]
