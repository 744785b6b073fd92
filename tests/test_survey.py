"""Survey exports: one document per non-empty answer, code columns as a coder's codings,
a second coder's file of the same answers adds codings, agreement at document level."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

from resilience_qda.analysis.agreement import agreement
from resilience_qda.cli import main
from resilience_qda.core.errors import ProjectError, ReadError
from resilience_qda.io import read_project, survey_import
from resilience_qda.io.survey import open_table
from resilience_qda.io.survey_import import SurveyError, import_survey

#: The survey coders' codes are their own, not the built-in codebook's: kept and warned about.
pytestmark = pytest.mark.filterwarnings("ignore:.*are not in codebook 'cop-evaluation'")
FIXTURES = Path(__file__).parent / "fixtures" / "sources"
SURVEY_A = FIXTURES / "survey-coder-A.csv"
QUESTION = "Q7 What, if anything, helped you most in the sessions?"
#: Coder B's codes where they differ from A's (A's file is the fixture).
B_CODES = {
    "R_4d5E6f": ("Tools", ""),
    "R_0j1K2l": ("No change", "Time pressure; Workload"),
    "R_6p7Q8r": ("Strengths focus", ""),
    "R_1e2F3g": ("Workload", ""),
}


def rows_of(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return list(csv.reader(fh))


def write_column(path: Path, name: str, answers: list[str]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([[name], *([a] for a in answers)])


def coder_b_xlsx(tmp_path: Path) -> Path:
    """Coder B's copy of the same export, saved from Excel as .xlsx."""
    from openpyxl import Workbook

    rows = rows_of(SURVEY_A)
    wb = Workbook()
    ws = wb.active
    ws.title = "Responses"
    ws.append(rows[0])
    for r in rows[1:]:
        code1, code2 = B_CODES.get(r[0], (r[5], r[6]))
        ws.append([*r[:5], code1 or None, code2 or None])
    path = tmp_path / "survey-coder-B.xlsx"
    wb.save(path)
    return path


def run_import(path, project, coder, *extra):
    return main(
        [
            "import",
            str(path),
            "--project",
            str(project),
            "--text-column",
            QUESTION,
            "--id-column",
            "ResponseId",
            "--codes-columns",
            "Code *",
            "--coder",
            coder,
            *extra,
        ]
    )


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "survey"
    assert run_import(SURVEY_A, root, "A") == 0
    assert run_import(coder_b_xlsx(tmp_path), root, "B") == 0
    return root


def test_one_document_per_non_empty_answer_with_the_other_columns_as_attributes(project):
    p = read_project(project)
    docs = p.corpus.documents.set_index("doc_id")
    assert len(docs) == 11  # 12 rows, one empty answer ("n/a" is an answer)
    assert "R_7g8H9i" not in docs.index
    assert set(docs["kind"]) == {"response"}
    row = docs.loc["R_4d5E6f"]
    assert (row["Region"], row["Role"], row["StartDate"]) == ("South", "Family nurse", "2024-03-04")
    assert row["question"] == QUESTION and row["respondent"] == "R_4d5E6f" and row["row"] == 3
    assert set(docs["language"].dropna()) == {"en"}
    assert p.corpus["R_1a2B3c"].text == (
        "Having someone to ring when things got hard, even at ten at night."
    )


def test_code_columns_are_each_coders_codings_of_whole_answers(project):
    p = read_project(project)
    a, b = p.codings_of("A"), p.codings_of("B")
    assert len(a) == 17 and len(b) == 16
    whole = a.merge(p.corpus.documents[["doc_id", "n_chars"]], on="doc_id")
    assert (whole["start"] == 0).all() and (whole["end"] == whole["n_chars"]).all()
    assert set(a.loc[a["doc_id"] == "R_4d5E6f", "code"]) == {"tools", "conversations"}
    assert set(b.loc[b["doc_id"] == "R_0j1K2l", "code"]) == {
        "no-change",
        "time-pressure",
        "workload",
    }
    assert set(a["source"]) == {"manual"}


def test_the_second_coders_file_adds_codings_instead_of_refusing(tmp_path, capsys):
    root = tmp_path / "survey"
    run_import(SURVEY_A, root, "A")
    capsys.readouterr()
    assert run_import(coder_b_xlsx(tmp_path), root, "B") == 0
    err = capsys.readouterr().err
    assert "0 answer(s)" in err and "11 already there with the same text" in err
    assert "coder B: 16 coding(s)" in err
    assert sorted(p.name for p in (root / "sources").iterdir())[:2] == [
        "R_0j1K2l.txt",
        "R_1a2B3c.txt",
    ]
    assert len(rows_of(root / "sources.csv")) == 12  # header + 11, no duplicates


def test_agreement_between_the_two_coders_runs_at_document_level(project, capsys):
    out = project / "agreement.csv"
    args = ["agreement", str(project), "--coders", "A", "B", "--unit", "document"]
    assert main([*args, "-o", str(out)]) == 0
    with open(out, encoding="utf-8") as fh:
        table = {r["code"]: r for r in csv.DictReader(fh)}
    assert float(table["peer-support"]["kappa"]) == 1.0
    # B left "conversations" off R_4d5E6f: A coded it once, B never
    assert (table["conversations"]["a"], table["conversations"]["b"]) == ("0", "1")
    p = read_project(project)
    direct = agreement(p, ["A", "B"], unit="document")
    # the documents both coded: every answer but "n/a", which neither coded
    assert float(direct.set_index("code").loc["workload", "n_units"]) == 10


def test_importing_the_same_coder_again_replaces_their_codings(project, tmp_path):
    changed = tmp_path / "a2.csv"
    rows = rows_of(SURVEY_A)
    rows[1][5] = "Facilitation"  # R_1a2B3c: Peer support -> Facilitation
    with open(changed, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    assert run_import(changed, project, "A") == 0
    a = read_project(project).codings_of("A")
    assert set(a.loc[a["doc_id"] == "R_1a2B3c", "code"]) == {"facilitation"}
    assert len(a) == 17
    assert len(read_project(project).codings_of("B")) == 16  # B's file untouched


def test_an_id_with_another_text_is_refused_and_nothing_changes(project, tmp_path):
    other = tmp_path / "q8.csv"
    rows = rows_of(SURVEY_A)
    rows[1][4] = "A different answer to a different question."
    with open(other, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    before = {f.name: f.read_bytes() for f in (project / "sources").iterdir()}
    with pytest.raises(ProjectError, match=r"1 answer\(s\) have ids .*R_1a2B3c \(row 2\).*prefix"):
        import_survey(other, project, text_column=QUESTION, id_column="ResponseId")
    assert {f.name: f.read_bytes() for f in (project / "sources").iterdir()} == before
    assert not [f for f in project.iterdir() if f.name.startswith(".import-")]
    report = import_survey(
        other, project, text_column=QUESTION, id_column="ResponseId", doc_prefix="q8-"
    )
    assert report.imported == 11 and "q8-R_1a2B3c" in read_project(project).corpus


def test_without_an_id_column_answers_are_numbered_in_row_order(tmp_path):
    report = import_survey(SURVEY_A, tmp_path / "p", text_column=QUESTION)
    assert report.imported == 11 and report.empty == 1
    ids = read_project(tmp_path / "p").corpus.doc_ids
    assert "response-1" in ids and "response-3" not in ids  # row 3's answer was empty


def test_codes_resolve_against_the_projects_codebook_and_can_start_one(tmp_path):
    root = tmp_path / "p"
    report = import_survey(
        SURVEY_A,
        root,
        text_column=QUESTION,
        id_column="ResponseId",
        codes_columns="Code *",
        coder="A",
    )
    # the built-in codebook does not take a survey coder's "Tools" for its own tools code
    assert "tools" in report.unknown_codes and report.created_codes == []
    root2 = tmp_path / "p2"
    report = import_survey(
        SURVEY_A,
        root2,
        text_column=QUESTION,
        id_column="ResponseId",
        codes_columns="Code *",
        coder="A",
        create_codes=True,
    )
    book = read_project(root2).codebook
    assert set(book.paths) == set(report.codes) and book.language == "en"
    assert book["young-peoples-voice"].name == "Young people's voice"


def test_marks_in_code_columns_code_the_answer_with_the_column_name(tmp_path):
    f = tmp_path / "marks.csv"
    f.write_text(
        "id;answer;Code: Peer support;Code: Tools\n"
        "1;Ringing Sam when it got hard.;x;\n"
        "2;The map on the kitchen table.;0;1\n",
        encoding="utf-8",
    )
    report = import_survey(
        f, tmp_path / "p", text_column="answer", id_column="id", codes_columns="Code: *", coder="A"
    )
    codings = read_project(tmp_path / "p").codings_of("A")
    assert codings[["doc_id", "code"]].values.tolist() == [["1", "peer-support"], ["2", "tools"]]
    assert report.coded == 2


def test_qualtrics_extra_header_rows_are_skipped(tmp_path):
    f = tmp_path / "qualtrics.csv"
    f.write_text(
        "ResponseId,Q7\n"
        'Response ID,"What, if anything, helped you most?"\n'
        '"{""ImportId"":""_recordId""}","{""ImportId"":""QID7_TEXT""}"\n'
        "R_1,The group.\nR_2,The map.\n",
        encoding="utf-8",
    )
    report = import_survey(f, tmp_path / "p", text_column="Q7", id_column="ResponseId")
    assert report.imported == 2
    assert read_project(tmp_path / "p").corpus.doc_ids == ["R_1", "R_2"]


def test_a_danish_column_is_danish_and_a_mixed_column_is_detected_per_answer(tmp_path):
    da = [
        "Det hjalp mig meget at tale med de andre plejeforældre.",
        "Kortet, som vi tegnede sammen med familien.",
        "At have nogen at ringe til, når det blev svært.",
        "Ja.",
    ]
    f = tmp_path / "da.csv"
    write_column(f, "svar", da)
    report = import_survey(f, tmp_path / "p", text_column="svar")
    assert dict(report.languages) == {"da": 4}  # "Ja." takes the column's language
    mixed = tmp_path / "mixed.csv"
    english = [
        "Talking to other carers who had the same doubts as me.",
        "The map we drew with the family on the first visit.",
    ]
    write_column(mixed, "answer", [*da[:3], *english])
    report = import_survey(mixed, tmp_path / "q", text_column="answer")
    assert dict(report.languages) == {"da": 3, "en": 2}


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"text_column": "Q9"}, ReadError, r"has no text column 'Q9'; its columns are"),
        ({"text_column": QUESTION, "id_column": "id"}, ReadError, "has no id column 'id'"),
        ({"text_column": QUESTION, "coder": "A"}, SurveyError, "go together"),
        (
            {"text_column": QUESTION, "codes_columns": "Kode *", "coder": "A"},
            ReadError,
            "no column matches the code columns pattern",
        ),
        (
            {"text_column": QUESTION, "codes_columns": "*", "coder": "A"},
            SurveyError,
            "also matches the text or id column",
        ),
    ],
)
def test_arguments_that_do_not_fit_the_file_are_refused(tmp_path, options, error, message):
    with pytest.raises(error, match=message):
        import_survey(SURVEY_A, tmp_path / "p", **options)
    assert not (tmp_path / "p").exists()


def test_the_cli_asks_for_the_text_column(tmp_path, capsys):
    assert main(["import", str(SURVEY_A), "--project", str(tmp_path / "p")]) == 1
    assert "name the column of answers with --text-column COL" in capsys.readouterr().err


# --------------------------------------------------------------------------- hostile files


def write(tmp_path, name, data: bytes) -> Path:
    f = tmp_path / name
    f.write_bytes(data)
    return f


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.csv", b"", "empty"),
        ("blank.csv", b"\n\n  \n", "empty"),
        ("header-only.csv", b"id,answer\n", "has no answers"),
        ("binary.csv", b"PK\x03\x04\x00\x00garbage", "is not a CSV file"),
        ("nul.csv", b"id,answer\x00\x00\x00\n1,\x00\n" * 10, "binary"),
        ("dupes.csv", b"id,answer,answer\n1,a,b\n", "appear more than once"),
        ("dup-ids.csv", b"id,answer\n1,The group.\n1,The map.\n", "appears twice"),
        ("no-id.csv", b"id,answer\n1,The group.\n,The map.\n", "row 3: the answer has no id"),
        ("bad-id.csv", b"id,answer\n..,The group.\n", "cannot be a document id"),
        ("latin.csv", "id,answer\n1,Børnene og forældrene.\n".encode("cp1252"), None),
        ("semicolon.csv", "id;answer\n1;Børnene.\n".encode(), None),
        ("not-a.xlsx", b"id,answer\n1,x\n", "not an .xlsx file"),
    ],
)
def test_broken_csv_and_xlsx_files(tmp_path, name, data, message):
    f = write(tmp_path, name, data)
    if message is None:
        report = import_survey(f, tmp_path / "p", text_column="answer", id_column="id")
        assert "Børnene" in read_project(tmp_path / "p").corpus["1"].text
        assert report.imported == 1
        return
    with pytest.raises((ReadError, ProjectError), match=message) as info:
        import_survey(f, tmp_path / "p", text_column="answer", id_column="id")
    assert name in str(info.value)
    assert not (tmp_path / "p").exists()


def test_a_cell_larger_than_the_cap_is_refused(tmp_path, monkeypatch):
    from resilience_qda.io import survey

    monkeypatch.setattr(survey, "MAX_CELL", 1000)
    f = write(tmp_path, "big.csv", b"id,answer\n1," + b"x" * 5000 + b"\n")
    with pytest.raises(ReadError, match=r"big\.csv, line 2: not valid CSV"):
        import_survey(f, tmp_path / "p", text_column="answer")


def test_an_xlsx_that_claims_two_gigabytes_is_refused_before_reading(tmp_path):
    f = coder_b_xlsx(tmp_path)
    data = bytearray(f.read_bytes())
    # rewrite the uncompressed size of every entry in the central directory to 2 GB
    buf = io.BytesIO(bytes(data))
    with zipfile.ZipFile(buf) as zf:
        names = [i.filename for i in zf.infolist()]
    pos = 0
    while True:
        pos = data.find(b"PK\x01\x02", pos)
        if pos < 0:
            break
        data[pos + 24 : pos + 28] = (2 * 1024**3 // len(names)).to_bytes(4, "little")
        pos += 4
    bomb = write(tmp_path, "bomb.xlsx", bytes(data))
    with pytest.raises(ReadError, match=r"bomb\.xlsx: .*\(a zip bomb\?\)"):
        import_survey(bomb, tmp_path / "p", text_column=QUESTION)


def test_an_xlsx_with_a_dtd_is_refused(tmp_path):
    f = coder_b_xlsx(tmp_path)
    out = tmp_path / "dtd.xlsx"
    with zipfile.ZipFile(f) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>' + data
            dst.writestr(info, data)
    with pytest.raises(
        ReadError, match=r"dtd\.xlsx: member 'xl/worksheets/sheet1\.xml': declares a DTD"
    ):
        import_survey(out, tmp_path / "p", text_column=QUESTION)


def test_a_large_export_streams_into_the_project(tmp_path, monkeypatch):
    """More rows than one sorting chunk: sorted on disk in several chunks, then merged."""
    monkeypatch.setattr(survey_import, "CHUNK_ROWS", 700)
    f = tmp_path / "large.csv"
    with open(f, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "region", "answer", "Code 1"])
        for i in range(3_000):
            w.writerow([f"r{i:06d}", ["North", "South"][i % 2], f"Answer {i}: the group helped.",
                        ["Peer support", ""][i % 3 == 0]])  # fmt: skip
    report = import_survey(
        f, tmp_path / "p", text_column="answer", id_column="id", codes_columns="Code *",
        coder="A", language="en",
    )  # fmt: skip
    assert report.imported == 3_000 and report.codings == 2_000
    codings = rows_of(tmp_path / "p" / "codings" / "A.csv")
    assert len(codings) == 2_001
    keys = [r[0] for r in codings[1:]]
    assert keys == sorted(keys)
    sources = rows_of(tmp_path / "p" / "sources.csv")
    assert [r[0] for r in sources[1:]] == sorted(r[0] for r in sources[1:])


def test_open_table_reads_tsv_and_utf16(tmp_path):
    f = write(tmp_path, "a.tsv", b"id\tanswer\n1\tTak.\n")
    t = open_table(f)
    assert t.header == ["id", "answer"] and list(t.rows) == [(2, ["1", "Tak."])]
    g = write(tmp_path, "b.csv", "\ufeffid,answer\n1,Tak.\n".encode("utf-16"))
    assert list(open_table(g).rows) == [(2, ["1", "Tak."])]
