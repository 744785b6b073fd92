"""The command line skeleton: help, version, import, report, errors."""

import subprocess
import sys

import pytest

import resilience_qda as rq
from resilience_qda.cli import main


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert rq.__version__ in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("report", "import", "codebook"):
        assert command in out


def test_python_dash_m_runs_the_same_command_line():
    done = subprocess.run(
        [sys.executable, "-m", "resilience_qda", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.startswith("resilience-qda ")


def test_import_builds_then_extends_a_project(tmp_path, capsys):
    (tmp_path / "int-L.txt").write_bytes(
        "Interviewer: Hello.\r\n\r\nParticipant L: Hi – it’s fine.\r\n".encode("cp1252")
    )
    (tmp_path / "meeting-01.md").write_text(
        "---\nkind: observation\ndate: 2010-01-14\nmeeting: 1\n---\nSeven came.\n"
    )
    project = tmp_path / "proj"
    assert main(["import", str(tmp_path / "int-L.txt"), "--project", str(project)]) == 0
    assert main(["import", str(tmp_path / "meeting-01.md"), "--project", str(project)]) == 0
    loaded = rq.read_project(project)
    assert loaded.corpus["int-L"].text == "Interviewer: Hello.\n\nParticipant L: Hi – it’s fine.\n"
    docs = loaded.corpus.documents.set_index("doc_id")
    assert docs.loc["meeting-01", "kind"] == "observation"
    assert docs.loc["meeting-01", "meeting"] == 1
    assert docs.loc["int-L", "kind"] == "interview"


def test_importing_a_document_twice_is_refused_and_changes_nothing(tmp_path, capsys):
    (tmp_path / "int-L.txt").write_text("Interviewer: Hello.\nParticipant L: Hi.\n")
    project = tmp_path / "proj"
    main(["import", str(tmp_path / "int-L.txt"), "--project", str(project)])
    before = (project / "sources" / "int-L.txt").read_bytes()
    (tmp_path / "int-L.txt").write_text("Interviewer: Changed.\n")
    assert main(["import", str(tmp_path / "int-L.txt"), "--project", str(project)]) == 1
    err = capsys.readouterr().err
    assert "already has document(s) int-L" in err and "Traceback" not in err
    assert (project / "sources" / "int-L.txt").read_bytes() == before


def test_bad_input_is_a_message_and_exit_status_1(tmp_path, capsys):
    (tmp_path / "empty.txt").write_text("")
    assert main(["import", str(tmp_path / "empty.txt"), "--project", str(tmp_path / "p")]) == 1
    err = capsys.readouterr().err
    assert "empty.txt" in err and "empty" in err and "Traceback" not in err
    assert not (tmp_path / "p").exists()
    assert main(["report", str(tmp_path / "nowhere")]) == 1
    assert "no such project folder" in capsys.readouterr().err


def test_report_on_a_project_writes_html_figures_and_tables(tmp_path, food_hub_path):
    out = tmp_path / "report"  # the small second project: the sample's report has its own tests
    assert main(["report", str(food_hub_path), "--out", str(out)]) == 0
    html = (out / "report.html").read_text()
    assert "<img" in html and "Provenance" in html
    assert list((out / "figures").glob("*.png")) and list((out / "figures").glob("*.svg"))
    assert (out / "tables" / "documents_by_kind.csv").exists()


def test_a_closed_pipe_is_not_an_error():
    done = subprocess.run(
        f"{sys.executable} -m resilience_qda codebook --format csv | head -1",
        shell=True,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.stdout.startswith("code,parent,name")
    assert "Traceback" not in done.stderr
