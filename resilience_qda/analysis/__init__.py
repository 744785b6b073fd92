"""Pure pandas/numpy functions over the codings table and the corpus tables (never spaCy)."""

from .corpus import cases_by_attribute, documents_by_kind

__all__ = ["cases_by_attribute", "documents_by_kind"]
