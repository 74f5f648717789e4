"""The dataset's tables as Arrow schemas: the data contract (docs/data-contract.md) in code."""
from __future__ import annotations

import pyarrow as pa

SCHEMA_VERSION = "1.0"

_s, _i, _f, _l = pa.string(), pa.int64(), pa.float64(), pa.list_(pa.string())

DOCUMENTS = pa.schema([
    ("doc_id", _s), ("sha256", _s), ("source_file", _s), ("file_name", _s), ("format", _s), ("n_pages", _i),
    ("instansi", _s), ("kecamatan", _s), ("kabupaten_kota", _s), ("province", _s), ("report_year", _i),
    ("status", _s), ("error", _s), ("n_tables", _i), ("n_indicator_values", _i), ("n_budget_rows", _i),
    ("n_findings", _i), ("schema_version", _s), ("extractor_version", _s),
    ("ingested_at", pa.timestamp("us", tz="UTC")), ("duration_s", _f), ("n_ocr_pages", _i),
])

TABLES = pa.schema([
    ("doc_id", _s), ("table_id", _s), ("table_number", _s), ("caption", _s), ("kind", _s),
    ("page_start", _i), ("page_end", _i), ("line_start", _i), ("line_end", _i), ("n_rows", _i), ("n_cols", _i),
    ("header", _l),
])

INDICATORS = pa.schema([
    ("doc_id", _s), ("table_id", _s), ("row_index", _i), ("page", _i), ("line", _i),
    ("kecamatan", _s), ("kabupaten_kota", _s), ("report_year", _i), ("table_kind", _s), ("level", _s),
    ("sasaran", _s), ("indicator_raw", _s), ("indicator_name", _s), ("indicator_id", _s), ("match_score", _f),
    ("year", _i), ("measure", _s), ("comparator", _s), ("period", _s), ("value", _f), ("value_raw", _s), ("unit", _s),
    ("grade", _s), ("text_source", _s), ("confidence", _f),
])

BUDGETS = pa.schema([
    ("doc_id", _s), ("table_id", _s), ("row_index", _i), ("page", _i), ("line", _i),
    ("kecamatan", _s), ("kabupaten_kota", _s), ("report_year", _i), ("unit_kerja", _s), ("level", _s),
    ("code", _s), ("name", _s), ("program", _s), ("kegiatan", _s), ("indikator", _s),
    ("anggaran", _f), ("realisasi", _f), ("persen", _f), ("persen_computed", _f),
    ("anggaran_raw", _s), ("realisasi_raw", _s), ("persen_raw", _s), ("text_source", _s), ("confidence", _f),
])

FINDINGS = pa.schema([
    ("doc_id", _s), ("table_id", _s), ("page", _i), ("line", _i), ("check", _s), ("severity", _s),
    ("message", _s), ("expected", _f), ("actual", _f), ("refs", _l),
])

SCHEMAS = {"documents": DOCUMENTS, "tables": TABLES, "indicators": INDICATORS, "budgets": BUDGETS,
           "findings": FINDINGS}


def to_table(name: str, rows: list[dict]) -> pa.Table:
    """Rows (dicts) as an Arrow table of the named schema; '' strings become nulls."""
    schema = SCHEMAS[name]
    cols = {}
    for f in schema:
        vals = [r.get(f.name) for r in rows]
        if pa.types.is_string(f.type):
            vals = [None if v is None or v == "" else str(v) for v in vals]
        cols[f.name] = pa.array(vals, type=f.type)
    return pa.table(cols, schema=schema)
