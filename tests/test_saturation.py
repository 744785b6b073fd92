"""Saturation: new codes per document in the order the documents were analysed."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest
from _methods_project import build
from hypothesis import given, settings
from hypothesis import strategies as st

import resilience_qda as rq
from resilience_qda.analysis.saturation import analysis_order, saturation


@pytest.fixture(scope="module")
def restorative(tmp_path_factory):
    return rq.read_project(build(tmp_path_factory.mktemp("restorative")))


def test_the_sample_curve_ends_at_the_number_of_codes_coder_a_used(sample_project):
    a = sample_project.codings_of("A")
    table = saturation(a, sample_project.corpus.documents)
    overall = table[table["branch"] == "all"]
    assert len(overall) == len(sample_project.corpus)  # every document, coded or not
    assert overall["cumulative_codes"].iloc[-1] == a["code"].nunique()
    assert overall["new_codes"].sum() == a["code"].nunique()
    # per branch, too
    for branch, rows in table[table["branch"] != "all"].groupby("branch"):
        used = a[a["code"].str.split("/").str[0] == branch]["code"].nunique()
        assert rows["cumulative_codes"].iloc[-1] == used, branch
    # by date: the twelve meetings (2010) come before the interviews (2010-12 to 2011-03)
    assert overall["doc_id"].head(12).tolist() == [f"meeting-{i:02d}" for i in range(1, 13)]
    assert overall["order_value"].iloc[0] == "2010-01-14"


def test_new_code_names_are_the_codes_first_used_there(sample_project):
    a = sample_project.codings_of("A")
    table = saturation(a, sample_project.corpus.documents, branches=False)
    assert set(table["branch"]) == {"all"}
    first = table.iloc[0]
    assert sorted(first["new_code_names"].split("; ")) == sorted(
        a[a["doc_id"] == first["doc_id"]]["code"].unique()
    )
    named = table["new_code_names"].map(lambda s: len(s.split("; ")) if s else 0)
    assert (named == table["new_codes"]).all()
    assert table["cumulative_codes"].is_monotonic_increasing


def test_order_by_an_attribute_a_list_or_the_corpus(restorative):
    docs = restorative.corpus.documents
    by_date = analysis_order(docs)
    assert by_date[0] == "diary-ruth" and by_date[-1] == "focus-group-1"
    assert analysis_order(docs.drop(columns="date")) == docs["doc_id"].tolist()
    given_order = list(reversed(docs["doc_id"]))
    table = saturation(restorative.codings, docs, order=given_order)
    assert table[table["branch"] == "all"]["doc_id"].tolist() == given_order
    assert table["order_value"].isna().all()
    # numbers sort as numbers; documents without a value go last, in corpus order
    meeting = {"interview-amara": 10, "interview-joan": 2, "diary-ruth": 9}
    numbered = docs.assign(meeting=docs["doc_id"].map(meeting))
    assert docs["doc_id"].tolist() == [
        "diary-ruth",
        "focus-group-1",
        "interview-amara",
        "interview-dev",
        "interview-joan",
    ]
    assert analysis_order(numbered, "meeting") == [
        "interview-joan",  # 2
        "diary-ruth",  # 9
        "interview-amara",  # 10 (after 9: numbers, not text)
        "focus-group-1",  # no meeting: last, in corpus order
        "interview-dev",
    ]


def test_the_second_project_counts_per_branch(restorative):
    table = saturation(restorative.codings, restorative.corpus.documents)
    last = table.groupby("branch")["cumulative_codes"].last().to_dict()
    assert last == {"all": 8, "barriers": 2, "doubts": 2, "outcomes": 2, "practice": 2}
    diary = table[(table["branch"] == "all") & (table["doc_id"] == "diary-ruth")].iloc[0]
    assert (diary["order"], diary["codes"], diary["new_codes"]) == (1, 4, 4)
    only = saturation(restorative.codings, restorative.corpus.documents, codes="doubts")
    assert only[only["branch"] == "all"]["cumulative_codes"].iloc[-1] == 2


def test_saturation_names_what_is_wrong(sample_project, restorative):
    docs = sample_project.corpus.documents
    with pytest.raises(rq.CodingsError, match="one coder's codes; the codings hold A, B"):
        saturation(sample_project.codings, docs)
    with pytest.raises(rq.CodingsError, match="no codings by coder 'C'"):
        saturation(sample_project.codings, docs, coder="C")
    with pytest.raises(KeyError, match="needs column"):
        saturation(sample_project.codings_of("A"), docs, order="wave")
    with pytest.raises(ValueError, match="order must list every document once; missing"):
        saturation(sample_project.codings_of("A"), docs, order=["meeting-01"])
    with pytest.raises(rq.CodingsError, match="missing from the documents table"):
        saturation(restorative.codings, docs)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.sampled_from(["a/x", "a/y", "b/x", "b", "c/z/w"])),
        max_size=30,
    ),
    st.permutations(list(range(6))),
)
def test_the_curve_always_ends_at_the_distinct_codes_used(rows, order):
    docs = pd.DataFrame({"doc_id": [f"d{i}" for i in range(6)]})
    codings = pd.DataFrame(
        {
            "doc_id": [f"d{d}" for d, _ in rows],
            "start": 0,
            "end": 1,
            "code": [c for _, c in rows],
            "coder": "A",
        }
    )
    table = saturation(codings, docs, order=[f"d{i}" for i in order])
    overall = table[table["branch"] == "all"]
    assert overall["cumulative_codes"].iloc[-1] == codings["code"].nunique()
    assert overall["new_codes"].sum() == codings["code"].nunique()
    for _, rows_b in table[table["branch"] != "all"].groupby("branch"):
        assert rows_b["new_codes"].sum() == rows_b["cumulative_codes"].iloc[-1]


def test_the_chart_draws_the_table(restorative):
    table = saturation(restorative.codings, restorative.corpus.documents)
    ax = rq.plots.saturation_curve(table, branches=["doubts"])
    overall = table[table["branch"] == "all"]
    assert ax.lines[0].get_ydata().tolist() == overall["cumulative_codes"].tolist()
    assert ax.lines[1].get_ydata().tolist() == (
        table[table["branch"] == "doubts"]["cumulative_codes"].tolist()
    )
    assert [p.get_height() for p in ax.patches] == overall["new_codes"].tolist()
    assert [t.get_text() for t in ax.get_xticklabels()] == overall["doc_id"].tolist()


def test_no_codings_gives_every_document_with_nothing_new(restorative):
    table = saturation(rq.empty_codings(), restorative.corpus.documents)
    assert table["doc_id"].tolist() == analysis_order(restorative.corpus.documents)
    assert set(table["branch"]) == {"all"} and (table["cumulative_codes"] == 0).all()
