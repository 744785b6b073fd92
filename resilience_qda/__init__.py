"""resilience_qda: code-first qualitative data analysis.

>>> import resilience_qda as rq
>>> project = rq.read_project("data/sample")  # doctest: +SKIP
"""

from .core.errors import CodebookError, CodingsError, ProjectError, QDAError, QDAWarning, ReadError
from .core.model import (
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
from .core.version import __version__
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

__all__ = [
    "CODINGS_COLUMNS",
    "Code",
    "Codebook",
    "CodebookError",
    "CodingWidget",
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


def __getattr__(name: str):
    if name == "CodingWidget":  # the Jupyter widget needs anywidget: import it when asked for
        from .serve.widget import CodingWidget

        return CodingWidget
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
