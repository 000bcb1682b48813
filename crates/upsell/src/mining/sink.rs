//! Where miners put itemsets: length bounds, the itemset budget and cancellation in one place.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::Itemsets;
use super::prepare::Prepared;
use crate::{Control, Error, Result};

/// The sizes of itemsets to report.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bounds {
    pub min_len: usize,
    pub max_len: usize,
}

/// The shared budget of all workers, and the caller's [`Control`].
pub(crate) struct Budget<'a> {
    max: u64,
    emitted: AtomicU64,
    exceeded: AtomicBool,
    control: &'a Control,
}

impl<'a> Budget<'a> {
    pub fn new(max: Option<u64>, control: &'a Control) -> Self {
        Budget {
            max: max.unwrap_or(u64::MAX),
            emitted: AtomicU64::new(0),
            exceeded: AtomicBool::new(false),
            control,
        }
    }

    /// Whether workers should stop: the budget is spent or the caller cancelled.
    #[inline]
    pub fn stopped(&self) -> bool {
        self.exceeded.load(Ordering::Relaxed) || self.control.is_cancelled()
    }

    fn add(&self, emitted: u64) {
        let total = self.emitted.fetch_add(emitted, Ordering::Relaxed) + emitted;
        if total > self.max {
            self.exceeded.store(true, Ordering::Relaxed);
        }
    }

    /// Counts one finished top-level branch for progress reporting.
    pub fn branch_done(&self) {
        self.control.advance(1);
    }

    /// Announces how many top-level branches there are.
    pub fn branches(&self, total: u64) {
        self.control.start(total);
    }

    /// The outcome once every worker returned.
    pub fn finish(&self) -> Result<()> {
        if self.exceeded.load(Ordering::Relaxed) {
            return Err(Error::LimitExceeded {
                what: "itemsets",
                limit: self.max,
                hint: "raise min_support, set max_len, mine closed or maximal itemsets, or raise max_itemsets".into(),
            });
        }
        self.control.check()
    }
}

/// Itemsets found by one worker, as codes sorted ascending within each itemset.
#[derive(Default)]
pub(crate) struct Part {
    items: Vec<u32>,
    ends: Vec<usize>,
    counts: Vec<u32>,
}

/// A worker's output buffer.
pub(crate) struct Sink<'a> {
    part: Part,
    budget: &'a Budget<'a>,
    bounds: Bounds,
    universal: &'a [u32],
    pending: u64,
    pool: Vec<u32>,
    buffer: Vec<u32>,
}

const FLUSH_EVERY: u64 = 1 << 12;

impl<'a> Sink<'a> {
    pub fn new(prepared: &'a Prepared, bounds: Bounds, budget: &'a Budget<'a>) -> Self {
        Sink {
            part: Part::default(),
            budget,
            bounds,
            universal: &prepared.universal,
            pending: 0,
            pool: Vec::new(),
            buffer: Vec::new(),
        }
    }

    #[inline]
    pub fn stopped(&self) -> bool {
        self.budget.stopped()
    }

    /// The largest itemset size worth extending a prefix to.
    #[inline]
    pub fn max_len(&self) -> usize {
        self.bounds.max_len
    }

    /// Reports `prefix` (in any order) with every subset of `pex` (items that keep the count: the
    /// caller's perfect extensions and the universal items) added, all with `count`.
    pub fn emit(&mut self, prefix: &[u32], pex: &[u32], count: u32) {
        if self.universal.is_empty() && pex.is_empty() {
            self.push(prefix, count);
            return;
        }
        let (mut pool, mut buffer) = (
            std::mem::take(&mut self.pool),
            std::mem::take(&mut self.buffer),
        );
        pool.clear();
        pool.extend_from_slice(pex);
        pool.extend_from_slice(self.universal);
        buffer.clear();
        buffer.extend_from_slice(prefix);
        self.subsets(&mut buffer, &pool, count);
        (self.pool, self.buffer) = (pool, buffer);
    }

    /// Reports the itemsets made of the universal items alone (the empty prefix's extensions).
    pub fn emit_universal(&mut self, baskets: u64) {
        if !self.universal.is_empty() {
            let pool = self.universal.to_vec();
            let mut buffer = Vec::new();
            for (k, &item) in pool.iter().enumerate() {
                buffer.push(item);
                self.subsets(
                    &mut buffer,
                    &pool[k + 1..],
                    baskets.min(u64::from(u32::MAX)) as u32,
                );
                buffer.pop();
            }
        }
    }

    fn subsets(&mut self, buffer: &mut Vec<u32>, pool: &[u32], count: u32) {
        self.push(buffer, count);
        if buffer.len() >= self.bounds.max_len {
            return;
        }
        for (k, &item) in pool.iter().enumerate() {
            if self.budget.stopped() {
                return;
            }
            buffer.push(item);
            self.subsets(buffer, &pool[k + 1..], count);
            buffer.pop();
        }
    }

    #[inline]
    fn push(&mut self, itemset: &[u32], count: u32) {
        if itemset.len() < self.bounds.min_len || itemset.len() > self.bounds.max_len {
            return;
        }
        let start = self.part.items.len();
        self.part.items.extend_from_slice(itemset);
        self.part.items[start..].sort_unstable();
        self.part.ends.push(self.part.items.len());
        self.part.counts.push(count);
        self.pending += 1;
        if self.pending >= FLUSH_EVERY {
            self.budget.add(self.pending);
            self.pending = 0;
        }
    }

    pub fn finish(mut self) -> Part {
        self.budget.add(self.pending);
        self.pending = 0;
        self.part
    }
}

/// Concatenates the workers' parts in order and translates codes back to the caller's item ids.
pub(crate) fn assemble(
    parts: Vec<Part>,
    prepared: &Prepared,
    baskets: u64,
    min_count: u64,
) -> Itemsets {
    let total_items: usize = parts.iter().map(|p| p.items.len()).sum();
    let total_sets: usize = parts.iter().map(|p| p.counts.len()).sum();
    let mut items = crate::memory::with_capacity(total_items);
    let mut offsets = crate::memory::with_capacity(total_sets + 1);
    let mut counts = crate::memory::with_capacity(total_sets);
    offsets.push(0);
    for part in parts {
        let base = items.len();
        items.extend(part.items.iter().map(|&c| prepared.item_ids[c as usize]));
        offsets.extend(part.ends.iter().map(|&e| base + e));
        counts.extend(part.counts.iter().map(|&c| u64::from(c)));
    }
    if !prepared.monotone {
        for w in offsets.windows(2) {
            items[w[0]..w[1]].sort_unstable();
        }
    }
    Itemsets::from_parts(items, offsets, counts, baskets, min_count)
}
