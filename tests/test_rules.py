"""The rule coder: patterns on lemmas, vetoes, widening to units, streaming, the command."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from resilience_qda.cli import main
from resilience_qda.coding import rules
from resilience_qda.coding.nlp import ModelError, make_nlp
from resilience_qda.coding.rules import code as rule_codings
from resilience_qda.coding.rules import compile_rules, iter_codings, widen
from resilience_qda.core.errors import CodebookError
from resilience_qda.core.model import Corpus, Document, validate_codings
from resilience_qda.core.units import units
from resilience_qda.io.codebook import codebook_from_yaml

SMALL = codebook_from_yaml(
    """
name: small
codes:
  - name: Context
    children:
      - name: Feeling isolated
        patterns:
          phrases: [feel isolated, on my own]
          tokens:
            - [{LEMMA: feeling}, {OP: "?"}, {LOWER: alone}]
          exclude: [not on my own]
      - name: Low confidence and morale
        patterns:
          phrases: [no confidence]
  - name: Meanings
    children:
      - name: Sense of self
        patterns:
          phrases: [confidence]
          exclude: [no confidence]
""",
    origin="small.yaml",
)

INTERVIEW = (
    "Interviewer: Do you ever feel isolated?\n\n"
    "Participant L: Feeling isolated, yes. I was on my own a lot. Now I'm not on my own.\n\n"
    "We had no confidence then. My confidence grew.\n\n"
    "Interviewer: Thank you."
)


def _doc(text=INTERVIEW, doc_id="int-L", kind="interview"):
    return Document(doc_id, text, {"kind": kind})


def _quotes(codings, text):
    return [(c, text[s:e]) for s, e, c in codings[["start", "end", "code"]].values]


# --------------------------------------------------------------------------- matching


def test_phrases_match_any_inflection_and_capitalised_sentence_starts():
    got = _quotes(rule_codings([_doc()], SMALL), INTERVIEW)
    assert ("context/feeling-isolated", "Feeling isolated, yes.") in got


def test_token_pattern_lemmas_are_lemmatised_for_the_writer():
    # the pattern says LEMMA "feeling"; the lemma of "felt" is "feel"
    text = "I felt so alone there."
    codings = rule_codings([_doc(text, kind="document")], SMALL)
    assert codings["evidence"].tolist() == ["felt so alone"]


def test_exclusion_vetoes_only_the_matches_it_overlaps():
    codings = rule_codings([_doc()], SMALL)
    got = _quotes(codings, INTERVIEW)
    assert ("context/feeling-isolated", "I was on my own a lot.") in got
    assert all("not on my own" not in q for _, q in got)
    assert ("context/low-confidence-and-morale", "We had no confidence then.") in got
    assert ("practice-elements/sense-of-self", "We had no confidence then.") not in got
    assert ("meanings/sense-of-self", "My confidence grew.") in got


def test_doc_spans_hold_exactly_the_matches_that_are_coded():
    nlp = compile_rules(SMALL)
    assert nlp.pipe_names[-1] == f"{rules.RULER}_vetoes"
    doc = nlp(INTERVIEW)
    spans = [(s.text, s.label_, s.id_) for s in doc.spans[rules.RULER]]
    assert ("on my own", "context/feeling-isolated", "") in spans
    assert all(s.id_ != rules.EXCLUDE_ID for s in doc.spans[rules.RULER])
    not_alone = INTERVIEW.index("not on my own")
    assert not [s for s in doc.spans[rules.RULER] if not_alone <= s.start_char < not_alone + 13]
    evidence = rule_codings([_doc()], SMALL, interviewer=True)["evidence"].str.split(
        " | ", regex=False
    )
    assert sorted(s.text for s in doc.spans[rules.RULER]) == sorted(
        w for words in evidence for w in words
    )


def test_doc_spans_of_the_sample_are_the_rule_codings_evidence(sample_project):
    nlp = compile_rules()
    codings = rule_codings(sample_project.corpus, interviewer=True, unit="document")
    for doc in sample_project.corpus:
        parsed = nlp(doc.text)
        got = sorted((s.label_, s.text) for s in parsed.spans[rules.RULER])
        rows = codings[codings["doc_id"] == doc.doc_id]
        want = sorted(
            (code, words)
            for code, evidence in rows[["code", "evidence"]].values
            for words in evidence.split(" | ")
        )
        assert sorted(set(got)) == want, doc.doc_id


def test_interviewer_turns_are_left_out_unless_asked_for():
    first = rule_codings([_doc()], SMALL)
    assert not (first["start"] < INTERVIEW.index("Participant")).any()
    asked = rule_codings([_doc()], SMALL, interviewer=True)
    assert ("context/feeling-isolated", "Do you ever feel isolated?") in _quotes(asked, INTERVIEW)


@pytest.mark.parametrize("unit", ["sentence", "turn", "paragraph", "document"])
def test_matches_widen_to_exactly_the_units_of_coding_units(unit):
    doc = _doc()
    codings = rule_codings([doc], SMALL, unit=unit, interviewer=True)
    table = units(Corpus([doc]), unit)
    spans = set(zip(table["start"], table["end"], strict=True))
    assert len(codings) and set(zip(codings["start"], codings["end"], strict=True)) <= spans


def test_output_is_a_valid_codings_table_with_evidence_and_scores():
    codings = rule_codings([_doc()], SMALL)
    validate_codings(codings, {"int-L": INTERVIEW})
    assert set(codings["coder"]) == {"rules:small"} and set(codings["source"]) == {"rules"}
    row = codings[codings["evidence"].str.contains("Feeling isolated")].iloc[0]
    assert row["score"] == 1.0
    assert list(codings.columns) == list(rules.RULE_COLUMNS)


def test_score_adds_up_the_weights_of_distinct_matches_in_a_unit():
    book = codebook_from_yaml(
        "name: w\ncodes:\n  - name: A\n    patterns: {phrases: [tired, worn out], weight: 0.5}\n"
    )
    codings = rule_codings([_doc("Tired and worn out. Tired.", kind="document")], book)
    assert codings[["score", "evidence"]].values.tolist() == [
        [1.0, "Tired | worn out"],
        [0.5, "Tired"],
    ]


def test_offsets_are_code_points_in_texts_with_emoji_and_accents():
    text = "Café 😀 talk. She felt isolated — très."
    codings = rule_codings([_doc(text, kind="document")], SMALL)
    assert _quotes(codings, text) == [("context/feeling-isolated", "She felt isolated — très.")]


def test_empty_and_blank_documents_give_no_codings():
    docs = [_doc("", "a", "document"), _doc("  \n\n ", "b", "document")]
    frames = list(iter_codings(docs, SMALL))
    assert [len(f) for f in frames] == [0, 0]


def test_long_texts_are_cut_into_chunks_without_moving_offsets(monkeypatch):
    monkeypatch.setattr(rules, "MAX_CHUNK", 60)
    text = "\n\n".join(f"Paragraph {i}, nothing much here at all." for i in range(20))
    text += "\n\nIn the end I felt isolated."
    codings = rule_codings([_doc(text, kind="document")], SMALL)
    assert _quotes(codings, text) == [("context/feeling-isolated", "In the end I felt isolated.")]


def test_documents_are_read_lazily_one_batch_at_a_time():
    pulled = []

    def documents():
        for i in itertools.count():
            pulled.append(i)
            yield _doc(f"Doc {i}: I felt isolated.", f"d{i}", "document")

    stream = iter_codings(documents(), SMALL, batch_size=4)
    first = next(stream)
    assert first["doc_id"].tolist() == ["d0"] and len(pulled) <= 5


def test_two_processes_give_the_same_codings_as_one():
    docs = [_doc(INTERVIEW, f"int-{i}") for i in range(6)]
    one = rule_codings(docs, SMALL, batch_size=2)
    two = rule_codings(docs, SMALL, batch_size=2, n_process=2)
    pd.testing.assert_frame_equal(one, two)


# --------------------------------------------------------------------------- pipelines


def test_default_pipeline_is_blank_english_with_lookup_lemmas_and_no_sentencizer():
    nlp = make_nlp()
    assert nlp.pipe_names == ["qda_lemmatizer"]
    assert [t.lemma_ for t in nlp("Carers were Mapping")] == ["carer", "be", "map"]


def test_a_model_that_is_not_installed_is_an_error_not_a_download():
    with pytest.raises(ModelError, match=r"not installed.*never downloads"):
        make_nlp("en_core_web_nonexistent")


def test_a_pattern_spacy_rejects_names_file_line_code_and_pattern():
    book = codebook_from_yaml(
        "codes:\n  - name: A\n    patterns:\n      tokens: [[{LEMA: x}]]\n", origin="cb.yaml"
    )
    with pytest.raises(CodebookError, match=r"cb.yaml, line 2: code 'a'.*tokens\[0\].*LEMA"):
        compile_rules(book)


def test_widen_without_matches_returns_an_empty_table_with_the_columns():
    table = widen(_doc(), [])
    assert list(table.columns) == list(rules.RULE_COLUMNS) and not len(table)


# --------------------------------------------------------------------------- built-in codebook


def test_builtin_codebook_codes_every_facet_of_the_sample(sample_project):
    codings = rule_codings(sample_project.corpus)
    validate_codings(codings, sample_project.corpus)
    facets = set(codings["code"].str.split("/").str[0])
    assert facets == {
        "themes",
        "practice-elements",
        "framework",
        "noble-truths",
        "context",
        "steps",
    }
    assert codings["evidence"].str.len().gt(0).all()
    sentences = units(sample_project.corpus, "sentence")
    participant = sentences[~sentences["interviewer"]]
    spans = set(zip(participant["doc_id"], participant["start"], participant["end"], strict=True))
    coded = set(zip(codings["doc_id"], codings["start"], codings["end"], strict=True))
    assert coded <= spans


@pytest.mark.parametrize(
    ("sentence", "code"),
    [
        ("Honestly we were all drowning, morale was through the floor.", "low-confidence"),
        ("You're the only one out there, there's nobody to ring.", "feeling-isolated"),
        ("Everything's about the risk assessment, never about need.", "top-down-risk"),
        ("She was behind on the rent and using the food bank.", "enough-money-to-live"),
        ("He's been excluded twice this term.", "make-school-work"),
        ("I've got the sheet pinned up by the phone.", "have-it-to-hand"),
        ("Tomorrow's another day, I tell her.", "tomorrow-is-another-day"),
    ],
)
def test_builtin_patterns_find_how_people_talk(sentence, code):
    codings = rule_codings([_doc(sentence, kind="document")])
    assert any(code in c for c in codings["code"]), codings["code"].tolist()


# --------------------------------------------------------------------------- command


def test_code_command_writes_a_codings_csv_for_a_folder_of_texts(tmp_path, capsys):
    folder = tmp_path / "texts"
    folder.mkdir()
    (folder / "note-1.txt").write_text("We felt isolated.\n", encoding="utf-8")
    (folder / "note-2.txt").write_text("Nothing to see.\n", encoding="utf-8")
    out = tmp_path / "codings.csv"
    assert main(["code", str(folder), "-o", str(out), "--unit", "paragraph"]) == 0
    table = pd.read_csv(out)
    assert table[["doc_id", "start", "end", "evidence"]].values.tolist() == [
        ["note-1", 0, 17, "felt isolated"]
    ]
    assert "2 documents" in capsys.readouterr().err


def test_code_command_on_a_project_uses_its_codebook_and_can_save(tmp_path):
    project = tmp_path / "proj"
    (project / "sources").mkdir(parents=True)
    (project / "sources" / "i1.txt").write_text(INTERVIEW, encoding="utf-8")
    (project / "codebook.yaml").write_text(
        "name: small\ncodes:\n  - name: Iso\n    patterns: {phrases: [on my own]}\n",
        encoding="utf-8",
    )
    assert main(["code", str(project), "--save", "--no-progress"]) == 0
    saved = pd.read_csv(project / "codings" / "rules%3Asmall.csv")
    assert saved["code"].tolist() == ["iso", "iso"]
    assert saved["quote"].tolist() == ["I was on my own a lot.", "Now I'm not on my own."]


def test_code_command_with_a_broken_codebook_fails_cleanly_and_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("codes:\n  - name: A\n    patterns: {tokens: [[{OP: '!!'}]]}\n")
    text = tmp_path / "t.txt"
    text.write_text("hello\n")
    out = tmp_path / "out.csv"
    assert main(["code", str(text), "--codebook", str(bad), "-o", str(out)]) == 1
    assert f"{bad}, line 2: code 'a'" in capsys.readouterr().err
    assert not out.exists() and not list(tmp_path.glob(".out.csv*"))
