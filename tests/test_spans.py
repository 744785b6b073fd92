"""Codings to and from spaCy ``doc.spans``: exact offsets, coders, displaCy, errors."""

from __future__ import annotations

import pandas as pd
import pytest
import spacy
from spacy import displacy
from spacy.tokens import Doc

from resilience_qda.coding.rules import RULER, compile_rules
from resilience_qda.coding.rules import code as code_corpus
from resilience_qda.coding.spans import from_spans, to_spans
from resilience_qda.core.errors import CodingsError
from resilience_qda.core.model import CODINGS_COLUMNS, Document, validate_codings

NLP = spacy.blank("en")
TEXT = "Café talk 😀. She felt isolated — très isolée. We rang her nan on Tuesday."


def _codings(rows):
    return pd.DataFrame(rows, columns=list(CODINGS_COLUMNS))


def test_every_coding_of_the_sample_comes_back_exactly(sample_project):
    codings = validate_codings(sample_project.codings[list(CODINGS_COLUMNS)])
    back = []
    for doc_id, rows in codings.groupby("doc_id"):
        doc = to_spans(rows, NLP(sample_project.corpus[doc_id].text))
        assert len(doc.spans["codings"]) == len(rows)
        back.append(from_spans(doc, doc_id=doc_id))
    pd.testing.assert_frame_equal(pd.concat(back, ignore_index=True), codings)


def test_spans_carry_code_as_label_and_coder_as_id_and_cover_the_words(sample_project):
    a = sample_project.codings_of("A")
    rows = a[a["doc_id"] == "interview-B"]
    text = sample_project.corpus["interview-B"].text
    doc = to_spans(rows, NLP(text), key="A")
    got = {(s.text, s.label_, s.id_) for s in doc.spans["A"]}
    want = {(text[s:e], c, "A") for s, e, c in rows[["start", "end", "code"]].values}
    assert got == want


def test_a_coding_inside_a_word_is_widened_to_tokens_but_comes_back_exact():
    start = TEXT.index("isolée") + 2  # "olée": starts inside a token
    codings = _codings([("d", start, start + 4, "x", "A", "manual", None)])
    doc = to_spans(codings, NLP(TEXT))
    assert [s.text for s in doc.spans["codings"]] == ["isolée"]
    back = from_spans(doc, doc_id="d")
    assert back[["start", "end"]].values.tolist() == [[start, start + 4]]


def test_strict_alignment_refuses_a_coding_inside_a_word_naming_it():
    start = TEXT.index("isolée") + 2
    codings = _codings([("d", start, start + 4, "x", "A", "manual", None)])
    with pytest.raises(CodingsError, match=r"'x' by 'A' at .*'olée'.*alignment_mode"):
        to_spans(codings, NLP(TEXT), alignment_mode="strict")


def test_offsets_are_code_points_across_emoji_and_accents():
    start = TEXT.index("We rang")
    codings = _codings(
        [
            ("d", start, len(TEXT), "framework/belonging", "B", "import", 0.75),
            ("d", 0, TEXT.index("."), "other", "B", "import", None),
        ]
    )
    doc = to_spans(codings, NLP(TEXT))
    assert [s.text for s in doc.spans["codings"]] == ["Café talk 😀", TEXT[start:]]
    back = from_spans(doc, doc_id="d")
    assert back["score"].tolist()[1] == 0.75 and pd.isna(back["score"].tolist()[0])


def test_the_input_doc_is_left_unchanged():
    doc = NLP(TEXT)
    to_spans(_codings([("d", 0, 4, "x", "A", "manual", None)]), doc)
    assert "codings" not in doc.spans


def test_exact_offsets_survive_doc_serialisation():
    start = TEXT.index("isolée") + 1
    codings = _codings([("d", start, start + 3, "x", "A", "rules", 2.0)])
    restored = Doc(NLP.vocab).from_bytes(to_spans(codings, NLP(TEXT)).to_bytes())
    back = from_spans(restored, doc_id="d")
    assert back[["start", "end", "source", "score"]].values.tolist() == [
        [start, start + 3, "rules", 2.0]
    ]


def test_displacy_span_visualiser_draws_each_coding_with_its_code():
    start = TEXT.index("She")
    codings = _codings(
        [
            ("d", start, TEXT.index("—"), "context/feeling-isolated", "A", "manual", None),
            ("d", start, TEXT.index("—"), "practice-elements/meanings", "A", "manual", None),
        ]
    )
    doc = to_spans(codings, NLP(TEXT))
    html = displacy.render(doc, style="span", options={"spans_key": "codings"}, page=False)
    assert html.count("context/feeling-isolated") == 1
    assert html.count("practice-elements/meanings") == 1 and "isolated" in html


def test_spans_of_the_rule_pipeline_read_back_as_the_rule_coders_evidence():
    text = "I felt so isolated, nobody to ring. Now I'm not on my own."
    doc = compile_rules()(text)
    table = from_spans(doc, key=RULER, doc_id="n", coder="rules:cop-evaluation", source="rules")
    assert set(table["source"]) == {"rules"} and len(table)
    coded = code_corpus([Document("n", text)])
    for s, e, code in table[["start", "end", "code"]].values:
        row = coded[(coded["code"] == code) & (coded["start"] <= s) & (coded["end"] >= e)]
        assert text[s:e] in row["evidence"].iloc[0].split(" | ")


def test_an_edited_group_comes_back_at_its_spans_own_offsets():
    start = TEXT.index("isolée") + 2
    codings = _codings(
        [("d", start, start + 4, "x", "A", "manual", None), ("d", 0, 4, "y", "A", "manual", 1.0)]
    )
    doc = to_spans(codings, NLP(TEXT))
    doc.spans["codings"] = [doc.spans["codings"][1]]  # the widened span, recorded rows gone
    back = from_spans(doc, doc_id="d")
    assert back[["start", "end", "code", "source"]].values.tolist() == [
        [TEXT.index("isolée"), TEXT.index("isolée") + 6, "x", "import"]
    ]


def test_several_documents_need_a_doc_id():
    codings = _codings(
        [("d1", 0, 4, "x", "A", "manual", None), ("d2", 0, 4, "x", "A", "manual", None)]
    )
    with pytest.raises(CodingsError, match=r"2 documents \(d1, d2\); pass doc_id="):
        to_spans(codings, NLP(TEXT))
    doc = to_spans(codings, NLP(TEXT), doc_id="d2")
    assert [s.text for s in doc.spans["codings"]] == ["Café"]


def test_codings_past_the_end_of_the_text_are_refused():
    codings = _codings([("d", 0, 500, "x", "A", "manual", None)])
    with pytest.raises(CodingsError, match=r"end past the Doc's text \(\d+ characters"):
        to_spans(codings, NLP(TEXT))


def test_a_broken_codings_table_is_refused():
    with pytest.raises(CodingsError, match="missing column"):
        to_spans(pd.DataFrame({"doc_id": ["d"]}), NLP(TEXT))


def test_from_spans_says_what_is_missing():
    doc = NLP(TEXT)
    with pytest.raises(CodingsError, match=r"no span group 'codings' \(groups: none\)"):
        from_spans(doc, doc_id="d")
    doc.spans["codings"] = [doc[0:2]]
    with pytest.raises(CodingsError, match="has no label"):
        from_spans(doc, doc_id="d")
    doc.spans["codings"] = [doc.char_span(0, 4, label="x")]
    with pytest.raises(CodingsError, match="no id_ naming its coder; pass coder="):
        from_spans(doc, doc_id="d")
    assert from_spans(doc, doc_id="d", coder="T")["coder"].tolist() == ["T"]
    with pytest.raises(ValueError, match="source must be one of"):
        from_spans(doc, doc_id="d", coder="T", source="robot")


def test_no_codings_give_an_empty_group_and_an_empty_table():
    doc = to_spans(_codings([]), NLP(TEXT))
    assert len(doc.spans["codings"]) == 0
    assert list(from_spans(doc, doc_id="d").columns) == list(CODINGS_COLUMNS)
