//! FP-growth on array-backed prefix trees.
//!
//! Written here rather than taken from a crate because it is the hot path: nodes are 24-byte
//! records in one `Vec` per recursion depth (reused, so the recursion allocates almost nothing);
//! paths arrive nearly in lexicographic order, so a tree is built from them without sorting: the
//! prefix shared with the previous path is reused as it stands, and children are kept in
//! descending order so that a new largest child costs one comparison; items that keep the
//! prefix's count ("perfect extensions") are taken out of the conditional tree and added back
//! combinatorially at output, and a tree that is a single path is enumerated directly.

use super::prepare::Prepared;
use super::sink::{Bounds, Budget, Part, Sink};
use crate::Result;
use crate::parallel::Runner;

const NONE: u32 = u32::MAX;

#[derive(Clone, Copy)]
struct Node {
    item: u32,
    count: u32,
    parent: u32,
    /// The item's previous node (its node chain).
    next: u32,
    /// The child of the largest item.
    child: u32,
    /// The parent's next child, of a smaller item.
    sibling: u32,
}

/// A prefix tree over local item codes `0..k`; node 0 is the root.
#[derive(Default)]
struct Tree {
    nodes: Vec<Node>,
    /// Local item -> its most recent node; nodes of one item are chained through `next`.
    head: Vec<u32>,
    /// Local item -> its count in this tree.
    support: Vec<u32>,
    /// Local item -> global code.
    global: Vec<u32>,
    stack: Vec<u32>,
}

impl Tree {
    fn reset(&mut self, items: usize) {
        self.nodes.clear();
        self.nodes.push(Node {
            item: NONE,
            count: 0,
            parent: NONE,
            next: NONE,
            child: NONE,
            sibling: NONE,
        });
        self.head.clear();
        self.head.resize(items, NONE);
        self.support.clear();
        self.support.resize(items, 0);
    }

    /// Inserts paths (ascending local codes). Each reuses the nodes of the prefix it shares with
    /// the previous path; below them a child is looked up among its siblings, which costs one
    /// comparison when paths arrive in lexicographic order.
    fn build<'p>(&mut self, paths: impl Iterator<Item = (&'p [u32], u32)>) {
        let mut stack = std::mem::take(&mut self.stack);
        stack.clear();
        let mut previous: &[u32] = &[];
        for (path, weight) in paths {
            let common = previous
                .iter()
                .zip(path)
                .take_while(|(a, b)| a == b)
                .count();
            // A path that is a prefix of the previous one leaves the longer on the stack.
            if common < path.len() {
                stack.truncate(common);
                previous = path;
            }
            for &n in &stack[..common] {
                self.nodes[n as usize].count += weight;
            }
            let mut parent = stack.last().copied().unwrap_or(0);
            for &item in &path[common..] {
                parent = self.child(parent, item, weight);
                stack.push(parent);
            }
            for &item in path {
                self.support[item as usize] += weight;
            }
        }
        self.stack = stack;
    }

    /// Adds `weight` to the child of `parent` for `item`, made if missing.
    fn child(&mut self, parent: u32, item: u32, weight: u32) -> u32 {
        let (mut before, mut at) = (NONE, self.nodes[parent as usize].child);
        while at != NONE && self.nodes[at as usize].item > item {
            before = at;
            at = self.nodes[at as usize].sibling;
        }
        if at != NONE && self.nodes[at as usize].item == item {
            self.nodes[at as usize].count += weight;
            return at;
        }
        let n = self.nodes.len() as u32;
        self.nodes.push(Node {
            item,
            count: weight,
            parent,
            next: self.head[item as usize],
            child: NONE,
            sibling: at,
        });
        self.head[item as usize] = n;
        match before {
            NONE => self.nodes[parent as usize].child = n,
            b => self.nodes[b as usize].sibling = n,
        }
        n
    }

    /// Whether every node has at most one child (nodes then form a chain in creation order).
    fn is_single_path(&self) -> bool {
        self.nodes
            .iter()
            .enumerate()
            .skip(1)
            .all(|(n, node)| node.parent as usize == n - 1)
    }
}

/// Paths of a conditional pattern base, collected before they become a tree.
#[derive(Default)]
struct Paths {
    items: Vec<u32>,
    ends: Vec<usize>,
    weights: Vec<u32>,
}

impl Paths {
    fn clear(&mut self) {
        self.items.clear();
        self.ends.clear();
        self.weights.clear();
    }

    fn path(&self, k: usize) -> &[u32] {
        let start = if k == 0 { 0 } else { self.ends[k - 1] };
        &self.items[start..self.ends[k]]
    }

    /// Adds `local` to the path being collected, unless it is `NONE` (not in the tree).
    #[inline]
    fn push_item(&mut self, local: u32) {
        if local != NONE {
            self.items.push(local);
        }
    }

    /// Ends the path being collected; an empty one is dropped.
    fn end(&mut self, weight: u32) {
        let start = self.ends.last().copied().unwrap_or(0);
        if self.items.len() > start {
            self.ends.push(self.items.len());
            self.weights.push(weight);
        }
    }

    /// Ends a path that was collected leaf first.
    fn end_reversed(&mut self, weight: u32) {
        let start = self.ends.last().copied().unwrap_or(0);
        self.items[start..].reverse();
        self.end(weight);
    }
}

#[derive(Default)]
struct Level {
    tree: Tree,
    paths: Paths,
}

/// One worker's reusable memory.
struct Worker {
    counts: Vec<u32>,
    touched: Vec<u32>,
    marks: Vec<u64>,
    local: Vec<u32>,
    levels: Vec<Level>,
    prefix: Vec<u32>,
    pex: Vec<u32>,
    min_count: u32,
}

impl Worker {
    fn new(items: usize, depth: usize, min_count: u32) -> Self {
        Worker {
            counts: vec![0; items],
            touched: Vec::new(),
            marks: vec![0; items.div_ceil(64)],
            local: vec![NONE; items],
            levels: (0..depth).map(|_| Level::default()).collect(),
            prefix: Vec::new(),
            pex: Vec::new(),
            min_count,
        }
    }

    /// The worker's levels, and the rest of its memory.
    fn split(&mut self) -> (&mut [Level], Scratch<'_>) {
        let scratch = Scratch {
            counts: &mut self.counts,
            touched: &mut self.touched,
            marks: &mut self.marks,
            local: &mut self.local,
            prefix: &mut self.prefix,
            pex: &mut self.pex,
            min_count: self.min_count,
        };
        (&mut self.levels, scratch)
    }
}

pub(crate) fn mine(
    prepared: &Prepared,
    bounds: Bounds,
    budget: &Budget<'_>,
    runner: &Runner,
) -> Result<Vec<Part>> {
    mine_in_blocks(prepared, bounds, budget, runner, PROJECTION_BUDGET)
}

/// [`mine`] with first-level projections of at most `block` elements at once (but one item).
fn mine_in_blocks(
    prepared: &Prepared,
    bounds: Bounds,
    budget: &Budget<'_>,
    runner: &Runner,
    block: usize,
) -> Result<Vec<Part>> {
    let items = prepared.item_count();
    let first = prepared.first_code() as usize;
    let depth = (0..prepared.len())
        .map(|k| prepared.basket(k).len())
        .max()
        .unwrap_or(0)
        + 1;

    let mut universal = Sink::new(prepared, bounds, budget);
    universal.emit_universal(prepared.baskets);
    let mut parts = vec![universal.finish()];
    budget.branches((items - first) as u64);
    let identity: Vec<u32> = (0..items as u32).collect();
    // One branch per item, the rarest items (smallest trees) first, in blocks of items whose
    // projections fit the memory budget together.
    let mut projections = Projections::default();
    let mut hi = items;
    while hi > first && !budget.stopped() {
        let lo = projections.fill(prepared, first, hi, block, runner);
        parts.extend(runner.map(
            hi - lo,
            || Worker::new(items, depth, prepared.min_count),
            |worker, b| {
                let mut sink = Sink::new(prepared, bounds, budget);
                if !sink.stopped() {
                    let item = hi - 1 - b;
                    let (levels, mut scratch) = worker.split();
                    expand(
                        item as u32,
                        prepared.item_counts[item],
                        levels,
                        &mut scratch,
                        &mut sink,
                        |level, scratch| {
                            let support = prepared.item_counts[item];
                            projections.conditional(item, support, &identity, level, scratch)
                        },
                    );
                }
                budget.branch_done();
                sink.finish()
            },
        ));
        hi = lo;
    }
    budget.finish()?;
    Ok(parts)
}

/// A worker's memory without its levels, so levels can be split while this is borrowed.
struct Scratch<'w> {
    counts: &'w mut [u32],
    /// The items whose `counts` entry is non-zero, ascending, once [`Scratch::select`] listed
    /// them, so clearing costs what was used.
    touched: &'w mut Vec<u32>,
    /// A bit per counted item, to list them in order without sorting.
    marks: &'w mut [u64],
    local: &'w mut [u32],
    prefix: &'w mut Vec<u32>,
    pex: &'w mut Vec<u32>,
    min_count: u32,
}

/// Mines every itemset of `tree`'s items (each added to the current prefix).
fn grow(tree: &Tree, levels: &mut [Level], scratch: &mut Scratch<'_>, sink: &mut Sink<'_>) {
    for item in (0..tree.head.len()).rev() {
        if sink.stopped() {
            return;
        }
        step(tree, item, levels, scratch, sink);
    }
}

/// Reports prefix + `item` of `tree` and recurses into its conditional tree.
fn step(
    tree: &Tree,
    item: usize,
    levels: &mut [Level],
    scratch: &mut Scratch<'_>,
    sink: &mut Sink<'_>,
) {
    expand(
        tree.global[item],
        tree.support[item],
        levels,
        scratch,
        sink,
        |level, scratch| conditional(tree, item, level, scratch),
    );
}

/// Reports prefix + `global` (seen `support` times) and mines the conditional tree that `build`
/// makes in the first level.
fn expand(
    global: u32,
    support: u32,
    levels: &mut [Level],
    scratch: &mut Scratch<'_>,
    sink: &mut Sink<'_>,
    build: impl FnOnce(&mut Level, &mut Scratch<'_>) -> bool,
) {
    let Some((level, deeper)) = levels.split_first_mut() else {
        return;
    };
    scratch.prefix.push(global);
    let mark = scratch.pex.len();
    let has_child = build(level, scratch);
    sink.emit(scratch.prefix, scratch.pex, support);
    if has_child && scratch.prefix.len() < sink.max_len() {
        if level.tree.is_single_path() {
            single_path(&level.tree, scratch, sink);
        } else {
            grow(&level.tree, deeper, scratch, sink);
        }
    }
    scratch.pex.truncate(mark);
    scratch.prefix.pop();
}

/// Builds the conditional tree of `item` of `tree` into `level`, pushing its perfect extensions
/// onto `scratch.pex`. Returns whether the tree has any item.
fn conditional(tree: &Tree, item: usize, level: &mut Level, scratch: &mut Scratch<'_>) -> bool {
    let mut n = tree.head[item];
    while n != NONE {
        let node = tree.nodes[n as usize];
        let mut p = node.parent;
        while p != 0 {
            let up = tree.nodes[p as usize];
            scratch.count(up.item, node.count);
            p = up.parent;
        }
        n = node.next;
    }
    if !scratch.select(tree.support[item], item, &tree.global, &mut level.tree) {
        return false;
    }
    let paths = &mut level.paths;
    paths.clear();
    let mut n = tree.head[item];
    while n != NONE {
        let node = tree.nodes[n as usize];
        let mut p = node.parent;
        while p != 0 {
            let up = tree.nodes[p as usize];
            paths.push_item(scratch.local[up.item as usize]);
            p = up.parent;
        }
        paths.end_reversed(node.count);
        n = node.next;
    }
    scratch.release();
    // Paths arrive newest node first: read backwards they are nearly sorted already.
    level.finish(true);
    true
}

/// Elements of first-level projections held at once (4 bytes each): memory stays bounded while
/// the usual data sets project in one block.
const PROJECTION_BUDGET: usize = 1 << 24;

/// The first level of conditional pattern bases, projected straight from the baskets: for each
/// item of a block, the prefixes (items before it) of the baskets that hold it, copied out
/// contiguously. Reading them is sequential, where a walk up a tree of all baskets misses the
/// cache at nearly every node; this was most of FP-growth's time on sparse data.
///
/// Each prefix is one record `[weight, length, items...]`, so that filling writes one stream per
/// item; workers fill disjoint ranges of items in parallel.
#[derive(Default)]
struct Projections {
    /// The block's first item; item `lo + j` has its records in `records[starts[j]..starts[j + 1]]`.
    lo: usize,
    starts: Vec<usize>,
    records: Vec<u32>,
}

/// Words of a record besides its items.
const HEADER: usize = 2;

impl Projections {
    /// Projects the items of the block `lo..hi` and returns `lo`: the block reaches down from
    /// `hi` as far as `budget` words allow (at least one item, and never below `first`).
    fn fill(
        &mut self,
        prepared: &Prepared,
        first: usize,
        hi: usize,
        budget: usize,
        runner: &Runner,
    ) -> usize {
        // An item's projection holds a record for each basket where items precede it.
        let mut sizes = vec![0usize; hi];
        for k in 0..prepared.len() {
            for (position, &item) in prepared.basket(k).iter().enumerate().skip(1) {
                if let Some(size) = sizes.get_mut(item as usize) {
                    *size += HEADER + position;
                }
            }
        }
        let mut lo = hi - 1;
        let mut total = sizes[lo];
        while lo > first && total + sizes[lo - 1] <= budget {
            lo -= 1;
            total += sizes[lo];
        }
        self.lo = lo;
        self.starts.clear();
        self.starts.push(0);
        for &size in &sizes[lo..hi] {
            self.starts.push(self.starts[self.starts.len() - 1] + size);
        }
        self.records.clear();
        self.records.resize(total, 0);
        // Split the items into one range per worker, of about equal volume.
        let workers = runner.threads().min(hi - lo);
        let mut bounds = vec![lo];
        for w in 1..workers {
            let target = total / workers * w;
            let cut = lo + self.starts.partition_point(|&s| s < target).min(hi - lo);
            if cut > bounds[bounds.len() - 1] && cut < hi {
                bounds.push(cut);
            }
        }
        bounds.push(hi);
        let mut parts = Vec::with_capacity(bounds.len() - 1);
        let mut rest = self.records.as_mut_slice();
        for range in bounds.windows(2) {
            let length = self.starts[range[1] - lo] - self.starts[range[0] - lo];
            let (part, tail) = rest.split_at_mut(length);
            parts.push(std::sync::Mutex::new((range[0], range[1], part)));
            rest = tail;
        }
        let starts = &self.starts;
        runner.map(
            parts.len(),
            || (),
            |_, w| {
                let mut part = parts[w].lock().unwrap_or_else(|e| e.into_inner());
                let (from, to, ref mut records) = *part;
                let base = starts[from - lo];
                let mut cursor: Vec<usize> =
                    starts[from - lo..to - lo].iter().map(|s| s - base).collect();
                for k in 0..prepared.len() {
                    let basket = prepared.basket(k);
                    // Codes ascend within a basket: the range's items are at its end.
                    for position in (1..basket.len()).rev() {
                        let item = basket[position] as usize;
                        if item < from {
                            break;
                        }
                        if item >= to {
                            continue;
                        }
                        let at = &mut cursor[item - from];
                        records[*at] = prepared.weights[k];
                        records[*at + 1] = position as u32;
                        let start = *at + HEADER;
                        records[start..start + position].copy_from_slice(&basket[..position]);
                        *at = start + position;
                    }
                }
            },
        );
        lo
    }

    /// The paths of `item` (of the current block), with their weights.
    fn paths(&self, item: usize) -> impl Iterator<Item = (&[u32], u32)> {
        let j = item - self.lo;
        let mut records = &self.records[self.starts[j]..self.starts[j + 1]];
        std::iter::from_fn(move || {
            let (&[weight, length], rest) = records.split_first_chunk::<HEADER>()?;
            let (path, rest) = rest.split_at(length as usize);
            records = rest;
            Some((path, weight))
        })
    }

    /// Like [`conditional`], for the tree of all baskets (whose local codes are the global ones).
    fn conditional(
        &self,
        item: usize,
        support: u32,
        identity: &[u32],
        level: &mut Level,
        scratch: &mut Scratch<'_>,
    ) -> bool {
        for (items, weight) in self.paths(item) {
            for &a in items {
                scratch.count(a, weight);
            }
        }
        if !scratch.select(support, item, identity, &mut level.tree) {
            return false;
        }
        let paths = &mut level.paths;
        paths.clear();
        for (items, weight) in self.paths(item) {
            let local = items.iter().map(|&a| scratch.local[a as usize]);
            paths.items.extend(local.filter(|&c| c != NONE));
            paths.end(weight);
        }
        scratch.release();
        level.finish(false);
        true
    }
}

impl Scratch<'_> {
    #[inline]
    fn count(&mut self, item: u32, weight: u32) {
        self.counts[item as usize] += weight;
        self.marks[item as usize / 64] |= 1 << (item % 64);
    }

    /// Lists the counted items (all below `below`) in `touched`, ascending, from their marks,
    /// and clears the marks.
    fn order_touched(&mut self, below: usize) {
        self.touched.clear();
        for (w, word) in self.marks[..below.div_ceil(64)].iter_mut().enumerate() {
            let mut bits = std::mem::take(word);
            while bits != 0 {
                self.touched.push(w as u32 * 64 + bits.trailing_zeros());
                bits &= bits - 1;
            }
        }
    }

    /// Turns the counts into the conditional tree's items: frequent items that are not perfect
    /// extensions get ascending local codes (in `local`, and `tree.global` maps them back).
    /// Every counted item is below `below`. Returns whether any item is left; if not, the
    /// scratch is clean again.
    fn select(&mut self, support: u32, below: usize, global: &[u32], tree: &mut Tree) -> bool {
        tree.global.clear();
        // Ascending local codes keep every path ascending in the conditional tree too.
        self.order_touched(below);
        for &a in self.touched.iter() {
            let a = a as usize;
            let count = std::mem::take(&mut self.counts[a]);
            if count >= self.min_count {
                if count == support {
                    self.pex.push(global[a]);
                } else {
                    self.local[a] = tree.global.len() as u32;
                    tree.global.push(global[a]);
                }
            }
        }
        if tree.global.is_empty() {
            self.touched.clear();
            return false;
        }
        true
    }

    /// Forgets the local codes that [`Scratch::select`] gave.
    fn release(&mut self) {
        for &a in self.touched.iter() {
            self.local[a as usize] = NONE;
        }
        self.touched.clear();
    }
}

impl Level {
    /// Builds the collected paths into this level's tree. Collected along an item's node chain
    /// (`newest_first`), they are nearly in lexicographic order when read backwards (but for the
    /// items the projection dropped); collected in basket order, likewise forwards.
    fn finish(&mut self, newest_first: bool) {
        self.tree.reset(self.tree.global.len());
        let paths = &self.paths;
        let path = |k: usize| (paths.path(k), paths.weights[k]);
        if newest_first {
            self.tree.build((0..paths.ends.len()).rev().map(path));
        } else {
            self.tree.build((0..paths.ends.len()).map(path));
        }
    }
}

/// All itemsets of a chain: choosing node `i` as the deepest gives its count to any subset of the
/// nodes above it.
fn single_path(tree: &Tree, scratch: &mut Scratch<'_>, sink: &mut Sink<'_>) {
    let chain: Vec<(u32, u32)> = tree.nodes[1..]
        .iter()
        .map(|n| (tree.global[n.item as usize], n.count))
        .collect();
    for (i, &(item, count)) in chain.iter().enumerate() {
        scratch.prefix.push(item);
        subsets(&chain[..i], count, scratch, sink);
        scratch.prefix.pop();
    }
}

fn subsets(pool: &[(u32, u32)], count: u32, scratch: &mut Scratch<'_>, sink: &mut Sink<'_>) {
    sink.emit(scratch.prefix, scratch.pex, count);
    if scratch.prefix.len() >= sink.max_len() || sink.stopped() {
        return;
    }
    for (k, &(item, _)) in pool.iter().enumerate() {
        scratch.prefix.push(item);
        subsets(&pool[k + 1..], count, scratch, sink);
        scratch.prefix.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Control;
    use crate::data::Baskets;
    use crate::mining::{MinSupport, MiningOptions, naive, sink};

    /// Small blocks (one item each) must find what one block finds, and what brute force finds.
    #[test]
    fn projections_in_blocks_change_nothing() -> Result<()> {
        let mut state = 7u64;
        let mut next = |n: u64| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 33) % n
        };
        let (mut items, mut offsets) = (Vec::new(), vec![0]);
        for _ in 0..300 {
            let len = 1 + next(9);
            items.extend((0..len).map(|_| next(25) as u32));
            offsets.push(items.len());
        }
        let baskets = Baskets::from_arrays(items, offsets)?;
        let options = MiningOptions::new(MinSupport::count(4));
        let expected = naive::mine(&baskets, &options)?;
        let prepared = Prepared::new(&baskets, 4)?;
        let bounds = Bounds {
            min_len: 1,
            max_len: usize::MAX,
        };
        let control = Control::default();
        for (block, threads) in [(0, 1), (0, 2), (40, 2), (PROJECTION_BUDGET, 1)] {
            let budget = Budget::new(None, &control);
            let runner = Runner::new(Some(threads));
            let parts = mine_in_blocks(&prepared, bounds, &budget, &runner, block)?;
            let found = sink::assemble(parts, &prepared, 300, 4);
            let mut found: Vec<_> = found.iter().map(|(s, c)| (s.to_vec(), c)).collect();
            let mut wanted: Vec<_> = expected.iter().map(|(s, c)| (s.to_vec(), c)).collect();
            found.sort();
            wanted.sort();
            assert_eq!(found, wanted, "block {block}, threads {threads}");
        }
        Ok(())
    }
}
