"""Property-based fuzzing: real reports (a PDF, a DOCX, a text export), mutated, never crash a reader.

Each example takes a valid file and damages it the way archives do (bit flips, byte ranges lost or
doubled, junk written over or into it, a download cut short, a zip cut or missing its central
directory, an XML part damaged inside a well-formed zip, a file under another format's extension)
and runs the per-document entry (:func:`lkjip.pipeline.process_file` under the batch's limits, as
a worker does). Whatever the bytes, the document must come back with a status and, unless it is
``ok``, a reason; never a traceback; in bounded time; and a failed document has no rows.

The examples are derandomised (the same on every run, so CI is reproducible) and few per format,
to keep the suite fast; ``HYPOTHESIS_FUZZ_EXAMPLES=500`` runs more of them locally.
"""
from __future__ import annotations

import copy
import hashlib
import io
import os
import tempfile
import time
import zipfile
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, event, example, given, settings, strategies as st  # noqa: E402

from lkjip.batch import run_one  # noqa: E402
from lkjip.limits import Limits  # noqa: E402
from lkjip.pipeline import process_file  # noqa: E402

FIX = Path(__file__).resolve().parents[1] / "fixtures"
SEED = {"pdf": (FIX / "pdf" / "002_1f4903de6a21ee12.word.pdf").read_bytes(),
        "docx": (FIX / "pdf" / "002_1f4903de6a21ee12.docx").read_bytes(),
        "txt": (FIX / "seeds" / "002_1f4903de6a21ee12.txt").read_bytes()}
SUFFIXES = {"pdf": ".pdf", "docx": ".docx", "txt": ".txt"}
# every example runs under the batch's limits with a short time limit; the bound checked is looser.
# No OCR: it reads the pages' images, not the bytes mutated here, and adds its own time per page
LIMITS = Limits(timeout_base_s=20.0, timeout_per_page_s=0.2, doc_timeout_s=25.0, ocr="never")
BOUND_S = 30.0
EXAMPLES = int(os.environ.get("HYPOTHESIS_FUZZ_EXAMPLES", "0")) or None


def fuzz(n: int):
    """Settings for ``n`` examples (a 29-page PDF takes ~1 s to read; a DOCX or text file ~0.1 s)."""
    return settings(max_examples=EXAMPLES or n, deadline=None, derandomize=True, database=None, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.large_base_example])

# --------------------------------------------------------------------------------------------
# mutations: each a function of the bytes, drawn with its positions as fractions of the length

_at = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


def _pos(data: bytes, frac: float) -> int:
    return min(int(frac * len(data)), max(len(data) - 1, 0))


@st.composite
def _byte_mutation(draw):
    kind = draw(st.sampled_from(["flip", "delete", "duplicate", "truncate", "overwrite", "insert"]))
    if kind == "flip":  # a few bits anywhere
        flips = draw(st.lists(st.tuples(_at, st.integers(0, 7)), min_size=1, max_size=32))

        def f(data):
            b = bytearray(data)
            for frac, bit in flips:
                if b:
                    b[_pos(b, frac)] ^= 1 << bit
            return bytes(b)
        return f"flip {len(flips)} bits", f
    if kind in ("delete", "duplicate"):
        start, size = draw(_at), draw(st.integers(1, 16384))
        to = draw(_at)

        def f(data):
            i = _pos(data, start)
            piece = data[i:i + size]
            if kind == "delete":
                return data[:i] + data[i + size:]
            j = _pos(data, to)
            return data[:j] + piece + data[j:]
        return f"{kind} {size} bytes", f
    if kind == "truncate":
        at = draw(_at)
        return f"truncate at {at:.3f}", lambda data: data[:_pos(data, at)]
    junk = draw(st.binary(min_size=1, max_size=512))
    at = draw(_at)
    skip = len(junk) if kind == "overwrite" else 0
    return f"{kind} {len(junk)} bytes", lambda data: data[:_pos(data, at)] + junk + data[_pos(data, at) + skip:]


def _rezip(data: bytes, part: str, change) -> bytes:
    """The zip with one part's bytes changed (the container itself sound); unchanged when an earlier
    mutation broke the container."""
    try:
        src = zipfile.ZipFile(io.BytesIO(data))
        out = io.BytesIO()
        with src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                body = src.read(info)
                dst.writestr(info.filename, change(body) if info.filename == part else body)
        return out.getvalue()
    except Exception:  # BadZipFile, zlib.error, EOFError, ...: the bytes as they are
        return data


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_ODD_VALUES = ["", "0", "-1", "7", "63", "1000000", "99999999", "2147483648", "1e9", "restart", "continue",
               "abc", "Heading1", "é", " 2 "]


@st.composite
def _xml_mutation(draw):
    """Well-formed XML a reader does not expect in word/document.xml: odd values in the properties
    that size a table's grid (gridSpan 10^8, negative gridBefore, vMerge 'abc', ...), or elements
    dropped, doubled or moved into others (tables nested in cells, rows out of their tables)."""
    kind = draw(st.sampled_from(["size", "size", "drop", "duplicate", "nest"]))
    tag = draw(st.sampled_from(["tc", "tr", "tbl", "tblGrid", "gridCol", "tcPr", "trPr", "p", "r", "t", "pPr",
                                "rPr", "gridSpan", "vMerge"]))
    size_tag = draw(st.sampled_from(["gridSpan", "gridSpan", "gridBefore", "gridAfter", "vMerge", "hMerge",
                                     "outlineLvl", "tblHeader"]))
    target, value, count = draw(_at), draw(st.sampled_from(_ODD_VALUES)), draw(st.integers(1, 20))

    def change(xml: bytes) -> bytes:
        from lxml import etree

        try:
            root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
        except etree.XMLSyntaxError:
            return xml
        if kind == "size":  # set (or add) the property in some cells or rows
            holder = "trPr" if size_tag in ("gridBefore", "gridAfter", "tblHeader") else \
                "pPr" if size_tag == "outlineLvl" else "tcPr"
            els = list(root.iter(_W + holder))
            i = _pos(els, target)
            for el in els[i:i + count]:
                prop = el.find(_W + size_tag)
                if prop is None:
                    prop = etree.SubElement(el, _W + size_tag)
                prop.set(_W + "val", value)
            return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
        els = list(root.iter(_W + tag))
        i = _pos(els, target)
        for el in els[i:i + count]:
            parent = el.getparent()
            if parent is None:
                continue
            if kind == "drop":
                parent.remove(el)
            elif kind == "duplicate":
                el.addnext(copy.deepcopy(el))
            else:  # nest: into a cell or a paragraph elsewhere (not its own descendant)
                hosts = [h for h in root.iter(_W + "tc", _W + "p") if h is not el and el not in h.iterancestors()]
                if hosts:
                    hosts[_pos(hosts, target)].append(el)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    what = f"{size_tag}={value!r} in {count} places" if kind == "size" else f"{kind} {count} {tag}"
    return f"{what} in word/document.xml", lambda data: _rezip(data, "word/document.xml", change)


@st.composite
def _zip_mutation(draw):
    """Damage that a zip container (.docx) suffers: cut, its directory lost, a part's XML damaged."""
    kind = draw(st.sampled_from(["cut", "drop_central_directory", "drop_end_record", "damage_part"]))
    if kind == "cut":  # an interrupted download: the central directory (at the end) is gone
        at = draw(_at)
        return f"cut the zip at {at:.3f}", lambda data: data[:_pos(data, at)]
    if kind == "drop_central_directory":
        return kind, lambda data: data[:data.find(b"PK\x01\x02")] if b"PK\x01\x02" in data else data
    if kind == "drop_end_record":
        return kind, lambda data: data[:data.rfind(b"PK\x05\x06")] if b"PK\x05\x06" in data else data
    part = draw(st.sampled_from(["word/document.xml", "word/styles.xml", "word/_rels/document.xml.rels",
                                 "[Content_Types].xml", "word/numbering.xml", "word/settings.xml"]))
    inner_name, inner = draw(_byte_mutation())

    return f"{inner_name} in {part}", lambda data: _rezip(data, part, inner)  # sound zip, broken XML


@st.composite
def mutated(draw, fmt: str):
    """(bytes, file suffix, what was done) for a mutated copy of the format's seed."""
    ops = [_byte_mutation()] + ([_zip_mutation(), _xml_mutation(), _xml_mutation()] if fmt == "docx" else [])
    steps = draw(st.lists(st.one_of(*ops), min_size=1, max_size=3))
    data = SEED[fmt]
    for _, f in steps:
        data = f(data)
    suffix = SUFFIXES[fmt]
    if draw(st.integers(0, 4)) == 0:  # one in five under another format's name
        suffix = draw(st.sampled_from([s for s in (".pdf", ".docx", ".txt", ".md") if s != suffix]))
    return data, suffix, ", ".join(name for name, _ in steps)


# --------------------------------------------------------------------------------------------
# the property


def check_document(data: bytes, suffix: str, what: str = "") -> dict:
    """Run one document as a worker does; assert it ends well, whatever its bytes."""
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"laporan{suffix}"
        path.write_bytes(data)
        t = time.monotonic()
        res = run_one((str(path), str(path), hashlib.sha256(data).hexdigest()), LIMITS, process_file)
        elapsed = time.monotonic() - t
    doc = res["document"]
    where = f"{what} as {suffix}: {doc.get('status')} {doc.get('error')!r}"
    assert "traceback" not in doc, f"{where}\n{doc['traceback']}"
    assert doc.get("status") in ("ok", "partial", "failed"), where
    if doc["status"] != "ok":
        assert isinstance(doc.get("error"), str) and doc["error"].strip(), where
    if doc["status"] == "failed":
        assert not (res["tables"] or res["indicators"] or res["budgets"]), where
    assert elapsed < BOUND_S, f"{where}: {elapsed:.1f} s"
    event(f"{doc['status']}: {(doc.get('error') or '')[:40]}")  # pytest --hypothesis-show-statistics
    return doc


def _grid_bomb(data: bytes) -> bytes:
    """A cell spanning 10^8 grid columns: read with its row cut to --max-cells-per-row."""
    return _rezip(data, "word/document.xml",
                  lambda xml: xml.replace(b"<w:tcPr>", b'<w:tcPr><w:gridSpan w:val="99999999"/>', 3))


def _cut_zip(data: bytes) -> bytes:
    return data[:len(data) // 2]


def _no_central_directory(data: bytes) -> bytes:
    return data[:data.find(b"PK\x01\x02")]


@fuzz(20)
@given(mutated("pdf"))
@example((SEED["pdf"], ".pdf", "the seed"))
@example((SEED["pdf"], ".docx", "a PDF named .docx"))
@example((SEED["pdf"][:len(SEED["pdf"]) // 2], ".pdf", "cut in half"))
def test_mutated_pdfs(case):
    doc = check_document(*case)
    if case[2] == "the seed":
        assert doc["status"] == "ok" and doc["n_indicator_values"] > 20


@fuzz(25)
@given(mutated("docx"))
@example((SEED["docx"], ".docx", "the seed"))
@example((_cut_zip(SEED["docx"]), ".docx", "a zip cut in half"))
@example((_no_central_directory(SEED["docx"]), ".docx", "a zip without its central directory"))
@example((SEED["docx"], ".txt", "a DOCX named .txt"))
@example((_grid_bomb(SEED["docx"]), ".docx", "gridSpan 10^8"))
def test_mutated_docx(case):
    doc = check_document(*case)
    if case[2] in ("the seed", "gridSpan 10^8"):  # the spans cut, not a time limit reached
        assert doc["status"] == "ok" and doc["n_indicator_values"] > 20, doc["error"]


@fuzz(25)
@given(mutated("txt"))
@example((SEED["txt"], ".txt", "the seed"))
@example((SEED["txt"], ".pdf", "text named .pdf"))
@example((SEED["txt"], ".docx", "text named .docx"))
@example((SEED["txt"].decode("utf-8").encode("utf-16"), ".md", "UTF-16 markdown"))
def test_mutated_text(case):
    doc = check_document(*case)
    if case[2] == "the seed":
        assert doc["status"] == "ok" and doc["n_indicator_values"] > 20
