"""Pseudonymisation: find identifiers, review them, replace them, check nothing is left.

The workflow::

    key = read_key("../keys/study-key.csv", project="data/raw")     # kept outside
    project = read_project("data/raw")
    review = find_candidates(project, key=key)                         # the review list
    review.to_csv("../keys/review.csv")                                # edit: keep / replace
    result = pseudonymise(project, review, key=key)                    # texts + codings
    write_pseudonymised(result, "data/shared")                         # atomic; + record
    assert check_project("data/shared", key=key).empty                 # nothing left

Modules: :mod:`.key` (the key), :mod:`.patterns` (shaped identifiers), :mod:`.detect`
(candidates and their review table), :mod:`.replace` (replacement and re-anchoring),
:mod:`.record` (what the project and the report say), :mod:`.check`, :mod:`.evaluate`
(precision and recall on labelled text).
"""

from .check import CHECK_COLUMNS, check_project
from .detect import (
    CANDIDATE_COLUMNS,
    PipelineError,
    candidate_summary,
    find_candidates,
    load_pipeline,
)
from .key import Key, PseudonymKeyError, key_from_frame, read_key
from .patterns import PLACEHOLDERS, find_patterns, nhs_check_digit_ok
from .record import RECORD_FILE, pseudonymisation_note, read_record, write_pseudonymised
from .replace import Pseudonymisation, ReviewError, apply_replacements, pseudonymise

__all__ = [
    "CANDIDATE_COLUMNS",
    "CHECK_COLUMNS",
    "PLACEHOLDERS",
    "RECORD_FILE",
    "Key",
    "PipelineError",
    "PseudonymKeyError",
    "Pseudonymisation",
    "ReviewError",
    "apply_replacements",
    "candidate_summary",
    "check_project",
    "find_candidates",
    "find_patterns",
    "key_from_frame",
    "load_pipeline",
    "nhs_check_digit_ok",
    "pseudonymisation_note",
    "pseudonymise",
    "read_key",
    "read_record",
    "write_pseudonymised",
]
