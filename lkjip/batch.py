"""Batch execution: a bounded process pool or a Dask cluster, with limits and progress.

Every document is read in a worker under a time limit and a memory cap (:class:`lkjip.limits.Limits`,
which also bounds pages, decompressed sizes and text), so a pathological file becomes a failed
document instead of a hung or killed batch. A worker that dies
(a crash, the memory cap) takes only its document down: the documents it had in flight are run
again one at a time, and the one that kills its worker again is recorded as failed.

The batch keeps at most ``cores`` cores busy (``--cores``, default the worker count): one token per core,
shared by the workers (:mod:`lkjip.extract.ocr_pool`). A worker holds one while it reads a document; the
OCR of a long scan takes the tokens of idle workers for its next pages, so once the other documents are
done it goes on on every core, and with as many documents as workers each uses one.
"""
from __future__ import annotations

import multiprocessing
import resource
import sys
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Callable, Iterator, Optional

from lkjip.extract import ocr_pool
from lkjip.limits import DocumentTimeout, Limits, document, start_watchdog

__all__ = ["Limits", "DocumentTimeout", "Task", "run_one", "run_here", "run_local", "run_dask", "failed_result",
           "Progress"]

Task = tuple[str, str, str]  # (path, source_file as given, sha256)


def init_worker(memory_mb: int, tokens=None, cores: int = 1) -> None:
    """Cap a worker's memory so one document cannot take the machine's, watch for documents
    stuck in native code past their time limit (the worker then ends; the pool replaces it), and
    share the batch's core ``tokens`` (OCR helper threads)."""
    ocr_pool.share_cores(tokens, cores, memory_mb)
    limit = memory_mb * 1024 * 1024
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):
        pass  # not permitted here: the time limit still applies
    start_watchdog()


def run_one(task: Task, limits: Limits, process: Callable) -> dict:
    """Process one document under ``limits``: they are current for the readers, and its time limit
    (base + per page, capped) is armed with SIGALRM where available. Signals reach only the main
    thread: Dask runs tasks in threads, where the readers' own time checks and the cluster's worker
    limits apply instead. A core token is held meanwhile (waiting for it is not reading time)."""
    try:
        with ocr_pool.document_core(), document(limits):
            return process(Path(task[0]), task[1], task[2])
    except DocumentTimeout as exc:
        return failed_result(task, str(exc))


def failed_result(task: Task, reason: str) -> dict:
    """The result of a document whose worker died: a failed document with the reason."""
    path = Path(task[0])
    return {"document": dict(doc_id=task[2][:16], sha256=task[2], source_file=task[1], file_name=path.name,
                             format=path.suffix.lstrip(".").lower(), status="failed", error=reason,
                             n_tables=0, n_indicator_values=0, n_budget_rows=0, n_findings=0, n_ocr_pages=0),
            "tables": [], "indicators": [], "budgets": [], "findings": []}


def _context():
    """Workers forked from a server that has imported lkjip once: cheap to start and to replace.

    (Recycling workers rules out plain fork; spawn would re-import everything for each worker.)
    """
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["lkjip.pipeline"])
    return ctx


def run_here(tasks: list[Task], cores: int, limits: Limits, worker_fn: Callable) -> Iterator[dict]:
    """Results of ``worker_fn(task, limits)`` in this process, one document after another, each one's
    OCR on up to ``cores`` threads."""
    with ocr_pool.sharing_cores(cores):
        for task in tasks:
            yield worker_fn(task, limits)


def run_local(tasks: list[Task], workers: int, limits: Limits, worker_fn: Callable,
              cores: Optional[int] = None) -> Iterator[dict]:
    """Results of ``worker_fn(task, limits)`` over a process pool, in completion order; the workers
    share ``cores`` core tokens (default: one each)."""
    cores = max(cores or workers, workers)
    queue = deque(tasks)
    isolate: deque = deque()  # tasks in flight when a worker died: re-run alone
    while queue or isolate:
        solo = bool(isolate)
        source = isolate if solo else queue
        n = 1 if solo else workers
        window = 1 if solo else 2 * n  # alone, a dying worker names its document
        ctx = _context()
        tokens = ocr_pool.CoreTokens(cores, ctx)  # afresh for each pool: a worker that died took its tokens
        with ProcessPoolExecutor(max_workers=n, initializer=init_worker,
                                 initargs=(limits.worker_memory_mb, tokens, cores),
                                 max_tasks_per_child=limits.tasks_per_worker, mp_context=ctx) as pool:
            inflight = {}
            broken = False
            while (source or inflight) and not broken:
                while source and len(inflight) < window:
                    t = source.popleft()
                    inflight[pool.submit(worker_fn, t, limits)] = t
                done, _ = wait(inflight, return_when=FIRST_COMPLETED)
                for fut in done:
                    task = inflight.pop(fut)
                    try:
                        yield fut.result()
                    except BrokenProcessPool:
                        broken = True
                        if solo:
                            yield failed_result(task, "the worker reading this document died: memory cap of "
                                                      f"{limits.worker_memory_mb} MB exceeded (--memory-mb), stuck "
                                                      "past its time limit in native code, or a crash")
                        else:
                            isolate.append(task)
            if broken:
                isolate.extend(inflight.values())


def run_dask(tasks: list[Task], scheduler: str, limits: Limits, worker_fn: Callable) -> Iterator[dict]:
    """Results of ``worker_fn(task, limits)`` on a Dask distributed cluster, in completion order."""
    from distributed import Client, as_completed

    with Client(scheduler) as client:
        futures = client.map(worker_fn, tasks, limits=limits, pure=False)
        by_key = {f.key: t for f, t in zip(futures, tasks)}
        for fut in as_completed(futures):
            try:
                yield fut.result()
            except Exception as exc:  # a worker lost with its task: that document fails, the batch goes on
                yield failed_result(by_key[fut.key], f"dask worker failed: {type(exc).__name__}: {exc}")


class Progress:
    """A progress bar on a terminal (documents, pages, OCR pages, failures, ETA); periodic log lines otherwise."""

    def __init__(self, total: int, stream=None, every_s: float = 10.0):
        self.total, self.done, self.pages, self.failed, self.ocr_pages = total, 0, 0, 0, 0
        self.stream = stream or sys.stderr
        self.every_s, self.t0, self.last = every_s, time.monotonic(), 0.0
        self.bar = None
        if total and getattr(self.stream, "isatty", lambda: False)():
            try:
                from rich.progress import BarColumn, MofNCompleteColumn, Progress as RichProgress, \
                    TextColumn, TimeElapsedColumn, TimeRemainingColumn
                self.bar = RichProgress(TextColumn("ingest"), BarColumn(), MofNCompleteColumn(),
                                        TextColumn("{task.fields[pages]} pages ({task.fields[ocr]} OCR), "
                                                   "{task.fields[failed]} failed"),
                                        TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                                        transient=True)
                self.task = self.bar.add_task("docs", total=total, pages=0, ocr=0, failed=0)
                self.bar.start()
            except ImportError:
                self.bar = None

    def update(self, doc: dict) -> None:
        """Count one finished document."""
        self.done += 1
        self.pages += int(doc.get("n_pages") or 0)
        self.ocr_pages += int(doc.get("n_ocr_pages") or 0)
        self.failed += doc.get("status") == "failed"
        if self.bar is not None:
            self.bar.update(self.task, advance=1, pages=self.pages, ocr=self.ocr_pages, failed=self.failed)
            return
        now = time.monotonic() - self.t0
        if now - self.last >= self.every_s or self.done == self.total:
            self.last = now
            rate = self.done / now if now else 0.0
            eta = (self.total - self.done) / rate if rate else 0.0
            print(f"ingest: {self.done}/{self.total} documents, {self.pages} pages ({self.ocr_pages} OCR), "
                  f"{self.failed} failed, "
                  f"{rate:.1f} docs/s, ETA {eta:.0f} s", file=self.stream, flush=True)

    def close(self) -> None:
        """Remove the bar."""
        if self.bar is not None:
            self.bar.stop()
