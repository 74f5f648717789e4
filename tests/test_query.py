"""`lkjip query`, `show` and `export`: DuckDB views over the dataset, one-line errors, spreadsheets."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

duckdb = pytest.importorskip("duckdb")

from lkjip.pipeline import main  # noqa: E402
from lkjip.query import VIEWS, connect, duckdb_error_line, plain_table  # noqa: E402
from lkjip.schema import SCHEMAS, to_table  # noqa: E402

FIX = Path(__file__).parent / "fixtures"
SEEDS = FIX / "seeds"
KEDUNGKANDANG = SEEDS / "003_bef928790eaf125a.txt"  # per-kelurahan budget table, 2023
BANTUR = SEEDS / "002_1f4903de6a21ee12.txt"  # realisation table with a Jumlah row, 2020


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    """The three sample reports ingested once, their findings replaced by two known ones."""
    out = tmp_path_factory.mktemp("query") / "parquet"
    assert main(["ingest", str(SEEDS), "--out", str(out), "--workers", "1"]) == 0
    con = connect(out)
    doc, table, line = con.sql("""SELECT doc_id, table_id, line FROM budgets WHERE unit_kerja = 'Kelurahan Kotalama'
                                  AND level = 'sub_kegiatan' ORDER BY line LIMIT 1""").fetchall()[0]
    findings = [
        dict(doc_id=doc, table_id=table, line=line, check="persen_mismatch", severity="error",
             message="Persen tercetak berbeda dari realisasi/anggaran.", expected=95.0, actual=96.3,
             refs=[table, f"line {line}"]),
        dict(doc_id=doc, table_id=table, line=None, check="total_mismatch", severity="warning",
             message="Jumlah program tidak sama dengan jumlah kegiatan.", refs=[table]),
    ]
    for part in (out / "findings").glob("*.parquet"):  # the audit's own findings make way for these known ones
        part.unlink()
    pq.write_table(to_table("findings", findings), out / "findings" / f"part-{doc}.parquet")
    return out


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def doc_id_of(path: Path) -> str:
    from lkjip.pipeline import sha256_of

    return sha256_of(path)[:16]


# ------------------------------------------------------------------------------------------- views

def test_contract_tables_are_views_with_the_contract_columns(data):
    con = connect(data)
    for name, schema in SCHEMAS.items():
        cols = [r[0] for r in con.sql(f'DESCRIBE SELECT * FROM "{name}"').fetchall()]
        assert cols[: len(schema)] == schema.names
    assert con.sql("SELECT count(*) FROM documents").fetchall()[0][0] == 3
    n_ind = con.sql("SELECT count(*) FROM indicators").fetchall()[0][0]
    assert n_ind == len(pd.read_parquet(data / "indicators"))
    for name in VIEWS:
        con.sql(f"SELECT * FROM {name} LIMIT 1").fetchall()


@pytest.mark.parametrize("layout", ["absent", "empty folders"])
def test_an_empty_dataset_still_has_every_view_and_column(tmp_path, layout):
    if layout == "empty folders":
        for name in SCHEMAS:
            (tmp_path / name).mkdir()
    con = connect(tmp_path)
    for name, schema in SCHEMAS.items():
        desc = con.sql(f'DESCRIBE SELECT * FROM "{name}"').fetchall()
        assert [r[0] for r in desc] == schema.names
        assert con.sql(f'SELECT count(*) FROM "{name}"').fetchall()[0][0] == 0
    types = dict((r[0], r[1]) for r in con.sql("DESCRIBE SELECT * FROM findings").fetchall())
    assert types["refs"] == "VARCHAR[]" and types["expected"] == "DOUBLE" and types["line"] == "BIGINT"
    for name in VIEWS:
        assert con.sql(f"SELECT count(*) FROM {name}").fetchall()[0][0] == 0


def test_hidden_files_and_uncommitted_parts_are_left_out(data, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(data, copy)
    (copy / "indicators" / ".tmp-garbage.parquet").write_bytes(b"not parquet")
    orphan = to_table("budgets", [dict(doc_id="ffffffffffffffff", table_id="x-t001", level="program", name="P",
                                       anggaran=1.0)])
    pq.write_table(orphan, copy / "budgets" / "part-ffffffffffffffff.parquet")  # no documents row: not committed
    con = connect(copy)
    assert con.sql("SELECT count(*) FROM budgets WHERE doc_id = 'ffffffffffffffff'").fetchall()[0][0] == 0
    assert con.sql("SELECT count(*) FROM indicators").fetchall()[0][0] > 0


def test_capaian_puts_target_realisasi_and_capaian_side_by_side(data):
    con = connect(data)
    df = con.sql("""SELECT * FROM capaian WHERE kecamatan = 'Kedungkandang' AND indicator_id = 'ikm'
                    AND year = 2023 AND table_kind = 'target_realisasi' ORDER BY line""").df()
    row = df.iloc[0]
    assert (row.target, row.realisasi, row.capaian, row.capaian_computed) == (80.04, 91.24, 113.99, 113.99)
    assert row.kabupaten_kota == "Kota Malang" and row.report_year == 2023 and row.instansi == "Kecamatan Kedungkandang"
    dup = con.sql("""SELECT count(*) FROM (SELECT doc_id, table_id, row_index, indicator_raw, year, count(*) n
                     FROM capaian GROUP BY ALL HAVING n > 1)""").fetchall()[0][0]
    assert dup == 0
    assert set(con.sql("SELECT DISTINCT table_kind FROM capaian").df().table_kind) <= {
        "target_realisasi", "multi_year", "renstra_target", "iku", "perjanjian_kinerja", "benchmark", "efisiensi",
        "other_indicator"}


def test_kinerja_tahunan_has_one_row_per_unit_indicator_and_year(data):
    con = connect(data)
    dup = con.sql("""SELECT count(*) FROM (SELECT instansi, indicator_id, year FROM kinerja_tahunan
                     GROUP BY ALL HAVING count(*) > 1)""").fetchall()[0][0]
    assert dup == 0
    ikm = con.sql("""SELECT kecamatan, year, target, realisasi, table_kind FROM kinerja_tahunan
                     WHERE indicator_id = 'ikm' ORDER BY kecamatan, year""").df()
    assert {"Bantur", "Blimbing", "Kedungkandang"} <= set(ikm.kecamatan)
    k23 = ikm[(ikm.kecamatan == "Kedungkandang") & (ikm.year == 2023)].iloc[0]
    assert (k23.target, k23.realisasi, k23.table_kind) == (80.04, 91.24, "target_realisasi")


def test_serapan_counts_each_rupiah_once(data):
    con = connect(data)
    bantur = doc_id_of(BANTUR)
    total = con.sql(f"SELECT anggaran FROM budgets WHERE doc_id = '{bantur}' AND level = 'total'").fetchall()
    got = con.sql(f"SELECT sum(anggaran) FROM serapan WHERE doc_id = '{bantur}'").fetchall()
    assert got == total  # the kegiatan lines add up to the printed Jumlah
    kedung = doc_id_of(KEDUNGKANDANG)
    df = con.sql(f"SELECT * FROM serapan WHERE doc_id = '{kedung}'").df()
    assert df.unit_kerja.nunique() == 13 and (df.unit_type == "kelurahan").sum() >= 11
    assert set(df.basis_level) == {"sub_kegiatan"}
    # per program, the kecamatan's and kelurahan's sub kegiatan add up to a printed program line
    programs = con.sql(f"""SELECT upper(name), list(anggaran) FROM budgets WHERE doc_id = '{kedung}'
                           AND level = 'program' AND realisasi IS NOT NULL GROUP BY ALL""").fetchall()
    by_program = df.assign(p=df.program.str.upper()).groupby("p").anggaran.sum()
    assert len(programs) == len(by_program) == 5
    for name, printed in programs:
        assert any(by_program[name] == pytest.approx(a, rel=1e-6) for a in printed), name
    row = df.dropna(subset=["anggaran", "realisasi"]).iloc[0]
    assert row.persen == round(100 * row.realisasi / row.anggaran, 2)


def test_temuan_names_the_unit_kerja_of_the_flagged_budget_line(data):
    df = connect(data).sql("SELECT * FROM temuan").df()
    assert len(df) == 2 and list(df.severity) == ["error", "warning"]
    err = df.iloc[0]
    assert err.unit_kerja == "Kelurahan Kotalama" and err.kecamatan == "Kedungkandang"
    assert err.table_kind == "anggaran" and err.caption and list(err.refs)[0] == err.table_id
    assert pd.isna(df.iloc[1].unit_kerja)


# ---------------------------------------------------------------------------------------- query

def test_query_prints_an_aligned_table(data, capsys):
    code, out, err = run(capsys, "query", "SELECT kecamatan, year, target, realisasi FROM kinerja_tahunan "
                                          "WHERE indicator_id = 'ikm' ORDER BY kecamatan, year", "--data", str(data))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["kecamatan", "year", "target", "realisasi"]
    assert set(lines[1]) <= {"-", " "}
    assert any(l.startswith("Kedungkandang") and "91.24" in l for l in lines)
    assert "NULL" in out  # missing values are visible
    assert "rows)" in err


def test_query_table_output_is_capped_with_a_note(data, capsys):
    code, out, err = run(capsys, "query", "SELECT * FROM indicators", "--data", str(data), "--max-rows", "5")
    assert code == 0 and len(out.splitlines()) == 2 + 5
    assert "first 5 shown" in err


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_query_formats(data, capsys, tmp_path, fmt):
    sql = "SELECT doc_id, header, n_rows FROM tables ORDER BY table_id"
    out_file = tmp_path / f"result.{fmt}"
    code, out, err = run(capsys, "query", sql, "--data", str(data), "--format", fmt, "--output", str(out_file))
    assert code == 0, err
    n = connect(data).sql("SELECT count(*) FROM tables").fetchall()[0][0]
    if fmt == "csv":
        df = pd.read_csv(out_file)
        assert list(df.columns) == ["doc_id", "header", "n_rows"] and len(df) == n
        assert df.header.dropna().str.contains("; ").any()  # list column joined as text
    elif fmt == "json":
        rows = json.loads(out_file.read_text())
        assert len(rows) == n and isinstance(rows[0]["header"], list)
    else:
        assert pq.read_table(out_file).num_rows == n


def test_query_to_stdout_as_csv_and_json(data, capsys):
    code, out, _ = run(capsys, "query", "SELECT doc_id, ingested_at FROM documents ORDER BY doc_id", "--data",
                       str(data), "--format", "csv")
    assert code == 0 and out.splitlines()[0] == "doc_id,ingested_at" and len(out.splitlines()) == 4
    code, out, _ = run(capsys, "query", "SELECT doc_id, ingested_at, n_pages FROM documents", "--data", str(data),
                       "--format", "json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 3 and rows[0]["n_pages"] is None and "T" in rows[0]["ingested_at"]


@pytest.mark.parametrize("sql,words", [
    ("SELEC * FROM documents", "syntax error"),
    ("SELECT * FROM nope", "nope"),
    ("SELECT no_such_column FROM documents", "no_such_column"),
    ("SELECT CAST('x' AS INTEGER)", "Conversion"),
])
def test_sql_errors_are_one_line_and_exit_2(data, capsys, sql, words):
    code, out, err = run(capsys, "query", sql, "--data", str(data))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and words.lower() in err.lower()
    assert "Traceback" not in err and err.startswith("lkjip query: ")


def test_query_usage_errors(data, capsys, tmp_path):
    assert run(capsys, "query", "SELECT 1", "--data", str(tmp_path / "missing"))[0] == 2
    code, _, err = run(capsys, "query", "SELECT 1", "--data", str(data), "--format", "parquet")
    assert code == 2 and "--output" in err
    assert run(capsys, "query", "--data", str(data))[0] == 2
    code, out, _ = run(capsys, "query", "--views", "--data", str(data))
    assert code == 0 and all(f"{v}:" in out for v in list(SCHEMAS) + list(VIEWS))


def test_query_reads_sql_from_stdin(data, capsys, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("SELECT count(*) AS n FROM documents"))
    code, out, _ = run(capsys, "query", "-", "--data", str(data), "--format", "csv")
    assert code == 0 and out.split() == ["n", "3"]


def test_plain_table_aligns_and_clips():
    text = plain_table(["a", "n"], [("x" * 100, 1.5), (None, 1234567.0)], width=10)
    lines = text.splitlines()
    assert lines[2].startswith("xxxxxxxxx…") and lines[3].endswith("1,234,567")
    assert len({len(l) for l in lines[:2]}) == 1


def test_duckdb_error_line_keeps_the_hint():
    con = duckdb.connect()
    con.execute("CREATE TABLE documents (doc_id VARCHAR)")
    with pytest.raises(duckdb.Error) as e:
        con.sql("SELECT doc_idd FROM documents")
    line = duckdb_error_line(e.value)
    assert "\n" not in line and "doc_idd" in line


# ----------------------------------------------------------------------------------------- show

@pytest.mark.parametrize("how", ["doc_id", "prefix", "path"])
def test_show_one_report(data, capsys, how):
    doc = doc_id_of(KEDUNGKANDANG)
    ref = {"doc_id": doc, "prefix": doc[:6], "path": str(KEDUNGKANDANG)}[how]
    code, out, err = run(capsys, "show", ref, "--data", str(data))
    assert code == 0, err
    assert out.startswith("Kecamatan Kedungkandang (Kota Malang, Jawa Timur), report year 2023")
    assert "Tables: 33 found" in out and "target_realisasi" in out and "lines 614-619" in out
    assert "Key indicators" in out and "113.99" in out and "91.24" in out
    assert "serapan" in out and "Rp " in out
    assert "Findings: 2 (1 error, 1 warning)" in out and "Kotalama" not in err
    assert len(out.splitlines()) < 70


def test_show_a_report_without_realisation_or_findings(data, capsys):
    code, out, _ = run(capsys, "show", str(SEEDS / "000_bcca391e6c99a5d1.txt"), "--data", str(data))
    assert code == 0
    assert "Kecamatan Blimbing" in out and "no realisasi reported" in out and "Findings: none recorded" in out


def test_show_unknown_report(data, capsys):
    code, out, err = run(capsys, "show", "0000000000000000", "--data", str(data))
    assert code == 2 and out == "" and "no report" in err and "Traceback" not in err
    assert run(capsys, "show", "abc", "--data", str(data / "missing"))[0] == 2


# --------------------------------------------------------------------------------------- export

def test_export_csv_one_file_per_table(data, capsys, tmp_path):
    out = tmp_path / "csv"
    code, stdout, _ = run(capsys, "export", "--format", "csv", "--data", str(data), "--output", str(out))
    assert code == 0
    names = {p.stem for p in out.glob("*.csv")}
    assert set(SCHEMAS) | {"capaian", "serapan", "kinerja_tahunan"} <= names
    tables = pd.read_csv(out / "tables.csv", encoding="utf-8-sig")
    assert list(tables.columns) == SCHEMAS["tables"].names
    assert tables.header.dropna().str.contains("; ").any()
    findings = pd.read_csv(out / "findings.csv", encoding="utf-8-sig")
    assert len(findings) == 2 and findings.refs.str.contains("; line ").any()
    assert len(pd.read_csv(out / "documents.csv", encoding="utf-8-sig")) == 3


def test_export_xlsx_one_sheet_per_table(data, capsys, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "dataset.xlsx"
    code, _, err = run(capsys, "export", "--format", "xlsx", "--data", str(data), "--output", str(out),
                       "--tables", "documents,tables,findings,serapan")
    assert code == 0, err
    wb = openpyxl.load_workbook(out, read_only=True)
    assert wb.sheetnames == ["documents", "tables", "findings", "serapan"]
    rows = list(wb["findings"].iter_rows(values_only=True))
    assert list(rows[0]) == SCHEMAS["findings"].names and len(rows) == 3
    refs = rows[1][rows[0].index("refs")]
    assert isinstance(refs, str) and "; " in refs
    docs = list(wb["documents"].iter_rows(values_only=True))
    assert len(docs) == 4 and docs[1][docs[0].index("ingested_at")] is not None


def test_export_usage_errors(data, capsys, tmp_path):
    assert run(capsys, "export", "--format", "csv", "--data", str(data), "--tables", "nope")[0] == 2
    with pytest.raises(SystemExit):
        main(["export", "--data", str(data)])  # --format is required
    capsys.readouterr()


def test_export_xlsx_continues_a_long_table_on_further_sheets(data, capsys, tmp_path, monkeypatch):
    openpyxl = pytest.importorskip("openpyxl")
    monkeypatch.setattr("lkjip.query.XLSX_MAX_ROWS", 400)
    out = tmp_path / "long.xlsx"
    assert run(capsys, "export", "--format", "xlsx", "--data", str(data), "--output", str(out),
               "--tables", "indicators")[0] == 0
    wb = openpyxl.load_workbook(out, read_only=True)
    n = len(pd.read_parquet(data / "indicators"))
    assert wb.sheetnames == ["indicators", "indicators (2)", "indicators (3)"]
    rows = [list(wb[s].iter_rows(values_only=True)) for s in wb.sheetnames]
    assert all(r[0] == tuple(SCHEMAS["indicators"].names) for r in rows)
    assert sum(len(r) - 1 for r in rows) == n and len(rows[0]) == 401
