"""Explore the dataset: DuckDB views over the Parquet folders and the ``query``, ``show`` and ``export`` commands.

    lkjip query "SQL" [--data DIR] [--format table|csv|json|parquet] [--output FILE]
    lkjip query --views [--data DIR]
    lkjip show DOC_ID|PATH [--data DIR]
    lkjip export --format csv|xlsx [--data DIR] [--output PATH] [--tables NAME,...]

The contract's tables (docs/data-contract.md) are views named ``documents``, ``tables``,
``indicators``, ``budgets`` and ``findings``, each over ``DIR/<name>/**/*.parquet`` with the
contract's column types (an absent or empty folder gives an empty view with the same columns);
hidden files are left out, and so are the rows of documents not committed (no ``documents`` row:
a run killed mid-document, see lkjip/store.py).
Convenience views on top of them (``VIEWS``):

- ``capaian``: one row per document x table row x indicator x year, with target, realisasi and
  capaian side by side and ``capaian_computed = 100 * realisasi / target``;
- ``kinerja_tahunan``: one row per reporting unit x indicator x year, the best-sourced ``capaian`` row
  (a row with realisasi, from that year's own report, from a target/realisasi table first);
- ``serapan``: budget absorption per document x table x unit_kerja x program (the lowest budget level
  present is summed, so nothing is counted twice);
- ``temuan``: the audit findings with the report's unit, year and the table's caption.

From Python: ``lkjip.query.connect("data/parquet").sql("SELECT * FROM capaian").df()``.
"""
from __future__ import annotations

import argparse
import json
import math
import re
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence

import pyarrow as pa

from lkjip.schema import SCHEMAS
from lkjip.store import atomic_path

EXIT_OK, EXIT_USAGE = 0, 2
DEFAULT_DATA = Path("data/parquet")
TABLE_MAX_ROWS = 100  # rows printed by --format table unless --max-rows says otherwise
CELL_WIDTH = 48  # longest cell in plain-text tables

# Indicator table kinds in order of preference when the same unit, indicator and year is reported
# by several tables: a target/realisasi table is the report's own account of the year.
_KIND_RANK = ("target_realisasi", "iku", "multi_year", "other_indicator", "benchmark", "efisiensi",
              "perjanjian_kinerja", "renstra_target")

VIEWS: dict[str, tuple[str, str]] = {
    "capaian": (
        "one row per document x table row x indicator x year: target, realisasi, capaian side by side",
        """
        SELECT i.doc_id, any_value(d.instansi) AS instansi, any_value(i.kecamatan) AS kecamatan,
               any_value(i.kabupaten_kota) AS kabupaten_kota, any_value(i.report_year) AS report_year,
               i.table_id, any_value(i.table_kind) AS table_kind, i.row_index,
               any_value(i.level) AS level, any_value(i.sasaran) AS sasaran,
               any_value(i.indicator_id) AS indicator_id, any_value(i.indicator_name) AS indicator_name,
               i.indicator_raw, i.year,
               min(i.value) FILTER (WHERE i.measure = 'target') AS target,
               min(i.value) FILTER (WHERE i.measure = 'realisasi') AS realisasi,
               min(i.value) FILTER (WHERE i.measure = 'capaian') AS capaian,
               round(100 * min(i.value) FILTER (WHERE i.measure = 'realisasi')
                     / nullif(min(i.value) FILTER (WHERE i.measure = 'target'), 0), 2) AS capaian_computed,
               coalesce(min(i.unit) FILTER (WHERE i.measure = 'target'),
                        min(i.unit) FILTER (WHERE i.measure = 'realisasi')) AS unit,
               min(i.grade) AS grade, min(i.page) AS page, min(i.line) AS line
        FROM indicators i LEFT JOIN documents d ON d.doc_id = i.doc_id
        WHERE i.measure IN ('target', 'realisasi', 'capaian') AND i.comparator IS NULL
        GROUP BY i.doc_id, i.table_id, i.row_index, i.indicator_raw, i.year
        HAVING count(i.value) > 0
        ORDER BY i.doc_id, i.table_id, i.row_index, i.indicator_raw, i.year
        """),
    "kinerja_tahunan": (
        "one row per reporting unit x indicator x year: the best-sourced capaian row, n_sources rows seen",
        f"""
        SELECT kabupaten_kota, kecamatan, instansi, indicator_id, indicator_name, level, year,
               target, realisasi, capaian, capaian_computed, unit,
               doc_id, report_year, table_id, table_kind, line, page, n_sources
        FROM (
            SELECT *,
                   count(*) OVER (PARTITION BY coalesce(instansi, kecamatan, doc_id), indicator_id, year)
                       AS n_sources,
                   row_number() OVER (
                       PARTITION BY coalesce(instansi, kecamatan, doc_id), indicator_id, year
                       ORDER BY realisasi IS NULL, target IS NULL, coalesce(report_year = year, false) DESC,
                                report_year DESC NULLS LAST,
                                coalesce(list_position({list(_KIND_RANK)!r}, table_kind), 99),
                                doc_id, table_id, row_index) AS _rank
            FROM capaian WHERE indicator_id IS NOT NULL
        ) WHERE _rank = 1
        ORDER BY kabupaten_kota, kecamatan, instansi, indicator_id, year
        """),
    "serapan": (
        "budget absorption per document x table x unit_kerja x program (anggaran, realisasi, persen)",
        """
        WITH b AS (
            SELECT *,
                   CASE WHEN level = 'program' THEN name ELSE program END AS program_name,
                   upper(trim(regexp_replace(CASE WHEN level = 'program' THEN name ELSE program END,
                                             '\\s+', ' ', 'g'))) AS program_key,
                   CASE level WHEN 'sub_kegiatan' THEN 3 WHEN 'kegiatan' THEN 2 ELSE 1 END AS depth
            FROM budgets
            WHERE level IN ('program', 'kegiatan', 'sub_kegiatan')
              AND table_id IN (SELECT table_id FROM budgets GROUP BY table_id HAVING count(realisasi) > 0)
        ), leaf AS (
            SELECT *, max(depth) OVER (PARTITION BY doc_id, table_id, unit_kerja, program_key) AS leaf_depth
            FROM b
        )
        SELECT doc_id, any_value(kecamatan) AS kecamatan, any_value(kabupaten_kota) AS kabupaten_kota,
               any_value(report_year) AS report_year, table_id, unit_kerja,
               CASE WHEN unit_kerja ILIKE 'kelurahan%' THEN 'kelurahan'
                    WHEN unit_kerja ILIKE 'desa%' THEN 'desa'
                    WHEN unit_kerja ILIKE 'kecamatan%' THEN 'kecamatan'
                    ELSE 'lain' END AS unit_type,
               min(program_name) AS program, any_value(level) AS basis_level, count(*) AS n_lines,
               sum(anggaran) AS anggaran, sum(realisasi) AS realisasi,
               round(100 * sum(realisasi) / nullif(sum(anggaran), 0), 2) AS persen
        FROM leaf WHERE depth = leaf_depth
        GROUP BY doc_id, table_id, unit_kerja, program_key
        ORDER BY doc_id, table_id, min(row_index)
        """),
    "temuan": (
        "the audit findings with the report's unit and year, the table's caption, and the budget line's "
        "unit_kerja/program or the indicator on the finding's line",
        """
        SELECT f.doc_id, d.instansi, d.kecamatan, d.kabupaten_kota, d.report_year, d.file_name,
               f.table_id, t.table_number, t.caption, t.kind AS table_kind, f.page, f.line,
               f."check", f.severity, f.message, f.expected, f.actual, f.refs,
               b.unit_kerja, b.program, b.name AS budget_name, i.indicator_name
        FROM findings f LEFT JOIN documents d ON d.doc_id = f.doc_id
             LEFT JOIN tables t ON t.table_id = f.table_id
             LEFT JOIN (SELECT table_id, line, any_value(unit_kerja) AS unit_kerja,
                               any_value(CASE WHEN level = 'program' THEN name ELSE program END) AS program,
                               any_value(name) AS name
                        FROM budgets WHERE line IS NOT NULL GROUP BY table_id, line) b
                    ON b.table_id = f.table_id AND b.line = f.line
             LEFT JOIN (SELECT table_id, line, any_value(indicator_name) AS indicator_name
                        FROM indicators WHERE line IS NOT NULL GROUP BY table_id, line) i
                    ON i.table_id = f.table_id AND i.line = f.line
        ORDER BY f.doc_id, list_position(['error', 'warning', 'info'], f.severity), f.table_id, f.line
        """),
}

# Exported by default, in this order: the contract's tables, then the views analysts start from.
EXPORT_DEFAULT = tuple(SCHEMAS) + ("capaian", "kinerja_tahunan", "serapan")


class DataError(Exception):
    """A dataset or argument problem, reported as one line and exit status 2."""


# ----------------------------------------------------------------------------------------- views

def _duck_type(t: pa.DataType) -> str:
    """The DuckDB type of a contract column."""
    if pa.types.is_string(t):
        return "VARCHAR"
    if pa.types.is_int64(t):
        return "BIGINT"
    if pa.types.is_float64(t):
        return "DOUBLE"
    if pa.types.is_timestamp(t):
        return "TIMESTAMPTZ" if t.tz else "TIMESTAMP"
    if pa.types.is_list(t):
        return _duck_type(t.value_type) + "[]"
    raise TypeError(f"no DuckDB type for {t}")


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _quote_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def parquet_files(data: Path, name: str) -> list[Path]:
    """The Parquet files of one table folder (recursively), leaving out hidden and temporary files."""
    folder = Path(data) / name
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*.parquet")
                  if p.is_file() and not any(part.startswith((".", "_")) for part in p.relative_to(folder).parts))


def _table_view_sql(con, data: Path, name: str) -> str:
    """SELECT for one contract table: its columns cast to the contract's types, extra columns kept."""
    schema = SCHEMAS[name]
    files = parquet_files(data, name)
    if not files:
        cols = ", ".join(f"CAST(NULL AS {_duck_type(f.type)}) AS {_quote_ident(f.name)}" for f in schema)
        return f"SELECT {cols} WHERE false"
    source = ("read_parquet([" + ", ".join(_quote_str(str(p.resolve())) for p in files) + "], union_by_name = true)")
    present = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
    cols = []
    for f in schema:
        expr = _quote_ident(f.name) if f.name in present else "NULL"
        cols.append(f"CAST({expr} AS {_duck_type(f.type)}) AS {_quote_ident(f.name)}")
    cols += [_quote_ident(c) for c in present if c not in schema.names]
    return f"SELECT {', '.join(cols)} FROM {source}"


def connect(data: Path | str = DEFAULT_DATA, *, must_exist: bool = True):
    """An in-memory DuckDB connection with the dataset's tables and the convenience views.

    Raises DataError when ``data`` is not a folder (and ``must_exist``), ImportError without duckdb.
    """
    import duckdb

    data = Path(data)
    if must_exist and not data.is_dir():
        raise DataError(f"no dataset at {data}: run `lkjip ingest` first, or give --data DIR")
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET TimeZone = 'UTC'")
    except duckdb.Error:  # pragma: no cover - ICU missing: timestamps still work, shown in local time
        pass
    for name in SCHEMAS:
        sql = _table_view_sql(con, data, name)
        if name != "documents":  # a document is in the dataset once its documents row is (lkjip.store)
            sql = f"SELECT * FROM ({sql}) WHERE doc_id IN (SELECT doc_id FROM documents) OR doc_id IS NULL"
        con.execute(f"CREATE VIEW {_quote_ident(name)} AS {sql}")
    for name, (_, sql) in VIEWS.items():
        con.execute(f"CREATE VIEW {_quote_ident(name)} AS {sql}")
    return con


def describe_views(con) -> list[tuple[str, str, list[str]]]:
    """(name, description, columns) of every view, the contract's tables first."""
    out = []
    for name in list(SCHEMAS) + list(VIEWS):
        cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {_quote_ident(name)}").fetchall()]
        desc = VIEWS[name][0] if name in VIEWS else "contract table (docs/data-contract.md)"
        out.append((name, desc, cols))
    return out


def duckdb_error_line(exc: Exception) -> str:
    """A DuckDB error as one line: its first line, plus the 'Did you mean' hint if there is one."""
    lines = [l.strip() for l in str(exc).splitlines() if l.strip()]
    if not lines:
        return type(exc).__name__
    msg = lines[0]
    if msg.startswith("Catalog Error") and "does not exist" in msg:
        return f"{msg} Views: {', '.join(list(SCHEMAS) + list(VIEWS))} (lkjip query --views lists their columns)."
    hint = next((l for l in lines[1:] if l.lower().startswith(("did you mean", "candidate"))), None)
    return f"{msg} {hint}" if hint else msg


# ------------------------------------------------------------------------------------ formatting

def _cell(v: Any, null: str = "") -> str:
    """A value as text for a terminal or a spreadsheet cell."""
    if v is None:
        return null
    if isinstance(v, float):
        if math.isnan(v):
            return null
        if v.is_integer() and abs(v) < 1e15:
            return f"{v:,.0f}"
        return f"{v:,.4f}".rstrip("0").rstrip(".")
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, (list, tuple)):
        return "; ".join(_cell(x) for x in v)
    return str(v)


def _clip(s: str, width: int) -> str:
    s = " ".join(s.split())
    return s if len(s) <= width else s[: width - 1] + "…"


def _numeric(values: Iterable[Any]) -> bool:
    vals = [v for v in values if v is not None]
    return bool(vals) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals)


def plain_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], width: int = CELL_WIDTH,
                null: str = "NULL") -> str:
    """Rows as an aligned plain-text table (numbers right-aligned, long cells clipped)."""
    cols = list(columns)
    right = [_numeric(r[i] for r in rows) for i in range(len(cols))]
    text = [[_clip(_cell(v, null), width) for v in r] for r in rows]
    widths = [max([len(c)] + [len(r[i]) for r in text]) for i, c in enumerate(cols)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if right[i] else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    out = [line(cols), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in text]
    return "\n".join(out)


def _rich_console(stream):
    """A rich Console on a terminal, None when rich is absent or the output is not a terminal."""
    if not getattr(stream, "isatty", lambda: False)():
        return None
    try:
        from rich.console import Console
    except ImportError:
        return None
    return Console(file=stream)


def print_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], stream=None, title: str = "",
                null: str = "NULL") -> None:
    """A table on a terminal: rich when available and on a terminal, else aligned plain text."""
    stream = stream or sys.stdout
    console = _rich_console(stream)
    if console is None:
        if title:
            print(title, file=stream)
        print(plain_table(columns, rows, null=null), file=stream)
        return
    from rich.table import Table
    from rich.text import Text

    t = Table(title=title or None, title_justify="left", show_lines=False, header_style="bold")
    for i, c in enumerate(columns):
        t.add_column(c, justify="right" if _numeric(r[i] for r in rows) else "left", overflow="fold",
                     max_width=CELL_WIDTH)
    for r in rows:
        t.add_row(*[Text(_cell(v, null)) if v is not None else Text(null, style="dim") for v in r])
    console.print(t)


def _json_default(v: Any):
    if isinstance(v, (datetime, date)):
        return v.isoformat()
    return str(v)


# ------------------------------------------------------------------------------------- commands

def _read_sql(arg: str) -> str:
    if arg == "-":
        return sys.stdin.read()
    return arg


def cmd_query(args: argparse.Namespace) -> int:
    """lkjip query."""
    import duckdb

    con = connect(args.data)
    if args.views:
        for name, desc, cols in describe_views(con):
            print(f"{name}: {desc}\n    {', '.join(cols)}")
        return EXIT_OK
    if not args.sql:
        return _usage("give a SQL query, e.g. lkjip query \"SELECT * FROM capaian LIMIT 5\" (or --views)")
    sql = _read_sql(args.sql)
    if args.format == "parquet" and not args.output:
        return _usage("--format parquet needs --output FILE")
    try:
        rel = con.sql(sql)
        if rel is None:  # a statement without a result (SET, CREATE ...)
            return EXIT_OK
        table = _arrow(rel)
    except duckdb.Error as exc:
        print(f"lkjip query: {duckdb_error_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return _write_result(table, args)
    except OSError as exc:
        return _usage(f"cannot write {args.output}: {exc.strerror or exc}")


def _write_result(table: pa.Table, args: argparse.Namespace) -> int:
    """Write a query result in the requested format to --output or stdout."""
    out = Path(args.output) if args.output else None
    if out and out.parent and not out.parent.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
    fmt = args.format
    if fmt == "parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, out)
        print(f"{table.num_rows} rows -> {out}", file=sys.stderr)
        return EXIT_OK
    if fmt == "csv":
        df = _spreadsheet_frame(table)
        if out:
            df.to_csv(out, index=False)
        else:
            df.to_csv(sys.stdout, index=False)
        return EXIT_OK
    if fmt == "json":
        text = json.dumps(table.to_pylist(), ensure_ascii=False, default=_json_default, indent=1)
        if out:
            out.write_text(text + "\n", encoding="utf-8")
        else:
            print(text)
        return EXIT_OK
    rows = [tuple(r.values()) for r in table.slice(0, args.max_rows or None).to_pylist()]
    if out:
        with open(out, "w", encoding="utf-8") as f:
            f.write(plain_table(table.column_names, rows) + "\n")
    else:
        print_table(table.column_names, rows)
    shown = len(rows)
    if table.num_rows > shown:
        print(f"({table.num_rows} rows, first {shown} shown: --max-rows 0 for all, or --format csv)",
              file=sys.stderr)
    elif not out:
        print(f"({table.num_rows} row{'s' if table.num_rows != 1 else ''})", file=sys.stderr)
    return EXIT_OK


def _spreadsheet_frame(table: pa.Table):
    """A result as a pandas frame for CSV/XLSX: list columns joined as text, timestamps without zone."""
    import pandas as pd

    df = table.to_pandas()
    for f in table.schema:
        if pa.types.is_list(f.type) or pa.types.is_large_list(f.type):
            df[f.name] = [None if v is None else "; ".join("" if x is None else str(x) for x in v)
                          for v in table.column(f.name).to_pylist()]
        elif pa.types.is_timestamp(f.type) and f.type.tz:
            df[f.name] = pd.to_datetime(df[f.name]).dt.tz_convert("UTC").dt.tz_localize(None)
    return df


# --------------------------------------------------------------------------------------- show

def _resolve_doc(con, ref: str) -> list[str]:
    """doc_ids matching a doc_id (or its prefix), a source path/file name, or a file's SHA-256."""
    def find(where: str, params: list) -> list:
        return _rows(con, f"SELECT doc_id FROM documents WHERE {where}", params)[1]

    ids = find("doc_id = ?", [ref])
    if not ids and len(ref) >= 4 and re.fullmatch(r"[0-9a-fA-F]+", ref):
        ids = find("doc_id LIKE ? OR sha256 LIKE ?", [ref.lower() + "%", ref.lower() + "%"])
    if not ids:
        p = Path(ref)
        if p.is_file():
            from lkjip.pipeline import sha256_of

            ids = find("sha256 = ?", [sha256_of(p)])
        if not ids:
            ids = find("source_file = ? OR file_name = ?", [ref, p.name])
    return sorted({r[0] for r in ids})


def _arrow(result) -> pa.Table:
    """A DuckDB result as an Arrow table (through Arrow, so timestamps with a zone need no pytz)."""
    for name in ("to_arrow_table", "fetch_arrow_table", "arrow"):  # the name changed across DuckDB versions
        if hasattr(result, name):
            t = getattr(result, name)()
            return t.read_all() if hasattr(t, "read_all") else t
    raise TypeError(f"cannot read {type(result).__name__} as Arrow")


def _rows(con, sql: str, params: list) -> tuple[list[str], list[tuple]]:
    t = _arrow(con.sql(sql, params=params))
    return t.column_names, [tuple(r.values()) for r in t.to_pylist()]


def _where(t: dict) -> str:
    if t.get("page_start") is not None:
        a, b = t["page_start"], t.get("page_end")
        return f"p. {a}" if b in (None, a) else f"pp. {a}-{b}"
    if t.get("line_start") is not None:
        return f"lines {t['line_start']}-{t.get('line_end') or t['line_start']}"
    return ""


def _money(v: Optional[float]) -> str:
    return "-" if v is None else f"Rp {v:,.0f}"


def cmd_show(args: argparse.Namespace) -> int:
    """lkjip show: one screen about a report."""
    con = connect(args.data)
    ids = _resolve_doc(con, args.doc)
    if not ids:
        return _usage(f"no report {args.doc!r} in {args.data}: give a doc_id (see `lkjip query \"SELECT doc_id, "
                      f"file_name FROM documents\" --data {args.data}`) or the report's file")
    if len(ids) > 1:
        return _usage(f"{args.doc!r} matches {len(ids)} reports ({', '.join(ids[:5])}...): give more of the doc_id")
    doc_id = ids[0]
    out = sys.stdout
    cols, rows = _rows(con, "SELECT * FROM documents WHERE doc_id = ?", [doc_id])
    d = dict(zip(cols, rows[0]))
    where = ", ".join(x for x in (d.get("kabupaten_kota"), d.get("province")) if x)
    title = d.get("instansi") or d.get("file_name")
    print(f"{title}{' (' + where + ')' if where else ''}, report year {d.get('report_year') or '?'}", file=out)
    size = f"{d['n_pages']} pages, " if d.get("n_pages") else ""
    print(f"doc_id {doc_id}  file {d.get('source_file')}  ({d.get('format')}, {size}status {d.get('status')})",
          file=out)
    if d.get("error"):
        print(f"error: {d['error']}", file=out)
    ing = d.get("ingested_at")
    print(f"ingested {_cell(ing) if ing else '?'} UTC by lkjip {d.get('extractor_version')}, schema "
          f"{d.get('schema_version')}; {d.get('n_tables')} tables, {d.get('n_indicator_values')} indicator values, "
          f"{d.get('n_budget_rows')} budget rows", file=out)

    # tables
    cols, rows = _rows(con, "SELECT * FROM tables WHERE doc_id = ? ORDER BY coalesce(page_start, 0), "
                            "coalesce(line_start, 0), table_id", [doc_id])
    tabs = [dict(zip(cols, r)) for r in rows]
    listed = [t for t in tabs if t["kind"] != "other"]
    print(file=out)
    trows = [(t["table_id"].rsplit("-", 1)[-1], t["table_number"] or "", t["kind"], f"{t['n_rows']}x{t['n_cols']}",
              _where(t), _clip(t["caption"] or "", 60)) for t in listed]
    others = len(tabs) - len(listed)
    title = f"Tables: {len(tabs)} found" + (f" ({others} of kind 'other' not listed: staff, legends...)"
                                            if others else "")
    if trows:
        print_table(["table", "no.", "kind", "size", "where", "caption"], trows, out, title=title, null="")
    else:
        print(title, file=out)

    # key indicators of the report year
    cols, rows = _rows(con, f"""
        SELECT indicator_name, year, target, realisasi, capaian, capaian_computed, unit
        FROM (SELECT *, row_number() OVER (PARTITION BY coalesce(indicator_id, indicator_raw) ORDER BY
                        realisasi IS NULL, coalesce(list_position({list(_KIND_RANK)!r}, table_kind), 99),
                        table_id, row_index) AS r
              FROM capaian WHERE doc_id = ? AND year = coalesce(report_year, year)
                    AND (target IS NOT NULL OR realisasi IS NOT NULL))
        WHERE r = 1 ORDER BY realisasi IS NULL, table_id, line LIMIT 12""", [doc_id])
    print(file=out)
    if rows:
        print_table(["indicator", "year", "target", "realisasi", "capaian %", "computed %", "unit"],
                    [(_clip(r[0] or "", 55),) + tuple(r[1:]) for r in rows], out,
                    title="Key indicators (the report year; capaian as printed, computed = 100*realisasi/target)",
                    null="-")
    else:
        print("Key indicators: none with a target or realisasi for the report year", file=out)

    # budget
    print(file=out)
    cols, rows = _rows(con, """
        SELECT count(DISTINCT unit_kerja), count(DISTINCT program), sum(anggaran), sum(realisasi),
               round(100 * sum(realisasi) / nullif(sum(anggaran), 0), 2)
        FROM serapan WHERE doc_id = ?""", [doc_id])
    n_units, n_prog, ang, real, pct = rows[0]
    if ang is not None:
        print(f"Budget (realisation tables): anggaran {_money(ang)}, realisasi {_money(real)}, serapan "
              f"{_cell(pct, '-')}% over {n_prog} programs and {n_units} unit kerja", file=out)
        _, prows = _rows(con, """
            SELECT program, sum(anggaran), sum(realisasi), round(100 * sum(realisasi) / nullif(sum(anggaran), 0), 2)
            FROM serapan WHERE doc_id = ? GROUP BY program ORDER BY sum(anggaran) DESC NULLS LAST LIMIT 6""",
                         [doc_id])
        print_table(["program", "anggaran", "realisasi", "persen"], [(_clip(p or "", 60), a, r, c) for p, a, r, c in prows],
                    out, null="-")
    else:
        _, prow = _rows(con, "SELECT count(*), sum(anggaran) FILTER (WHERE level = 'program') FROM budgets "
                             "WHERE doc_id = ?", [doc_id])
        n, pagu = prow[0]
        if n:
            print(f"Budget: {n} budget lines, no realisasi reported" +
                  (f"; program budgets total {_money(pagu)}" if pagu else ""), file=out)
        else:
            print("Budget: no budget table found", file=out)

    # findings
    print(file=out)
    _, frows = _rows(con, """SELECT severity, "check", count(*) FROM findings WHERE doc_id = ?
                             GROUP BY severity, "check"
                             ORDER BY list_position(['error', 'warning', 'info'], severity), 3 DESC, 2""",
                     [doc_id])
    if not frows:
        print("Findings: none recorded", file=out)
    else:
        total = sum(r[2] for r in frows)
        by_sev: dict[str, int] = {}
        by_check: dict[str, int] = {}
        for sev, check, n in frows:
            by_sev[sev] = by_sev.get(sev, 0) + n
            by_check[check] = by_check.get(check, 0) + n
        print(f"Findings: {total} (" + ", ".join(f"{n} {s}" for s, n in by_sev.items()) + "): "
              + ", ".join(f"{c} {n}" for c, n in sorted(by_check.items(), key=lambda kv: -kv[1])), file=out)
        _, msgs = _rows(con, """SELECT severity, coalesce(table_id, ''), message FROM findings WHERE doc_id = ?
                                ORDER BY list_position(['error', 'warning', 'info'], severity), table_id, line
                                LIMIT 5""", [doc_id])
        for sev, tid, msg in msgs:
            print(f"  [{sev}] {tid.rsplit('-', 1)[-1] if tid else '-'}: {_clip(msg or '', 100)}", file=out)
    return EXIT_OK


# -------------------------------------------------------------------------------------- export

XLSX_MAX_ROWS = 1_048_575  # data rows per sheet under the header row


def cmd_export(args: argparse.Namespace) -> int:
    """lkjip export: the dataset as CSV files or one XLSX workbook."""
    try:
        return _export(args)
    except OSError as exc:
        return _usage(f"cannot write {args.output or 'the export'}: {exc}")


def _export(args: argparse.Namespace) -> int:
    con = connect(args.data)
    names = [n.strip() for n in args.tables.split(",") if n.strip()] if args.tables else list(EXPORT_DEFAULT)
    unknown = [n for n in names if n not in SCHEMAS and n not in VIEWS]
    if unknown:
        return _usage(f"unknown table {', '.join(unknown)}; choose from {', '.join(list(SCHEMAS) + list(VIEWS))}")
    if args.format == "csv":
        out = Path(args.output or "lkjip-export")
        if out.exists() and not out.is_dir():
            return _usage(f"{out} exists and is not a folder")
        out.mkdir(parents=True, exist_ok=True)
        counts = {}
        for n in names:  # one table in memory at a time
            df = _spreadsheet_frame(_arrow(con.sql(f"SELECT * FROM {_quote_ident(n)}")))
            df.to_csv(out / f"{n}.csv", index=False, encoding="utf-8-sig")  # BOM: spreadsheets read UTF-8
            counts[n] = len(df)
        print(f"{len(counts)} CSV files -> {out}/ (" + ", ".join(f"{n} {k}" for n, k in counts.items()) + ")")
        return EXIT_OK
    try:
        import openpyxl  # noqa: F401
    except ImportError:
        return _usage("--format xlsx needs openpyxl: pip install openpyxl (or use --format csv)")
    out = Path(args.output or "lkjip-export.xlsx")
    if out.suffix.lower() != ".xlsx":
        out = out.with_name(out.name + ".xlsx")
    out.parent.mkdir(parents=True, exist_ok=True)
    counts = _write_xlsx(con, names, out)
    print(f"{len(counts)} sheets -> {out} (" + ", ".join(f"{n} {k}" for n, k in counts.items()) + ")")
    return EXIT_OK


def _xlsx_value(v: Any, illegal) -> Any:
    """A value as an Excel cell: lists joined as text, timestamps without zone (UTC), no control characters."""
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, (list, tuple)):
        v = "; ".join("" if x is None else str(x) for x in v)
    if isinstance(v, str):
        return illegal.sub("", v)
    if isinstance(v, datetime) and v.tzinfo is not None:
        from datetime import timezone

        return v.astimezone(timezone.utc).replace(tzinfo=None)
    return v


def _write_xlsx(con, names: list[str], out: Path) -> dict[str, int]:
    """One sheet per table (continued on further sheets past Excel's row limit), header frozen, filters on.

    Written in openpyxl's streaming mode, a batch of rows at a time, so memory stays flat.
    """
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    counts = {}
    for name in names:
        rel = con.sql(f"SELECT * FROM {_quote_ident(name)}")
        columns = list(rel.columns)
        total = con.sql(f"SELECT count(*) FROM {_quote_ident(name)}").fetchall()[0][0]
        sample = _arrow(con.sql(f"SELECT * FROM {_quote_ident(name)} LIMIT 200")).to_pylist()
        widths = [min(50, max([len(c)] + [len(str(_xlsx_value(r[c], ILLEGAL_CHARACTERS_RE) or "")) for r in sample]) + 2)
                  for c in columns]
        reader = rel.to_arrow_reader(batch_size=50_000) if hasattr(rel, "to_arrow_reader") \
            else rel.fetch_arrow_reader(batch_size=50_000)
        sheet_no, in_sheet, ws = 0, 0, None

        def new_sheet(n_rows: int):
            nonlocal sheet_no
            sheet_no += 1
            title = name[:31] if sheet_no == 1 else f"{name[:26]} ({sheet_no})"
            sheet = wb.create_sheet(title)
            sheet.freeze_panes = "A2"
            for i, w in enumerate(widths, 1):
                sheet.column_dimensions[get_column_letter(i)].width = w
            if columns:
                sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{n_rows + 1}"
            sheet.append(columns)
            return sheet

        remaining = total
        ws = new_sheet(min(remaining, XLSX_MAX_ROWS))
        for batch in reader:
            for row in batch.to_pylist():
                if in_sheet == XLSX_MAX_ROWS:
                    remaining -= in_sheet
                    ws, in_sheet = new_sheet(min(remaining, XLSX_MAX_ROWS)), 0
                ws.append([_xlsx_value(row[c], ILLEGAL_CHARACTERS_RE) for c in columns])
                in_sheet += 1
        counts[name] = total
    with atomic_path(out, ".xlsx") as tmp:
        wb.save(tmp)
    return counts


# --------------------------------------------------------------------------------------- parsers

def _usage(msg: Any) -> int:
    print(f"lkjip: {msg}", file=sys.stderr)
    return EXIT_USAGE


def _needs_duckdb(handler):
    """Run a handler, turning a missing duckdb, a missing dataset or a DuckDB error into a one-line message."""
    def run(args: argparse.Namespace) -> int:
        try:
            import duckdb
        except ImportError:
            return _usage("this command needs DuckDB: pip install duckdb")
        try:
            return handler(args)
        except DataError as exc:
            return _usage(exc)
        except duckdb.Error as exc:  # e.g. a Parquet file that is not one
            return _usage(duckdb_error_line(exc))
    run.__doc__ = handler.__doc__
    return run


def register(subparsers) -> None:
    """Add the query, show and export sub-commands."""
    data_help = f"dataset folder (default {DEFAULT_DATA})"
    q = subparsers.add_parser(
        "query", help="run SQL (DuckDB) on the dataset",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run a DuckDB SQL query on the dataset. Views: documents, tables, indicators, budgets, "
                    "findings (the data contract) and " + ", ".join(VIEWS) + ".",
        epilog="views:\n" + "\n".join(f"  {n:16} {d}" for n, (d, _) in VIEWS.items()) +
               "\n\nexamples:\n  lkjip query \"SELECT kecamatan, indicator_name, year, target, realisasi, capaian "
               "FROM capaian LIMIT 10\"\n  lkjip query \"SELECT * FROM serapan\" --format csv --output serapan.csv\n"
               "  lkjip query --views\n\n'check' is an SQL keyword: write findings.\"check\".")
    q.add_argument("sql", nargs="?", metavar="SQL", help="the query ('-' reads it from standard input)")
    q.add_argument("--data", type=Path, default=DEFAULT_DATA, metavar="DIR", help=data_help)
    q.add_argument("--format", choices=("table", "csv", "json", "parquet"), default="table",
                   help="output format (default table)")
    q.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of standard output")
    q.add_argument("--max-rows", type=int, default=TABLE_MAX_ROWS, metavar="N",
                   help=f"rows printed by --format table (default {TABLE_MAX_ROWS}, 0 = all)")
    q.add_argument("--views", action="store_true", help="list the views and their columns")
    q.set_defaults(handler=_needs_duckdb(cmd_query))

    s = subparsers.add_parser(
        "show", help="one screen about a report",
        description="Metadata, tables found, key indicators (target/realisasi/capaian), budget totals and "
                    "findings of one report.")
    s.add_argument("doc", metavar="DOC_ID|PATH", help="a doc_id (or a unique prefix), or the report's file")
    s.add_argument("--data", type=Path, default=DEFAULT_DATA, metavar="DIR", help=data_help)
    s.set_defaults(handler=_needs_duckdb(cmd_show))

    e = subparsers.add_parser(
        "export", help="the dataset as CSV files or an Excel workbook",
        description="Export for spreadsheets: csv = one file per table in a folder (UTF-8 with BOM), xlsx = one "
                    "sheet per table. List columns (header, refs) are joined with '; '.")
    e.add_argument("--format", choices=("csv", "xlsx"), required=True)
    e.add_argument("--data", type=Path, default=DEFAULT_DATA, metavar="DIR", help=data_help)
    e.add_argument("--output", "-o", metavar="PATH",
                   help="folder for csv (default lkjip-export/), file for xlsx (default lkjip-export.xlsx)")
    e.add_argument("--tables", metavar="NAME,...",
                   help="tables/views to export (default: " + ",".join(EXPORT_DEFAULT) + ")")
    e.set_defaults(handler=_needs_duckdb(cmd_export))
