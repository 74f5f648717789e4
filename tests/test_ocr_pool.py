"""Page-level OCR parallelism: core tokens shared by a batch's workers, helper threads, same rows as reading
the pages one after another."""
from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import Future
from pathlib import Path

import pytest

from lkjip.extract import ocr, ocr_pool
from lkjip.extract import pdf as pdf_mod
from lkjip.limits import Limits, current, document

PDF = Path(__file__).parent / "fixtures" / "pdf"


@pytest.fixture(autouse=True)
def no_shared_cores():
    """Each test starts and ends with this process sharing no cores (pages one after another)."""
    ocr_pool.share_cores(None, 1)
    yield
    ocr_pool.share_cores(None, 1)


def _where(hold: threading.Event | None = None):
    """A job recording the thread it ran on (and, with ``hold``, staying busy until it is set)."""
    seen: list[str] = []

    def job():
        seen.append(threading.current_thread().name)
        if hold is not None:
            hold.wait(10)
    return job, seen


def _free(tokens) -> int:
    """How many tokens are free (taken and given back)."""
    n = 0
    while tokens.acquire(False):
        n += 1
    for _ in range(n):
        tokens.release()
    return n


def test_without_shared_cores_pages_are_read_here():
    job, seen = _where()
    assert ocr_pool.run(job) is None
    assert seen == [threading.current_thread().name]
    with ocr_pool.sharing_cores(1):  # --workers 1: one core, no helper
        assert ocr_pool.run(job) is None
    assert seen[-1] == threading.current_thread().name


def test_a_free_token_takes_the_next_page_to_a_helper_and_comes_back():
    tokens = ocr_pool.core_tokens(2)
    ocr_pool.share_cores(tokens, 2)
    hold = threading.Event()
    with ocr_pool.document_core():
        busy, seen = _where(hold=hold)
        fut = ocr_pool.run(busy)
        assert isinstance(fut, Future)
        inline, seen2 = _where()
        assert ocr_pool.run(inline) is None  # both cores busy: the reader reads this page itself
        assert seen2 == [threading.current_thread().name]
        hold.set()
        fut.result(10)
        assert seen[0].startswith("lkjip-ocr")
        assert _free(tokens) == 1  # the helper gave its token back; the document holds the other
    assert _free(tokens) == 2


def test_workers_busy_with_their_own_documents_leave_no_token():
    tokens = ocr_pool.core_tokens(2)
    ocr_pool.share_cores(tokens, 2)
    tokens.acquire()  # another worker reads its document
    try:
        with ocr_pool.document_core():
            job, seen = _where()
            assert ocr_pool.run(job) is None and seen == [threading.current_thread().name]
    finally:
        tokens.release()


def _other_worker(tokens, holding, done):
    """A worker process reading a document: holds a core token until told to stop."""
    tokens.acquire()
    holding.set()
    done.wait(10)
    tokens.release()


def test_tokens_are_shared_by_the_worker_processes():
    ctx = multiprocessing.get_context("fork")
    tokens = ocr_pool.core_tokens(2, ctx)
    holding, done = ctx.Event(), ctx.Event()
    other = ctx.Process(target=_other_worker, args=(tokens, holding, done))
    other.start()
    try:
        assert holding.wait(10)
        ocr_pool.share_cores(tokens, 2)
        with ocr_pool.document_core():
            assert ocr_pool.run(lambda: None) is None  # the other worker's document has the second core
            done.set()
            other.join(10)
            fut = ocr_pool.run(lambda: None)  # its document is done: its core is free
            assert isinstance(fut, Future)
            fut.result(10)
    finally:
        done.set()
        other.join(10)


def test_the_memory_cap_bounds_the_helper_threads():
    assert ocr_pool.helpers_within(None) is None
    assert ocr_pool.helpers_within(1024) == 0
    assert ocr_pool.helpers_within(2048) == 5  # --memory-mb default: 5 helpers fit beside the reader
    ocr_pool.share_cores(ocr_pool.core_tokens(8), 8, memory_mb=1024)
    assert ocr_pool.run(lambda: None) is None
    tokens = ocr_pool.core_tokens(8)
    ocr_pool.share_cores(tokens, 8, memory_mb=1300)  # one helper affordable, though 7 cores are free
    hold = threading.Event()
    fut = ocr_pool.run(_where(hold=hold)[0])
    assert isinstance(fut, Future) and ocr_pool.run(lambda: None) is None
    hold.set()
    fut.result(10)


def test_a_failing_helper_job_reaches_the_reader_and_gives_its_token_back():
    tokens = ocr_pool.core_tokens(2)
    ocr_pool.share_cores(tokens, 2)

    def broken():
        raise ValueError("bad page")
    fut = ocr_pool.run(broken)
    with pytest.raises(ValueError, match="bad page"):
        fut.result(10)
    assert _free(tokens) == 2


def test_helpers_see_the_limits_of_the_document():
    ocr_pool.share_cores(ocr_pool.core_tokens(2), 2)
    seen = []
    with document(Limits(max_pages=7)):
        fut = ocr_pool.run(lambda: seen.append(current().max_pages))
        fut.result(10)
    assert seen == [7]


def test_unfinished_helper_pages_are_left_out_when_time_is_up():
    done, failed, pending = Future(), Future(), Future()
    done.set_result(None)
    failed.set_exception(RuntimeError("engine crashed"))
    pages = [pdf_mod._PageData(n, 100, 100, ocr=True, work=f) for n, f in ((1, done), (2, failed), (3, pending))]
    pages.append(pdf_mod._PageData(4, 100, 100))
    out = pdf_mod._settled(pages, wait=False)
    assert [p.number for p in out] == [1, 2, 4]
    assert out[0].work is None and out[0].kind == "text"
    assert out[1].kind == "skipped" and "engine crashed" in out[1].note


@pytest.mark.skipif(not ocr.engine_available(), reason="OCR engine not installed (scripts/system_deps.sh ocr)")
@pytest.mark.parametrize("name", sorted(p.name for p in PDF.glob("*.scan-tables.pdf")))
def test_pages_read_on_helper_threads_give_the_same_document(name, tmp_path, monkeypatch):
    """Three table pages of a scan: read one after another, and with two cores (every other page on a
    helper thread), the document is the same, table by table and cell by cell."""
    import pikepdf

    part = tmp_path / name
    with pikepdf.open(PDF / name) as src:
        out = pikepdf.new()
        for i in (1, 2, 3):
            out.pages.append(src.pages[i])
        out.save(part)
    alone = pdf_mod.read_pdf(part)
    threads = []
    layout = pdf_mod._ocr_layout

    def recorded(image, pd, s):
        threads.append(threading.current_thread().name)
        layout(image, pd, s)
    monkeypatch.setattr(pdf_mod, "_ocr_layout", recorded)
    with ocr_pool.sharing_cores(2):
        shared = pdf_mod.read_pdf(part)
    assert any(t.startswith("lkjip-ocr") for t in threads), threads
    assert alone.n_ocr_pages == shared.n_ocr_pages == 3
    assert any(getattr(b, "rows", None) for b in alone.blocks)
    assert (shared.status, shared.error, shared.warnings) == (alone.status, alone.error, alone.warnings)
    assert shared.blocks == alone.blocks
