"""Every bound a document is read under, in one validated settings object, and its deadline.

:class:`Limits` holds them all (time, memory, pages, decompressed sizes, text lines); each has a
command-line flag (``lkjip ingest --help``). The defaults pass every real report in the shared
corpus and stop hostile files well inside a 2-core, 24 GiB machine; the reason for each number is
written beside it. Measured on the real reports (``../shared/realworld`` and ``corpus/pdf``): at
most 0.5 s per page and 15.5 s for the longest (110 pages), worker peak RSS 165 MB and address
space 1.5 GB, PDF streams at most 3.4 MB expanded (10 MB per document, images aside), DOCX parts at
most 1 MB and 32x compressed, text lines at most 939 characters and 16 cells.

While a document is read, :func:`document` makes its limits current (readers call :func:`current`)
and arms its time limit: ``timeout_base_s``, raised by ``timeout_per_page_s`` for each page once a
reader knows the page count (:func:`pages_known`), never above ``doc_timeout_s``.
"""
from __future__ import annotations

import contextvars
import math
import os
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from typing import Iterator, Optional

__all__ = ["Limits", "DocumentTimeout", "current", "document", "pages_known", "ocr_page_started", "start_watchdog",
           "OCR_MODES"]

OCR_MODES = ("auto", "always", "never")


def _f(default, flag: str, help: str):
    kind = "int" if isinstance(default, int) else "float"
    return field(default=default, metadata={"flag": flag, "help": help.replace("%(d)s", f"{default:g}"),
                                            "kind": kind})


@dataclass(frozen=True)
class Limits:
    """Per-document and per-worker bounds; ``ValueError`` naming the flag when one is invalid."""

    # time: real reports need <= 0.5 s per page and 15.5 s for the longest (110 pages); 60 s + 2 s per
    # page leaves 15x that, and 300 s (the old --timeout) ends a slow hostile file after 5 min of a core
    doc_timeout_s: float = _f(300.0, "--timeout", "most wall time for one document, in s (default %(d)s)")
    timeout_base_s: float = _f(60.0, "--timeout-base", "wall time every document gets, in s (default %(d)s)")
    timeout_per_page_s: float = _f(2.0, "--timeout-per-page", "wall time added per PDF page, in s (default %(d)s)")
    # OCR: a scanned page takes 1.5 s (200 dpi) to 5 s (100 dpi 1-bit, turned) on one core, 12 s when its
    # orientation has to be voted on; 30 s per OCR'd page is 6x the usual slowest, on top of the limit
    # above, up to 3600 s (the 142-page real scan took 921 s on a busy 2-core machine)
    timeout_per_ocr_page_s: float = _f(30.0, "--timeout-per-ocr-page", "wall time added per page read by OCR, "
                                                                      "in s (default %(d)s)")
    ocr_timeout_s: float = _f(3600.0, "--timeout-ocr", "most wall time added for OCR to one document, in s "
                                                       "(default %(d)s)")
    # memory: real reports peak at 1.5 GB of address space (165 MB resident) in a worker: 2048 MB passes
    # them, and 2 workers plus the main process stay under 4 GiB together
    worker_memory_mb: int = _f(2048, "--memory-mb", "address-space cap of each worker process, in MB "
                                                    "(default %(d)s)")
    tasks_per_worker: int = _f(200, "--tasks-per-worker", "documents a worker reads before it is replaced "
                                                          "(default %(d)s)")
    # pages: the longest real report has 142; past 1000 pages the rest is skipped (status partial)
    max_pages: int = _f(1000, "--max-pages", "pages read per PDF, the rest skipped (default %(d)s)")
    # file size: real files are <= 7.5 MB (scans); 300 MB is a 1000-page colour scan
    max_file_mb: float = _f(300.0, "--max-file-mb", "larger PDF/DOCX files are refused, in MB (default %(d)s)")
    # a whole report as plain text is a few MB (the seeds: <= 0.2 MB)
    max_text_mb: float = _f(50.0, "--max-text-mb", "larger .txt/.md files are refused, in MB (default %(d)s)")
    # decompression, one stream or part: real ones expand to <= 3.4 MB (an image); 256 MB is a 600 dpi
    # A3 colour page, and a bomb is stopped before it costs more
    max_stream_mb: float = _f(256.0, "--max-stream-mb", "most one PDF stream or DOCX part may expand to, "
                                                        "in MB (default %(d)s)")
    # decompression, a whole document (PDF: the streams the reader decodes, not images; DOCX: all
    # parts): real reports expand to <= 10 MB (one stream <= 3.4 MB); 256 MB is 25x that and keeps a
    # worker's parse well inside its memory cap
    max_total_mb: float = _f(256.0, "--max-total-mb", "most one document's streams or parts may expand to "
                                                      "together, in MB (default %(d)s)")
    # Office XML compresses at most ~35x (real parts: 32x); a part over 1 MB compressed 200x is a bomb
    max_zip_ratio: float = _f(200.0, "--max-zip-ratio", "most a DOCX XML part over 1 MB may be compressed, "
                                                        "expanded/stored (default %(d)s)")
    max_zip_entries: int = _f(10_000, "--max-zip-entries", "most files a DOCX may hold (default %(d)s)")
    # text: real lines have <= 939 characters and rows <= 16 cells
    max_line_chars: int = _f(20_000, "--max-line-chars", "longer text lines are cut (default %(d)s)")
    max_cells_per_row: int = _f(200, "--max-cells-per-row", "cells kept per text or DOCX table row (default %(d)s)")
    # not a bound but travels with them to the workers: which PDF pages are read by OCR
    ocr: str = field(default="auto", metadata={"flag": "--ocr", "kind": "choice", "choices": OCR_MODES,
                                                "help": "OCR the pages without a usable text layer (auto, the "
                                                        "default), every page (always) or none (never)"})

    def __post_init__(self):
        for f in fields(self):
            v = getattr(self, f.name)
            flag = f.metadata["flag"]
            if f.metadata["kind"] == "choice":
                if v not in f.metadata["choices"]:
                    raise ValueError(f"{flag} must be one of {', '.join(f.metadata['choices'])}, got {v!r}")
            elif f.metadata["kind"] == "int":
                if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                    raise ValueError(f"{flag} must be a positive whole number, got {v!r}")
            elif not isinstance(v, (int, float)) or isinstance(v, bool) or not v > 0 or math.isinf(v):
                raise ValueError(f"{flag} must be a positive number, got {v!r}")  # NaN fails too
        if self.worker_memory_mb < 256:
            raise ValueError(f"--memory-mb must be at least 256, got {self.worker_memory_mb}")
        if self.max_zip_ratio < 2:
            raise ValueError(f"--max-zip-ratio must be at least 2, got {self.max_zip_ratio}")

    def time_for(self, pages: Optional[int], ocr_pages: int = 0) -> float:
        """Wall time allowed for a document of ``pages`` pages (None: not known yet), ``ocr_pages`` of them OCR'd."""
        return (min(self.doc_timeout_s, self.timeout_base_s + self.timeout_per_page_s * (pages or 0))
                + min(self.ocr_timeout_s, self.timeout_per_ocr_page_s * ocr_pages))

    def describe_time(self, pages: Optional[int], ocr_pages: int = 0) -> str:
        """How the time limit of a document was worked out, with the flags that change it."""
        if ocr_pages:
            extra = min(self.ocr_timeout_s, self.timeout_per_ocr_page_s * ocr_pages)
            how = ("--timeout-ocr" if extra >= self.ocr_timeout_s
                   else f"{self.timeout_per_ocr_page_s:g} s per page; --timeout-per-ocr-page")
            return (f"{self.time_for(pages, ocr_pages):g} s ({self.describe_time(pages)} + {extra:g} s for "
                    f"{ocr_pages} OCR pages ({how}))")
        t = self.time_for(pages)
        if pages and t < self.doc_timeout_s:
            return (f"{t:g} s for {pages} pages ({self.timeout_base_s:g} s + {self.timeout_per_page_s:g} s per page; "
                    "--timeout-base, --timeout-per-page)")
        if t >= self.doc_timeout_s:
            return f"{t:g} s (--timeout)"
        return f"{t:g} s (--timeout-base)"

    @property
    def max_stream_bytes(self) -> int:
        return int(self.max_stream_mb * 1024 * 1024)

    @property
    def max_total_bytes(self) -> int:
        return int(self.max_total_mb * 1024 * 1024)


def flags() -> list[tuple[str, str, type, object, str]]:
    """(flag, field, type, default, help) of every numeric limit, for the command line."""
    return [(f.metadata["flag"], f.name, int if f.metadata["kind"] == "int" else float, f.default,
             f.metadata["help"]) for f in fields(Limits) if f.metadata["kind"] != "choice"]


class DocumentTimeout(BaseException):
    """A document took longer than its time limit (a BaseException: reader code cannot swallow it)."""


@dataclass
class _Active:
    limits: Limits
    t0: float
    alarm: bool
    pages: Optional[int] = None
    ocr_pages: int = 0


_ACTIVE: contextvars.ContextVar[Optional[_Active]] = contextvars.ContextVar("lkjip_document", default=None)
_DEFAULT = Limits()
# monotonic time after which the watchdog of a pool worker ends the process (native code that the
# alarm cannot interrupt); 0 = no document being read
_hard_deadline = 0.0
WATCHDOG_GRACE_S = 30.0


def current() -> Limits:
    """The limits of the document being read (the defaults outside :func:`document`)."""
    a = _ACTIVE.get()
    return a.limits if a is not None else _DEFAULT


def _arm(a: _Active) -> float:
    """(Re-)arm the time limit of the active document; returns the seconds left."""
    global _hard_deadline
    left = a.limits.time_for(a.pages, a.ocr_pages) - (time.monotonic() - a.t0)
    if a.alarm:
        signal.setitimer(signal.ITIMER_REAL, max(left, 0.001))
        _hard_deadline = time.monotonic() + max(left, 0.0) + WATCHDOG_GRACE_S
    return left


@contextmanager
def document(limits: Limits) -> Iterator[None]:
    """Read one document under ``limits``: they become :func:`current`, and its time limit is armed
    (SIGALRM in the main thread; raises :class:`DocumentTimeout`). Elsewhere (Dask threads) the
    readers' own between-page time checks and the cluster's limits apply."""
    global _hard_deadline
    alarm = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    a = _Active(limits, time.monotonic(), alarm)
    token = _ACTIVE.set(a)
    old = None
    if alarm:
        def on_alarm(signum, frame):
            raise DocumentTimeout(f"time limit of {a.limits.describe_time(a.pages, a.ocr_pages)} exceeded while reading "
                                  "the document")
        old = signal.signal(signal.SIGALRM, on_alarm)
        _arm(a)
    try:
        yield
    finally:
        if alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old if old is not None else signal.SIG_DFL)
            _hard_deadline = 0.0
        _ACTIVE.reset(token)


def pages_known(n: Optional[int]) -> float:
    """A reader learnt the page count: the time limit grows with it. Returns the seconds left for
    the document (infinite outside :func:`document`)."""
    a = _ACTIVE.get()
    if a is None:
        return math.inf
    a.pages = n
    if a.alarm:
        return _arm(a)
    return seconds_left()


def ocr_page_started() -> float:
    """A reader is about to OCR a page: the time limit grows by the OCR allowance. Returns the
    seconds left for the document (infinite outside :func:`document`)."""
    a = _ACTIVE.get()
    if a is None:
        return math.inf
    a.ocr_pages += 1
    if a.alarm:
        return _arm(a)
    return seconds_left()


def seconds_left() -> float:
    """Seconds left for the document being read (infinite outside :func:`document`)."""
    a = _ACTIVE.get()
    if a is None:
        return math.inf
    return a.limits.time_for(a.pages, a.ocr_pages) - (time.monotonic() - a.t0)


def start_watchdog() -> None:
    """In a pool worker: end the process when a document overruns its time limit by
    ``WATCHDOG_GRACE_S`` (stuck in native code, where the alarm cannot interrupt it). The pool
    sees the worker die, records the document as failed and replaces the worker."""
    def watch():
        while True:
            time.sleep(1.0)
            d = _hard_deadline
            if d and time.monotonic() > d:
                os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, name="lkjip-watchdog", daemon=True).start()
