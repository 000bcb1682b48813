#!/usr/bin/env python3
"""Time ``upsell.compat.mlxtend`` against mlxtend itself: the one-line switch, measured.

What a notebook does, with the same one-hot DataFrame given to both: ``fpgrowth`` (and
``apriori``) with ``use_colnames=True``, then ``association_rules(frequent, len(df))`` with its
defaults. Data sets (../shared/data, see DATASETS.md): groceries at 0.5% as a dense bool frame
(9,835 x 169) and retail at 0.1% as a sparse frame (88,162 x 16,470; dense it would take 1.4 GB).
Building the frame is not timed; each time is the best of the runs in this process, at least
--repeat of them and as many as fit in --budget seconds, so a short pipeline gets as much
machine time as a long one to find an undisturbed run. The
itemsets found are checked equal (mlxtend's fpgrowth may drop the itemsets exactly at the threshold
when ``ceil(min_support * n)`` rounds up in floating point; that difference is reported, not an
error). Prints one row per (data set, function) with both times and the speed ratio.

It times the `upsell` that Python imports: measure the release build a user installs
(`pip install ./python`, or `maturin develop --release -m python/Cargo.toml`), not the test build,
which keeps debug assertions and overflow checks.

    .venv/bin/python benches/compare_mlxtend.py [--repeat 3] [--budget 2] [--datasets groceries,retail]
"""

from __future__ import annotations

import argparse
import gzip
import math
import sys
import time
import warnings
from fractions import Fraction
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"

# name, file, min_support, functions to time (apriori on retail's 16k columns is out of mlxtend's reach)
DATASETS = {
    "groceries": ("groceries.csv", 0.005, ("fpgrowth", "apriori")),
    "retail": ("retail.dat.gz", 0.001, ("fpgrowth",)),
}


def read_baskets(path: Path) -> list:
    if path.suffix == ".gz":
        with gzip.open(path, "rt") as f:
            return [line.split() for line in f if line.strip()]
    return [line.strip().split(",") for line in path.read_text().splitlines() if line.strip()]


def one_hot(baskets: list, sparse: bool) -> pd.DataFrame:
    codes, labels = pd.factorize(pd.Series([item for basket in baskets for item in basket]))
    rows = np.repeat(np.arange(len(baskets)), [len(b) for b in baskets])
    order = np.argsort(labels)  # columns sorted by label, as TransactionEncoder makes them
    column_of = np.empty(len(labels), dtype=np.int64)
    column_of[order] = np.arange(len(labels))
    columns = column_of[codes]
    if sparse:
        from scipy.sparse import csr_matrix

        matrix = csr_matrix((np.ones(len(rows), dtype=bool), (rows, columns)), shape=(len(baskets), len(labels)))
        matrix.sum_duplicates()
        return pd.DataFrame.sparse.from_spmatrix(matrix, columns=list(labels[order])).astype(pd.SparseDtype(bool, False))
    dense = np.zeros((len(baskets), len(labels)), dtype=bool)
    dense[rows, columns] = True
    return pd.DataFrame(dense, columns=list(labels[order]))


def best_time(run: Callable[[], tuple], repeat: int, budget: float) -> tuple:
    best, result, runs, spent = math.inf, None, 0, 0.0
    while runs < repeat or spent < budget:
        start = time.perf_counter()
        result = run()
        elapsed = time.perf_counter() - start
        best, runs, spent = min(best, elapsed), runs + 1, spent + elapsed
    return best, result


def pipeline(module, name: str, frame: pd.DataFrame, min_support: float) -> Callable[[], tuple]:
    def run() -> tuple:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frequent = getattr(module, name)(frame, min_support=min_support, use_colnames=True)
            rules = module.association_rules(frequent, len(frame))
        return frequent, rules

    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--budget", type=float, default=2.0)
    parser.add_argument("--datasets", default=",".join(DATASETS))
    args = parser.parse_args()

    import mlxtend
    import mlxtend.frequent_patterns as theirs

    import upsell
    from upsell.compat import mlxtend as ours

    print(f"mlxtend {mlxtend.__version__}, upsell {upsell.__version__}, best of >= {args.repeat} runs and {args.budget} s")
    print(f"{'data set':<11}{'function':<10}{'itemsets':>9}{'rules':>8}{'mlxtend s':>11}{'upsell s':>10}{'ratio':>8}")
    status = 0
    for name in args.datasets.split(","):
        file, min_support, functions = DATASETS[name]
        baskets = read_baskets(DATA / file)
        frame = one_hot(baskets, sparse=name == "retail")
        for function in functions:
            their_time, (their_sets, their_rules) = best_time(pipeline(theirs, function, frame, min_support), args.repeat, args.budget)
            our_time, (our_sets, our_rules) = best_time(pipeline(ours, function, frame, min_support), args.repeat, args.budget)
            found = {frozenset(s) for s in our_sets["itemsets"]}
            reference = {frozenset(s) for s in their_sets["itemsets"]}
            exact_count = math.ceil(Fraction(str(min_support)) * len(frame))
            at_threshold = {s for s, v in zip(our_sets["itemsets"], our_sets["support"]) if round(v * len(frame)) == exact_count}
            note = ""
            if found != reference:
                if reference <= found and found - reference <= at_threshold:
                    note = f"  (mlxtend drops {len(found - reference)} itemsets at the exact threshold)"
                else:
                    note = "  MISMATCH"
                    status = 1
            print(
                f"{name:<11}{function:<10}{len(our_sets):>9}{len(our_rules):>8}"
                f"{their_time:>11.3f}{our_time:>10.3f}{their_time / our_time:>7.0f}x{note}"
            )
    return status


if __name__ == "__main__":
    sys.exit(main())
