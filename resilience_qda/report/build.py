"""Assemble the evaluation report of a project into a folder.

::

    OUT/report.html       one self-contained page: figures embedded, tables, quotes, provenance
    OUT/figures/*.png     300 dpi, and *.svg
    OUT/tables/*.csv      every table the report shows (and the longer ones it only links)

The project's ``study.yaml`` (:mod:`resilience_qda.io.study`) says what to report. Sections
(:mod:`resilience_qda.report.sections`) are functions of the project that add blocks to a
:class:`~resilience_qda.report.document.Report`; the page is rendered from those blocks once,
through a Jinja2 template (:mod:`resilience_qda.report.render`). The folder is built beside
``OUT`` and swapped into its place when complete
(:func:`resilience_qda.io.folders.staged_folder`), so an interrupted run leaves the old
report or the new one, never a mix.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import multiprocessing as mp
import os
import pickle
import platform
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import matplotlib
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..core.errors import ProjectError
from ..core.model import Project
from ..core.progress import progress_bar
from ..core.version import __version__
from ..io.claims import CLAIMS_FILE, read_claims
from ..io.codebook import codebook_to_yaml
from ..io.folders import put, staged_folder
from ..io.study import Study, default_compare, read_study
from ..privacy import pseudonymisation_note
from .document import Report, new_figure
from .render import render_page
from .sections import SECTIONS, claims_section, corpus_section

FIG_DPI = 300
#: No creation dates in the files, so the same inputs give the same figure bytes.
_METADATA = {"png": {"Software": None}, "svg": {"Date": None}}

__all__ = ["FIG_DPI", "SECTIONS", "Report", "build_report", "corpus_section", "new_figure"]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def provenance(project: Project, report: Report | None = None) -> pd.DataFrame:
    """What the report was made from: toolkit version, date, and a SHA-256 of every input
    (each source text, the codebook, all codings and each coder's codings), then which table
    each figure draws.

    Returns
    -------
    DataFrame
        ``input, name, value``.
    """
    rows = [
        ("toolkit", "resilience_qda", __version__),
        ("python", "version", platform.python_version()),
        ("pandas", "version", pd.__version__),
        ("matplotlib", "version", matplotlib.__version__),
        ("run", "date (UTC)", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")),
        ("project", "path", str(project.path or "")),
        (
            "analysed coder",
            "coder",
            (report.coder if report is not None else None) or "(no codings)",
        ),
        (
            "codebook",
            project.codebook.name or "(unnamed)",
            _sha(codebook_to_yaml(project.codebook).encode()),
        ),
        (
            "codings",
            f"all: {len(project.codings)} rows",
            _sha(project.codings.to_csv(index=False, lineterminator="\n").encode()),
        ),
    ]
    for coder in project.coders:
        rows.append(
            (
                "codings",
                f"{coder}: {int((project.codings['coder'] == coder).sum())} rows",
                _sha(project.codings_of(coder).to_csv(index=False, lineterminator="\n").encode()),
            )
        )
    study_file = Path(project.path) / "study.yaml" if project.path else None
    if study_file is not None and study_file.is_file():
        rows.append(("study", "study.yaml", _sha(study_file.read_bytes())))
    else:
        rows.append(("study", "study.yaml", "(none: every key inferred)"))
    rows += [("source", d.doc_id, _sha(d.text.encode("utf-8"))) for d in project.corpus]
    if report is not None:
        rows += [
            ("figure", f"figures/{name}.png", f"tables/{table}.csv")
            for name, table in report.sources.items()
        ]
    return pd.DataFrame(rows, columns=["input", "name", "value"])


def _render(fig: Figure) -> tuple[bytes, bytes]:
    """The figure as PNG (300 dpi) and SVG bytes, cropped to one tight box for both."""
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw_without_rendering()
    bbox = fig.get_tightbbox(renderer).padded(0.1)
    png, svg = io.BytesIO(), io.BytesIO()
    fig.savefig(
        png,
        format="png",
        dpi=FIG_DPI,
        bbox_inches=bbox,
        metadata=_METADATA["png"],
        pil_kwargs={"compress_level": 1},  # fast; the files are ~25% larger than level 6
    )
    with matplotlib.rc_context({"svg.hashsalt": "resilience-qda"}):  # fixed clip-path ids
        fig.savefig(svg, format="svg", bbox_inches=bbox, metadata=_METADATA["svg"])
    return png.getvalue(), svg.getvalue()


def _render_pickled(data: bytes) -> tuple[bytes, bytes]:
    return _render(pickle.loads(data))


class FigureRenderer:
    """Draws figures while the report is still being computed.

    Where the platform can fork, the process has no other threads and there is more than one
    CPU, each figure is sent to a worker process as soon as a section adds it (drawing is
    most of a report's time); otherwise, or if a figure cannot be pickled, it is drawn in
    this process at the end.
    """

    def __init__(self, workers: int | None = None):
        cpus = os.cpu_count() or 1
        self.workers = workers if workers is not None else min(4, cpus)
        self.pool = None
        # fork only a single-threaded process (the command line): forking a process with
        # other threads (a Jupyter kernel, a test runner) can deadlock the child
        if (
            self.workers > 1
            and "fork" in mp.get_all_start_methods()
            and threading.active_count() == 1
        ):
            self.pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=mp.get_context("fork")
            )
        self.pending: dict[str, object] = {}

    def submit(self, name: str, fig: Figure) -> None:
        if self.pool is not None:
            try:
                self.pending[name] = self.pool.submit(_render_pickled, pickle.dumps(fig))
                return
            except (pickle.PicklingError, TypeError, AttributeError):
                pass
        self.pending[name] = fig

    def results(self) -> dict[str, tuple[bytes, bytes]]:
        """``{name: (png, svg)}`` of every submitted figure, in submission order."""
        try:
            return {
                name: _render(job) if isinstance(job, Figure) else job.result()
                for name, job in self.pending.items()
            }
        finally:
            self.close()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
            self.pool = None


def render_figures(figures: dict[str, Figure], *, workers: int | None = None) -> dict:
    """Each figure as ``(png, svg)`` bytes (drawn in parallel where possible)."""
    renderer = FigureRenderer(workers)
    for name, fig in figures.items():
        renderer.submit(name, fig)
    return renderer.results()


def build_report(
    project: Project,
    out: str | Path = "report",
    sections: list[Callable[[Project, Report], None]] | None = None,
    *,
    coder: str | None = None,
    study: Study | None = None,
    progress: bool | None = None,
) -> Path:
    """Write the evaluation report of ``project`` into folder ``out``; return ``report.html``.

    Parameters
    ----------
    project : Project
        A project read with :func:`resilience_qda.read_project`; codings are optional.
    out : path-like
        The output folder (created if needed).
    sections : list of callables, optional
        ``section(project, report)`` functions; default :data:`SECTIONS`.
    coder : str, optional
        Whose codings the analysis uses; overrides study.yaml's ``coder``.
    study : Study, optional
        The analysis plan; default the project's ``study.yaml`` (every key optional).
    progress : bool, optional
        A progress line on stderr: ``None`` (default) when someone is watching.

    Raises
    ------
    ProjectError
        When the project has no documents, ``coder`` has no codings, or study.yaml names a
        coder, branch or attribute the project lacks (the message names the key).
    ClaimsError
        When the project's claims.yaml is broken (the message names the claim and key).

    Examples
    --------
    >>> from resilience_qda import read_project
    >>> build_report(read_project("data/sample"), "report")  # doctest: +SKIP
    PosixPath('report/report.html')
    """
    out = Path(out)
    where = project.path or "the project"
    if not len(project.corpus):
        raise ProjectError(
            f"{where} has no documents (sources/ is empty), so there is nothing to report; "
            f"add transcripts or notes with: resilience-qda import FILES... --project {where}"
        )
    if coder is not None and coder not in project.coders:
        raise ProjectError(
            f"coder {coder!r} has no codings in {where}; coders: "
            f"{', '.join(project.coders) or 'none yet'}"
        )
    plan = study if study is not None else read_study(project.path)
    if coder is not None:  # another coder: the coders compared with it are inferred again
        plan = plan.resolve(project)
        plan = dataclasses.replace(
            plan,
            coder=coder,
            compare=default_compare(project.codings, coder),
            notes={
                **plan.notes,
                "coder": "chosen for this report",
                "compare": "default: other manual coders sharing documents",
            },
        )
    plan = plan.resolve(project)
    chosen = SECTIONS if sections is None else sections
    ledger = project.path is not None and (Path(project.path) / CLAIMS_FILE).is_file()
    # a broken ledger stops the report before any work, naming the claim and key
    claims = read_claims(project) if ledger and claims_section in chosen else None
    bar = progress_bar(total=len(chosen) + 2, desc="report", unit="step", progress=progress)
    renderer = FigureRenderer()
    report = Report(plan.title, coder=plan.coder, study=plan, on_figure=renderer.submit)
    if claims is not None:
        report.cache["claims"] = claims
    report.statement = plan.statement(project.path)
    try:
        for section in chosen:
            if bar is not None:
                bar.set_postfix_str(getattr(section, "__name__", "section").replace("_", " "))
            section(project, report)
            if bar is not None:
                bar.update()
        _provenance_section(project, report)
        if bar is not None:
            bar.set_postfix_str("drawing figures")
            bar.update()
        rendered = renderer.results()
        page = render_page(
            report, {name: svg for name, (_, svg) in rendered.items()}, version=__version__
        )
        with staged_folder(out) as folder:
            for name, table in report.tables.items():
                csv = table.to_csv(index=False, lineterminator="\n").encode("utf-8")
                put(folder, f"tables/{name}.csv", csv, shown=out)
            for name, (png, svg) in rendered.items():
                put(folder, f"figures/{name}.png", png, shown=out)
                put(folder, f"figures/{name}.svg", svg, shown=out)
            put(folder, "report.html", page.encode("utf-8"), shown=out)
        target = out / "report.html"
        if bar is not None:
            bar.update()
    finally:
        renderer.close()
        if bar is not None:
            bar.close()
    return target


def _provenance_section(project: Project, report: Report) -> None:
    report.heading("Provenance")
    note = pseudonymisation_note(project)
    if note:
        report.text(note + " Quotations in this report are drawn from these texts.")
    report.text(
        "Every figure and table above can be regenerated from these inputs with the "
        "same toolkit version: resilience-qda report PROJECT. Each figure's data is the "
        "CSV named beside it."
    )
    report.table(
        "study_plan",
        report.study.to_frame(),
        "The analysis plan: each study.yaml key, its value, and whether study.yaml set it or "
        "the report inferred it.",
        fold=False,
    )
    report.table(
        "provenance",
        provenance(project, report),
        "Inputs and their SHA-256 hashes; figures and the tables they draw.",
        max_rows=10_000,
    )
