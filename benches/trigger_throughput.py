"""Trigger throughput from Python: 50 rules over the customers of the Rust bench
``trigger_throughput`` (1,000,000 x 20 columns by default), in rule evaluations a second, from a
pyarrow table in memory and end to end from a CSV and a Parquet file (read with pyarrow, then
``RuleSet.evaluate``).

    UPSELL_BENCH_DIR=/tmp/triggers cargo bench --profile ci -p upsell-benches --bench trigger_throughput
    python benches/trigger_throughput.py /tmp/triggers

The folder holds ``customers.csv`` and ``rules.yaml`` as the Rust bench keeps them; the Parquet
file is written beside them once. Money columns are read as ``decimal128(12, 2)``, as a warehouse
export has them. ``--runs`` sets the timed runs of each path (the median is reported).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from upsell.triggers import RuleSet

NOW = "2026-11-23T10:00:00Z"


def column_types(names: list[str]) -> dict[str, pa.DataType]:
    """The Rust bench's column kinds: c06..c09 are money."""
    return {name: pa.decimal128(12, 2) for name in names if name in {"c06", "c07", "c08", "c09"}}


def median_time(runs: int, job) -> tuple[float, object]:
    result = job()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = job()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="where the Rust bench kept customers.csv and rules.yaml")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    csv_path, rules_path = args.folder / "customers.csv", args.folder / "rules.yaml"
    rules = RuleSet.from_path(rules_path)
    header = csv_path.open().readline().strip().split(",")
    convert = pacsv.ConvertOptions(column_types=column_types(header))
    table = pacsv.read_csv(csv_path, convert_options=convert)
    parquet_path = args.folder / "customers.parquet"
    pq.write_table(table, parquet_path)
    evaluations = len(rules.names) * table.num_rows
    print(f"{len(rules.names)} rules x {table.num_rows} customers x {table.num_columns} columns, median of {args.runs} runs")

    def report(what: str, seconds: float, offers: int) -> None:
        print(f"{what:<52} {seconds:8.3f} s {evaluations / seconds / 1e6:8.1f} M evals/s ({offers} offers)")

    seconds, out = median_time(args.runs, lambda: rules.evaluate(table, now=NOW))
    report("pyarrow table in memory -> RuleSet.evaluate", seconds, out.num_rows)
    seconds, out = median_time(
        args.runs, lambda: rules.evaluate(pacsv.read_csv(csv_path, convert_options=convert), now=NOW)
    )
    report("CSV file (pyarrow.csv) -> RuleSet.evaluate", seconds, out.num_rows)
    seconds, out = median_time(args.runs, lambda: rules.evaluate(pq.read_table(parquet_path), now=NOW))
    report("Parquet file (pyarrow.parquet) -> RuleSet.evaluate", seconds, out.num_rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
