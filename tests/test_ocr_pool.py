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


def _free(tokens: ocr_pool.CoreTokens) -> int:
    """How many tokens are free (taken and given back)."""
    n = 0
    while tokens.take_extra():
        n += 1
    for _ in range(n):
        tokens.give()
    return n


HERE = threading.current_thread().name


def test_without_shared_cores_pages_are_read_at_once_here():
    for cores in (None, 1):  # a reader used as a library; --workers 1
        with ocr_pool.sharing_cores(cores or 1), ocr_pool.Pages() as pages:
            job, seen = _where()
            assert pages.run(job) is None and seen == [HERE]


def _started(seen: list) -> None:
    """Wait until a job has started."""
    for _ in range(200):
        if seen:
            return
        threading.Event().wait(0.02)
    raise AssertionError("the job did not start")


def test_a_free_token_sends_pages_to_a_helper_which_gives_it_back():
    ocr_pool.share_cores(tokens := ocr_pool.CoreTokens(2), 2)
    hold = threading.Event()
    with ocr_pool.document_core(), ocr_pool.Pages() as pages:
        busy, seen = _where(hold=hold)
        first = pages.run(busy)  # a token is free: a helper takes the page
        _started(seen)
        assert isinstance(first, Future) and seen[0].startswith("lkjip-ocr")
        second, seen2 = _where()
        fut2 = pages.run(second)  # both cores busy: the page waits ...
        assert not fut2.done() and seen2 == []
        third, seen3 = _where()
        pages.run(third)  # ... and the reader does it while the next one waits
        assert seen2 == [HERE] and fut2.done() and seen3 == []
        pages.finish()
        assert seen3 == [HERE]
        hold.set()
        first.result(10)
        for _ in range(200):  # the helper returns its token when no page waits
            if _free(tokens) == 1:
                break
            threading.Event().wait(0.02)
        assert _free(tokens) == 1  # the document holds the other
    assert _free(tokens) == 2


def test_a_helper_that_is_done_takes_the_next_waiting_page():
    ocr_pool.share_cores(ocr_pool.CoreTokens(2), 2)
    hold = threading.Event()
    with ocr_pool.document_core(), ocr_pool.Pages() as pages:
        busy, seen = _where(hold=hold)
        first = pages.run(busy)
        _started(seen)
        job, seen2 = _where()
        fut = pages.run(job)  # waits: the reader has no older page to do meanwhile
        assert seen2 == []
        hold.set()
        fut.result(10)  # the helper, done with its page, took this one
        first.result(10)
        pages.finish()
    assert seen2[0].startswith("lkjip-ocr")


def test_workers_busy_with_their_own_documents_leave_no_token():
    ocr_pool.share_cores(tokens := ocr_pool.CoreTokens(2), 2)
    with tokens.document():  # another worker reads its document
        with ocr_pool.document_core(), ocr_pool.Pages() as pages:
            jobs = [_where() for _ in range(3)]
            for job, _ in jobs:
                pages.run(job)
            pages.finish()
    assert all(seen == [HERE] for _, seen in jobs)


def test_a_document_waiting_to_start_comes_before_more_ocr_pages():
    tokens = ocr_pool.CoreTokens(2)
    with tokens.document():
        with tokens.waiting.get_lock():
            tokens.waiting.value += 1  # another worker waits for a token to start its document
        assert not tokens.take_extra()
        with tokens.waiting.get_lock():
            tokens.waiting.value -= 1
        assert tokens.take_extra()
        tokens.give()


def test_a_document_reads_without_a_token_rather_than_wait_for_a_stuck_helper():
    tokens = ocr_pool.CoreTokens(1)
    assert tokens.take_extra()  # a helper page that never ends
    with tokens.document(wait_s=0.05):
        pass
    tokens.give()
    assert _free(tokens) == 1


def _other_worker(tokens, holding, done):
    """A worker process reading a document: holds a core token until told to stop."""
    with tokens.document():
        holding.set()
        done.wait(10)


def test_tokens_are_shared_by_the_worker_processes():
    ctx = multiprocessing.get_context("fork")
    tokens = ocr_pool.CoreTokens(2, ctx)
    holding, done = ctx.Event(), ctx.Event()
    other = ctx.Process(target=_other_worker, args=(tokens, holding, done))
    other.start()
    try:
        assert holding.wait(10)
        ocr_pool.share_cores(tokens, 2)
        with ocr_pool.document_core():
            assert not tokens.take_extra()  # the other worker's document has the second core
            done.set()
            other.join(10)
            assert _free(tokens) == 1  # its document is done: its core is free
    finally:
        done.set()
        other.join(10)


def test_the_memory_cap_bounds_the_helper_threads():
    assert ocr_pool.helpers_within(None) is None
    assert ocr_pool.helpers_within(1024) == 0
    assert ocr_pool.helpers_within(2048) == 5  # --memory-mb default: 5 helpers fit beside the reader
    ocr_pool.share_cores(ocr_pool.CoreTokens(8), 8, memory_mb=1024)
    with ocr_pool.Pages() as pages:
        job, seen = _where()
        assert pages.run(job) is None and seen == [HERE]
    ocr_pool.share_cores(ocr_pool.CoreTokens(8), 8, memory_mb=1300)  # one helper affordable, 7 cores free
    hold = threading.Event()
    with ocr_pool.Pages() as pages:
        busy, seen = _where(hold=hold)
        pages.run(busy)
        _started(seen)
        waiting, seen2 = _where()
        fut = pages.run(waiting)
        assert not fut.done() and seen2 == []  # no second helper
        hold.set()
        pages.finish()
        fut.result(10)


def test_a_failing_page_reaches_the_reader_through_its_future():
    ocr_pool.share_cores(tokens := ocr_pool.CoreTokens(2), 2)

    def broken():
        raise ValueError("bad page")
    with ocr_pool.Pages() as pages:
        fut = pages.run(broken)
        pages.finish()
        with pytest.raises(ValueError, match="bad page"):
            fut.result(10)


def test_pages_left_waiting_are_dropped_when_the_reader_stops():
    ocr_pool.share_cores(tokens := ocr_pool.CoreTokens(2), 2)
    with tokens.document(), ocr_pool.document_core():  # no token left for a helper
        with pytest.raises(KeyboardInterrupt):
            with ocr_pool.Pages() as pages:
                job, seen = _where()
                fut = pages.run(job)
                raise KeyboardInterrupt  # the time limit, say
    assert fut.cancelled() and seen == []


def test_helpers_see_the_limits_of_the_document():
    ocr_pool.share_cores(ocr_pool.CoreTokens(2), 2)
    seen = []
    with document(Limits(max_pages=7)), ocr_pool.Pages() as pages:
        fut = pages.run(lambda: seen.append((current().max_pages, threading.current_thread().name)))
        fut.result(10)
    assert seen[0][0] == 7 and seen[0][1].startswith("lkjip-ocr")


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
