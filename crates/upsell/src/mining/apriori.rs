//! Apriori: level by level, candidates of size k+1 are joined from frequent k-sets that share
//! their first k-1 items, pruned unless every k-subset is frequent, and counted in one pass over
//! the baskets through a prefix tree of candidates.
//!
//! Pairs are counted straight from the baskets, without candidates (see [`frequent_pairs`]).
//! Counting is split by the candidates' first item: each task owns a contiguous range of counters,
//! so threads never share a counter and the counts need no merge.

use rustc_hash::{FxHashMap, FxHashSet};

use super::prepare::Prepared;
use super::sink::{Bounds, Budget, Part, Sink};
use crate::Result;
use crate::parallel::Runner;

/// Candidates of one size, sorted, as a prefix tree: depth `d` holds the distinct `d+1`-prefixes.
struct Trie {
    size: usize,
    item: Vec<Vec<u32>>,
    /// Depth `d < size - 1`: where node `n`'s children start at depth `d + 1`; one extra end entry.
    child: Vec<Vec<u32>>,
}

impl Trie {
    fn new(candidates: &[u32], size: usize) -> Self {
        let mut item = vec![Vec::new(); size];
        let mut child = vec![Vec::new(); size.saturating_sub(1)];
        let mut previous: Option<&[u32]> = None;
        for candidate in candidates.chunks_exact(size) {
            let common = previous.map_or(0, |p| {
                p.iter().zip(candidate).take_while(|(a, b)| a == b).count()
            });
            for d in common..size {
                if d + 1 < size {
                    let start = item[d + 1].len() as u32;
                    child[d].push(start);
                }
                item[d].push(candidate[d]);
            }
            previous = Some(candidate);
        }
        for d in 0..size.saturating_sub(1) {
            let end = item[d + 1].len() as u32;
            child[d].push(end);
        }
        Trie { size, item, child }
    }

    /// Adds `weight` to every candidate (leaf) in `range` at depth `d` contained in `basket`.
    fn count(
        &self,
        d: usize,
        range: std::ops::Range<usize>,
        basket: &[u32],
        weight: u32,
        counts: &mut [u32],
        base: usize,
    ) {
        let (lo, hi) = (range.start, range.end);
        let items = &self.item[d];
        let need = self.size - d;
        let (mut i, mut p) = (lo, 0);
        while i < hi && p + need <= basket.len() {
            let (x, y) = (items[i], basket[p]);
            if x < y {
                i += 1 + items[i + 1..hi].partition_point(|&v| v < y);
            } else if x > y {
                p += 1;
            } else {
                if d + 1 == self.size {
                    counts[i - base] += weight;
                } else {
                    let (clo, chi) = (self.child[d][i] as usize, self.child[d][i + 1] as usize);
                    self.count(d + 1, clo..chi, &basket[p + 1..], weight, counts, base);
                }
                i += 1;
                p += 1;
            }
        }
    }
}

pub(crate) fn mine(
    prepared: &Prepared,
    bounds: Bounds,
    budget: &Budget<'_>,
    runner: &Runner,
) -> Result<Vec<Part>> {
    let mut sink = Sink::new(prepared, bounds, budget);
    sink.emit_universal(prepared.baskets);
    let first = prepared.first_code();
    let mut level: Vec<u32> = (first..prepared.item_count() as u32).collect();
    let mut counts: Vec<u32> = level
        .iter()
        .map(|&i| prepared.item_counts[i as usize])
        .collect();
    let mut size = 1;
    budget.branches(bounds.max_len.min(prepared.item_count()) as u64);
    while !level.is_empty() && !sink.stopped() {
        for (itemset, &count) in level.chunks_exact(size).zip(&counts) {
            sink.emit(itemset, &[], count);
        }
        budget.branch_done();
        if size >= bounds.max_len {
            break;
        }
        if size == 1 {
            (level, counts) = frequent_pairs(prepared, runner);
            size = 2;
            continue;
        }
        let candidates = candidates(&level, size, prepared.item_count(), &sink);
        if sink.stopped() {
            break;
        }
        size += 1;
        let candidate_counts = count(&candidates, size, prepared, runner);
        level.clear();
        counts.clear();
        for (candidate, &count) in candidates.chunks_exact(size).zip(&candidate_counts) {
            if count >= prepared.min_count {
                level.extend_from_slice(candidate);
                counts.push(count);
            }
        }
    }
    let parts = sink.finish();
    budget.finish()?;
    Ok(parts)
}

/// The frequent pairs, sorted, and their counts, counted without candidates: every two frequent
/// items would be candidates (40 million on retail, more memory than the data), while the pairs
/// that occur are read from the baskets. For each item `a`, the items after it in the baskets
/// that hold it are counted in a dense array, listing each item the first time it is counted.
fn frequent_pairs(prepared: &Prepared, runner: &Runner) -> (Vec<u32>, Vec<u32>) {
    let items = prepared.item_count();
    let first = prepared.first_code() as usize;
    let holders = prepared.baskets_by_item();
    let pairs = runner.map(
        items - first,
        || (vec![0u32; items], Vec::new()),
        |(counts, touched): &mut (Vec<u32>, Vec<u32>), k| {
            let a = (first + k) as u32;
            for &t in &holders[a as usize] {
                let basket = prepared.basket(t as usize);
                let weight = prepared.weights[t as usize];
                for &b in &basket[basket.partition_point(|&x| x <= a)..] {
                    if counts[b as usize] == 0 {
                        touched.push(b);
                    }
                    counts[b as usize] += weight;
                }
            }
            touched.sort_unstable();
            let mut found = (Vec::new(), Vec::new());
            for &b in touched.iter() {
                let count = std::mem::take(&mut counts[b as usize]);
                if count >= prepared.min_count {
                    found.0.extend_from_slice(&[a, b]);
                    found.1.push(count);
                }
            }
            touched.clear();
            found
        },
    );
    let mut level = Vec::new();
    let mut counts = Vec::new();
    for (sets, found) in pairs {
        level.extend_from_slice(&sets);
        counts.extend_from_slice(&found);
    }
    (level, counts)
}

/// Joins sets that share all but their last item (a group: prefix `p`, last items `l`) into the
/// candidates `p + {x, y}` (`x < y` in `l`) whose subsets of their size are all in `level`
/// (sorted, sets of `size >= 2`). The subset without `p`'s first item, `p[1..] + {x, y}`, is
/// looked for first: `y` must be a last item of the group `p[1..] + {x}`, so each `x` reads that
/// group rather than trying every `y` (groups of frequent items hold thousands of sets on
/// retail). The other subsets are looked up in a hash set.
fn candidates(level: &[u32], size: usize, items: usize, sink: &Sink<'_>) -> Vec<u32> {
    let sets: Vec<&[u32]> = level.chunks_exact(size).collect();
    let prefix_of = |k: usize| &sets[k][..size - 1];
    let mut ranges = Vec::new();
    let mut start = 0;
    while start < sets.len() {
        let end = start + sets[start..].partition_point(|s| s[..size - 1] == *prefix_of(start));
        ranges.push(start..end);
        start = end;
    }
    let groups: FxHashMap<&[u32], std::ops::Range<usize>> = ranges
        .iter()
        .map(|r| (prefix_of(r.start), r.clone()))
        .collect();
    let known: FxHashSet<&[u32]> = sets.iter().copied().collect();
    let mut in_group = vec![false; items];
    let (mut key, mut subset) = (Vec::with_capacity(size), Vec::with_capacity(size));
    let mut out = Vec::new();
    for group in ranges {
        if sink.stopped() {
            break;
        }
        let prefix = prefix_of(group.start);
        for s in &sets[group.clone()] {
            in_group[s[size - 1] as usize] = true;
        }
        for s in &sets[group.clone()] {
            let x = s[size - 1];
            key.clear();
            key.extend_from_slice(&prefix[1..]);
            key.push(x);
            let Some(partners) = groups.get(key.as_slice()) else {
                continue;
            };
            'partners: for t in &sets[partners.clone()] {
                let y = t[size - 1];
                if !in_group[y as usize] {
                    continue;
                }
                // Dropping x or y gives a set of the group; dropping prefix[0] was checked above.
                for drop in 1..size - 1 {
                    subset.clear();
                    subset.extend(
                        prefix
                            .iter()
                            .enumerate()
                            .filter(|&(k, _)| k != drop)
                            .map(|(_, &v)| v),
                    );
                    subset.extend_from_slice(&[x, y]);
                    if !known.contains(subset.as_slice()) {
                        continue 'partners;
                    }
                }
                out.extend_from_slice(prefix);
                out.extend_from_slice(&[x, y]);
            }
        }
        for s in &sets[group] {
            in_group[s[size - 1] as usize] = false;
        }
        // The candidates and the level they come from are working memory, counted against the
        // byte budget (their counts come to the same again).
        sink.working(8 * (out.len() + level.len()) as u64);
    }
    out
}

/// Counts every candidate in one pass over the baskets per task; tasks split the root range.
fn count(candidates: &[u32], size: usize, prepared: &Prepared, runner: &Runner) -> Vec<u32> {
    let total = candidates.len() / size;
    if total == 0 {
        return Vec::new();
    }
    let trie = Trie::new(candidates, size);
    // Root ranges of about equal numbers of candidates: leaves under root node r are contiguous.
    let roots = trie.item[0].len();
    let leaf_start = |r: usize| -> usize {
        let mut node = r;
        for d in 0..size - 1 {
            node = trie.child[d][node] as usize;
        }
        node
    };
    // Every task reads every basket (skipping the roots outside its range), so a task per thread:
    // more would read the baskets more often for no balance worth it.
    let tasks = roots.clamp(1, runner.threads());
    let target = total.div_ceil(tasks);
    let mut cuts = vec![0usize];
    for r in 1..roots {
        if leaf_start(r) - leaf_start(*cuts.last().unwrap_or(&0)) >= target {
            cuts.push(r);
        }
    }
    cuts.push(roots);
    let ranges: Vec<(usize, usize)> = cuts.windows(2).map(|w| (w[0], w[1])).collect();
    let pieces = runner.map(
        ranges.len(),
        || (),
        |_, k| {
            let (lo, hi) = ranges[k];
            let (base, end) = (
                leaf_start(lo),
                if hi == roots { total } else { leaf_start(hi) },
            );
            let mut counts = vec![0u32; end - base];
            for t in 0..prepared.len() {
                let basket = prepared.basket(t);
                if basket.len() >= size {
                    trie.count(0, lo..hi, basket, prepared.weights[t], &mut counts, base);
                }
            }
            counts
        },
    );
    pieces.concat()
}
