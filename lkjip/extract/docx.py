"""DOCX reader: paragraphs and tables from the Word document model, in body order.

The body XML is walked directly (paragraphs and tables interleave as written; content controls
are entered). Merged cells keep the grid: a horizontally merged cell (``gridSpan``/``hMerge``)
keeps its text in its first grid column and leaves the others ``''``; a vertical merge
continuation (``vMerge`` without ``restart``) is ``''`` (downstream forward-fills).
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Iterator, Optional

from lkjip.extract.guard import sniff, xml_doctype, zip_bomb
from lkjip.extract.pdf import numbered_title
from lkjip.model import Cell, RawDocument, RawRow, RawTable, TextBlock

__all__ = ["read_docx"]

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_P, _TBL, _TR, _TC, _R, _T = (_W + t for t in ("p", "tbl", "tr", "tc", "r", "t"))
_SDT, _SDT_CONTENT, _CUSTOM_XML = _W + "sdt", _W + "sdtContent", _W + "customXml"
_VAL = _W + "val"
_HEADING_STYLE = re.compile(r"^(heading|judul|title|subtitle|subjudul)\b", re.I)
_BAB = re.compile(r"^BAB\s+[IVXL\d]+\b", re.I)
_FALSE = {"0", "false", "off", "none"}


def _on(el) -> Optional[bool]:
    """Value of an on/off property element (``<w:b/>``, ``<w:b w:val="0"/>``) or None if absent."""
    if el is None:
        return None
    v = el.get(_VAL)
    return v is None or v.lower() not in _FALSE


class _Styles:
    """Resolves bold and heading-ness through style inheritance (basedOn chains), cached."""

    def __init__(self, styles_el):
        self._by_id = {}
        self._default_bold = None
        if styles_el is None:
            return
        for s in styles_el.iterchildren(_W + "style"):
            sid = s.get(_W + "styleId")
            if sid:
                self._by_id[sid] = s
        dd = styles_el.find(f"{_W}docDefaults/{_W}rPrDefault/{_W}rPr")
        if dd is not None:
            self._default_bold = _on(dd.find(_W + "b"))
        self._bold_cache: dict[str, Optional[bool]] = {}

    def name(self, sid: Optional[str]) -> str:
        s = self._by_id.get(sid or "")
        if s is None:
            return sid or ""
        n = s.find(_W + "name")
        return (n.get(_VAL) if n is not None else None) or sid or ""

    def bold(self, sid: Optional[str]) -> Optional[bool]:
        if not sid:
            return None
        if sid in self._bold_cache:
            return self._bold_cache[sid]
        res, seen, cur = None, set(), sid
        while cur and cur not in seen:
            seen.add(cur)
            s = self._by_id.get(cur)
            if s is None:
                break
            b = _on(s.find(f"{_W}rPr/{_W}b"))
            if b is not None:
                res = b
                break
            based = s.find(_W + "basedOn")
            cur = based.get(_VAL) if based is not None else None
        self._bold_cache[sid] = res
        return res

    def outline_level(self, sid: Optional[str]) -> Optional[int]:
        seen, cur = set(), sid
        while cur and cur not in seen:
            seen.add(cur)
            s = self._by_id.get(cur)
            if s is None:
                return None
            lvl = s.find(f"{_W}pPr/{_W}outlineLvl")
            if lvl is not None:
                try:
                    return int(lvl.get(_VAL))
                except (TypeError, ValueError):
                    return None
            based = s.find(_W + "basedOn")
            cur = based.get(_VAL) if based is not None else None
        return None

    @property
    def default_bold(self) -> bool:
        return bool(self._default_bold)


def _para_text_runs(p) -> Iterator[tuple[str, object]]:
    """(text, run element) for the runs of a paragraph, hyperlinks and insertions included,
    text boxes and nested paragraphs excluded."""
    for r in p.iter(_R):
        # skip runs that belong to a text box or a nested paragraph
        anc = r.getparent()
        skip = False
        while anc is not None and anc is not p:
            if anc.tag in (_P, _W + "txbxContent", _W + "del"):
                skip = True
                break
            anc = anc.getparent()
        if skip:
            continue
        parts = []
        for ch in r.iterchildren():
            tag = ch.tag
            if tag == _T:
                parts.append(ch.text or "")
            elif tag == _W + "tab":
                parts.append("\t")
            elif tag in (_W + "br", _W + "cr"):
                parts.append("\n")
            elif tag == _W + "noBreakHyphen":
                parts.append("-")
            elif tag == _W + "softHyphen":
                continue
        if parts:
            yield "".join(parts), r


class _Reader:
    def __init__(self, styles: _Styles, max_cells: int = 200):
        self.st = styles
        # a row's grid is capped (--max-cells-per-row): a hostile gridSpan/gridBefore of 10^8 would
        # otherwise make that many empty cells (real reports: at most 20 columns; Word allows 63)
        self.max_cells = max_cells
        self.capped = 0  # rows cut to the cap

    def _run_bold(self, r, para_bold: Optional[bool]) -> bool:
        rpr = r.find(_W + "rPr")
        if rpr is not None:
            b = _on(rpr.find(_W + "b"))
            if b is not None:
                return b
            rs = rpr.find(_W + "rStyle")
            if rs is not None:
                b = self.st.bold(rs.get(_VAL))
                if b is not None:
                    return b
        if para_bold is not None:
            return para_bold
        return self.st.default_bold

    def paragraph(self, p) -> tuple[str, bool, str, Optional[int]]:
        """(text, all-bold, style name, outline level) of a paragraph."""
        ppr = p.find(_W + "pPr")
        sid = None
        lvl = None
        if ppr is not None:
            ps = ppr.find(_W + "pStyle")
            sid = ps.get(_VAL) if ps is not None else None
            ol = ppr.find(_W + "outlineLvl")
            if ol is not None:
                try:
                    lvl = int(ol.get(_VAL))
                except (TypeError, ValueError):
                    lvl = None
        if lvl is None and sid:
            lvl = self.st.outline_level(sid)
        para_bold = self.st.bold(sid)
        texts, bold_all, any_text = [], True, False
        for t, r in _para_text_runs(p):
            texts.append(t)
            if t.strip():
                any_text = True
                if not self._run_bold(r, para_bold):
                    bold_all = False
        return "".join(texts), bold_all and any_text, self.st.name(sid), lvl

    def cell(self, tc, page=None) -> Cell:
        raws, bolds = [], []
        for el in tc.iterchildren():
            if el.tag == _P:
                t, b, _, _ = self.paragraph(el)
                if t.strip():
                    raws.append(t.strip())
                    bolds.append(b)
            elif el.tag == _TBL:  # nested table: flatten row by row
                for row in self.table_rows(el):
                    line = " ".join(c.text for c in row.cells if c.text)
                    if line:
                        raws.append(line)
                        bolds.append(all(c.bold for c in row.cells if c.text))
            elif el.tag in (_SDT, _CUSTOM_XML):
                content = el.find(_SDT_CONTENT) if el.tag == _SDT else el
                if content is not None:
                    sub = self.cell(content)
                    if sub.raw:
                        raws.append(sub.raw)
                        bolds.append(sub.bold)
        raw = "\n".join(raws)
        return Cell(text=" ".join(raw.split()), raw=raw, page=page, bold=bool(bolds) and all(bolds))

    def table_rows(self, tbl) -> list[RawRow]:
        grid = tbl.find(_W + "tblGrid")
        cap = self.max_cells
        width = min(len(grid.findall(_W + "gridCol")), cap) if grid is not None else 0
        rows: list[RawRow] = []
        for tr in tbl.iter(_TR):
            if _nearest(tr, _TBL) is not tbl:
                continue  # row of a nested table
            cells: list[Cell] = []
            trpr = tr.find(_W + "trPr")
            before = after = 0
            if trpr is not None:
                before = max(0, _int(trpr.find(_W + "gridBefore")))
                after = max(0, _int(trpr.find(_W + "gridAfter")))
            declared = before  # the row's width as the XML gives it (counted, never allocated)
            cells.extend(Cell(text="", raw="") for _ in range(min(before, cap)))
            for tc in _row_cells(tr):
                tcpr = tc.find(_W + "tcPr")
                span, vcont, hcont = 1, False, False
                if tcpr is not None:
                    span = max(1, _int(tcpr.find(_W + "gridSpan"), 1))
                    vm = tcpr.find(_W + "vMerge")
                    if vm is not None and (vm.get(_VAL) or "continue").lower() != "restart":
                        vcont = True
                    hm = tcpr.find(_W + "hMerge")
                    if hm is not None and (hm.get(_VAL) or "continue").lower() != "restart":
                        hcont = True
                declared += span
                if len(cells) >= cap:
                    continue  # past the cap: not read
                if vcont or hcont:
                    c = Cell(text="", raw="")
                else:
                    c = self.cell(tc)
                cells.append(c)
                cells.extend(Cell(text="", raw="") for _ in range(min(span - 1, cap - len(cells))))
            declared += after
            cells.extend(Cell(text="", raw="") for _ in range(min(after, cap - len(cells))))
            if width and len(cells) < width:
                cells.extend(Cell(text="", raw="") for _ in range(width - len(cells)))
            if declared > cap:
                self.capped += 1
            rows.append(RawRow(cells=cells))
        return rows

    def table(self, tbl) -> Optional[RawTable]:
        rows = self.table_rows(tbl)
        if not rows:
            return None
        n_header = 0
        for tr in [r for r in tbl.iterchildren(_TR)]:
            trpr = tr.find(_W + "trPr")
            if trpr is not None and _on(trpr.find(_W + "tblHeader")):
                n_header += 1
            else:
                break
        return RawTable(rows=rows, source="docx", style="docx", n_header_rows=n_header or None)


def _nearest(el, tag):
    anc = el.getparent()
    while anc is not None and anc.tag != tag:
        anc = anc.getparent()
    return anc


def _row_cells(tr) -> Iterator:
    for el in tr.iterchildren():
        if el.tag == _TC:
            yield el
        elif el.tag in (_SDT, _CUSTOM_XML):  # cells wrapped in content controls
            content = el.find(_SDT_CONTENT) if el.tag == _SDT else el
            if content is not None:
                yield from (c for c in content.iterchildren(_TC))


def _int(el, default: int = 0) -> int:
    if el is None:
        return default
    try:
        return int(el.get(_VAL))
    except (TypeError, ValueError):
        return default


def _block_items(parent) -> Iterator:
    for el in parent.iterchildren():
        if el.tag in (_P, _TBL):
            yield el
        elif el.tag == _SDT:
            content = el.find(_SDT_CONTENT)
            if content is not None:
                yield from _block_items(content)
        elif el.tag == _CUSTOM_XML:
            yield from _block_items(el)


def _failed(error: str) -> RawDocument:
    return RawDocument(blocks=[], format="docx", status="failed", error=error)


def read_docx(path: Path) -> RawDocument:
    """Read a .docx into a :class:`RawDocument` (never raises on a bad file: status 'failed')."""
    path = Path(path)
    fmt, err = sniff(path)
    if err:
        return _failed(err)
    if fmt != "docx":
        return _failed(f"not a Word .docx file (content looks like {fmt})")
    from lkjip.limits import current

    lim = current()
    size = path.stat().st_size
    if size > lim.max_file_mb * 1024 * 1024:
        return _failed(f"file too large ({size / 1048576:.0f} MB > {lim.max_file_mb:g} MB; limit --max-file-mb)")
    # a zip bomb is refused from the container's directory, before any part is expanded, and XML with
    # a DOCTYPE (external entities, entity bombs) before it is parsed; python-docx parses with entities
    # off and never fetches anything besides
    bomb = zip_bomb(path, lim.max_stream_bytes, lim.max_total_bytes, lim.max_zip_ratio, lim.max_zip_entries) \
        or xml_doctype(path)
    if bomb:
        return _failed(bomb)
    try:
        import docx  # python-docx
    except ImportError:  # pragma: no cover - dependency missing
        return _failed("python-docx is not installed")
    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError) as e:
        return _failed(f"corrupt .docx: {e}")
    except Exception as e:
        if "amplification" in str(e) or "entit" in str(e).lower():
            return _failed("XML entity bomb refused: the document's XML declares entities that expand "
                           f"without end (billion laughs); save it again from Word ({str(e)[:120]})")
        return _failed(f"cannot open .docx: {type(e).__name__}: {e}")
    try:
        styles_el = document.styles.element
    except Exception:
        styles_el = None
    reader = _Reader(_Styles(styles_el), lim.max_cells_per_row)
    blocks = []
    warnings: list[str] = []
    try:
        for el in _block_items(document.element.body):
            if el.tag == _P:
                text, bold, style, lvl = reader.paragraph(el)
                clean = " ".join(text.split())
                if not clean:
                    continue
                heading = bool(_HEADING_STYLE.match(style)) or (lvl is not None and lvl < 9) \
                    or (bold and len(clean) <= 200) or bool(_BAB.match(clean)) or numbered_title(clean)
                blocks.append(TextBlock(text=clean, heading=heading, bold=bold))
            else:
                t = reader.table(el)
                if t is not None:
                    blocks.append(t)
    except Exception as e:  # malformed XML deep inside: keep what was read
        warnings.append(f"stopped reading the body: {type(e).__name__}: {e}")
        status = "partial" if blocks else "failed"
        return RawDocument(blocks=blocks, format="docx", status=status,
                           error=f"malformed document body: {e}", warnings=warnings)
    if reader.capped:
        warnings.append(f"{reader.capped} table rows cut to {reader.max_cells} cells (limit --max-cells-per-row)")
    if not blocks:
        return RawDocument(blocks=[], format="docx", status="failed", error="the document has no text")
    return RawDocument(blocks=blocks, format="docx", warnings=warnings)
