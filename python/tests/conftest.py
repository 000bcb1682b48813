"""Shared fixtures: where the real data sets are, and how to compare results as sets."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pytest

import upsell

#: Real data (see DATASETS.md there): UPSELL_DATA_DIR, else ../shared/data beside the repository.
DATA_DIR = Path(os.environ.get("UPSELL_DATA_DIR", Path(__file__).resolve().parents[2].parent / "shared" / "data"))


@pytest.fixture(scope="session")
def data_dir() -> Path:
    if not (DATA_DIR / "mushroom.dat.gz").is_file():
        pytest.skip(f"real data sets not found in {DATA_DIR} (set UPSELL_DATA_DIR to the shared data directory)")
    return DATA_DIR


def itemset_counts(result) -> set:
    """A result (pandas with an Arrow list column, polars or Arrow) as a set of (frozenset, count)."""
    if isinstance(result, pa.Table):
        table = result
    elif hasattr(result, "to_arrow"):
        table = result.to_arrow()
    else:
        table = pa.table({"itemset": pa.array(result["itemset"].array), "count": result["count"].to_numpy()})
    lists = table.column("itemset").combine_chunks()
    values = lists.flatten().to_pylist()
    offsets = lists.offsets.to_pylist()
    counts = table.column("count").to_pylist()
    return {(frozenset(values[a:b]), c) for a, b, c in zip(offsets[:-1], offsets[1:], counts)}


def mine_set(data, min_support, **options) -> set:
    return itemset_counts(upsell.frequent_itemsets(data, min_support, output="arrow", **options))
