//! Apriori: level by level, candidates of size k+1 are joined from frequent k-sets that share
//! their first k-1 items, pruned unless every k-subset is frequent, and counted in one pass over
//! the baskets through a prefix tree of candidates.
//!
//! Counting is split by the candidates' first item: each task owns a contiguous range of counters,
//! so threads never share a counter and the counts need no merge.

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
        let candidates = candidates(&level, size, &sink);
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

/// Joins sets that share all but their last item; keeps a candidate only if every subset of its
/// size is in `level` (sorted, so a binary search finds it).
fn candidates(level: &[u32], size: usize, sink: &Sink<'_>) -> Vec<u32> {
    let sets: Vec<&[u32]> = level.chunks_exact(size).collect();
    let mut out = Vec::new();
    let mut subset = Vec::with_capacity(size);
    let mut start = 0;
    while start < sets.len() && !sink.stopped() {
        let group = sets[start..]
            .iter()
            .take_while(|s| s[..size - 1] == sets[start][..size - 1])
            .count();
        for a in start..start + group {
            'pairs: for b in a + 1..start + group {
                let last = sets[b][size - 1];
                // Dropping the last or second-to-last item gives `a` or `b`: check the others.
                for drop in 0..size.saturating_sub(1) {
                    subset.clear();
                    subset.extend(
                        sets[a]
                            .iter()
                            .enumerate()
                            .filter(|&(k, _)| k != drop)
                            .map(|(_, &v)| v),
                    );
                    subset.push(last);
                    if sets.binary_search(&subset.as_slice()).is_err() {
                        continue 'pairs;
                    }
                }
                out.extend_from_slice(sets[a]);
                out.push(last);
            }
        }
        start += group;
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
    let tasks = roots.clamp(1, 64);
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
