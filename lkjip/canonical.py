"""Canonical indicator ids across the whole dataset, and the `lkjip indicators` command.

Catalogue matches are stable per name, but names that match nothing are clustered over every
spelling in the dataset: after each ingest the ids are recomputed over the dataset's distinct
``indicator_raw`` values, and only the files whose ids changed are rewritten.
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Optional

import pyarrow as pa
import pyarrow.parquet as pq

from lkjip.normalize.indicators import (IndicatorMatcher, assign_indicator_ids, catalogue_rows,
                                        unmatched_clusters)
from lkjip.store import Dataset, _atomic_write, _conform
from lkjip.schema import INDICATORS

ID_COLUMNS = ("indicator_name", "indicator_id", "match_score")


def name_counts(ds: Dataset) -> Counter:
    """How many rows each distinct indicator_raw has in the dataset."""
    counts: Counter = Counter()
    for f in ds.files("indicators"):
        col = pq.read_table(f, columns=["indicator_raw"])["indicator_raw"].to_pylist()
        counts.update(n or "" for n in col)
    return counts


def relabel(ds: Dataset, matcher: Optional[IndicatorMatcher] = None) -> int:
    """Recompute canonical ids over the whole dataset; rewrite the files that change. Returns files rewritten."""
    counts = name_counts(ds)
    if not counts:
        return 0
    ids = assign_indicator_ids(counts, matcher)
    rewritten = 0
    for f in ds.files("indicators"):
        t = _conform(pq.read_table(f), INDICATORS)
        raws = t["indicator_raw"].to_pylist()
        new = [ids.get(r or "", (None, None, None)) for r in raws]
        cols = {c: [n[k] for n in new] for k, c in enumerate(ID_COLUMNS)}
        if all(t[c].to_pylist() == cols[c] for c in ID_COLUMNS):
            continue
        for c in ID_COLUMNS:
            t = t.set_column(t.schema.get_field_index(c), c, pa.array(cols[c], type=INDICATORS.field(c).type))
        _atomic_write(t, f)
        rewritten += 1
    return rewritten


def register(sub) -> None:
    """Add `lkjip indicators`."""
    p = sub.add_parser("indicators", help="list the indicator catalogue, or a dataset's unmatched indicator names",
                       description="Without --data: the curated catalogue (id, name, abbreviation, unit, polarity). "
                                   "With --data: the names in the dataset that match no catalogue entry, clustered, "
                                   "with their spellings and row counts, to curate into an alias file.")
    p.add_argument("--data", type=Path, metavar="DIR", help="a dataset folder (e.g. data/parquet)")
    p.add_argument("--aliases", type=Path, metavar="FILE", help="your alias YAML, extending/overriding the catalogue")
    p.add_argument("--limit", type=int, default=50, help="clusters to list (default 50)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """lkjip indicators."""
    try:
        matcher = IndicatorMatcher(aliases=args.aliases) if args.aliases else None
    except (OSError, ValueError) as exc:
        print(f"lkjip: cannot read the alias file {args.aliases}: {exc}", file=sys.stderr)
        return 2
    if args.data is None:
        for r in catalogue_rows(matcher):
            abbr = f" ({r['abbreviation']})" if r["abbreviation"] else ""
            print(f"{r['id']:<28} {r['name']}{abbr}  [{r['unit'] or '-'}, {r['polarity']}, "
                  f"{r['n_aliases']} aliases]")
        return 0
    if not (args.data / "indicators").exists():
        print(f"lkjip: no dataset at {args.data} (run `lkjip ingest --out {args.data}` first)", file=sys.stderr)
        return 2
    clusters = unmatched_clusters(name_counts(Dataset(args.data)), matcher)
    print(f"{len(clusters)} unmatched indicator clusters in {args.data} (most rows first):")
    for c in clusters[: args.limit]:
        print(f"\n{c['indicator_id']}  {c['name']}  ({c['n_rows']} rows, {c['n_variants']} spellings)")
        for v in c["variants"]:
            print(f"    {v['count']:>5}  {v['name']}")
    print("\nTo map a cluster to a catalogue id, add its spellings as aliases in a YAML file and pass --aliases.")
    return 0
