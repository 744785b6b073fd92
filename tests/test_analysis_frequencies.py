"""Code frequencies: NVivo's files and references, coverage, words, aggregation, coders."""

from __future__ import annotations

import pandas as pd
from _analysis_data import DOCS, codings, corpus, random_codings
from hypothesis import given, settings

from resilience_qda.analysis.frequencies import codings_by_coder, frequencies
from resilience_qda.core.model import Code, Codebook


def row(table, code, coder="A"):
    hit = table[(table["code"] == code) & (table["coder"] == coder)]
    assert len(hit) == 1, (code, coder, table)
    return hit.iloc[0]


def test_files_and_references_are_counted_by_hand():
    # coder A coded materials/artefacts three times: twice in the interviews
    # (interview-L "The sheet helped me think.", interview-S "The map, mostly.")
    # and once in meeting-02: 3 files, 3 references.
    freq = frequencies(codings(), corpus())
    artefacts = row(freq, "practice-elements/materials/artefacts")
    assert (artefacts["files"], artefacts["references"]) == (3, 3)
    # words: "The sheet helped me think." 5 + "The map, mostly." 3 + "The sheet went round." 4
    assert artefacts["words"] == 12
    assert artefacts["characters"] == len("The sheet helped me think.") + len(
        "The map, mostly."
    ) + len("The sheet went round.")
    total = sum(len(t) for t in corpus().texts.values())
    assert abs(artefacts["coverage"] - artefacts["characters"] / total) < 1e-12


def test_each_coder_gets_own_rows_and_pooling_adds_them():
    freq = frequencies(codings(), corpus())
    assert row(freq, "framework/coping/have-a-laugh", "A")["references"] == 1
    assert row(freq, "framework/coping/have-a-laugh", "B")["references"] == 1
    pooled = frequencies(codings(), corpus(), by_coder=False)
    laugh = row(pooled, "framework/coping/have-a-laugh", "all")
    # the same span by two coders: two references, one file, the characters once
    assert (laugh["files"], laugh["references"]) == (1, 2)
    assert laugh["characters"] == len("We had a laugh.")


def test_aggregate_rolls_children_into_parents_counting_a_shared_span_once():
    c = codings()
    c = c[c["coder"] == "A"]
    freq = frequencies(c, corpus(), rollup=True)
    # materials: artefacts x3 + the-body x1 = 4 references in 3 files
    materials = row(freq, "practice-elements/materials")
    assert (materials["files"], materials["references"]) == (3, 4)
    # practice-elements: materials 4 + meanings/emotions 1 = 5 references
    assert row(freq, "practice-elements")["references"] == 5
    # a span coded at a parent and at its child is one reference of the parent
    twice = pd.concat([c.head(1), c.head(1).assign(code="framework/coping")])
    agg = frequencies(twice, corpus(), rollup=True)
    assert row(agg, "framework/coping")["references"] == 1


def test_codes_limits_to_a_branch():
    freq = frequencies(codings(), corpus(), codes="themes")
    assert set(freq["code"]) == {
        "themes/more-resilient-themselves",
        "themes/more-reflexive",
        "themes/more-resourceful",
    }


def test_codebook_adds_unused_codes_in_codebook_order():
    book = Codebook([Code("themes", "Themes"), Code("themes/z", "Z"), Code("themes/a", "A")])
    c = pd.DataFrame(
        {"doc_id": ["d"], "start": [0], "end": [3], "code": ["themes/a"], "coder": ["A"]}
    )
    freq = frequencies(c, {"d": "abc def"}, codebook=book)
    assert freq["code"].tolist() == ["themes", "themes/z", "themes/a"]
    assert freq["references"].tolist() == [0, 0, 1]


def test_without_texts_coverage_and_words_are_missing_but_counts_work():
    freq = frequencies(codings())
    assert freq["coverage"].isna().all() and freq["words"].isna().all()
    assert row(freq, "practice-elements/materials/artefacts")["references"] == 3


def test_no_codings_gives_an_empty_table_with_the_columns():
    freq = frequencies(codings().head(0), corpus())
    assert len(freq) == 0
    assert list(freq.columns) == [
        "code", "coder", "files", "references", "characters", "coverage", "words"
    ]  # fmt: skip


def test_codings_by_coder_counts():
    table = codings_by_coder(codings())
    assert table[["coder", "codings", "documents"]].values.tolist() == [["A", 11, 4], ["B", 2, 2]]


@settings(max_examples=20, deadline=None)
@given(random_codings())
def test_counts_add_up_and_input_is_not_mutated(c):
    before = c.copy()
    freq = frequencies(c, DOCS)
    pd.testing.assert_frame_equal(c, before)
    distinct = c.drop_duplicates(["doc_id", "start", "end", "code", "coder"])
    assert freq["references"].sum() == len(distinct)
    assert (freq["files"] <= freq["references"]).all()
    assert (freq["coverage"].between(0, 1)).all()
    for (code, coder), rows in distinct.groupby(["code", "coder"]):
        r = row(freq, code, coder)
        assert r["files"] == rows["doc_id"].nunique()
        assert r["characters"] <= (rows["end"] - rows["start"]).sum()
    agg = frequencies(c, DOCS, rollup=True)
    for _, r in freq.iterrows():  # a parent never has fewer references than a child
        parent = r["code"].split("/")[0]
        assert row(agg, parent, r["coder"])["references"] >= r["references"]
