#!/usr/bin/env python3
"""Time upsell's frequent itemset mining against its peers, in one run on one machine.

Data sets and thresholds are the literature's (see ../shared/data/DATASETS.md): retail at absolute
support 9 (0.01%), t10i4d100k at 20 (0.02%), mushroom at 407 (5%). Tools:

- the `upsell` command (release build, target/release/upsell), `--threads 2` (and 1), mining only
  and mining plus writing every itemset as CSV to /tmp;
- upsell's Python `frequent_itemsets` (threads=1), when `import upsell` works;
- pyfim (Borgelt): fpgrowth, eclat, eclat algo='o'; the fastest of them is "pyfim best";
- mlxtend fpgrowth, under a timeout (--skip-mlxtend to leave it out).

Every measurement is a fresh process (so peak memory is that tool's alone, from wait4's rusage);
the time is the best of --repeat runs, taken in rounds (each tool runs once per round, in turn) so
that the machine's speed, which drifts over minutes, weighs on every tool alike. "mine s" is the time spent mining as measured inside the
process (data already loaded; for Python tools the list of results is built); "wall s" is the whole
process (start-up, reading the gzip file, mining, writing). Ratios are ours / pyfim best: below 1
means upsell is faster. Not quite like for like: a Python tool's "mine s" includes building one
tuple per itemset (which dominates on mushroom's 3.8 million), while the command keeps itemsets in
flat arrays; "--output csv" rows add writing every itemset to a file, which Python tools never do.

A second table times closed and maximal itemsets (`--target closed|maximal`, pyfim's target "c"
and "m") on mushroom at 5%, 2% and 1% and on dense generated data (the bench generator's baskets,
written by `cargo run --release -p upsell-benches --bin quest`: 5,000 baskets of 25 items on average
out of 100, made of 15 patterns of 25 items, at 5%); there pyfim's counts are the reference, and upsell reports one more closed set where some
items are in every basket (that set alone is closed by definition; pyfim omits it).

Counts are checked against the reference counts (pyfim 6.28). pyfim never reports a set made only
of items present in every basket (they are perfect extensions of the empty set, reported only with
zmin=0); upsell does, so on data with u such items (mushroom: item 85, u = 1) upsell must find
reference + 2^u - 1 itemsets, and so must mlxtend, which reports them too. The script exits with
status 1 when any count is off.

    python3 benches/compare_mining.py [--repeat 3] [--skip-mlxtend] [--datasets retail,mushroom]
        [--condensed mushroom-5,mushroom-2,mushroom-1,quest-dense | --condensed none]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent

# name, file, absolute support, reference count (pyfim 6.28, DATASETS.md)
DATASETS = [
    ("retail", "retail.dat.gz", 9, 240_852),
    ("t10i4d100k", "t10i4d100k.dat.gz", 20, 129_875),
    ("mushroom", "mushroom.dat.gz", 407, 3_755_510),
]

# Closed and maximal itemsets: name, file (None: generated), absolute support.
CONDENSED = [
    ("mushroom-5", "mushroom.dat.gz", 407),
    ("mushroom-2", "mushroom.dat.gz", 163),
    ("mushroom-1", "mushroom.dat.gz", 82),
    ("quest-dense", None, 250),
]
# The generated data set: T30 I25 D5000, 15 patterns over 100 items (see benches/src/bin/quest.rs).
QUEST_DENSE = ["5000", "--basket", "30", "--pattern", "25", "--patterns", "15", "--items", "100", "--seed", "7"]

# Runs in a fresh interpreter: load the baskets (untimed), mine (timed), print JSON.
WORKER = r"""
import gzip, json, sys, time
tool, path, support = sys.argv[1], sys.argv[2], int(sys.argv[3])
target = sys.argv[4] if len(sys.argv) > 4 else "all"
with (gzip.open(path, "rt") if path.endswith(".gz") else open(path)) as f:
    tracts = [[int(x) for x in line.split()] for line in f if line.strip()]
if tool.startswith("pyfim"):
    import fim
    code = {"all": "s", "closed": "c", "maximal": "m"}[target]
    run = {
        "pyfim fpgrowth": lambda: fim.fpgrowth(tracts, target=code, supp=-support, report="a"),
        "pyfim eclat": lambda: fim.eclat(tracts, target=code, supp=-support, report="a"),
        "pyfim eclat algo=o": lambda: fim.eclat(tracts, target=code, supp=-support, report="a", algo="o"),
    }[tool]
    start = time.perf_counter()
    count = len(run())
elif tool == "mlxtend fpgrowth":
    import pandas as pd
    from mlxtend.frequent_patterns import fpgrowth
    from mlxtend.preprocessing import TransactionEncoder
    encoder = TransactionEncoder()
    matrix = encoder.fit(tracts).transform(tracts, sparse=True)
    frame = pd.DataFrame.sparse.from_spmatrix(matrix, columns=[str(c) for c in encoder.columns_])
    # mlxtend takes ceil(min_support * n): half a basket below the count avoids float round-up.
    fraction = (support - 0.5) / len(tracts)
    start = time.perf_counter()
    count = len(fpgrowth(frame, min_support=fraction))
elif tool == "upsell python":
    import upsell
    start = time.perf_counter()
    result = upsell.frequent_itemsets(tracts, min_support=support, threads=1, target=target)
    count = len(result)
else:
    raise SystemExit(f"unknown tool {tool}")
print(json.dumps({"seconds": time.perf_counter() - start, "count": count}))
"""


@dataclass
class Measurement:
    tool: str
    count: int | None = None
    mine: float | None = None  # best, seconds
    wall: float | None = None  # best, seconds
    rss_kib: int | None = None  # the largest peak over runs
    error: str | None = None
    runs: list[float] = field(default_factory=list)


def run_once(argv: list[str], timeout: float) -> tuple[int, float, int, str, str]:
    """Runs argv; returns (status, wall seconds, peak RSS KiB, stdout, stderr). Raises TimeoutError."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(argv, stdout=out, stderr=err)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                os.wait4(process.pid, 0)
                raise TimeoutError
            time.sleep(0.005)
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        code = os.waitstatus_to_exitcode(status)
        return code, wall, usage.ru_maxrss, out.read().decode(errors="replace"), err.read().decode(errors="replace")


@dataclass
class Job:
    """One tool's measurement on one data set, filled one run per round."""

    result: Measurement
    argv: list[str]
    parse: Callable[[str, str], tuple[int, float]]
    repeat: int
    timeout: float
    output: Path | None = None  # a file the tool writes: its size is reported, then it is removed


def run_into(job: Job) -> None:
    """One run of `job`; `parse(stdout, stderr)` gives (count, mine seconds). An error ends the job."""
    result = job.result
    try:
        code, wall, rss, stdout, stderr = run_once(job.argv, job.timeout)
    except TimeoutError:
        result.error = f"timeout ({job.timeout:.0f} s)"
        return
    if code != 0:
        lines = [line for line in (stderr or stdout).strip().splitlines() if line.strip()]
        result.error = f"exit {code}: {lines[-1] if lines else ''}"[:100]
        return
    try:
        count, mine = job.parse(stdout, stderr)
    except (ValueError, KeyError, json.JSONDecodeError) as exc:
        result.error = f"unreadable output: {exc}"
        return
    result.count = count
    result.mine = mine if result.mine is None else min(result.mine, mine)
    result.wall = wall if result.wall is None else min(result.wall, wall)
    result.rss_kib = rss if result.rss_kib is None else max(result.rss_kib, rss)
    result.runs.append(mine)


def run_rounds(name: str, jobs: list[Job], rounds: int) -> None:
    """Runs every job once per round, in turn, so that a drift of the machine's speed over the
    minutes of a run falls on all tools alike instead of on whichever ran at that moment."""
    for round_ in range(rounds):
        for job in jobs:
            if round_ < job.repeat and job.result.error is None:
                print(f"{name}: {job.result.tool} (run {round_ + 1}) ...", file=sys.stderr)
                run_into(job)
    for job in jobs:
        if job.output is not None and job.output.exists():
            job.result.tool += f" ({job.output.stat().st_size / 2**20:.0f} MiB)"
            job.output.unlink()


def parse_cli(stdout: str, stderr: str) -> tuple[int, float]:
    """Reads the `itemsets` and `mine` lines of the upsell summary (stderr)."""
    itemsets = re.search(r"^itemsets\s+([\d,]+)\s*$", stderr, re.M)
    mine = re.search(r"^mine\s+([\d.]+) s\s*$", stderr, re.M)
    if not itemsets or not mine:
        raise ValueError("no summary on stderr")
    return int(itemsets.group(1).replace(",", "")), float(mine.group(1))


def parse_worker(stdout: str, stderr: str) -> tuple[int, float]:
    row = json.loads(stdout.strip().splitlines()[-1])
    return int(row["count"]), float(row["seconds"])


def cli_binary(explicit: str | None) -> Path:
    if explicit:
        return Path(explicit)
    binary = ROOT / "target" / "release" / "upsell"
    if not binary.exists():
        print(f"building {binary} ...", file=sys.stderr)
        build = ["cargo", "build", "--release", "-p", "upsell-cli"]
        # Machines shared by several builders serialise cargo through a lock file.
        if os.environ.get("UPSELL_BUILD_LOCK"):
            build = ["flock", os.environ["UPSELL_BUILD_LOCK"], *build]
        subprocess.run(build, cwd=ROOT, check=True)
    return binary


def has_upsell_python() -> bool:
    probe = "import upsell, sys; sys.exit(0 if hasattr(upsell, 'frequent_itemsets') else 1)"
    return subprocess.run([sys.executable, "-c", probe], capture_output=True).returncode == 0


def universal_items(path: Path) -> int:
    """The number of items present in every basket."""
    import gzip

    common: set[str] | None = None
    with gzip.open(path, "rt") if path.suffix == ".gz" else open(path) as lines:
        for line in lines:
            items = set(line.split())
            if not items:
                continue
            common = items if common is None else common & items
            if not common:
                return 0
    return len(common or ())


def fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def quest_dense(binary: Path) -> Path:
    """The generated dense data set, written once (by the bench generator's `quest` binary)."""
    path = Path(tempfile.gettempdir()) / f"upsell-quest-dense-{'-'.join(QUEST_DENSE[::2])}.dat"
    if not path.exists():
        build = ["cargo", "run", "--release", "-q", "-p", "upsell-benches", "--bin", "quest", "--", QUEST_DENSE[0], str(path), *QUEST_DENSE[1:]]
        if os.environ.get("UPSELL_BUILD_LOCK"):
            build = ["flock", os.environ["UPSELL_BUILD_LOCK"], *build]
        subprocess.run(build, cwd=ROOT, check=True)
    return path


def print_table(title: str, rows: list[tuple[str, int, int, Measurement]]) -> None:
    """One markdown table; each group of rows (same data label) is compared with its pyfim best."""
    print()
    print(title)
    print()
    print("| data | min count | tool | itemsets | mine s | wall s | peak RSS MiB | mine ours/pyfim best | wall ours/pyfim best |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    for name in dict.fromkeys(r[0] for r in rows):
        group = [r for r in rows if r[0] == name]
        pyfim = [r[3] for r in group if r[3].tool.startswith("pyfim") and r[3].mine is not None and r[3].error is None]
        best_mine = min((m.mine for m in pyfim), default=None)
        best_wall = min((m.wall for m in pyfim), default=None)
        for _, support, reference, m in group:
            ours = m.tool.startswith("upsell")
            ratio_mine = fmt(m.mine / best_mine, 2) if ours and m.mine is not None and best_mine else ""
            ratio_wall = fmt(m.wall / best_wall, 2) if ours and m.wall is not None and best_wall else ""
            count = f"{m.count:,}" if m.count is not None else "-"
            if m.error:
                count = f"{count} ({m.error})"
            rss = fmt(m.rss_kib / 1024, 0) if m.rss_kib is not None else "-"
            print(f"| {name} | {support} | {m.tool} | {count} | {fmt(m.mine)} | {fmt(m.wall)} | {rss} | {ratio_mine} | {ratio_wall} |")
        best = min(pyfim, key=lambda m: m.mine or float("inf"), default=None)
        if best is not None:
            print(f"| {name} | {support} | **pyfim best** = {best.tool} | {reference:,} (reference) | {fmt(best_mine)} | {fmt(best_wall)} | | 1.00 | 1.00 |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best counts (3)")
    parser.add_argument("--skip-mlxtend", action="store_true", help="leave mlxtend out (it can take very long)")
    parser.add_argument("--mlxtend-timeout", type=float, default=120.0, help="seconds per mlxtend run (120)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per run of any other tool (600)")
    parser.add_argument("--datasets", default=",".join(d[0] for d in DATASETS), help="comma-separated subset (or none)")
    parser.add_argument(
        "--condensed",
        default=",".join(d[0] for d in CONDENSED),
        help="closed and maximal itemsets on these: comma-separated subset (or none)",
    )
    parser.add_argument("--cli-threads", default="2,1", help="thread counts for the upsell command (2,1)")
    parser.add_argument("--upsell", help="the upsell binary (default: target/release/upsell, built if missing)")
    parser.add_argument(
        "--data-dir",
        default=os.environ.get("UPSELL_DATA_DIR", str(ROOT.parent / "shared" / "data")),
        help="where the .dat.gz files are (UPSELL_DATA_DIR, else ../shared/data)",
    )
    args = parser.parse_args()

    binary = cli_binary(args.upsell)
    data_dir = Path(args.data_dir)
    wanted = set(args.datasets.split(","))
    with_python = has_upsell_python()
    if not with_python:
        print("note: `import upsell` (with frequent_itemsets) failed: upsell python is left out", file=sys.stderr)

    def jobs_for(name: str, path: Path, support: int, target: str, writes: bool) -> list[Job]:
        jobs: list[Job] = []
        for threads in args.cli_threads.split(","):
            base = [str(binary), "mine", str(path), "--min-support", str(support), "--threads", threads]
            base += ["--target", target]
            tool = f"upsell cli t={threads}"
            jobs.append(Job(Measurement(tool), base, parse_cli, args.repeat, args.timeout))
            if writes:
                output = Path(tempfile.gettempdir()) / f"upsell-compare-{name}-t{threads}.csv"
                written = base + ["--output", str(output)]
                jobs.append(Job(Measurement(f"{tool} --output csv"), written, parse_cli, args.repeat, args.timeout, output))
        tools = ["pyfim fpgrowth", "pyfim eclat", "pyfim eclat algo=o"]
        if with_python:
            tools.insert(0, "upsell python")
        if not args.skip_mlxtend and target == "all":
            tools.append("mlxtend fpgrowth")
        for tool in tools:
            timeout = args.mlxtend_timeout if tool.startswith("mlxtend") else args.timeout
            argv = [sys.executable, "-c", WORKER, tool, str(path), str(support), target]
            repeat = 1 if tool.startswith("mlxtend") else args.repeat
            jobs.append(Job(Measurement(tool), argv, parse_worker, repeat, timeout))
        return jobs

    rows: list[tuple[str, int, int, Measurement]] = []
    agree = True
    for name, file, support, reference in DATASETS:
        if name not in wanted:
            continue
        path = data_dir / file
        if not path.exists():
            print(f"skipping {name}: {path} not found", file=sys.stderr)
            continue
        jobs = jobs_for(name, path, support, "all", writes=True)
        run_rounds(name, jobs, args.repeat)
        results = [job.result for job in jobs]
        # See the module doc: pyfim leaves out sets of items present in every basket.
        ours_expected = reference + 2 ** universal_items(path) - 1
        for result in results:
            # upsell and mlxtend report a set of items in every basket; pyfim does not.
            expected = ours_expected if result.tool.startswith(("upsell", "mlxtend")) else reference
            if result.count is not None and result.count != expected:
                agree = False
                result.error = f"found {result.count:,} itemsets, expected {expected:,}"
            elif result.count is not None and expected != reference:
                result.tool += f" (+{expected - reference} all-basket set)"
            rows.append((name, support, reference, result))

    condensed: list[tuple[str, int, int, Measurement]] = []
    wanted = set(args.condensed.split(","))
    for name, file, support in CONDENSED:
        if name not in wanted:
            continue
        path = quest_dense(binary) if file is None else data_dir / file
        if not path.exists():
            print(f"skipping {name}: {path} not found", file=sys.stderr)
            continue
        universal = universal_items(path)
        for target in ["closed", "maximal"]:
            label = f"{name} {target}"
            jobs = jobs_for(label, path, support, target, writes=False)
            run_rounds(label, jobs, args.repeat)
            results = [job.result for job in jobs]
            counts = {r.count for r in results if r.tool.startswith("pyfim") and r.count is not None}
            if len(counts) != 1:
                agree = False
            reference = min(counts, default=0)
            # The set of the items in every basket is closed; pyfim leaves it out.
            extra = 1 if target == "closed" and universal else 0
            for result in results:
                expected = reference + extra if result.tool.startswith("upsell") else reference
                if result.count is not None and result.count != expected:
                    agree = False
                    result.error = f"found {result.count:,} itemsets, expected {expected:,}"
                elif result.count is not None and expected != reference:
                    result.tool += f" (+{extra} all-basket set)"
                condensed.append((label, support, reference, result))

    cores = os.cpu_count()
    if rows:
        print_table(f"Frequent itemsets, best of {args.repeat} runs taken in rounds, {cores} cores, same machine, same run.", rows)
    if condensed:
        print_table(f"Closed and maximal itemsets, best of {args.repeat} runs taken in rounds, same run.", condensed)
    print()
    print("All tools agree on the itemset counts." if agree else "DISAGREEMENT: see the itemsets column.")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
