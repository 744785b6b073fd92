"""Learning from coding: the code suggester, suggestions, honest evaluation, the review loop.

Most tests run on a small synthetic study whose codes are learnable (a tools code said with
"sheet"/"card"/"folder" words, a body code with "walk"/"sleep"/"swim" words), coded by A in
nine of twelve interviews and by B, less carefully, in five; the last tests run on the sample.
"""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

import resilience_qda as rq
from resilience_qda.cli import main
from resilience_qda.coding import suggest_eval
from resilience_qda.coding.rules import code as rule_codings
from resilience_qda.coding.suggest import (
    SuggestError,
    accept_suggestions,
    fit_suggester,
    review_queue,
    suggest,
    training_data,
)
from resilience_qda.coding.suggest_eval import ALL_CODES, evaluate, learning_curve
from resilience_qda.coding.suggest_features import (
    CharNgramTfidf,
    EmbeddingModelError,
    feature_union,
    load_embedding_model,
    unit_features,
)
from resilience_qda.coding.suggest_model import TOO_FEW, CodeSuggester, _threshold
from resilience_qda.core.stats import kappa_2x2
from resilience_qda.core.units import units

TOOLS = "practice-elements/materials/tools"
BODY = "practice-elements/materials/the-body"
LAUGH = "framework/coping/have-a-laugh"

TOOL_SENTENCES = [
    "I keep the framework sheet in my folder.",
    "We put the laminated card on the kitchen table.",
    "She pinned the sheet to the fridge.",
    "The card goes with me to every visit.",
    "I photocopied the sheet for the carers.",
    "He drew on the framework card with a felt pen.",
    "The folder has the sheet at the front.",
    "I left a copy of the card with the family.",
]
BODY_SENTENCES = [
    "I started to walk to the office.",
    "Getting enough sleep made a difference.",
    "We went for a swim on Saturday.",
    "A long walk clears my head.",
    "I try to sleep before eleven now.",
    "She takes the dog for a walk every morning.",
    "Swimming twice a week keeps me sane.",
    "I never used to sleep properly.",
]
NEUTRAL = [
    "The meeting was on a Tuesday.",
    "There were eight of us in the room.",
    "My manager asked about the review.",
    "It was a long year in many ways.",
    "I had not met most of them before.",
    "The building was cold in January.",
    "We talked about the referral process.",
    "Someone brought biscuits.",
    "The train was late again.",
    "I work mostly with teenagers.",
    "The form has too many boxes.",
    "We had a new team leader in March.",
]
LAUGH_SENTENCE = "We laughed about it for ages afterwards."


def _study(seed: int = 0):
    """Twelve interviews: texts plus A's and B's codings (as sentence-exact spans)."""
    rng = random.Random(seed)
    docs, a_rows, b_rows = [], [], []
    for i in range(12):
        parts, spans = [], []
        text = ""
        for q in range(5):
            question = f"Interviewer: Can you say more about week {q + 1}?\n\n"
            text += question
            answer = []
            for _ in range(4):
                kind = rng.choices(["tools", "body", "neutral"], weights=[1, 1, 3])[0]
                pool = {"tools": TOOL_SENTENCES, "body": BODY_SENTENCES, "neutral": NEUTRAL}[kind]
                answer.append((rng.choice(pool), kind))
            if i in (1, 6) and q == 2:
                answer.append((LAUGH_SENTENCE, "laugh"))
            text += f"Participant P{i}: "
            for sentence, kind in answer:
                start = len(text)
                text += sentence + " "
                spans.append((start, start + len(sentence), kind))
            text = text.rstrip(" ") + "\n\n"
        doc_id = f"interview-{i:02d}"
        docs.append(rq.Document(doc_id, text.rstrip("\n") + "\n", {"kind": "interview"}))
        codes = {"tools": TOOLS, "body": BODY, "laugh": LAUGH}
        for s, e, kind in spans:
            if kind == "neutral":
                continue
            if i < 9:  # A coded the first nine interviews
                a_rows.append((doc_id, s, e, codes[kind], "A"))
            if i < 5 and (kind != "body" or rng.random() < 0.7):  # B misses some body talk
                b_rows.append((doc_id, s, e, codes[kind], "B"))
        del parts
    columns = ["doc_id", "start", "end", "code", "coder"]
    codings = pd.DataFrame(a_rows + b_rows, columns=columns).assign(source="manual", score=None)
    return docs, codings


@pytest.fixture(scope="module")
def study():
    docs, codings = _study()
    corpus = rq.Corpus(docs)
    book = rq.read_codebook("cop-evaluation")
    return rq.Project(corpus, book, rq.validate_codings(codings, corpus))


@pytest.fixture(scope="module")
def fitted(study):
    return fit_suggester(study, coder="A", chars=None)


# --------------------------------------------------------------------------- training data


def test_training_data_labels_the_units_the_coder_coded(study):
    data = training_data(study, coder="A")
    assert data.codes == [LAUGH, BODY, TOOLS]
    assert data.doc_ids == [f"interview-{i:02d}" for i in range(9)]
    texts = data.features["text"]
    assert set(texts[data.labels[TOOLS] == 1]) <= set(TOOL_SENTENCES)
    assert set(texts[data.coded & (data.labels[BODY] == 0)]).isdisjoint(BODY_SENTENCES)
    assert data.labels[~data.coded].to_numpy().sum() == 0
    assert not texts.str.startswith("Can you say more").any()  # interviewer turns left out


def test_a_parent_code_stands_for_the_codes_below_it(study):
    data = training_data(study, coder="A", codes=["practice-elements/materials"])
    both = training_data(study, coder="A")
    expected = (both.labels[TOOLS] | both.labels[BODY]).to_numpy()
    assert (data.labels["practice-elements/materials"].to_numpy() == expected).all()


def test_training_data_refuses_unknown_coders_and_codes(study):
    with pytest.raises(SuggestError, match=r"coder 'Z' has no codings.*coders: A, B"):
        training_data(study, coder="Z")
    with pytest.raises(SuggestError, match=r"never used code.*themes"):
        training_data(study, coder="A", codes=["themes"])
    with pytest.raises(ValueError, match="unit must be one of"):
        training_data(study, coder="A", unit="word")


def test_unit_features_add_lemmas_and_pattern_hits(study):
    table = units(study.corpus, "sentence")
    first = table[table["doc_id"] == "interview-00"].head(6)
    feats = unit_features(study.corpus, first, lemmas=True, patterns=study.codebook)
    assert list(feats.columns) == ["doc_id", "unit", "start", "end", "text", "lemmas", "patterns"]
    assert feats["lemmas"].str.contains("[A-Z]").sum() == 0
    sheet = feats[feats["text"].str.contains("sheet")]
    if len(sheet):  # the codebook's patterns know the framework sheet
        assert sheet["patterns"].str.contains("materials").all()


# --------------------------------------------------------------------------- the estimator


def test_the_suggester_learns_codes_and_skips_those_with_too_few_examples(fitted):
    model, _ = fitted
    summary = model.summary().set_index("code")
    assert summary.loc[LAUGH, "status"] == TOO_FEW
    assert summary.loc[LAUGH, "n_examples"] == 2
    assert np.isinf(summary.loc[LAUGH, "threshold"])
    for code in (TOOLS, BODY):
        assert summary.loc[code, "status"] == "fitted"
        assert summary.loc[code, "cv_precision"] >= 0.8
    new = pd.DataFrame(
        {
            "text": [
                "I keep the card in my bag.",
                "A long walk before I sleep.",
                "The train was late.",
            ]
        }
    )
    got = pd.DataFrame(model.predict(new), columns=model.classes_)
    assert got[TOOLS].tolist() == [1, 0, 0]
    assert got[BODY].tolist() == [0, 1, 0]
    assert got[LAUGH].sum() == 0
    proba = model.predict_proba(new)
    assert proba.shape == (3, 3) and ((proba >= 0) & (proba <= 1)).all()


def test_calibration_folds_never_split_a_document(fitted):
    model, data = fitted
    groups = data.features.loc[data.coded, "doc_id"].to_numpy()
    for estimator in model.estimators_:
        if estimator is None:
            continue
        for train, test in estimator.cv:
            assert set(groups[train]).isdisjoint(groups[test])


def test_the_suggester_follows_scikit_learn_conventions():
    model = CodeSuggester(cv=4, target_precision=0.9)
    assert clone(model).get_params() == model.get_params()
    assert not [k for k in vars(model) if k.endswith("_")]  # nothing learned before fit
    with pytest.raises(Exception, match="not fitted"):
        model.predict(["text"])


def test_the_suggester_refuses_bad_labels_and_settings():
    X = ["a sheet", "a walk", "a day", "a card"]
    with pytest.raises(ValueError, match="0/1"):
        CodeSuggester().fit(X, [[2, 0], [0, 1], [0, 0], [1, 1]])
    with pytest.raises(ValueError, match="Y has 3 rows for 4 units"):
        CodeSuggester().fit(X, [[1], [0], [0]])
    with pytest.raises(ValueError, match="target_precision"):
        CodeSuggester(target_precision=0).fit(X, [[1], [0], [0], [1]])
    with pytest.raises(ValueError, match="'text' column"):
        CodeSuggester().fit(pd.DataFrame({"words": X}), [[1], [0], [0], [1]])


def test_thresholds_need_more_than_one_lucky_unit():
    y = np.array([1, 0, 0, 0, 1, 0, 1, 1, 0, 0])
    p = np.array([0.99, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1])
    # raw precision is 1 at 0.99 (1 of 1), but 1 of 1 is not evidence of 0.8
    assert _threshold(y, p, 0.8)[0] == np.inf
    t, precision, recall = _threshold(y, p, 0.5)
    assert (t, precision, recall) == (0.3, 0.5, 1.0)  # 4 of 8: smoothed 5/10
    perfect = np.r_[np.ones(5), np.zeros(5)].astype(int)
    # wrong at the top: no precision of 0 passes for a smoothed 0.5
    assert _threshold(np.array([0, 0, 0, 1]), np.array([0.9, 0.8, 0.7, 0.1]), 0.5)[0] == np.inf
    # full recall at 0.6; going lower would only add false positives
    assert _threshold(perfect, np.linspace(1, 0.1, 10), 0.8) == (0.6, 1.0, 1.0)
    assert _threshold(perfect, np.linspace(1, 0.1, 10), 0.5) == (0.6, 1.0, 1.0)


def test_features_can_be_switched_off_but_not_all():
    X = pd.DataFrame({"text": ["the sheet", "the sheets"]})
    assert feature_union(words=None).fit_transform(X).shape[0] == 2
    with pytest.raises(ValueError, match="no features"):
        feature_union(words=None, chars=None)


def test_char_ngrams_are_scikit_learns_char_wb_made_word_by_word(sample_project):
    from sklearn.feature_extraction.text import TfidfVectorizer

    table = unit_features(sample_project.corpus, units(sample_project.corpus))
    hostile = ["", "  \t\n", "a", "aaaa aaaa", "ΟΔΟΣ Σίσυφος İstanbul", "naïve café", "x\ty\nz"]
    train = table["text"].iloc[::2].tolist() + hostile
    test = table["text"].iloc[1::2].tolist() + hostile + ["zqxj unseen-words"]
    for ngram_range, min_df in [((2, 5), 2), ((1, 3), 1)]:
        ours = CharNgramTfidf(ngram_range=ngram_range, min_df=min_df)
        theirs = TfidfVectorizer(
            analyzer="char_wb", ngram_range=ngram_range, min_df=min_df, sublinear_tf=True
        )
        assert abs(ours.fit_transform(train) - theirs.fit_transform(train)).max() < 1e-12
        assert list(ours.get_feature_names_out()) == list(theirs.get_feature_names_out())
        assert abs(ours.transform(test) - theirs.transform(test)).max() < 1e-12
    assert ours.transform(["", " "]).nnz == 0
    with pytest.raises(ValueError, match="no words"):
        CharNgramTfidf().fit([" ", ""])


def test_an_embedding_model_is_never_downloaded():
    with pytest.raises(EmbeddingModelError, match=r"never downloads|not installed"):
        load_embedding_model("sentence-transformers/all-MiniLM-L6-v2")


# --------------------------------------------------------------------------- suggestions


def test_suggestions_cover_only_documents_the_coder_has_not_coded(study, fitted):
    out = suggest(study, coder="A", fitted=fitted)
    model, _ = fitted
    assert set(out["doc_id"]) <= {"interview-09", "interview-10", "interview-11"}
    assert (out["coder"] == "model:tfidf-svm").all() and (out["source"] == "model").all()
    thresholds = dict(zip(model.classes_, model.thresholds_, strict=True))
    assert (out["score"] >= out["code"].map(thresholds)).all()
    assert LAUGH not in set(out["code"])
    text = rq.coded_text(out, study.corpus)
    # about the precision the thresholds were chosen for (0.8), and better than chance (0.2)
    assert text[out["code"] == TOOLS].isin(TOOL_SENTENCES).mean() >= 0.75
    assert text[out["code"] == BODY].isin(BODY_SENTENCES).mean() >= 0.75
    assert out["evidence"].str.contains("learned from A's coding of 9 document").all()
    rq.validate_codings(out, study.corpus)


def test_suggest_needs_two_coded_documents(study):
    one = study.codings[
        (study.codings["coder"] == "A") & (study.codings["doc_id"] == "interview-00")
    ]
    project = rq.Project(study.corpus, study.codebook, one)
    with pytest.raises(SuggestError, match="coded 1 document"):
        suggest(project, coder="A")


# --------------------------------------------------------------------------- evaluation


def test_evaluation_never_tests_on_a_document_it_trained_on(study, monkeypatch):
    seen = []

    class Spy(CodeSuggester):
        def fit(self, X, Y, groups=None):
            self._train_docs = set(X["doc_id"])
            return super().fit(X, Y, groups=groups)

        def predict_proba(self, X):
            seen.append((self._train_docs, set(X["doc_id"])))
            return super().predict_proba(X)

    monkeypatch.setattr(suggest_eval, "CodeSuggester", Spy)
    data = training_data(study, coder="A")
    suggest_eval.cross_validated(data, cv=3, chars=None)
    assert len(seen) == 3
    for train, test in seen:
        assert train and test and train.isdisjoint(test)
    assert set().union(*(t for _, t in seen)) == set(data.doc_ids)


@pytest.fixture(scope="module")
def rules(study):
    return rule_codings(study.corpus, study.codebook)


@pytest.fixture(scope="module")
def evaluation(study, rules):
    return evaluate(study, coder="A", against=["B", rules], cv=3, chars=None)


def test_evaluation_scores_the_model_like_a_coder_beside_the_second_coder(evaluation):
    table = evaluation
    model = table[(table["coder"] == "model:tfidf-svm") & (table["scope"] == "all coded")]
    model = model.set_index("code")
    assert model.loc[LAUGH, "status"] == TOO_FEW and np.isnan(model.loc[LAUGH, "kappa"])
    for code in (TOOLS, BODY):
        row = model.loc[code]
        assert row["kappa"] > 0.8
        a, b, c, d = (int(row[k]) for k in ("both", "coder_only", "reference_only", "neither"))
        assert a + b + c + d == row["units"]
        assert row["kappa"] == pytest.approx(kappa_2x2(a, b, c, d)[2])
        assert row["precision"] == pytest.approx(a / (a + b))
    human = table[(table["coder"] == "B")].set_index("code")
    assert (human["scope"] == "coded by B").all()
    assert human.loc[TOOLS, "kappa"] == pytest.approx(1.0)
    assert human.loc[BODY, "recall"] < 1.0  # B misses some of A's body talk
    beside = table[(table["coder"] == "model:tfidf-svm") & (table["scope"] == "coded by B")]
    beside = beside[beside["code"] != ALL_CODES]
    assert set(beside["units"]) == {human.loc[TOOLS, "units"]}  # the same units as B
    assert model.loc[[TOOLS, BODY], "average_precision"].min() > 0.9  # ranks A's units well
    assert human["average_precision"].isna().all()  # a person gives no probabilities
    pooled = model.loc[ALL_CODES]
    assert pooled["both"] == model.loc[[TOOLS, BODY], "both"].sum()
    assert pooled["units"] == 2 * model.loc[TOOLS, "units"]  # unit-code decisions


def test_evaluation_takes_a_rules_coder_as_a_table(evaluation, rules):
    rows = evaluation[evaluation["coder"] == "rules:cop-evaluation"].set_index("code")
    assert set(rows["scope"]) == {"all coded"}  # rules code every document
    assert set(rows.index) == {LAUGH, TOOLS, BODY, ALL_CODES}
    model = evaluation[
        (evaluation["coder"] == "model:tfidf-svm") & (evaluation["scope"] == "all coded")
    ].set_index("code")
    assert rows.loc[TOOLS, "units"] == model.loc[TOOLS, "units"]
    # the pooled row covers the codes the model learned, so the two are comparable
    assert rows.loc[ALL_CODES, "both"] == rows.loc[[TOOLS, BODY], "both"].sum()


def test_the_learning_curve_rises_with_coded_documents(study):
    curve = learning_curve(study, coder="A", sizes=[2, 6], cv=3, chars=None)
    assert list(curve.columns)[:3] == ["n_documents", "code", "units"]
    assert set(curve["code"]) == {TOOLS, BODY, ALL_CODES}
    pooled = curve[curve["code"] == ALL_CODES].set_index("n_documents")["kappa"]
    assert pooled.index.tolist() == [2, 6]
    assert pooled[6] >= pooled[2] - 0.05 and pooled[6] > 0.8
    ranking = curve[curve["code"] == ALL_CODES]["average_precision"]
    assert ranking.between(0, 1).all() and ranking.iloc[-1] > 0.9


def test_evaluation_needs_three_coded_documents(study):
    two = study.codings[study.codings["doc_id"].isin(["interview-00", "interview-01"])]
    with pytest.raises(SuggestError, match="at least 3 coded documents"):
        evaluate(rq.Project(study.corpus, study.codebook, two), coder="A")


# --------------------------------------------------------------------------- review loop


def test_the_review_queue_puts_the_most_uncertain_units_first(study, fitted):
    queue = review_queue(study, coder="A", fitted=fitted)
    assert set(queue["doc_id"]) == {"interview-09", "interview-10", "interview-11"}
    assert queue["uncertainty"].is_monotonic_decreasing
    assert queue["uncertainty"].between(0, 1).all()
    assert queue["code"].isin([TOOLS, BODY]).all()
    known = queue["text"].isin(TOOL_SENTENCES + BODY_SENTENCES + NEUTRAL)
    # units the model has seen verbatim are not where it is least sure
    assert queue["uncertainty"][known].mean() <= queue["uncertainty"].mean() + 1e-9
    docs = review_queue(study, coder="A", fitted=fitted, by="document")
    assert docs["doc_id"].tolist() and docs["uncertainty"].is_monotonic_decreasing
    assert docs["units"].sum() == len(queue)


def test_accepted_suggestions_become_the_coders_codings_with_provenance(study, fitted, tmp_path):
    suggestions = suggest(study, coder="A", fitted=fitted)
    first = suggestions[suggestions["doc_id"] == "interview-09"]
    accepted = accept_suggestions(study.codings, first, coder="A", reject=first.index[:1])
    new = accepted[accepted["doc_id"] == "interview-09"]
    assert len(new) == len(first) - 1
    assert set(accepted["coder"]) == {"A"} and (new["source"] == "manual").all()
    assert new["score"].isna().all()
    assert new["evidence"].str.match(r"accepted from model:tfidf-svm, score 0\.\d{3}$").all()
    assert len(accepted) == (study.codings["coder"] == "A").sum() + len(new)
    again = accept_suggestions(accepted, first, coder="A", accept=first.index)
    assert len(again) == len(accepted) + 1  # the rejected one now; no duplicates

    project = rq.Project(study.corpus, study.codebook, accepted)
    rq.write_project(project, tmp_path / "p")
    back = rq.read_project(tmp_path / "p")
    assert "interview-09" in training_data(back, coder="A").doc_ids


def test_accepting_needs_one_clear_selection(study, fitted):
    suggestions = suggest(study, coder="A", fitted=fitted)
    with pytest.raises(ValueError, match="either accept= or reject="):
        accept_suggestions(study.codings, suggestions, coder="A")
    with pytest.raises(rq.CodingsError, match="no suggestion"):
        accept_suggestions(study.codings, suggestions, coder="A", accept=[10_000])
    with pytest.raises(rq.CodingsError, match="one value per suggestion"):
        accept_suggestions(study.codings, suggestions, coder="A", accept=[True])


# --------------------------------------------------------------------------- command line


@pytest.fixture(scope="module")
def study_folder(study, tmp_path_factory):
    return rq.write_project(study, tmp_path_factory.mktemp("study") / "p")


def test_the_command_writes_suggestions(study_folder, tmp_path, capsys):
    out = tmp_path / "s.csv"
    assert main(["suggest", str(study_folder), "--coder", "A", "--no-chars", "-o", str(out)]) == 0
    table = pd.read_csv(out)
    assert set(table["doc_id"]) <= {"interview-09", "interview-10", "interview-11"}
    assert (table["source"] == "model").all() and len(table)


def test_the_command_prints_the_evaluation(study_folder, capsys):
    args = ["suggest", str(study_folder), "--coder", "A", "--evaluate", "--against", "B"]
    assert main([*args, "--codes", TOOLS, "--no-chars", "--cv", "3"]) == 0
    table = pd.read_csv(__import__("io").StringIO(capsys.readouterr().out))
    assert {"model:tfidf-svm", "B"} <= set(table["coder"])


def test_the_command_names_an_unknown_coder(study_folder, capsys):
    assert main(["suggest", str(study_folder), "--coder", "Z"]) == 1
    assert "coder 'Z' has no codings" in capsys.readouterr().err


# --------------------------------------------------------------------------- the sample study


def test_the_sample_evaluation_for_coder_a_beside_b(sample_project):
    assert {"A", "B"} <= set(sample_project.coders), "data/sample lacks coder A's or B's codings"
    codes = ["context", "themes/more-reflexive"]
    table = evaluate(sample_project, coder="A", codes=codes, against=["B"], cv=3, chars=None)
    model = table[(table["coder"] == "model:tfidf-svm") & (table["scope"] == "all coded")]
    assert set(model["code"]) == {*codes, ALL_CODES}
    assert (
        model["units"] == model[["both", "coder_only", "reference_only", "neither"]].sum(axis=1)
    ).all()
    assert table[table["coder"] == "B"]["units"].max() < model["units"].max()


def test_the_suggester_passes_scikit_learns_estimator_checks():
    from sklearn.utils.estimator_checks import check_estimator

    expected = {
        # Multi-label predictions apply each code's threshold, chosen from out-of-fold
        # precision (the point of the suggester), not 0.5: predict(X) is
        # predict_proba(X) >= thresholds_, so it differs from predict_proba(X).round().
        "check_classifier_multioutput": "per-code thresholds, not 0.5",
    }
    results = check_estimator(CodeSuggester(), on_fail=None, expected_failed_checks=expected)
    failed = {r["check_name"] for r in results if r["status"] == "failed"}
    assert not failed, failed
    ran = {r["check_name"] for r in results if r["status"] == "passed"}
    assert {"check_classifiers_train", "check_fit_idempotent", "check_estimators_pickle"} <= ran
    assert {"check_supervised_y_2d", "check_classifiers_one_label", "check_n_features_in"} <= ran


def test_the_suggester_learns_labels_and_numeric_features_too():
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(-2, 1, (40, 3)), rng.normal(2, 1, (40, 3))]
    y = np.array(["calm"] * 40 + ["busy"] * 40)
    model = CodeSuggester(random_state=0).fit(X, y)
    assert list(model.classes_) == ["busy", "calm"] and model.target_ == "binary"
    assert (model.predict(X) == y).mean() > 0.95
    assert np.allclose(model.predict_proba(X).sum(axis=1), 1)
    texts = ["the sheet on the table", "a long walk outside", "we met on Monday"] * 6
    labels = ["tools", "body", "none"] * 6
    fitted = CodeSuggester(chars=None, min_examples=2).fit(texts, labels)
    assert fitted.target_ == "multiclass"
    assert fitted.predict(["the framework sheet", "a walk"]).tolist() == ["tools", "body"]
