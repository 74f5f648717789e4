"""Reader for reports as text (.txt, .md): prose, headings, lists and tables with line positions.

Tables come as runs of tab-separated lines, markdown pipe tables or HTML ``<table>`` fragments.
A blank line ends a raw table; joining pieces that belong together is the stitch stage's job,
exactly as for tables split by PDF page breaks.
"""
from __future__ import annotations

import codecs
import html
import re
from pathlib import Path

from lkjip.model import Cell, RawDocument, RawRow, RawTable, TextBlock

_TAG = re.compile(r"</?(?:b|strong|i|em|u|span|font|sup|sub|p|div)\b[^>]*>", re.I)
_BR = re.compile(r"<br\s*/?>", re.I)
_MD_EMPH = re.compile(r"(\*\*|__)(.*?)\1")
_LATEX_CMD = {r"\leq": "≤", r"\geq": "≥", r"\le": "≤", r"\ge": "≥", r"\times": "×", r"\%": "%", r"\ ": " "}
_LATEX = re.compile(r"\$+([^$]*)\$+")
_DASH_ROW = re.compile(r"^[\s|:+\-=–—]*$")
_HEADING_MD = re.compile(r"^\s{0,3}#{1,6}\s+(.*)$")
_BOLD_LINE = re.compile(r"^\s*(\*\*|__)(.+?)\1\s*$")
_HTML_ROW = re.compile(r"<tr\b[^>]*>(.*?)</tr>", re.I | re.S)
_HTML_CELL = re.compile(r"<t[dh]\b([^>]*)>(.*?)</t[dh]>", re.I | re.S)
_COLSPAN = re.compile(r"colspan\s*=\s*['\"]?(\d+)", re.I)
_ANY_TAG = re.compile(r"<[^>]+>")

# Limits that keep a hostile text file from costing the batch its memory: the defaults of
# lkjip.limits.Limits (--max-line-chars, --max-cells-per-row); the current limits apply while reading.
MAX_LINE_CHARS = 20_000
MAX_CELLS_PER_ROW = 200

_BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"), (b"\xef\xbb\xbf", "utf-8-sig"),
         (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))  # these codecs drop the mark


class NotTextError(ValueError):
    """The bytes are not a text document."""


def _cp1252_or_latin1(err: UnicodeDecodeError):
    """The five bytes cp1252 leaves undefined decode as Latin-1 (their control characters)."""
    return err.object[err.start:err.end].decode("latin-1"), err.end


codecs.register_error("lkjip-latin1", _cp1252_or_latin1)


def detect_encoding(data: bytes) -> str:
    """The encoding of a text report: a byte-order mark; UTF-16 without one (every other byte NUL);
    UTF-8; else the Western single-byte encodings reports are exported in (Latin-1 / Windows-1252,
    decoded as cp1252), once charset-normalizer confirms the bytes read as text in it.
    Raises :class:`NotTextError` for binary content."""
    from lkjip.extract.guard import utf16_without_bom

    for bom, enc in _BOMS:
        if data.startswith(bom):
            return enc
    head = data[:65536]
    enc16 = utf16_without_bom(head)
    if enc16:
        return enc16
    if head.count(b"\x00") > len(head) // 100 + 1:
        raise NotTextError("binary content, not text (NUL bytes): not a text report")
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as e:
        if e.start >= len(data) - 3 and e.reason == "unexpected end of data":
            return "utf-8"  # a character cut by the end of the file
    from charset_normalizer import from_bytes

    best = from_bytes(data[:262144], cp_isolation=["cp1252", "latin_1"]).best()
    if best is None:
        raise NotTextError("binary content, not text (no text encoding fits): not a text report")
    return "cp1252"


def decode(data: bytes) -> str:
    """Decode a text report in its detected encoding (:func:`detect_encoding`); refuse binary content."""
    enc = detect_encoding(data)
    text = data.decode(enc, errors="lkjip-latin1" if enc == "cp1252" else "replace")
    sample = text[:65536]
    ctrl = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\t\n\r\f") or 0x7F <= ord(ch) < 0xA0)
    if sample and ctrl > len(sample) * 0.05:
        raise NotTextError("binary content, not text (control characters): not a text report")
    return text


def clean_inline(text: str) -> str:
    """Strip inline HTML/markdown markup and LaTeX from a cell or a line, collapse spaces."""
    if "<" in text:
        text = _BR.sub(" ", text)
        text = _TAG.sub("", text)
    if "*" in text or "__" in text:
        text = _MD_EMPH.sub(r"\2", text).replace("**", "")
    if "$" in text:
        text = _LATEX.sub(lambda m: _latex_to_text(m.group(1)), text)
    if "&" in text:
        text = html.unescape(text)
    return " ".join(text.split())


def _latex_to_text(expr: str) -> str:
    """Render the small LaTeX bits reports carry (inequalities, fractions) as plain text."""
    for cmd, rep in _LATEX_CMD.items():
        expr = expr.replace(cmd, rep)
    expr = re.sub(r"\\(?:text|mathrm|mathbf)\{([^}]*)\}", r"\1", expr)
    expr = re.sub(r"\\frac\{([^}]*)\}\{([^}]*)\}", r"\1 / \2", expr)
    return expr.replace("\\", " ")


def _is_bold(raw: str) -> bool:
    """A cell printed in bold (<b> or **)."""
    s = raw.strip()
    return (s.lower().startswith("<b>") or s.startswith("**")) and len(s) > 4


def _cells(parts: list[str], line: int) -> list[Cell]:
    """Cells of one printed row (at most ``--max-cells-per-row``)."""
    from lkjip.limits import current

    return [Cell(text=clean_inline(p), raw=p, line=line, bold=_is_bold(p))
            for p in parts[:current().max_cells_per_row]]


def _row_kind(line: str) -> str:
    """'tab', 'pipe', 'html', 'blank' or 'text' for one physical line."""
    s = line.strip()
    if not s:
        return "blank"
    if "\t" in line.rstrip("\n") and line.strip("\t \r\n"):
        return "tab"
    if s.startswith("|") and s.endswith("|") and s.count("|") >= 3:
        return "pipe"
    if s.lower().startswith(("<table", "<tr", "<thead", "<tbody")):
        return "html"
    return "text"


def _split_pipe(line: str) -> list[str]:
    """Cells of a markdown pipe row."""
    s = line.strip()
    return [p.strip() for p in s[1:-1].split("|")]


def _html_rows(fragment: str, first_line: int) -> list[RawRow]:
    """Rows of an HTML table fragment; colspan cells keep their text in the first column."""
    rows = []
    for m in _HTML_ROW.finditer(fragment):
        line = first_line + fragment.count("\n", 0, m.start())
        parts: list[str] = []
        for c in _HTML_CELL.finditer(m.group(1)):
            span = _COLSPAN.search(c.group(1))
            inner = _ANY_TAG.sub(lambda t: " " if t.group(0).lower().startswith("<br") else "", c.group(2))
            parts.append(inner)
            parts.extend([""] * (int(span.group(1)) - 1 if span else 0))
        rows.append(RawRow(cells=_cells(parts, line), line=line))
    return rows


def _heading(line: str) -> tuple[str, bool, bool]:
    """Cleaned text of a prose line, whether it is a heading and whether it is bold."""
    m = _HEADING_MD.match(line)
    if m:
        return clean_inline(m.group(1)), True, "**" in line
    bold = bool(_BOLD_LINE.match(line)) or line.strip().lower().startswith("<b>")
    text = clean_inline(line)
    return text, bold and len(text) < 200, bold


def read_text_lines(text: str) -> RawDocument:
    """Split a report's text into prose blocks and raw tables, keeping 1-based line numbers."""
    lines = text.splitlines()
    blocks: list = []
    rows: list[RawRow] = []
    style = "tab"
    warnings: list[str] = []

    def flush():
        nonlocal rows
        if rows:
            blocks.append(RawTable(rows=rows, source="text", style=style))
            rows = []

    from lkjip.limits import current

    max_chars = current().max_line_chars
    i = 0
    n = len(lines)
    while i < n:
        raw_line = lines[i]
        if len(raw_line) > max_chars:
            warnings.append(f"line {i + 1}: {len(raw_line)} characters, cut to {max_chars} (limit --max-line-chars)")
            raw_line = raw_line[:max_chars]
        kind = _row_kind(raw_line)
        lineno = i + 1
        if kind == "html":
            flush()
            j = i
            buf = []
            while j < n:
                buf.append(lines[j])
                if "</table>" in lines[j].lower():
                    break
                j += 1
            style = "html"
            rows = _html_rows("\n".join(buf), lineno)
            flush()
            i = j + 1
            continue
        if kind in ("tab", "pipe"):
            if rows and style != kind:
                flush()
            style = kind
            parts = raw_line.rstrip("\r\n").split("\t") if kind == "tab" else _split_pipe(raw_line)
            if _DASH_ROW.match(raw_line.replace("\t", " ")):
                i += 1  # markdown rule under a header: not a row
                continue
            rows.append(RawRow(cells=_cells(parts, lineno), line=lineno))
        elif kind == "blank":
            flush()
        else:
            if _DASH_ROW.match(raw_line) and rows:
                i += 1
                continue
            flush()
            text_, heading, bold = _heading(raw_line)
            if text_:
                blocks.append(TextBlock(text=text_, line=lineno, heading=heading, bold=bold))
        i += 1
    flush()
    return RawDocument(blocks=blocks, format="txt", warnings=warnings)


def read_text(path: Path) -> RawDocument:
    """Read a .txt/.md report from disk into the raw document model."""
    from lkjip.limits import current

    limit = current().max_text_mb
    size = Path(path).stat().st_size
    if size > limit * 1024 * 1024:
        return RawDocument(blocks=[], format=_fmt(path), status="failed",
                           error=f"text file too large ({size / 1048576:.0f} MB > {limit:g} MB; limit --max-text-mb)")
    data = Path(path).read_bytes()
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        return RawDocument(blocks=[], format=_fmt(path), status="failed",
                           error="empty file" + (" (0 bytes)" if not data else " (only blank characters)"))
    try:
        text = decode(data)
    except NotTextError as exc:
        return RawDocument(blocks=[], format=_fmt(path), status="failed", error=str(exc))
    doc = read_text_lines(text)
    doc.format = _fmt(path)
    return doc


def _fmt(path: Path) -> str:
    """'md' for markdown files, else 'txt'."""
    return "md" if Path(path).suffix.lower() in (".md", ".markdown") else "txt"
