//! Counting customers per (A, B, window) over time-sorted histories, in parallel and exactly.
//!
//! The one idea: split the work by antecedent, not by customer. A first pass (serial, one walk per
//! row) indexes, for every item A, each buyer's first purchase of A; then tasks over ranges of A
//! walk forward from those anchors through the buyer's history while inside the longest window
//! and count the first later purchase of every other item B in a dense per-worker array. Counts of
//! different antecedents never meet, so there is no hash map and no merge: each task emits its
//! pairs sorted by (A, B) and the tasks are concatenated in order, which makes the result the same
//! for any number of threads. Written here rather than with a crate because the loop is specific;
//! a generation-stamped array marks items already seen in a walk, so a walk costs its length, not
//! the catalogue's size.

use std::sync::atomic::{AtomicU64, Ordering};

use super::purchases::Purchases;
use crate::data::ItemId;
use crate::parallel::Runner;
use crate::{Control, Error, Result};

/// Customers per window for each item and each ordered pair, windows cumulative ("within 30 days"
/// includes "within 7"); every histogram has one slot per window.
pub(super) struct Tally {
    /// Customers who bought the item at all.
    pub item_customers: Vec<u64>,
    /// Per item: customers who bought it within each window after their first purchase of anything.
    pub baseline: Vec<u64>,
    /// Ordered pairs (A, B) with at least one customer in the longest window, sorted.
    pub pairs: Vec<(ItemId, ItemId)>,
    /// Per pair: customers who bought B within each window after their first purchase of A.
    pub pair_counts: Vec<u64>,
}

/// For every item, each buyer's first purchase: where the history continues after it.
struct Anchors {
    /// Anchors of item `i` are `entries[offsets[i]..offsets[i + 1]]`.
    offsets: Vec<usize>,
    /// (index of the first row strictly after the anchor's time, customer).
    entries: Vec<(usize, u32)>,
}

/// Marks items seen in the current walk; a new walk is a new generation, not a cleared array.
struct Seen {
    stamp: Vec<u32>,
    generation: u32,
}

impl Seen {
    fn new(items: usize) -> Self {
        Seen { stamp: vec![0; items], generation: 0 }
    }

    fn next_walk(&mut self) {
        if self.generation == u32::MAX {
            self.stamp.fill(0);
            self.generation = 0;
        }
        self.generation += 1;
    }

    /// Marks `item` seen in this walk; returns whether it was new.
    #[inline]
    fn first_sight(&mut self, item: ItemId) -> bool {
        let slot = &mut self.stamp[item as usize];
        let new = *slot != self.generation;
        *slot = self.generation;
        new
    }
}

/// Counts every customer of `purchases`; `window_seconds` is sorted ascending and non-empty.
pub(super) fn tally(
    purchases: &Purchases,
    window_seconds: &[i64],
    threads: Option<usize>,
    max_pairs: u64,
    control: &Control,
) -> Result<Tally> {
    let item_count = purchases.labels().len();
    let windows = window_seconds.len();
    let (anchors, baseline) = index(purchases, window_seconds);
    let item_customers: Vec<u64> = anchors.offsets.windows(2).map(|w| (w[1] - w[0]) as u64).collect();
    control.start(anchors.entries.len() as u64);

    let threads = threads.unwrap_or_else(crate::parallel::default_threads);
    let ranges = balanced_ranges(&anchors.offsets, 16 * threads.max(1));
    let pairs_seen = AtomicU64::new(0);
    let runner = Runner::new(Some(threads));
    let parts = runner.map(
        ranges.len(),
        || Worker::new(item_count, windows),
        |worker, task| {
            let (first, last) = ranges[task];
            let mut part = Part::default();
            for antecedent in first..last {
                if control.is_cancelled() {
                    return Err(Error::Cancelled);
                }
                let entries = &anchors.entries[anchors.offsets[antecedent]..anchors.offsets[antecedent + 1]];
                let added = worker.count(purchases, antecedent as ItemId, entries, window_seconds, &mut part);
                if pairs_seen.fetch_add(added, Ordering::Relaxed) + added > max_pairs {
                    return Err(too_many_pairs(max_pairs));
                }
                control.advance(entries.len() as u64);
            }
            Ok(part)
        },
    );
    control.check()?;
    let mut tally = Tally { item_customers, baseline, pairs: Vec::new(), pair_counts: Vec::new() };
    for part in parts {
        let part = part?;
        tally.pairs.extend(part.pairs);
        tally.pair_counts.extend(part.counts);
    }
    Ok(tally)
}

pub(super) fn too_many_pairs(limit: u64) -> Error {
    Error::LimitExceeded {
        what: "distinct (antecedent, consequent) pairs",
        limit,
        hint: "shorten the longest window, or raise max_pairs".to_owned(),
    }
}

/// One serial pass: every item's anchors, and the cumulative baseline per item and window.
fn index(purchases: &Purchases, window_seconds: &[i64]) -> (Anchors, Vec<u64>) {
    let item_count = purchases.labels().len();
    let windows = window_seconds.len();
    let longest = window_seconds[windows - 1];
    let mut seen = Seen::new(item_count);
    let mut baseline = vec![0u64; item_count * windows];
    let mut firsts: Vec<(ItemId, usize, u32)> = Vec::new();
    for customer in 0..purchases.customers() {
        let Some((start, items, seconds)) = purchases.history_at(customer) else {
            continue;
        };
        seen.next_walk();
        for (position, (&item, &second)) in items.iter().zip(seconds).enumerate() {
            if seen.first_sight(item) {
                let after = position + seconds[position..].partition_point(|&s| s <= second);
                firsts.push((item, start + after, customer as u32));
            }
        }
        // The baseline walks from the first purchase of anything.
        seen.next_walk();
        let anchor = seconds[0];
        let after = seconds.partition_point(|&s| s <= anchor);
        for (&item, &second) in items[after..].iter().zip(&seconds[after..]) {
            let delay = second - anchor;
            if delay > longest {
                break;
            }
            if seen.first_sight(item) {
                baseline[item as usize * windows + slot(window_seconds, delay)] += 1;
            }
        }
    }
    cumulate(&mut baseline, windows);
    // Group anchors by item (a counting sort keeps customers in order within an item).
    let mut offsets = vec![0usize; item_count + 1];
    for &(item, ..) in &firsts {
        offsets[item as usize + 1] += 1;
    }
    for i in 0..item_count {
        offsets[i + 1] += offsets[i];
    }
    let mut next = offsets.clone();
    let mut entries = vec![(0usize, 0u32); firsts.len()];
    for (item, after, customer) in firsts {
        entries[next[item as usize]] = (after, customer);
        next[item as usize] += 1;
    }
    (Anchors { offsets, entries }, baseline)
}

/// The window slot of a delay: the first window at least as long.
#[inline]
fn slot(window_seconds: &[i64], delay: i64) -> usize {
    window_seconds.partition_point(|&w| w < delay)
}

/// Per-slot counts to "within window k" counts.
fn cumulate(counts: &mut [u64], windows: usize) {
    for row in counts.chunks_exact_mut(windows) {
        for k in 1..windows {
            row[k] += row[k - 1];
        }
    }
}

/// Splits items `0..n` into at most `tasks` contiguous ranges of about equal numbers of anchors.
fn balanced_ranges(offsets: &[usize], tasks: usize) -> Vec<(usize, usize)> {
    let items = offsets.len() - 1;
    let total = offsets[items].max(1);
    let mut ranges = Vec::with_capacity(tasks);
    let mut first = 0;
    for task in 1..=tasks {
        let target = total * task / tasks;
        let last = if task == tasks { items } else { offsets.partition_point(|&o| o < target).clamp(first, items) };
        if last > first {
            ranges.push((first, last));
            first = last;
        }
    }
    ranges
}

/// One task's pairs, sorted by (A, B), with their cumulative counts.
#[derive(Default)]
struct Part {
    pairs: Vec<(ItemId, ItemId)>,
    counts: Vec<u64>,
}

/// A worker's dense counts for the antecedent at hand.
struct Worker {
    seen: Seen,
    windows: usize,
    /// `counts[b * windows + k]`: customers whose first B after the anchor came in slot `k`.
    counts: Vec<u32>,
    touched: Vec<ItemId>,
}

impl Worker {
    fn new(items: usize, windows: usize) -> Self {
        Worker { seen: Seen::new(items), windows, counts: vec![0; items * windows], touched: Vec::new() }
    }

    /// Counts every buyer of `antecedent` into `part`; returns the number of pairs added.
    fn count(
        &mut self,
        purchases: &Purchases,
        antecedent: ItemId,
        anchors: &[(usize, u32)],
        window_seconds: &[i64],
        part: &mut Part,
    ) -> u64 {
        let windows = self.windows;
        let longest = window_seconds[windows - 1];
        let (items, seconds) = purchases.all_rows();
        for &(after, customer) in anchors {
            let end = purchases.end_of(customer as usize);
            // The row before `after` has the anchor's time (the first purchase of A is before it).
            let anchor = seconds[after - 1];
            self.seen.next_walk();
            self.seen.first_sight(antecedent);
            for (&item, &second) in items[after..end].iter().zip(&seconds[after..end]) {
                let delay = second - anchor;
                if delay > longest {
                    break;
                }
                if self.seen.first_sight(item) {
                    let row = item as usize * windows;
                    if self.counts[row..row + windows].iter().all(|&c| c == 0) {
                        self.touched.push(item);
                    }
                    self.counts[row + slot(window_seconds, delay)] += 1;
                }
            }
        }
        self.touched.sort_unstable();
        for &consequent in &self.touched {
            let row = consequent as usize * windows;
            part.pairs.push((antecedent, consequent));
            let mut within = 0u64;
            for count in &mut self.counts[row..row + windows] {
                within += u64::from(std::mem::take(count));
                part.counts.push(within);
            }
        }
        let added = self.touched.len() as u64;
        self.touched.clear();
        added
    }
}
