"""The worked notebooks run top to bottom on the bundled samples and save their plots as PNG files.

Both notebooks run as on a clean checkout (they ingest data/raw themselves); the budget notebook runs
a second time on a dataset with a few synthetic audit findings, so its findings panel is exercised
before the audit produces any. The three executions share the event loop, so they run side by side.
"""
from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("matplotlib")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
FIGURES = {
    "indicators_across_kecamatan.ipynb": ["indicators_target_vs_realisasi.png", "capaian_report_year.png"],
    "budget_absorption.ipynb": ["serapan_by_program.png", "serapan_by_kelurahan.png",
                                "serapan_kelurahan_program.png"],
}


def _findings_dataset(tmp: Path) -> Path:
    """The samples ingested, with findings on two kelurahan budget lines and one on a whole table."""
    import pyarrow.parquet as pq

    from lkjip.pipeline import main
    from lkjip.query import connect
    from lkjip.schema import to_table

    out = tmp / "parquet"
    assert main(["ingest", str(ROOT / "data" / "raw"), "--out", str(out), "--workers", "1"]) == 0
    lines = connect(out).sql("""
        SELECT doc_id, table_id, line, unit_kerja FROM budgets
        WHERE unit_kerja LIKE 'Kelurahan%' AND line IS NOT NULL ORDER BY line LIMIT 2
    """).fetchall()
    assert lines, "the samples have a per-kelurahan budget table"
    rows = [dict(doc_id=d, table_id=t, line=l, check="persen_mismatch", severity=sev,
                 message=f"Persen {u} tidak sama dengan realisasi/anggaran.", refs=[t])
            for (d, t, l, u), sev in zip(lines, ("error", "warning"))]
    rows.append(dict(doc_id=lines[0][0], table_id=lines[0][1], check="total_mismatch", severity="info",
                     message="Jumlah tidak sama.", refs=[lines[0][1]]))
    pq.write_table(to_table("findings", rows), out / "findings" / f"part-{lines[0][0]}.parquet")
    return out


async def _run(name: str, env: dict) -> "nbformat.NotebookNode":
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=180, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    await client.async_execute(env=env)
    return nb


def test_notebooks_execute_and_save_their_figures(tmp_path):
    base = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    base.pop("LKJIP_DATA", None)
    figures = {"clean": tmp_path / "figures", "findings": tmp_path / "figures-findings"}
    data = _findings_dataset(tmp_path / "with-findings")
    jobs = [(name, dict(base, LKJIP_FIGURES=str(figures["clean"]))) for name in FIGURES]
    jobs.append(("budget_absorption.ipynb", dict(base, LKJIP_FIGURES=str(figures["findings"]), LKJIP_DATA=str(data))))

    async def all_jobs():
        return await asyncio.gather(*(_run(name, env) for name, env in jobs))

    notebooks = asyncio.run(all_jobs())

    for name, pngs in FIGURES.items():
        for png in pngs:
            f = figures["clean"] / png
            assert f.is_file() and f.stat().st_size > 10_000, f"{name} did not save {png}"
            assert f.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for png in FIGURES["budget_absorption.ipynb"]:
        assert (figures["findings"] / png).is_file()
    for (name, _), nb in zip(jobs, notebooks):
        images = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                  if "image/png" in o.get("data", {})]
        assert len(images) == len(FIGURES[name]), name
        errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
        assert not errors


def test_notebooks_are_stored_without_stale_state():
    """Committed notebooks parse, name the python3 kernel and save figures under notebooks/figures."""
    for name in FIGURES:
        nb = nbformat.read(NOTEBOOKS / name, as_version=4)
        nbformat.validate(nb)
        assert nb.metadata.kernelspec.name == "python3"
        source = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        for png in FIGURES[name]:
            assert f'"{png}"' in source
