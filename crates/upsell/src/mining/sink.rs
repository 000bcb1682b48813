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
    /// An empty block (see [`Sink::in_blocks`]) with room for an itemset of `len` items. Plain
    /// pages: a worker's last block is partly filled, and a huge page would hold 2 MiB for it.
    fn block(len: usize) -> Part {
        let mut offsets = Vec::with_capacity(BLOCK_SETS + 1);
        offsets.push(0);
        Part {
            items: Vec::with_capacity(BLOCK_ITEMS.max(len)),
            offsets,
            counts: Vec::with_capacity(BLOCK_SETS),
        }
    }

    /// Appends `other`'s itemsets, each item mapped through `translate`.
    fn append(&mut self, other: &Part, translate: impl Fn(u32) -> u32) {
        let base = self.items.len();
        self.items
            .extend(other.items.iter().map(|&item| translate(item)));
        self.offsets
            .extend(other.offsets[1..].iter().map(|&end| base + end));
        self.counts.extend_from_slice(&other.counts);
    }
}

/// A worker's output buffer.
pub(crate) struct Sink<'a> {
    part: Part,
    /// Parts filled before `part`, when the output is kept in blocks.
    full: Vec<Part>,
    in_blocks: bool,
    budget: &'a Budget<'a>,
    bounds: Bounds,
    universal: &'a [u32],
    pending: u64,
    pool: Vec<u32>,
    buffer: Vec<u32>,
}

const FLUSH_EVERY: u64 = 1 << 12;

/// Itemsets, and items, a block holds (1 and 4 MiB).
const BLOCK_SETS: usize = 1 << 17;
const BLOCK_ITEMS: usize = 1 << 20;

impl<'a> Sink<'a> {
    pub fn new(prepared: &'a Prepared, bounds: Bounds, budget: &'a Budget<'a>) -> Self {
        Sink {
            part: Part::default(),
            full: Vec::new(),
            in_blocks: false,
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
        if self.in_blocks {
            let part = &self.part;
            if part.counts.len() == part.counts.capacity()
                || part.items.capacity() - part.items.len() < itemset.len()
            {
                let full = std::mem::replace(&mut self.part, Part::block(itemset.len()));
                if !full.counts.is_empty() {
                    self.full.push(full);
                }
            }
        }
        let part = &mut self.part;
        // Unless in blocks, a worker's part grows to its whole output: in huge pages, it faults
        // once per 2 MiB.
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

    /// Keeps the output in blocks, for output that is to be copied into the result: each block is
    /// freed once copied, so the copy adds a block's memory, not the output's. Blocks never grow:
    /// freeing a grown-out buffer would teach `malloc` to serve the next ones from its heap, which
    /// keeps freed memory.
    pub fn in_blocks(mut self) -> Self {
        self.in_blocks = true;
        self
    }

    /// The output, in order.
    pub fn finish(mut self) -> Vec<Part> {
        self.budget.add(self.pending);
        self.pending = 0;
        self.full.push(self.part);
        self.full
    }
}

/// Runs the top-level branches `0..count` of a miner on `runner`: `branch(state, sink, b)` mines
/// branch `b`, the itemsets whose largest code is the `b`-th from the last (rarest first). Each
/// worker writes the branches it runs, a consecutive run, into one sink, with a state from `init`;
/// the itemsets of the universal items alone come first. Branches that `prepared` does not mine
/// (see [`Prepared::mines_branch`]) are skipped. Returns the parts in order.
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
        sink.finish()
    } else {
        // One worker's output is the result; several workers' is copied into it.
        let sink = || {
            let sink = Sink::new(prepared, bounds, budget);
            if runner.is_serial() {
                sink
            } else {
                sink.in_blocks()
            }
        };
        runner
            .fold(
                count,
                || (init(), sink()),
                |(state, sink), b| {
                    if b == 0 {
                        sink.emit_universal(prepared.baskets);
                    }
                    if !sink.stopped() && prepared.mines_branch(prepared.item_count() - 1 - b) {
                        branch(state, sink, b);
                    }
                    budget.branch_done();
                },
                |(_, sink)| sink.finish(),
            )
            .into_iter()
            .flatten()
            .collect()
    };
    budget.finish()?;
    Ok(parts)
}

/// Joins the workers' parts in order and translates codes back to the caller's item ids. The one
/// part of a single worker is the result as it stands, translated in place; several are
/// translated as they are copied into buffers of the exact size, each part freed once copied.
pub(crate) fn assemble(
    parts: Vec<Part>,
    prepared: &Prepared,
    baskets: u64,
    min_count: u64,
) -> Itemsets {
    let translate = |code: u32| prepared.item_ids[code as usize];
    let mut parts: Vec<Part> = parts.into_iter().filter(|p| !p.counts.is_empty()).collect();
    let mut whole = if parts.len() <= 1 {
        let mut whole = parts.pop().unwrap_or_default();
        for item in &mut whole.items {
            *item = translate(*item);
        }
        whole
    } else {
        let sets = parts.iter().map(|p| p.counts.len()).sum::<usize>();
        let mut whole = Part {
            items: crate::memory::with_capacity(parts.iter().map(|p| p.items.len()).sum()),
            offsets: crate::memory::with_capacity(sets + 1),
            counts: crate::memory::with_capacity(sets),
        };
        whole.offsets.push(0);
        for part in parts {
            whole.append(&part, translate);
        }
        whole
    };
    if !prepared.monotone {
        for w in whole.offsets.windows(2) {
            whole.items[w[0]..w[1]].sort_unstable();
        }
    }
    Itemsets::from_parts(whole.items, whole.offsets, whole.counts, baskets, min_count)
}
