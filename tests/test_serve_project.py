"""The coding screen on a project quite unlike the sample: a small codebook of its own, one
coder whose name has a space, no cases, texts with Greek and characters outside the Basic
Multilingual Plane (offsets are code points, as stored)."""

from __future__ import annotations

import warnings

import httpx
import pandas as pd
import pytest

import resilience_qda as rq
from resilience_qda.coding.suggest import suggest
from resilience_qda.serve.api import handle
from resilience_qda.serve.server import BackgroundServer
from resilience_qda.serve.session import CodingSession

CODEBOOK = """\
name: ward-study
title: Discharge from the ward
codes:
  - name: Environment
    description: The ward as a place
    children:
      - name: Noise
        description: Sound that disturbs patients or staff
        patterns:
          words: [noisy, loud, alarms]
      - name: Light
  - name: Medication
    description: Medicines at discharge
"""

NOISE = [
    "The ward was noisy all night.",
    "Alarms went off again and again.",
    "It was so loud I could not sleep.",
]
MEDS = [
    "Nobody explained the new tablets.",
    "I got my medicines late.",
    "The pharmacist checked my pills twice.",
]
OTHER = [
    "My daughter came at four.",
    "We talked about the garden.",
    "The bus home was on time.",
    "Lunch was soup again.",
]


def _text(i: int) -> str:
    lines = [f"Νοσηλεύτρια 🙂 {i}: ok."]
    for k in range(6):
        lines.append(NOISE[(i + k) % 3] if k % 2 == 0 else OTHER[(i + k) % 4])
        lines.append(MEDS[(i + k) % 3] if k % 3 == 0 else OTHER[(i + k + 1) % 4])
    return " ".join(lines) + "\n"


@pytest.fixture(scope="module")
def ward(tmp_path_factory):
    root = tmp_path_factory.mktemp("ward")
    (root / "sources").mkdir()
    for i in range(6):
        (root / "sources" / f"note-{i}.txt").write_text(_text(i), encoding="utf-8")
    (root / "sources.csv").write_text(
        "doc_id,kind,ward\n" + "".join(f"note-{i},observation,W{i % 2}\n" for i in range(6)),
        encoding="utf-8",
    )
    (root / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    rows = []
    for i in range(5):  # Dr Ng codes every noise and medication sentence of notes 0-4
        text = _text(i)
        for sentences, code in ((NOISE, "environment/noise"), (MEDS, "medication")):
            for s in sentences:
                at = text.find(s)
                while at >= 0:
                    rows.append((f"note-{i}", at, at + len(s), code))
                    at = text.find(s, at + 1)
    codings = pd.DataFrame(rows, columns=["doc_id", "start", "end", "code"]).assign(
        coder="Dr Ng", source="manual", score=None
    )
    rq.write_codings(codings, root)
    return root


def test_offsets_are_code_points_past_an_emoji(ward):
    session = CodingSession(ward, coder="Dr Ng")
    text = session.corpus["note-5"].text
    start = text.index("The ward")
    assert len(text[:start].encode("utf-16-le")) // 2 == start + 1  # the emoji is 2 UTF-16 units
    reply = handle(
        session,
        "POST",
        "/api/codings",
        body={"doc_id": "note-5", "start": start, "end": start + 8, "code": "environment"},
    )
    assert reply.status == 201 and reply.body["text"] == "The ward"
    stored = pd.read_csv(ward / "codings" / "Dr Ng.csv")
    row = stored[stored["doc_id"] == "note-5"].iloc[0]
    assert (row["start"], row["end"], row["quote"]) == (start, start + 8, "The ward")
    assert handle(session, "POST", "/api/undo", body={"coder": "Dr Ng"}).status == 200
    assert "note-5" not in set(pd.read_csv(ward / "codings" / "Dr Ng.csv")["doc_id"])


def test_the_project_view_has_no_cases_and_the_projects_own_codebook(ward):
    session = CodingSession(ward, coder="Ana")
    with BackgroundServer(session) as srv:
        base, token = srv.url.split("/?token=")
        body = httpx.get(f"{base}/api/project", headers={"Authorization": f"Bearer {token}"}).json()
    assert [c["path"] for c in body["codes"]] == [
        "environment",
        "environment/noise",
        "environment/light",
        "medication",
    ]
    assert body["coders"] == ["Ana", "Dr Ng"]
    note = body["documents"][0]
    assert note["kind"] == "observation" and note["attributes"] == {"ward": "W0"}
    assert note["codings"]["Dr Ng"] > 0


def test_a_new_code_keeps_the_projects_codebook_and_its_patterns(ward):
    session = CodingSession(ward, coder="Ana")
    reply = handle(session, "POST", "/api/codes", body={"name": "Visitors"})
    assert reply.status == 201 and reply.body["path"] == "visitors"
    book = rq.read_codebook(ward / "codebook.yaml")
    assert book.name == "ward-study" and book.paths[-1] == "visitors"
    assert dict(book["environment/noise"].patterns)["words"] == ["noisy", "loud", "alarms"]


def test_model_suggestions_are_what_the_model_learns_from_the_other_documents(ward):
    session = CodingSession(ward, coder="Ana")
    reply = handle(
        session,
        "GET",
        "/api/suggestions",
        {"doc_id": "note-2", "coder": "Ana", "source": "model:Dr Ng"},
    )
    assert reply.status == 200, reply.body
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        project = rq.read_project(ward)
    codings = project.codings
    project.codings = codings[~((codings["coder"] == "Dr Ng") & (codings["doc_id"] == "note-2"))]
    expected = suggest(project, coder="Dr Ng")
    expected = expected[expected["doc_id"] == "note-2"]
    got = reply.body["suggestions"]
    assert len(got) > 0
    assert sorted((s["start"], s["end"], s["code"]) for s in got) == sorted(
        zip(expected["start"], expected["end"], expected["code"], strict=True)
    )
    accepted = handle(
        session,
        "POST",
        "/api/suggestions/accept",
        body={"doc_id": "note-2", "coder": "Ana", "source": "model:Dr Ng", "id": got[0]["id"]},
    )
    assert accepted.status == 201
    assert accepted.body["evidence"].startswith("accepted from model:tfidf-svm, score 0.")


def test_comparing_with_an_unknown_coder_is_a_404(ward):
    session = CodingSession(ward, coder="Ana")
    reply = handle(session, "GET", "/api/disagreement", {"doc_id": "note-1", "coders": "Dr Ng,Zed"})
    assert reply.status == 404 and "Zed" in reply.body["error"]
