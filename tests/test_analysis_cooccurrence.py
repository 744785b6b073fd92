"""Passages, co-occurrence with Jaccard, and configurations of practice elements."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _analysis_data import codings, corpus, random_codings
from hypothesis import given, settings

from resilience_qda.analysis.cooccurrence import (
    configurations,
    cooccurrence,
    passage_configurations,
    passages,
)
from resilience_qda.analysis.matrix import wide
from resilience_qda.core.units import units


def coder_a():
    c = codings()
    return c[c["coder"] == "A"]


def pair(table, a, b):
    hit = table[(table["code_a"] == a) & (table["code_b"] == b)]
    assert len(hit) == 1
    return hit.iloc[0]


PARAGRAPHS = units(corpus(), "paragraph")


def test_overlap_counted_by_hand():
    # "The sheet helped me think." is coded artefacts and reflexive: 1 passage with both;
    # artefacts has 3 passages (interview-L, interview-S, meeting-02), reflexive 1.
    co = cooccurrence(coder_a())
    p = pair(co, "practice-elements/materials/artefacts", "themes/more-reflexive")
    assert (p["count"], p["n_a"], p["n_b"]) == (1, 3, 1)
    assert p["jaccard"] == pytest.approx(1 / 3)
    laugh = pair(co, "framework/coping/have-a-laugh", "themes/more-resilient-themselves")
    assert (laugh["count"], laugh["jaccard"]) == (1, 1.0)
    # "They felt less alone." and "I was tired though." are one space apart: no overlap
    apart = pair(co, "practice-elements/meanings/emotions", "practice-elements/materials/the-body")
    assert apart["count"] == 0


def test_near_joins_codings_within_the_distance():
    near = cooccurrence(coder_a(), how="near", within=1)
    p = pair(near, "practice-elements/meanings/emotions", "practice-elements/materials/the-body")
    assert p["count"] == 1
    still_apart = cooccurrence(coder_a(), how="near", within=0)
    p = pair(
        still_apart, "practice-elements/meanings/emotions", "practice-elements/materials/the-body"
    )
    assert p["count"] == 0


def test_same_paragraph():
    # interview-L's first answer is one paragraph: laugh, resilient, artefacts, reflexive
    co = cooccurrence(coder_a(), how="unit", units=PARAGRAPHS)
    assert pair(co, "framework/coping/have-a-laugh", "themes/more-reflexive")["count"] == 1
    p = pair(co, "practice-elements/meanings/emotions", "practice-elements/materials/the-body")
    assert (p["count"], p["jaccard"]) == (1, 1.0)


def test_coders_never_share_a_passage():
    co = cooccurrence(codings())
    b = co[co["coder"] == "B"]
    assert set(b["code_a"]) == {
        "framework/coping/have-a-laugh",
        "practice-elements/materials/technology",
    }
    assert b[b["code_a"] != b["code_b"]]["count"].sum() == 0


def test_passages_need_units_for_how_unit():
    with pytest.raises(ValueError, match="units table"):
        passages(coder_a(), how="unit")
    with pytest.raises(ValueError, match="how must be one of"):
        passages(coder_a(), how="sentence")


def test_configurations_counted_by_hand():
    # per paragraph: interview-L answer 1 -> materials; answer 2 -> meanings + materials;
    # interview-S -> materials; meeting-02 -> materials
    conf = configurations(coder_a(), how="unit", units=PARAGRAPHS)
    assert conf[["configuration", "passages", "documents", "size"]].values.tolist() == [
        ["materials", 3, 3, 1],
        ["materials + meanings", 1, 1, 2],
    ]
    assert conf["share"].sum() == pytest.approx(1)
    assert conf[["materials", "meanings"]].values.tolist() == [[True, False], [True, True]]


def test_configurations_in_a_chosen_element_order():
    order = [
        "practice-elements/meanings",
        "practice-elements/competencies",
        "practice-elements/materials",
    ]
    per = passage_configurations(coder_a(), elements=order, how="unit", units=PARAGRAPHS)
    assert list(per.columns[-3:]) == ["meanings", "competencies", "materials"]
    assert "meanings + materials" in set(per["configuration"])
    with pytest.raises(ValueError, match="one depth"):
        configurations(coder_a(), elements=["practice-elements", "practice-elements/meanings"])


def test_no_codings():
    assert len(cooccurrence(coder_a().head(0))) == 0
    assert len(configurations(coder_a().head(0))) == 0


@settings(max_examples=20, deadline=None)
@given(random_codings())
def test_cooccurrence_is_symmetric_and_bounded(c):
    before = c.copy()
    for how, within in (("overlap", 0), ("near", 15)):
        co = cooccurrence(c, how=how, within=within)
        pd.testing.assert_frame_equal(c, before)
        for _, rows in co.groupby("coder"):
            m = wide(rows, rows="code_a", columns="code_b", values="count")
            assert np.array_equal(m.to_numpy(), m.to_numpy().T)
            j = wide(rows, rows="code_a", columns="code_b", values="jaccard").to_numpy()
            assert np.allclose(j, j.T) and ((j >= 0) & (j <= 1)).all()
            assert np.allclose(np.diag(j), 1)
            n = np.diag(m.to_numpy())
            assert (m.to_numpy() <= np.minimum.outer(n, n)).all()


@settings(max_examples=20, deadline=None)
@given(random_codings())
def test_configuration_counts_add_up_to_passages(c):
    conf = configurations(c, elements="elements")
    per = passage_configurations(c, elements="elements")
    assert conf["passages"].sum() == len(per)
    # each passage is a run of overlapping codings: passages of one coder never overlap
    for _, rows in per.groupby(["coder", "doc_id"]):
        rows = rows.sort_values("start")
        assert (rows["start"].to_numpy()[1:] >= rows["end"].to_numpy()[:-1]).all()
