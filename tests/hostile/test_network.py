"""Ingest makes no network access, runs nothing and writes nothing outside its output folder.

Two layers watch a run: the socket functions are replaced by ones that record the attempt and
refuse, and a Python audit hook (:pep:`578`, which sees the calls C code makes through the
interpreter too) records every socket, process start and file opened for writing. Readers in
native code that would bypass both (qpdf, pdfium) are covered by the folder checks: the input
folder, the working directory, the temporary folder and ``$HOME`` must be as they were.
"""
from __future__ import annotations

import io
import os
import socket
import sys
import tempfile
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from lkjip.pipeline import ingest

from hostile import generate as gen

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "tests" / "fixtures"
SAMPLES = sorted((ROOT / "data" / "raw").glob("*.txt"))
HOST = "lkjip-test.invalid"  # never resolves (RFC 2606); nothing may try

# --------------------------------------------------------------------------------------------
# the watch: an audit hook (added once: hooks cannot be removed) that records while armed

_NET = {"socket.__new__", "socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg", "socket.getaddrinfo",
        "socket.gethostbyname", "socket.gethostbyaddr", "socket.getnameinfo", "urllib.Request", "http.client.connect",
        "ftplib.connect", "smtplib.connect", "webbrowser.open"}
_RUN = {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.startfile", "pty.spawn"}
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_recording: list | None = None


def _hook(event: str, args: tuple) -> None:
    rec = _recording
    if rec is None:
        return
    if event in _NET or event in _RUN:
        rec.append((event, repr(args)[:200]))
    elif event == "open":
        path, mode, flags = (tuple(args) + (None, None))[:3]
        writing = (any(c in mode for c in "wax+") if isinstance(mode, str)
                   else isinstance(flags, int) and bool(flags & _WRITE_FLAGS))
        if writing and isinstance(path, (str, bytes, os.PathLike)):
            rec.append(("write", os.fsdecode(path)))
    elif event in ("os.mkdir", "os.rename", "os.replace", "os.symlink", "os.link", "shutil.copyfile",
                   "shutil.move", "os.truncate"):
        rec.append((event, os.fsdecode(args[0]) if isinstance(args[0], (str, bytes, os.PathLike)) else repr(args)))


sys.addaudithook(_hook)


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in folder.rglob("*")} if folder.exists() else {}


@pytest.fixture
def watched(tmp_path, monkeypatch):
    """Run code with the network refused and recorded, in an empty working directory, temporary
    folder and home; yields (input folder, output folder, run) where run(fn) returns fn()'s result
    and what it did that it must not: network attempts, processes started, files written outside the
    output folder (the temporary folder is allowed if left as it was), folders changed."""
    inp, out, cwd, tmp, home = (tmp_path / n for n in ("in", "out", "cwd", "tmp", "home"))
    for d in (inp, cwd, tmp, home):
        d.mkdir()
    attempts: list = []

    def refuse(name):
        def f(*args, **kwargs):
            attempts.append((name, repr(args)[:200]))
            raise OSError(f"network access attempted in a test that forbids it: {name}{args!r:.100}")
        return f

    monkeypatch.setattr(socket.socket, "connect", refuse("socket.connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("socket.connect_ex"))
    monkeypatch.setattr(socket, "create_connection", refuse("socket.create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("socket.getaddrinfo"))
    monkeypatch.setattr(socket, "gethostbyname", refuse("socket.gethostbyname"))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    monkeypatch.chdir(cwd)

    def run(fn):
        global _recording
        before = {d: _snapshot(d) for d in (inp, cwd, tmp, home)}
        _recording = events = []
        try:
            result = fn()
        finally:
            _recording = None
        changed = [str(d) for d in before if _snapshot(d) != before[d]]
        # files are written in the output folder, or in the temporary folder if gone again (a repaired
        # PDF copy): its snapshot must be unchanged
        allowed = (out.resolve(), tmp.resolve())
        outside = [e for e in events if not (e[0] in ("write", "os.mkdir", "os.rename", "os.replace") and
                                             any(Path(e[1]).resolve().is_relative_to(a) for a in allowed))]
        return result, attempts + outside + [("changed folder", c) for c in changed]

    yield inp, out, run


def test_the_watch_sees_what_it_must_refuse(watched):
    """The checks below mean something: each kind of access is seen (and the network refused)."""
    inp, out, run = watched
    import subprocess
    import urllib.request

    def everything():
        for attempt in (lambda: socket.create_connection((HOST, 80), timeout=1),
                        lambda: urllib.request.urlopen(f"http://{HOST}/", timeout=1),
                        lambda: socket.getaddrinfo(HOST, 80),
                        lambda: socket.socket().connect(("127.0.0.1", 9))):
            with pytest.raises(OSError):
                attempt()
        subprocess.run(["true"], check=True)
        out.mkdir()
        (out / "inside.txt").write_text("fine")  # inside the output folder: allowed
        Path("stray.txt").write_text("x")  # the working directory
        with tempfile.NamedTemporaryFile(prefix="transient-"):
            pass  # in the temporary folder, gone again: allowed

    _, events = run(everything)
    kinds = {e[0] for e in events}
    assert {"socket.create_connection", "http.client.connect", "socket.getaddrinfo", "socket.__new__",
            "socket.connect", "subprocess.Popen", "write", "changed folder"} <= kinds, kinds
    assert not any("inside.txt" in str(e[1]) or "transient-" in str(e[1]) for e in events), events
    assert [e[1] for e in events if e[0] == "changed folder"] == [str(Path.cwd())]


def _ingest(inp: Path, out: Path) -> pd.DataFrame:
    stats = ingest([str(inp)], out, workers=1, log=lambda m: None)
    assert stats["ingested"] == len(list(f for f in inp.iterdir() if f.suffix in (".pdf", ".docx", ".txt")))
    return pd.read_parquet(out / "documents").set_index("file_name")


def test_ingest_of_real_reports_makes_no_network_access(watched):
    inp, out, run = watched
    for f in SAMPLES + [FIX / "pdf" / "002_1f4903de6a21ee12.word.pdf", FIX / "pdf" / "002_1f4903de6a21ee12.docx"]:
        (inp / f.name).write_bytes(f.read_bytes())
    docs, events = run(lambda: _ingest(inp, out))
    assert events == []
    assert len(docs) == len(SAMPLES) + 2 and set(docs.status) == {"ok"}, docs[["status", "error"]]
    assert (docs.n_indicator_values > 20).all()


# --------------------------------------------------------------------------------------------
# documents that point outside themselves

_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SECRET = "RAHASIA-LOKAL-5521"  # in a local file the documents point at: it must never be read into the output


def external_docx(secret: Path) -> bytes:
    """The real .docx with relationships to external targets (TargetMode="External"): a hyperlink,
    a linked image, a linked OLE object, an alternative-format chunk and a sub-document (a local
    file), an attached template on the web, an INCLUDEPICTURE field and an external
    customXml data source; the body shows the hyperlink and the linked picture."""
    ext = [("rIdX1", "hyperlink", f"http://{HOST}/tautan"),
           ("rIdX2", "image", f"http://{HOST}/logo.png"),
           ("rIdX3", "oleObject", f"http://{HOST}/data.xlsx"),
           ("rIdX4", "aFChunk", f"http://{HOST}/chunk.html"),
           ("rIdX5", "subDocument", secret.resolve().as_uri())]
    rels = "".join(f'<Relationship Id="{i}" Type="{_R}/{t}" Target="{u}" TargetMode="External"/>' for i, t, u in ext)
    template = (f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                f'<Relationship Id="rIdT1" Type="{_R}/attachedTemplate" Target="http://{HOST}/template.dotm" '
                f'TargetMode="External"/></Relationships>')
    drawing = (
        '<w:r><w:drawing><wp:inline><wp:extent cx="952500" cy="952500"/><wp:docPr id="901" name="logo"/>'
        '<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
        '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
        '<pic:pic xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture">'
        '<pic:nvPicPr><pic:cNvPr id="901" name="logo.png"/><pic:cNvPicPr/></pic:nvPicPr>'
        '<pic:blipFill><a:blip r:link="rIdX2"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>'
        '<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="952500" cy="952500"/></a:xfrm>'
        '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic>'
        '</wp:inline></w:drawing></w:r>')
    body = ('<w:p><w:hyperlink r:id="rIdX1"><w:r><w:t>Tautan laporan</w:t></w:r></w:hyperlink>' + drawing +
            f'<w:fldSimple w:instr=\' INCLUDEPICTURE "http://{HOST}/foto.png" \\d \'><w:r><w:t>foto</w:t></w:r>'
            '</w:fldSimple></w:p><w:altChunk r:id="rIdX4"/><w:subDoc r:id="rIdX5"/>')
    out = io.BytesIO()
    with zipfile.ZipFile(gen.GOOD_DOCX) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/_rels/document.xml.rels":
                data = data.replace(b"</Relationships>", rels.encode() + b"</Relationships>")
            elif info.filename == "word/document.xml":
                data = data.replace(b"<w:body>", b"<w:body>" + body.encode(), 1)
            elif info.filename == "word/settings.xml":
                data = data.replace(b"<w:defaultTabStop", b'<w:attachedTemplate r:id="rIdT1"/><w:defaultTabStop', 1)
            elif info.filename == "customXml/_rels/item1.xml.rels":
                data = data.replace(b"</Relationships>",
                                    f'<Relationship Id="rIdX9" Type="{_R}/customXmlData" Target="http://{HOST}/'
                                    f'data.xml" TargetMode="External"/></Relationships>'.encode())
            dst.writestr(info, data)
        dst.writestr("word/_rels/settings.xml.rels", template)
    return out.getvalue()


def external_pdf(folder: Path) -> bytes:
    """A two-page text PDF whose actions point outside it: an /OpenAction that launches a script
    beside it (which would leave a file if run), links with a /URI, a remote /GoToR and a /Launch,
    a /SubmitForm, JavaScript opening a URL, a base URI, and content streams whose data live in an
    external file (a URL, and a local file holding a secret)."""
    script = folder / "launch.sh"
    script.write_text(f"#!/bin/sh\ntouch '{folder / 'LAUNCHED'}'\n", encoding="utf-8")
    script.chmod(0o755)
    (folder / "secret.dat").write_text(f"BT /F1 11 Tf 72 700 Td ({SECRET}) Tj ET\n", encoding="utf-8")
    url = lambda p: b"<</Type/Filespec/FS/URL/F(http://" + HOST.encode() + b"/" + p + b")>>"  # noqa: E731
    page = gen.text_page_content(gen._page_text(0)[:12])
    objs = {
        1: b"<</Type/Catalog/Pages 2 0 R/OpenAction 10 0 R/AA<</WC 11 0 R/WS 11 0 R>>"
           b"/URI<</Base(http://" + HOST.encode() + b"/)>>/Names<</JavaScript<</Names[(a) 11 0 R]>>>>>>",
        2: b"<</Type/Pages/Kids[4 0 R 8 0 R]/Count 2/MediaBox[0 0 595 842]>>",
        3: gen.FONT,
        4: b"<</Type/Page/Parent 2 0 R/Resources<</Font<</F1 3 0 R>>>>/Contents 5 0 R"
           b"/Annots[12 0 R 13 0 R 14 0 R 15 0 R]/AA<</O 16 0 R>>>>",
        5: gen.stream(page),
        # page 2: content whose data live in external files (pdfminer takes a stream's /F for /Filter
        # and gives the page up: it is lost, never fetched)
        8: b"<</Type/Page/Parent 2 0 R/Resources<</Font<</F1 3 0 R>>>>/Contents[6 0 R 7 0 R]>>",
        6: b"<</Length 0/F" + url(b"stream") + b">>stream\n\nendstream",  # a file on the web
        7: b"<</Length 0/F(secret.dat)>>stream\n\nendstream",  # a local file
        10: b"<</S/Launch/F(launch.sh)/Win<</F(cmd.exe)/P(/c launch.sh)>>/Unix(launch.sh)/NewWindow true>>",
        11: b"<</S/JavaScript/JS(app.launchURL\\(\"http://" + HOST.encode() + b"/js\", true\\);)>>",
        12: b"<</Type/Annot/Subtype/Link/Rect[72 700 300 720]/A<</S/URI/URI(http://" + HOST.encode() + b"/uri)>>>>",
        13: b"<</Type/Annot/Subtype/Link/Rect[72 660 300 680]/A<</S/GoToR/F" + url(b"remote.pdf") +
            b"/D[0/Fit]/NewWindow true>>>>",
        14: b"<</Type/Annot/Subtype/Link/Rect[72 620 300 640]/A<</S/Launch/F(launch.sh)>>>>",
        15: b"<</Type/Annot/Subtype/Widget/FT/Btn/Rect[72 580 300 600]/A<</S/SubmitForm/F" + url(b"submit") + b">>>>",
        16: b"<</S/GoToR/F(" + HOST.encode() + b"/other.pdf)/D[0/Fit]>>",
    }
    return gen.pdf_file(objs)


def test_documents_pointing_outside_are_read_without_fetching_or_running_anything(watched):
    inp, out, run = watched
    (inp / "external.docx").write_bytes(external_docx(inp / "secret.dat"))
    (inp / "external.pdf").write_bytes(external_pdf(inp))
    (inp / "good.docx").write_bytes(gen.GOOD_DOCX.read_bytes())  # the same report without the links
    docs, events = run(lambda: _ingest(inp, out))
    assert events == []
    assert not (inp / "LAUNCHED").exists()
    assert docs.loc["external.docx", "status"] == "ok"
    assert docs.loc["external.docx", "n_indicator_values"] == docs.loc["good.docx", "n_indicator_values"] > 20
    assert docs.loc["external.pdf", "status"] in ("ok", "partial") and docs.loc["external.pdf", "n_pages"] == 2
    everything = " ".join(pd.read_parquet(out / t).astype(str).to_csv() for t in ("documents", "tables", "indicators"))
    assert SECRET not in everything
    names = {p.relative_to(out).parts[0] for p in out.rglob("*")}
    assert names <= {"documents", "tables", "indicators", "budgets", "findings"}, names
