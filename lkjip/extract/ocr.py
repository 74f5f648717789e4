"""OCR for scanned pages: decide which pages need it, prepare the image, read words with boxes.

The engine is Tesseract 5 through ``tesserocr`` (chosen by measurement, see ``docs/ocr.md``);
RapidOCR is kept as an alternative engine for comparison. Nothing is downloaded at run time:
Tesseract's language data comes from the Debian packages that ``scripts/system_deps.sh ocr`` installs.

Flow for one page: :func:`render_page` (pypdfium2, at the resolution of the page's scan image) →
:func:`prepare` (grayscale, upsample low-resolution scans, orientation, deskew; optionally
denoise and erase ruled lines) → :func:`ocr_words`, whose :class:`OcrWord` boxes are in PDF points of the upright,
deskewed page (``top`` measured from the top edge), exactly like pdfplumber words.
:func:`ocr_page` runs all of it (:func:`render_for_ocr` on the reading thread, then :func:`ocr_image` on any
thread: :mod:`lkjip.extract.ocr_pool`); :func:`page_needs_ocr` says which pages want it.
"""
from __future__ import annotations

import math
import os
import re
import threading
import unicodedata
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Iterable, NamedTuple, Optional

__all__ = ["OcrSettings", "OcrWord", "OcrPage", "OcrEngineMissing", "page_needs_ocr", "text_layer_needs_ocr",
           "prepare", "flatten", "estimate_skew", "detect_orientation", "remove_rules", "rule_segments", "ocr_words",
           "render_page", "render_for_ocr", "ocr_page", "ocr_image", "engine_available", "release_documents",
           "ocr_region", "ink_share"]

MISSING = "OCR engine not installed: run scripts/system_deps.sh ocr"
TESSDATA_DIRS = ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata",
                 "/usr/share/tessdata", "/usr/local/share/tessdata", "/opt/homebrew/share/tessdata")


class OcrEngineMissing(RuntimeError):
    """The OCR engine or its language data is not installed."""


@dataclass
class OcrSettings:
    """How pages are chosen, prepared and read; validated on creation (``ValueError``)."""

    engine: str = "tesseract"  # 'tesseract' | 'rapidocr'
    lang: str = "ind+eng"  # Tesseract languages; the Debian 'ind' model alone misreads % (100% → 100Y6)
    psm: int = 3  # Tesseract page segmentation mode (3 = automatic layout)
    tessdata: Optional[str] = None  # folder of *.traineddata; None = TESSDATA_PREFIX or the Debian path
    min_dpi: float = 250.0  # images below this resolution are upsampled ...
    target_dpi: float = 300.0  # ... to this one
    max_render_dpi: float = 400.0  # a page is rendered at its scan's resolution, capped here
    default_dpi: float = 300.0  # render resolution of a page without a scan image
    deskew: bool = True
    max_skew: float = 5.0  # degrees searched either way
    min_skew: float = 0.05  # smaller estimates are left alone
    orientation: bool = True  # find pages turned by 90/180/270 (Tesseract OSD, also for RapidOCR)
    osd_sure: float = 5.0  # OSD answers below this confidence are checked by reading the page in 4 turns
    min_vote_lead: float = 3.0  # ... where the winning turn needs this many more well-read words
    flatten: bool = True  # grey scans: light fills (grey header rows) and their page's paper tone divided out
    flatten_span: float = 0.12  # inches: dark marks narrower than this (bold text lines too) are ink, not fill
    flatten_floor: int = 100  # darker backgrounds (black bands with white text) are left as they are
    denoise: bool = False  # 3x3 median filter: measured to cost values on thin low-resolution strokes
    remove_rules: bool = False  # erase long ruled lines first: measured no better (Tesseract uses them as layout)
    min_rule_len: float = 0.5  # inches: dark runs at least this long are rules
    bitonal_cleanup: bool = True  # 1-bit (fax-like) scans are always denoised and their rules erased (measured)
    min_confidence: float = 0.0  # words below this confidence (0-100) are dropped
    keep_image: bool = True  # ocr_page keeps the prepared image on its result (for rule_segments)
    # page_needs_ocr
    min_text_chars: int = 20  # fewer usable chars over a scan image: the text layer is not usable
    min_good_share: float = 0.7  # share of letters/digits/punctuation a usable layer has at least
    scan_coverage: float = 0.5  # page share images cover for a page with some text to count as scanned
    blank_coverage: float = 0.25  # ... and for a page without text (less is a blank page, not a scan)
    ocr_invisible: bool = True  # an invisible-only text layer (render mode 3) over a scan is re-read

    def __post_init__(self) -> None:
        if self.engine not in ("tesseract", "rapidocr"):
            raise ValueError(f"OcrSettings.engine must be 'tesseract' or 'rapidocr', got {self.engine!r}")
        if not isinstance(self.lang, str) or not re.fullmatch(r"[A-Za-z_]+(\+[A-Za-z_]+)*", self.lang):
            raise ValueError(f"OcrSettings.lang must look like 'ind' or 'ind+eng', got {self.lang!r}")
        if not isinstance(self.psm, int) or isinstance(self.psm, bool) or not 0 <= self.psm <= 13:
            raise ValueError(f"OcrSettings.psm must be an integer 0-13, got {self.psm!r}")
        if self.tessdata is not None and not isinstance(self.tessdata, str):
            raise ValueError(f"OcrSettings.tessdata must be a folder path or None, got {self.tessdata!r}")
        for f in fields(self):
            v = getattr(self, f.name)
            if f.type in ("bool",) and not isinstance(v, bool):
                raise ValueError(f"OcrSettings.{f.name} must be True or False, got {v!r}")
            if f.type in ("float", "int") and (not isinstance(v, (int, float)) or isinstance(v, bool)
                                               or not math.isfinite(v) or v < 0):
                raise ValueError(f"OcrSettings.{f.name} must be a finite number >= 0, got {v!r}")
        for name in ("min_dpi", "target_dpi", "max_render_dpi", "default_dpi", "max_skew", "min_rule_len"):
            if not getattr(self, name) > 0:
                raise ValueError(f"OcrSettings.{name} must be positive, got {getattr(self, name)!r}")
        if self.target_dpi < self.min_dpi:
            raise ValueError("OcrSettings.target_dpi must be at least min_dpi")
        if self.max_skew > 45:
            raise ValueError("OcrSettings.max_skew must be at most 45 degrees")
        if self.min_confidence > 100:
            raise ValueError("OcrSettings.min_confidence must be at most 100")
        for name in ("min_good_share", "scan_coverage", "blank_coverage"):
            if not 0 < getattr(self, name) <= 1:
                raise ValueError(f"OcrSettings.{name} must be in (0, 1], got {getattr(self, name)!r}")


@dataclass
class OcrWord:
    """A word read by OCR: text, box in PDF points of the upright page (top from the top edge), 0-100."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    confidence: float


class OcrPage(list):
    """The words of one OCR'd page (a list of :class:`OcrWord`) plus what preparation found."""

    def __init__(self, words: Iterable[OcrWord] = (), width: float = 0.0, height: float = 0.0,
                 rotation: int = 0, skew: float = 0.0, dpi: float = 0.0, image=None):
        super().__init__(words)
        self.image = image  # the prepared image the words were read from (for rule_segments)
        self.width, self.height = width, height  # upright page size in points (swapped if turned 90/270)
        self.rotation, self.skew, self.dpi = rotation, skew, dpi  # degrees turned clockwise, deskewed by, image dpi


# --------------------------------------------------------------------------------------------
# which pages need OCR

_CID = re.compile(r"\(cid:\d+\)")
_TR = re.compile(rb"(?<![\w.])([0-7])\s+Tr\b")
_EDGE_PUNCT = re.compile(r"^[\W_]+|[\W_]+$")
_NUMBERISH = re.compile(r"[\d.,%/+\-–:]+|[A-Za-z]{1,3}[-.]?\d+|\d+[-.]?[A-Za-z]{1,3}")
_LETTERS = re.compile(r"[^\W\d_]+(?:[-'’./][^\W\d_]+)*")
_VOWEL = re.compile(r"[aeiouyAEIOUY]|[^\x00-\x7f]")
_CONS_RUN = re.compile(r"[b-df-hj-np-tv-xzB-DF-HJ-NP-TV-XZ]{5,}")


def _char_good(ch: str) -> bool:
    """A char that belongs to readable text (letter, digit, punctuation, symbol; no PUA/control/U+FFFD)."""
    if not ch or ch == "\ufffd":
        return False
    cat = unicodedata.category(ch)
    return cat[0] in "LNPS" and cat != "Co"


def _plausible(token: str) -> Optional[bool]:
    """Whether a token looks like a word or number of real text; None when too short to tell."""
    t = _EDGE_PUNCT.sub("", token)
    if len(t) < 4:
        return None
    if _NUMBERISH.fullmatch(t):
        return True
    if not _LETTERS.fullmatch(t):
        return False  # letters mixed with digits or symbols inside: '3HPHULQWDK', 'D#Q'
    core = t.replace("-", "").replace("'", "").replace("’", "").replace(".", "").replace("/", "")
    if not _VOWEL.search(core) or _CONS_RUN.search(core):
        return False
    return core.islower() or core.isupper() or core[:1].isupper() and core[1:].islower() or len(core) > 12


def text_layer_needs_ocr(words: Iterable[str], image_coverage: float = 0.0, invisible_only: bool = False,
                         settings: OcrSettings | None = None) -> bool:
    """Decide from a page's word texts, scan-image coverage (0-1) and render modes whether to OCR it."""
    s = settings or OcrSettings()
    n_ink = good = 0
    verdicts = []
    for w in words:
        w = _CID.sub("\ufffd", w or "")
        for ch in w:
            if not ch.isspace():
                n_ink += 1
                good += _char_good(ch)
        v = _plausible(w)
        if v is not None:
            verdicts.append(v)
    scanned = image_coverage >= s.scan_coverage
    if n_ink == 0:
        return image_coverage >= s.blank_coverage
    if good < s.min_good_share * n_ink:
        return True  # garbage layer: unmapped glyphs '(cid:12)', private-use codes, controls
    if len(verdicts) >= 8 and sum(verdicts) < s.min_good_share * len(verdicts):
        return True  # garbage layer: letters from a wrong font mapping ('/DSRUDQ .LQHUMD')
    if scanned and good < s.min_text_chars:
        return True  # a stamp or page number over a scanned page
    return bool(scanned and invisible_only and s.ocr_invisible)


def _image_coverage(page) -> float:
    """Share of a pdfplumber page covered by its images (clipped to the page)."""
    w, h = float(page.width), float(page.height)
    area = w * h or 1.0
    cover = 0.0
    for im in page.images:
        x0, x1 = max(float(im["x0"]), 0.0), min(float(im["x1"]), w)
        t, b = max(float(im["top"]), 0.0), min(float(im["bottom"]), h)
        cover += max(0.0, x1 - x0) * max(0.0, b - t)
    return min(cover / area, 1.0)


def _render_modes(page) -> set[int]:
    """Text render modes (Tr operator) set in the page's content streams."""
    modes: set[int] = set()
    try:
        from pdfminer.pdftypes import resolve1, stream_value
        contents = resolve1(page.page_obj.attrs.get("Contents"))
        items = contents if isinstance(contents, list) else [contents]
        for c in items:
            if c is None:
                continue
            data = stream_value(c).get_data()
            modes.update(int(m) for m in _TR.findall(data))
    except Exception:  # unreadable streams: assume visible text
        return set()
    return modes


def page_needs_ocr(page, settings: OcrSettings | None = None, words: Optional[list[str]] = None,
                   image_coverage: Optional[float] = None) -> bool:
    """True when a pdfplumber page has no usable text layer: no chars, garbage, or invisible text over a scan.
    A reader that has the page's words and image coverage already passes them (the page is not parsed again)."""
    s = settings or OcrSettings()
    cover = _image_coverage(page) if image_coverage is None else image_coverage
    if words is None:
        if not page.chars:
            return text_layer_needs_ocr([], cover, False, s)
        # overprinted glyphs (fake bold) are one letter, as in the PDF reader
        words = [w["text"] for w in page.dedupe_chars(tolerance=1).extract_words(keep_blank_chars=False)]
    invisible = False
    if cover >= s.scan_coverage and s.ocr_invisible:
        modes = _render_modes(page)
        invisible = bool(modes) and modes <= {3, 7}
    return text_layer_needs_ocr(words, cover, invisible, s)


# --------------------------------------------------------------------------------------------
# image preparation


def _gray(image):
    """The image as 8-bit grayscale ('1', 'P', 'RGB', 'RGBA', 'I;16' ... → 'L')."""
    if image.mode == "L":
        return image
    if image.mode in ("RGBA", "LA", "P"):
        from PIL import Image
        rgba = image.convert("RGBA")
        bg = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(bg, rgba).convert("L")
    if image.mode.startswith("I"):
        import numpy as np
        from PIL import Image
        a = np.asarray(image, dtype=np.float64)
        lo, hi = float(a.min()), float(a.max())
        a = (a - lo) * (255.0 / (hi - lo or 1.0))
        return Image.fromarray(a.astype("uint8"), "L")
    return image.convert("L")


def _dpi(image, default: float) -> float:
    """The image's resolution from its ``info['dpi']``, else ``default``."""
    d = image.info.get("dpi")
    try:
        v = float(d[0] if isinstance(d, (tuple, list)) else d)
    except (TypeError, ValueError, IndexError):
        return default
    return v if 20 <= v <= 2400 else default


def _otsu(a) -> int:
    """Otsu's threshold of a uint8 array."""
    import numpy as np
    flat = a.ravel()
    hist = np.zeros(256, dtype=np.float64)
    for k in range(0, flat.size, 1 << 20):  # bincount copies its input as int64: 8 bytes a pixel at once
        hist += np.bincount(flat[k:k + (1 << 20)], minlength=256)
    total = hist.sum() or 1.0
    w0 = np.cumsum(hist)
    m = np.cumsum(hist * np.arange(256))
    mt = m[-1]
    w1 = total - w0
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mt * w0 / total - m) ** 2 / (w0 * w1)
    between[~np.isfinite(between)] = 0
    return int(np.argmax(between))


def _ink(gray, width: int = 1000):
    """Binary ink mask (True = dark) of a grayscale image shrunk to about ``width`` pixels, and the factor."""
    import numpy as np
    from PIL import Image
    f = min(1.0, width / max(gray.width, 1))
    small = gray if f >= 1.0 else gray.resize((max(1, round(gray.width * f)), max(1, round(gray.height * f))),
                                              Image.BILINEAR)
    a = np.asarray(small, dtype=np.uint8)
    thr = _otsu(a)
    if thr >= 250 or a.min() > 200:  # blank page
        return np.zeros(a.shape, dtype=bool), f
    return a <= thr, f


def estimate_skew(image, max_skew: float = 5.0) -> float:
    """Skew of the text lines in degrees (counter-clockwise positive), by projection profiles."""
    import numpy as np
    gray = _gray(image)
    ink, _ = _ink(gray, 1200)
    ys, xs = np.nonzero(ink)
    if len(ys) < 50:
        return 0.0
    if len(ys) > 400_000:
        pick = np.random.default_rng(0).choice(len(ys), 400_000, replace=False)
        ys, xs = ys[pick], xs[pick]
    ys = ys.astype(np.float64)
    xs = xs.astype(np.float64) - ink.shape[1] / 2.0
    n = ink.shape[0] + ink.shape[1] + 2

    def score(deg: float) -> float:
        # rows of a page turned by `deg` counter-clockwise: y' = y + x*tan(deg) (y points down)
        r = np.rint(ys + xs * math.tan(math.radians(deg))).astype(np.int64) + ink.shape[1]
        h = np.bincount(r, minlength=n).astype(np.float64)
        return float(np.dot(h, h))

    coarse = np.arange(-max_skew, max_skew + 1e-9, 0.25)
    best = max(coarse, key=score)
    fine = np.arange(best - 0.3, best + 0.3 + 1e-9, 0.02)
    best = max(fine, key=score)
    return float(round(best, 2))


def _rotate(gray, deg: float):
    """Turn a grayscale image by ``deg`` degrees counter-clockwise about its centre, white fill, same size."""
    from PIL import Image
    return gray.rotate(deg, resample=Image.BILINEAR, expand=False, fillcolor=255)


# Ruled lines. Rules are looked for in an ink mask pooled to at most _RULE_DPI, one direction at a time
# (the mask is transposed for vertical rules, so "along" is axis 1 and "across" axis 0):
#   pieces: thin ink runs with white on both sides, small breaks bridged, at least _RULE_PIECE long; solid
#           dark runs at least min_rule_len long; the long sides of filled blocks (dark header rows);
#   chains: collinear pieces joined across gaps no longer than the dashes beside them (dashed, dotted and
#           broken rules of 1-bit scans), or across longer gaps that hold only dots on the line (a rule
#           mostly lost in the scan), a pixel or two of waviness allowed;
#   rules:  chains at least min_rule_len long, mostly covered by their pieces and clear of ink beside them
#           (a line of text is not: its strokes crowd both sides); their ends are drawn on to a
#           perpendicular rule they nearly meet.
_RULE_DPI = 150.0  # rules are looked for at this resolution at most
_RULE_THICK = 0.047  # inches: thicker dark bands are filled areas, not rules (7 px at 150 dpi)
_RULE_CLEAR = 0.013  # white a rule's pixels have on both sides
_RULE_BRIDGE = 0.04  # breaks this short are closed before pieces are cut
_RULE_PIECE = 0.12  # shortest dash that is a piece of a rule
_RULE_TOL = 0.015  # across: pieces of one rule lie this close (1-bit scans step by a pixel)
_RULE_HALO = 0.25  # most share of a rule's length with ink just beside it
_RULE_FILL = 0.5  # least share of a rule's span its pieces cover
_RULE_NEAR = 0.12  # a rule end this close to a perpendicular rule is drawn on to it ...
_RULE_REACH = 0.5  # ... and from this far when dashes lead there:
_RULE_BLANK = 0.2  # no blank longer than this, and at least 30% covered, or dotted:
_RULE_DOTS = 0.05  # a dotted stretch: thin ink on the line over at least this share of it, no hole longer
#                   than _RULE_REACH ...
_RULE_STRAY = 0.05  # ... and other ink (strokes of text crossing the line) over at most this share
_RULE_DOTTED_REACH = 1.0  # a rule end is drawn on from this far when dots lead there


def _px(dpi: float, inches: float, least: int = 1) -> int:
    """A length in inches as whole pixels at ``dpi``, at least ``least``."""
    return max(least, int(round(inches * dpi)))


def _work_ink(gray, dpi: float):
    """(ink mask pooled to at most _RULE_DPI, a cell inked when any of its pixels is; pooling factor), None if blank."""
    import numpy as np
    a = np.asarray(gray, dtype=np.uint8)
    thr = _otsu(a)
    if thr >= 250 or a.min() > 200:
        return None
    ink = a <= thr
    f = max(1, int(dpi / _RULE_DPI + 0.25))
    if f > 1:
        ink = _blocks(ink, f).any(axis=(1, 3))
    return ink, f


def _blocks(a, f: int, pad: Optional[str] = None):
    """``a`` cut into ``f`` x ``f`` blocks (shape h/f, f, w/f, f): its ragged edge trimmed, or padded to whole
    blocks (``pad``: an ``np.pad`` mode)."""
    import numpy as np
    if pad is None:
        h, w = a.shape[0] // f * f, a.shape[1] // f * f
        a = a[:h, :w]
    else:
        h, w = -(-a.shape[0] // f) * f, -(-a.shape[1] // f) * f
        a = np.pad(a, ((0, h - a.shape[0]), (0, w - a.shape[1])), mode=pad)
    return a.reshape(h // f, f, w // f, f)


def _unpool(small, f: int, shape: tuple[int, int]):
    """A pooled array blown up ``f`` times to ``shape``: cropped, or zero beyond it where pooling trimmed."""
    import numpy as np
    up = np.repeat(np.repeat(small, f, axis=0), f, axis=1)[:shape[0], :shape[1]]
    if up.shape == tuple(shape):
        return up
    out = np.zeros(shape, dtype=up.dtype)
    out[:up.shape[0], :up.shape[1]] = up
    return out


def _shift(m, d: int, fill=False):
    """``m`` moved ``d`` rows down along axis 0 (up when negative), ``fill`` coming in."""
    import numpy as np
    out = np.full(m.shape, fill, dtype=m.dtype)
    if d > 0:
        out[d:] = m[:-d]
    elif d < 0:
        out[:d] = m[-d:]
    else:
        out[:] = m
    return out


def _clear_thin(a, thick: int, clear: int):
    """Ink pixels in a run across (axis 0) at most ``thick`` long, more than ``clear`` white pixels each side."""
    import numpy as np
    big = 1 << 20
    idx = np.arange(a.shape[0], dtype=np.int32)[:, None]
    starts, ends = a & ~_shift(a, 1), a & ~_shift(a, -1)
    s = np.maximum.accumulate(np.where(starts, idx, -big), axis=0)  # where each pixel's run starts
    e = np.minimum.accumulate(np.where(ends, idx, big)[::-1], axis=0)[::-1]  # ... and ends
    prev_end = _shift(np.maximum.accumulate(np.where(ends, idx, -big), axis=0), 1, -big)
    next_start = _shift(np.minimum.accumulate(np.where(starts, idx, big)[::-1], axis=0)[::-1], -1, big)
    return a & (e - s < thick) & (s - prev_end > clear) & (next_start - e > clear)


def _close_gaps(m, gap: int):
    """``m`` with runs of at most ``gap`` False pixels between True ones along axis 1 filled (a 1-D closing)."""
    import numpy as np
    idx = np.arange(m.shape[1], dtype=np.int32)
    last = np.maximum.accumulate(np.where(m, idx, -(1 << 20)), axis=1)
    nxt = np.minimum.accumulate(np.where(m, idx, 1 << 20)[:, ::-1], axis=1)[:, ::-1]
    return m | (nxt - last <= gap)


def _long_runs(ink, L: int, axis: int):
    """Pixels that lie in a run of at least ``L`` ink pixels along ``axis`` (a 1-D morphological opening)."""
    import numpy as np
    a = ink if axis == 1 else ink.T
    h, w = a.shape
    if w < L:
        return np.zeros(ink.shape, dtype=bool)
    c = np.zeros((h, w + 1), dtype=np.int32)
    np.cumsum(a, axis=1, out=c[:, 1:])
    full = (c[:, L:] - c[:, :-L]) == L  # erosion: the window starting at x is all ink (w-L+1 columns)
    if not full.any():
        return np.zeros(ink.shape, dtype=bool)
    # dilation: x is covered when a full window starts in [x-L+1, x]
    p = np.zeros((h, w + L), dtype=np.int32)
    np.cumsum(full, axis=1, out=p[:, L:w + 1])
    p[:, w + 1:] = p[:, w:w + 1]
    covered = (p[:, L:L + w] - p[:, 0:w]) > 0
    return covered if axis == 1 else covered.T


def _runs_1d(row) -> list[tuple[int, int]]:
    """(start, end) of the True runs of a boolean vector, end exclusive."""
    import numpy as np
    d = np.diff(np.concatenate(([0], row.view(np.int8), [0])))
    starts = np.flatnonzero(d == 1)
    ends = np.flatnonzero(d == -1)
    return list(zip(starts.tolist(), ends.tolist()))


def _segments(mask, axis: int, min_len: int) -> list[tuple[int, int, int, int]]:
    """Runs along ``axis`` merged with the runs they overlap on neighbouring rows: boxes (along0, along1, across0,
    across1) at least ``min_len`` long."""
    import numpy as np
    m = mask if axis == 1 else mask.T
    open_: list[list[int]] = []  # boxes reaching the row above: [a0, a1, c0, c1]
    done: list[list[int]] = []
    for r in np.flatnonzero(m.any(axis=1)).tolist():
        done.extend(o for o in open_ if o[3] < r)
        open_ = [o for o in open_ if o[3] == r]
        nxt: list[list[int]] = []
        for a0, a1 in _runs_1d(m[r]):
            box = [a0, a1, r, r + 1]
            for other in [o for o in open_ + nxt if o[0] < box[1] and box[0] < o[1]]:
                (open_ if other in open_ else nxt).remove(other)
                box = [min(box[0], other[0]), max(box[1], other[1]), min(box[2], other[2]), r + 1]
            nxt.append(box)
        done.extend(open_)
        open_ = nxt
    done.extend(open_)
    return [tuple(b) for b in done if b[1] - b[0] >= min_len]


def _trim(box, clear):
    """A solid run's ends pulled in to where it is a clear line (not a glyph or crossing touching it)."""
    a0, a1, c0, c1 = box
    runs = [r for r in _runs_1d(clear[c0:c1, a0:a1].any(axis=0)) if r[1] - r[0] >= 3]
    return (a0 + runs[0][0], a0 + runs[-1][1], c0, c1) if runs else box


def _pieces(a, dpi: float, L: int):
    """(pieces of rules along axis 1 of ink ``a``: (box, 'dash'|'solid'|'block'), clear thin ink, filled blocks)."""
    thick, lp = _px(dpi, _RULE_THICK, 2), _px(dpi, _RULE_PIECE)
    clear = _clear_thin(a, thick, _px(dpi, _RULE_CLEAR))
    dash = _long_runs(_close_gaps(clear, _px(dpi, _RULE_BRIDGE)), lp, axis=1)
    solid = _long_runs(a, L, axis=1)
    block = _long_runs(solid, thick + 1, axis=0)
    out = []
    for kind, mask in (("dash", dash), ("solid", solid & ~block)):
        for box in _segments(mask, 1, lp):
            box = _trim(box, clear) if kind == "solid" else box
            if box[3] - box[2] <= thick and box[1] - box[0] >= lp:
                out.append((box, kind))
    blocks = [b for b in _segments(block, 1, 2 * L) if _filled(a, block, b, _px(dpi, _RULE_CLEAR), thick)]
    for a0, a1, c0, c1 in blocks:
        out += [((a0, a1, c0, c0 + 1), "block"), ((a0, a1, c1 - 1, c1), "block")]
    return out, clear, blocks


def _filled(a, block, box, gap: int, band: int) -> bool:
    """Is a dark area a filled block (a header row): solid, with paper along its long sides (not halftone)?"""
    a0, a1, c0, c1 = box
    if block[c0:c1, a0:a1].mean() < 0.8:
        return False
    sides = (a[max(0, c0 - band):max(0, c0 - gap), a0:a1], a[c1 + gap:c1 + band, a0:a1])
    return all(side.size == 0 or side.mean() <= 0.5 for side in sides)


def _blank(clear, x0: int, x1: int, y0: int, y1: int) -> tuple[int, float]:
    """(longest stretch without clear ink, share of columns with it) of columns [x0, x1) in rows [y0, y1)."""
    if x1 <= x0:
        return 0, 1.0
    col = clear[max(0, y0):max(0, y1), x0:x1].any(axis=0)
    return max((e - s for s, e in _runs_1d(~col)), default=0), float(col.mean())


def _dotted(clear, ink, x0: int, x1: int, y0: int, y1: int, hole: int, side: int) -> bool:
    """Do columns [x0, x1) of rows [y0, y1) hold a dotted stretch of rule: thin ink along it, no hole longer
    than ``hole``, nothing else (text crossing the line leaves its strokes there; a cell left open, nothing),
    and paper in the ``side`` rows beside it on one side at least (a line of text has its letters on both)?"""
    if x1 <= x0:
        return False
    y0, h = max(0, y0), side
    thin = clear[y0:y1, x0:x1].any(axis=0)
    other = (ink[y0:y1, x0:x1] & ~clear[y0:y1, x0:x1]).any(axis=0).mean()
    longest = max((e - s for s, e in _runs_1d(~thin)), default=0)
    beside = min(ink[max(0, y0 - h):y0, x0:x1].any(axis=0).mean(), ink[y1:y1 + h, x0:x1].any(axis=0).mean())
    return bool(thin.mean() >= _RULE_DOTS and other <= _RULE_STRAY and longest <= hole and beside <= _RULE_HALO)


def _walled(x0: int, x1: int, y: float, walls, tol: int) -> bool:
    """True when perpendicular pieces cross line ``y`` at both ``x0`` and ``x1`` (a cell left open on purpose)."""
    def hit(x):
        return any(b[2] - tol <= x <= b[3] + tol and b[0] - tol <= y <= b[1] + tol for b in walls)
    return hit(x0) and hit(x1)


def _chains(pieces, clear, ink, dpi: float, walls) -> list[list]:
    """Collinear pieces joined across gaps shorter than their dashes or dotted: [box, covered, pieces, last,
    longest gap]."""
    tol, bridge, hole, side = _px(dpi, _RULE_TOL), _px(dpi, _RULE_BRIDGE), _px(dpi, _RULE_REACH), _px(dpi, _RULE_CLEAR)
    chains: list[list] = []
    for box, kind in sorted(pieces, key=lambda p: p[0][0]):
        a0, a1, c0, c1 = box
        best, best_gap = None, 0
        for ch in chains:
            tail, gap = ch[3], a0 - ch[0][1]
            if tail[2] - tol > c1 or c0 > tail[3] + tol:
                continue  # not on the same line
            if gap > bridge:
                reach = max(2 * bridge, 0.75 * min(tail[1] - tail[0], a1 - a0))
                y0, y1 = min(c0, tail[2]) - tol, max(c1, tail[3]) + tol
                if (_walled(ch[0][1], a0, (c0 + c1) / 2, walls, tol)
                        or _blank(clear, ch[0][1], a0, y0, y1)[0] > reach
                        and not _dotted(clear, ink, ch[0][1], a0, y0, y1, hole, side)):
                    continue
            if best is None or gap < best_gap:
                best, best_gap = ch, gap
        if best is None:
            chains.append([list(box), a1 - a0, [(box, kind)], box, 0])
            continue
        b = best[0]
        best[1] += max(0, a1 - max(a0, b[1]))
        best[4] = max(best[4], a0 - b[1])
        if a1 > b[1]:
            best[3] = box
        b[0], b[1], b[2], b[3] = min(b[0], a0), max(b[1], a1), min(b[2], c0), max(b[3], c1)
        best[2].append((box, kind))
    return chains


def _halo(ink, box, pieces, clear_px: int) -> tuple[float, float]:
    """(share of a chain's length with other ink within ``clear_px`` beside it, that share on its cleaner side)."""
    import numpy as np
    a0, a1, c0, c1 = box
    top = max(0, c0 - clear_px)
    near = ink[top:c1 + clear_px, a0:a1].copy()
    for (b0, b1, d0, d1), _ in pieces:  # the chain's own pieces are not beside it
        near[d0 - top:d1 - top, b0 - a0:b1 - a0] = False
    sides = []
    for (b0, b1, d0, d1), _ in pieces:
        up = near[max(0, d0 - top - clear_px):d0 - top, b0 - a0:b1 - a0].any(axis=0)
        down = near[d1 - top:d1 - top + clear_px, b0 - a0:b1 - a0].any(axis=0)
        sides.append(np.vstack([up if up.size else np.zeros(b1 - b0, bool),
                                down if down.size else np.zeros(b1 - b0, bool)]))
    s = np.concatenate(sides, axis=1)
    return float((s[0] | s[1]).mean()), float(s.mean(axis=1).min())


def _rules_along(pieces, ink, bare, clear, dpi: float, L: int, walls) -> list[tuple[int, int, int, int, int]]:
    """Chains that are rules: long, thin, mostly covered, clear beside (solid lines, block sides: on one side).
    ``ink`` is without the perpendicular pieces, ``bare`` without the perpendicular rules only."""
    thick, tol, clear_px = _px(dpi, _RULE_THICK, 2), _px(dpi, _RULE_TOL), _px(dpi, _RULE_CLEAR)
    # a dash crowded by ink along it is a stroke of text (the serifs of a line of capitals), no piece of a rule
    pieces = [p for p in pieces if p[1] != "dash" or _halo(ink, p[0], [p], clear_px)[0] <= 0.5]
    out = []
    for box, covered, pieces, _, gap in _chains(pieces, clear, bare, dpi, walls):
        a0, a1, c0, c1 = box
        if a1 - a0 < L or c1 - c0 > thick + 2 * tol or covered < _RULE_FILL * (a1 - a0):
            continue
        both, one = _halo(ink, box, pieces, clear_px)
        kinds = {k for _, k in pieces}
        if "block" in kinds:
            ok = one <= 0.4
        else:
            ok = (one if "solid" in kinds else both) <= _RULE_HALO
        if ok:
            out.append((*box, gap))
    return out


def _extend(rules, others, clear, ink, dpi: float) -> list[tuple]:
    """Rule ends drawn on to a perpendicular rule (``others``, own frame) they nearly meet or reach by dashes
    or dots."""
    near, reach, blank, tol = (_px(dpi, _RULE_NEAR), _px(dpi, _RULE_REACH), _px(dpi, _RULE_BLANK),
                               _px(dpi, _RULE_TOL))
    far, side = max(reach, _px(dpi, _RULE_DOTTED_REACH)), _px(dpi, _RULE_CLEAR)
    out = []
    for a0, a1, c0, c1, gaps in rules:
        y = (c0 + c1) / 2
        # perpendicular rules at or near this line (their ends too: corners): (centre, half their width)
        cross = [((o[2] + o[3]) // 2, (o[3] - o[2]) // 2) for o in others if o[0] - near <= y <= o[1] + near]

        def leads(x0, x1, half):
            if _dotted(clear, ink, x0, x1, c0 - tol, c1 + tol, reach, side):
                return True
            if x1 - x0 > reach:  # from this far only dots lead
                return False
            if x1 - x0 - half <= max(near, gaps + tol):
                return True
            gap, share = _blank(clear, x0, x1, c0 - tol, c1 + tol)
            return share >= 0.3 and gap <= blank or share >= 0.1 and gap <= blank // 2

        if not any(abs(x - a0) <= tol + h for x, h in cross):
            a0 = max([x for x, h in cross if a0 - far <= x < a0 and leads(x, a0, h)], default=a0)
        if not any(abs(x - a1) <= tol + h for x, h in cross):
            a1 = min([x + 1 for x, h in cross if a1 < x <= a1 + far and leads(a1, x, h)], default=a1)
        out.append((a0, a1, c0, c1, gaps))
    return out


class _Found(NamedTuple):
    """What _rule_boxes found on a page, per direction (horizontal, vertical) in pooled pixels."""

    rules: tuple  # boxes (along0, along1, across0, across1, longest gap bridged)
    pieces: tuple  # (box, kind) the rules were chained from
    clear: tuple  # masks of the clear thin ink, each in its direction's frame
    blocks: tuple  # filled areas (along0, along1, across0, across1)
    f: int  # pooling factor: image pixels per pooled pixel


def _rule_boxes(gray, dpi: float, min_len_in: float) -> Optional[_Found]:
    """Rules (and filled blocks) of a page image; None for a blank page."""
    import numpy as np
    work = _work_ink(gray, dpi)
    if work is None:
        return None
    ink, f = work
    wd = dpi / f
    L = max(10, int(round(min_len_in * wd)))
    frames = (ink, np.ascontiguousarray(ink.T))
    (hp, hclear, hblocks), (vp, vclear, vblocks) = (_pieces(a, wd, L) for a in frames)
    # each direction's pieces as a mask in the other's frame: crossings are not beside a rule; where a rule is
    # looked for as dots, only the long ones are taken out (a letter's stroke can be a short piece of one)
    walls, long_walls = [], []
    for pieces, shape in ((vp, frames[0].shape), (hp, frames[1].shape)):
        m, lm = np.zeros(shape, dtype=bool), np.zeros(shape, dtype=bool)
        for (a0, a1, c0, c1), _ in pieces:
            m[a0:a1, c0:c1] = True
            lm[a0:a1, c0:c1] |= a1 - a0 >= L
        walls.append(m)
        long_walls.append(lm)
    hbare, vbare = ink & ~long_walls[0], frames[1] & ~long_walls[1]
    hb = _rules_along(hp, ink & ~walls[0], hbare, hclear, wd, L, [b for b, _ in vp])
    vb = _rules_along(vp, frames[1] & ~walls[1], vbare, vclear, wd, L, [b for b, _ in hp])
    hb = _extend(hb, vb, hclear, hbare, wd)
    vb = _extend(vb, hb, vclear, vbare, wd)
    hb = _extend(hb, vb, hclear, hbare, wd)  # again: corners where both rules stop short
    near = _px(wd, _RULE_NEAR)
    hb, vb = _through_blocks(hb, vblocks, near), _through_blocks(vb, hblocks, near)
    return _Found((hb, vb), (hp, vp), (hclear, vclear), (hblocks, vblocks), f)


def _through_blocks(rules, blocks, near: int) -> list[tuple]:
    """Rules ending at a filled block (``blocks``: other frame) go on through it: its column rules hide in the fill."""
    out = []
    for a0, a1, c0, c1, gaps in rules:
        x = (c0 + c1) / 2
        for b0, b1, d0, d1 in blocks:
            if b0 < x < b1:
                a0 = d0 if abs(a0 - d1) <= near else a0
                a1 = d1 if abs(a1 - d0) <= near else a1
        out.append((a0, a1, c0, c1, gaps))
    return out


def _mask_edges(boxes, k: float) -> list[dict]:
    """Rule boxes (horizontal, vertical; pooled pixels) → pdfplumber-like edges in points (``k`` points a pixel)."""
    out = []
    for kind, rules in zip("hv", boxes):
        for a0, a1, c0, c1, _ in sorted(rules, key=lambda b: (b[2], b[0])):
            x0, x1, top, bottom = (a0, a1, c0, c1) if kind == "h" else (c0, c1, a0, a1)
            out.append({"orientation": kind, "x0": round(x0 * k, 2), "top": round(top * k, 2),
                        "x1": round(x1 * k, 2), "bottom": round(bottom * k, 2)})
    return out


def _rule_masks(size: tuple[int, int], found):
    """Mask (of an image of ``size``) where a page's rules are drawn: their pieces and the dots between them."""
    import numpy as np
    (hb, vb), (hp, vp), (hclear, vclear), f = found.rules, found.pieces, found.clear, found.f
    marks = []
    for rules, pieces, clear in ((hb, hp, hclear), (vb, vp, vclear)):
        m = np.zeros(clear.shape, dtype=bool)
        for a0, a1, c0, c1, _ in rules:
            m[c0:c1, a0:a1] |= clear[c0:c1, a0:a1]
            for (b0, b1, d0, d1), kind in pieces:
                if kind != "block" and c0 <= d0 and d1 <= c1 and a0 <= b0 and b1 <= a1:
                    m[d0:d1, b0:b1] = True
        marks.append(m)
    return _unpool(marks[0] | marks[1].T, f, (size[1], size[0]))


def rule_segments(image, settings: OcrSettings | None = None) -> list[dict]:
    """Ruled lines of a page image as pdfplumber-like edges in points (``orientation`` 'h'/'v', ``x0``,
    ``top``, ``x1``, ``bottom``) for ruled-table detection; those :func:`prepare` erased come from its info."""
    if "ocr_rules" in image.info:
        return list(image.info["ocr_rules"])
    s = settings or OcrSettings()
    dpi = _dpi(image, s.default_dpi)
    found = _rule_boxes(_gray(image), dpi, s.min_rule_len)
    return [] if found is None else _mask_edges(found.rules, 72.0 * found.f / dpi)


def remove_rules(gray, dpi: float, min_len_in: float = 0.5):
    """Erase ruled lines (solid, dashed or dotted) from a grayscale image."""
    return _erase_rules(gray, dpi, min_len_in)[0]


def _erase_rules(gray, dpi: float, min_len_in: float):
    """(image with the rules erased and filled blocks turned to dark on white, the rules as edges in points)."""
    import numpy as np
    from PIL import Image
    found = _rule_boxes(gray, dpi, min_len_in)
    if found is None or not (found.rules[0] or found.rules[1] or found.blocks[0] or found.blocks[1]):
        return gray, []
    edges = _mask_edges(found.rules, 72.0 * found.f / dpi)
    a = np.asarray(gray, dtype=np.uint8)
    mask = _rule_masks(gray.size, found) & (a <= _otsu(a))
    # widen the mask by a pixel so anti-aliased edges of the rule go too
    grown = mask.copy()
    grown[1:, :] |= mask[:-1, :]
    grown[:-1, :] |= mask[1:, :]
    grown[:, 1:] |= mask[:, :-1]
    grown[:, :-1] |= mask[:, 1:]
    out = a.copy()
    out[grown] = 255
    _invert_blocks(out, found)
    return Image.fromarray(out, "L"), edges


def _invert_blocks(a, found) -> None:
    """Turn the filled blocks of a page image (white text on a dark header row) to dark on white, in place."""
    import numpy as np
    f = found.f
    inside = np.zeros(a.shape, dtype=bool)
    for (a0, a1, c0, c1) in found.blocks[0]:
        inside[c0 * f:c1 * f, a0 * f:a1 * f] = True
    for (a0, a1, c0, c1) in found.blocks[1]:
        inside[a0 * f:a1 * f, c0 * f:c1 * f] = True
    a[inside] = 255 - a[inside]


def _osd(gray, s: OcrSettings) -> tuple[int, float]:
    """Tesseract OSD: (clockwise degrees the page is turned, confidence); (0, 0) when it has no answer."""
    from PIL import Image
    api = _tess_api(s, osd=True)
    f = min(1.0, 2400 / max(gray.width, gray.height))  # OSD wants ~200-300 dpi text; more only costs time
    img = gray if f >= 1.0 else gray.resize((round(gray.width * f), round(gray.height * f)), Image.BILINEAR)
    api.SetImage(img)
    try:
        r = api.DetectOrientationScript()
    except Exception:
        r = None
    api.Clear()
    if not r:
        return 0, 0.0
    return int(r.get("orient_deg", 0)) % 360, float(r.get("orient_conf", 0.0))


_WORDY = re.compile(r"[A-Za-z0-9]{3,}")


def _good_words(api) -> int:
    """Words of the last recognition read with confidence >= 70 and at least 3 letters or digits."""
    import tesserocr
    ri = api.GetIterator()
    W = tesserocr.RIL.WORD
    good = 0
    if ri is None or ri.Empty(W):
        return 0
    while True:
        try:
            word = ri.GetUTF8Text(W)
        except RuntimeError:  # an empty word
            word = None
        if word and ri.Confidence(W) >= 70 and _WORDY.search(word):
            good += 1
        if not ri.Next(W):
            return good


def _vote_orientation(gray, s: OcrSettings) -> tuple[int, float]:
    """Read a central square of the page in all four turns; (clockwise turn whose reading is best, margin)."""
    import tesserocr
    from PIL import Image
    w, h = gray.size
    side = int(0.4 * min(w, h))
    box = ((w - side) // 2, (h - side) // 2, (w + side) // 2, (h + side) // 2)
    crop = gray.crop(box)
    dpi = _dpi(gray, s.default_dpi)
    if dpi > 170:  # reading at ~150 dpi is enough to tell which way up the text is
        f = 150 / dpi
        crop = crop.resize((max(1, round(crop.width * f)), max(1, round(crop.height * f))), Image.BILINEAR)
        dpi = 150
    api = _tess_api(s)
    api.SetPageSegMode(tesserocr.PSM.SINGLE_BLOCK)
    scores = {}
    try:
        for turn in (0, 90, 180, 270):
            api.SetImage(crop.rotate(turn, expand=True))  # undo a clockwise turn of `turn` degrees
            api.SetSourceResolution(int(dpi))
            api.Recognize()
            scores[turn] = _good_words(api)
    finally:
        api.SetPageSegMode(s.psm)
        api.Clear()
    best = max(scores, key=lambda k: scores[k])
    rest = max(v for k, v in scores.items() if k != best)
    return best, float(scores[best] - rest)


def detect_orientation(image, settings: OcrSettings | None = None) -> tuple[int, float]:
    """(clockwise degrees the page is turned: 0/90/180/270, confidence) by Tesseract OSD, or when OSD is
    unsure, by reading a central square in all four turns (confidence = the winner's lead in good words)."""
    s = settings or OcrSettings()
    gray = _gray(image)
    deg, conf = _osd(gray, s)
    if conf >= s.osd_sure:
        return deg, conf
    turn, lead = _vote_orientation(gray, s)
    if lead >= s.min_vote_lead:
        return turn, lead
    return 0, 0.0


def _spread(a, k: int, op, fill: int):
    """``op`` (np.maximum / np.minimum) of ``a`` over a k x k window (a grey dilation or erosion), ``fill`` outside."""
    for axis in (0, 1):
        b = a if axis == 0 else a.T
        out = b.copy()
        for d in range(1, k // 2 + 1):
            out = op(op(out, _shift(b, d, fill)), _shift(b, -d, fill))
        a = out if axis == 0 else out.T
    return a


def _background(a, dpi: float, span_in: float):
    """(the paper or fill tone under a grey image's pixels, pooling factor): a closing that removes dark strokes
    narrower than ``span_in`` inches (text, rules), on the image averaged down to about 100 dpi and over 3 x 3
    of those pixels (the closing's maximum would otherwise pick the scan's noise: paper taken for lighter)."""
    import numpy as np
    f = max(1, int(dpi / 100.0 + 0.5))
    small = _blocks(a, f, "edge").mean(axis=(1, 3))
    near = np.pad(small, 1, mode="edge")
    small = (sum(near[i:i + small.shape[0], j:j + small.shape[1]] for i in range(3) for j in range(3)) / 9)
    small = small.round().astype(np.uint8)
    k = 2 * _px(dpi / f, span_in / 2) + 1
    return _spread(_spread(small, k, np.maximum, 0), k, np.minimum, 255), f


def _steps(small, floor: int, edge: float):
    """Pixels either side of a step between two light tones (a fill's edge; a scan blurs it over a pixel or
    two): the darker at most ``edge`` times the lighter, both at least ``floor``."""
    import numpy as np
    hi, lo = _spread(small, 5, np.maximum, 0).astype(np.int16), _spread(small, 5, np.minimum, 255).astype(np.int16)
    mid = (hi + lo) // 2
    return ((lo >= floor) & (lo < edge * hi) & (_spread(small, 3, np.maximum, 0) >= mid)
            & (_spread(small, 3, np.minimum, 255) < mid))


def _along(m, run: int, axis: int, across: int):
    """Where mask ``m`` runs at least ``run`` long along ``axis``, grown ``across`` pixels across it (a step of a
    pixel across allowed: a scan's lines are a little tilted)."""
    t = m if axis == 1 else m.T
    wide = t | _shift(t, 1) | _shift(t, -1)
    lines = _long_runs(wide if axis == 1 else wide.T, run, axis)
    t = lines if axis == 1 else lines.T
    grown = t.copy()
    for d in range(1, across + 1):
        grown |= _shift(t, d) | _shift(t, -d)
    return grown if axis == 1 else grown.T


def _pool_any(m, f: int):
    """A mask shrunk by ``f`` (padded), a cell set when any of its pixels is."""
    return _blocks(m, f, "constant").any(axis=(1, 3))


def flatten(gray, dpi: float, span_in: float = 0.12, floor: int = 100, edge: float = 0.85):
    """A grey page image with light fills (grey header rows, tinted boxes) and, on such a page, its paper tone
    divided out, so dark text and rules on them stand on white; a fill's straight edge without a rule of its own is
    drawn as one (a shaded header row's edge is its cell's). Fills darker than ``floor`` (white text on a
    black band) are kept for :func:`_invert_blocks`."""
    import numpy as np
    from PIL import Image
    a = np.asarray(gray, dtype=np.uint8)
    small, f = _background(a, dpi, span_in)
    if not ((small >= floor) & (small < edge * np.percentile(small, 90))).any():
        return gray  # no fills: a plain paper tone is Tesseract's to threshold (measured: dividing it out cost values)
    bg = _unpool(small, f, a.shape).astype(np.float32)
    light = bg >= floor
    out = a.astype(np.float32)
    out[light] = np.minimum(255.0, out[light] * 255.0 / bg[light])
    out = np.rint(out).astype(np.uint8)
    steps, ink = _steps(small, floor, edge), _pool_any(out <= _otsu(out), f)
    # a dip under crowded bold text is no straight line; a rule drawn along the edge needs no second one
    run, near = _px(dpi / f, 2 * span_in), _px(dpi / f, 0.03)
    border = np.zeros(small.shape, dtype=bool)
    for axis in (0, 1):
        border |= steps & _along(steps, run, axis, 0) & ~_along(ink, run, axis, near)
    out[_unpool(border, f, a.shape)] = 0
    return Image.fromarray(out, "L")


def _is_bitonal(gray) -> bool:
    """True for a black-and-white image (a 1-bit scan rendered to gray): almost no mid-grey pixels."""
    import numpy as np
    small = gray if gray.width * gray.height <= 1_000_000 else gray.reduce(max(1, int(gray.width / 800)))
    h = np.bincount(np.asarray(small, dtype=np.uint8).ravel(), minlength=256)
    return h[16:240].sum() <= 0.005 * h.sum()


def prepare(image, settings: OcrSettings | None = None):
    """Grayscale, upsample a low-resolution scan, turn upright, deskew (and, if set, denoise and erase rules).

    The result's ``info`` holds ``dpi``, ``ocr_rotation`` (clockwise degrees the page was turned),
    ``ocr_skew`` (degrees removed) and, when rules were erased, ``ocr_rules``; its pixels map to page
    points by 72/dpi."""
    from PIL import Image, ImageFilter
    s = settings or OcrSettings()
    dpi = _dpi(image, s.default_dpi)
    gray = _gray(image)
    bitonal = s.bitonal_cleanup and (image.mode == "1" or bool(image.info.get("ocr_bitonal")) or _is_bitonal(gray))
    if s.flatten and not bitonal:
        gray = flatten(gray, dpi, s.flatten_span, s.flatten_floor)
    if dpi < s.min_dpi:
        f = s.target_dpi / dpi
        gray = gray.resize((round(gray.width * f), round(gray.height * f)), Image.BICUBIC)
        dpi = dpi * f
    rotation = 0
    if s.orientation:  # Tesseract's OSD and reading, whichever engine reads the page afterwards
        deg, conf = detect_orientation(gray, s)
        if deg:
            gray = gray.rotate(deg, expand=True)  # OSD's clockwise turn undone by a counter-clockwise one
            rotation = deg
    skew = 0.0
    if s.deskew:
        skew = estimate_skew(gray, s.max_skew)
        if abs(skew) >= s.min_skew:
            gray = _rotate(gray, -skew)
        else:
            skew = 0.0
    if s.denoise or bitonal:
        gray = gray.filter(ImageFilter.MedianFilter(3))
    rules = None
    if s.remove_rules or bitonal:
        gray, rules = _erase_rules(gray, dpi, s.min_rule_len)
    if gray is image:  # nothing changed the pixels: do not touch the caller's image
        gray = gray.copy()
    gray.info["dpi"] = (dpi, dpi)
    gray.info["ocr_rotation"] = rotation
    gray.info["ocr_skew"] = skew
    if rules is not None:
        gray.info["ocr_rules"] = rules  # what was erased, for rule_segments
    return gray


# --------------------------------------------------------------------------------------------
# engines (one per thread: a reader and its helper threads each have their own, one engine thread each)

_LOCAL = threading.local()


def _tessdata(s: OcrSettings, langs: list[str]) -> str:
    """The folder holding every needed traineddata file, or raise :class:`OcrEngineMissing`."""
    cands = [s.tessdata] if s.tessdata else []
    env = os.environ.get("TESSDATA_PREFIX")
    if env:
        cands += [env, os.path.join(env, "tessdata")]
    cands += list(TESSDATA_DIRS)
    for d in cands:
        if d and all(Path(d, f"{l}.traineddata").is_file() for l in langs):
            return d
    raise OcrEngineMissing(f"{MISSING} (no {'/'.join(l + '.traineddata' for l in langs)} found)")


def _tess_api(s: OcrSettings, osd: bool = False):
    """This thread's Tesseract instance for the settings (created once, reused)."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # one engine thread per reading thread: cores come from tokens
    try:
        import tesserocr
    except ImportError as e:
        raise OcrEngineMissing(f"{MISSING} (python package tesserocr: {e})") from None
    lang = "osd" if osd else s.lang
    path = _tessdata(s, lang.split("+"))
    key = ("tess", lang, path, 0 if osd else s.psm)
    apis = getattr(_LOCAL, "apis", None)
    if apis is None:
        apis = _LOCAL.apis = {}
    api = apis.get(key)
    if api is None:
        psm = tesserocr.PSM.OSD_ONLY if osd else s.psm
        try:
            api = tesserocr.PyTessBaseAPI(path=path.rstrip("/") + "/", lang=lang, psm=psm)
        except RuntimeError as e:
            raise OcrEngineMissing(f"{MISSING} ({e})") from None
        apis[key] = api
    return api


def _rapid_engine():
    """This thread's RapidOCR instance (models ship inside the wheel)."""
    eng = getattr(_LOCAL, "rapid", None)
    if eng is None:
        try:
            from rapidocr_onnxruntime import RapidOCR
        except ImportError as e:
            raise OcrEngineMissing(f"{MISSING} (python package rapidocr-onnxruntime: {e})") from None
        eng = _LOCAL.rapid = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)
    return eng


def engine_available(settings: OcrSettings | None = None) -> bool:
    """True when the configured engine and its language data can be loaded."""
    try:
        if (settings or OcrSettings()).engine == "rapidocr":
            _rapid_engine()
        else:
            _tess_api(settings or OcrSettings())
        return True
    except OcrEngineMissing:
        return False


def _line_box(ri, level) -> Optional[tuple[tuple[float, float, float, float], float, float]]:
    """((x0, y0, x1, y1) baseline endpoints, ascent above the baseline, descent below it) of a text line."""
    try:
        (bx0, by0), (bx1, by1) = ri.Baseline(level)
        attrs = ri.RowAttributes()
        rh, desc = float(attrs["row_height"]), float(attrs["descenders"])
    except Exception:
        return None
    if not rh > 0 or desc > 0 or -desc >= rh:
        return None
    return (float(bx0), float(by0), float(bx1), float(by1)), rh + desc, -desc


def _white_frame(gray, width: int = 2):
    """The image with a white frame painted over its border: ink touching the border (a scanner's black bar)
    makes Leptonica print 'box outside rectangle' errors during layout analysis. Coordinates are unchanged."""
    from PIL import ImageDraw
    if gray.width <= 2 * width or gray.height <= 2 * width:
        return gray
    framed = gray.copy()
    ImageDraw.Draw(framed).rectangle((0, 0, gray.width - 1, gray.height - 1), outline=255, width=width)
    return framed


def _tess_words(gray, s: OcrSettings) -> list[tuple[str, float, float, float, float, float]]:
    """(text, x0, top, x1, bottom, conf) in pixels; top/bottom span the line's font box (ascender to descender)."""
    api = _tess_api(s)  # raises OcrEngineMissing when tesserocr or the language data is absent
    import tesserocr
    dpi = _dpi(gray, s.default_dpi)
    api.SetImage(_white_frame(gray))
    api.SetSourceResolution(int(round(dpi)))
    api.Recognize()
    out = []
    ri = api.GetIterator()
    W, L = tesserocr.RIL.WORD, tesserocr.RIL.TEXTLINE
    line = None
    first = True
    if ri is not None and not ri.Empty(W):
        while True:
            if first or ri.IsAtBeginningOf(L):
                line = _line_box(ri, L)
                first = False
            try:
                text = ri.GetUTF8Text(W)
            except RuntimeError:  # an empty word
                text = None
            box = ri.BoundingBox(W)
            if text and text.strip() and box:
                x0, y0, x1, y1 = box
                top, bottom = y0, y1
                if line is not None:
                    (bx0, by0, bx1, by1), asc, desc = line
                    cx = (x0 + x1) / 2
                    base = by0 + (by1 - by0) * ((cx - bx0) / (bx1 - bx0)) if bx1 != bx0 else by0
                    ft, fb = base - asc, base + desc
                    # like a PDF font box: the same extent for every word of the line, unless it lies off the box
                    if ft <= (y0 + y1) / 2 <= fb:
                        top, bottom = min(ft, y0), max(fb, y1) if y1 - fb > 0.5 * desc else fb
                out.append((text.strip(), x0, top, x1, bottom, float(ri.Confidence(W))))
            if not ri.Next(W):
                break
    api.Clear()
    return out


def _rapid_words(gray, s: OcrSettings) -> list[tuple[str, float, float, float, float, float]]:
    """(text, x0, top, x1, bottom, conf) in pixels: RapidOCR lines split at spaces, x by character share."""
    import numpy as np
    eng = _rapid_engine()
    res, _ = eng(np.asarray(gray.convert("RGB")))
    out = []
    for box, text, conf in res or []:
        xs = [p[0] for p in box]
        ys = [p[1] for p in box]
        x0, x1, top, bottom = min(xs), max(xs), min(ys), max(ys)
        n = len(text) or 1
        for m in re.finditer(r"\S+", text):
            a, b = m.start(), m.end()
            out.append((m.group(), x0 + (x1 - x0) * a / n, top, x0 + (x1 - x0) * b / n, bottom, float(conf) * 100))
    return out


_BARS = "|¦"


def _strip_bars(text: str, x0: float, x1: float) -> tuple[str, float, float]:
    """A table rule read as '|' at a word's edge is not part of it: strip it and shrink the box to match."""
    core = text.strip(_BARS)
    if core == text or not core:
        return core, x0, x1
    n = len(text)
    lead = len(text) - len(text.lstrip(_BARS))
    trail = len(text) - len(text.rstrip(_BARS))
    w = (x1 - x0) / n
    return core, x0 + lead * w, x1 - trail * w


def ocr_words(image, settings: OcrSettings | None = None) -> list[OcrWord]:
    """Words of a prepared image with boxes in points (pixels × 72/dpi, dpi from ``image.info``)."""
    s = settings or OcrSettings()
    gray = _gray(image)
    if gray is not image:
        gray.info.update(image.info)
    k = 72.0 / _dpi(image, s.default_dpi)
    raw = _rapid_words(gray, s) if s.engine == "rapidocr" else _tess_words(gray, s)
    words = []
    for text, x0, top, x1, bottom, conf in raw:
        if conf < s.min_confidence:
            continue
        text, x0, x1 = _strip_bars(text, x0, x1)
        if not text:
            continue
        conf = max(0.0, min(100.0, conf))
        words.append(OcrWord(text, round(x0 * k, 2), round(top * k, 2), round(x1 * k, 2), round(bottom * k, 2),
                             round(conf, 1)))
    return words


def _crop_px(image, box: tuple[float, float, float, float], inset_pt: float):
    """The pixels of a box in points (x0, top, x1, bottom), shrunk by ``inset_pt`` on each side; None if empty."""
    k = _dpi(image, 300.0) / 72.0
    x0, t, x1, b = (int(round((box[0] + inset_pt) * k)), int(round((box[1] + inset_pt) * k)),
                    int(round((box[2] - inset_pt) * k)), int(round((box[3] - inset_pt) * k)))
    x0, t = max(x0, 0), max(t, 0)
    x1, b = min(x1, image.width), min(b, image.height)
    if x1 - x0 < 4 or b - t < 4:
        return None
    return image.crop((x0, t, x1, b)), x0, t


def ink_share(image, box: tuple[float, float, float, float], inset_pt: float = 1.5) -> float:
    """Share of dark pixels inside a box of a prepared page image (rules at its edges left out)."""
    import numpy as np
    c = _crop_px(_gray(image), box, inset_pt)
    if c is None:
        return 0.0
    a = np.asarray(c[0])
    return float((a < 128).mean()) if a.size else 0.0


def ocr_region(image, box: tuple[float, float, float, float], settings: OcrSettings | None = None,
               psm: int = 6, inset_pt: float = 1.5) -> list[OcrWord]:
    """Read one region (a table cell) of a prepared page image on its own, as a block of text (PSM 6):
    a cell read apart from its rules and neighbours is read better. Words in points of the page."""
    from PIL import ImageOps
    s = replace(settings or OcrSettings(), psm=psm)
    gray = _gray(image)
    c = _crop_px(gray, box, inset_pt)
    if c is None:
        return []
    crop, ox, oy = c
    pad = 12  # Tesseract wants a margin around the text
    crop = ImageOps.expand(crop, border=pad, fill=255)
    dpi = _dpi(image, s.default_dpi)
    crop.info["dpi"] = (dpi, dpi)
    k = 72.0 / dpi
    words = []
    for text, x0, top, x1, bottom, conf in (_rapid_words(crop, s) if s.engine == "rapidocr" else _tess_words(crop, s)):
        text, x0, x1 = _strip_bars(text, x0, x1)
        if not text or conf < s.min_confidence:
            continue
        words.append(OcrWord(text, round((x0 - pad + ox) * k, 2), round((top - pad + oy) * k, 2),
                             round((x1 - pad + ox) * k, 2), round((bottom - pad + oy) * k, 2),
                             round(max(0.0, min(100.0, conf)), 1)))
    return words


# --------------------------------------------------------------------------------------------
# pages of a PDF


def _pdfium_doc(pdf_page):
    """A pypdfium2 document for a pdfplumber page's file (cached per thread and file)."""
    import pypdfium2 as pdfium
    pdf = pdf_page.pdf
    src = getattr(pdf, "path", None) or getattr(getattr(pdf, "stream", None), "name", None)
    cache = getattr(_LOCAL, "docs", None)
    if cache is None:
        cache = _LOCAL.docs = {}
    key = (str(src), id(pdf)) if src else ("stream", id(pdf))
    doc = cache.get(key)
    if doc is None:
        if src and Path(str(src)).is_file():
            doc = pdfium.PdfDocument(str(src))
        else:
            stream = pdf.stream
            pos = stream.tell()
            stream.seek(0)
            data = stream.read()
            stream.seek(pos)
            doc = pdfium.PdfDocument(data)
        if len(cache) > 4:
            release_documents()
        cache[key] = doc
    return doc


def release_documents() -> None:
    """Close the pypdfium2 documents this thread opened for rendering (a reader calls it when done)."""
    cache = getattr(_LOCAL, "docs", None) or {}
    for doc in cache.values():
        try:
            doc.close()
        except Exception:
            pass
    cache.clear()


def _scan_image(page) -> tuple[Optional[float], bool]:
    """(resolution, is 1-bit) of the largest image on a pypdfium2 page; (None, False) without one."""
    import pypdfium2.raw as raw
    best, best_area, bitonal = None, 0.0, False
    try:
        for obj in page.get_objects(filter=(raw.FPDF_PAGEOBJ_IMAGE,), max_depth=2):
            l, b, r, t = obj.get_bounds() if hasattr(obj, "get_bounds") else obj.get_pos()
            w_pt, h_pt = abs(r - l), abs(t - b)
            pw, ph = obj.get_px_size()
            if w_pt < 36 or h_pt < 36 or not pw or not ph:
                continue
            area = w_pt * h_pt
            if area > best_area:
                best_area = area
                # px per inch along the longer side (rotated placements swap px axes)
                best = max(pw, ph) / (max(w_pt, h_pt) / 72.0)
                try:
                    bitonal = obj.get_metadata().bits_per_pixel == 1
                except Exception:
                    bitonal = False
    except Exception:
        return None, False
    return best, bitonal


def render_page(pdf_page, settings: OcrSettings | None = None):
    """Grayscale PIL image of a pdfplumber page at its scan's resolution (``info``: 'dpi', 'ocr_bitonal')."""
    s = settings or OcrSettings()
    doc = _pdfium_doc(pdf_page)
    page = doc[pdf_page.page_number - 1]
    dpi, bitonal = _scan_image(page)
    dpi = max(72.0, min(dpi or s.default_dpi, s.max_render_dpi))
    img = page.render(scale=dpi / 72.0, grayscale=True, may_draw_forms=True).to_pil()
    img = _gray(img)
    img.info["dpi"] = (dpi, dpi)
    img.info["ocr_bitonal"] = bitonal
    return img


def render_for_ocr(pdf_page, settings: OcrSettings | None = None):
    """The page image :func:`ocr_image` reads, rendered on the calling thread (pdfium and pdfplumber objects
    are not thread-safe); raises :class:`OcrEngineMissing` first when the engine cannot be loaded."""
    s = settings or OcrSettings()
    if s.engine == "tesseract":
        _tess_api(s)  # fail fast with the install hint
    return render_page(pdf_page, s)


def ocr_page(pdf_page, settings: OcrSettings | None = None) -> OcrPage:
    """Render, prepare and read one pdfplumber page; words in points of the upright page."""
    return ocr_image(render_for_ocr(pdf_page, settings), settings)


def ocr_image(image, settings: OcrSettings | None = None) -> OcrPage:
    """Prepare and read a rendered page image (:func:`render_for_ocr`); any thread may do it, each with its
    own engine."""
    s = settings or OcrSettings()
    img = prepare(image, s)
    words = ocr_words(img, s)
    dpi = _dpi(img, s.default_dpi)
    return OcrPage(words, width=round(img.width * 72.0 / dpi, 2), height=round(img.height * 72.0 / dpi, 2),
                   rotation=int(img.info.get("ocr_rotation", 0)), skew=float(img.info.get("ocr_skew", 0.0)),
                   dpi=dpi, image=img if s.keep_image else None)
