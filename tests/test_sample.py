"""The sample study is a credible replication corpus: design, speakers, attributes, codings."""

import csv

import pytest

import resilience_qda as rq

LETTERS = set("LSBNDFGHJKMRT")


def test_thirteen_interviews_and_twelve_observation_notes(sample_project):
    kinds = sample_project.corpus.documents["kind"].value_counts().to_dict()
    assert kinds == {"interview": 13, "observation": 12}


def test_every_interview_has_interviewer_and_participant_turns(sample_project):
    turns = sample_project.corpus.turns
    for letter in LETTERS:
        speakers = set(turns[turns["doc_id"] == f"interview-{letter}"]["speaker"])
        assert speakers == {"Interviewer", f"Participant {letter}"}, letter


def test_documents_carry_dates_roles_and_meetings(sample_project):
    docs = sample_project.corpus.documents
    interviews = docs[docs["kind"] == "interview"]
    notes = docs[docs["kind"] == "observation"]
    assert set(interviews["case"]) == LETTERS
    assert interviews["role"].notna().all() and interviews["sector"].nunique() == 4
    assert sorted(notes["meeting"].astype(int)) == list(range(1, 13))
    assert notes["date"].str.startswith("2010-").all()
    assert interviews["date"].between("2010-12-01", "2011-03-31").all()


def test_lengths_follow_the_design(sample_project):
    docs = sample_project.corpus.documents
    assert docs[docs["kind"] == "interview"]["n_words"].between(900, 1800).all()
    assert docs[docs["kind"] == "observation"]["n_words"].between(400, 900).all()


def quotes(sample_path, coder):
    rows = []
    for f in sorted((sample_path / "quotes").glob(f"{coder}-*.csv")):
        with f.open(encoding="utf-8", newline="") as fh:
            rows += list(csv.DictReader(fh))
    return rows


@pytest.mark.parametrize("coder", ["A", "B"])
def test_every_coding_covers_exactly_the_words_its_coder_quoted(sample_project, sample_path, coder):
    written = quotes(sample_path, coder)
    assert written, f"data/sample has no quotes of coder {coder}"
    codings = sample_project.codings_of(coder)
    covered = sorted(
        zip(
            codings["doc_id"],
            codings["code"],
            rq.coded_text(codings, sample_project.corpus),
            strict=True,
        )
    )
    assert covered == sorted((q["doc_id"], q["code"], q["quote"]) for q in written)


def test_coder_a_codes_every_document_and_b_a_subset(sample_project):
    a = set(sample_project.codings_of("A")["doc_id"])
    assert a == set(sample_project.corpus.doc_ids)
    b = set(sample_project.codings_of("B")["doc_id"])
    assert b <= a and (not b or len(b) == 7)


def test_the_codings_use_the_codebook(sample_project):
    assert sample_project.unknown_codes() == []
    used = set(sample_project.codings["code"].str.split("/").str[0])
    assert used >= {"themes", "practice-elements", "framework", "noble-truths", "context"}


def test_codes_are_uneven_like_real_data(sample_project):
    a = sample_project.codings_of("A")
    per_theme = a[a["code"].str.startswith("themes/")]["code"].value_counts()
    assert len(per_theme) == 4
    areas = a[a["code"].str.startswith("framework/")]["code"].str.split("/").str[1]
    counts = areas.value_counts()
    assert counts.max() >= 3 * counts.min()  # some areas far more than others
