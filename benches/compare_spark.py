#!/usr/bin/env python3
"""Time upsell.spark.frequent_itemsets against pyspark.ml.fpm.FPGrowth, in one Spark session.

Both run on `local[2]` in the same session (both warmed up first on a tiny frame), on the same cached DataFrame (one basket a row, an
array<string> column), at the same threshold, and every itemset is collected to the driver; the
itemset counts are checked equal. Data: retail and t10i4d100k at 0.1% (../shared/data), and a
1-million-basket synthetic log (5,000 items, T10I4) written by the project's Quest-style generator:

    cargo run --release -p upsell-benches --bin quest -- 1000000 /tmp/quest-1m.dat

`--scale PATH` also mines a larger generated log (10 million baskets in docs/scale-out.md) end to end
with upsell.spark alone, from the text file to the count of itemsets, and reports wall time and the
peak memory of the executor (in local mode, the driver JVM plus its Python workers).

    python3 benches/compare_spark.py [--synthetic /tmp/quest-1m.dat] [--scale /tmp/quest-10m.dat]
        [--mllib-timeout 480]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

from pyspark.ml.fpm import FPGrowth
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from upsell import spark as upsell_spark

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / ".." / "shared" / "data"


def read_fimi(spark: SparkSession, path: Path):
    lines = spark.read.text(str(path))
    return lines.select(F.filter(F.split(F.trim("value"), " "), lambda x: x != "").alias("items"))


class PeakMemory:
    """The peak resident memory of this process's children (the JVM and its Python workers),
    sampled every 0.2 s from /proc."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, _tree_rss(os.getpid()) - _rss(os.getpid()))


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def _tree_rss(pid: int) -> int:
    try:
        children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    except OSError:
        children = []
    return _rss(pid) + sum(_tree_rss(int(child)) for child in children)


def timed(run):
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--synthetic", type=Path, default=Path("/tmp/quest-1m.dat"))
    parser.add_argument("--scale", type=Path, default=None)
    parser.add_argument("--min-support", type=float, default=0.001)
    parser.add_argument("--mllib-timeout", type=float, default=480.0)
    args = parser.parse_args()

    # Executors run Python workers: the interpreter that has upsell and pyarrow, not the first on PATH.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("upsell-compare-spark")
        .config("spark.driver.memory", "8g")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    # Warm both up (JIT, Python workers, imports) on a tiny frame, so neither pays the session's
    # start-up in the first timed call.
    tiny = spark.createDataFrame([(["a", "b"],), (["a"],)] * 50, "items array<string>")
    upsell_spark.frequent_itemsets(tiny, 0.5, items_col="items").collect()
    FPGrowth(itemsCol="items", minSupport=0.5).fit(tiny).freqItemsets.collect()
    cases = [("retail", DATA / "retail.dat.gz"), ("t10i4d100k", DATA / "t10i4d100k.dat.gz")]
    cases.append(("quest 1M", args.synthetic))
    print(f"local[2], min_support {args.min_support}, Spark {spark.version}; seconds, itemsets collected")
    print(f"{'data':<12} {'baskets':>10} {'itemsets':>9} {'upsell.spark':>13} {'MLlib':>9} {'ratio':>7}")
    failed = False
    for name, path in cases:
        if not path.exists():
            print(f"{name:<12} skipped: {path} is absent")
            continue
        df = read_fimi(spark, path).repartition(2).cache()
        baskets = df.count()
        ours_s, ours = timed(
            lambda: upsell_spark.frequent_itemsets(df, args.min_support, items_col="items").collect()
        )
        print(f"{name:<12} {baskets:>10,} {len(ours):>9,} {ours_s:>13.1f}", end=" ", flush=True)
        # MLlib is stopped (its jobs cancelled) after --mllib-timeout seconds: the ratio is then
        # a lower bound.
        timer = threading.Timer(args.mllib_timeout, spark.sparkContext.cancelAllJobs)
        timer.start()
        try:
            mllib_s, theirs = timed(
                lambda: FPGrowth(itemsCol="items", minSupport=args.min_support).fit(df).freqItemsets.collect()
            )
        except Exception:  # noqa: BLE001 - the cancelled job surfaces as a Py4J or Spark error
            print(f"{'>' + format(args.mllib_timeout, '.0f'):>9} {'>' + format(args.mllib_timeout / ours_s, '.1f'):>6}x"
                  "  (MLlib stopped unfinished)", flush=True)
            df.unpersist()
            continue
        finally:
            timer.cancel()
        same = {(frozenset(r["items"]), r["freq"]) for r in ours} == {
            (frozenset(r["items"]), r["freq"]) for r in theirs
        }
        failed |= not same
        print(f"{mllib_s:>9.1f} {mllib_s / ours_s:>6.1f}x" + ("" if same else "  RESULTS DIFFER"), flush=True)
        df.unpersist()

    if args.scale is not None:
        with open(args.scale, "rb") as lines:
            baskets = sum(1 for _ in lines)
        with PeakMemory() as memory:
            wall_s, itemsets = timed(lambda: scale(spark, args.scale, args.min_support))
        print(
            f"scale: {args.scale.name}: {baskets:,} baskets, {itemsets:,} itemsets, {wall_s:.0f} s end to end, "
            f"peak executor memory {memory.peak / 2**30:.2f} GiB (driver Python "
            f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB)"
        )
    spark.stop()
    return 1 if failed else 0


def scale(spark: SparkSession, path: Path, min_support: float) -> int:
    df = read_fimi(spark, path)
    return len(upsell_spark.frequent_itemsets(df, min_support, items_col="items").collect())


if __name__ == "__main__":
    sys.exit(main())
