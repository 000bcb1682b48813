//! Closed and maximal itemsets, decided from the complete set of frequent itemsets.
//!
//! By anti-monotonicity, a set has a superset of equal count (or a frequent superset at all) exactly
//! when it has such a superset with one more item; so one pass over every set, looking up each of
//! its one-smaller subsets, marks all the sets that are not closed (or not maximal).

use rustc_hash::FxHashMap;

use super::{Itemsets, Target};

/// Keeps the closed or maximal sets of `all` (every frequent set up to `max_len + 1` items), then
/// drops sets above `max_len`.
pub(crate) fn closed_or_maximal(all: Itemsets, target: Target, max_len: Option<usize>) -> Itemsets {
    let (baskets, min_count) = (all.baskets(), all.min_count());
    let index: FxHashMap<&[u32], usize> = all
        .iter()
        .enumerate()
        .map(|(k, (set, _))| (set, k))
        .collect();
    let mut keep = vec![true; all.len()];
    let mut subset = Vec::new();
    for (set, count) in all.iter() {
        for drop in 0..set.len() {
            subset.clear();
            subset.extend_from_slice(&set[..drop]);
            subset.extend_from_slice(&set[drop + 1..]);
            if let Some(&k) = index.get(subset.as_slice()) {
                if target == Target::Maximal || all.counts()[k] == count {
                    keep[k] = false;
                }
            }
        }
    }
    let max_len = max_len.unwrap_or(usize::MAX);
    let mut items = Vec::new();
    let mut offsets = vec![0];
    let mut counts = Vec::new();
    for ((set, count), keep) in all.iter().zip(keep) {
        if keep && set.len() <= max_len {
            items.extend_from_slice(set);
            offsets.push(items.len());
            counts.push(count);
        }
    }
    Itemsets::from_parts(items, offsets, counts, baskets, min_count)
}
