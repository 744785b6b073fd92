"""Coding sheets: units out to .xlsx/.csv with attributes and existing codes, filled sheets
back in as a coder's codings, with unknown codes, edited text and missing rows listed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from resilience_qda.core.errors import ReadError
from resilience_qda.core.model import Corpus, Document, Project
from resilience_qda.core.units import units
from resilience_qda.io.codebook import read_codebook
from resilience_qda.io.sheets import SheetError, read_sheet, sheet_frame, write_sheet

KEY = ["doc_id", "start", "end", "code", "coder"]

INTERVIEW = (
    "Interviewer: How did the framework change your supervision?\n\n"
    "Participant S: At first it didn't. I kept it in the drawer. Then a carer asked about it "
    "and we went through it together.\n\n"
    "Interviewer: What happened then?\n\n"
    "Participant S: We found she was brilliant at keeping him calm at bedtime. Nobody had "
    "ever written that down. It felt like a proper finding.\n"
)
NOTES = (
    "Meeting 4. Twelve present.\n\n"
    "The group mapped a case on the framework sheet. Facilitator asked what shouts out. "
    "Several people mentioned housing first.\n"
)


@pytest.fixture(scope="module")
def project() -> Project:
    corpus = Corpus(
        [
            Document("interview-S", INTERVIEW, {"kind": "interview", "case": "S"}),
            Document("meeting-04", NOTES, {"kind": "observation", "date": "2010-04-14"}),
        ],
        cases=pd.DataFrame({"case": ["S"], "role": ["family nurse"], "sector": ["health"]}),
    )
    u = units(corpus, "sentence").set_index(["doc_id", "unit"])
    picks = [
        ("interview-S", 2, "context/learning-does-not-stick"),
        ("interview-S", 3, "steps/have-it-to-hand"),
        ("interview-S", 3, "themes/more-resourceful"),
        ("interview-S", 6, "framework/coping/calming-down-and-self-soothing"),
        ("meeting-04", 2, "steps/map-where-they-are-at"),
        ("meeting-04", 4, "framework/basics/good-enough-housing"),
    ]
    rows = [
        (d, int(u.loc[(d, k), "start"]), int(u.loc[(d, k), "end"]), code, "A", "manual", np.nan)
        for d, k, code in picks
    ]
    codings = pd.DataFrame(rows, columns=[*KEY, "source", "score"])
    return Project(corpus, read_codebook("cop-evaluation"), codings)


def same(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    a = a[KEY].sort_values(KEY).reset_index(drop=True)
    b = b[KEY].sort_values(KEY).reset_index(drop=True)
    return a.equals(b)


def test_the_sheet_has_units_speakers_attributes_and_existing_codes(project):
    table = sheet_frame(project, unit="sentence")
    first = table.columns.tolist()[:5]
    assert first == ["doc_id", "sentence", "start", "end", "speaker"]
    row = table[table["text"] == "I kept it in the drawer."].iloc[0]
    assert row["speaker"] == "Participant S"
    assert row["role"] == "family nurse" and row["kind"] == "interview"
    assert row["context/learning-does-not-stick"] == "1"
    assert row["themes/more-reflexive"] == ""
    assert not (table["text"] == "Interviewer: What happened then?").any()  # labels are not text
    assert len(table) == len(units(project.corpus, "sentence"))
    blank = sheet_frame(project, coders=[], layout="codes")
    assert (blank["codes"] == "").all()


@pytest.mark.parametrize(
    ("suffix", "layout"), [(".xlsx", "columns"), (".csv", "codes"), (".csv", "columns")]
)
def test_export_then_import_gives_the_same_codings(project, tmp_path, suffix, layout):
    path = write_sheet(project, tmp_path / f"sheet{suffix}", layout=layout, coders="A")
    found = read_sheet(path, project, coder="A")
    assert found.problems.empty, found.problems
    assert same(found.codings, project.codings)
    assert (found.codings["source"] == "manual").all()


def test_the_xlsx_has_a_codebook_and_about_sheet_and_text_never_becomes_a_formula(
    project, tmp_path
):
    text = INTERVIEW.replace("Participant S: We found", "Participant S: =SUM(A1) we found")
    corpus = Corpus([Document("interview-S", text, {"kind": "interview"})])
    p = Project(corpus, project.codebook)
    path = write_sheet(p, tmp_path / "s.xlsx", unit="turn")
    wb = load_workbook(path)
    assert wb.sheetnames == ["units", "codebook", "about"]
    cells = [c for row in wb["units"].iter_rows() for c in row if str(c.value).startswith("=")]
    assert cells and all(c.data_type == "s" for c in cells)
    about = {r[0].value: r[1].value for r in wb["about"].iter_rows()}
    assert about["unit"] == "turn"
    assert read_sheet(path, p, coder="B").problems.empty


def _fill(path, edits):
    """Edit an exported .xlsx like a coder would: ``edits`` is ``[(text, column, value)]``,
    a ``text`` of None adds a column; ``("delete", text)`` removes that unit's row."""
    wb = load_workbook(path)
    ws = wb["units"]
    header = [c.value for c in ws[1]]
    for edit in edits:
        if edit[0] == "delete":
            for row in ws.iter_rows(min_row=2):
                if row[header.index("text")].value == edit[1]:
                    ws.delete_rows(row[0].row)
                    break
            continue
        text, column, value = edit
        if column not in header:
            header.append(column)
            ws.cell(row=1, column=len(header), value=column)
        for row in ws.iter_rows(min_row=2):
            if row[header.index("text")].value == text:
                ws.cell(row=row[0].row, column=header.index(column) + 1, value=value)
    wb.save(path)


def test_a_filled_sheet_reports_unknown_codes_unclear_marks_edits_and_missing_rows(
    project, tmp_path
):
    path = write_sheet(project, tmp_path / "b.xlsx", coders=[])
    _fill(
        path,
        [
            ("I kept it in the drawer.", "themes/more-reflexive", "x"),
            ("It felt like a proper finding.", "More resourceful", 1),  # a code name column
            ("It felt like a proper finding.", "Burnout", "1"),  # not in the codebook
            ("Several people mentioned housing first.", "themes/more-reflexive", "maybe"),
            ("Several people mentioned housing first.", "memo", "check the date"),
            ("At first it didn't.", "text", "At first it did not."),
            ("At first it did not.", "themes/more-resilient-themselves", "1"),
            ("delete", "Meeting 4."),
        ],
    )
    found = read_sheet(path, project, coder="B")
    kinds = found.problems.groupby("kind")["detail"].apply(list).to_dict()
    assert set(kinds) == {"unknown-code", "unclear-mark", "edited-text", "missing-row"}
    assert "'Burnout'" in kinds["unknown-code"][0]
    assert "'maybe'" in kinds["unclear-mark"][0]
    assert "At first it did not." in kinds["edited-text"][0]
    assert "Meeting 4." in kinds["missing-row"][0]
    got = found.codings.assign(
        text=[
            project.corpus[d].text[s:e]
            for d, s, e in zip(
                found.codings["doc_id"], found.codings["start"], found.codings["end"], strict=True
            )
        ]
    )
    assert sorted(zip(got["text"], got["code"], strict=True)) == [
        ("At first it didn't.", "themes/more-resilient-themselves"),
        ("I kept it in the drawer.", "themes/more-reflexive"),
        ("It felt like a proper finding.", "themes/more-resourceful"),
    ]
    assert set(found.codings["coder"]) == {"B"}
    unknown_row = found.problems_of("unknown-code").loc[0, "row"]
    assert unknown_row == 1  # the header cell names the code

    created = read_sheet(path, project, coder="B", create_codes=True)
    assert "burnout" in created.codebook and "burnout" not in project.codebook
    assert "burnout" in set(created.codings["code"])


def test_the_codes_column_takes_paths_and_names_separated_by_semicolons_or_lines(project, tmp_path):
    path = write_sheet(project, tmp_path / "c.xlsx", coders=[], layout="codes")
    _fill(
        path,
        [
            (
                "Then a carer asked about it and we went through it together.",
                "codes",
                "More resourceful; steps/have-it-to-hand\nenlisting",
            ),
            ("I kept it in the drawer.", "codes", "sticky learning"),
        ],
    )
    found = read_sheet(path, project, coder="C")
    assert sorted(found.codings["code"]) == [
        "noble-truths/enlisting",
        "steps/have-it-to-hand",
        "themes/more-resourceful",
    ]
    assert found.problems["kind"].tolist() == ["unknown-code"]


def test_a_csv_saved_by_a_european_excel_is_read(project, tmp_path):
    table = sheet_frame(project, coders="A")
    path = tmp_path / "excel.csv"
    path.write_bytes(table.to_csv(index=False, sep=";").encode("cp1252"))
    found = read_sheet(path, project, coder="A")
    assert found.problems.empty
    assert same(found.codings, project.codings)


def test_rows_for_unknown_documents_or_bad_offsets_are_reported_not_coded(project, tmp_path):
    table = sheet_frame(project, coders="A").astype({"start": str, "end": str})
    table.loc[0, "doc_id"] = "interview-Z"
    table.loc[1, "end"] = "99999"
    table.loc[2, "start"] = "three"
    table.to_csv(tmp_path / "bad.csv", index=False)
    found = read_sheet(tmp_path / "bad.csv", project, coder="A")
    kinds = found.problems["kind"].tolist()
    assert {"unknown-document", "bad-offsets"} <= set(kinds)
    assert found.problems.loc[found.problems["kind"] == "unknown-document", "row"].tolist() == [2]


def test_files_that_are_not_coding_sheets_are_refused_clearly(project, tmp_path):
    fake = tmp_path / "fake.xlsx"
    fake.write_text("doc_id,start\n")
    with pytest.raises(ReadError, match=r"fake\.xlsx: not an \.xlsx file"):
        read_sheet(fake, project, coder="A")
    other = tmp_path / "other.csv"
    other.write_text("name,score\nx,1\n")
    with pytest.raises(SheetError, match=r"missing column\(s\) doc_id, start, end, text"):
        read_sheet(other, project, coder="A")
    with pytest.raises(SheetError, match=r"\.xlsx or \.csv"):
        write_sheet(project, tmp_path / "s.ods")


def test_sheet_commands_round_trip_through_a_project_folder(project, tmp_path, capsys):
    import dataclasses

    from resilience_qda.cli import main
    from resilience_qda.core.model import Codebook
    from resilience_qda.io import read_project, write_project

    used = set(project.codings["code"])
    small = Codebook(
        [
            c
            for c in project.codebook
            if any(u == c.path or u.startswith(c.path + "/") for u in used)
        ],
        name="fixture",
    )
    root = write_project(dataclasses.replace(project, codebook=small), tmp_path / "proj")
    out = tmp_path / "for-B.xlsx"
    a_file = root / "codings" / "A.csv"
    a_file.write_text(a_file.read_text().replace("\n", "\r\n"))  # as a spreadsheet saves it
    a_bytes = a_file.read_bytes()
    assert main(["sheet", "export", str(root), "-o", str(out), "--coder", "A"]) == 0
    assert main(["sheet", "import", str(out), "--project", str(root), "--coder", "B"]) == 0
    assert a_file.read_bytes() == a_bytes  # another coder's file is left as it was
    back = read_project(root)
    assert back.coders == ["A", "B"]
    a, b = back.codings_of("A"), back.codings_of("B")
    assert same(a.assign(coder="B"), b)

    _fill(out, [("I kept it in the drawer.", "Burnout", "1")])
    args = ["sheet", "import", str(out), "--project", str(root), "--coder", "C"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "'Burnout' is not in the codebook" in err and "--create-codes" in err
    assert "C" not in read_project(root).coders
    assert main([*args, "--create-codes"]) == 0
    back = read_project(root)
    assert "burnout" in back.codebook and "burnout" in set(back.codings_of("C")["code"])
