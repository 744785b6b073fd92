"""resilience_qda: code-first qualitative data analysis.

>>> import resilience_qda as rq
>>> project = rq.read_project("data/sample")  # doctest: +SKIP
"""

__version__ = "0.1.0"

from .errors import CodebookError, CodingsError, ProjectError, QDAError, QDAWarning, ReadError
from .io import (
    parse_turns,
    read_codebook,
    read_corpus,
    read_document,
    read_project,
    read_text,
    write_codebook,
    write_codings,
    write_project,
)
from .model import (
    CODINGS_COLUMNS,
    Code,
    Codebook,
    Corpus,
    Document,
    Project,
    anchor_codings,
    coded_text,
    empty_codings,
    validate_codings,
)

__all__ = [
    "CODINGS_COLUMNS",
    "Code",
    "Codebook",
    "CodebookError",
    "CodingsError",
    "Corpus",
    "Document",
    "Project",
    "ProjectError",
    "QDAError",
    "QDAWarning",
    "ReadError",
    "__version__",
    "anchor_codings",
    "coded_text",
    "empty_codings",
    "parse_turns",
    "read_codebook",
    "read_corpus",
    "read_document",
    "read_project",
    "read_text",
    "validate_codings",
    "write_codebook",
    "write_codings",
    "write_project",
]
