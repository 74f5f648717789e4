"""Page-level OCR parallelism inside one document, on the cores the batch leaves free.

A batch may keep ``cores`` cores busy (``lkjip ingest --cores``, default ``--workers``). Each core is a
token of a semaphore shared by the batch's worker processes (:func:`core_tokens`, :func:`share_cores`).
A worker holds one token while it reads a document (:func:`document_core`). The PDF reader renders every
page on its own thread (pdfium and pdfplumber objects are not thread-safe) and gives the image work of an
OCR page (preparation, Tesseract, rule detection, layout, cell re-reads) to :func:`run`: when a token is
free at that moment (never waited for) the work goes to a helper thread, which returns the token when the
page is done, and the reader goes on with the next page; otherwise the reader does the work itself. So two
workers on two documents use one thread each, a lone long scan uses every core, and one core (``--workers
1``, Dask tasks, a reader used as a library) reads its pages one after another exactly as before.

Threads, not processes, because Tesseract's recognition (about half of an OCR page's time) runs without
the GIL in ``tesserocr``; orientation detection and rule detection hold it, so two threads do not give
two cores' worth (see docs/ocr.md, speed). Each helper thread has its own Tesseract instances
(:mod:`lkjip.extract.ocr` keeps one per thread).
"""
from __future__ import annotations

import contextvars
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Callable, Iterator, Optional

__all__ = ["core_tokens", "share_cores", "sharing_cores", "document_core", "run", "helpers_within"]

# address space a helper thread adds to a worker (its Tesseract instances, stack and malloc arena):
# 170-185 MB measured on 300 dpi and upsampled 100 dpi 1-bit scans; the reader itself peaks at 0.7 GB
HELPER_MB = 192
READER_MB = 1024

_tokens = None  # this process's share of the batch's core tokens (None: pages are read one after another)
_room: Optional[threading.BoundedSemaphore] = None  # one per helper thread this process may run
_n_helpers = 0
_helpers: Optional[ThreadPoolExecutor] = None
_pool_size = 0
_lock = threading.Lock()


def core_tokens(cores: int, ctx=None):
    """A semaphore of ``cores`` tokens: shared by the processes of ``ctx`` (a multiprocessing context), else
    by the threads of this process."""
    return ctx.BoundedSemaphore(cores) if ctx is not None else threading.BoundedSemaphore(cores)


def helpers_within(memory_mb: Optional[int]) -> Optional[int]:
    """Helper threads a worker whose address space is capped at ``memory_mb`` can afford (None: no cap)."""
    return None if memory_mb is None else max(0, (memory_mb - READER_MB) // HELPER_MB)


def share_cores(tokens, cores: int, memory_mb: Optional[int] = None) -> None:
    """Readers in this process draw on ``tokens`` (made by :func:`core_tokens` for ``cores`` cores; None:
    pages one after another), with as many helper threads as ``memory_mb`` of address space affords."""
    global _tokens, _room, _n_helpers
    cap = helpers_within(memory_mb)
    n = 0 if tokens is None else cores - 1 if cap is None else min(cores - 1, cap)
    _tokens, _n_helpers = tokens, n
    _room = threading.BoundedSemaphore(n) if n else None


@contextmanager
def sharing_cores(cores: int) -> Iterator[None]:
    """Documents read in this process meanwhile may use ``cores`` cores (the batch without worker processes)."""
    old = _tokens, _room, _n_helpers
    share_cores(core_tokens(cores) if cores > 1 else None, cores)
    try:
        yield
    finally:
        _restore(*old)


def _restore(tokens, room, n: int) -> None:
    """Put back what :func:`share_cores` set."""
    global _tokens, _room, _n_helpers
    _tokens, _room, _n_helpers = tokens, room, n


@contextmanager
def document_core() -> Iterator[None]:
    """Hold a core token while one document is read. Waits only while another worker's helper thread
    finishes the page it had taken the token for."""
    tokens = _tokens
    if tokens is None:
        yield
        return
    tokens.acquire()
    try:
        yield
    finally:
        tokens.release()


def _pool(threads: int) -> ThreadPoolExecutor:
    """The helper threads of this process (kept from one document to the next with their Tesseract instances)."""
    global _helpers, _pool_size
    with _lock:
        if _pool_size < threads:
            if _helpers is not None:
                _helpers.shutdown(wait=False)
            _helpers, _pool_size = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="lkjip-ocr"), threads
        return _helpers


def _take(tokens, room) -> bool:
    """A helper slot of this process and a free core token of the batch: both or neither, never waited for."""
    if room is None or not room.acquire(False):
        return False
    if tokens.acquire(False):
        return True
    room.release()
    return False


def _give(tokens, room) -> None:
    """Return what :func:`_take` took."""
    tokens.release()
    room.release()


def run(job: Callable[[], None]) -> Optional[Future]:
    """Do ``job`` on a helper thread when a core token is free (its Future: the token goes back when the
    job ends), else here and now (None). The job sees the caller's context (the document's limits)."""
    tokens, room, n = _tokens, _room, _n_helpers
    if not _take(tokens, room):
        job()
        return None
    ctx = contextvars.copy_context()

    def work() -> None:
        try:
            ctx.run(job)
        finally:
            _give(tokens, room)

    try:
        return _pool(n).submit(work)
    except BaseException:
        _give(tokens, room)
        raise
