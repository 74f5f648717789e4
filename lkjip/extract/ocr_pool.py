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

__all__ = ["core_tokens", "share_cores", "sharing_cores", "document_core", "run"]

_tokens = None  # this process's share of the batch's core tokens (None: pages are read one after another)
_cores = 1  # how many tokens the batch has: helper threads are at most one fewer
_helpers: Optional[ThreadPoolExecutor] = None
_n_helpers = 0
_lock = threading.Lock()


def core_tokens(cores: int, ctx=None):
    """A semaphore of ``cores`` tokens: shared by the processes of ``ctx`` (a multiprocessing context), else
    by the threads of this process."""
    return ctx.BoundedSemaphore(cores) if ctx is not None else threading.BoundedSemaphore(cores)


def share_cores(tokens, cores: int) -> None:
    """Readers in this process draw on ``tokens`` (made by :func:`core_tokens` for ``cores`` cores); None: none."""
    global _tokens, _cores
    _tokens, _cores = tokens, cores if tokens is not None else 1


@contextmanager
def sharing_cores(cores: int) -> Iterator[None]:
    """Documents read in this process meanwhile may use ``cores`` cores (the batch without worker processes)."""
    old = _tokens, _cores
    share_cores(core_tokens(cores) if cores > 1 else None, cores)
    try:
        yield
    finally:
        share_cores(*old)


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
    """The helper threads of this process (made once: their Tesseract instances are kept)."""
    global _helpers, _n_helpers
    with _lock:
        if _n_helpers < threads:
            if _helpers is not None:
                _helpers.shutdown(wait=False)
            _helpers, _n_helpers = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="lkjip-ocr"), threads
        return _helpers


def run(job: Callable[[], None]) -> Optional[Future]:
    """Do ``job`` on a helper thread when a core token is free (its Future: the token goes back when the
    job ends), else here and now (None). The job sees the caller's context (the document's limits)."""
    tokens = _tokens
    if tokens is None or _cores < 2 or not tokens.acquire(False):
        job()
        return None
    ctx = contextvars.copy_context()

    def work() -> None:
        try:
            ctx.run(job)
        finally:
            tokens.release()

    try:
        return _pool(_cores - 1).submit(work)
    except BaseException:
        tokens.release()
        raise
