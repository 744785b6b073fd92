"""Exemplar quotes an analyst can defend: typical, spread across cases, in the speaker's own
voice, trimmed to a quotable length, pinned quotes first."""

from __future__ import annotations

import pandas as pd
import pytest
from _methods_project import build

import resilience_qda as rq
from resilience_qda.analysis.exemplars import exemplars, passage_cases, typicality


@pytest.fixture(scope="module")
def restorative(tmp_path_factory):
    return rq.read_project(build(tmp_path_factory.mktemp("restorative")))


@pytest.fixture(scope="module")
def sample_a(sample_project):
    return sample_project.codings_of("A")


def _text_at(corpus, row) -> str:
    return corpus[row["doc_id"]].text[int(row["start"]) : int(row["end"])]


# --------------------------------------------------------------------------- typicality


def test_typicality_ranks_the_passage_most_like_the_others_first_and_an_outlier_last():
    texts = [
        "the circle made the classroom calmer",
        "a calmer classroom after the circle",
        "calmer classroom, calmer corridors",
        "the car park was full again",
    ]
    scores = typicality(texts)
    # the first two share every content word (circle, classroom, calmer): equally typical
    assert scores[0] == pytest.approx(scores[1]) and scores[1] > scores[2] > scores[3] == 0.0
    assert ((scores >= 0) & (scores <= 1)).all()
    assert typicality(texts[::-1])[::-1] == pytest.approx(scores)  # order does not matter
    assert typicality(["only one"]).tolist() == [0.0]
    assert typicality(["um, er", "yeah, um"]).tolist() == [0.0, 0.0]  # fillers only


# --------------------------------------------------------------------------- voice and spread


def test_a_teacher_reporting_a_colleague_comes_after_teachers_in_their_own_words(restorative):
    found = rq.retrieve(restorative.codings, restorative.corpus, "outcomes/calmer-classrooms")
    picks = exemplars(found, n=5, cases=restorative.corpus.cases["case"])
    voices = dict(zip(picks["doc_id"], picks["voice"], strict=False))
    assert voices["interview-dev"] == "reported"  # "Amara told me a circle makes her ..."
    assert voices["diary-ruth"] == "own"  # a diary is its author's own words
    assert picks["voice"].tolist().index("reported") > picks["voice"].tolist().index("own")
    # Amara speaks twice (interview, focus group): her second passage waits for the others
    assert picks["case"].tolist()[-1] == "Amara" and picks["doc_id"].iloc[-1] == "focus-group-1"
    assert (picks["cases_voicing"] == 4).all() and (picks["passages_coded"] == 5).all()


def test_a_focus_group_speaker_who_names_a_case_is_that_case(restorative):
    found = rq.retrieve(restorative.codings, restorative.corpus, "doubts")
    cases = passage_cases(found, restorative.corpus.cases["case"])
    fg = found["doc_id"] == "focus-group-1"
    assert cases[fg.to_numpy()].tolist() == ["Dev"]
    assert found.loc[fg, "case"].isna().all()  # the document itself has no case


def test_f_recounting_l_is_never_the_sample_s_resourceful_exemplar(sample_project, sample_a):
    found = rq.retrieve(sample_a, sample_project.corpus, "themes/more-resourceful")
    everyone = exemplars(found, n=len(found), cases=sample_project.corpus.cases["case"])
    recounting = everyone[everyone["text"].str.startswith("L was talking about Basics")]
    assert recounting["voice"].tolist() == ["reported"]
    picks = exemplars(found, n=3, spread="sector", cases=sample_project.corpus.cases["case"])
    assert "L was talking about Basics" not in " ".join(picks["text"])
    assert picks["case"].is_unique and (picks["voice"] == "own").all()


def test_the_sample_themes_no_longer_quote_the_same_people_for_every_theme(
    sample_project, sample_a
):
    quoted = []
    for theme in sample_project.codebook.children("themes"):
        found = rq.retrieve(sample_a, sample_project.corpus, theme)
        picks = exemplars(found, n=3, cases=sample_project.corpus.cases["case"])
        assert len(picks) == 3 and picks["case"].is_unique, theme
        assert (picks["cases_voicing"] == found["case"].dropna().nunique()).all()
        for _, row in picks.iterrows():
            assert _text_at(sample_project.corpus, row) == row["text"]
        quoted.append(set(picks["case"]))
    assert not set.intersection(*quoted)  # nobody is quoted for all four themes


def test_interviewer_words_come_last():
    r = pd.DataFrame(
        {
            "doc_id": ["i1", "i1"],
            "start": [0, 50],
            "end": [45, 95],
            "case": ["L", "L"],
            "speaker": ["Interviewer", "Participant L"],
            "interviewer": [True, False],
            "text": ["So the circle made the room calmer, you said?", "The room is calmer now."],
        }
    )
    assert exemplars(r, n=2)["voice"].tolist() == ["own", "interviewer"]


# --------------------------------------------------------------------------- length


def test_a_long_passage_is_trimmed_to_its_most_typical_sentences_with_true_offsets():
    from resilience_qda.core.model import Corpus, Document

    filler = "We talked about the timetable and the rota for the spring term at length. " * 6
    long = filler + "The circle made the classroom calmer and the shouting stopped. " + filler
    short = [
        "A calmer classroom after every circle.",
        "The circle makes the class calmer.",
    ]
    texts = {"d1": long.strip(), "d2": short[0], "d3": short[1]}
    corpus = Corpus([Document(d, t, {"kind": "diary", "case": d}) for d, t in texts.items()])
    codings = pd.DataFrame(
        {
            "doc_id": list(texts),
            "start": 0,
            "end": [len(t) for t in texts.values()],
            "code": "calm",
            "coder": "A",
        }
    )
    picks = exemplars(rq.retrieve(codings, corpus, "calm"), n=3)
    row = picks.set_index("doc_id").loc["d1"]
    assert row["trimmed"] and len(row["text"]) <= 600
    assert "The circle made the classroom calmer" in row["text"]
    assert texts["d1"][row["start"] : row["end"]] == row["text"]
    assert not picks.set_index("doc_id").loc["d2", "trimmed"]


def test_max_chars_is_a_parameter_and_an_untrimmable_passage_is_skipped():
    r = pd.DataFrame(
        {
            "doc_id": ["a", "b"],
            "start": [0, 0],
            "end": [300, 30],
            "case": ["A1", "B1"],
            "text": ["word " * 60, "A calmer room after the circle"],
        }
    )
    assert exemplars(r, n=2, max_chars=200)["doc_id"].tolist() == ["b"]
    assert exemplars(r, n=2, max_chars=400)["doc_id"].tolist() == ["a", "b"]


# --------------------------------------------------------------------------- pinned


def test_pinned_quotes_come_first_from_the_codings_or_an_argument(restorative, tmp_path):
    codings = restorative.codings.assign(pinned="")
    pick = (codings["doc_id"] == "diary-ruth") & (codings["code"] == "outcomes/calmer-classrooms")
    codings.loc[pick, "pinned"] = "yes"
    found = rq.retrieve(codings, restorative.corpus, "outcomes/calmer-classrooms")
    picks = exemplars(found, n=2)
    assert picks["doc_id"].tolist()[0] == "diary-ruth" and picks["pinned"].tolist() == [True, False]
    # the pinned column survives the project folder
    folder = build(tmp_path, coder="Rosa")
    rq.write_codings(codings, folder)
    again = rq.read_project(folder).codings
    assert set(again.loc[again["pinned"] == "yes", "doc_id"]) == {"diary-ruth"}
    # pinned spans given as an argument
    plain = rq.retrieve(restorative.codings, restorative.corpus, "outcomes/calmer-classrooms")
    dev = plain[plain["doc_id"] == "interview-dev"].iloc[0]
    chosen = exemplars(plain, n=1, pinned=[(dev["doc_id"], dev["start"], dev["end"])])
    assert chosen["doc_id"].tolist() == ["interview-dev"] and chosen["pinned"].all()


def test_a_pinned_value_that_is_not_yes_or_no_is_refused(restorative):
    found = rq.retrieve(restorative.codings.assign(pinned="maybe"), restorative.corpus, "practice")
    with pytest.raises(rq.CodingsError, match="the pinned column holds 'maybe'"):
        exemplars(found)


def test_exemplars_are_deterministic(sample_project, sample_a):
    found = rq.retrieve(sample_a, sample_project.corpus, "themes/more-reflexive")
    first = exemplars(found, n=5)
    pd.testing.assert_frame_equal(first, exemplars(found.copy(), n=5))


def test_the_tf_idf_is_scikit_learns_without_importing_it(sample_project, sample_a):
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

    from resilience_qda.analysis.exemplars import FILLERS, _Tfidf
    from resilience_qda.analysis.stopwords import ENGLISH_STOP_WORDS as ours

    assert ours == ENGLISH_STOP_WORDS
    texts = rq.retrieve(sample_a, sample_project.corpus, "themes")["text"].tolist()
    reference = TfidfVectorizer(
        stop_words=sorted(ENGLISH_STOP_WORDS | FILLERS),
        token_pattern=r"(?u)\b[^\W\d_]{2,}\b",
        sublinear_tf=True,
    )
    matrix = reference.fit_transform(texts).toarray()
    vocabulary = reference.get_feature_names_out()
    for row, vector in zip(matrix, _Tfidf(texts).rows(), strict=True):
        expected = {t: w for t, w in zip(vocabulary, row, strict=True) if w}
        assert vector.keys() == expected.keys()
        assert [vector[t] for t in expected] == pytest.approx(list(expected.values()))


def test_importing_analysis_for_exemplars_leaves_scikit_learn_unloaded():
    import subprocess
    import sys

    code = (
        "import sys, pandas as pd\n"
        "from resilience_qda.analysis.exemplars import exemplars\n"
        "r = pd.DataFrame({'doc_id': ['a', 'b'], 'start': [0, 0], 'end': [9, 9],"
        " 'text': ['calm room', 'a calm class']})\n"
        "exemplars(r)\n"
        "print('sklearn' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_naming_another_participant_is_found_by_word_not_by_substring():
    from resilience_qda.analysis.exemplars import _Mentions

    m = _Mentions(["L", "A", "Mrs P", "Amara", "I"])
    assert m.other_than("L said it helped.", "F")
    assert not m.other_than("L said it helped.", "L")  # one's own name
    assert not m.other_than("Lots of ideas, all mine.", "F")  # not a word of its own
    assert not m.other_than("A circle, and I ran it.", "F")  # the English words A and I
    assert m.other_than("Participant A was there.", "F")
    assert m.other_than("Then Mrs P looked at the sheet.", "H")
    assert not m.other_than("Mrs Patel came.", "H")
    assert m.other_than("Amara's idea, really.", "Dev")  # a possessive names her too
    assert m.other_than("Amara told me.", "Dev")
