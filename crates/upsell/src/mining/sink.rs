//! Where miners put itemsets: length bounds, the itemset budget and cancellation in one place.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::Itemsets;
use super::prepare::Prepared;
use crate::parallel::Runner;
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

/// Itemsets found by one worker over a run of branches, as codes sorted ascending within each
/// itemset.
pub(crate) struct Part {
    items: Vec<u32>,
    /// Where each itemset starts in `items`, and the end.
    offsets: Vec<usize>,
    counts: Vec<u64>,
}

impl Default for Part {
    fn default() -> Self {
        Part {
            items: Vec::new(),
            offsets: vec![0],
            counts: Vec::new(),
        }
    }
}

impl Part {
    /// Appends `other`'s itemsets.
    fn append(&mut self, other: &Part) {
        let base = self.items.len();
        self.items.extend_from_slice(&other.items);
        self.offsets
            .extend(other.offsets[1..].iter().map(|&end| base + end));
        self.counts.extend_from_slice(&other.counts);
    }
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
        let part = &mut self.part;
        // A worker's part grows to its whole output: in huge pages, it faults once per 2 MiB.
        crate::memory::reserve(&mut part.items, itemset.len());
        crate::memory::reserve(&mut part.offsets, 1);
        crate::memory::reserve(&mut part.counts, 1);
        let start = part.items.len();
        part.items.extend_from_slice(itemset);
        part.items[start..].sort_unstable();
        part.offsets.push(part.items.len());
        part.counts.push(u64::from(count));
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

/// Runs the top-level branches `0..count` of a miner on `runner`: `branch(state, sink, b)` mines
/// branch `b`. Each worker writes the branches it runs, a consecutive run, into one sink, with a
/// state from `init`; the itemsets of the universal items alone come first. Returns the parts in
/// order.
pub(crate) fn run_branches<'a, S: Send>(
    count: usize,
    prepared: &'a Prepared,
    bounds: Bounds,
    budget: &'a Budget<'a>,
    runner: &Runner,
    init: impl Fn() -> S + Sync + Send,
    branch: impl Fn(&mut S, &mut Sink<'a>, usize) + Sync + Send,
) -> Result<Vec<Part>> {
    budget.branches(count as u64);
    let parts = if count == 0 {
        let mut sink = Sink::new(prepared, bounds, budget);
        sink.emit_universal(prepared.baskets);
        vec![sink.finish()]
    } else {
        runner.fold(
            count,
            || (init(), Sink::new(prepared, bounds, budget)),
            |(state, sink), b| {
                if b == 0 {
                    sink.emit_universal(prepared.baskets);
                }
                if !sink.stopped() {
                    branch(state, sink, b);
                }
                budget.branch_done();
            },
            |(_, sink)| sink.finish(),
        )
    };
    budget.finish()?;
    Ok(parts)
}

/// Joins the workers' parts in order and translates codes back to the caller's item ids. The
/// first part with itemsets takes in the others, so that the output of one worker is the result
/// as it stands, translated in place.
pub(crate) fn assemble(
    parts: Vec<Part>,
    prepared: &Prepared,
    baskets: u64,
    min_count: u64,
) -> Itemsets {
    let mut parts = parts.into_iter().filter(|p| !p.counts.is_empty());
    let mut whole = parts.next().unwrap_or_default();
    let rest: Vec<Part> = parts.collect();
    let sets = rest.iter().map(|p| p.counts.len()).sum();
    crate::memory::reserve(&mut whole.items, rest.iter().map(|p| p.items.len()).sum());
    crate::memory::reserve(&mut whole.offsets, sets);
    crate::memory::reserve(&mut whole.counts, sets);
    for part in &rest {
        whole.append(part);
    }
    drop(rest);
    for item in &mut whole.items {
        *item = prepared.item_ids[*item as usize];
    }
    if !prepared.monotone {
        for w in whole.offsets.windows(2) {
            whole.items[w[0]..w[1]].sort_unstable();
        }
    }
    Itemsets::from_parts(whole.items, whole.offsets, whole.counts, baskets, min_count)
}
