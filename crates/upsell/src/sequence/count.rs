//! Counting customers per (A, B, window) over time-sorted histories, in parallel and exactly.
//!
//! Each customer contributes at most once to each count, so the work splits by customer: chunks of
//! customers run on the crate's pool, each into its own sparse tally, and the tallies are summed.
//! Sums of integers do not depend on the order or the chunking, so the result is the same for any
//! number of threads. Written here rather than with a crate because the hot loop is specific: from
//! each anchor, walk forward through the history while inside the longest window and take the
//! first later purchase of every other item (a generation-stamped array marks items already seen,
//! so a walk costs its length, not the catalogue's size).

use rustc_hash::FxHashMap;

use super::purchases::Purchases;
use crate::data::ItemId;
use crate::parallel::Runner;
use crate::{Control, Error, Result};

/// Customers per window for each item and each ordered pair, windows cumulative.
pub(super) struct Tally {
    /// The number of windows; every histogram below has this many slots per entry.
    pub windows: usize,
    /// Customers who bought the item at all.
    pub item_customers: Vec<u64>,
    /// Per item: customers whose first later purchase of it came in window slot `k` after their
    /// first purchase of anything (made cumulative by [`Tally::accumulate`]).
    pub baseline: Vec<u64>,
    /// (antecedent, consequent) to its slot in `pair_counts`.
    pub pairs: FxHashMap<u64, usize>,
    /// Per pair: customers whose first purchase of B after their first A came in window slot `k`.
    pub pair_counts: Vec<u64>,
}

/// The key of an ordered pair.
pub(super) fn pair_key(antecedent: ItemId, consequent: ItemId) -> u64 {
    (u64::from(antecedent) << 32) | u64::from(consequent)
}

/// One chunk's sparse tally.
#[derive(Default)]
struct ChunkTally {
    bought: Vec<ItemId>,
    baseline: Vec<(ItemId, u8)>,
    pairs: FxHashMap<u64, u32>,
    pair_counts: Vec<u32>,
}

/// Scratch space of one worker: marks items seen in the current walk.
struct Scratch {
    stamp: Vec<u32>,
    generation: u32,
    anchors: Vec<(ItemId, i64)>,
}

impl Scratch {
    fn new(items: usize) -> Self {
        Scratch { stamp: vec![0; items], generation: 0, anchors: Vec::new() }
    }

    /// Starts a new walk: every item is unseen again.
    fn next_generation(&mut self) -> u32 {
        if self.generation == u32::MAX {
            self.stamp.fill(0);
            self.generation = 0;
        }
        self.generation += 1;
        self.generation
    }

    /// Marks `item` seen in walk `generation`; returns whether it was new.
    #[inline]
    fn first_sight(&mut self, item: ItemId, generation: u32) -> bool {
        let slot = &mut self.stamp[item as usize];
        let new = *slot != generation;
        *slot = generation;
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
    let customers = purchases.customers();
    let item_count = purchases.labels().len();
    let threads = threads.unwrap_or_else(crate::parallel::default_threads);
    let chunk_count = (customers / 256).clamp(1, 16 * threads.max(1)).min(customers.max(1));
    let per_chunk = customers.div_ceil(chunk_count);
    control.start(customers as u64);
    let runner = Runner::new(Some(threads));
    let chunks = runner.map(
        chunk_count,
        || Scratch::new(item_count),
        |scratch, chunk| {
            let range = chunk * per_chunk..((chunk + 1) * per_chunk).min(customers);
            count_chunk(purchases, range, window_seconds, max_pairs, scratch, control)
        },
    );
    control.check()?;
    let mut tally = Tally {
        windows: window_seconds.len(),
        item_customers: vec![0; item_count],
        baseline: vec![0; item_count * window_seconds.len()],
        pairs: FxHashMap::default(),
        pair_counts: Vec::new(),
    };
    for chunk in chunks {
        tally.add(chunk?, max_pairs)?;
    }
    tally.accumulate();
    Ok(tally)
}

fn too_many_pairs(limit: u64) -> Error {
    Error::LimitExceeded {
        what: "distinct (antecedent, consequent) pairs",
        limit,
        hint: "shorten the longest window, or raise max_pairs".to_owned(),
    }
}

fn count_chunk(
    purchases: &Purchases,
    customers: std::ops::Range<usize>,
    window_seconds: &[i64],
    max_pairs: u64,
    scratch: &mut Scratch,
    control: &Control,
) -> Result<ChunkTally> {
    let windows = window_seconds.len();
    let longest = window_seconds[windows - 1];
    let mut chunk = ChunkTally::default();
    let count = customers.len() as u64;
    for customer in customers {
        if control.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let Some((items, seconds)) = purchases.history(customer) else { continue };
        // Each distinct item and the time of its first purchase: the anchors.
        let generation = scratch.next_generation();
        scratch.anchors.clear();
        for (&item, &second) in items.iter().zip(seconds) {
            if scratch.first_sight(item, generation) {
                scratch.anchors.push((item, second));
                chunk.bought.push(item);
            }
        }
        // The baseline walks from the first purchase of anything.
        let generation = scratch.next_generation();
        walk(items, seconds, seconds[0], longest, window_seconds, scratch, generation, |item, slot| {
            chunk.baseline.push((item, slot));
        });
        let anchors = std::mem::take(&mut scratch.anchors);
        for &(antecedent, anchor) in &anchors {
            let generation = scratch.next_generation();
            scratch.first_sight(antecedent, generation);
            walk(items, seconds, anchor, longest, window_seconds, scratch, generation, |consequent, slot| {
                let next = chunk.pairs.len() as u32;
                let index = *chunk.pairs.entry(pair_key(antecedent, consequent)).or_insert_with(|| {
                    chunk.pair_counts.extend(std::iter::repeat_n(0, windows));
                    next
                });
                chunk.pair_counts[index as usize * windows + slot as usize] += 1;
            });
        }
        scratch.anchors = anchors;
        if chunk.pairs.len() as u64 > max_pairs {
            return Err(too_many_pairs(max_pairs));
        }
    }
    control.advance(count);
    Ok(chunk)
}

/// Calls `found(item, window slot)` for the first purchase of each item not yet seen in this walk
/// strictly after `anchor` and at most `longest` seconds after it.
#[allow(clippy::too_many_arguments)]
#[inline]
fn walk(
    items: &[ItemId],
    seconds: &[i64],
    anchor: i64,
    longest: i64,
    window_seconds: &[i64],
    scratch: &mut Scratch,
    generation: u32,
    mut found: impl FnMut(ItemId, u8),
) {
    let start = seconds.partition_point(|&s| s <= anchor);
    for (&item, &second) in items[start..].iter().zip(&seconds[start..]) {
        let delay = second - anchor;
        if delay > longest {
            break;
        }
        if scratch.first_sight(item, generation) {
            found(item, window_seconds.partition_point(|&w| w < delay) as u8);
        }
    }
}

impl Tally {
    fn add(&mut self, chunk: ChunkTally, max_pairs: u64) -> Result<()> {
        let windows = self.windows;
        for item in chunk.bought {
            self.item_customers[item as usize] += 1;
        }
        for (item, slot) in chunk.baseline {
            self.baseline[item as usize * windows + slot as usize] += 1;
        }
        for (key, index) in chunk.pairs {
            let next = self.pairs.len();
            let global = *self.pairs.entry(key).or_insert_with(|| {
                self.pair_counts.extend(std::iter::repeat_n(0, windows));
                next
            });
            let counts = &chunk.pair_counts[index as usize * windows..(index as usize + 1) * windows];
            for (total, &count) in self.pair_counts[global * windows..(global + 1) * windows].iter_mut().zip(counts) {
                *total += u64::from(count);
            }
        }
        if self.pairs.len() as u64 > max_pairs {
            return Err(too_many_pairs(max_pairs));
        }
        Ok(())
    }

    /// Turns per-slot counts into "within window k" counts (a purchase within 7 days is also within 30).
    fn accumulate(&mut self) {
        let windows = self.windows;
        for counts in self.baseline.chunks_exact_mut(windows).chain(self.pair_counts.chunks_exact_mut(windows)) {
            for k in 1..windows {
                counts[k] += counts[k - 1];
            }
        }
    }
}
