"""Shared fixtures: the sample project and small projects built in tmp folders."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"


@pytest.fixture(scope="session")
def sample_path() -> Path:
    return SAMPLE


@pytest.fixture(scope="session")
def sample_project():
    import resilience_qda as rq

    return rq.read_project(SAMPLE)
