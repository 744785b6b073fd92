"""The evaluation report: files written, content shown, untrusted text escaped, figures visible."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from _analysis_data import codings, corpus, span
from PIL import Image

import resilience_qda as rq
from resilience_qda.cli import main
from resilience_qda.core.model import Corpus, Document, Project
from resilience_qda.report import build_report
from resilience_qda.report.sections import (
    codebook_section,
    coding_section,
    elements_section,
    themes_section,
)

HOSTILE = (
    "Interviewer: Tell me.\n\n"
    "Participant X: <script>alert('pwn')</script> and <img src=x onerror=alert(1)> then "
    "</blockquote><h1>fake</h1> and ]]> & \"quotes\" 'too' $x$ {{ template }}.\n\n"
    "Interviewer: Thanks."
)
HOSTILE_QUOTE = "<script>alert('pwn')</script> and <img src=x onerror=alert(1)> then"


def small_project(tmp_path: Path, *, hostile: bool = True, with_codings: bool = True) -> Path:
    c = corpus()
    docs = list(c)
    cases = c.cases.copy()
    table = codings()
    if hostile:
        docs.append(Document("interview-X", HOSTILE, {"kind": "interview", "case": "X"}))
        cases = pd.concat(
            [cases, pd.DataFrame({"case": ["X"], "role": ["<b>Role</b>"],
                                  "sector": ["<i>sector</i>"]})]
        )  # fmt: skip
        s, e = span(HOSTILE, HOSTILE_QUOTE)
        table = pd.concat(
            [
                table,
                pd.DataFrame(
                    [
                        ("interview-X", s, e, "themes/more-resourceful", "A", "manual", None),
                        ("interview-X", s, e, "<script>bad()</script>", "A", "manual", None),
                    ],
                    columns=table.columns,
                ),
            ],
            ignore_index=True,
        )
    project = Project(
        Corpus(docs, cases=cases),
        rq.read_codebook("cop-evaluation"),
        table if with_codings else rq.empty_codings(),
    )
    if hostile:
        s, e = span(c["interview-L"].text, "We had a laugh.")
        project.memos = pd.DataFrame(
            [{"memo_id": "m1", "doc_id": "interview-L", "start": s, "end": e,
              "code": "framework/coping/have-a-laugh", "coder": "A",
              "text": "<script>memo()</script> laughing together"}]
        )  # fmt: skip
    root = tmp_path / "project"
    rq.write_project(project, root)
    return root


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    root = small_project(tmp)
    out = tmp / "report"
    with pytest.warns(rq.QDAWarning, match="not in codebook"):
        project = rq.read_project(root)
    page = build_report(project, out)
    return root, out, page.read_text(encoding="utf-8")


def test_untrusted_text_never_becomes_markup(hostile_report):
    _, _, page = hostile_report
    assert "<script" not in page.lower()
    assert "<img src=x" not in page and "<h1>fake" not in page and "<b>Role" not in page
    assert "&lt;script&gt;alert(&#x27;pwn&#x27;)&lt;/script&gt;" in page  # shown, as text
    assert "&lt;b&gt;Role&lt;/b&gt;" in page
    assert "&lt;script&gt;memo()&lt;/script&gt; laughing together" in page  # the memos table
    assert "Content-Security-Policy" in page
    # every tag in the page is one of ours
    tags = set(re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", page))
    assert tags <= {
        "html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "h4", "p", "nav",
        "ul", "li", "a", "figure", "figcaption", "img", "div", "table", "thead", "tbody", "tr",
        "th", "td", "blockquote", "footer",
    }  # fmt: skip


def test_exemplar_quotes_carry_participant_letter_and_role(hostile_report):
    _, _, page = hostile_report
    assert "Participant L, Social worker. interview-L" in page
    quotes = dict(re.findall(r"<blockquote><p>(.*?)</p><footer>(.*?)</footer>", page, re.S))
    assert quotes["The map, mostly."].startswith("Participant S, Family nurse. interview-S [")
    hostile = [q for q in quotes if "alert" in q]
    assert hostile and quotes[hostile[0]].startswith("Participant X, &lt;b&gt;Role&lt;/b&gt;.")


def test_every_figure_as_png_300_dpi_and_svg_and_every_table_as_csv(hostile_report):
    _, out, page = hostile_report
    names = re.findall(r"id='fig-([^']+)'", page)
    assert {"themes_files_references", "elements_configurations", "codebook_tree"} <= set(names)
    for name in names:
        png = out / "figures" / f"{name}.png"
        with Image.open(png) as im:
            assert round(im.info["dpi"][0]) == 300
        assert (out / "figures" / f"{name}.svg").read_text().lstrip().startswith("<?xml")
    linked = set(re.findall(r"href='tables/([^']+)\.csv'", page))
    written = {p.stem for p in (out / "tables").glob("*.csv")}
    assert linked <= written
    assert {"themes_frequencies", "framework_matrix_themes", "provenance"} <= written
    themes = pd.read_csv(out / "tables" / "themes_frequencies.csv")
    # coder A: resourceful in interview-S and the hostile interview; reflexive once ...
    assert themes.set_index("code")["references"].to_dict() == {
        "themes/more-resourceful": 2,
        "themes/more-responsive-and-flexible": 0,
        "themes/more-reflexive": 1,
        "themes/more-resilient-themselves": 1,
    }


def test_provenance_hashes_every_source_codebook_and_codings(hostile_report):
    root, out, _ = hostile_report
    prov = pd.read_csv(out / "tables" / "provenance.csv")
    sources = prov[prov["input"] == "source"].set_index("name")["value"].to_dict()
    for f in (root / "sources").glob("*.txt"):
        assert sources[f.stem] == hashlib.sha256(f.read_bytes()).hexdigest()
    assert set(prov["input"]) >= {"toolkit", "run", "codebook", "codings", "figure"}
    assert prov[prov["input"] == "toolkit"]["value"].item() == rq.__version__
    assert prov[prov["input"] == "codings"]["name"].str.startswith("A:").any()


def test_report_without_codings_degrades_gracefully(tmp_path):
    root = small_project(tmp_path, hostile=False, with_codings=False)
    status = main(["report", str(root), "--out", str(tmp_path / "out")])
    assert status == 0
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "No codings yet" in page
    assert "The codebook" in page and "Words" in page
    assert (tmp_path / "out" / "figures" / "codebook_tree.svg").exists()


def test_unknown_codes_are_listed_not_dropped(hostile_report):
    _, _, page = hostile_report
    assert "not in the codebook" in page and "&lt;script&gt;bad()" in page


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory, sample_path):
    out = tmp_path_factory.mktemp("sample") / "report"
    project = rq.read_project(sample_path)
    return project, out, build_report(project, out).read_text(encoding="utf-8")


def test_sample_report_shows_themes_elements_and_quotes(sample_report):
    project, out, page = sample_report
    if not len(project.codings):
        pytest.skip("data/sample has no codings yet")
    themes = pd.read_csv(out / "tables" / "themes_frequencies.csv")
    assert len(themes) == 4 and (themes["references"] > 0).all()
    assert (themes["files"] <= themes["references"]).all()
    elements = pd.read_csv(out / "tables" / "elements_frequencies.csv")
    assert elements["code"].tolist() == [
        "practice-elements/meanings",
        "practice-elements/competencies",
        "practice-elements/materials",
    ]
    assert (elements["references"] > 0).all()
    assert page.count("<blockquote>") >= 12  # three per theme
    assert re.search(r"<footer>Participant [A-Z], ", page)


CHROMIUM = next(
    (shutil.which(n) for n in ("chromium", "chromium-browser") if shutil.which(n)), None
)


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed")
def test_every_figure_is_visible_in_chromium(sample_report, tmp_path):
    """Render the page in headless Chromium: every image decodes and has a size on screen."""
    _, out, page = sample_report
    n_figures = page.count("<figure class='chart'")
    probe = page.replace("<meta http-equiv='Content-Security-Policy'", "<meta name='x'")
    probe = probe.replace(
        "</body>",
        "<script>window.addEventListener('load', () => {const bad = [...document.images]"
        ".filter(i => !(i.complete && i.naturalWidth > 0 && i.getBoundingClientRect().width"
        " > 100)); document.body.setAttribute('data-check', 'images=' + document.images.length"
        " + ' broken=' + bad.length);});</script></body>",
    )
    (out / "probe.html").write_text(probe, encoding="utf-8")
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]  # fmt: skip
    probe_url = (out / "probe.html").as_uri()
    dom = subprocess.run(
        [CHROMIUM, *flags, "--virtual-time-budget=5000", "--dump-dom", probe_url],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert f'data-check="images={n_figures} broken=0"' in dom.stdout
    shot = tmp_path / "shot.png"
    subprocess.run(
        [CHROMIUM, *flags, "--window-size=1200,3000", f"--screenshot={shot}",
         (out / "report.html").as_uri()],
        capture_output=True, timeout=180,
    )  # fmt: skip
    with Image.open(shot) as im:
        grey = im.convert("L")
        dark = sum(grey.histogram()[:200])
    assert dark > 0.01 * grey.size[0] * grey.size[1]  # figures and text, not a blank page


def test_report_of_a_chosen_coder_and_an_unknown_one(hostile_report, tmp_path, capsys):
    root, _, _ = hostile_report
    out = tmp_path / "out"
    with pytest.warns(rq.QDAWarning):
        project = rq.read_project(root)
    build_report(project, out, sections=[coding_section, themes_section], coder="B")
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "uses the codings of coder B (other coders: A" in page
    themes = pd.read_csv(out / "tables" / "themes_frequencies.csv")
    assert themes["references"].sum() == 0  # B coded no themes
    provenance = pd.read_csv(out / "tables" / "provenance.csv")
    assert provenance[provenance["input"] == "analysed coder"]["value"].item() == "B"
    assert main(["report", str(root), "--out", str(out), "--coder", "C"]) == 1
    assert "coder 'C' has no codings" in capsys.readouterr().err


def test_report_of_a_project_with_another_codebook(tmp_path):
    """No themes, elements or framework codes: those sections say so; the rest works."""
    text = "Interviewer: Hi.\n\nP: We talked about money and the bus."
    corpus_x = Corpus([Document("i1", text, {"kind": "interview"})])
    book = rq.Codebook([rq.Code("money", "Money"), rq.Code("money/transport", "Transport")])
    s, e = span(text, "the bus")
    table = pd.DataFrame(
        [("i1", s, e, "money/transport", "A", "manual", None)], columns=list(rq.CODINGS_COLUMNS)
    )
    root = tmp_path / "p"
    rq.write_project(Project(corpus_x, book, table), root)
    sections = [themes_section, elements_section, codebook_section]
    page = build_report(rq.read_project(root), tmp_path / "out", sections=sections)
    page = page.read_text(encoding="utf-8")
    assert "Neither the codebook nor the codings have practice elements." in page
    assert "The codebook has no themes." in page
    assert "Transport" in page  # the codebook table


def test_a_pseudonymised_project_says_so_with_the_key_version_only(tmp_path):
    root = small_project(tmp_path, hostile=False, with_codings=False)
    sources = pd.read_csv(root / "sources.csv")
    sources["pseudonymised"] = "key-4fbd0498c8b1"
    sources.to_csv(root / "sources.csv", index=False)
    page = build_report(rq.read_project(root), tmp_path / "out", sections=[]).read_text()
    assert "The texts were pseudonymised (key version key-4fbd0498c8b1)" in page
    plain = build_report(
        rq.read_project(small_project(tmp_path / "b", hostile=False, with_codings=False)),
        tmp_path / "out2",
        sections=[],
    ).read_text()
    assert "were pseudonymised" not in plain
