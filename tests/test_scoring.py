"""Scoring a coder against a reference: counts, precision, recall, F1, kappa per code."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score, f1_score, precision_score, recall_score

from resilience_qda.cli import main
from resilience_qda.core.model import Corpus, Document
from resilience_qda.core.scoring import (
    SCORE_COLUMNS,
    score_coder,
    scored_documents,
    scoring_units,
)


def _units(n: int, doc_id: str = "d") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "doc_id": doc_id,
            "unit": range(n),
            "start": np.arange(n) * 10,
            "end": np.arange(n) * 10 + 9,
        }
    )


def _codings(coder: str, code: str, units_coded: list[int], doc_id: str = "d") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "doc_id": doc_id,
            "start": [u * 10 + 2 for u in units_coded],
            "end": [u * 10 + 5 for u in units_coded],
            "code": code,
            "coder": coder,
        }
    )


def test_figures_match_scikit_learn_on_the_unit_vectors():
    rng = np.random.default_rng(7)
    mine_v, ref_v = rng.random(40) < 0.3, rng.random(40) < 0.4
    codings = pd.concat(
        [
            _codings("rules", "x", list(np.flatnonzero(mine_v))),
            _codings("A", "x", list(np.flatnonzero(ref_v))),
        ]
    )
    row = score_coder(codings, reference="A", units=_units(40)).iloc[0]
    assert row["precision"] == pytest.approx(precision_score(ref_v, mine_v))
    assert row["recall"] == pytest.approx(recall_score(ref_v, mine_v))
    assert row["f1"] == pytest.approx(f1_score(ref_v, mine_v))
    assert row["kappa"] == pytest.approx(cohen_kappa_score(ref_v, mine_v))
    assert row[["both", "coder_only", "reference_only", "neither"]].sum() == 40


def test_every_row_carries_the_counts_behind_its_figures():
    codings = pd.concat([_codings("rules", "x", [0, 1, 2]), _codings("A", "x", [1, 2, 3, 4])])
    table = score_coder(codings, reference="A", units=_units(10))
    assert list(table.columns) == list(SCORE_COLUMNS)
    assert table[["units", "both", "coder_only", "reference_only", "neither"]].values.tolist() == [
        [10, 2, 1, 2, 5]
    ]
    assert table[["precision", "recall"]].values.tolist() == [[2 / 3, 0.5]]


def test_codes_only_one_side_used_are_scored_with_nan_where_undefined():
    codings = pd.concat([_codings("rules", "only-rules", [0]), _codings("A", "only-a", [1])])
    table = score_coder(codings, reference="A", units=_units(4)).set_index("code")
    assert np.isnan(table.loc["only-rules", "recall"]) and table.loc["only-rules", "f1"] == 0
    assert np.isnan(table.loc["only-a", "precision"]) and table.loc["only-a", "recall"] == 0


def test_kappa_is_nan_when_neither_side_uses_the_code():
    codings = pd.concat([_codings("rules", "x", [0]), _codings("A", "x", [0])])
    table = score_coder(codings, reference="A", units=_units(3), codes=["x", "unused"])
    unused = table.set_index("code").loc["unused"]
    assert unused["neither"] == 3 and np.isnan(unused["kappa"]) and np.isnan(unused["f1"])


def test_rollup_scores_parents_from_their_children():
    codings = pd.concat([_codings("rules", "area/one", [0, 1]), _codings("A", "area/two", [1, 2])])
    table = score_coder(codings, reference="A", units=_units(5), rollup=True).set_index("code")
    assert table.loc["area", ["both", "coder_only", "reference_only"]].tolist() == [1, 1, 1]
    assert table.loc["area/one", "both"] == 0


def test_reference_may_be_a_separate_table_and_codings_outside_units_are_ignored():
    mine = pd.concat([_codings("rules", "x", [0]), _codings("rules", "x", [0], doc_id="other")])
    ref = _codings("A", "x", [0])
    table = score_coder(mine, reference=ref, units=_units(2))
    assert table[["reference", "both", "coder_only"]].values.tolist() == [["A", 1, 0]]


def test_unknown_coder_is_named():
    codings = _codings("A", "x", [0])
    with pytest.raises(ValueError, match="no codings by coder"):
        score_coder(codings, reference="A", units=_units(2), coder="rules")


def test_scoring_units_leave_out_the_interviewer_and_other_documents():
    corpus = Corpus(
        [
            Document("i", "Interviewer: Why?\n\nP: Because. It works.", {"kind": "interview"}),
            Document("n", "A note.", {"kind": "observation"}),
        ]
    )
    table = scoring_units(corpus, doc_ids=["i"])
    assert table[["doc_id", "start", "end"]].values.tolist() == [["i", 22, 30], ["i", 31, 40]]


def test_score_command_scores_a_codings_file_against_a_project_coder(tmp_path, capsys):
    project = tmp_path / "proj"
    (project / "sources").mkdir(parents=True)
    text = "We felt isolated. Nobody came. We were alone."
    (project / "sources" / "n1.txt").write_text(text, encoding="utf-8")
    (project / "codings").mkdir()
    pd.DataFrame(
        {"doc_id": ["n1"], "start": [0], "end": [17], "code": ["iso"], "source": ["manual"]}
    ).to_csv(project / "codings" / "A.csv", index=False)
    rules = tmp_path / "rules.csv"
    pd.DataFrame(
        {
            "doc_id": ["n1", "n1"],
            "start": [0, 31],
            "end": [17, 45],
            "code": ["iso", "iso"],
            "coder": "rules:x",
            "source": "rules",
            "score": 1.0,
        }
    ).to_csv(rules, index=False)
    out = tmp_path / "score.csv"
    assert (
        main(["score", str(project), "--coder", str(rules), "--reference", "A", "-o", str(out)])
        == 0
    )
    table = pd.read_csv(out)
    assert table[["coder", "reference", "code", "unit", "both", "coder_only"]].values.tolist() == [
        ["rules:x", "A", "iso", "sentence", 1, 1]
    ]
    assert "mean F1" in capsys.readouterr().err
    assert main(["score", str(project), "--coder", "B", "--reference", "A"]) == 1
    assert "neither a coder" in capsys.readouterr().err


# --------------------------------------------------------------------------- which documents


def test_scored_documents_default_to_those_both_people_coded():
    a = pd.DataFrame({"doc_id": ["d1", "d2", "d3"], "source": "manual"})
    b = pd.DataFrame({"doc_id": ["d3", "d2", "d9"], "source": "manual"})
    docs = ["d1", "d2", "d3", "d9", "d10"]
    assert scored_documents(b, a, docs) == (["d2", "d3"], "the documents both coded")
    assert scored_documents(b, a, docs, rule="reference")[0] == ["d1", "d2", "d3"]
    assert scored_documents(b, a, docs, rule="all")[0] == docs
    with pytest.raises(ValueError, match="rule must be one of both, reference, all; got 'some'"):
        scored_documents(b, a, docs, rule="some")


def test_an_automatic_coder_counts_as_having_coded_every_document():
    a = pd.DataFrame({"doc_id": ["d1", "d2"], "source": "manual"})
    rules = pd.DataFrame({"doc_id": ["d2", "d3"], "source": "rules"})
    docs, rule = scored_documents(rules, a, ["d1", "d2", "d3"])
    assert docs == ["d1", "d2"] and "automatic coder" in rule
    # and the other way round: people scored against a model's coding
    docs, rule = scored_documents(a, rules, ["d1", "d2", "d3"])
    assert docs == ["d1", "d2"] and "automatic reference" in rule


def test_score_command_on_the_sample_scores_b_where_both_coded_and_says_so(
    sample_project, sample_path, tmp_path, capsys
):
    if not {"A", "B"} <= set(sample_project.coders):
        pytest.skip("coder B's codings are not in data/sample")
    a, b = (set(sample_project.codings_of(c)["doc_id"]) for c in ("A", "B"))
    both = sorted(a & b)
    out = tmp_path / "b.csv"
    args = ["score", str(sample_path), "--coder", "B", "--reference", "A", "-o", str(out)]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert f"scored over {len(both)} of {len(sample_project.corpus)} documents" in err
    assert "the documents both coded" in err
    default = pd.read_csv(out)
    units = scoring_units(sample_project.corpus, doc_ids=both)
    assert (default["units"] == len(units)).all()
    assert main([*args, "--documents", "all"]) == 0
    assert "every document of the project" in capsys.readouterr().err
    everything = pd.read_csv(out)
    # B's uncoded documents make A's codings there misses: recall drops when they count
    merged = default.merge(everything, on="code", suffixes=("", "_all"))
    assert (merged["reference_only_all"] >= merged["reference_only"]).all()
    assert merged["recall_all"].mean() < merged["recall"].mean()


def test_score_command_refuses_coders_with_no_document_in_common(tmp_path, capsys):
    project = tmp_path / "proj"
    (project / "sources").mkdir(parents=True)
    for name in ("n1", "n2"):
        (project / "sources" / f"{name}.txt").write_text("We felt isolated.", encoding="utf-8")
    (project / "codings").mkdir()
    for coder, doc in (("A", "n1"), ("B", "n2")):
        pd.DataFrame(
            {"doc_id": [doc], "start": [0], "end": [17], "code": ["iso"], "source": ["manual"]}
        ).to_csv(project / "codings" / f"{coder}.csv", index=False)
    assert main(["score", str(project), "--coder", "B", "--reference", "A"]) == 1
    assert "coded no document in common" in capsys.readouterr().err
    assert main(["score", str(project), "--coder", "B", "--reference", "A",
                 "--documents", "reference"]) == 0  # fmt: skip
