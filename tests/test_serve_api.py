"""The coding screen's HTTP API on a served copy of data/sample (``resilience-qda serve``
in a subprocess): token, loopback, Host checks, exact spans in the coder's file, refusals
with nothing written, delete, undo/redo, suggestions, review, and concurrent writers."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pandas as pd
import pytest

import resilience_qda as rq
from resilience_qda.analysis.agreement import coding_comparison

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A copy of data/sample served by the CLI as coder C; yields (base URL, token, folder)."""
    folder = tmp_path_factory.mktemp("serve") / "sample"
    shutil.copytree(ROOT / "data" / "sample", folder)
    log = (folder.parent / "server.log").open("w")  # a pipe nobody reads could fill and block
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "resilience_qda",
            "serve",
            str(folder),
            "--coder",
            "C",
            "--port",
            "0",
            "--no-browser",
        ],
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        env=env,
    )
    try:
        first = proc.stdout.readline().rstrip("\n")
        m = re.fullmatch(r"http://127\.0\.0\.1:(\d+)/\?token=([A-Za-z0-9_-]{32,})", first)
        assert m, f"first line of stdout is not the address: {first!r}"
        yield f"http://127.0.0.1:{m.group(1)}", m.group(2), folder
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


@pytest.fixture(scope="module")
def api(served):
    base, token, _ = served
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        yield client


def _digest(folder: Path) -> str:
    files = sorted((folder / "codings").glob("*.csv"))
    return hashlib.sha256(b"".join(f.name.encode() + f.read_bytes() for f in files)).hexdigest()


def _file(folder: Path, coder: str) -> pd.DataFrame:
    return pd.read_csv(folder / "codings" / f"{coder}.csv", dtype={"memo": str})


# --------------------------------------------------------------------------- security


def test_requests_without_the_token_get_401_and_a_wrong_token_403(served):
    base, token, _ = served
    assert httpx.get(f"{base}/api/project").status_code == 401
    assert httpx.get(f"{base}/api/project").headers["www-authenticate"] == "Bearer"
    assert httpx.get(f"{base}/").status_code == 401
    wrong = {"Authorization": "Bearer " + "x" * len(token)}
    assert httpx.get(f"{base}/api/project", headers=wrong).status_code == 403
    assert httpx.get(f"{base}/api/project", params={"token": "nope"}).status_code == 403
    assert httpx.post(f"{base}/api/undo", json={"coder": "C"}).status_code == 401
    assert httpx.get(f"{base}/api/project", params={"token": token}).status_code == 200
    page = httpx.get(f"{base}/", params={"token": token})
    assert page.status_code == 200 and "page.js" in page.text


def test_only_the_bootstrap_assets_are_served_without_the_token(served):
    base, _, _ = served
    css = httpx.get(f"{base}/static/app.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert httpx.get(f"{base}/static/screen.js").status_code == 200
    for path in ("/static/index.html", "/static/widget.js", "/static/../session.py", "/x"):
        assert httpx.get(f"{base}{path}").status_code == 401, path


def test_every_answer_carries_a_strict_content_security_policy(served):
    base, token, _ = served
    for r in (httpx.get(f"{base}/", params={"token": token}), httpx.get(f"{base}/api/x")):
        csp = r.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert r.headers["referrer-policy"] == "no-referrer"


def test_a_foreign_host_or_origin_is_refused(served, api):
    base, _, folder = served
    port = base.rsplit(":", 1)[1]
    assert api.get("/api/project", headers={"Host": f"evil.example:{port}"}).status_code == 403
    assert api.get("/api/project", headers={"Host": "127.0.0.1:1"}).status_code == 403
    assert api.get("/api/project", headers={"Host": f"localhost:{port}"}).status_code == 200
    before = _digest(folder)
    r = api.post(
        "/api/codings",
        json={"doc_id": "interview-L", "start": 13, "end": 40, "code": "themes/more-reflexive"},
        headers={"Origin": "http://evil.example"},
    )
    assert r.status_code == 403 and _digest(folder) == before


def test_the_server_listens_on_loopback_only(served):
    base, _, _ = served
    port = int(base.rsplit(":", 1)[1])
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks a route
            address = probe.getsockname()[0]
        except OSError:
            address = None
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass
    if address is None or address.startswith("127."):
        pytest.skip("this machine has no non-loopback address to try")
    with pytest.raises(OSError), socket.create_connection((address, port), timeout=5):
        pass


# --------------------------------------------------------------------------- reading


def test_project_lists_documents_codes_and_coders(api, sample_project):
    body = api.get("/api/project").json()
    docs = {d["doc_id"]: d for d in body["documents"]}
    assert set(docs) == set(sample_project.corpus.doc_ids)
    assert docs["interview-L"]["kind"] == "interview"
    assert docs["interview-L"]["attributes"]["case"] == "L"
    assert docs["interview-L"]["attributes"]["interview_order"] == 1
    assert docs["meeting-01"]["kind"] == "observation"
    codes = {c["path"]: c for c in body["codes"]}
    assert set(codes) >= set(sample_project.codebook.paths)
    reflexive = sample_project.codebook["themes/more-reflexive"]
    assert codes["themes/more-reflexive"]["name"] == reflexive.name
    assert codes["themes/more-reflexive"]["description"] == reflexive.description
    assert {"A", "B", "C"} <= set(body["coders"])
    n_a = int((sample_project.codings["coder"] == "A").sum())
    assert sum(d["codings"].get("A", 0) for d in body["documents"]) == n_a


def test_a_document_has_its_text_turns_and_codings_with_ids(api, sample_project):
    body = api.get("/api/documents/interview-L").json()
    assert body["text"] == sample_project.corpus["interview-L"].text
    turns = sample_project.corpus.turns
    assert len(body["turns"]) == int((turns["doc_id"] == "interview-L").sum())
    assert body["turns"][1]["speaker"] == "Participant L"
    theirs = sample_project.codings[sample_project.codings["doc_id"] == "interview-L"]
    assert len(body["codings"]) >= len(theirs)
    ids = [c["id"] for c in body["codings"]]
    assert len(set(ids)) == len(ids) and all(re.fullmatch(r"[0-9a-f]{16}", i) for i in ids)
    first = body["codings"][0]
    assert first["text"] == body["text"][first["start"] : first["end"]]
    assert api.get("/api/documents/no-such-doc").status_code == 404


# --------------------------------------------------------------------------- writing


def test_a_coding_is_in_the_coders_file_with_its_exact_span_before_the_answer(served, api):
    _, _, folder = served
    text = (folder / "sources" / "interview-S.txt").read_text(encoding="utf-8")
    start = text.index("Participant S:") + len("Participant S: ")
    end = start + 40
    r = api.post(
        "/api/codings",
        json={
            "doc_id": "interview-S",
            "start": start,
            "end": end,
            "code": "themes/more-reflexive",
            "memo": "first reading",
        },
    )
    assert r.status_code == 201, r.text
    coding = r.json()
    assert coding["coder"] == "C" and coding["source"] == "manual"
    assert coding["text"] == text[start:end] and re.fullmatch(r"[0-9a-f]{16}", coding["id"])
    table = _file(folder, "C")
    row = table[(table["doc_id"] == "interview-S") & (table["start"] == start)]
    assert row[["end", "code", "coder", "memo"]].values.tolist() == [
        [end, "themes/more-reflexive", "C", "first reading"]
    ]
    assert row["quote"].iloc[0] == text[start:end]
    listed = api.get("/api/documents/interview-S").json()["codings"]
    assert coding["id"] in {c["id"] for c in listed}
    again = api.post(
        "/api/codings",
        json={"doc_id": "interview-S", "start": start, "end": end, "code": "themes/more-reflexive"},
    )
    assert again.status_code == 409 and again.json()["coding"]["id"] == coding["id"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"doc_id": "interview-L", "start": 10, "end": 10**6, "code": "themes"}, 400),
        ({"doc_id": "interview-L", "start": 50, "end": 50, "code": "themes"}, 400),
        ({"doc_id": "interview-L", "start": 60, "end": 50, "code": "themes"}, 400),
        ({"doc_id": "interview-L", "start": -1, "end": 50, "code": "themes"}, 400),
        ({"doc_id": "interview-L", "start": 1.5, "end": 50, "code": "themes"}, 400),
        ({"doc_id": "interview-L", "start": "1", "end": 50, "code": "themes"}, 400),
        ({"doc_id": "interview-L", "start": True, "end": 50, "code": "themes"}, 400),
        ({"doc_id": "interview-L", "start": 12, "end": 13, "code": "themes"}, 400),  # a space
        ({"doc_id": "nope", "start": 0, "end": 5, "code": "themes"}, 404),
        ({"doc_id": "interview-L", "start": 0, "end": 5, "code": "themes/nope"}, 404),
        ({"doc_id": "interview-L", "start": 0, "end": 5}, 400),
        ({"doc_id": "interview-L", "start": 0, "end": 5, "code": "themes", "x": 1}, 400),
        (
            {
                "doc_id": "interview-L",
                "start": 0,
                "end": 5,
                "code": "themes",
                "coder": "rules:mine",
            },
            400,
        ),
        ([1, 2], 400),
    ],
)
def test_bad_codings_are_refused_with_a_message_and_nothing_written(served, api, body, status):
    _, _, folder = served
    before = _digest(folder)
    r = api.post("/api/codings", json=body)
    assert r.status_code == status, r.text
    assert r.json()["error"]
    assert _digest(folder) == before


def test_a_body_that_is_not_json_is_refused(served, api):
    _, _, folder = served
    before = _digest(folder)
    r = api.post(
        "/api/codings", content=b"{doc_id: 1", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 400 and "not JSON" in r.json()["error"]
    assert _digest(folder) == before


def test_delete_answers_204_and_undo_and_redo_walk_the_coders_history(served, api):
    _, _, folder = served
    body = {"doc_id": "meeting-03", "start": 0, "end": 10, "code": "context", "coder": "D"}
    coding = api.post("/api/codings", json=body).json()
    assert len(_file(folder, "D")) == 1
    assert api.delete(f"/api/codings/{coding['id']}").status_code == 204
    assert len(_file(folder, "D")) == 0
    assert api.delete(f"/api/codings/{coding['id']}").status_code == 404
    undone = api.post("/api/undo", json={"coder": "D"})
    assert undone.status_code == 200 and undone.json()["added"][0]["id"] == coding["id"]
    assert _file(folder, "D")[["start", "end", "code"]].values.tolist() == [[0, 10, "context"]]
    assert api.post("/api/undo", json={"coder": "D"}).status_code == 200  # the add
    assert len(_file(folder, "D")) == 0
    assert api.post("/api/undo", json={"coder": "D"}).status_code == 409
    assert api.post("/api/redo", json={"coder": "D"}).status_code == 200
    assert len(_file(folder, "D")) == 1
    history = api.get("/api/history", params={"coder": "D"}).json()
    assert (history["can_undo"], history["can_redo"]) == (1, 1)


def test_forty_concurrent_writes_from_two_coders_lose_nothing(served, api):
    _, _, folder = served
    text = (folder / "sources" / "interview-N.txt").read_text(encoding="utf-8")
    words = [m.span() for m in re.finditer(r"\w{4,}", text)][:20]
    jobs = [
        {
            "doc_id": "interview-N",
            "start": s,
            "end": e,
            "code": "themes/more-resourceful",
            "coder": coder,
        }
        for coder in ("E", "F")
        for s, e in words
    ]
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda b: api.post("/api/codings", json=b), jobs))
    assert [a.status_code for a in answers] == [201] * 40
    for coder in ("E", "F"):
        table = _file(folder, coder)
        assert sorted(zip(table["start"], table["end"], strict=True)) == sorted(words)
        assert (
            table["quote"] == [text[s:e] for s, e in zip(table["start"], table["end"], strict=True)]
        ).all()


# --------------------------------------------------------------------------- memos, codes


def test_memos_on_a_document_a_code_and_a_coding_are_memo_files(served, api):
    _, _, folder = served
    assert (
        api.post("/api/memos", json={"text": "Snow day", "doc_id": "meeting-01"}).status_code == 201
    )
    assert api.post("/api/memos", json={"text": "Wide", "code": "context"}).status_code == 201
    r = api.post(
        "/api/memos",
        json={
            "text": "Key",
            "doc_id": "interview-L",
            "start": 13,
            "end": 40,
            "code": "themes",
            "coder": "C",
        },
    )
    assert r.status_code == 201
    assert api.post("/api/memos", json={"text": "x", "doc_id": "nope"}).status_code == 404
    assert api.post("/api/memos", json={"text": " "}).status_code == 400
    memos = rq.read_project(folder).memos.set_index("memo_id")
    assert memos.loc[r.json()["memo_id"], "start"] == 13
    assert set(memos["text"]) >= {"Snow day", "Wide", "Key"}
    assert api.delete(f"/api/memos/{r.json()['memo_id']}").status_code == 204


def test_creating_a_code_writes_the_builtin_codebook_plus_the_new_code(served, api):
    _, _, folder = served
    r = api.post(
        "/api/codes",
        json={"name": "Snow days", "parent": "context", "description": "Weather got in the way"},
    )
    assert r.status_code == 201 and r.json()["path"] == "context/snow-days"
    assert (
        api.post("/api/codes", json={"name": "Snow days", "parent": "context"}).status_code == 409
    )
    assert api.post("/api/codes", json={"name": "X", "parent": "nope"}).status_code == 404
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        project = rq.read_project(folder)
    builtin = rq.read_codebook("cop-evaluation")
    assert sorted(project.codebook.paths) == sorted([*builtin.paths, "context/snow-days"])
    assert project.codebook["context/snow-days"].description == "Weather got in the way"
    assert (
        project.codebook["themes/more-reflexive"].patterns
        == builtin["themes/more-reflexive"].patterns
    )
    coded = api.post(
        "/api/codings",
        json={"doc_id": "meeting-01", "start": 0, "end": 8, "code": "context/snow-days"},
    )
    assert coded.status_code == 201


# --------------------------------------------------------------------------- suggestions


def test_accepting_another_coders_suggestion_records_its_provenance_and_undo_removes_it(
    served, api
):
    _, _, folder = served
    query = {"doc_id": "interview-B", "coder": "G", "source": "coder:B"}
    listed = api.get("/api/suggestions", params=query).json()["suggestions"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b = rq.read_project(folder).codings_of("B")
    assert len(listed) == int((b["doc_id"] == "interview-B").sum())
    pick = listed[3]
    r = api.post("/api/suggestions/accept", json={**query, "id": pick["id"]})
    assert r.status_code == 201
    row = _file(folder, "G").iloc[0]
    assert (row["start"], row["end"], row["code"]) == (pick["start"], pick["end"], pick["code"])
    assert row["source"] == "manual" and row["evidence"] == "accepted from B"
    after = api.get("/api/suggestions", params=query).json()["suggestions"]
    assert pick["id"] not in {s["id"] for s in after} and len(after) == len(listed) - 1
    assert (
        api.post("/api/suggestions/reject", json={**query, "id": after[0]["id"]}).status_code == 204
    )
    assert len(api.get("/api/suggestions", params=query).json()["suggestions"]) == len(listed) - 2
    assert api.post("/api/undo", json={"coder": "G"}).status_code == 200
    assert len(_file(folder, "G")) == 0


def test_rule_suggestions_are_the_rules_on_that_document(served, api):
    from resilience_qda.coding.rules import code

    _, _, folder = served
    query = {"doc_id": "meeting-02", "coder": "H", "source": "rules"}
    listed = api.get("/api/suggestions", params=query).json()["suggestions"]
    corpus = rq.read_corpus([folder / "sources" / "meeting-02.txt"])
    expected = code(corpus, rq.read_codebook("cop-evaluation"))
    assert sorted((s["start"], s["end"], s["code"]) for s in listed) == sorted(
        zip(expected["start"], expected["end"], expected["code"], strict=True)
    )
    r = api.post("/api/suggestions/accept", json={**query, "id": listed[0]["id"]})
    assert r.json()["evidence"].startswith("accepted from rules:cop-evaluation, score ")


def test_the_disagreement_view_reports_nvivo_figures_for_the_document(api, sample_project):
    body = api.get("/api/disagreement", params={"doc_id": "interview-B", "coders": "A,B"}).json()
    table = coding_comparison(
        sample_project.codings, sample_project.corpus, ["A", "B"], doc_ids=["interview-B"]
    )
    assert body["a"] == int(table["a"].sum()) and body["d"] == int(table["d"].sum())
    assert body["kappa"] == pytest.approx(table.loc[~table["undefined"], "kappa"].mean(), abs=1e-4)
    assert len(body["codes"]) == len(table)
    for passage in body["passages"]:
        assert passage["only_a"] or passage["only_b"]
    assert (
        api.get("/api/disagreement", params={"doc_id": "interview-B", "coders": "A"}).status_code
        == 400
    )


def test_the_project_still_reads_cleanly_after_all_the_writes(served):
    _, _, folder = served
    assert len(_file(folder, "G")) == 0  # undo emptied it: a header-only file
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        project = rq.read_project(folder)
    assert not [w for w in project.warnings if "no longer cover" in w]
    assert "G" not in project.coders
    assert {"C", "E", "F"} <= set(project.coders)
