"""resilience_qda: code-first qualitative data analysis.

``import resilience_qda as rq`` is the one front door: everything a notebook needs is an
attribute of ``rq``. Names load on first use, so importing the package stays fast.

>>> import resilience_qda as rq
>>> project = rq.read_project("data/sample")  # doctest: +SKIP
>>> rq.frequencies(project.codings, project.corpus, codes="themes", rollup=True)  # doctest: +SKIP
"""

from __future__ import annotations

import importlib

from .core.errors import ClaimsError as ClaimsError
from .core.errors import CodebookError as CodebookError
from .core.errors import CodingsError as CodingsError
from .core.errors import ProjectBusyError as ProjectBusyError
from .core.errors import ProjectError as ProjectError
from .core.errors import QDAError as QDAError
from .core.errors import QDAWarning as QDAWarning
from .core.errors import ReadError as ReadError
from .core.errors import StorageError as StorageError
from .core.version import __version__ as __version__

#: Where each public name lives: ``name -> module`` (relative to this package).
_API = {
    # the model and the codings table
    **dict.fromkeys(
        [
            "CODINGS_COLUMNS",
            "Code",
            "Codebook",
            "Corpus",
            "Document",
            "Project",
            "anchor_codings",
            "coded_text",
            "empty_codings",
            "validate_codings",
        ],
        "core.model",
    ),
    "parse_turns": "core.turns",
    **dict.fromkeys(["natural_key", "natural_sorted"], "core.sorting"),
    **dict.fromkeys(["UNITS", "code_units", "merge_spans", "segment", "units"], "core.units"),
    **dict.fromkeys(["score_coder", "scored_documents", "scoring_units"], "core.scoring"),
    **dict.fromkeys(["Claim", "claims_from_data"], "core.claims"),
    # reading and writing
    **dict.fromkeys(
        ["read_project", "write_project", "write_codings", "update_codings"], "io.project"
    ),
    "transaction": "io.transaction",
    "read_codings": "io.codings",
    "read_claims": "io.claims",
    **dict.fromkeys(["read_codebook", "write_codebook", "builtin_codebooks"], "io.codebook"),
    **dict.fromkeys(["read_corpus", "read_document"], "io.sources"),
    "read_text": "io.text",
    **dict.fromkeys(["read_sheet", "write_sheet"], "io.sheets"),
    **dict.fromkeys(["read_docx_codings", "write_docx_codings"], "io.docx"),
    **dict.fromkeys(["read_memos", "add_memo", "attach_memos", "memo_table"], "io.memos"),
    **dict.fromkeys(["Study", "StudyError", "read_study"], "io.study"),
    **dict.fromkeys(["init_project", "write_study_template"], "io.scaffold"),
    **dict.fromkeys(
        [
            "codebook_to_qdc",
            "import_report",
            "read_qdc",
            "read_qdpx",
            "read_refi",
            "write_qdc",
            "write_qdpx",
        ],
        "io.refi",
    ),
    # coding
    "code": "coding.engine",
    "iter_codings": "coding.rules",
    **dict.fromkeys(
        ["code_by_attribute", "code_by_question", "code_by_speaker"], "coding.structure"
    ),
    **dict.fromkeys(["reanchor", "update_source"], "coding.anchors"),
    **dict.fromkeys(
        ["accept_suggestions", "fit_suggester", "review_queue", "suggest"], "coding.suggest"
    ),
    "CodeSuggester": "coding.suggest_model",
    **dict.fromkeys(
        ["StreamingSuggester", "fit_streaming", "predict_partitions"], "coding.suggest_stream"
    ),
    "code_dask": "coding.distributed",
    **dict.fromkeys(["ALL_CODES", "evaluate", "learning_curve"], "coding.suggest_eval"),
    **dict.fromkeys(["token_counts", "tokens"], "coding.tokens"),
    **dict.fromkeys(["from_spans", "to_spans"], "coding.spans"),
    # analysis
    **dict.fromkeys(["frequencies", "codings_by_coder"], "analysis.frequencies"),
    **dict.fromkeys(["attribute_table", "group_sizes", "matrix", "wide"], "analysis.matrix"),
    **dict.fromkeys(
        [
            "configuration_counts",
            "configurations",
            "cooccurrence",
            "passage_configurations",
            "passages",
        ],
        "analysis.cooccurrence",
    ),
    **dict.fromkeys(["framework_matrix", "retrieve"], "analysis.retrieval"),
    **dict.fromkeys(["exemplars", "typicality"], "analysis.exemplars"),
    "codes_over_time": "analysis.timeline",
    **dict.fromkeys(["analysis_order", "saturation"], "analysis.saturation"),
    "triangulation": "analysis.triangulation",
    "claim_evidence": "analysis.claims",
    **dict.fromkeys(["keyword_in_context", "word_frequencies"], "analysis.words"),
    **dict.fromkeys(["cases_by_attribute", "documents_by_kind"], "analysis.corpus"),
    **dict.fromkeys(
        [
            "agreement",
            "agreement_matrix",
            "average_comparison",
            "coding_comparison",
            "disagreements",
            "segment_agreement",
            "unit_agreement",
        ],
        "analysis.agreement",
    ),
    # privacy and the report
    **dict.fromkeys(
        ["check_project", "find_candidates", "pseudonymise", "read_key", "write_pseudonymised"],
        "privacy",
    ),
    "build_report": "report",
    # coding by hand: the Jupyter widget (needs anywidget) and the coding screen's session
    "CodingWidget": "serve.widget",
    "CodingSession": "serve.session",
}
#: Subpackages and modules offered whole: ``rq.plots.heatmap(...)``.
_MODULES = ("plots", "partitioned")
#: Where an offered module lives, when not at the package's top level.
_MODULE_PATHS = {"partitioned": "analysis.partitioned"}

__all__ = sorted(
    [
        "ClaimsError",
        "CodebookError",
        "CodingsError",
        "ProjectBusyError",
        "ProjectError",
        "QDAError",
        "QDAWarning",
        "ReadError",
        "StorageError",
        "__version__",
        *_API,
        *_MODULES,
    ]
)


def __getattr__(name: str):
    if name in _MODULES:
        module = importlib.import_module(f".{_MODULE_PATHS.get(name, name)}", __name__)
    elif name in _API:
        module = getattr(importlib.import_module(f".{_API[name]}", __name__), name)
    else:
        raise AttributeError(f"module 'resilience_qda' has no attribute {name!r}")
    globals()[name] = module  # later look-ups skip this function
    return module


def __dir__() -> list[str]:
    return __all__
