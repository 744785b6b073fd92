"""The coding screen in a real browser: Playwright driving Debian's Chromium (never a
downloaded build). Selects words with the mouse, applies a code, reloads, accepts a
suggestion, undoes; and renders the Jupyter widget's bundle; no console errors allowed."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pandas as pd
import pytest

from resilience_qda.serve.server import BackgroundServer
from resilience_qda.serve.session import CodingSession

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    target = tmp_path_factory.mktemp("browser") / "sample"
    shutil.copytree(ROOT / "data" / "sample", target)
    return target


@pytest.fixture(scope="module")
def server(folder):
    with BackgroundServer(CodingSession(folder, coder="C")) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.problems = []
    page.on(
        "console",
        lambda m: page.problems.append(f"{m.type}: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: page.problems.append(f"page error: {e}"))
    yield page
    context.close()


def _rows(folder: Path, coder: str) -> pd.DataFrame:
    f = folder / "codings" / f"{coder}.csv"
    return pd.read_csv(f) if f.exists() else pd.DataFrame(columns=["start", "end", "code"])


def _wait_rows(folder: Path, coder: str, n: int, timeout: float = 10) -> pd.DataFrame:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = _rows(folder, coder)
        if len(rows) == n:
            return rows
        time.sleep(0.05)
    raise AssertionError(f"{coder}'s file has {len(_rows(folder, coder))} rows, not {n}")


def _uncoded_phrase(session: CodingSession, doc_id: str) -> str:
    """Four words of a participant's turn that nobody has coded."""
    text = session.corpus[doc_id].text
    codings = session.codings()
    spans = codings.loc[codings["doc_id"] == doc_id, ["start", "end"]].to_numpy()
    turns = session.corpus.turns
    for turn in turns[(turns["doc_id"] == doc_id) & ~turns["interviewer"]].itertuples():
        words = list(re.finditer(r"[A-Za-z]+", text[turn.start : turn.end]))
        for i in range(len(words) - 4):
            s, e = turn.start + words[i].start(), turn.start + words[i + 3].end()
            if not ((spans[:, 0] < e + 2) & (spans[:, 1] > s - 2)).any() and "\n" not in text[s:e]:
                return text[s:e]
    raise AssertionError("no uncoded phrase")


FIND = """(phrase) => {
  const root = document.querySelector(".rq-text");
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const n = walker.currentNode;
    const i = n.data.indexOf(phrase);
    if (i < 0) continue;
    n.parentElement.scrollIntoView({ block: "center" });
    const r = document.createRange();
    r.setStart(n, i + 1); r.setEnd(n, i + 2);
    const a = r.getBoundingClientRect();
    r.setStart(n, i + phrase.length - 2); r.setEnd(n, i + phrase.length - 1);
    const b = r.getBoundingClientRect();
    return [a.left + 1, a.top + a.height / 2, b.right - 1, b.top + b.height / 2];
  }
  return null;
}"""


def test_code_with_the_mouse_reload_accept_a_suggestion_and_undo(page, server, folder):
    session = server.app.session
    phrase = _uncoded_phrase(session, "interview-M")
    text = session.corpus["interview-M"].text
    page.goto(server.url)
    page.wait_for_selector("[data-ready=true]")
    page.click("[data-doc='interview-M']")
    page.wait_for_selector(".rq-doctitle >> text=interview-M")

    x1, y1, x2, y2 = page.evaluate(FIND, phrase)  # from inside the first word to inside the last
    page.mouse.move(x1, y1)
    page.mouse.down()
    page.mouse.move(x2, y2, steps=8)
    page.mouse.up()
    search = page.locator(".rq-popover input")
    search.wait_for()
    search.fill("reflexive")
    page.wait_for_selector(".rq-choice.active >> text=More reflexive")
    search.press("Enter")
    rows = _wait_rows(folder, "C", 1)
    start, end = int(rows.loc[0, "start"]), int(rows.loc[0, "end"])
    assert text[start:end] == phrase  # snapped to whole words, exactly the phrase
    assert rows.loc[0, "code"] == "themes/more-reflexive"
    label = page.locator(".rq-gutter .label", has_text="More reflexive")
    label.first.wait_for()

    page.reload()
    page.wait_for_selector("[data-ready=true]")
    assert page.locator(".rq-docitem.active").get_attribute("data-doc") == "interview-M"
    page.locator(".rq-gutter .label", has_text="More reflexive").first.wait_for()
    mine = page.locator(".rq-toggle.me")
    assert mine.inner_text().split() == ["C", "1"]

    page.click("[data-tab=suggest]")
    page.locator(".rq-panel select").select_option("coder:A")
    page.click(".rq-panel >> text=Show")
    first = page.locator(".rq-item.suggestion").first
    first.wait_for()
    code_name = first.locator(".name").inner_text()
    first.locator("[data-act=accept]").click()
    rows = _wait_rows(folder, "C", 2)
    accepted = rows[rows["evidence"].fillna("").str.startswith("accepted from A")]
    assert len(accepted) == 1
    assert session.codebook[accepted["code"].iloc[0]].name == code_name
    page.screenshot(path=str(folder.parent / "coding-screen.png"))

    page.locator(".rq-doctitle").click()
    page.keyboard.press("Control+z")
    rows = _wait_rows(folder, "C", 1)
    assert (int(rows.loc[0, "start"]), int(rows.loc[0, "end"])) == (start, end)
    page.locator(".rq-toast", has_text="Undone").wait_for()
    assert page.problems == []


def test_the_review_tabs_render_without_errors(page, server):
    page.goto(server.url)
    page.wait_for_selector("[data-ready=true]")
    page.click("[data-doc='interview-B']")
    page.wait_for_selector(".rq-doctitle >> text=interview-B")
    page.click("[data-tab=compare]")
    page.click(".rq-panel >> text=Compare")
    figure = page.locator(".rq-figure .big")
    figure.wait_for()
    assert re.fullmatch(r"κ -?\d\.\d\d", figure.inner_text())
    assert page.locator(".rq-panel .rq-item").count() > 0
    page.click("[data-tab=codes]")
    page.fill("[data-role=code-search]", "isolat")
    assert page.locator(".rq-node").count() >= 2
    page.locator(".rq-codebtn", has_text="Feeling isolated").hover()
    page.locator(".rq-tooltip .tip-name", has_text="Feeling isolated").wait_for()
    page.locator(".rq-codebtn", has_text="Feeling isolated").click()  # no selection: filters
    assert page.locator(".rq-codefilter").input_value() == "context/feeling-isolated"
    assert page.problems == []


def test_user_text_is_never_parsed_as_html(page, server, folder):
    session = server.app.session
    session.add_memo("<img src=x onerror=alert(1)><b>bold</b>", doc_id="meeting-05")
    page.goto(server.url)
    page.wait_for_selector("[data-ready=true]")
    page.click("[data-doc='meeting-05']")
    page.click(".rq-dochead >> text=Memos (1)")
    memo = page.locator(".rq-memolist .rq-memo")
    memo.wait_for()
    assert "<img src=x onerror=alert(1)><b>bold</b>" in memo.inner_text()
    assert page.locator(".rq-memolist img, .rq-memolist b").count() == 0
    assert page.problems == []


def test_the_widget_bundle_renders_and_writes_through_the_same_api(page, folder):
    from resilience_qda.serve.widget import CodingWidget, widget_esm

    widget = CodingWidget(folder, "interview-L", coder="W", height=600)
    page.expose_function("pyAnswer", widget.answer)
    page.set_content("<div id=host></div>")
    page.add_style_tag(content=widget._css)
    page.evaluate(
        """async (esm) => {
          const listeners = [];
          const traits = { height: 600, coder: "W", doc_id: "interview-L" };
          const model = {
            get: (k) => traits[k],
            on: (event, cb) => listeners.push(cb),
            send: async (msg) => {
              const reply = await window.pyAnswer(msg);
              listeners.forEach((cb) => cb(reply));
            },
          };
          const url = URL.createObjectURL(new Blob([esm], { type: "text/javascript" }));
          const mod = await import(url);
          mod.default.render({ model, el: document.getElementById("host") });
        }""",
        widget_esm(),
    )
    page.wait_for_selector("[data-ready=true]")
    assert page.locator(".rq-doctitle").inner_text() == "interview-L"
    assert page.locator(".rq-coder").input_value() == "W"
    text = widget.session.corpus["interview-L"].text
    start = text.index("Participant L:") + len("Participant L: ")
    page.evaluate(
        """([s, e]) => window.pyAnswer({kind: "request", id: 1, method: "POST",
             path: "/api/codings", query: {}, body: {doc_id: "interview-L", start: s, end: e,
             code: "themes", coder: "W"}})""",
        [start, start + 20],
    )
    assert _rows(folder, "W")[["start", "end", "code"]].values.tolist() == [
        [start, start + 20, "themes"]
    ]
    assert page.problems == []
