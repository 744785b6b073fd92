"""The model: the codings table schema, the codebook tree, the corpus tables."""

import pandas as pd
import pytest

from resilience_qda import (
    Code,
    Codebook,
    CodebookError,
    CodingsError,
    Corpus,
    Document,
    anchor_codings,
    validate_codings,
)

TEXTS = {"int-L": "Interviewer: Why?\n\nParticipant L: Because we had a language for it."}
QUOTE = "Because we had a language for it."
START = TEXTS["int-L"].index(QUOTE)


def rows(**changes):
    base = {
        "doc_id": "int-L",
        "start": START,
        "end": START + len(QUOTE),
        "code": "themes/more-resourceful",
        "coder": "A",
        "source": "manual",
        "score": None,
    }
    base.update(changes)
    return pd.DataFrame([base])


def test_a_valid_coding_is_normalised_with_integer_offsets_and_float_scores():
    out = validate_codings(rows(start=str(START), end=float(START + len(QUOTE))), TEXTS)
    assert out.dtypes["start"] == "int64" and out.dtypes["score"] == "float64"
    assert TEXTS["int-L"][out.start[0] : out.end[0]] == "Because we had a language for it."


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"end": 999}, "past the end of 'int-L'"),
        ({"start": 40, "end": 40}, "not before end"),
        ({"start": -1}, "start is negative"),
        ({"doc_id": "nope"}, "not a document of the project"),
        ({"source": "guess"}, "source 'guess' is not one of"),
        ({"code": ""}, "code is empty"),
        ({"start": "3.5"}, "not a whole number"),
        ({"score": "high"}, "score is not a number"),
    ],
)
def test_invalid_rows_are_refused_naming_the_row_and_problem(change, message):
    with pytest.raises(CodingsError, match=message) as err:
        validate_codings(rows(**change), TEXTS, origin="codings/A.csv")
    assert "codings/A.csv" in str(err.value) and "row 1" in str(err.value)


def test_missing_columns_are_named():
    with pytest.raises(CodingsError, match=r"missing column.*coder"):
        validate_codings(rows().drop(columns=["coder"]))


def test_optional_columns_travel_along_and_the_input_is_not_mutated():
    table = rows(memo="language", evidence="a language")
    before = table.copy()
    out = validate_codings(table, TEXTS)
    assert list(out.columns[-2:]) == ["memo", "evidence"]
    pd.testing.assert_frame_equal(table, before)


def test_anchors_hold_the_quote_and_its_context():
    out = anchor_codings(rows(), TEXTS, context=5)
    assert (out.prefix[0], out.quote[0], out.suffix[0]) == ("t L: ", QUOTE, "")


def codebook():
    return Codebook(
        [
            Code("themes", "Themes"),
            Code("themes/more-reflexive", "More reflexive"),
            Code("framework", "Framework"),
            Code("framework/learning", "Learning"),
            Code("practice-elements", "Practice elements"),
            Code("practice-elements/competencies", "Competencies"),
            Code("practice-elements/competencies/learning", "Learning"),
        ],
        name="t",
    )


def test_the_codebook_is_a_tree_addressed_by_paths():
    cb = codebook()
    assert cb.roots == ["themes", "framework", "practice-elements"]
    assert cb.children("practice-elements") == ["practice-elements/competencies"]
    assert cb.descendants("practice-elements") == [
        "practice-elements/competencies",
        "practice-elements/competencies/learning",
    ]
    assert cb.ancestors("a/b/c") == ["a/b", "a"]


def test_names_resolve_to_paths_and_ambiguous_names_are_refused():
    cb = codebook()
    assert cb.resolve("More reflexive") == "themes/more-reflexive"
    assert cb.resolve("Framework/Learning") == "framework/learning"
    with pytest.raises(CodebookError, match=r"ambiguous.*framework/learning"):
        cb.resolve("Learning")
    with pytest.raises(KeyError):
        cb.resolve("Nothing like it")


def test_duplicate_paths_and_orphans_are_refused():
    with pytest.raises(CodebookError, match="appears twice"):
        Codebook([Code("a", "A"), Code("a", "A")])
    with pytest.raises(CodebookError, match="parent 'x'"):
        Codebook([Code("x/y", "Y")])


def test_the_documents_table_joins_case_attributes():
    corpus = Corpus(
        [
            Document("int-L", TEXTS["int-L"], {"kind": "interview", "case": "L"}),
            Document("meeting-01", "Seven attended.", {"kind": "observation"}),
        ],
        cases=pd.DataFrame({"case": ["L"], "role": ["Social worker"]}),
    )
    docs = corpus.documents.set_index("doc_id")
    assert docs.loc["int-L", "role"] == "Social worker"
    assert pd.isna(docs.loc["meeting-01", "role"])
    assert docs.loc["meeting-01", "n_words"] == 2
    assert corpus.turns["speaker"].tolist() == ["Interviewer", "Participant L"]


def test_duplicate_document_ids_are_refused():
    with pytest.raises(CodingsError, match="two documents"):
        Corpus([Document("a", "x"), Document("a", "y")])
