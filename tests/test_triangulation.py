"""Triangulation: codes across kinds of data (interviews beside observation notes)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest
from _methods_project import build

import resilience_qda as rq
from resilience_qda.analysis.triangulation import triangulation


@pytest.fixture(scope="module")
def restorative(tmp_path_factory):
    return rq.read_project(build(tmp_path_factory.mktemp("restorative")))


def test_the_sample_puts_interviews_beside_observation_notes(sample_project):
    a = sample_project.codings_of("A")
    docs = sample_project.corpus.documents
    table = triangulation(a, docs, codes=sample_project.codebook.children("themes"))
    assert set(table["kind"]) == {"interview", "observation"}
    assert set(table.loc[table["kind"] == "interview", "documents"]) == {13}
    assert set(table.loc[table["kind"] == "observation", "documents"]) == {12}
    for _, row in table.iterrows():  # files and references counted by hand
        mine = a[
            (a["code"] == row["code"])
            & a["doc_id"].isin(docs[docs["kind"] == row["kind"]]["doc_id"])
        ]
        assert row["files"] == mine["doc_id"].nunique()
        assert row["references"] == len(mine.drop_duplicates(["doc_id", "start", "end"]))
        assert row["share"] == pytest.approx(row["files"] / row["documents"])
    assert (table["kinds"] == 2).all()  # every theme is in both kinds of data


def test_the_counts_equal_matrix_coding_by_kind(sample_project):
    a = sample_project.codings_of("A")
    docs = sample_project.corpus.documents
    table = triangulation(a, docs, codes="counter-evidence")
    files = rq.matrix(a, docs, by="kind", count="files", codes="counter-evidence")
    refs = rq.matrix(a, docs, by="kind", count="references", codes="counter-evidence")
    assert table["files"].tolist() == files["files"].tolist()
    assert table["references"].tolist() == refs["references"].tolist()
    assert table["share"].tolist() == pytest.approx(files["share"].tolist())


def test_three_kinds_in_the_second_project(restorative):
    table = triangulation(restorative.codings, restorative.corpus.documents, codes="doubts")
    cell = table.set_index(["code", "kind"])
    assert sorted(set(table["kind"])) == ["diary", "focus_group", "interview"]
    assert cell.loc[("doubts/no-difference", "interview"), "files"] == 1
    assert cell.loc[("doubts/no-difference", "focus_group"), "share"] == 1.0
    assert cell.loc[("doubts/soft-on-behaviour", "interview"), "references"] == 2
    assert cell.loc[("doubts/soft-on-behaviour", "interview"), "share"] == pytest.approx(2 / 3)
    assert cell.loc[("doubts/no-difference", "diary"), "files"] == 0
    assert table.groupby("code")["kinds"].first().to_dict() == {
        "doubts/no-difference": 2,
        "doubts/soft-on-behaviour": 1,
    }
    rolled = triangulation(
        restorative.codings, restorative.corpus.documents, codes=["doubts"], rollup=True
    )
    assert rolled.set_index(["code", "kind"]).loc[("doubts", "interview"), "references"] == 3


def test_another_attribute_and_a_missing_one(restorative):
    docs = restorative.corpus.documents
    by_school = triangulation(restorative.codings, docs, by="school", codes="outcomes")
    assert set(by_school["school"]) == {"Northfield", "Eastgate"}  # the focus group has none
    with pytest.raises(KeyError, match="needs column"):
        triangulation(restorative.codings, docs, by="wave")


def test_the_chart_draws_each_kind(restorative):
    table = triangulation(restorative.codings, restorative.corpus.documents, codes="outcomes")
    ax = rq.plots.triangulation_chart(table)
    assert len(ax.collections) == 3
    first = table[table["kind"] == table["kind"].iloc[0]]
    assert ax.collections[0].get_offsets()[:, 0].tolist() == pytest.approx(
        (100 * first["share"]).tolist()
    )
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "calmer classrooms",
        "repaired relationships",
    ]
