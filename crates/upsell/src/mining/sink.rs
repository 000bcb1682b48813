//! Where miners put itemsets: length bounds, the itemset budget and cancellation in one place.
//!
//! Miners hand over itemsets as codes in any order; the sink stores them as the caller's item ids,
//! sorted, as it copies them: one translation and one sort per itemset (short sets by
//! compare-and-swap, see [`sort_distinct`]), where sorting codes here and translating and sorting ids
//! again at assembly went over every itemset twice.

use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};

use super::Itemsets;
use super::prepare::{Prepared, Widest, sort_distinct};
use crate::data::ItemId;
use crate::parallel::Runner;
use crate::{Control, Error, Result};

/// The sizes of itemsets to report.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bounds {
    pub min_len: usize,
    pub max_len: usize,
}

/// The shared budget of all workers (itemsets and bytes), and the caller's [`Control`].
pub(crate) struct Budget<'a> {
    max: u64,
    max_bytes: u64,
    emitted: AtomicU64,
    bytes: AtomicU64,
    /// Which limit was passed first: 0 none, 1 itemsets, 2 bytes.
    exceeded: AtomicU8,
    widest: Widest,
    control: &'a Control,
}

const WITHIN: u8 = 0;
const ITEMSETS: u8 = 1;
const BYTES: u8 = 2;

/// What one stored itemset of `len` items takes: its items, its offset and its count.
fn itemset_bytes(len: usize) -> u64 {
    4 * len as u64 + 16
}

impl<'a> Budget<'a> {
    pub fn new(
        max: Option<u64>,
        max_bytes: Option<u64>,
        widest: Widest,
        control: &'a Control,
    ) -> Self {
        Budget {
            max: max.unwrap_or(u64::MAX),
            max_bytes: max_bytes.unwrap_or(u64::MAX),
            emitted: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            exceeded: AtomicU8::new(WITHIN),
            widest,
            control,
        }
    }

    /// Fails before any mining when the baskets that every subset of is frequent (see
    /// [`Prepared::surely_frequent_width`]) alone would produce more bytes than the budget.
    pub fn check_widest(&self, prepared: &Prepared, bounds: Bounds) -> Result<()> {
        if self.max_bytes == u64::MAX {
            return Ok(());
        }
        let width = prepared.surely_frequent_width();
        // The number of subsets of each size, in floating point: it only has to compare with a
        // budget, and saturates to infinity instead of overflowing.
        let mut subsets = 1.0f64;
        let mut bytes = 0.0f64;
        for len in 1..=width.min(bounds.max_len) {
            subsets = subsets * (width - len + 1) as f64 / len as f64;
            if len >= bounds.min_len {
                bytes += subsets * itemset_bytes(len) as f64;
            }
            if bytes > self.max_bytes as f64 {
                return Err(self.exceeded(BYTES));
            }
        }
        Ok(())
    }

    /// Whether workers should stop: the budget is spent or the caller cancelled.
    #[inline]
    pub fn stopped(&self) -> bool {
        self.exceeded.load(Ordering::Relaxed) != WITHIN || self.control.is_cancelled()
    }

    fn add(&self, emitted: u64, bytes: u64) {
        let total = self.emitted.fetch_add(emitted, Ordering::Relaxed) + emitted;
        if total > self.max {
            self.pass(ITEMSETS);
        }
        let total = self.bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
        if total > self.max_bytes {
            self.pass(BYTES);
        }
    }

    /// Counts `bytes` of working memory a miner is about to hold besides its output (Apriori's
    /// candidates) against the byte budget, without keeping them.
    pub fn working(&self, bytes: u64) {
        if self.bytes.load(Ordering::Relaxed).saturating_add(bytes) > self.max_bytes {
            self.pass(BYTES);
        }
    }

    fn pass(&self, limit: u8) {
        let _ = self
            .exceeded
            .compare_exchange(WITHIN, limit, Ordering::Relaxed, Ordering::Relaxed);
    }

    /// The error for a passed `limit`, naming the widest basket and what to change.
    fn exceeded(&self, limit: u8) -> Error {
        let widest = format!(
            "the widest basket, basket {} (0-based), has {} frequent items",
            self.widest.index, self.widest.items
        );
        if limit == ITEMSETS {
            Error::LimitExceeded {
                what: "itemsets",
                limit: self.max,
                hint: format!(
                    "{widest}; raise min_support, set max_len, mine closed or maximal itemsets, or raise max_itemsets"
                ),
            }
        } else {
            Error::LimitExceeded {
                what: "result memory in bytes",
                limit: self.max_bytes,
                hint: format!("{widest}; set max_len or raise min_support, or raise max_memory"),
            }
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
        match self.exceeded.load(Ordering::Relaxed) {
            WITHIN => self.control.check(),
            limit => Err(self.exceeded(limit)),
        }
    }
}

/// Itemsets found by one worker over a run of branches, as the caller's item ids sorted ascending
/// within each itemset.
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
    /// Parts filled before `part`, when the output is kept in blocks.
    full: Vec<Part>,
    in_blocks: bool,
    budget: &'a Budget<'a>,
    bounds: Bounds,
    universal: &'a [u32],
    /// Code -> the caller's item id.
    item_ids: &'a [ItemId],
    pending: u64,
    pending_bytes: u64,
    pool: Vec<u32>,
    buffer: Vec<u32>,
    /// [`Sink::subsets`]'s stack of next choices, one per item added.
    next: Vec<usize>,
}

/// Itemsets, or bytes of them, a worker stores between two reports to the budget.
const FLUSH_EVERY: u64 = 1 << 12;
const FLUSH_BYTES: u64 = 1 << 20;

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
            item_ids: &prepared.item_ids,
            pending: 0,
            pending_bytes: 0,
            pool: Vec::new(),
            buffer: Vec::new(),
            next: Vec::new(),
        }
    }

    #[inline]
    pub fn stopped(&self) -> bool {
        self.budget.stopped()
    }

    /// See [`Budget::working`].
    pub fn working(&self, bytes: u64) {
        self.budget.working(bytes);
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

    /// Reports `set` (in any order) with the universal items added, as one itemset: a closed or
    /// maximal set, which holds every item that keeps its count.
    pub fn emit_closed(&mut self, set: &[u32], count: u32) {
        if self.universal.is_empty() {
            self.push(set, count);
            return;
        }
        let mut buffer = std::mem::take(&mut self.buffer);
        buffer.clear();
        buffer.extend_from_slice(set);
        buffer.extend_from_slice(self.universal);
        self.push(&buffer, count);
        self.buffer = buffer;
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

    /// Reports `buffer` and `buffer` with every non-empty subset of `pool` added (up to the
    /// largest size), depth first. A loop with its own stack, not recursion: a pool can hold
    /// every item of a basket of any width.
    fn subsets(&mut self, buffer: &mut Vec<u32>, pool: &[u32], count: u32) {
        let base = buffer.len();
        self.push(buffer, count);
        let mut next = std::mem::take(&mut self.next);
        next.clear();
        next.push(0);
        while let Some(top) = next.last_mut() {
            let k = *top;
            if k >= pool.len() || buffer.len() >= self.bounds.max_len || self.budget.stopped() {
                next.pop();
                if buffer.len() > base {
                    buffer.pop();
                }
                continue;
            }
            *top = k + 1;
            buffer.push(pool[k]);
            self.push(buffer, count);
            next.push(k + 1);
        }
        self.next = next;
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
        let ids = self.item_ids;
        let part = &mut self.part;
        // Unless in blocks, a worker's part grows to its whole output: in huge pages, it faults
        // once per 2 MiB.
        crate::memory::reserve(&mut part.items, itemset.len());
        crate::memory::reserve(&mut part.offsets, 1);
        crate::memory::reserve(&mut part.counts, 1);
        let start = part.items.len();
        part.items
            .extend(itemset.iter().map(|&code| ids[code as usize]));
        sort_distinct(&mut part.items[start..]);
        part.offsets.push(part.items.len());
        part.counts.push(u64::from(count));
        self.pending += 1;
        self.pending_bytes += itemset_bytes(itemset.len());
        if self.pending >= FLUSH_EVERY || self.pending_bytes >= FLUSH_BYTES {
            self.flush();
        }
    }

    fn flush(&mut self) {
        self.budget.add(self.pending, self.pending_bytes);
        self.pending = 0;
        self.pending_bytes = 0;
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
        self.flush();
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
    let root = |sink: &mut Sink<'a>| sink.emit_universal(prepared.baskets);
    run_branches_from(count, prepared, bounds, budget, runner, root, init, branch)
}

/// [`run_branches`], with `root(sink)` reporting what the empty prefix stands for (its universal
/// items) before the first branch.
#[allow(clippy::too_many_arguments)]
pub(crate) fn run_branches_from<'a, S: Send>(
    count: usize,
    prepared: &'a Prepared,
    bounds: Bounds,
    budget: &'a Budget<'a>,
    runner: &Runner,
    root: impl Fn(&mut Sink<'a>) + Sync + Send,
    init: impl Fn() -> S + Sync + Send,
    branch: impl Fn(&mut S, &mut Sink<'a>, usize) + Sync + Send,
) -> Result<Vec<Part>> {
    budget.branches(count as u64);
    let parts = if count == 0 {
        let mut sink = Sink::new(prepared, bounds, budget);
        root(&mut sink);
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
                        root(sink);
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

/// Joins the workers' parts in order. The one part of a single worker is the result as it stands;
/// several are copied into buffers of the exact size, each part freed once copied.
pub(crate) fn assemble(parts: Vec<Part>, baskets: u64, min_count: u64) -> Itemsets {
    let mut parts: Vec<Part> = parts.into_iter().filter(|p| !p.counts.is_empty()).collect();
    let whole = if parts.len() <= 1 {
        parts.pop().unwrap_or_default()
    } else {
        let sets = parts.iter().map(|p| p.counts.len()).sum::<usize>();
        let mut whole = Part {
            items: crate::memory::with_capacity(parts.iter().map(|p| p.items.len()).sum()),
            offsets: crate::memory::with_capacity(sets + 1),
            counts: crate::memory::with_capacity(sets),
        };
        whole.offsets.push(0);
        for part in parts {
            whole.append(&part);
        }
        whole
    };
    Itemsets::from_parts(whole.items, whole.offsets, whole.counts, baskets, min_count)
}
