"""Re-anchoring codings after a source text is edited: kept, moved, changed, shortened,
orphaned, and never on the wrong words."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resilience_qda.coding.anchors import diff_opcodes, drifted, reanchor
from resilience_qda.core.errors import CodingsError
from resilience_qda.core.model import anchor_codings

TEXT = (
    "Interviewer: So how did you first use the framework with a family?\n\n"
    "Participant H: I took the sheet along to supervision with Mrs P and put it on the "
    "kitchen table. She went straight to focus on good times and places. Two years, six "
    "placements, and nobody had written down that the girl liked digging potatoes.\n\n"
    "Interviewer: Yes.\n\n"
    "Participant H: Yes. And after that the sessions were different, we talked about what "
    "was going well for once. I felt less like a record keeper.\n\n"
    "Interviewer: Did it change how you write things up?\n\n"
    "Participant H: Yes. The reviews have a section on the good times now.\n"
)

PASSAGES = {
    "sheet": "I took the sheet along to supervision with Mrs P and put it on the kitchen table.",
    "potatoes": "Two years, six placements, and nobody had written down that the girl liked "
    "digging potatoes.",
    "record": "I felt less like a record keeper.",
    "reviews": "The reviews have a section on the good times now.",
}


def codings_for(text: str, passages=PASSAGES) -> pd.DataFrame:
    rows = []
    for code, quote in passages.items():
        s = text.index(quote)
        rows.append(("d", s, s + len(quote), code, "A", "manual", None))
    table = pd.DataFrame(
        rows, columns=["doc_id", "start", "end", "code", "coder", "source", "score"]
    )
    return anchor_codings(table, {"d": text})


def run(new: str, *, with_old: bool, **kw):
    codings = codings_for(TEXT)
    old = {"d": TEXT} if with_old else None
    result = reanchor(codings, {"d": new}, old_corpus=old, **kw)
    return result, result.report.set_index("code")


MODES = pytest.mark.parametrize("with_old", [True, False], ids=["diff", "anchors-only"])


def assert_on_right_words(result, new: str):
    """Every placed coding covers words of its own passage."""
    for row in result.report.itertuples():
        if row.status == "orphaned":
            assert pd.isna(row.start)
            continue
        assert new[row.start : row.end] == row.new_text
        if row.status in ("kept", "moved"):
            assert " ".join(row.new_text.split()) == " ".join(row.quote.split())


@MODES
def test_nothing_changed_keeps_every_coding(with_old):
    result, report = run(TEXT, with_old=with_old)
    assert set(report["status"]) == {"kept"}
    assert result.codings[["start", "end"]].equals(codings_for(TEXT)[["start", "end"]])


@MODES
def test_insertion_before_a_span_moves_it_with_the_same_words(with_old):
    new = TEXT.replace("Interviewer: So how", "[Recording starts]\n\nInterviewer: So how")
    result, report = run(new, with_old=with_old)
    assert set(report["status"]) == {"moved"}
    assert (report["start"] - report["old_start"] == len("[Recording starts]\n\n")).all()
    assert_on_right_words(result, new)


@MODES
def test_insertion_after_a_span_keeps_it(with_old):
    new = TEXT + "\nInterviewer: Thank you.\n"
    _, report = run(new, with_old=with_old)
    assert set(report["status"]) == {"kept"}


@MODES
def test_insertion_inside_a_span_keeps_the_passage_with_the_new_words(with_old):
    new = TEXT.replace("digging potatoes", "digging up potatoes")
    result, report = run(new, with_old=with_old)
    row = report.loc["potatoes"]
    assert row["status"] == "changed"
    assert row["new_text"] == PASSAGES["potatoes"].replace("digging", "digging up")
    assert report.drop("potatoes")["status"].isin(["kept", "moved"]).all()
    assert_on_right_words(result, new)


@MODES
def test_deletion_before_a_span_moves_it(with_old):
    new = TEXT.replace(" with a family", "")
    result, report = run(new, with_old=with_old)
    assert set(report["status"]) == {"moved"}
    assert_on_right_words(result, new)


@MODES
def test_part_of_the_coded_text_deleted_shortens_the_coding(with_old):
    new = TEXT.replace(" and put it on the kitchen table", "")
    result, report = run(new, with_old=with_old)
    row = report.loc["sheet"]
    assert row["status"] == "shortened"
    assert row["new_text"] == "I took the sheet along to supervision with Mrs P."
    assert_on_right_words(result, new)


@MODES
def test_most_of_the_coded_text_deleted_orphans_the_coding(with_old):
    new = TEXT.replace(" to supervision with Mrs P and put it on the kitchen table", "")
    result, report = run(new, with_old=with_old)
    assert report.loc["sheet", "status"] == "orphaned"  # "I took the sheet along." is too little
    assert_on_right_words(result, new)


@MODES
def test_a_name_pseudonymised_inside_the_span_is_a_change_not_an_orphan(with_old):
    new = TEXT.replace("Mrs P", "Mrs Okafor")
    _, report = run(new, with_old=with_old)
    row = report.loc["sheet"]
    assert row["status"] == "changed"
    assert row["new_text"] == PASSAGES["sheet"].replace("Mrs P", "Mrs Okafor")
    assert row["similarity"] >= 0.8


@MODES
def test_whitespace_changes_move_the_coding_onto_the_same_words(with_old):
    new = TEXT.replace("kitchen table. She", "kitchen\ntable.  She").replace(
        "Two years, six", "Two years,\nsix"
    )
    result, report = run(new, with_old=with_old)
    assert report.loc["sheet", "status"] == "moved"
    assert report.loc["sheet", "new_text"] == (
        "I took the sheet along to supervision with Mrs P and put it on the kitchen\ntable."
    )
    assert report.loc["potatoes", "status"] == "moved"
    assert_on_right_words(result, new)


@MODES
def test_rewritten_coded_text_is_orphaned_not_moved(with_old):
    new = TEXT.replace(
        PASSAGES["record"], "Honestly the paperwork did not get any lighter, though."
    )
    result, report = run(new, with_old=with_old)
    assert report.loc["record", "status"] == "orphaned"
    assert "record" not in set(result.codings["code"])
    assert len(result.orphans) == 1
    assert result.summary()["orphaned"] == 1
    assert_on_right_words(result, new)


@MODES
def test_deleted_passage_is_orphaned(with_old):
    new = TEXT.replace(" " + PASSAGES["potatoes"], "")
    result, report = run(new, with_old=with_old)
    assert report.loc["potatoes", "status"] == "orphaned"
    assert report.drop("potatoes")["status"].isin(["kept", "moved"]).all()
    assert_on_right_words(result, new)


@MODES
def test_a_paragraph_moved_elsewhere_is_found_by_its_quote(with_old):
    paragraph = (
        "Participant H: Yes. And after that the sessions were different, we talked about "
        "what was going well for once. I felt less like a record keeper.\n\n"
    )
    body = TEXT.replace(paragraph, "")
    new = body + "\n" + paragraph
    result, report = run(new, with_old=with_old)
    assert report.loc["record", "status"] == "moved"
    assert report.loc["record", "new_text"] == PASSAGES["record"]
    assert_on_right_words(result, new)


@MODES
def test_a_repeated_short_quote_lands_on_the_occurrence_with_its_context(with_old):
    # code the second "Yes." of participant H (before "The reviews")
    s = TEXT.index("Yes. The reviews")
    codings = anchor_codings(
        pd.DataFrame(
            {
                "doc_id": ["d"],
                "start": [s],
                "end": [s + 4],
                "code": ["agree"],
                "coder": ["A"],
                "source": ["manual"],
                "score": [None],
            }
        ),
        {"d": TEXT},
    )
    new = "Interviewer: Yes.\n\n" + TEXT
    old = {"d": TEXT} if with_old else None
    report = reanchor(codings, {"d": new}, old_corpus=old).report
    assert report.loc[0, "status"] == "moved"
    assert report.loc[0, "start"] == new.index("Yes. The reviews")


@MODES
def test_a_short_quote_whose_context_changed_is_orphaned_rather_than_guessed(with_old):
    s = TEXT.index("Yes. The reviews")
    codings = anchor_codings(
        pd.DataFrame(
            {
                "doc_id": ["d"],
                "start": [s],
                "end": [s + 4],
                "code": ["agree"],
                "coder": ["A"],
                "source": ["manual"],
                "score": [None],
            }
        ),
        {"d": TEXT},
    )
    new = TEXT.replace("Yes. The reviews have", "Definitely. The reviews have")
    old = {"d": TEXT} if with_old else None
    report = reanchor(codings, {"d": new}, old_corpus=old).report
    assert report.loc[0, "status"] == "orphaned"  # never the other "Yes." in the text


def test_a_deleted_passage_never_moves_to_an_identical_copy_elsewhere():
    passage = PASSAGES["potatoes"]
    text = TEXT.replace("Did it change how", "You said: " + passage + " Did it change how")
    codings = codings_for(text, {"potatoes": passage})  # the first copy is coded
    s = int(codings.loc[0, "start"])
    new = text[:s] + text[s + len(passage) :]
    report = reanchor(codings, {"d": new}, old_corpus={"d": text}).report
    assert report.loc[0, "status"] == "orphaned"  # the other copy belongs to other words


def test_an_edited_passage_in_place_beats_a_verbatim_copy_elsewhere_without_old_text():
    passage = PASSAGES["potatoes"]
    text = TEXT.replace("Did it change how", passage + " Did it change how")
    codings = codings_for(text, {"potatoes": passage})  # the first copy is coded
    s = int(codings.loc[0, "start"])
    new = text[:s] + passage.replace("digging", "digging up") + text[s + len(passage) :]
    report = reanchor(codings, {"d": new}).report
    assert report.loc[0, "status"] == "changed"
    assert report.loc[0, "start"] == s


def test_codings_of_other_documents_pass_through_untouched():
    codings = pd.concat(
        [codings_for(TEXT), codings_for(TEXT).assign(doc_id="other")], ignore_index=True
    )
    result = reanchor(codings, {"d": TEXT.replace("Mrs P", "Mrs Q")}, old_corpus={"d": TEXT})
    assert set(result.report["doc_id"]) == {"d"}
    assert (result.codings["doc_id"] == "other").sum() == 4
    other = result.codings[result.codings["doc_id"] == "other"].reset_index(drop=True)
    assert other["start"].tolist() == codings_for(TEXT)["start"].tolist()


def test_extra_columns_travel_and_anchors_are_refreshed():
    codings = codings_for(TEXT).assign(memo="check with B", created="2010-03-01")
    new = "Header line\n\n" + TEXT
    result = reanchor(codings, {"d": new}, old_corpus={"d": TEXT})
    assert (result.codings["memo"] == "check with B").all()
    assert (
        result.codings["quote"]
        == [new[s:e] for s, e in zip(result.codings["start"], result.codings["end"], strict=True)]
    ).all()


def test_without_anchors_or_old_corpus_it_says_what_is_needed():
    codings = codings_for(TEXT).drop(columns=["prefix", "quote", "suffix"])
    with pytest.raises(CodingsError, match="old_corpus"):
        reanchor(codings, {"d": TEXT})
    result = reanchor(codings, {"d": "New intro.\n\n" + TEXT}, old_corpus={"d": TEXT})
    assert set(result.report["status"]) == {"moved"}


def test_drifted_flags_codings_whose_quote_no_longer_matches():
    codings = codings_for(TEXT)
    new = TEXT.replace("Mrs P", "Mrs Patel")
    assert drifted(codings, {"d": new}).tolist() == [True, True, True, True]
    assert not drifted(codings, {"d": TEXT}).any()


def test_diff_opcodes_cover_both_texts():
    new = TEXT.replace("kitchen", "farmhouse kitchen").replace("Yes.", "Yeah.", 1)
    ops = diff_opcodes(TEXT, new)
    assert ops[0][1] == 0 and ops[-1][2] == len(TEXT) and ops[-1][4] == len(new)
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal":
            assert TEXT[i1:i2] == new[j1:j2]


_WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", min_size=1, max_size=30)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), with_old=st.booleans())
def test_edits_outside_coded_spans_never_change_the_coded_words(data, with_old):
    codings = codings_for(TEXT)
    spans = sorted(zip(codings["start"], codings["end"], strict=True))
    # edit points outside every span (boundaries allowed)
    free = [p for p in range(len(TEXT) + 1) if not any(s < p < e for s, e in spans)]
    points = sorted(data.draw(st.lists(st.sampled_from(free), min_size=1, max_size=5)))
    inserts = [data.draw(_WORDS) for _ in points]
    new, shift = TEXT, 0
    for p, words in zip(points, inserts, strict=True):
        new = new[: p + shift] + words + new[p + shift :]
        shift += len(words)
    result = reanchor(codings, {"d": new}, old_corpus={"d": TEXT} if with_old else None)
    for row in result.report.itertuples():
        assert row.status in ("kept", "moved"), (row.code, row.status)
        assert row.new_text == row.quote


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), with_old=st.booleans())
def test_edits_inside_a_span_never_put_it_on_words_outside_the_passage(data, with_old):
    codings = codings_for(TEXT)
    k = data.draw(st.integers(0, len(codings) - 1))
    s, e = int(codings.loc[k, "start"]), int(codings.loc[k, "end"])
    a = data.draw(st.integers(s, e - 1))
    b = data.draw(st.integers(a, e))
    words = data.draw(st.text(alphabet="abcdefghijklmnopqrstuvwxyz .", max_size=60))
    new = TEXT[:a] + words + TEXT[b:]
    region_end = e - (b - a) + len(words)
    result = reanchor(codings, {"d": new}, old_corpus={"d": TEXT} if with_old else None)
    report = result.report.set_index("row")
    row = report.loc[k]
    if row["status"] != "orphaned":
        assert s <= row["start"] and row["end"] <= region_end, row.to_dict()
        assert row["similarity"] >= 0.8 or row["status"] in ("shortened", "changed")
    others = report.drop(index=k)
    assert others["status"].isin(["kept", "moved"]).all()
    assert (others["new_text"] == others["quote"]).all()


# --------------------------------------------------------------------------- commands


@pytest.fixture
def project_dir(tmp_path):
    from resilience_qda.core.model import Code, Codebook, Corpus, Document, Project
    from resilience_qda.io import write_project
    from resilience_qda.io.memos import memos_frame

    codings = codings_for(TEXT).drop(columns=["prefix", "quote", "suffix"])
    codings["doc_id"] = "interview-H"
    codings.loc[3, "coder"] = "B"  # B's only coding: "reviews"
    s = TEXT.index(PASSAGES["record"])
    memos = memos_frame(
        [
            {
                "memo_id": "m1",
                "doc_id": "interview-H",
                "start": s,
                "end": s + len(PASSAGES["record"]),
                "text": "Identity shift",
            }
        ]
    )
    corpus = Corpus([Document("interview-H", TEXT, {"kind": "interview"})])
    book = Codebook([Code(c, c.title()) for c in PASSAGES], name="fixture")
    project = Project(corpus, book, codings, memos)
    return write_project(project, tmp_path / "proj")


def test_update_source_command_moves_codings_and_memos_and_reports_each(
    project_dir, tmp_path, capsys
):
    from resilience_qda.cli import main
    from resilience_qda.io import read_project

    new = tmp_path / "interview-H.txt"
    new.write_text("[Checked by K.]\n\n" + TEXT.replace("Mrs P", "Mrs Okafor"), encoding="utf-8")
    assert main(["update-source", str(project_dir), "interview-H", str(new)]) == 0
    out = capsys.readouterr()
    report = pd.read_csv(__import__("io").StringIO(out.out))
    assert sorted(report["status"]) == ["changed", "moved", "moved", "moved"]
    assert "re-anchored: 3 moved, 1 changed" in out.err
    back = read_project(project_dir)
    text = back.corpus["interview-H"].text
    assert text.startswith("[Checked by K.]")
    quotes = {r.code: text[r.start : r.end] for r in back.codings.itertuples()}
    assert quotes["record"] == PASSAGES["record"]
    assert quotes["sheet"] == PASSAGES["sheet"].replace("Mrs P", "Mrs Okafor")
    memo = back.memos.iloc[0]
    assert text[memo["start"] : memo["end"]] == PASSAGES["record"]
    assert back.warnings == []


def test_update_source_refuses_to_lose_codings_unless_told(project_dir, tmp_path, capsys):
    from resilience_qda.cli import main
    from resilience_qda.io import read_project

    before = (project_dir / "sources" / "interview-H.txt").read_text()
    new = tmp_path / "new.txt"
    new.write_text(TEXT.replace(PASSAGES["reviews"], "We changed nothing in the end."))
    assert main(["update-source", str(project_dir), "interview-H", str(new)]) == 1
    err = capsys.readouterr().err
    assert "1 coding(s) could not be placed" in err and "--drop-orphans" in err
    assert (project_dir / "sources" / "interview-H.txt").read_text() == before
    args = ["update-source", str(project_dir), "interview-H", str(new), "--drop-orphans"]
    assert main([*args, "--report", str(tmp_path / "r.csv")]) == 0
    report = pd.read_csv(tmp_path / "r.csv")
    assert report.loc[report["status"] == "orphaned", "code"].tolist() == ["reviews"]
    back = read_project(project_dir)
    assert "B" not in back.coders  # B's file is emptied, not left with stale offsets
    assert (project_dir / "codings" / "B.csv").read_text().startswith("doc_id,start,end")


def test_reanchor_command_repairs_sources_edited_by_hand(project_dir, capsys):
    import warnings

    from resilience_qda.cli import main
    from resilience_qda.io import read_project

    f = project_dir / "sources" / "interview-H.txt"
    f.write_text("Interview H, 2 February.\n\n" + TEXT, encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        read_project(project_dir)
    assert any("resilience-qda reanchor" in str(w.message) for w in caught)
    assert len(caught) == 2  # one per coder file (A, B)
    assert main(["reanchor", str(project_dir), "--dry-run"]) == 0
    assert "4 moved" in capsys.readouterr().err
    assert main(["reanchor", str(project_dir)]) == 0
    back = read_project(project_dir)
    assert back.warnings == []
    assert main(["reanchor", str(project_dir)]) == 0
    assert "every coding still covers" in capsys.readouterr().err
