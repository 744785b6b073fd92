"""Shared fixtures: the sample project, the food-hub project (a second, quite different one)
and their reports, each built once per test run (per worker under xdist)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"


@pytest.fixture(scope="session")
def sample_path() -> Path:
    # the sample is part of the repository: a missing or empty one is a failure, not a skip
    assert (SAMPLE / "sources").is_dir() and any((SAMPLE / "sources").glob("*.txt")), SAMPLE
    assert any((SAMPLE / "codings").glob("*.csv")), "data/sample has no codings"
    return SAMPLE


@pytest.fixture(scope="session")
def sample_project(sample_path):
    import resilience_qda as rq

    return rq.read_project(sample_path)


@pytest.fixture(scope="session")
def sample_report(tmp_path_factory, sample_project):
    """The sample report, built once: ``(project, out, page)``."""
    from resilience_qda.report import build_report

    out = tmp_path_factory.mktemp("sample-report") / "report"
    page = build_report(sample_project, out).read_text(encoding="utf-8")
    return sample_project, out, page


@pytest.fixture(scope="session")
def food_hub_path(tmp_path_factory) -> Path:
    """The food-hub project: three branches, other attributes, one coder, no dates, a .docx
    and a .vtt source (tests/_food_hub.py)."""
    import _food_hub

    base = tmp_path_factory.mktemp("food-hub")
    return _food_hub.build(base / "project", base / "raw")


@pytest.fixture(scope="session")
def food_hub_report(tmp_path_factory, food_hub_path):
    """The food-hub report, built once: ``(project, out, page)``."""
    import resilience_qda as rq
    from resilience_qda.report import build_report

    with warnings.catch_warnings():
        warnings.simplefilter("error", rq.QDAWarning)  # the project reads cleanly
        project = rq.read_project(food_hub_path)
    out = tmp_path_factory.mktemp("food-hub-report") / "report"
    page = build_report(project, out).read_text(encoding="utf-8")
    return project, out, page
