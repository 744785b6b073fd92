"""The tokens table (spaCy, in coding), word frequencies and keyword in context."""

from __future__ import annotations

import pandas as pd
import pytest
from _analysis_data import corpus

from resilience_qda.analysis.words import keyword_in_context, word_frequencies
from resilience_qda.coding.tokens import tokens
from resilience_qda.core.model import Corpus, Document


@pytest.fixture(scope="module")
def table():
    return tokens(corpus())


def test_tokens_point_into_the_text_with_lemmas(table):
    texts = corpus().texts
    for row in table.itertuples():
        assert texts[row.doc_id][row.start : row.end] == row.text
    # nobody wrote "carer" or "feel": the words stand as written
    assert table[table["text"] == "carers"].iloc[0]["lemma"] == "carers"
    assert table[table["text"] == "felt"].iloc[0]["lemma"] == "felt"
    assert table[table["text"] == "laughed"].iloc[0]["lemma"] == "laugh"  # "laugh" is written
    lookup = tokens(corpus(), lemmas="lookup")
    assert lookup[lookup["text"] == "carers"].iloc[0]["lemma"] == "carer"
    assert lookup[lookup["text"] == "felt"].iloc[0]["lemma"] == "feel"


def test_interviewer_words_and_labels_are_flagged(table):
    l_doc = table[table["doc_id"] == "interview-L"]
    assert l_doc[l_doc["text"] == "carers"]["interviewer"].all()  # the interviewer asked
    assert not l_doc[l_doc["text"] == "laugh"]["interviewer"].any()
    assert l_doc[l_doc["text"] == "Participant"]["interviewer"].all()  # a label, not talk
    assert not table[table["doc_id"] == "meeting-01"]["interviewer"].any()


def test_word_frequencies_counted_by_hand(table):
    freq = word_frequencies(table, min_length=3, stop_words=True)
    counts = freq.set_index("lemma")["count"]
    # "sheet": L's answer and meeting-02; "carers" was only the interviewer's word
    assert counts["sheet"] == 2
    assert "carer" not in counts
    assert counts["felt"] == 1  # nobody wrote "feel"
    assert "the" not in counts and "laugh" not in counts  # stop word, transcription filler
    assert word_frequencies(table, interviewer=True).set_index("lemma")["count"]["carers"] == 1
    assert freq["per_1000"].sum() == pytest.approx(1000)


def test_word_frequencies_by_document_attribute(table):
    freq = word_frequencies(table, by="kind", documents=corpus().documents)
    assert set(freq["kind"]) == {"interview", "observation"}
    assert freq.groupby("kind")["per_1000"].sum().round(6).tolist() == [1000, 1000]
    with pytest.raises(KeyError, match="sector"):
        word_frequencies(table, by="sector")


def test_word_frequencies_does_not_mutate(table):
    before = table.copy()
    word_frequencies(table, top=3)
    pd.testing.assert_frame_equal(table, before)


def test_kwic_whole_words_and_regex():
    c = Corpus([Document("n", "The map helped.\nMaps, maps everywhere; a mapping.")])
    hits = keyword_in_context(c, "map", window=10)
    assert hits[["start", "left", "keyword", "right"]].values.tolist() == [
        [4, "The", "map", "helped. M"]
    ]
    assert len(keyword_in_context(c, "maps?", regex=True)) == 3
    assert len(keyword_in_context(c, "MAP", case=True)) == 0
    with pytest.raises(ValueError, match="not a valid pattern"):
        keyword_in_context(c, "(", regex=True)


def test_kwic_on_lemmas_with_speaker(table):
    hits = keyword_in_context(corpus(), "sheet", tokens=table, window=12)
    assert hits["doc_id"].tolist() == ["interview-L", "meeting-02"]
    assert hits["speaker"].tolist() == ["Participant L", None]


def test_empty_corpus():
    assert len(tokens(Corpus([]))) == 0
    assert len(word_frequencies(tokens(Corpus([])))) == 0


def test_analysis_never_imports_spacy():
    import subprocess
    import sys

    code = "import sys, resilience_qda.analysis; print('spacy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr
