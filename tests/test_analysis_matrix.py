"""Matrix coding (codes x attributes and cases) and change over time."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _analysis_data import DOCS, codings, corpus, random_codings
from hypothesis import given, settings

from resilience_qda.analysis.frequencies import frequencies
from resilience_qda.analysis.matrix import matrix, wide
from resilience_qda.analysis.timeline import codes_over_time
from resilience_qda.core.model import count_words


def coder_a():
    c = codings()
    return c[c["coder"] == "A"]


def cell(table, code, column, by, value):
    hit = table[(table["code"] == code) & (table[by] == column)]
    assert len(hit) == 1
    return hit.iloc[0][value]


def test_references_by_sector_counted_by_hand():
    # interview-L (social work): artefacts, the-body (materials), emotions (meanings);
    # interview-S (family nursing): artefacts. Notes have no sector and are left out.
    m = matrix(coder_a(), corpus().documents, by="sector", codes="practice-elements", rollup=True)
    refs = wide(m, rows="code", columns="sector", values="references")
    assert refs.loc["practice-elements/materials"].to_dict() == {
        "family nursing": 1,
        "social work": 2,
    }
    assert refs.loc["practice-elements"].to_dict() == {"family nursing": 1, "social work": 3}
    assert refs.loc["practice-elements/meanings/emotions"].to_dict() == {
        "family nursing": 0,
        "social work": 1,
    }
    materials = m[m["code"] == "practice-elements/materials"].set_index("sector")
    assert materials["row_percent"].round(2).to_dict() == {
        "family nursing": 33.33,
        "social work": 66.67,
    }
    # column: social work has 3 (pe) + 2 (materials) + 1 + 1 + 1 + 1 (leaves) ... cells
    col = m[m["sector"] == "social work"]
    assert col["column_percent"].sum() == pytest.approx(100)


def test_files_and_cases_with_shares():
    docs = corpus().documents
    files = matrix(coder_a(), docs, by="kind", count="files", codes="practice-elements")
    assert cell(files, "practice-elements/materials/artefacts", "interview", "kind", "files") == 2
    assert cell(files, "practice-elements/materials/artefacts", "observation", "kind", "files") == 1
    # 1 of the 2 observation notes carries artefacts
    assert (
        cell(files, "practice-elements/materials/artefacts", "observation", "kind", "share") == 0.5
    )
    cases = matrix(coder_a(), docs, by="sector", count="cases", codes=["themes/x"])
    assert cases["code"].tolist() == ["themes/x", "themes/x"]  # listed code, zero cells
    assert cases["cases"].tolist() == [0, 0]
    assert cases["row_percent"].isna().all()


def test_codes_x_cases():
    m = matrix(coder_a(), corpus().documents, by="case", codes="themes")
    assert wide(m, rows="code", columns="case", values="references").to_dict("index") == {
        "themes/more-reflexive": {"L": 1, "S": 0},
        "themes/more-resilient-themselves": {"L": 1, "S": 0},
        "themes/more-resourceful": {"L": 0, "S": 1},
    }


def test_listed_codes_keep_their_order():
    m = matrix(coder_a(), corpus().documents, by="case", codes=["themes/z", "themes/a"])
    assert list(dict.fromkeys(m["code"])) == ["themes/z", "themes/a"]


def test_bad_arguments_say_what_is_wrong():
    with pytest.raises(ValueError, match="count must be one of"):
        matrix(coder_a(), corpus().documents, by="role", count="words")
    with pytest.raises(KeyError, match="tenure"):
        matrix(coder_a(), corpus().documents, by="tenure")


DOC_TABLE = pd.DataFrame(
    {"doc_id": ["d1", "d2", "d3"], "group": ["x", "y", "x"], "case": ["P", "Q", "P"]}
)


@settings(max_examples=20, deadline=None)
@given(random_codings())
def test_matrix_totals_match_frequencies_and_input_is_kept(c):
    before = c.copy()
    m = matrix(c, DOC_TABLE, by="group")
    pd.testing.assert_frame_equal(c, before)
    freq = frequencies(c, DOCS, by_coder=False)
    totals = m.groupby("code")["references"].sum()
    assert totals.to_dict() == freq.set_index("code")["references"].to_dict()
    pct = m.groupby("code")["row_percent"].sum()
    assert np.allclose(pct[totals > 0], 100)
    files = matrix(c, DOC_TABLE, by="group", count="files")
    assert (files["share"].between(0, 1)).all()
    cases = matrix(c, DOC_TABLE, by="group", count="cases")
    assert (cases["cases"] <= files["files"]).all()


def test_codes_over_meetings_per_1000_words():
    docs = corpus().documents
    t = codes_over_time(coder_a(), docs, time="meeting", codes="context")
    words_1 = count_words(corpus()["meeting-01"].text)
    rows = t[t["code"] == "context/target-driven"]
    assert rows["meeting"].tolist() == [1, 2]
    assert rows["references"].tolist() == [1, 0]
    assert rows["words"].tolist()[0] == words_1
    assert rows["per_1000_words"].tolist()[0] == pytest.approx(1000 / words_1)


def test_codes_over_interview_order():
    t = codes_over_time(coder_a(), corpus().documents, time="interview_order", codes="themes")
    resourceful = t[t["code"] == "themes/more-resourceful"]
    assert resourceful[["interview_order", "references", "documents"]].values.tolist() == [
        [1, 0, 1],
        [2, 1, 1],
    ]


def test_codes_over_time_needs_the_time_column():
    with pytest.raises(KeyError, match="week"):
        codes_over_time(coder_a(), corpus().documents, time="week")
