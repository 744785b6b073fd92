"""Every notebook in notebooks/ runs top to bottom on data/sample and is committed clean.

Each notebook runs with nbclient in a temporary working folder (what it writes stays
there), with ``RESILIENCE_QDA_PROJECT`` pointing at data/sample, and a timeout per notebook.
Notebooks read the project as ``Path(os.environ.get("RESILIENCE_QDA_PROJECT",
"../data/sample"))`` so they also run from the notebooks/ folder by hand; they write only
into the working folder (copy the project first to change it).
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
TIMEOUT = 300  # seconds per notebook (a loaded CI machine is slow; the sample runs in ~10 s)


def test_there_are_notebooks():
    names = {p.name for p in NOTEBOOKS}
    assert {"01_corpus.ipynb", "03_themes.ipynb", "06_report_figures.ipynb"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_committed_without_outputs(path):
    book = nbformat.read(path, as_version=4)
    for cell in book.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, (path.name, cell.source)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path, tmp_path, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.setenv("RESILIENCE_QDA_PROJECT", str(ROOT / "data" / "sample"))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    book = nbformat.read(path, as_version=4)
    client = NotebookClient(
        book,
        timeout=TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute(cwd=str(tmp_path), env=dict(os.environ))
    errors = [
        o
        for c in book.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "error"
    ]
    assert not errors
