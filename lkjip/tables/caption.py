"""Caption and number of a table, from the text printed just before it.

'Tabel 3.1 Target dan Realisasi Kinerja Tahun 2021' (on one line or spread over several), a
numbered section heading ('1.1 Target dan Realisasi Kinerja Tahun 2020'), or a title line such as
'REALISASI ANGGARAN' when the report prints no 'Tabel'.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from lkjip.model import TextBlock

TABEL = re.compile(r"^\s*(?:tabel|table)\s*\.?\s*((?:[IVX]+|\d+)(?:\s*\.\s*\d+)*)\s*\.?\s*[:.\-–]?\s*(.*)$", re.I)
SECTION = re.compile(r"^\s*((?:\d+\.)*\d+)\.?\s+(\S.*)$")
LETTER = re.compile(r"^\s*(?:[A-Ha-h]|[IVX]+|\d+)\s*[.)]\s+(\S.*)$")
YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_SOURCE = re.compile(r"^\s*(sumber|ket(erangan)?|catatan)\b", re.I)
# signature blocks (name, rank, NIP) sit right above appendix tables and are no caption
_SIGNATURE = re.compile(r"\bNIP\b|^\s*(pembina|penata|pengatur|juru)\b|,\s*(s\.\w+|m\.\s?\w+)\b|^\s*(camat|walikota|bupati)\b.*,\s*$",
                        re.I)


@dataclass
class Caption:
    """What the report prints to name a table."""

    number: str = ""
    caption: str = ""
    heading: str = ""  # the nearest section heading above the table (for kind and year)


def _titleish(b: TextBlock) -> bool:
    """A short line that reads as a title, not as a sentence of prose."""
    t = b.text.strip()
    if not t or len(t) > 160 or _SOURCE.match(t) or _SIGNATURE.search(t):
        return False
    if t.endswith((":", ";", ",")):
        return False
    if t.endswith(".") and not (b.bold or b.heading or TABEL.match(t)) and len(t.split()) > 8:
        return False
    return len(t.split()) <= 22


def _clean_number(num: str) -> str:
    """'3 . 1' -> '3.1'."""
    return re.sub(r"\s+", "", num).strip(".")


def find_caption(gap: list[TextBlock], headings: list[TextBlock]) -> Caption:
    """Caption of a table from the text blocks between it and the previous table, and the headings above."""
    heading = headings[-1].text if headings else ""
    # 1. a 'Tabel N' line, with the title lines that follow it
    for k in range(len(gap) - 1, -1, -1):
        m = TABEL.match(gap[k].text)
        if m and len(gap[k].text) < 220:
            rest = [m.group(2).strip()] if m.group(2).strip() else []
            for b in gap[k + 1:]:
                if not _titleish(b):
                    break
                rest.append(b.text.strip())
            return Caption(_clean_number(m.group(1)), _join(rest), heading)
    # 2. title lines right above the table
    tail: list[str] = []
    bold_run = False
    for b in reversed(gap):
        if not _titleish(b) or (bold_run and not b.bold):
            break  # prose, or the plain text before a bold title
        tail.insert(0, b.text.strip())
        bold_run = b.bold
        if len(tail) == 4 or SECTION.match(b.text) or LETTER.match(b.text) or (b.heading and not b.bold):
            break  # a numbered or marked title starts the caption
    if tail:
        return _from_title(_join(tail), heading)
    # 3. the nearest heading above, when only a sentence introduces the table
    if gap and headings:
        return _from_title(heading, heading)
    return Caption("", "", heading)


def _from_title(text: str, heading: str) -> Caption:
    """Split a numbered title ('1.1 Target ...') into number and caption; lettered ones keep no number."""
    m = SECTION.match(text)
    if m and re.search(r"[A-Za-z]", m.group(2)):
        return Caption(m.group(1), m.group(2).strip(), heading)
    m = LETTER.match(text)
    if m:
        return Caption("", m.group(1).strip(), heading)
    return Caption("", text, heading)


def _join(parts: list[str]) -> str:
    """Join caption lines with single spaces."""
    return " ".join(" ".join(parts).split())


def is_heading(b: TextBlock) -> bool:
    """A block that titles a section: markdown/bold heading or a short numbered/lettered line."""
    t = b.text.strip()
    if not t or len(t) > 140 or TABEL.match(t):
        return False
    if b.heading:
        return True
    if t.endswith((":", ",", ";")):
        return False
    return bool((SECTION.match(t) or LETTER.match(t)) and len(t.split()) <= 16) or (t.isupper() and len(t.split()) <= 10)


def caption_year(*texts: str) -> Optional[int]:
    """The single year a caption names ('... Tahun 2021'), None for none or a range."""
    for text in texts:
        if not text:
            continue
        if re.search(r"(?:19|20)\d\d\s*[-–]\s*(?:19|20)\d\d", text):
            return None
        years = set(YEAR.findall(text))
        if len(years) == 1:
            return int(years.pop())
        if years:
            return None
    return None
