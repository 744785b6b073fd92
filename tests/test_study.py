"""study.yaml: the contract's keys, clear errors naming the key, defaults inferred from the
project, hostile files refused; ``init`` and ``import`` write the commented template."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

import resilience_qda as rq
from resilience_qda.cli import main
from resilience_qda.io.scaffold import template
from resilience_qda.io.study import KEYS, Study, StudyError, read_study

CONTRACT = ("title", "coder", "compare", "sections", "facets", "attributes", "time", "unit",
            "quote", "language", "data_statement")  # fmt: skip


def copy_sample(sample_path: Path, tmp_path: Path) -> Path:
    root = tmp_path / "sample"
    shutil.copytree(sample_path, root)
    return root


def write_study(root: Path, text: str) -> Path:
    (root / "study.yaml").write_text(text, encoding="utf-8")
    return root


def test_the_keys_are_exactly_the_contract():
    assert KEYS == CONTRACT


def test_sample_study_gives_the_replication(sample_project, sample_path):
    study = read_study(sample_path).resolve(sample_project)
    assert study.coder == "A" and study.compare == ("B",)
    assert study.sections == ("themes", "practice-elements", "framework", "noble-truths",
                              "steps", "context", "counter-evidence")  # fmt: skip
    assert study.facets == "practice-elements" and study.attributes == ("sector",)
    assert study.time == ("meeting", "interview_order") and study.unit == "paragraph"
    statement = study.statement(sample_path)
    assert "written for this replication" in statement
    assert "not collected from people" in statement and "Two coders" in statement


def test_without_study_yaml_every_key_is_inferred(sample_project):
    study = Study().resolve(sample_project)
    assert study.coder == "A"  # the manual coder with the most codings
    assert study.compare == ("B",)  # B coded some of A's documents
    assert study.sections == tuple(sample_project.codebook.roots)
    assert "sector" in study.attributes and "role" not in study.attributes  # role: 11 values
    assert study.time == () and study.unit == "paragraph" and study.facets is None
    assert set(study.to_frame()["source"].str.startswith("default")) == {True}


def test_the_food_hub_plan_mixes_declared_and_inferred(food_hub_path):
    project = rq.read_project(food_hub_path)
    study = read_study(food_hub_path).resolve(project)
    assert study.coder == "KM" and study.compare == ()
    assert study.sections == ("motivations", "challenges", "outcomes")
    assert study.attributes == ("site", "age_group") and study.time == ()
    plan = study.to_frame().set_index("key")["source"]
    assert plan["attributes"] == "set in study.yaml" and plan["coder"].startswith("default")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("coders: A\n", "unknown key 'coders' (did you mean 'coder'?)"),
        ("sectoins: [themes]\n", "unknown key 'sectoins' (did you mean 'sections'?)"),
        ("coder: Z\n", "coder 'Z' has no codings"),
        ("compare: [A]\n", "compare names 'A', the analysed coder itself"),
        ("compare: [C]\n", "compare names coder 'C', who has no codings"),
        ("sections: [themes, theems]\n", "sections names branch 'theems'"),
        ("facets: themes/more-reflexive\n", "facets names 'themes/more-reflexive'"),
        ("attributes: [sector, department]\n", "attributes names 'department'"),
        ("time: [week]\n", "time names 'week'"),
        ("unit: page\n", "unit must be one of sentence, turn, paragraph, document"),
        ("quote: 'Participant {case}, {job}'\n", "uses {job}, which is no attribute"),
        ("quote: 'Participant {case!r}'\n", "write fields as {name} only"),
        ("quote: 'Participant {case'\n", "is malformed"),
        ("language: English\n", "language must be a two- or three-letter code"),
        ("sections: []\n", "sections is an empty list"),
        ("sections: [themes, themes]\n", "names ['themes'] twice"),
        ("title: [a, b]\n", "title must be text"),
        ("data_statement: missing.md\n", "data_statement names 'missing.md'"),
        ("data_statement: ../../etc/passwd.md\n", "points outside the project folder"),
    ],
)
def test_a_bad_plan_is_an_error_naming_the_key(sample_path, tmp_path, text, message):
    root = write_study(copy_sample(sample_path, tmp_path), text)
    project = rq.read_project(root)
    with pytest.raises(StudyError) as err:
        read_study(root).resolve(project).statement(root)
    assert message in str(err.value)
    assert isinstance(err.value, ValueError) and isinstance(err.value, rq.QDAError)


def test_the_command_line_reports_a_bad_plan_without_a_traceback(sample_path, tmp_path, capsys):
    root = write_study(copy_sample(sample_path, tmp_path), "attributes: [department]\n")
    assert main(["report", str(root), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "attributes names 'department'" in err and "Traceback" not in err
    assert not (tmp_path / "out" / "report.html").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"a: &x [1, 2]\nb: *x\n", "aliases (*x) are not allowed"),
        (b"- one\n- two\n", "the top level must be keys and values"),
        (b"title: caf\xe9\n", "not UTF-8 text"),
        (b"title: a\x00b\n", "contains NUL bytes"),
        (b"title: [unclosed\n", "not valid YAML"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not UTF-8"),
        (b"!!python/object/apply:os.system ['true']\n", "not valid YAML"),
        (b"[" * 5000 + b"]" * 5000, "study.yaml"),
    ],
)
def test_hostile_and_broken_files_are_refused(tmp_path, data, message):
    (tmp_path / "study.yaml").write_bytes(data)
    with pytest.raises(StudyError, match=re.escape(message)):
        read_study(tmp_path)


def test_a_billion_laughs_is_refused_at_the_first_alias(tmp_path):
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    lines += [f"{chr(98 + k)}: &{chr(98 + k)} [*{chr(97 + k)}, *{chr(97 + k)}]" for k in range(8)]
    (tmp_path / "study.yaml").write_text("\n".join(lines) + "\n")
    with pytest.raises(StudyError, match="aliases"):
        read_study(tmp_path)


def test_a_huge_file_is_refused_before_it_is_read(tmp_path):
    (tmp_path / "study.yaml").write_bytes(b"# " + b"x" * (2 * 1024 * 1024) + b"\n")
    with pytest.raises(StudyError, match="too large"):
        read_study(tmp_path)


def test_an_empty_or_all_commented_file_means_every_default(tmp_path, sample_project):
    (tmp_path / "study.yaml").write_text("# nothing yet\n")
    assert read_study(tmp_path) == Study(origin=str(tmp_path / "study.yaml"))
    assert read_study(tmp_path).resolve(sample_project).coder == "A"


def test_the_template_lists_every_key_and_each_uncommented_value_is_valid():
    text = template("study.yaml")
    assert yaml.safe_load(text) is None  # all commented out: every default applies
    keys = re.findall(r"^# (\w+):", text, re.M)
    assert tuple(dict.fromkeys(keys)) == KEYS
    for line in re.findall(r"^# (\w+: .*?)(?:\s+#.*)?$", text, re.M):
        Study.from_dict(yaml.safe_load(line))  # each example value has the right type


def test_init_scaffolds_a_project_that_reads_and_reports_clearly(tmp_path, capsys):
    root = tmp_path / "my-study"
    assert main(["init", str(root)]) == 0
    assert {p.name for p in root.iterdir()} == {
        "sources", "codings", "memos", "study.yaml", "codebook.yaml", "README.md"
    }  # fmt: skip
    assert (root / "study.yaml").read_text() == template("study.yaml")
    project = rq.read_project(root)
    assert project.codebook.roots == ["barriers", "enablers", "outcomes"]
    assert "resilience-qda import" in capsys.readouterr().err
    # an empty project: a clear error, no traceback
    assert main(["report", str(root), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "has no documents" in err and "resilience-qda import" in err
    assert "Traceback" not in err
    # init never overwrites
    assert main(["init", str(root)]) == 1
    assert "not empty" in capsys.readouterr().err


def test_import_into_an_init_project_then_report(tmp_path, capsys):
    root = tmp_path / "p"
    assert main(["init", str(root)]) == 0
    text = tmp_path / "Interview 1.txt"
    text.write_text("Interviewer: Was it affordable?\n\nP: The bus fare was too much for me.\n")
    assert main(["import", str(text), "--project", str(root), "--kind", "interview"]) == 0
    assert rq.read_project(root).corpus.doc_ids == ["Interview 1"]
    assert (root / "study.yaml").read_text() == template("study.yaml")  # left as it was
    assert main(["report", str(root), "--out", str(tmp_path / "out")]) == 0
    page = (tmp_path / "out" / "report.html").read_text()
    assert "No codings yet" in page and "Say here what the texts are" in page


def test_import_into_a_new_folder_writes_the_study_template(tmp_path):
    text = tmp_path / "a.txt"
    text.write_text("Interviewer: Hello.\n\nP: Hello to you.\n")
    root = tmp_path / "new"
    assert main(["import", str(text), "--project", str(root)]) == 0
    assert (root / "study.yaml").read_text() == template("study.yaml")
    custom = "title: Mine\n"
    (root / "study.yaml").write_text(custom)
    other = tmp_path / "b.txt"
    other.write_text("Interviewer: Again.\n\nP: Yes.\n")
    assert main(["import", str(other), "--project", str(root)]) == 0
    assert (root / "study.yaml").read_text() == custom  # never overwritten


def test_quote_attribution_follows_the_template_of_the_document_kind(sample_project, sample_path):
    study = read_study(sample_path).resolve(sample_project)
    docs = sample_project.corpus.documents.set_index("doc_id")
    row = {**docs.loc["interview-L"].to_dict(), "doc_id": "interview-L", "start": 5, "end": 9}
    assert (
        study.attribution(row) == f"Participant L, {docs.loc['interview-L', 'role']}. "
        "interview-L [5:9]"
    )
    note = {**docs.loc["meeting-03"].to_dict(), "doc_id": "meeting-03", "start": 0, "end": 4}
    assert study.attribution(note) == "Observation notes, meeting 3. meeting-03 [0:4]"


def test_default_attributes_are_repeating_categories():
    from resilience_qda.io.study import default_attributes

    docs = pd.DataFrame({
        "doc_id": list("abcdefgh"), "kind": ["interview"] * 8,
        "site": list("xxyyxxyy"), "job": list("abcdefgh"), "age": [30, 41, 52, 33] * 2,
        "date": [f"2024-01-0{k}" for k in range(1, 9)],
    })  # fmt: skip
    assert default_attributes(docs) == ["site"]
