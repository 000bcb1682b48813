"""Differential tests on real data: the same itemsets and counts as pyfim 6.28 and mlxtend.

Every algorithm (auto, fpgrowth, eclat, apriori) with 1 and 2 threads is compared with one pyfim
reference per (data set, target) computed once. Results of up to 575,000 itemsets are compared
exactly but without a Python object per itemset: each side becomes a matrix with one row per
itemset (its items as integers, sorted and padded, then its count), rows in sorted order, and the
two matrices must be equal; only when they differ are the differences spelled out as sets.

Where the references disagree we follow the definition: pyfim 6.28 leaves out itemsets made only of
items present in *every* basket (mushroom's item 85 at a count of 813: pyfim reports 574,430 sets,
upsell and mlxtend 574,431). Such a set is frequent by definition, so it is added to the pyfim
reference for target "all". For "closed": the set of all universal items has the support of the
whole data and any proper superset adds a non-universal item, so has a smaller support: it is
closed by definition and added too. "maximal" is unaffected (a proper superset of it is frequent).
"""

from __future__ import annotations

import csv
import gzip
import itertools
from functools import lru_cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

import upsell
from conftest import DATA_DIR, mine_set

fim = pytest.importorskip("fim", reason="pyfim 6.28 is the reference (pip install pyfim==6.28)")

# (file, absolute minimum count); thresholds from DATASETS.md and the issue.
CASES = {
    "retail": ("retail.dat.gz", 9),
    "t10i4d100k": ("t10i4d100k.dat.gz", 20),
    "mushroom": ("mushroom.dat.gz", 813),
    "groceries": ("groceries.csv", 50),
    # Closed and maximal only (3.8 million frequent sets at 5%, far more at 1%): mined directly.
    "mushroom-5%": ("mushroom.dat.gz", 407),
    "mushroom-1%": ("mushroom.dat.gz", 82),
}
CONDENSED_ONLY = {"mushroom-5%", "mushroom-1%"}
PYFIM_TARGET = {"all": "s", "closed": "c", "maximal": "m"}
ALGORITHMS = ["auto", "fpgrowth", "eclat", "apriori"]


@lru_cache(maxsize=None)
def read_baskets(name: str) -> tuple:
    """The baskets as Python lists, read independently of upsell (FIMI: ints, CSV: strings)."""
    path = DATA_DIR / CASES[name][0]
    if path.suffix == ".gz":
        with gzip.open(path, "rt") as f:
            return tuple([int(x) for x in line.split()] for line in f if line.strip())
    with open(path, newline="") as f:
        return tuple(row for row in csv.reader(f) if row)


@lru_cache(maxsize=None)
def vocabulary(name: str) -> tuple:
    """Every item of a data set, sorted: an item's position is its integer in the itemset matrices."""
    return tuple(sorted({item for basket in read_baskets(name) for item in basket}))


def itemset_matrix(values: np.ndarray, offsets: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Itemsets as the rows of an integer matrix, in sorted row order: a row holds one set's items
    sorted ascending, padded with -1 to the longest set, then its count. Two results hold the same
    (itemset, count) pairs exactly when their matrices are equal (mining reports each set once)."""
    lengths = np.diff(offsets)
    width = int(lengths.max(initial=0))
    matrix = np.full((len(lengths), width + 1), -1, dtype=np.int64)
    row = np.repeat(np.arange(len(lengths)), lengths)
    position = np.arange(len(values)) - np.repeat(offsets[:-1], lengths)
    # Sorted by row, then item: each row's items stay in their row's block, in ascending order.
    matrix[row, position] = values[np.lexsort((values, row))]
    matrix[:, width] = counts
    return matrix[np.lexsort(matrix.T[::-1])]


def as_pairs(matrix: np.ndarray, items: tuple) -> set:
    """A matrix back as a set of (frozenset of items, count), to name differences."""
    return {(frozenset(items[i] for i in row[:-1] if i >= 0), int(row[-1])) for row in matrix}


@lru_cache(maxsize=None)
def pyfim_reference(name: str, target: str) -> np.ndarray:
    """pyfim's result as an itemset matrix, completed with the itemsets pyfim 6.28 omits by its own
    convention."""
    baskets = read_baskets(name)
    min_count = CASES[name][1]
    found = [
        (items, count)
        for items, count in fim.fpgrowth(list(baskets), target=PYFIM_TARGET[target], supp=-min_count, zmin=1, report="a")
    ]
    everywhere = frozenset.intersection(*(frozenset(b) for b in baskets))
    if everywhere and len(baskets) >= min_count:
        if target == "all":
            subsets = itertools.chain.from_iterable(
                itertools.combinations(sorted(everywhere), k) for k in range(1, len(everywhere) + 1)
            )
            found += [(s, len(baskets)) for s in subsets]
        elif target == "closed":
            found.append((tuple(everywhere), len(baskets)))
    index = {item: i for i, item in enumerate(vocabulary(name))}
    values = np.fromiter((index[item] for items, _ in found for item in items), dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum([len(items) for items, _ in found])))
    return itemset_matrix(values, offsets, np.array([count for _, count in found], dtype=np.int64))


def mine_matrix(name: str, **options) -> np.ndarray:
    """upsell's result as an itemset matrix, read from its Arrow output without a Python object per
    itemset; an item outside the data's vocabulary becomes -2, which no reference holds."""
    file, min_count = CASES[name]
    table = upsell.frequent_itemsets(DATA_DIR / file, min_count, output="arrow", **options)
    lists = table.column("itemset").combine_chunks()
    offsets = np.asarray(lists.offsets, dtype=np.int64)
    index = pc.index_in(lists.flatten(), value_set=pa.array(vocabulary(name)))
    values = np.asarray(index.fill_null(-2), dtype=np.int64)
    return itemset_matrix(values, offsets - offsets[0], np.asarray(table.column("count"), dtype=np.int64))


@pytest.fixture(scope="module")
def reference(data_dir: Path):
    return pyfim_reference


def test_pyfim_omits_universal_items(reference):
    # The documented disagreement: mushroom's item 85 is in all 8,124 baskets.
    raw = fim.fpgrowth(list(read_baskets("mushroom")), target="s", supp=-813, zmin=1, report="a")
    assert len(raw) == 574_430
    completed = reference("mushroom", "all")
    assert len(completed) == 574_431
    universal = vocabulary("mushroom").index(85)
    assert ((completed[:, 0] == universal) & (completed[:, 1] == -1) & (completed[:, -1] == 8124)).any()


def same_as_pyfim_cases():
    """Every data set and target; each algorithm on two threads, the default one on one thread too.

    Closed and maximal sets are mined by one search whatever the algorithm, so only the default one
    mines them; that results do not depend on the algorithm or the number of threads is checked on
    every kind of data by the Rust tests.
    """
    for name in CASES:
        for target in ["all", "closed", "maximal"]:
            if name in CONDENSED_ONLY and target == "all":
                continue
            for algorithm in ALGORITHMS if target == "all" else ["auto"]:
                for threads in [1, 2] if algorithm == "auto" else [2]:
                    yield pytest.param(name, target, algorithm, threads, id=f"{name}-{target}-{algorithm}-{threads}")


@pytest.mark.parametrize(("name", "target", "algorithm", "threads"), list(same_as_pyfim_cases()))
def test_same_as_pyfim(reference, name: str, target: str, algorithm: str, threads: int):
    ours = mine_matrix(name, target=target, algorithm=algorithm, threads=threads)
    expected = reference(name, target)
    if ours.shape != expected.shape or not np.array_equal(ours, expected):
        items = vocabulary(name)
        ours_pairs, expected_pairs = as_pairs(ours, items), as_pairs(expected, items)
        missing, extra = expected_pairs - ours_pairs, ours_pairs - expected_pairs
        pytest.fail(
            f"{len(ours)} itemsets mined, {len(expected)} expected: {len(missing)} missing "
            f"(e.g. {sorted(missing, key=len)[:3]}), {len(extra)} extra (e.g. {sorted(extra, key=len)[:3]})"
        )


def test_known_counts(data_dir: Path):
    # Reference counts from DATASETS.md (pyfim 6.28; no universal items in these two).
    assert upsell.frequent_itemsets(data_dir / "retail.dat.gz", 9, output="arrow").num_rows == 240_852
    assert upsell.frequent_itemsets(data_dir / "t10i4d100k.dat.gz", 20, output="arrow").num_rows == 129_875


def test_same_as_mlxtend_on_groceries(data_dir: Path):
    pd = pytest.importorskip("pandas")
    mlxtend_frequent = pytest.importorskip("mlxtend.frequent_patterns")
    encoder = pytest.importorskip("mlxtend.preprocessing").TransactionEncoder()
    baskets = [list(b) for b in read_baskets("groceries")]
    one_hot = pd.DataFrame(encoder.fit(baskets).transform(baskets), columns=encoder.columns_)
    theirs = mlxtend_frequent.fpgrowth(one_hot, min_support=0.01, use_colnames=True)
    expected = {(frozenset(s), round(x * len(baskets))) for s, x in zip(theirs["itemsets"], theirs["support"])}
    assert mine_set(data_dir / "groceries.csv", 0.01) == expected
    # The one-hot frame itself, as mlxtend users hold it, gives the same sets.
    assert mine_set(one_hot, 0.01) == expected
