"""Every notebook in notebooks/ runs top to bottom on data/sample and on the food-hub project
(tests/_food_hub.py), asserts the figures it shows, and is committed clean.

Each notebook runs with nbclient in a temporary working folder (what it writes stays there),
with ``RESILIENCE_QDA_PROJECT`` pointing at the project, and a timeout per notebook.
Notebooks read the project as ``Path(os.environ.get("RESILIENCE_QDA_PROJECT",
"../data/sample"))`` and its study.yaml, so they also run from the notebooks/ folder by hand;
they write only into the working folder (07 copies the project before changing it).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
TIMEOUT = 600  # seconds per notebook (a loaded CI machine is slow; most run in 10-30 s)


def code_of(path: Path) -> str:
    book = nbformat.read(path, as_version=4)
    return "\n".join(c.source for c in book.cells if c.cell_type == "code")


def test_there_are_notebooks():
    names = {p.name for p in NOTEBOOKS}
    assert {"01_corpus.ipynb", "03_themes.ipynb", "06_report_figures.ipynb"} <= names
    assert len(NOTEBOOKS) == 9


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_committed_without_outputs(path):
    book = nbformat.read(path, as_version=4)
    for cell in book.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, (path.name, cell.source)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_uses_the_front_door_the_plan_and_asserts_its_figures(path):
    code = code_of(path)
    assert "import resilience_qda as rq" in code
    assert not re.search(r"from resilience_qda[\w.]* import|import resilience_qda\.", code)
    assert 'os.environ.get("RESILIENCE_QDA_PROJECT"' in code and "rq.read_study(" in code
    assert "study.statement(" in code  # says what the data are
    assert len(re.findall(r"^\s*assert ", code, re.M)) >= 2


@pytest.mark.parametrize("project", ["sample", "food_hub"])
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path, project, request, tmp_path, monkeypatch):
    from nbclient import NotebookClient

    folder = request.getfixturevalue("sample_path" if project == "sample" else "food_hub_path")
    monkeypatch.setenv("RESILIENCE_QDA_PROJECT", str(folder))
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
    printed = "".join(
        o.get("text", "") for c in book.cells if c.cell_type == "code" for o in c.outputs
    )
    assert "What the data are:" in printed
