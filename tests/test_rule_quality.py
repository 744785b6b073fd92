"""Rule quality on text the rules were not tuned on: the split, the passages, the floors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from resilience_qda.coding.rule_quality import AREAS, SAMPLE_SPLIT, area_scores, read_passages
from resilience_qda.coding.rules import code as code_corpus
from resilience_qda.core.errors import CodingsError
from resilience_qda.core.model import Corpus
from resilience_qda.core.scoring import scoring_units
from resilience_qda.core.units import units
from resilience_qda.io.codebook import read_codebook

FIXTURES = Path(__file__).parent / "fixtures" / "rules"
UNSEEN = FIXTURES / "unseen.txt"
UNSEEN2 = FIXTURES / "unseen2.txt"
BOOK = read_codebook("cop-evaluation")


@pytest.fixture(scope="module", params=[UNSEEN, UNSEEN2], ids=["unseen", "unseen2"])
def unseen(request):
    return read_passages(request.param, BOOK)


def _macro(table: pd.DataFrame, branch: str) -> float:
    return float(table.loc[table["area"] == f"{branch}/macro", "f1"].iloc[0])


# --------------------------------------------------------------------------- the split


def test_the_split_covers_the_sample_once_balanced_by_kind_and_by_coder_b(sample_project):
    tuning, heldout = set(SAMPLE_SPLIT["tuning"]), set(SAMPLE_SPLIT["heldout"])
    assert not tuning & heldout and tuning | heldout == set(sample_project.corpus.doc_ids)
    for half in (tuning, heldout):
        kinds = pd.Series([sample_project.corpus[d].kind for d in half]).value_counts()
        assert kinds["observation"] == 6 and kinds["interview"] in (6, 7)
        coded_by_b = set(sample_project.codings_of("B")["doc_id"]) & half
        assert len(coded_by_b) in (3, 4)


# --------------------------------------------------------------------------- the passages


def test_the_unseen_passages_are_one_sentence_a_line_and_labelled_in_every_area(unseen):
    corpus, gold = unseen
    assert len(corpus) >= 150
    table = units(corpus, "sentence")
    assert len(table) == sum(d.text.count("\n") + 1 for d in corpus)
    areas = set(gold["code"].str.split("/").str[:2].str.join("/"))
    assert areas == set(AREAS)
    assert (gold["coder"] == "gold").all() and len(gold) > 400
    uncoded = len(table) - len(gold[["doc_id", "start"]].drop_duplicates())
    assert uncoded > 20  # sentences that carry no code keep precision honest


@pytest.mark.parametrize("path", [UNSEEN, UNSEEN2], ids=["unseen", "unseen2"])
def test_the_unseen_passages_say_they_were_never_used_for_tuning(path):
    head = path.read_text(encoding="utf-8").split("===")[0]
    header = " ".join(line.lstrip("# ") for line in head.splitlines())
    assert "Never used to tune patterns" in header and "do not tune on this file" in header


def test_labels_resolve_by_any_unique_ending_of_a_code_path():
    text = "=== a | nurse ===\nShe slept at last. [enough-sleep, competencies/learning]\n"
    corpus, gold = read_passages(text, BOOK)
    assert gold["code"].tolist() == [
        "framework/basics/enough-sleep",
        "practice-elements/competencies/learning",
    ]
    assert corpus["a"].metadata["voice"] == "nurse" and corpus["a"].text == "She slept at last."


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("=== a ===\nWe learnt. [learning]\n", r"line 2: label 'learning' is ambiguous"),
        ("=== a ===\nHm. [no-such-code]\n", r"line 2: label 'no-such-code' matches no code"),
        ("Stray text.\n=== a ===\n", r"line 1: text before the first"),
        ("=== a ===\nOne.\n=== a ===\nTwo.\n", r"line 3: passage 'a' appears twice"),
    ],
)
def test_broken_passage_files_name_the_line(text, message):
    with pytest.raises(CodingsError, match=message):
        read_passages(text, BOOK)


# --------------------------------------------------------------------------- scoring


def test_area_scores_roll_codes_up_to_areas_and_average_each_branch():
    u = pd.DataFrame(
        {"doc_id": "d", "unit": range(4), "start": [0, 10, 20, 30], "end": [9, 19, 29, 39]}
    )
    ref = pd.DataFrame(
        {
            "doc_id": "d",
            "start": [0, 10, 20],
            "end": [9, 19, 29],
            "code": ["framework/coping/being-brave", "framework/coping", "framework/basics"],
            "coder": "A",
        }
    )
    got = pd.DataFrame(
        {
            "doc_id": "d",
            "start": [0, 30],
            "end": [9, 39],
            "code": ["framework/coping/have-a-laugh", "framework/basics/healthy-diet"],
            "coder": "rules",
        }
    )
    table = area_scores(got, reference=ref, units=u, areas=["framework/basics", "framework/coping"])
    rows = table.set_index("area")
    assert rows.loc["framework/coping", ["reference", "coded", "both"]].tolist() == [2, 1, 1]
    assert rows.loc["framework/coping", "f1"] == pytest.approx(2 / 3)
    assert rows.loc["framework/basics", "f1"] == 0.0
    assert _macro(table, "framework") == pytest.approx(1 / 3)


# --------------------------------------------------------------------------- quality floors
# Regression guards on text the rules were not tuned on: floors a little below the figures
# measured when tuning was frozen (docs/codebooks-and-rules.md has the figures).


def test_rules_on_the_held_out_half_stay_above_their_floor(sample_project):
    ids = SAMPLE_SPLIT["heldout"]
    corpus = Corpus([sample_project.corpus[d] for d in ids])
    a = sample_project.codings_of("A")
    table = area_scores(
        code_corpus(corpus), reference=a[a["doc_id"].isin(ids)], units=scoring_units(corpus)
    )
    assert _macro(table, "practice-elements") >= 0.36  # measured 0.390
    assert _macro(table, "framework") >= 0.25  # measured 0.280


@pytest.mark.parametrize(
    ("path", "floors"),
    [(UNSEEN, (0.45, 0.35)), (UNSEEN2, (0.28, 0.32))],  # measured 0.488/0.379, 0.307/0.347
    ids=["unseen", "unseen2"],
)
def test_rules_on_the_unseen_passages_stay_above_their_floor(path, floors):
    corpus, gold = read_passages(path, BOOK)
    table = area_scores(code_corpus(corpus), reference=gold, units=scoring_units(corpus))
    assert _macro(table, "practice-elements") >= floors[0]
    assert _macro(table, "framework") >= floors[1]
