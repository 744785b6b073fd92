"""Inter-coder agreement: published worked examples, cross-checks against reference
implementations, and the edge cases a coding team runs into."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from resilience_qda.analysis.agreement import (
    agreement,
    agreement_matrix,
    average_comparison,
    binary_agreement,
    brennan_prediger_kappa,
    coding_comparison,
    cohen_kappa,
    coincidence_matrix,
    covered_length,
    disagreements,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    percent_agreement,
    segment_agreement,
    segment_matches,
    unit_agreement,
    unit_matrix,
)
from resilience_qda.cli import main
from resilience_qda.core.errors import CodingsError, QDAWarning
from resilience_qda.core.model import Codebook, Corpus, Document, Project
from resilience_qda.io import read_project, write_project

nan = np.nan

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C:
# four observers, twelve units, nominal values 1-5 with missing data.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
]
# Krippendorff (2011), section A: binary data, two observers (Ben, Gerry), ten units.
BEN = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
GERRY = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
# Krippendorff (2004, section 11.3.1): the same kind of example with observers Jon and Han.
JON = [1, 1, 0, 0, 0, 0, 0, 0, 0, 0]
HAN = [0, 1, 1, 0, 0, 1, 0, 1, 0, 0]


def artstein_poesio_table():
    """Artstein and Poesio (2008), section 2.4: 100 utterances, STAT/IREQ/CHCK.

    Coder B's rows x coder A's columns: [[46, 6, 0], [0, 32, 0], [0, 6, 10]].
    """
    cells = {("stat", "stat"): 46, ("stat", "ireq"): 6, ("ireq", "ireq"): 32}
    cells.update({("chck", "ireq"): 6, ("chck", "chck"): 10})
    b = [rb for (rb, _), k in cells.items() for _ in range(k)]
    a = [ra for (_, ra), k in cells.items() for _ in range(k)]
    return [a, b]


def codings(*rows, coder_col=4):
    """Codings from (doc_id, start, end, code, coder) tuples."""
    return pd.DataFrame(rows, columns=["doc_id", "start", "end", "code", "coder"])


def units_of(doc_id, bounds):
    return pd.DataFrame(
        {
            "doc_id": doc_id,
            "unit": range(len(bounds)),
            "start": [s for s, _ in bounds],
            "end": [e for _, e in bounds],
        }
    )


def codings_from_judgements(judgements, code="x", doc_id="d", width=10):
    """Codings whose units (of ``width`` characters) reproduce coders x units judgements."""
    rows = []
    for coder, values in judgements.items():
        for u, v in enumerate(values):
            if v == 1:
                rows.append((doc_id, u * width + 2, u * width + 5, code, coder))
    n = len(next(iter(judgements.values())))
    return codings(*rows), units_of(doc_id, [(u * width, u * width + width) for u in range(n)])


# --------------------------------------------------------------------------- published examples


class TestPublishedExamples:
    def test_krippendorff_2011_nominal_four_coders_missing_data_is_0_743(self):
        assert round(krippendorff_alpha(KRIPPENDORFF_2011), 3) == 0.743

    @pytest.mark.parametrize(
        ("level", "published"), [("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)]
    )
    def test_krippendorff_2011_other_levels(self, level, published):
        assert round(krippendorff_alpha(KRIPPENDORFF_2011, level=level), 3) == published

    def test_krippendorff_2011_binary_two_coders_is_0_095_with_its_coincidences(self):
        assert coincidence_matrix([BEN, GERRY]).to_numpy().tolist() == [[10, 4], [4, 2]]
        assert round(krippendorff_alpha([BEN, GERRY]), 3) == 0.095

    def test_krippendorff_2004_jon_and_han_is_0_095(self):
        assert round(krippendorff_alpha([JON, HAN]), 4) == 0.0952

    def test_binary_example_through_codings_and_units(self):
        c, u = codings_from_judgements({"Ben": BEN, "Gerry": GERRY})
        row = unit_agreement(c, u, ["Ben", "Gerry"], method="krippendorff").iloc[0]
        assert (row["o_00"], row["o_01"], row["o_11"]) == (10, 4, 2)
        assert (row["n_0"], row["n_1"], row["n_units"]) == (14, 6, 10)
        assert round(row["alpha"], 3) == 0.095
        # alpha in kappa form from the counts on the row: p_o, p_e recompute it by hand
        assert row["p_o"] == pytest.approx(12 / 20)
        assert row["p_e"] == pytest.approx((14 * 13 + 6 * 5) / (20 * 19))

    def test_artstein_poesio_2008_observed_s_pi_and_kappa(self):
        data = artstein_poesio_table()
        assert percent_agreement(data) == pytest.approx(0.88)
        assert round(brennan_prediger_kappa(data), 2) == 0.82  # S, three categories
        assert round(fleiss_kappa(data), 4) == 0.7995  # pi: Fleiss' kappa of two coders
        assert round(cohen_kappa(data), 4) == 0.8013

    def test_nvivo_worked_example(self):
        c = codings(("s", 100, 250, "x", "A"), ("s", 200, 300, "x", "B"))
        row = coding_comparison(c, {"s": "a" * 1000}, ["A", "B"]).iloc[0]
        assert (row["a"], row["b"], row["c"], row["d"], row["n_units"]) == (50, 100, 50, 800, 1000)
        assert row["agreement_pct"] == pytest.approx(85.0)
        assert round(row["kappa"], 6) == 0.318182
        assert row["p_e"] == pytest.approx(0.78)
        assert not row["undefined"]

    def test_fleiss_1971_as_on_wikipedia_is_0_210(self):
        counts = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0],
                  [2, 2, 8, 1, 1], [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2],
                  [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]  # fmt: skip
        data = np.array([[q for q, k in enumerate(r) for _ in range(k)] for r in counts]).T
        assert round(fleiss_kappa(data), 3) == 0.210


# --------------------------------------------------------------------------- cross-checks


class TestAgainstReferenceImplementations:
    @pytest.mark.parametrize("seed", range(5))
    def test_cohen_kappa_matches_sklearn(self, seed):
        from sklearn.metrics import cohen_kappa_score

        rng = np.random.default_rng(seed)
        a = rng.integers(0, 4, 200)
        b = np.where(rng.random(200) < 0.6, a, rng.integers(0, 4, 200))
        assert cohen_kappa([a, b]) == pytest.approx(cohen_kappa_score(a, b))
        binary = binary_agreement(np.c_[a == 1, b == 1], method="cohen")
        assert binary["kappa"] == pytest.approx(cohen_kappa_score(a == 1, b == 1))

    @pytest.mark.parametrize("seed", range(5))
    @pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
    def test_krippendorff_alpha_matches_the_krippendorff_package(self, seed, level):
        import krippendorff

        rng = np.random.default_rng(seed)
        data = rng.integers(1, 6, (4, 60)).astype(float)
        data[rng.random(data.shape) < 0.25] = np.nan
        expected = krippendorff.alpha(data, level_of_measurement=level)
        assert krippendorff_alpha(data, level=level) == pytest.approx(expected)

    @pytest.mark.parametrize("seed", range(3))
    def test_per_code_alpha_over_units_matches_the_package_with_missing_data(self, seed):
        import krippendorff

        rng = np.random.default_rng(seed)
        judgements = {c: (rng.random(40) < 0.3).astype(int) for c in "ABC"}
        c, u = codings_from_judgements(judgements)
        grid = unit_matrix(c, u, ["A", "B", "C"])
        x = grid[["A", "B", "C"]].to_numpy().T
        x[2, :10] = np.nan  # C did not rate the first ten units
        row = binary_agreement(x.T, method="krippendorff")
        assert row["alpha"] == pytest.approx(krippendorff.alpha(x, level_of_measurement="nominal"))

    @pytest.mark.parametrize("seed", range(3))
    def test_fleiss_kappa_matches_statsmodels(self, seed):
        from statsmodels.stats.inter_rater import aggregate_raters
        from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss

        rng = np.random.default_rng(seed)
        truth = rng.integers(0, 3, 80)
        data = np.array([np.where(rng.random(80) < 0.7, truth, rng.integers(0, 3, 80))
                         for _ in range(5)])  # fmt: skip
        expected = sm_fleiss(aggregate_raters(data.T)[0])
        assert fleiss_kappa(data) == pytest.approx(expected)
        binary = binary_agreement((data == 1).T.astype(float), method="fleiss")
        assert binary["kappa"] == pytest.approx(sm_fleiss(aggregate_raters((data == 1).T)[0]))

    def test_two_coder_coefficients_agree_with_their_formulas_on_the_same_counts(self):
        x = np.r_[[[1, 1]] * 30, [[1, 0]] * 10, [[0, 1]] * 5, [[0, 0]] * 55].astype(float)
        p_o, p1 = 0.85, (60 + 10 + 5) / 200
        assert binary_agreement(x, method="percent")["agreement_pct"] == pytest.approx(85.0)
        assert binary_agreement(x, method="brennan-prediger")["kappa"] == pytest.approx(0.7)
        pe = 2 * p1 * (1 - p1)
        assert binary_agreement(x, method="gwet")["ac1"] == pytest.approx((p_o - pe) / (1 - pe))
        assert gwet_ac1(x.T) == pytest.approx((p_o - pe) / (1 - pe))

    def test_gwet_ac1_with_missing_data_follows_gwet_2008(self):
        # p_a over units rated twice: (1 + 0) / 2; pi_1 over units rated at least once:
        # (1 + 1/2 + 1) / 3; p_e = 2 pi (1 - pi)
        data = [[1, 0, 1], [1, 1, nan]]
        pi = 2.5 / 3
        p_e = 2 * pi * (1 - pi)
        assert gwet_ac1(data) == pytest.approx((0.5 - p_e) / (1 - p_e))
        row = binary_agreement(np.array(data, dtype=float).T, method="gwet")
        assert (row["n_units"], row["p_o"], row["ac1"]) == (2, 0.5, pytest.approx(gwet_ac1(data)))

    @pytest.mark.parametrize("seed", range(4))
    def test_character_counts_match_a_per_character_oracle(self, seed):
        from sklearn.metrics import cohen_kappa_score

        rng = np.random.default_rng(seed)
        texts = {f"d{i}": "x" * int(rng.integers(50, 400)) for i in range(4)}
        rows = []
        for _ in range(60):
            d = f"d{rng.integers(0, 4)}"
            s = int(rng.integers(0, len(texts[d]) - 1))
            e = int(rng.integers(s + 1, min(len(texts[d]), s + 80) + 1))
            rows.append((d, s, e, f"c{rng.integers(0, 3)}", "AB"[rng.integers(0, 2)]))
        table = coding_comparison(codings(*rows), texts, ["A", "B"])
        for r in table.itertuples():
            masks = {}
            for coder in "AB":
                m = np.zeros(len(texts[r.doc_id]), bool)
                for d, s, e, code, who in rows:
                    if (d, code, who) == (r.doc_id, r.code, coder):
                        m[s:e] = True
                masks[coder] = m
            a, b = masks["A"], masks["B"]
            assert (r.a, r.b, r.c, r.d) == (
                (a & b).sum(), (a & ~b).sum(), (~a & b).sum(), (~a & ~b).sum()
            )  # fmt: skip
            if not r.undefined:
                assert r.kappa == pytest.approx(cohen_kappa_score(a, b))

    def test_covered_length_merges_overlapping_and_nested_spans_per_group(self):
        group = np.array([0, 0, 0, 1, 1])
        start, end = np.array([0, 5, 2, 10, 30]), np.array([10, 15, 4, 20, 35])
        assert covered_length(group, start, end, 3).tolist() == [15, 15, 0]


# --------------------------------------------------------------------------- character level


class TestCodingComparison:
    def test_overlapping_codings_of_one_coder_count_once(self):
        c = codings(("s", 0, 10, "x", "A"), ("s", 5, 15, "x", "A"), ("s", 0, 15, "x", "B"))
        row = coding_comparison(c, {"s": "." * 20}, ["A", "B"]).iloc[0]
        assert (row["a"], row["b"], row["c"], row["d"]) == (15, 0, 0, 5)

    def test_a_group_codes_a_character_if_any_member_did(self):
        c = codings(("s", 0, 10, "x", "A"), ("s", 20, 30, "x", "C"), ("s", 0, 30, "x", "B"))
        row = coding_comparison(c, {"s": "." * 40}, ["A+C", "B"]).iloc[0]
        assert (row["a"], row["b"], row["c"], row["d"]) == (20, 0, 10, 10)
        assert coding_comparison(c, {"s": "." * 40}, [("A", "C"), "B"]).equals(
            coding_comparison(c, {"s": "." * 40}, ["A+C", "B"])
        )

    def test_unused_code_in_a_source_is_nvivo_1_and_flagged(self):
        c = codings(("s", 0, 10, "x", "A"), ("s", 0, 10, "x", "B"))
        table = coding_comparison(c, {"s": "." * 20, "t": "." * 30}, ["A", "B"], doc_ids="all")
        t = table.set_index("doc_id").loc["t"]
        assert (t["a"], t["b"], t["c"], t["d"]) == (0, 0, 0, 30)
        assert t["kappa"] == 1.0 and t["undefined"] and t["agreement_pct"] == 100.0
        strict = coding_comparison(c, {"s": "." * 20, "t": "." * 30}, ["A", "B"],
                                   doc_ids="all", undefined_kappa=np.nan)  # fmt: skip
        assert np.isnan(strict.set_index("doc_id").loc["t", "kappa"])

    def test_one_coder_coded_nothing_gives_kappa_0(self):
        c = codings(("s", 0, 10, "x", "A"))
        with pytest.warns(QDAWarning, match="'B' have no codings"):
            row = coding_comparison(c, {"s": "." * 40}, ["A", "B"], doc_ids="all").iloc[0]
        assert (row["a"], row["b"], row["c"], row["d"]) == (0, 10, 0, 30)
        assert row["kappa"] == 0.0 and not row["undefined"]

    def test_nobody_coded_anything(self):
        empty = codings()
        with pytest.warns(QDAWarning):
            assert coding_comparison(empty, {"s": "abc"}, ["A", "B"]).empty
            assert coding_comparison(empty, {"s": "abc"}, ["A", "B"], doc_ids="all").empty
            table = coding_comparison(empty, {"s": "abc"}, ["A", "B"], codes=["x"], doc_ids="all")
        assert table["undefined"].all() and (table["kappa"] == 1.0).all()

    def test_codings_past_the_end_of_a_text_are_a_clear_error(self):
        c = codings(("s", 5, 25, "x", "A"), ("s", 0, 10, "x", "B"))
        with pytest.raises(CodingsError, match=r"past the end.*'s' \(20 characters\) \[5:25\]"):
            coding_comparison(c, {"s": "." * 20}, ["A", "B"])

    def test_codings_in_an_unknown_document_are_an_error(self):
        c = codings(("zz", 0, 5, "x", "A"), ("s", 0, 10, "x", "B"))
        with pytest.raises(CodingsError, match="document the corpus lacks"):
            coding_comparison(c, {"s": "." * 20}, ["A", "B"])

    def test_coders_with_different_document_sets(self):
        texts = {"s": "." * 100, "t": "." * 100, "u": "." * 100}
        c = codings(("s", 0, 50, "x", "A"), ("t", 0, 50, "x", "A"),
                    ("t", 0, 50, "x", "B"), ("u", 0, 50, "x", "B"))  # fmt: skip
        everything = coding_comparison(c, texts, ["A", "B"], doc_ids="all")
        assert everything["doc_id"].tolist() == ["s", "t", "u"]
        assert everything.set_index("doc_id").loc["s", "kappa"] == 0.0
        shared = coding_comparison(c, texts, ["A", "B"])  # the default: documents both coded
        assert shared["doc_id"].tolist() == ["t"] and shared["kappa"].tolist() == [1.0]
        assert shared.attrs["doc_ids"] == ["t"]
        chosen = coding_comparison(c, texts, ["A", "B"], doc_ids=["s", "u"])
        assert chosen["doc_id"].tolist() == ["s", "u"]

    def test_utf16_counts_characters_outside_the_bmp_twice(self):
        text = "😀😀 ab 😀 cd"  # 10 code points, 13 UTF-16 code units
        c = codings(("s", 0, 2, "x", "A"), ("s", 1, 6, "x", "B"))
        plain = coding_comparison(c, {"s": text}, ["A", "B"]).iloc[0]
        nvivo = coding_comparison(c, {"s": text}, ["A", "B"], utf16=True).iloc[0]
        assert (plain["a"], plain["b"], plain["c"], plain["n_units"]) == (1, 1, 4, 10)
        assert (nvivo["a"], nvivo["b"], nvivo["c"], nvivo["n_units"]) == (2, 2, 4, 13)

    def test_averages_unweighted_weighted_and_pooled(self):
        c = codings(("s", 100, 250, "x", "A"), ("s", 200, 300, "x", "B"),
                    ("t", 0, 100, "x", "A"), ("t", 0, 100, "x", "B"))  # fmt: skip
        table = coding_comparison(c, {"s": "." * 1000, "t": "." * 3000}, ["A", "B"])
        avg = average_comparison(table).iloc[0]
        k_s = table.set_index("doc_id").loc["s", "kappa"]
        assert avg["kappa_mean"] == pytest.approx((k_s + 1.0) / 2)
        assert avg["kappa_weighted"] == pytest.approx((1000 * k_s + 3000) / 4000)
        assert (avg["a"], avg["b"], avg["c"], avg["d"]) == (150, 100, 50, 3700)
        assert avg["agreement_pct_weighted"] == pytest.approx(100 * 3850 / 4000)
        assert avg["p_o"] == pytest.approx(3850 / 4000)

    def test_averages_can_leave_out_undefined_sources(self):
        c = codings(("s", 100, 250, "x", "A"), ("s", 200, 300, "x", "B"))
        texts = {"s": "." * 1000, "t": "." * 3000}
        table = coding_comparison(c, texts, ["A", "B"], doc_ids="all")
        avg = average_comparison(table, skip_undefined=True).iloc[0]
        assert avg["n_undefined"] == 1
        assert avg["kappa_mean"] == pytest.approx(table["kappa"].iloc[0])

    def test_the_input_table_is_not_modified(self):
        c = codings(("s", 0, 10, "x", "A+C"), ("s", 5, 15, "x", "B"))
        before = c.copy()
        coding_comparison(c, {"s": "." * 20}, ["A+C", "B"])
        pd.testing.assert_frame_equal(c, before)

    def test_hostile_arguments_are_refused_with_a_reason(self):
        c = codings(("s", 0, 10, "x", "A"), ("s", 0, 10, "x", "B"))
        with pytest.raises(TypeError, match="list of names"):
            coding_comparison(c, {"s": "." * 20}, "AB")
        bad = c.astype({"start": object})
        bad.loc[0, "start"] = "1.5"
        with pytest.raises(CodingsError, match="not a whole number"):
            coding_comparison(bad, {"s": "." * 20}, ["A", "B"])
        with pytest.raises(ValueError, match="applies to unit-based"):
            coding_comparison(c, {"s": "." * 20}, ["A", "B"], doc_ids="own")
        with pytest.raises(ValueError, match="threshold"):
            segment_agreement(c, {"s": "." * 20}, ["A", "B"], threshold=0)
        with pytest.raises(ValueError, match="min_overlap"):
            unit_agreement(c, units_of("s", [(0, 20)]), ["A", "B"], min_overlap=2)

    def test_no_shared_document_gives_empty_tables_with_their_columns(self):
        c = codings(("s", 0, 5, "x", "A"), ("t", 0, 5, "x", "B"))
        texts = {"s": "." * 10, "t": "." * 10}
        table = coding_comparison(c, texts, ["A", "B"])
        assert table.empty and "kappa" in table.columns
        u = pd.concat([units_of("s", [(0, 10)]), units_of("t", [(0, 10)])])
        table = unit_agreement(c, u, ["A", "B"], method="krippendorff")
        assert table.empty and "alpha" in table.columns

    def test_needs_exactly_two_sides(self):
        c = codings(("s", 0, 10, "x", "A"), ("s", 0, 10, "x", "B"), ("s", 0, 10, "x", "C"))
        with pytest.raises(ValueError, match="two coders"):
            coding_comparison(c, {"s": "." * 20}, ["A", "B", "C"])
        with pytest.raises(ValueError, match="at least two"):
            coding_comparison(c, {"s": "." * 20}, ["A"])


# --------------------------------------------------------------------------- unit level


class TestUnitAgreement:
    def test_every_row_carries_counts_p_o_p_e_and_the_coefficient(self):
        c, u = codings_from_judgements({"A": [1, 1, 0, 0, 1], "B": [1, 0, 0, 0, 1]})
        methods = ["cohen", "percent", "krippendorff", "fleiss", "brennan-prediger", "gwet"]
        table = unit_agreement(c, u, ["A", "B"], method=methods)
        by = table.set_index("method")
        assert by.loc["cohen", ["a", "b", "c", "d"]].tolist() == [2, 1, 0, 2]
        assert by.loc["cohen", "kappa"] == pytest.approx((0.8 - 0.48) / 0.52)
        assert by.loc["krippendorff", ["o_00", "o_01", "o_11"]].tolist() == [4, 1, 4]
        assert by.loc["percent", "agreement_pct"] == pytest.approx(80.0)
        assert by.loc["brennan-prediger", "p_e"] == 0.5
        assert not np.isnan(by.loc["gwet", "ac1"])
        for name, coef in (("cohen", "kappa"), ("krippendorff", "alpha"), ("gwet", "ac1")):
            p_o, p_e = by.loc[name, "p_o"], by.loc[name, "p_e"]
            assert by.loc[name, coef] == pytest.approx((p_o - p_e) / (1 - p_e))

    def test_min_overlap_decides_which_units_carry_a_code(self):
        u = units_of("d", [(0, 10), (10, 20)])
        c = codings(("d", 8, 20, "x", "A"), ("d", 10, 20, "x", "B"))
        loose = unit_agreement(c, u, ["A", "B"]).iloc[0]
        strict = unit_agreement(c, u, ["A", "B"], min_overlap=0.5).iloc[0]
        assert (loose["a"], loose["b"]) == (1, 1)
        assert (strict["a"], strict["b"], strict["kappa"]) == (1, 0, 1.0)

    def test_one_category_only_is_undefined_not_an_error(self):
        c, u = codings_from_judgements({"A": [1, 1, 1], "B": [1, 1, 1]})
        for method in ("cohen", "krippendorff", "fleiss"):
            row = unit_agreement(c, u, ["A", "B"], method=method).iloc[0]
            assert row["undefined"], method
        assert unit_agreement(c, u, ["A", "B"], method="percent").iloc[0]["agreement_pct"] == 100
        # AC1 and Brennan-Prediger's chance terms stay below 1: they are defined (and 1) here
        assert unit_agreement(c, u, ["A", "B"], method="gwet").iloc[0]["ac1"] == 1.0
        assert unit_agreement(c, u, ["A", "B"], method="brennan-prediger").iloc[0]["kappa"] == 1

    def test_a_single_unit(self):
        c, u = codings_from_judgements({"A": [1], "B": [0]})
        with pytest.warns(QDAWarning):
            row = unit_agreement(c, u, ["A", "B"], method="krippendorff", doc_ids="all")
        row = row.iloc[0]
        assert row["n_units"] == 1 and row["alpha"] == pytest.approx(0.0)
        assert krippendorff_alpha([[1], [0]]) == pytest.approx(0.0)
        assert np.isnan(krippendorff_alpha([[1], [1]]))

    def test_one_coder_coded_nothing(self):
        c, u = codings_from_judgements({"A": [1, 0, 1, 0], "B": [0, 0, 0, 0]})
        with pytest.warns(QDAWarning):
            row = unit_agreement(c, u, ["A", "B"], doc_ids="all").iloc[0]
        assert (row["a"], row["b"], row["c"], row["d"], row["kappa"]) == (0, 2, 0, 2, 0.0)

    def test_nobody_coded_anything(self):
        u = units_of("d", [(0, 10)])
        with pytest.warns(QDAWarning):
            table = unit_agreement(codings(), u, ["A", "B"], codes=["x"], doc_ids="all")
        assert table["undefined"].all() and table["n_units"].tolist() == [1]

    def test_coders_with_different_document_sets_own_means_missing(self):
        u = pd.concat([units_of("s", [(0, 10), (10, 20)]), units_of("t", [(0, 10), (10, 20)]),
                       units_of("v", [(0, 10), (10, 20)])])  # fmt: skip
        c = codings(("s", 0, 5, "x", "A"), ("t", 0, 5, "x", "A"), ("t", 0, 5, "x", "B"),
                    ("t", 12, 15, "x", "B"), ("v", 0, 5, "x", "B"))  # fmt: skip
        own = unit_agreement(c, u, ["A", "B"], method="krippendorff", doc_ids="own").iloc[0]
        shared = unit_agreement(c, u, ["A", "B"], method="krippendorff", doc_ids="shared")
        assert own["n_units"] == 2 and own["alpha"] == pytest.approx(shared.iloc[0]["alpha"])
        everything = unit_agreement(c, u, ["A", "B"], method="krippendorff", doc_ids="all")
        assert everything.iloc[0]["n_units"] == 6

    def test_per_document_rows_and_the_heatmap_matrix(self):
        u = pd.concat([units_of("s", [(0, 10), (10, 20)]), units_of("t", [(0, 10), (10, 20)])])
        c = codings(("s", 0, 5, "x", "A"), ("s", 0, 5, "x", "B"), ("t", 0, 5, "x", "A"),
                    ("t", 12, 15, "x", "B"), ("t", 12, 15, "y", "A"))  # fmt: skip
        table = unit_agreement(c, u, ["A", "B"], by_document=True)
        assert table[["code", "doc_id"]].values.tolist() == [
            ["x", "s"], ["x", "t"], ["y", "s"], ["y", "t"]]  # fmt: skip
        matrix = agreement_matrix(table)
        assert matrix.loc["x", "s"] == 1.0 and matrix.loc["x", "t"] == pytest.approx(-1.0)

    def test_more_than_two_coders_and_groups(self):
        c, u = codings_from_judgements(
            {"A": [1, 1, 0, 0, 1, 0], "B": [1, 0, 0, 0, 1, 0], "C": [1, 1, 0, 1, 1, 0]}
        )
        table = unit_agreement(c, u, ["A", "B", "C"], method="krippendorff")
        assert table.iloc[0]["alpha"] == pytest.approx(
            krippendorff_alpha([[1, 1, 0, 0, 1, 0], [1, 0, 0, 0, 1, 0], [1, 1, 0, 1, 1, 0]])
        )
        with pytest.raises(ValueError, match="exactly two coders"):
            unit_agreement(c, u, ["A", "B", "C"], method="cohen")
        grouped = unit_agreement(c, u, ["A+B", "C"]).iloc[0]
        assert (grouped["a"], grouped["c"]) == (3, 1)

    def test_bootstrap_interval_brackets_the_estimate_and_is_reproducible(self):
        rng = np.random.default_rng(3)
        a = (rng.random(200) < 0.4).astype(int)
        b = np.where(rng.random(200) < 0.8, a, 1 - a)
        c, u = codings_from_judgements({"A": a, "B": b})
        one = unit_agreement(c, u, ["A", "B"], bootstrap=300, random_state=1).iloc[0]
        two = unit_agreement(c, u, ["A", "B"], bootstrap=300, random_state=1).iloc[0]
        assert one["ci_low"] < one["kappa"] < one["ci_high"]
        assert (one["ci_low"], one["ci_high"]) == (two["ci_low"], two["ci_high"])

    def test_codings_past_the_end_with_texts_are_an_error(self):
        u = units_of("d", [(0, 10)])
        c = codings(("d", 0, 50, "x", "A"), ("d", 0, 5, "x", "B"))
        with pytest.raises(CodingsError, match="past the end"):
            unit_agreement(c, u, ["A", "B"], corpus={"d": "." * 10})

    def test_unknown_method_and_clashing_labels_are_rejected(self):
        c, u = codings_from_judgements({"A": [1, 0], "B": [1, 1]})
        with pytest.raises(ValueError, match="method must be one of"):
            unit_agreement(c, u, ["A", "B"], method="scott")
        c2 = c.assign(coder=c["coder"].replace({"A": "code"}))
        with pytest.raises(ValueError, match="clash"):
            unit_agreement(c2, u, ["code", "B"])


# --------------------------------------------------------------------------- segments and review


class TestSegmentsAndReview:
    def test_segments_match_at_the_threshold_of_overlap(self):
        c = codings(("s", 0, 100, "x", "A"), ("s", 5, 100, "x", "B"), ("s", 200, 300, "x", "A"),
                    ("s", 250, 300, "x", "B"))  # fmt: skip
        m = segment_matches(c, {"s": "." * 400}, ["A", "B"])
        assert m["overlap"].round(2).tolist() == [0.95, 0.5, 0.95, 0.5]
        assert m["matched"].tolist() == [True, False, True, False]
        loose = segment_matches(c, {"s": "." * 400}, ["A", "B"], threshold=0.5)
        assert loose["matched"].all()

    def test_segment_agreement_counts_and_brennan_prediger_kappa(self):
        c = codings(("s", 0, 100, "x", "A"), ("s", 5, 100, "x", "B"), ("s", 200, 300, "x", "A"),
                    ("s", 0, 50, "y", "A"), ("s", 0, 50, "y", "B"))  # fmt: skip
        table = segment_agreement(c, {"s": "." * 400}, ["A", "B"]).set_index("code")
        x = table.loc["x"]
        assert (x["segments_a"], x["segments_b"], x["a"], x["b"], x["c"], x["d"]) == (
            2, 1, 2, 1, 0, 0)  # fmt: skip
        assert x["p_o"] == pytest.approx(2 / 3) and x["p_e"] == 0.5  # two codes
        assert x["kappa"] == pytest.approx((2 / 3 - 0.5) / 0.5)
        assert table.loc["y", "kappa"] == 1.0

    def test_disagreements_list_both_coders_codes_and_the_text(self):
        corpus = Corpus([Document("d", "We laughed a lot. It helped. Then we went home.")])
        c = codings(("d", 0, 17, "laugh", "A"), ("d", 0, 17, "cope", "A"),
                    ("d", 0, 10, "cope", "B"), ("d", 18, 28, "cope", "B"))  # fmt: skip
        table = disagreements(c, corpus, ["A", "B"])
        assert table["text"].tolist() == ["We laughed a lot.", "It helped."]
        first = table.iloc[0]
        assert (first["codes_a"], first["codes_b"]) == ("cope; laugh", "cope")
        assert (first["only_a"], first["only_b"], first["both"]) == ("laugh", "", "cope")
        assert (first["coder_a"], first["coder_b"]) == ("A", "B")

    def test_character_disagreements_are_the_exact_passages(self):
        text = "We laughed a lot. It helped. Then we went home."
        corpus = Corpus([Document("d", text)])
        c = codings(("d", 0, 17, "laugh", "A"), ("d", 0, 17, "cope", "A"),
                    ("d", 0, 10, "cope", "B"), ("d", 18, 28, "cope", "B"))  # fmt: skip
        table = disagreements(c, corpus, ["A", "B"], unit="character")
        assert table["text"].tolist() == ["We laughed", " a lot.", "It helped."]
        assert table[["only_a", "only_b", "both"]].values.tolist() == [
            ["laugh", "", "cope"], ["cope; laugh", "", ""], ["", "cope", ""]]  # fmt: skip

    def test_no_disagreement_gives_an_empty_table(self):
        corpus = Corpus([Document("d", "One. Two.")])
        c = codings(("d", 0, 4, "x", "A"), ("d", 0, 3, "x", "B"))
        assert disagreements(c, corpus, ["A", "B"]).empty


# --------------------------------------------------------------------------- project and CLI


TEXT_1 = (
    "Interviewer: How did the group help?\n\n"
    "Participant L: We had a laugh, honestly. It kept me going when the caseload was "
    "awful.\n\nInterviewer: Anything else?\n\nParticipant L: The map on the wall. I use it "
    "with families now.\n"
)
TEXT_2 = "CoP meeting 3.\n\nL said the map helped. M was not sure it was for him.\n"


@pytest.fixture
def project_dir(tmp_path):
    corpus = Corpus(
        [
            Document("interview-L", TEXT_1, {"kind": "interview"}),
            Document("meeting-03", TEXT_2, {"kind": "observation"}),
        ]
    )

    def span(doc, text, quote):
        s = text.index(quote)
        return (doc, s, s + len(quote))

    rows = [
        (*span("interview-L", TEXT_1, "We had a laugh, honestly."), "framework/coping", "A"),
        (*span("interview-L", TEXT_1, "We had a laugh"), "framework/coping", "B"),
        (*span("interview-L", TEXT_1, "The map on the wall."), "materials", "A"),
        (*span("interview-L", TEXT_1, "I use it with families now."), "materials", "B"),
        (*span("meeting-03", TEXT_2, "L said the map helped."), "materials", "A"),
        (*span("meeting-03", TEXT_2, "L said the map helped."), "materials", "B"),
    ]
    table = codings(*rows).assign(source="manual", score=np.nan)
    write_project(Project(corpus, Codebook(name="empty"), table), tmp_path / "p")
    return tmp_path / "p"


class TestProjectAndCommand:
    def test_agreement_on_a_project(self, project_dir):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", QDAWarning)
            project = read_project(project_dir)
        table = agreement(project, ["A", "B"])
        assert set(table["doc_id"]) == {"interview-L", "meeting-03"}
        assert len(table) == 4
        turns = agreement(project, ["A", "B"], unit="turn", method="krippendorff")
        assert turns["code"].tolist() == ["framework/coping", "materials"]
        coping = turns.set_index("code").loc["framework/coping"]
        assert coping["alpha"] == pytest.approx(1.0)
        with pytest.raises(ValueError, match="character level"):
            agreement(project, ["A", "B"], method="cohen")

    def test_command_prints_nvivo_figures_as_csv(self, project_dir, capsys):
        assert main(["agreement", str(project_dir), "--coders", "A", "B"]) == 0
        out = capsys.readouterr().out.splitlines()
        assert out[0] == "code,doc_id,n_units,a,b,c,d,p_o,p_e,kappa,agreement_pct,undefined"
        assert len(out) == 5

    def test_command_unit_method_writes_csv_with_o(self, project_dir, tmp_path, capsys):
        target = tmp_path / "alpha.csv"
        argv = ["agreement", str(project_dir), "--coders", "A", "B", "--unit", "turn",
                "--method", "krippendorff", "-o", str(target)]  # fmt: skip
        assert main(argv) == 0
        table = pd.read_csv(target)
        for column in ("code", "n_units", "o_00", "o_01", "o_11", "p_o", "p_e", "alpha"):
            assert column in table.columns
        assert "wrote 2 rows" in capsys.readouterr().err

    def test_command_disagreements(self, project_dir, capsys):
        argv = ["agreement", str(project_dir), "--coders", "A", "B", "--disagreements"]
        assert main(argv) == 0
        table = pd.read_csv(__import__("io").StringIO(capsys.readouterr().out))
        assert "The map on the wall." in table["text"].tolist()

    def test_command_names_an_unknown_coder(self, project_dir, capsys):
        assert main(["agreement", str(project_dir), "--coders", "A", "Z"]) == 1
        err = capsys.readouterr().err
        assert "'Z'" in err and "A, B" in err

    def test_command_rejects_a_unit_method_at_character_level(self, project_dir, capsys):
        argv = ["agreement", str(project_dir), "--coders", "A", "B", "--method", "cohen"]
        assert main(argv) == 1
        assert "--unit" in capsys.readouterr().err


@pytest.fixture(scope="module")
def sample(sample_project):
    assert {"A", "B"} <= set(sample_project.coders), "data/sample lacks coder A's or B's codings"
    return sample_project


class TestSampleStudy:
    def test_character_counts_add_up_and_recompute_kappa_by_hand(self, sample):
        table = agreement(sample, ["A", "B"])
        b_docs = sorted(sample.codings.loc[sample.codings["coder"] == "B", "doc_id"].unique())
        assert sorted(table["doc_id"].unique()) == b_docs  # the documents both coded
        assert (table[["a", "b", "c", "d"]].sum(axis=1) == table["n_units"]).all()
        ok = ~table["undefined"]
        n = table["n_units"]
        p_o = (table["a"] + table["d"]) / n
        p_e = ((table["a"] + table["b"]) * (table["a"] + table["c"])
               + (table["c"] + table["d"]) * (table["b"] + table["d"])) / n**2  # fmt: skip
        np.testing.assert_allclose(table.loc[ok, "kappa"], ((p_o - p_e) / (1 - p_e))[ok])
        assert table.loc[ok, "kappa"].between(-1, 1).all()

    def test_turn_alpha_agrees_with_the_krippendorff_package(self, sample):
        import krippendorff

        from resilience_qda.core.units import units

        table = agreement(sample, ["A", "B"], unit="turn", method="krippendorff")
        grid = unit_matrix(sample.codings, units(sample.corpus, "turn"), ["A", "B"])
        for code in table["code"].head(10):
            x = grid.loc[grid["code"] == code, ["A", "B"]].to_numpy().T
            row = table.set_index("code").loc[code]
            if row["undefined"]:
                continue
            assert row["alpha"] == pytest.approx(
                krippendorff.alpha(x, level_of_measurement="nominal")
            )
