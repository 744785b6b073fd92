"""The claims ledger: claims.yaml read safely, and the evidence for and against each claim."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest
from _methods_project import build

import resilience_qda as rq
from resilience_qda.analysis.claims import CLAIM_EVIDENCE_COLUMNS, claim_evidence
from resilience_qda.core.claims import claims_from_data
from resilience_qda.io.claims import read_claims


@pytest.fixture(scope="module")
def restorative(tmp_path_factory):
    return rq.read_project(build(tmp_path_factory.mktemp("restorative")))


@pytest.fixture(scope="module")
def sample_ledger(sample_project):
    return claim_evidence(
        sample_project.codings, sample_project.corpus, read_claims(sample_project), coder="A"
    )


# --------------------------------------------------------------------------- reading


def test_the_sample_ledger_has_the_paper_s_claims(sample_project, sample_path):
    claims = read_claims(sample_project)  # codes checked against codebook and codings
    ids = [c.id for c in claims]
    assert len(claims) >= 8 and len(set(ids)) == len(ids)
    assert {
        "more-resourceful",
        "more-responsive-and-flexible",
        "more-reflexive",
        "more-resilient-themselves",
        "materials-carry-moves",
        "shared-competencies",
        "meanings-changed",
    } <= set(ids)
    assert any(code.startswith("context") for c in claims for code in c.supporting + c.counter)
    assert read_claims(sample_path) == claims == read_claims(sample_path / "claims.yaml")
    negative = set(sample_project.codebook.negative)
    assert sum(any(code in negative for code in c.counter) for c in claims) >= 6


def _write(tmp_path, text: str | bytes):
    path = tmp_path / "claims.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


GOOD = "claims:\n  - id: calm\n    claim: Calmer.\n    supporting: [outcomes]\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "needs a top-level 'claims:' list; got an empty file"),
        ("claims: []\n", "'claims' must be a non-empty list"),
        ("claims:\n  - just words\n", "claim 1: a claim is a mapping"),
        ("claims:\n  - supporting: [a]\n", r"claim 1: 'claim' must be the claim's text"),
        ("claims:\n  - id: x\n    claim: C.\n", "claim 'x': 'supporting' must name at least one"),
        (GOOD.replace("supporting", "suporting"), "claim 'calm': unknown key.s. suporting"),
        (GOOD + "    counter: {a: b}\n", "claim 'calm': 'counter' must be a code path or a list"),
        (GOOD + "    counter: [outcomes]\n", "outcomes both support and count against"),
        (GOOD + "    where: [kind]\n", "claim 'calm': 'where' must map attributes to values"),
        (GOOD + "    where: {kind: {a: b}}\n", "where.kind must be a value or a list of values"),
        (GOOD + "    note: [1]\n", "'note' must be text"),
        (GOOD + GOOD.split("\n", 1)[1], "claim 'calm': the id is used twice .claims 1 and 2."),
        ("claims:\n  - id: a\n    id: b\n", "line 3: key 'id' appears twice"),
        ("claims: [\n", r"line \d+, column \d+: not valid YAML"),
        ("claims:\n  - &c {claim: x, supporting: [a]}\n  - *c\n", "anchors and aliases"),
        ("extra: 1\nclaims: []\n", "unknown top-level key.s. extra"),
        ("claims:\n" + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply|not valid YAML"),
    ],
)
def test_a_broken_ledger_is_refused_naming_the_claim_and_key(tmp_path, text, message):
    with pytest.raises(rq.ClaimsError, match=message):
        read_claims(_write(tmp_path, text))


def test_billion_laughs_is_refused_before_expansion(tmp_path):
    lol = ["claims:", '  - &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lol += [f"  - &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    with pytest.raises(rq.ClaimsError, match="line 2: YAML anchors and aliases"):
        read_claims(_write(tmp_path, "\n".join(lol) + "\n"))


def test_huge_binary_mis_encoded_and_missing_files_are_refused(tmp_path):
    with pytest.raises(rq.ClaimsError, match="larger than 1,000,000 bytes"):
        read_claims(_write(tmp_path, GOOD + "#" * 1_000_001))
    with pytest.raises(rq.ClaimsError, match="larger than 10 bytes"):
        read_claims(_write(tmp_path, GOOD), max_bytes=10)
    with pytest.raises(rq.ClaimsError, match="is binary"):
        read_claims(_write(tmp_path, b"\x00\x01claims"))
    with pytest.raises(rq.ClaimsError, match=r"is not UTF-8 text \(byte 36\)"):
        read_claims(_write(tmp_path, GOOD.replace("Calmer", "Calm\xe9r").encode("latin-1")))
    with pytest.raises(rq.ClaimsError, match="no such claims file"):
        read_claims(tmp_path / "nowhere")
    # a UTF-8 BOM (Notepad) is fine
    assert read_claims(_write(tmp_path, "\ufeff" + GOOD))[0].id == "calm"


def test_unknown_codes_are_refused_with_a_suggestion(restorative, tmp_path):
    folder = build(tmp_path)
    (folder / "claims.yaml").write_text(
        GOOD.replace("[outcomes]", "[outcomes/calmer-clasrooms]"), encoding="utf-8"
    )
    with pytest.raises(rq.ClaimsError, match="did you mean outcomes/calmer-classrooms"):
        read_claims(rq.read_project(folder))
    # without codes to check against, only the shape is checked
    assert read_claims(folder)[0].supporting == ("outcomes/calmer-clasrooms",)


def test_claims_can_be_given_as_data_and_defaults_fill_in():
    claims = claims_from_data(
        [{"claim": "Carers   felt heard.", "supporting": "a", "where": {"meeting": [3.0, 4]}}]
    )
    assert claims[0].id == "carers-felt-heard" and claims[0].claim == "Carers felt heard."
    assert claims[0].where == {"meeting": ("3", "4")} and claims[0].counter == ()
    assert claims[0].scope() == "meeting = 3 or 4"


# --------------------------------------------------------------------------- evidence


def test_evidence_for_and_against_counted_by_hand(restorative):
    table = claim_evidence(restorative.codings, restorative.corpus, read_claims(restorative))
    assert list(table.columns) == CLAIM_EVIDENCE_COLUMNS
    assert "verdict" not in " ".join(table.columns)
    calm = table.set_index("claim_id").loc["calmer"]
    # calmer: Amara, Dev (reporting Amara), Joan, the focus group (Amara), Ruth's diary
    assert (calm["supporting_passages"], calm["supporting_documents"]) == (5, 5)
    assert calm["supporting_case_list"] == "Amara; Dev; Joan; Ruth"
    # doubts: Amara (soft, at first), Dev (no difference, soft), focus group (Dev)
    assert (calm["counter_passages"], calm["counter_documents"], calm["counter_cases"]) == (4, 3, 2)
    assert calm["cases_in_scope"] == 4 and calm["documents_in_scope"] == 5
    # the supporting quote: a teacher's own words, not Dev recounting Amara
    assert calm["supporting_quote_speaker"] == calm["supporting_quote_case"] != "Dev"
    for side in ("supporting", "counter"):
        text = restorative.corpus[calm[f"{side}_quote_doc_id"]].text
        start, end = calm[f"{side}_quote_start"], calm[f"{side}_quote_end"]
        assert text[start:end] == calm[f"{side}_quote"]


def test_where_restricts_both_sides_to_the_group(restorative):
    table = claim_evidence(restorative.codings, restorative.corpus, read_claims(restorative))
    east = table.set_index("claim_id").loc["relationships-eastgate"]
    assert east["scope"] == "school = Eastgate"
    assert (east["documents_in_scope"], east["cases_in_scope"]) == (2, 2)  # Dev, Ruth's diary
    assert east["supporting_case_list"] == "Dev; Ruth" and east["supporting_passages"] == 2
    assert east["counter_case_list"] == "Dev" and east["counter_passages"] == 1
    workload = table.set_index("claim_id").loc["workload"]
    assert workload["counter_passages"] == 0 and pd.isna(workload["counter_quote"])
    assert workload["counter_codes"] == ""


def test_evidence_names_what_is_wrong(sample_project, restorative):
    claims = read_claims(sample_project)
    with pytest.raises(rq.CodingsError, match="one coder's codings; the codings hold A, B"):
        claim_evidence(sample_project.codings, sample_project.corpus, claims)
    with pytest.raises(rq.CodingsError, match="no codings by coder 'Z'"):
        claim_evidence(sample_project.codings, sample_project.corpus, claims, coder="Z")
    bad = claims_from_data({"claims": [{"claim": "x", "supporting": "a", "where": {"wave": 1}}]})
    with pytest.raises(rq.ClaimsError, match=r"claim 'x': where\.wave: the documents have no"):
        claim_evidence(restorative.codings, restorative.corpus, bad)


def test_the_sample_ledger_weighs_counter_evidence(sample_project, sample_ledger):
    ledger = sample_ledger.set_index("claim_id")
    assert len(ledger) >= 8
    with_counter = ledger[ledger["counter_passages"] > 0]
    assert len(with_counter) >= 6
    resourceful = ledger.loc["more-resourceful"]
    # "I still think a lot of it's common sense" is among N's counter passages
    a = sample_project.codings_of("A")
    n_scepticism = a[
        (a["doc_id"] == "interview-N")
        & (a["code"] == "counter-evidence/scepticism-about-the-framework")
    ]
    texts = rq.coded_text(n_scepticism, sample_project.corpus).tolist()
    assert any("common sense" in t for t in texts)
    assert "N" in resourceful["counter_case_list"].split("; ")
    assert "K" in ledger.loc["more-resourceful", "supporting_case_list"].split("; ")
    # the carers' claim stays within foster care
    carers = ledger.loc["carers-gained-standing"]
    assert carers["cases_in_scope"] == 3 and set(carers["supporting_case_list"].split("; ")) <= {
        "B",
        "G",
        "M",
    }
    # every quote is the document's own words
    for claim_id, row in ledger.iterrows():
        for side in ("supporting", "counter"):
            if pd.notna(row[f"{side}_quote"]):
                text = sample_project.corpus[row[f"{side}_quote_doc_id"]].text
                got = text[row[f"{side}_quote_start"] : row[f"{side}_quote_end"]]
                assert got == row[f"{side}_quote"], (claim_id, side)


def test_the_chart_draws_both_sides(sample_ledger):
    ax = rq.plots.claims_chart(sample_ledger)
    widths = [p.get_width() for p in ax.patches]
    n = len(sample_ledger)
    assert widths[:n] == sample_ledger["supporting_cases"].tolist()
    assert [-w for w in widths[n:]] == sample_ledger["counter_cases"].tolist()
    ax = rq.plots.claims_chart(sample_ledger, count="passages")
    assert [p.get_width() for p in ax.patches][:n] == sample_ledger["supporting_passages"].tolist()
