"""Memory soak: mining, rules and recommendations on a 1-million-basket log, many times in one
Python process, reporting the resident memory after each round.

    python3 benches/memory_soak.py [--baskets 1000000] [--rounds 100] [--min-support 0.001]

The log is generated here with numpy (5,000 items of Zipf-like popularity, about 10 items a basket,
with planted groups of items bought together so that rules exist); it is never written to disk.
Each round mines the frequent itemsets, derives the association rules, fits a recommender and
answers 10,000 carts in one batch, then drops every result. The report shows, per round, the
time, the process's resident memory (VmRSS) and peak (VmHWM), and the resident memory once the
allocator has handed its free pages back to the system (glibc's ``malloc_trim(0)``, over every
arena): the plain figure wanders with the allocator's arenas (one per thread that allocated) and
their free but unreturned pages, the trimmed one is what the process holds. A leak grows by about
the same amount every round; fragmentation levels off. At the end it prints the growth of both
from the first round to the last and over the second half of the rounds. Exits non-zero when the
peak passes --max-peak-gib (2 by default) or the trimmed resident memory (the plain one without
glibc) grows by more than --max-growth-mib (16 by default) over the second half.
"""

from __future__ import annotations

import argparse
import ctypes
import sys
import time

import numpy as np

import upsell


def memory_mib() -> tuple[float, float]:
    """The process's resident and peak resident memory, in MiB, from /proc/self/status."""
    values = {}
    with open("/proc/self/status") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


def trimmed_mib() -> float | None:
    """The resident memory, in MiB, after glibc's ``malloc_trim(0)`` returned the free pages of
    every arena; None without glibc."""
    try:
        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None
    trim(0)
    return memory_mib()[0]


def generate(baskets: int, items: int, seed: int) -> upsell.Baskets:
    """About ten distinct items a basket: popular items drawn by a Zipf-like law, plus, in one
    basket out of four, one of 200 planted groups of 2 to 5 items bought together."""
    rng = np.random.default_rng(seed)
    sizes = rng.poisson(9.0, baskets) + 1
    weights = 1.0 / np.arange(1, items + 1) ** 0.8
    drawn = rng.choice(items, size=int(sizes.sum()), p=weights / weights.sum())
    basket_ids = np.repeat(np.arange(baskets), sizes)
    groups = [rng.choice(items, size=rng.integers(2, 6), replace=False) for _ in range(200)]
    planted = np.flatnonzero(rng.random(baskets) < 0.25)
    chosen = rng.integers(0, len(groups), planted.size)
    group_items = np.concatenate([groups[g] for g in chosen])
    group_baskets = np.repeat(planted, [len(groups[g]) for g in chosen])
    return upsell.Baskets.from_pairs(
        np.concatenate([basket_ids, group_baskets]).astype(np.uint32),
        np.concatenate([drawn, group_items]).astype(np.uint32),
    )


def one_round(baskets: upsell.Baskets, min_support: float, carts: list[list[int]]) -> tuple[int, int, int]:
    itemsets = upsell.frequent_itemsets(baskets, min_support)
    rules = upsell.association_rules(itemsets, 0.1)
    model = upsell.Recommender.fit(baskets, min_support, min_confidence=0.1)
    answers = model.recommend_batch(carts, 5)
    return len(itemsets), len(rules), len(answers)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baskets", type=int, default=1_000_000)
    parser.add_argument("--items", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--min-support", type=float, default=0.001)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--max-peak-gib", type=float, default=2.0)
    parser.add_argument("--max-growth-mib", type=float, default=16.0)
    args = parser.parse_args()

    start = time.perf_counter()
    baskets = generate(args.baskets, args.items, args.seed)
    print(f"{len(baskets):,} baskets generated in {time.perf_counter() - start:.1f} s")
    rng = np.random.default_rng(args.seed + 1)
    carts = [rng.choice(args.items // 10, size=rng.integers(1, 4), replace=False).tolist() for _ in range(10_000)]

    print(f"{'round':>5} {'seconds':>8} {'itemsets':>9} {'rules':>8} {'answers':>8} {'RSS MiB':>8} {'peak MiB':>9} {'trimmed':>8}")
    resident, trimmed = [], []
    for k in range(1, args.rounds + 1):
        start = time.perf_counter()
        n_itemsets, n_rules, n_answers = one_round(baskets, args.min_support, carts)
        seconds = time.perf_counter() - start
        rss, peak = memory_mib()
        resident.append(rss)
        held = trimmed_mib()
        trimmed.append(rss if held is None else held)
        shown = "-" if held is None else f"{held:.0f}"
        print(f"{k:>5} {seconds:>8.2f} {n_itemsets:>9,} {n_rules:>8,} {n_answers:>8,} {rss:>8.0f} {peak:>9.0f} {shown:>8}")
        sys.stdout.flush()
    _, peak = memory_mib()
    half = len(trimmed) // 2
    growth = trimmed[-1] - trimmed[half]
    print(f"\nresident after round 1: {resident[0]:.0f} MiB, after round {args.rounds}: {resident[-1]:.0f} MiB "
          f"({resident[-1] - resident[0]:+.0f} MiB); trimmed: {trimmed[0]:.0f} MiB, then {trimmed[-1]:.0f} MiB "
          f"({trimmed[-1] - trimmed[0]:+.0f} MiB in all, {growth:+.0f} MiB over the second half); peak {peak:.0f} MiB")
    failed = []
    if peak > args.max_peak_gib * 1024:
        failed.append(f"peak {peak:.0f} MiB above {args.max_peak_gib} GiB")
    if growth > args.max_growth_mib:
        failed.append(f"growth {growth:.0f} MiB over the second half, above {args.max_growth_mib} MiB")
    print("; ".join(failed) if failed else "within bounds")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
