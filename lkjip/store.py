"""The Parquet dataset on disk: one file per document in each table folder, written atomically.

Layout (docs/data-contract.md): ``DIR/documents/``, ``DIR/tables/``, ``DIR/indicators/``,
``DIR/budgets/``, ``DIR/findings/``, each a Parquet dataset folder. A document's parts are written
to hidden temporary files and renamed into place; its ``documents`` row is written last, so a
run killed at any moment leaves no half-written document that a re-run would take as done.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from lkjip.schema import SCHEMAS, to_table

PARTS = ("tables", "indicators", "budgets", "findings")


class Dataset:
    """A dataset folder: read what is there, add or replace one document's rows."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def ensure(self) -> None:
        """Create the table folders (an empty dataset is still a valid dataset)."""
        for name in SCHEMAS:
            (self.root / name).mkdir(parents=True, exist_ok=True)

    def _part(self, name: str, doc_id: str) -> Path:
        """The file holding one document's rows of one table."""
        return self.root / name / f"part-{doc_id}.parquet"

    def documents(self) -> pd.DataFrame:
        """The documents table as it is on disk (empty frame with the contract's columns if none)."""
        folder = self.root / "documents"
        files = sorted(folder.glob("part-*.parquet")) if folder.exists() else []
        if not files:
            return SCHEMAS["documents"].empty_table().to_pandas()
        return pa.concat_tables([pq.read_table(f, schema=SCHEMAS["documents"]) for f in files]).to_pandas()

    def write(self, doc_row: dict, parts: dict[str, list[dict]]) -> None:
        """Write one document: its part files first, its documents row last, each atomically."""
        doc_id = doc_row["doc_id"]
        for name in PARTS:
            _atomic_write(to_table(name, parts.get(name, [])), self._part(name, doc_id))
        _atomic_write(to_table("documents", [doc_row]), self._part("documents", doc_id))

    def remove(self, doc_id: str) -> None:
        """Delete every row of one document (documents row first, so no half-removed document looks done)."""
        for name in ("documents",) + PARTS:
            self._part(name, doc_id).unlink(missing_ok=True)


def _atomic_write(table: pa.Table, path: Path) -> None:
    """Write a Parquet file under a hidden temporary name and rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".parquet", dir=path.parent)
    os.close(fd)
    try:
        pq.write_table(table, tmp, compression="zstd")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
