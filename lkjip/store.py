"""The Parquet dataset on disk, written so that a run killed at any moment leaves it valid.

Layout (docs/data-contract.md): ``DIR/documents/``, ``DIR/tables/``, ``DIR/indicators/``,
``DIR/budgets/``, ``DIR/findings/``, each a Parquet dataset folder. Ingest writes one file per
document in each folder (``part-<doc_id>.parquet``): the parts first, the ``documents`` row last,
each under a hidden temporary name renamed into place. A document is in the dataset once its
``documents`` row is; parts without one (a run killed in between) are swept at the next start.
``compact`` rewrites the folders into one sorted file per report year (``year-<YYYY>.parquet``)
and swaps the folders in atomically.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Optional

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from lkjip.schema import SCHEMAS, to_table

PARTS = ("tables", "indicators", "budgets", "findings")
NAMES = ("documents",) + PARTS
SORT_KEYS = {"documents": ["report_year", "kabupaten_kota", "kecamatan", "doc_id"],
             "tables": ["doc_id", "table_id"],
             "indicators": ["report_year", "kabupaten_kota", "kecamatan", "doc_id", "table_id", "row_index"],
             "budgets": ["report_year", "kabupaten_kota", "kecamatan", "doc_id", "table_id", "row_index"],
             "findings": ["doc_id", "table_id", "line"]}
COMPACT_TMP = ".compact-tmp"
# rows about the dataset as a whole (cross-document findings), recomputed after every ingest:
# not a document's part, so neither swept as an orphan nor folded into the yearly files
DATASET_PART = "part-dataset.parquet"


class Dataset:
    """A dataset folder: read what is committed, add, replace, remove and compact documents."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def ensure(self) -> None:
        """Create the folders, finish an interrupted compaction, sweep leftovers of killed runs."""
        self._recover_compaction()
        for name in NAMES:
            (self.root / name).mkdir(parents=True, exist_ok=True)
            for tmp in (self.root / name).glob(".tmp-*"):
                tmp.unlink(missing_ok=True)
        committed = set(self.documents()["doc_id"])
        for name in PARTS:
            for part in (self.root / name).glob("part-*.parquet"):
                if part.name != DATASET_PART and part.stem[len("part-"):] not in committed:
                    part.unlink(missing_ok=True)  # written by a run killed before its commit

    def _part(self, name: str, doc_id: str) -> Path:
        """The file holding one document's rows of one table."""
        return self.root / name / f"part-{doc_id}.parquet"

    def files(self, name: str) -> list[Path]:
        """The visible Parquet files of one table folder."""
        folder = self.root / name
        return sorted(f for f in folder.glob("*.parquet") if not f.name.startswith((".", "_"))) \
            if folder.exists() else []

    def read(self, name: str, documents_only: bool = False, columns: Optional[list[str]] = None) -> pa.Table:
        """One table of the dataset, whole (empty with the contract's columns if none).

        ``documents_only`` leaves out the dataset-level rows (:data:`DATASET_PART`); ``columns``
        reads only those (less memory on a large dataset).
        """
        schema = SCHEMAS[name] if columns is None else pa.schema([SCHEMAS[name].field(c) for c in columns])
        files = [f for f in self.files(name) if not (documents_only and f.name == DATASET_PART)]
        if not files:
            return schema.empty_table()
        return pa.concat_tables([_conform(pq.read_table(f, columns=[c for c in schema.names
                                                                    if c in pq.read_schema(f).names]), schema)
                                 for f in files])

    def documents(self) -> pd.DataFrame:
        """The committed documents."""
        return self.read("documents").to_pandas()

    def write_parts(self, doc_id: str, parts: dict[str, list[dict]]) -> None:
        """Write one document's rows of the tables, indicators, budgets and findings (not yet committed)."""
        for name in PARTS:
            _atomic_write(to_table(name, parts.get(name, [])), self._part(name, doc_id))

    def commit(self, doc_row: dict) -> None:
        """Commit one document: its documents row makes its parts part of the dataset."""
        _atomic_write(to_table("documents", [doc_row]), self._part("documents", doc_row["doc_id"]))

    def remove(self, doc_ids: Iterable[str]) -> None:
        """Delete every row of some documents (documents rows first: nothing half-removed looks committed)."""
        ids = set(doc_ids)
        if not ids:
            return
        for name in NAMES:
            for doc_id in ids:
                self._part(name, doc_id).unlink(missing_ok=True)
            for f in self.files(name):
                if f.name.startswith("year-"):
                    t = _conform(pq.read_table(f), SCHEMAS[name])
                    keep = pc.invert(pc.is_in(t["doc_id"], value_set=pa.array(sorted(ids))))
                    if pc.sum(keep).as_py() != len(t):
                        _atomic_write(t.filter(keep), f)

    def compact(self) -> dict[str, int]:
        """Rewrite every folder into one file per report year, sorted for range scans; swap in atomically."""
        self.ensure()
        docs = self.read("documents")
        year_of = dict(zip(docs["doc_id"].to_pylist(), docs["report_year"].to_pylist()))
        tmp = self.root / COMPACT_TMP
        shutil.rmtree(tmp, ignore_errors=True)
        counts = {}
        for name in NAMES:
            t = self.read(name, documents_only=True)
            counts[name] = len(t)
            years = pa.array([year_of.get(d) for d in t["doc_id"].to_pylist()], type=pa.int64())
            (tmp / name).mkdir(parents=True)
            if (self.root / name / DATASET_PART).exists():
                shutil.copy2(self.root / name / DATASET_PART, tmp / name / DATASET_PART)
            if not len(t):  # an empty table keeps one file, so that readers still see its columns
                pq.write_table(t, tmp / name / "year-unknown.parquet")
            for year in sorted(set(years.to_pylist()), key=lambda y: (y is None, y or 0)):
                mask = pc.is_null(years) if year is None else pc.equal(years, year)
                part = t.filter(mask)
                keys = [k for k in SORT_KEYS[name] if k in part.column_names]
                part = part.sort_by([(k, "ascending") for k in keys])
                pq.write_table(part, tmp / name / f"year-{year if year is not None else 'unknown'}.parquet",
                               compression="zstd", row_group_size=64_000)
        (tmp / "COMPLETE").touch()
        self._recover_compaction()
        return counts

    def _recover_compaction(self) -> None:
        """Swap in a finished compaction (also after a crash in the middle of the swap)."""
        tmp = self.root / COMPACT_TMP
        if not tmp.exists():
            return
        if not (tmp / "COMPLETE").exists():
            shutil.rmtree(tmp, ignore_errors=True)  # an unfinished compaction: the old folders stand
            return
        for name in NAMES:
            new, cur, old = tmp / name, self.root / name, self.root / f".old-{name}"
            if not new.exists():
                continue  # already swapped
            if cur.exists():
                shutil.rmtree(old, ignore_errors=True)
                os.replace(cur, old)
            os.replace(new, cur)
            shutil.rmtree(old, ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """A file's table in the current schema: columns it predates added as nulls, extra ones dropped."""
    cols = [table[f.name].cast(f.type) if f.name in table.column_names else pa.nulls(len(table), f.type)
            for f in schema]
    return pa.Table.from_arrays(cols, schema=schema)


@contextmanager
def atomic_path(path: Path, suffix: str = ""):
    """A hidden temporary file beside ``path``, renamed onto it when the block succeeds.

    The rename makes the file appear whole or not at all for a killed process; no fsync, which
    would cost more than the extraction itself on slow disks (power loss is the file system's job).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=suffix, dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _atomic_write(table: pa.Table, path: Path) -> None:
    """Write a Parquet file atomically."""
    with atomic_path(path, ".parquet") as tmp:
        pq.write_table(table, tmp, compression="zstd")
