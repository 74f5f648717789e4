"""Page-level OCR parallelism inside one document, on the cores the batch leaves free.

A batch may keep ``cores`` cores busy (``lkjip ingest --cores``, default ``--workers``): one token per
core (:class:`CoreTokens`), shared by the batch's worker processes (:func:`share_cores`). A worker holds
one while it reads a document (:func:`document_core`); documents waiting to start come before OCR pages.
The PDF reader parses and renders every page on its own thread (pdfium and pdfplumber objects are not
thread-safe) and gives the image work of an OCR page (preparation, Tesseract, rule detection, layout,
cell re-reads) to :meth:`Pages.run`. When a token is free (never waited for), a helper thread takes it
and does waiting pages; otherwise the reader does them itself. So two workers on two documents use one
thread each, a lone long scan uses every core, and with one core (``--workers 1``, Dask tasks, a reader
used as a library) pages are read one after another exactly as before.

Threads, not processes: Tesseract's recognition (about half of an OCR page's time) runs without the GIL
in ``tesserocr``; orientation detection and rule detection hold it, so two threads give less than two
cores' worth (docs/ocr.md, Speed). Each helper thread has its own Tesseract instances
(:mod:`lkjip.extract.ocr` keeps one per thread).
"""
from __future__ import annotations

import contextvars
import multiprocessing
import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Callable, Iterator, Optional

__all__ = ["CoreTokens", "share_cores", "sharing_cores", "document_core", "Pages", "here", "helpers_within"]

# address space a helper thread adds to a worker (its Tesseract instances, stack and malloc arena):
# 170-185 MB measured on 300 dpi and upsampled 100 dpi 1-bit scans; the reader itself peaks at 0.7 GB
HELPER_MB = 192
READER_MB = 1024
# most a document waits for a core token: twice a page's OCR allowance (--timeout-per-ocr-page 30 s); a
# helper page stuck longer in native code must not stop the worker, which then reads without a token
DOCUMENT_WAIT_S = 60.0


class CoreTokens:
    """One token per core a batch may keep busy, shared by the processes of a multiprocessing context;
    documents waiting to start are counted, and extra OCR threads leave the tokens to them."""

    def __init__(self, cores: int, ctx=None):
        ctx = ctx or multiprocessing.get_context()
        self.sem = ctx.BoundedSemaphore(cores)
        self.waiting = ctx.Value("i", 0)

    @contextmanager
    def document(self, wait_s: float = DOCUMENT_WAIT_S) -> Iterator[None]:
        """Hold one token while a document is read (waiting, if need be, for a helper's page to end; at
        most ``wait_s``, then without one)."""
        with self.waiting.get_lock():
            self.waiting.value += 1
        try:
            held = self.sem.acquire(timeout=wait_s)
        finally:
            with self.waiting.get_lock():
                self.waiting.value -= 1
        try:
            yield
        finally:
            if held:
                self.sem.release()

    def take_extra(self) -> bool:
        """A free token for an OCR helper thread, unless a document waits for one; never waits."""
        return self.waiting.value == 0 and self.sem.acquire(False)

    def give(self) -> None:
        """Return a token taken by :meth:`take_extra`."""
        self.sem.release()


_tokens: Optional[CoreTokens] = None  # this process's share of the batch's tokens (None: one page at a time)
_room: Optional[threading.BoundedSemaphore] = None  # one per helper thread this process may run
_n_helpers = 0
_helpers: Optional[ThreadPoolExecutor] = None
_pool_size = 0
_lock = threading.Lock()


def helpers_within(memory_mb: Optional[int]) -> Optional[int]:
    """Helper threads a worker whose address space is capped at ``memory_mb`` can afford (None: no cap)."""
    return None if memory_mb is None else max(0, (memory_mb - READER_MB) // HELPER_MB)


def share_cores(tokens: Optional[CoreTokens], cores: int, memory_mb: Optional[int] = None) -> None:
    """Readers in this process draw on ``tokens`` (``cores`` of them; None: pages one after another), with
    as many helper threads as ``memory_mb`` of address space affords."""
    cap = helpers_within(memory_mb)
    n = 0 if tokens is None else cores - 1 if cap is None else min(cores - 1, cap)
    _restore(tokens, threading.BoundedSemaphore(n) if n else None, n)


def _restore(tokens: Optional[CoreTokens], room, n: int) -> None:
    """Set this process's tokens, helper slots and helper count."""
    global _tokens, _room, _n_helpers
    _tokens, _room, _n_helpers = tokens, room, n


@contextmanager
def sharing_cores(cores: int) -> Iterator[None]:
    """Documents read in this process meanwhile may use ``cores`` cores (the batch without worker processes)."""
    old = _tokens, _room, _n_helpers
    share_cores(CoreTokens(cores) if cores > 1 else None, cores)
    try:
        yield
    finally:
        _restore(*old)


@contextmanager
def document_core() -> Iterator[None]:
    """Hold a core token while one document is read (nothing to hold without shared cores)."""
    if _tokens is None:
        yield
        return
    with _tokens.document():
        yield


def _pool(threads: int) -> ThreadPoolExecutor:
    """The helper threads of this process (kept from one document to the next with their Tesseract instances)."""
    global _helpers, _pool_size
    with _lock:
        if _pool_size < threads:
            if _helpers is not None:
                _helpers.shutdown(wait=False)
            _helpers, _pool_size = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="lkjip-ocr"), threads
        return _helpers


def _take(tokens: CoreTokens, room) -> bool:
    """A helper slot of this process and a free core token of the batch: both or neither, never waited for."""
    if room is None or not room.acquire(False):
        return False
    if tokens.take_extra():
        return True
    room.release()
    return False


def _give(tokens: CoreTokens, room) -> None:
    """Return what :func:`_take` took."""
    tokens.give()
    room.release()


def here(job: Callable[[], None]) -> None:
    """Do ``job`` here and now (a page read outside :class:`Pages`)."""
    job()


class _Job:
    """One page's image work and the Future of its end, done once by whichever thread takes it."""

    __slots__ = ("fn", "future")

    def __init__(self, fn: Callable[[], None]):
        self.fn, self.future = fn, Future()

    def run(self) -> None:
        """Do the work; its exception goes to the Future (the reader's alarm still reaches the reader)."""
        if not self.future.set_running_or_notify_cancel():
            return
        try:
            self.fn()
        except Exception as e:
            self.future.set_exception(e)
        else:
            self.future.set_result(None)


class Pages:
    """The OCR image work of one document's pages, as a context manager around the reader's page loop.

    Without shared cores each page's work is done at once by the reader. With them, a rendered page
    waits while the reader does the one before it (:meth:`run`); a helper thread started on a free
    token does waiting pages, oldest first, taking the token again for each (unless a document waits
    for it), so a helper that is done goes on with the next page instead of waiting for the reader's.
    The reader does what still waits at the end (:meth:`finish`); leaving the block otherwise (time up,
    failure) drops it.
    """

    def __init__(self):
        self._waiting: deque[_Job] = deque()
        self._lock = threading.Lock()

    def __enter__(self) -> "Pages":
        return self

    def __exit__(self, *exc) -> None:
        while (job := self._next()) is not None:
            job.future.cancel()

    def _next(self, keep: int = 0) -> Optional[_Job]:
        """The oldest waiting job, taken off the queue, while more than ``keep`` wait."""
        with self._lock:
            return self._waiting.popleft() if len(self._waiting) > keep else None

    def run(self, fn: Callable[[], None]) -> Optional[Future]:
        """One page's work: None when it was done at once, else the Future of its end. The work sees the
        reader's context (the document's limits)."""
        tokens, room, n = _tokens, _room, _n_helpers
        if room is None:
            fn()
            return None
        job = _Job(fn)
        with self._lock:
            self._waiting.append(job)
        if _take(tokens, room):
            try:
                _pool(n).submit(contextvars.copy_context().run, self._help, tokens, room)
            except BaseException:
                _give(tokens, room)
                raise
        else:
            self._work_off(keep=1)
        return job.future

    def _help(self, tokens: CoreTokens, room) -> None:
        """A helper thread: waiting pages, oldest first, each on a token taken afresh (documents first)."""
        while True:
            try:
                job = self._next()
                if job is None:
                    return
                job.run()
            finally:
                _give(tokens, room)
            if not _take(tokens, room):
                return

    def _work_off(self, keep: int) -> None:
        """The reader does the oldest waiting pages itself until ``keep`` are left."""
        while (job := self._next(keep)) is not None:
            job.run()

    def finish(self) -> None:
        """The reader does every page still waiting (helpers may still be on theirs: see the Futures)."""
        self._work_off(keep=0)
