"""``import resilience_qda as rq`` is the working surface a notebook needs."""

import subprocess
import sys

import pandas as pd
import pytest

import resilience_qda as rq

NOTEBOOK_SURFACE = [
    "read_project",
    "write_project",
    "read_codings",
    "write_codings",
    "read_codebook",
    "code",
    "frequencies",
    "matrix",
    "cooccurrence",
    "agreement",
    "retrieve",
    "exemplars",
    "suggest",
    "plots",
]


@pytest.mark.parametrize("name", sorted(rq.__all__))
def test_every_public_name_resolves(name):
    assert getattr(rq, name) is not None


def test_the_notebook_surface_is_there():
    assert set(NOTEBOOK_SURFACE) <= set(rq.__all__)
    assert set(NOTEBOOK_SURFACE) <= set(dir(rq))


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'frequency'"):
        rq.frequency  # noqa: B018


def test_importing_the_package_loads_neither_pandas_nor_spacy():
    code = "import sys, resilience_qda; print('pandas' in sys.modules, 'spacy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_read_codings_pairs_with_write_codings(sample_path, tmp_path):
    project = rq.read_project(sample_path)
    copy = rq.write_project(project, tmp_path / "copy")
    b = rq.read_codings(copy, coder="B")
    assert len(b) == len(project.codings_of("B"))
    rq.write_codings(b.assign(coder="C"), copy)
    assert sorted(rq.read_codings(copy)["coder"].unique()) == ["A", "B", "C"]
    file = copy / "codings" / "C.csv"
    from_file = rq.read_codings(file, corpus=project.corpus)
    pd.testing.assert_frame_equal(
        from_file[["doc_id", "start", "end", "code"]],
        b[["doc_id", "start", "end", "code"]],
    )


def test_read_codings_names_the_problem(tmp_path):
    with pytest.raises(rq.CodingsError, match="no such codings file"):
        rq.read_codings(tmp_path / "missing.csv")
    with pytest.raises(rq.CodingsError, match=r"expected a project folder or a codings \.csv"):
        rq.read_codings(tmp_path / "codings.txt")


def test_the_model_renders_as_escaped_html_in_a_notebook(sample_project):
    project = sample_project
    page = project._repr_html_()
    assert f"{len(project.corpus)} documents" in page and "<table" in page
    assert "interview-L" in project.corpus._repr_html_()
    tree = project.codebook._repr_html_()
    assert tree.count("<li") == len(project.codebook)
    shown = project.show("interview-L", coder="A")._repr_html_()
    n = int((project.codings_of("A")["doc_id"] == "interview-L").sum())
    assert f"{n} coding(s)" in shown and "<mark" in shown


def test_hostile_text_and_names_are_escaped():
    doc = rq.Document("x<script>", "Hi <img src=x onerror=alert(1)> & bye", {"kind": "note"})
    codings = pd.DataFrame(
        {"start": [0, 3], "end": [8, 20], "code": ['"><script>', "b"], "coder": ["A", "B"]}
    )
    project = rq.Project(rq.Corpus([doc]), rq.Codebook([rq.Code("a<b>", "<i>name</i>")]))
    project.codings = codings.assign(doc_id="x<script>", source="manual", score=None)
    for page in (
        doc._repr_html_(),
        project.show("x<script>")._repr_html_(),
        project.corpus._repr_html_(),
        project.codebook._repr_html_(),
        project._repr_html_(),
    ):
        assert "<script>" not in page and "<img" not in page and "<i>" not in page


def test_overlapping_codings_show_every_code_in_the_tooltip():
    doc = rq.Document("d", "one two three")
    rows = pd.DataFrame({"doc_id": "d", "start": [0, 4], "end": [7, 13], "code": ["x", "y"]})
    rows["coder"] = "A"
    page = rq.Project(rq.Corpus([doc]), rq.Codebook(), rows).show("d")._repr_html_()
    assert 'title="x (A); y (A)">two</mark>' in page
