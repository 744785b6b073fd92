"""Pseudonymisation: the key, the detectors (with precision and recall on a labelled set),
the review list, replacement with re-anchored codings, the record, the check and the CLI."""

from __future__ import annotations

import re
import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import resilience_qda as rq
from resilience_qda.cli import main
from resilience_qda.coding.anchors import reanchor
from resilience_qda.core.errors import ProjectError, QDAError
from resilience_qda.core.model import Codebook, Corpus, Document, Project
from resilience_qda.privacy import (
    PipelineError,
    PseudonymKeyError,
    ReviewError,
    check_project,
    find_candidates,
    find_patterns,
    key_from_frame,
    load_pipeline,
    nhs_check_digit_ok,
    pseudonymisation_note,
    pseudonymise,
    read_key,
    read_record,
    write_pseudonymised,
)
from resilience_qda.privacy.detect import find_key_names
from resilience_qda.privacy.evaluate import detection_scores, parse_labelled
from resilience_qda.privacy.key import ambiguous_parts, key_version
from resilience_qda.privacy.replace import apply_replacements, map_offsets

FIXTURES = Path(__file__).parent / "fixtures" / "privacy"
SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"


@pytest.fixture(scope="module")
def key():
    return read_key(FIXTURES / "key.csv")


def texts_of(kind: str, text: str) -> list[str]:
    return [text[h.start : h.end] for h in find_patterns(text, kinds=[kind])]


# --------------------------------------------------------------------------- the key


def test_key_variants_nicknames_and_name_parts_all_map_to_the_pseudonym(key):
    for form in ("Jayden Clarke", "Jayden", "Clarke", "Jay", "JJ"):
        assert key.variants[form] == "Child 1"
    assert key.variants["Nana Gwen"] == "Participant G"
    assert list(key.variants) == sorted(key.variants, key=lambda f: (-len(f), f))


def test_a_surname_shared_by_two_people_is_ambiguous_and_not_replaced_alone(key):
    assert "Fairbairn" not in key.variants
    assert ambiguous_parts(key) == ["Fairbairn"]
    assert key.variants["Mr Fairbairn"] == "Parent 1"


def test_key_inside_the_project_folder_is_refused(tmp_path):
    (tmp_path / "sources").mkdir()
    (tmp_path / "key.csv").write_text("name,pseudonym\nA B,P1\n")
    with pytest.raises(PseudonymKeyError, match="inside the project"):
        read_key(tmp_path / "key.csv", project=tmp_path)


@pytest.mark.parametrize(
    ("csv", "message"),
    [
        ("name,alias\nA,B\n", "missing column"),
        ("name,pseudonym\nSarah,\n", "must both be filled"),
        ("name,pseudonym,variants\nSarah Jones,P1,Sal\nSally Smith,P2,Sal\n", "two pseudonyms"),
        ("name,pseudonym\nSam Cole,Ben\nBen Ross,P2\n", "also a real name"),
        ("name,pseudonym\nSam Cole,Joe Ross\nBen Ross,P2\n", "contains 'Ross'"),
        ("", "cannot be read"),
    ],
)
def test_malformed_keys_are_refused_with_the_row_and_the_fix(tmp_path, csv, message):
    (tmp_path / "key.csv").write_text(csv)
    with pytest.raises(PseudonymKeyError, match=message):
        read_key(tmp_path / "key.csv")


def test_places_and_organisations_in_the_key_keep_their_kind():
    k = key_from_frame(
        pd.DataFrame(
            {
                "name": ["Whitehawk", "Oak Trust", "Jo Bloggs"],
                "pseudonym": ["[TOWN 1]", "[CHARITY 1]", "P1"],
                "kind": ["place", "organisation", ""],
            }
        )
    )
    table = find_candidates({"d": "Jo from Oak Trust lives in Whitehawk."}, key=k)
    assert table[["text", "kind", "replacement"]].values.tolist() == [
        ["Jo", "NAME", "P1"],
        ["Oak Trust", "ORG", "[CHARITY 1]"],
        ["Whitehawk", "PLACE", "[TOWN 1]"],
    ]
    assert "Oak" not in k.variants  # only people's names are split into words


def test_key_version_ignores_row_order_and_whitespace_but_not_content():
    a = pd.DataFrame({"name": ["A B", "C D"], "pseudonym": ["P1", "P2"]})
    b = pd.DataFrame({"name": ["C D ", "A B"], "pseudonym": ["P2", "P1"]})
    c = pd.DataFrame({"name": ["A B", "C D"], "pseudonym": ["P1", "P3"]})
    assert key_version(a) == key_version(b) != key_version(c)
    assert "A B" not in key_version(a)


def test_key_names_match_whole_words_as_written_or_in_capitals(key):
    text = "Jayden's mum, JAYDEN, jayden, Jaydenne, Kayla-Morrison and Tyler Nash's dad."
    assert [text[h.start : h.end] for h in find_key_names(text, key)] == [
        "Jayden",
        "JAYDEN",
        "Kayla",
        "Morrison",
        "Tyler Nash",
    ]


def test_a_name_that_starts_a_hyphenated_word_is_not_that_name(key):
    text = "Rose-tinted glasses, said Amelia-Rose; Rose came too."
    assert [text[h.start : h.end] for h in find_key_names(text, key)] == ["Amelia-Rose", "Rose"]


def test_key_names_inside_email_addresses_are_left_to_the_email_pattern(key):
    table = find_candidates({"d": "Write to jayden.clarke@example.org please"}, key=key)
    assert table[["text", "kind"]].values.tolist() == [["jayden.clarke@example.org", "EMAIL"]]


# --------------------------------------------------------------------------- patterns


@pytest.mark.parametrize(
    ("kind", "text", "found"),
    [
        ("PHONE", "ring 07700 900123 tonight", ["07700 900123"]),
        ("PHONE", "mobile 07700900123, ta", ["07700900123"]),
        (
            "PHONE",
            "on +44 7700 900123 or +44 (0) 1273 960 412",
            ["+44 7700 900123", "+44 (0) 1273 960 412"],
        ),
        ("PHONE", "(01273) 960 585 or 020 7946 0321", ["(01273) 960 585", "020 7946 0321"]),
        ("PHONE", "free on 0808 157 0192", ["0808 157 0192"]),
        ("PHONE", "NHS 111, 999, 101, extension 4471", []),
        ("PHONE", "ref 2010/4471/0091 and 1,204 to 1,876", []),
        ("PHONE", "on 12/03/2010 at 10.30, 2008-2011", []),
        ("PHONE", "ISBN 978 0 335 22436 5; cost code 0912 4471 33", []),
        ("PHONE", "starts 07700, can't remember the rest; the 0800 line", []),
        ("POSTCODE", "at BN2 4GJ and SW1A 1AA and bn1 7hl", ["BN2 4GJ", "SW1A 1AA", "bn1 7hl"]),
        ("POSTCODE", "down the A23 to BN1 and the M25", []),
        (
            "EMAIL",
            "mail d.okafor@nhs.net or Leon.F1985@example.com.",
            ["d.okafor@nhs.net", "Leon.F1985@example.com"],
        ),
        ("EMAIL", "an @mention and a@b", []),
        ("DOB", "DOB: 03/05/2006", ["03/05/2006"]),
        ("DOB", "date of birth is 21st of June 1993", ["21st of June 1993"]),
        ("DOB", "she was born on 2 September 2010, early", ["2 September 2010"]),
        ("DOB", "D.O.B. 02.09.10 and birth date 1991-02-14", ["02.09.10", "1991-02-14"]),
        ("DOB", "My birthday's on the 4th of October", ["4th of October"]),
        ("DOB", "met on 14 January 2010; review 03/05/2011", []),
        ("DOB", "born and bred in Hove, born out of frustration, born in 1947", []),
        ("NHS", "NHS number 943 476 5919", ["943 476 5919"]),
        ("NHS", "unbroken 9434765919 or 943-476-5919", ["9434765919", "943-476-5919"]),
        ("NHS", "invoice 943 476 5918 and 1234567890", []),
        ("NHS", "NHS no: 943 476 5918 (check digit wrong but cued)", ["943 476 5918"]),
        (
            "ADDRESS",
            "at 14 Hollingbury Rise and Flat 3, 40 Church Road",
            ["14 Hollingbury Rise", "Flat 3, 40 Church Road"],
        ),
        ("ADDRESS", "she lives on Elm Grove now", ["Elm Grove"]),
        ("ADDRESS", "the Family Court, Hove Park, Every Way, the Crown Court", []),
        (
            "INSTITUTION",
            "at Westfield Primary School and St Luke's Surgery",
            ["Westfield Primary School", "St Luke's Surgery"],
        ),
        (
            "INSTITUTION",
            "the local Children's Centre, the Secondary School, Sure Start Children's Centre",
            [],
        ),
    ],
)
def test_pattern_finds_identifiers_and_leaves_lookalikes(kind, text, found):
    assert texts_of(kind, text) == found


def test_nhs_check_digit_follows_the_modulus_11_algorithm():
    # NHS Digital's published example number, and each single-digit error of it
    assert nhs_check_digit_ok("9434765919")
    assert not any(nhs_check_digit_ok(f"943476591{d}") for d in "012345678")
    assert not nhs_check_digit_ok("943476591")


def test_unknown_pattern_kind_is_named():
    with pytest.raises(ValueError, match="unknown identifier kind"):
        find_patterns("x", kinds=["SHOE_SIZE"])


# --------------------------------------------------------------------------- precision and recall


def scores(name: str, key) -> pd.DataFrame:
    texts, gold = parse_labelled((FIXTURES / name).read_text(encoding="utf-8"))
    found = find_candidates(texts, key=key)
    return detection_scores(found, gold).set_index("kind")


def test_labelled_set_is_consistent_and_has_at_least_200_identifiers_of_every_kind():
    texts, gold = parse_labelled((FIXTURES / "labelled.txt").read_text(encoding="utf-8"))
    assert all(texts[d][s:e] == t for d, s, e, _, t in gold.itertuples(index=False))
    assert len(gold) >= 200
    assert gold["kind"].value_counts().min() >= 10


def test_detector_precision_and_recall_on_the_labelled_set(key):
    table = scores("labelled.txt", key)
    known = table.drop(index=["UNKEYED", "all"])
    assert (known["precision"] >= 0.95).all(), known
    assert (known["recall"] >= 0.85).all(), known
    assert table.loc["NAME", "recall"] == 1.0
    assert table.loc["UNKEYED", "recall"] == 0.0  # names outside the key need a pipeline


def test_detector_on_the_held_out_set_written_after_the_patterns(key):
    table = scores("heldout.txt", key)
    assert table.loc["all", "precision"] >= 0.9
    assert table.loc["all", "recall"] >= 0.8


# --------------------------------------------------------------------------- review list


def test_review_lists_every_candidate_with_context_and_consistent_replacements(key):
    texts = {
        "a": "Jay rang from 07700 900123 about Westfield Primary School.",
        "b": "At Westfield Primary School, JJ was fine. Then Oakwood Academy.",
    }
    table = find_candidates(texts, key=key)
    assert list(table["candidate"]) == list(range(1, len(table) + 1))
    assert set(table["action"]) == {"replace"}
    rep = dict(zip(table["text"], table["replacement"], strict=True))
    assert rep == {
        "Jay": "Child 1",
        "JJ": "Child 1",
        "07700 900123": "[PHONE]",
        "Westfield Primary School": "[INSTITUTION 1]",
        "Oakwood Academy": "[INSTITUTION 2]",
    }
    first = table.iloc[0]
    assert first["context"].startswith("«Jay» rang from")


def test_review_covers_memos_as_memo_documents():
    memos = pd.DataFrame(
        {"memo_id": ["m1"], "doc_id": ["a"], "code": [""], "text": ["Call 07700 900123"]}
    )
    project = Project(Corpus([Document("a", "Nothing here.")]), Codebook(), memos=memos)
    table = find_candidates(project)
    assert table[["doc_id", "text"]].values.tolist() == [["memo:m1", "07700 900123"]]


# --------------------------------------------------------------------------- spaCy entities


def test_an_uninstalled_pipeline_is_an_error_never_a_download():
    with pytest.raises(PipelineError, match=r"not installed.*never downloads"):
        load_pipeline("en_core_web_nonexistent")


def test_a_pipeline_without_an_entity_recogniser_is_refused(tmp_path):
    import spacy

    spacy.blank("en").to_disk(tmp_path / "blank")
    with pytest.raises(PipelineError, match="no ner or entity_ruler"):
        load_pipeline(str(tmp_path / "blank"))


def test_entities_of_a_named_pipeline_become_numbered_candidates(tmp_path, key):
    import spacy

    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns(
        [
            {"label": "PERSON", "pattern": [{"TEXT": "Jayden"}, {"TEXT": "Okoro"}]},
            {"label": "PERSON", "pattern": "Destiny"},
            {"label": "GPE", "pattern": "Crawley"},
            {"label": "ORG", "pattern": "Oak Trust"},
        ]
    )
    nlp.to_disk(tmp_path / "ner")
    loaded = load_pipeline(str(tmp_path / "ner"))
    texts = {"d": "Jayden Okoro and Destiny moved to Crawley with Oak Trust.\n\nDestiny's fine."}
    table = find_candidates(texts, key=key, nlp=loaded)
    got = table[["text", "kind", "replacement"]].values.tolist()
    assert got == [
        ["Jayden", "NAME", "Child 1"],  # the key's reading wins
        ["Okoro", "NAME", "[PERSON 1]"],  # the rest of the entity is still a name
        ["Destiny", "NAME", "[PERSON 2]"],
        ["Crawley", "PLACE", "[PLACE 1]"],
        ["Oak Trust", "ORG", "[ORGANISATION 1]"],
        ["Destiny", "NAME", "[PERSON 2]"],
    ]


# --------------------------------------------------------------------------- replacement


TEXT = (
    "Interviewer: Who helped?\n\n"
    "Participant: Jayden's teacher, Paul Greaves, rang me on 07700 900123. Jay was fine "
    "after that.\n"
)


def small_project(text=TEXT, spans=(("Jayden's teacher", "a"), ("Jay was fine", "b"))):
    rows = []
    for quote, code in spans:
        s = text.index(quote)
        rows.append(("d", s, s + len(quote), code, "A", "manual", None))
    codings = pd.DataFrame(rows, columns=list(rq.CODINGS_COLUMNS))
    codings["memo"] = "ask Paul Greaves"
    doc = Document("d", text, {"kind": "interview", "original_file": "Jayden Clarke.docx"})
    return Project(Corpus([doc]), Codebook(), codings)


def test_replacement_changes_text_and_keeps_codings_on_their_words(key):
    project = small_project()
    out = pseudonymise(project, find_candidates(project, key=key), key=key)
    text = out.project.corpus["d"].text
    assert "Child 1's teacher, Colleague 1, rang me on [PHONE]. Child 1 was fine" in text
    coded = rq.coded_text(out.project.codings, out.project.corpus).tolist()
    assert coded == ["Child 1's teacher", "Child 1 was fine"]
    assert out.codings_report["status"].tolist() == ["changed", "changed"]
    assert out.project.corpus["d"].metadata["original_file"] == "Child 1.docx"
    assert set(out.project.codings["memo"]) == {"ask Colleague 1"}
    assert out.project.corpus["d"].metadata["pseudonymised"] == key.version
    assert out.record["replaced"] == {"NAME": 3, "PHONE": 1}


def test_input_project_is_not_mutated(key):
    project = small_project()
    before = (project.corpus["d"].text, project.codings.copy())
    pseudonymise(project, find_candidates(project, key=key), key=key)
    assert project.corpus["d"].text == before[0]
    pd.testing.assert_frame_equal(project.codings, before[1])


def test_rows_marked_keep_are_left_and_recorded(key):
    project = small_project()
    review = find_candidates(project, key=key)
    review.loc[review["text"] == "Paul Greaves", "action"] = "keep"
    out = pseudonymise(project, review, key=key)
    assert "Paul Greaves" in out.project.corpus["d"].text
    assert out.record["kept"] == [{"doc_id": "d", "kind": "NAME", "text": "Paul Greaves"}]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda r: r.assign(text=r["text"].where(r.index != 0, "Jordan")), "the source changed"),
        (lambda r: r.assign(replacement=r["replacement"].where(r.index != 0, " ")), "is empty"),
        (lambda r: r.assign(action="maybe"), "neither 'replace' nor 'keep'"),
        (lambda r: pd.concat([r, r.iloc[[0]]]), "overlap"),
        (lambda r: r.drop(columns=["replacement"]), "lacks column"),
        (lambda r: r.assign(doc_id="nope"), "no document 'nope'"),
    ],
)
def test_a_stale_or_broken_review_is_refused_before_anything_changes(key, edit, message):
    project = small_project()
    review = edit(find_candidates(project, key=key))
    with pytest.raises(ReviewError, match=message):
        pseudonymise(project, review, key=key)


def test_drifted_codings_must_be_reanchored_first(key):
    project = small_project()
    stale = rq.anchor_codings(project.codings, project.corpus)
    stale.loc[0, "quote"] = "something else"
    project = Project(project.corpus, project.codebook, stale)
    with pytest.raises(ProjectError, match="re-anchor the codings"):
        pseudonymise(project, find_candidates(project, key=key), key=key)


WORDS = [
    *["the", "lad", "said", "rang", "at", "ok.", "\n\n", ",", "Participant", "L:"],
    *["Jayden", "Jayden's", "Sal", "Kayla Morrison", "BN2 4GJ", "(07700 900123)", "jo@example.org"],
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    words=st.lists(st.sampled_from(WORDS), min_size=4, max_size=40),
    cuts=st.lists(st.tuples(st.integers(0, 400), st.integers(1, 60)), min_size=1, max_size=6),
)
def test_reanchoring_agrees_with_the_offsets_the_replacements_imply(key, words, cuts):
    text = " ".join(words)
    rows = [(s, min(len(text), s + n)) for s, n in cuts if s < len(text)]
    rows = [(s, e) for s, e in rows if text[s:e].strip()]
    if not rows:
        return
    codings = pd.DataFrame(
        [("d", s, e, f"c{i}", "A", "manual", None) for i, (s, e) in enumerate(rows)],
        columns=list(rq.CODINGS_COLUMNS),
    )
    project = Project(Corpus([Document("d", text)]), Codebook(), codings)
    out = pseudonymise(project, find_candidates(project, key=key), key=key)  # checks itself
    review = find_candidates(project, key=key)
    spans = list(zip(review["start"], review["end"], review["replacement"], strict=True))
    starts, ends = map_offsets(spans, [s for s, _ in rows], [e for _, e in rows])
    new = out.project.corpus["d"].text
    want = []
    for s, e in zip(starts, ends, strict=True):  # re-anchoring trims white space at the edges
        while new[s].isspace():
            s += 1
        while new[e - 1].isspace():
            e -= 1
        want.append((s, e))
    placed = out.project.codings.sort_values("code", key=lambda c: c.str[1:].astype(int))
    got = []
    for s, e in zip(placed["start"], placed["end"], strict=True):
        while new[s].isspace():
            s += 1
        while new[e - 1].isspace():
            e -= 1
        got.append((s, e))
    assert got == want
    assert "replacements" not in set(out.codings_report["method"])  # re-anchoring agreed


def test_map_offsets_takes_in_the_whole_pseudonym_when_a_coding_cuts_a_name():
    spans = [(4, 10, "Child 1")]  # "Jayden" in "Ask Jayden now"
    assert map_offsets(spans, [6, 0, 11], [8, 4, 14]) == ([4, 0, 12], [11, 4, 15])
    assert apply_replacements("Ask Jayden now", spans) == "Ask Child 1 now"


# --------------------------------------------------------------------------- end to end

INSERTIONS = [
    (
        "interview-L",
        "my manager forwarded the email",
        "my manager, Lorraine Bishop, forwarded the email from "
        "lorraine.bishop@brighton-hove.example.gov.uk",
    ),
    (
        "interview-L",
        "And the eldest, a lad of fourteen,",
        "And the eldest, Jayden, a lad of fourteen,",
    ),
    (
        "interview-L",
        "he's still in trouble at school.",
        "he's still in trouble at Blatchington Mill School.",
    ),
    ("interview-S", "I had a client ring", "I had a client, Kayla Morrison, ring"),
    ("interview-S", "pick up the phone to L,", "pick up the phone to Sarah Thompson,"),
    ("interview-N", "We had a lad, sixteen,", "We had a lad, Connor Walsh, sixteen,"),
    ("interview-N", "I rang her direct,", "I rang her direct on 07700 900461, Danielle,"),
    (
        "interview-B",
        "heading the same way at the new school.",
        "heading the same way at Patcham High School.",
    ),
    ("interview-H", "that this girl liked", "that this girl, Precious, liked"),
    (
        "meeting-05",
        "A young mum, seventeen, baby four months,",
        "A young mum, Kayla, seventeen, baby four months (DOB 14/01/2010, NHS 943 476 5919),",
    ),
    (
        "meeting-05",
        "into a flat that K called",
        "into a flat at 40 Church Road, BN3 2FN, that K called",
    ),
]


@pytest.fixture(scope="module")
def raw(tmp_path_factory):
    """data/sample with identifiers put back in, its codings re-anchored to the raw text."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sample = rq.read_project(SAMPLE)
    texts = dict(sample.corpus.texts)
    for doc_id, old, new in INSERTIONS:
        assert texts[doc_id].count(old) == 1, (doc_id, old)
        texts[doc_id] = texts[doc_id].replace(old, new)
    moved = reanchor(sample.codings, texts, old_corpus=sample.corpus.texts)
    assert moved.summary()["orphaned"] == 0
    corpus = Corpus(
        [Document(d.doc_id, texts[d.doc_id], d.metadata) for d in sample.corpus],
        cases=sample.corpus.cases,
    )
    root = tmp_path_factory.mktemp("e2e")
    rq.write_project(Project(corpus, sample.codebook, moved.codings, sample.memos), root / "raw")
    keyfile = root / "key.csv"
    shutil.copy(FIXTURES / "key.csv", keyfile)
    return root


@pytest.fixture(scope="module")
def small_raw(raw):
    """The raw project cut down to the documents with identifiers (for command-line tests)."""
    root = raw / "small"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full = rq.read_project(raw / "raw")
    keep = sorted({d for d, _, _ in INSERTIONS})
    corpus = Corpus([full.corpus[d] for d in keep], cases=full.corpus.cases)
    codings = full.codings[full.codings["doc_id"].isin(keep)]
    rq.write_project(Project(corpus, full.codebook, codings), root / "raw")
    shutil.copy(raw / "key.csv", root / "key.csv")
    return root


@pytest.fixture(scope="module")
def shared(raw):
    """The raw project reviewed (everything accepted), pseudonymised and written."""
    key = read_key(raw / "key.csv", project=raw / "raw")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        project = rq.read_project(raw / "raw")
    review = find_candidates(project, key=key)
    result = pseudonymise(project, review, key=key)
    write_pseudonymised(result, raw / "shared")
    return key, project, review, result


def test_end_to_end_review_replace_check_keeps_every_coding_on_its_words(raw, shared):
    key, project, review, result = shared
    assert not check_project(raw / "raw", key=key).empty
    kinds = set(review["kind"])
    assert {"NAME", "EMAIL", "PHONE", "POSTCODE", "DOB", "NHS", "ADDRESS", "INSTITUTION"} <= kinds
    assert len(review) == 16  # every inserted identifier, nothing in the original sample
    shared = rq.read_project(raw / "shared")

    assert check_project(raw / "shared", key=key).empty
    assert not [w for w in shared.warnings if "no longer cover" in w]
    # every coding covers the same words, with the reviewed identifiers replaced
    surfaces = sorted(
        zip(review["text"], review["replacement"], strict=True), key=lambda p: -len(p[0])
    )

    def with_replacements(text: str) -> str:
        for surface, rep in surfaces:
            text = re.sub(rf"(?<!\w){re.escape(surface)}(?!\w)", rep, text)
        return text

    before = project.codings.assign(text=rq.coded_text(project.codings, project.corpus))
    after = shared.codings.assign(text=rq.coded_text(shared.codings, shared.corpus))
    assert len(before) == len(after)
    key_cols = ["doc_id", "code", "coder"]
    expected = before.assign(text=before["text"].map(with_replacements))
    pd.testing.assert_frame_equal(
        expected.sort_values([*key_cols, "text"])[[*key_cols, "text"]].reset_index(drop=True),
        after.sort_values([*key_cols, "text"])[[*key_cols, "text"]].reset_index(drop=True),
        check_dtype=False,
    )
    changed = result.codings_report["status"].value_counts()
    assert changed.get("changed", 0) > 0 and changed.get("orphaned", 0) == 0
    # documents without identifiers keep every coding where it was
    same = before[before["doc_id"] == "meeting-01"][["start", "end"]].values.tolist()
    assert after[after["doc_id"] == "meeting-01"][["start", "end"]].values.tolist() == same


def test_the_shared_project_holds_no_real_name_and_records_the_key_version(raw, shared):
    key = shared[0]
    blob = "\n".join(
        f.read_text(encoding="utf-8") for f in (raw / "shared").rglob("*") if f.is_file()
    )
    for real in ["Lorraine", "Bishop", "Jayden", "Kayla", "Morrison", "Sarah Thompson", "Connor"]:
        assert real not in blob
    assert "07700 900461" not in blob and "brighton-hove" not in blob and "BN3 2FN" not in blob
    assert read_record(raw / "shared")["key_version"] == key.version
    assert key.version in blob
    shared = rq.read_project(raw / "shared")
    note = pseudonymisation_note(shared)
    assert note.startswith("The texts were pseudonymised (key version key-")
    assert key.version in note and "Lorraine" not in note
    assert pseudonymisation_note(rq.read_project(SAMPLE)) == ""


# --------------------------------------------------------------------------- command line


def test_cli_review_apply_check(small_raw, tmp_path, capsys):
    project, keyfile = str(small_raw / "raw"), str(small_raw / "key.csv")
    review = tmp_path / "review.csv"
    assert main(["pseudonymise", "check", project, "--key", keyfile]) == 1
    out = capsys.readouterr()
    assert "Jayden" in out.out and "identifier(s) remain" in out.err
    assert main(["pseudonymise", "review", project, "--key", keyfile, "-o", str(review)]) == 0
    table = pd.read_csv(review)
    assert len(table) == 16 and "context" in table
    shared = tmp_path / "shared"
    code = main(
        [
            "pseudonymise",
            "apply",
            project,
            "--review",
            str(review),
            "--key",
            keyfile,
            "--out",
            str(shared),
            "--report",
            str(tmp_path / "codings.csv"),
        ]
    )
    assert code == 0
    assert "replaced" in capsys.readouterr().err
    assert main(["pseudonymise", "check", str(shared), "--key", keyfile]) == 0
    assert (tmp_path / "codings.csv").exists()


def test_cli_review_with_an_uninstalled_spacy_pipeline_fails_cleanly(small_raw, capsys):
    code = main(["pseudonymise", "review", str(small_raw / "raw"), "--spacy", "en_core_web_xx"])
    assert code == 1
    assert "is not installed" in capsys.readouterr().err


def test_cli_refuses_to_write_the_review_inside_the_project(small_raw, capsys):
    project = str(small_raw / "raw")
    code = main(["pseudonymise", "review", project, "-o", f"{project}/review.csv"])
    assert code == 1
    assert "must not be written inside the project" in capsys.readouterr().err
    assert not (small_raw / "raw" / "review.csv").exists()


def test_cli_apply_needs_the_key_when_the_review_used_one(small_raw, tmp_path, capsys):
    review = tmp_path / "review.csv"
    main(
        [
            "pseudonymise",
            "review",
            str(small_raw / "raw"),
            "--key",
            str(small_raw / "key.csv"),
            "-o",
            str(review),
        ]
    )
    code = main(
        [
            "pseudonymise",
            "apply",
            str(small_raw / "raw"),
            "--review",
            str(review),
            "--out",
            str(tmp_path / "o"),
        ]
    )
    assert code == 1
    assert "pass the same key" in capsys.readouterr().err


def test_cli_apply_in_place_replaces_the_sources_and_records_it(small_raw, tmp_path):
    project = tmp_path / "copy"
    shutil.copytree(small_raw / "raw", project)
    review, keyfile = tmp_path / "review.csv", str(small_raw / "key.csv")
    assert main(["pseudonymise", "review", str(project), "--key", keyfile, "-o", str(review)]) == 0
    args = ["pseudonymise", "apply", str(project), "--review", str(review), "--key", keyfile]
    assert main([*args, "--in-place"]) == 0
    assert "Child 1" in (project / "sources" / "interview-L.txt").read_text(encoding="utf-8")
    assert (project / "pseudonymisation.yaml").exists()
    assert main(["pseudonymise", "check", str(project), "--key", keyfile]) == 0
    assert main([*args, "--in-place"]) == 1  # the review no longer fits the texts


def test_check_reports_file_names_and_respects_reviewed_keeps(tmp_path):
    project = Project(
        Corpus([Document("notes", "Call Westfield Primary School on 07700 900123.")]), Codebook()
    )
    review = find_candidates(project)
    review.loc[review["kind"] == "INSTITUTION", "action"] = "keep"
    write_pseudonymised(pseudonymise(project, review), tmp_path / "p")
    assert check_project(tmp_path / "p").empty
    (tmp_path / "p" / "sources" / "jo@example.org.txt").write_text("x")
    hits = check_project(tmp_path / "p")
    assert hits[["file", "kind", "detector"]].values.tolist() == [
        ["sources/jo@example.org.txt", "EMAIL", "file name"]
    ]


def test_errors_are_qda_errors():
    assert issubclass(PseudonymKeyError, QDAError) and issubclass(ReviewError, ValueError)


# --------------------------------------------------------------------------- names of things


def test_possessives_of_key_names_are_found(key):
    text = "The Jaydens' flat; Jayden's mum; Sarah's notes. Rose-tinted glasses stay."
    assert [text[h.start : h.end] for h in find_key_names(text, key)] == [
        "Jayden",
        "Jayden",
        "Sarah",
    ]


def test_names_in_file_names_ids_coders_and_attributes_are_pseudonymised(tmp_path, capsys):
    """A document named for a child, a coder named for a participant, names in attributes
    and in a memo's id: after `apply --in-place` no file, id or cell names anyone."""
    keyfile = FIXTURES / "key.csv"
    src = tmp_path / "in" / "meeting-jayden-clarke.md"
    src.parent.mkdir()
    src.write_text(
        "---\nkind: observation\ncase: jayden-clarke\nled_by: Sarah Thompson\n---\n"
        "The Jaydens' flat was small. Jayden's mum said Sarah helped.\n"
    )
    root = tmp_path / "p"
    assert main(["import", str(src), "--project", str(root)]) == 0
    text = (root / "sources" / "meeting-jayden-clarke.txt").read_text()
    start = text.index("flat")
    rows = pd.DataFrame(
        [
            (
                "meeting-jayden-clarke",
                start,
                start + 4,
                "themes/more-reflexive",
                "Sarah Thompson",
                "manual",
                None,
            )
        ],
        columns=list(rq.CODINGS_COLUMNS),
    )
    rq.write_codings(rows, root)
    (root / "memos").mkdir()
    (root / "memos" / "jayden-clarke-memo-1.md").write_text(
        "---\ndoc_id: meeting-jayden-clarke\nauthor: Sarah Thompson\n---\nFollow up.\n"
    )
    before = check_project(root, key=read_key(keyfile))
    found_in = set(before["file"])
    assert {
        "sources/meeting-jayden-clarke.txt",
        "codings/Sarah Thompson.csv",
        "memos/jayden-clarke-memo-1.md",
        "sources.csv",
    } <= found_in
    assert "file name" in set(before["detector"])
    review = tmp_path / "review.csv"
    args = ["pseudonymise", "review", str(root), "--key", str(keyfile), "-o", str(review)]
    assert main(args) == 0
    args = ["pseudonymise", "apply", str(root), "--review", str(review), "--key", str(keyfile)]
    assert main([*args, "--in-place"]) == 0
    capsys.readouterr()
    assert main(["pseudonymise", "check", str(root), "--key", str(keyfile)]) == 0
    names = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert [n for n in names if not n.startswith(".resilience-qda")] == [
        "codings/Participant L.csv",
        "memos/child-1-memo-1.md",
        "pseudonymisation.yaml",
        "sources.csv",
        "sources/meeting-child-1.txt",
        "study.yaml",  # the template import writes into a new project (names no one)
    ]
    project = rq.read_project(root)
    doc = project.corpus["meeting-child-1"]
    assert doc.metadata["original_file"] == "meeting-child-1.md"
    assert doc.metadata["case"] == "child-1" and doc.metadata["led_by"] == "Participant L"
    assert "Jayden" not in doc.text and "Child 1's mum" in doc.text
    coding = project.codings.iloc[0]
    assert (coding["coder"], doc.text[coding["start"] : coding["end"]]) == ("Participant L", "flat")
    assert project.memos.iloc[0]["author"] == "Participant L"
    assert read_record(root)["renamed"] == {"documents": 1, "coders": 1, "memos": 1}
