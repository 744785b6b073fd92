"""Languages: detected at import, declared by codebooks, respected by rule coding and word
counts; lemmas never show a word nobody wrote."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from resilience_qda.analysis.words import keyword_in_context, word_frequencies
from resilience_qda.cli import main
from resilience_qda.coding.languages import InLanguage, document_language
from resilience_qda.coding.nlp import make_nlp
from resilience_qda.coding.rules import code as code_corpus
from resilience_qda.coding.tokens import tokens
from resilience_qda.core.errors import CodebookError, QDAWarning
from resilience_qda.core.model import Corpus, Document
from resilience_qda.io import read_project
from resilience_qda.io.codebook import codebook_from_yaml, codebook_to_yaml, read_codebook
from resilience_qda.io.language import detect_language, same_language, spacy_language

FIXTURES = Path(__file__).parent / "fixtures" / "sources"

#: A Danish interview (written for these tests): a family worker on the framework. "gift"
#: (married) and "Rent" (purely) are the words the English codebook mistakes.
DANISH = (FIXTURES / "interview-da-01.txt").read_text(encoding="utf-8")
#: An English interview from a study that collected data.
ENGLISH = (FIXTURES / "interview-en-ml.txt").read_text(encoding="utf-8")
#: A small Danish codebook: patterns written in Danish, matched on Danish lemmas.
DANISH_CODEBOOK = (FIXTURES / "dansk-evaluering.yaml").read_text(encoding="utf-8")


def corpus():
    return Corpus(
        [
            Document("da-01", DANISH, {"kind": "interview"}),
            Document("en-01", ENGLISH, {"kind": "interview"}),
        ]
    )


# --------------------------------------------------------------------------- detection


def test_detection_names_danish_and_english_and_leaves_tiny_texts_undetermined():
    assert detect_language(DANISH)[0] == "da"
    assert detect_language(ENGLISH)[0] == "en"
    assert detect_language("Nej.") == ("", 0.0)
    assert detect_language("Ja, helt sikkert.")[0] in ("", "da")  # never a confident "no"


def test_speaker_labels_do_not_pull_a_danish_transcript_to_english():
    labelled = "".join(
        f"Interviewer: {q}\nParticipant: {a}\n"
        for q, a in [("Hvordan gik det?", "Godt, tak."), ("Og så?", "Vi mødtes igen.")]
    )
    assert detect_language(labelled)[0] == "da"


def test_language_codes_compare_and_map_to_spacy():
    assert same_language("nb", "no") and same_language("da-DK", "da")
    assert not same_language("da", "en")
    assert spacy_language("no") == "nb" and spacy_language("") == "xx"


# --------------------------------------------------------------------------- codebooks


def test_codebooks_declare_their_language_and_keep_it_through_yaml():
    assert read_codebook("cop-evaluation").language == "en"
    book = codebook_from_yaml(DANISH_CODEBOOK)
    assert book.language == "da"
    assert codebook_from_yaml(codebook_to_yaml(book)).language == "da"
    with pytest.raises(CodebookError, match="not a language code"):
        codebook_from_yaml("language: Danish\ncodes: [A]\n")


def test_the_pipeline_is_blank_spacy_of_the_language_with_lookup_lemmas():
    nlp = make_nlp(language="da")
    assert nlp.lang == "da"
    assert [t.lemma_ for t in nlp("Huslejen er steget")] == ["husleje", "være", "stige"]
    assert make_nlp("blank:da").lang == "da"
    assert make_nlp(language="fi").lang == "fi"  # no lemma tables: lemma = word
    assert [t.lemma_ for t in make_nlp(language="fi")("Talot")] == ["talot"]
    assert make_nlp(language="qq").lang == "xx"  # a language spaCy lacks


# --------------------------------------------------------------------------- rule coding


def test_the_english_codebook_leaves_danish_out_and_says_so():
    with pytest.warns(QDAWarning, match=r"left out 1 document.*da-01 \(da\)"):
        codings = code_corpus(corpus(), "cop-evaluation")
    assert set(codings["doc_id"]) == {"en-01"}
    assert "context/feeling-isolated" in set(codings["code"])


def test_told_otherwise_the_english_codebook_codes_danish_with_false_friends():
    with warnings.catch_warnings():
        warnings.simplefilter("error", QDAWarning)
        codings = code_corpus(corpus(), "cop-evaluation", all_languages=True)
    danish = codings[codings["doc_id"] == "da-01"]
    # the false coding: Danish "gift" (married) read as an English gift
    assert "gift" in set(danish["evidence"])


def test_a_danish_codebook_codes_the_danish_text_on_danish_lemmas():
    book = codebook_from_yaml(DANISH_CODEBOOK)
    with pytest.warns(QDAWarning, match=r"en-01 \(en\)"):
        codings = code_corpus(corpus(), book)
    assert set(codings["doc_id"]) == {"da-01"}
    found = dict(zip(codings["code"], codings["evidence"], strict=True))
    assert set(found) == {"ressourcer", "okonomi", "tid", "stotte"}
    assert "huslejen" in found["okonomi"] and "aflyst" in found["tid"]
    assert codings["coder"].unique().tolist() == ["rules:dansk-evaluering"]


def test_a_stored_language_wins_over_detection_and_undetermined_texts_are_coded():
    docs = [
        Document("said-en", DANISH, {"language": "en"}),
        Document("short", "Nej."),
    ]
    assert document_language(docs[0]) == "en"
    kept = InLanguage(docs, "en")
    assert [d.doc_id for d in kept] == ["said-en", "short"] and kept.left_out == []
    assert len(InLanguage(docs, "en")) == 2  # sized input stays sized (progress bars)


# --------------------------------------------------------------------------- word counts


def test_words_are_counted_in_each_documents_language():
    table = tokens(corpus())
    assert dict(table.groupby("doc_id")["language"].first()) == {"da-01": "da", "en-01": "en"}
    da = table[table["doc_id"] == "da-01"]
    assert da[da["text"] == "og"]["is_stop"].all()  # a Danish stop word
    freq = word_frequencies(table).set_index("lemma")["count"]
    assert "og" not in freq and "the" not in freq


def test_a_declared_language_is_only_the_fallback_for_documents_of_unknown_language():
    from resilience_qda.coding.tokens import token_counts

    short = Document("q-01", "Ja. Nej. Måske.", {"kind": "interview"})  # undetermined
    mixed = Corpus([*corpus(), short])
    table = token_counts(mixed, language="en")
    assert dict(table.groupby("doc_id")["language"].first()) == {
        "da-01": "da", "en-01": "en", "q-01": "en"
    }  # fmt: skip
    freq = word_frequencies(table).set_index("lemma")["count"]
    assert "og" not in freq  # Danish text keeps its own stop words under a declared "en"
    assert token_counts(Corpus([short]), language="da")["language"].unique().tolist() == ["da"]


def test_data_stays_data_in_word_counts_and_kwic():
    table = tokens(corpus())
    assert table[table["text"] == "data"]["lemma"].unique().tolist() == ["data"]
    freq = word_frequencies(table).set_index("lemma")["count"]
    assert freq["data"] == 2 and "datum" not in freq
    hits = keyword_in_context(corpus(), "data", tokens=table)
    assert hits["keyword"].tolist() == ["data", "data"]
    lookup = tokens(corpus(), lemmas="lookup")
    assert lookup[lookup["text"] == "data"]["lemma"].unique().tolist() == ["datum"]


def test_lemmas_are_used_where_the_base_form_is_written():
    c = Corpus([Document("d", "The sessions helped. One session was cancelled.")])
    assert tokens(c).set_index("text")["lemma"]["sessions"] == "session"


# --------------------------------------------------------------------------- end to end


def test_import_stores_languages_and_code_respects_them(tmp_path, capsys):
    import docx

    src = tmp_path / "in"
    src.mkdir()
    word = docx.Document()
    for paragraph in DANISH.strip().split("\n\n"):
        word.add_paragraph(paragraph)
    word.save(src / "interview-da.docx")
    (src / "interview-en.txt").write_text(ENGLISH, encoding="utf-8")
    (tmp_path / "dansk.yaml").write_text(DANISH_CODEBOOK, encoding="utf-8")
    project = tmp_path / "p"
    assert main(["import", str(src), "--project", str(project)]) == 0
    assert "languages: 1 da, 1 en" in capsys.readouterr().err
    docs = read_project(project).corpus.documents.set_index("doc_id")
    assert docs["language"].to_dict() == {"interview-da": "da", "interview-en": "en"}
    assert docs["kind"].to_dict() == {"interview-da": "interview", "interview-en": "interview"}

    out = tmp_path / "en.csv"
    assert main(["code", str(project), "-o", str(out), "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert "left out 1 document(s)" in err and "interview-da (da)" in err
    assert "codings of 1 document to" in err and "(1 in another language left out)" in err
    assert "interview-da" not in out.read_text()
    out_da = tmp_path / "da.csv"
    args = ["code", str(project), "--codebook", str(tmp_path / "dansk.yaml"), "-o", str(out_da)]
    assert main([*args, "--no-progress"]) == 0
    coded = out_da.read_text()
    assert "interview-da" in coded and "okonomi" in coded and "interview-en" not in coded
    assert main(["code", str(project), "-o", str(out), "--all-languages", "--no-progress"]) == 0
    assert "interview-da" in out.read_text()

    # the rules read only the English interview: scoring them leaves the Danish one out
    both = pd.read_csv(out)
    both.assign(coder="M", source="manual").to_csv(tmp_path / "manual.csv", index=False)
    assert main(["code", str(project), "-o", str(tmp_path / "rules.csv"), "--no-progress"]) == 0
    capsys.readouterr()
    args = ["score", str(project), "--coder", str(tmp_path / "rules.csv"), "--reference",
            str(tmp_path / "manual.csv"), "-o", str(tmp_path / "s.csv")]  # fmt: skip
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "scored over 1 of 2 documents" in err and "1 it left out is not scored" in err
    assert pd.read_csv(tmp_path / "s.csv")["reference_only"].sum() == 0  # no Danish misses
    # a model reads every document: nothing is left out for it
    both.assign(coder="model:x", source="model").to_csv(tmp_path / "model.csv", index=False)
    args[args.index(str(tmp_path / "rules.csv"))] = str(tmp_path / "model.csv")
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "scored over 2 of 2 documents" in err and "left out" not in err
