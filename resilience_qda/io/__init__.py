"""Everything that reads or writes bytes."""

from ..core.turns import parse_turns
from .captions import captions_to_text
from .claims import read_claims
from .codebook import (
    builtin_codebooks,
    codebook_from_yaml,
    codebook_to_yaml,
    read_codebook,
    write_codebook,
)
from .docx import read_docx
from .notes import split_front_matter
from .project import read_project, write_codings, write_project
from .sources import read_corpus, read_document
from .text import read_text

__all__ = [
    "builtin_codebooks",
    "captions_to_text",
    "codebook_from_yaml",
    "codebook_to_yaml",
    "parse_turns",
    "read_claims",
    "read_codebook",
    "read_corpus",
    "read_document",
    "read_docx",
    "read_project",
    "read_text",
    "split_front_matter",
    "write_codebook",
    "write_codings",
    "write_project",
]
