//! FP-growth on array-backed prefix trees.
//!
//! Written here rather than taken from a crate because it is the hot path: nodes are 24-byte
//! records in one `Vec` per recursion depth (reused, so the recursion allocates almost nothing);
//! paths arrive nearly in lexicographic order, so a tree is built from them without sorting: the
//! prefix shared with the previous path is reused as it stands, and children are kept in
//! descending order so that a new largest child costs one comparison; items that keep the
//! prefix's count ("perfect extensions") are taken out of the conditional tree and added back
//! combinatorially at output, and a tree that is a single path is enumerated directly. Trees of
//! the first level also count their pairs (an FP-array), which tells which items have nothing
//! frequent below them before any walk, and what the conditional bases of the others hold, so
//! that those are collected straight into local codes.

use super::prepare::Prepared;
use super::sink::{Bounds, Budget, Part, Sink, run_branches};
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
    /// Local item -> its count in this tree (from [`Scratch::select`], which counted it).
    support: Vec<u32>,
    /// Local item -> global code.
    global: Vec<u32>,
    stack: Vec<u32>,
    /// When `paired`: for local items `a < b`, in how many of the tree's baskets both occur, at
    /// `pairs[b * (b - 1) / 2 + a]` (Grahne and Zhu's FP-array).
    pairs: Vec<u32>,
    paired: bool,
    /// Whether every node has at most one child: each node was made below the one made before it.
    single: bool,
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
        self.stack.clear();
        self.single = true;
    }

    /// Inserts a path (ascending local codes) with `weight`. It reuses the nodes of the prefix it
    /// shares with the path before it (still on the stack); below them a child is looked up among
    /// its siblings, which costs one comparison when paths arrive in lexicographic order.
    fn insert(&mut self, path: &[u32], weight: u32) {
        let common = self
            .stack
            .iter()
            .zip(path)
            .take_while(|&(&n, &item)| self.nodes[n as usize].item == item)
            .count();
        for &n in &self.stack[..common] {
            self.nodes[n as usize].count += weight;
        }
        // A path that is a prefix of the previous one leaves the longer on the stack.
        if common == path.len() {
            return;
        }
        self.stack.truncate(common);
        let mut parent = self.stack.last().copied().unwrap_or(0);
        for &item in &path[common..] {
            parent = self.child(parent, item, weight);
            self.stack.push(parent);
        }
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
        self.single &= parent == n - 1;
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

    /// Adds `weight` to the pair count of every two items of `path`.
    fn count_pairs(&mut self, path: &[u32], weight: u32) {
        for x in 1..path.len() {
            let b = path[x] as usize;
            let row = &mut self.pairs[b * (b - 1) / 2..][..b];
            for &a in &path[..x] {
                row[a as usize] += weight;
            }
        }
    }

    /// When `paired`: how often each item before `item` occurs with it.
    fn pair_row(&self, item: usize) -> &[u32] {
        let row = item * item.saturating_sub(1) / 2;
        &self.pairs[row..row + item]
    }

    /// Whether every node has at most one child (nodes then form a chain in creation order), as
    /// noted while the tree was built rather than read back from every node.
    fn is_single_path(&self) -> bool {
        self.single
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

    /// Ends the path being collected; an empty one is dropped.
    fn end(&mut self, weight: u32) {
        let start = self.ends.last().copied().unwrap_or(0);
        if self.items.len() > start {
            self.ends.push(self.items.len());
            self.weights.push(weight);
        }
    }

    /// Path `k` in local codes (`local`, or as collected if `None`; `NONE`: the item is left
    /// out), ascending, written at the start of `buffer`; `leaf_first` paths were collected leaf
    /// first and are turned around. The buffer only ever grows: resizing it for each path would
    /// call `memset` for a handful of items.
    fn localize<'b>(
        &self,
        k: usize,
        local: Option<&[u32]>,
        leaf_first: bool,
        buffer: &'b mut Vec<u32>,
    ) -> &'b [u32] {
        let path = self.path(k);
        if buffer.len() < path.len() {
            buffer.resize(path.len(), 0);
        }
        let out = &mut buffer[..path.len()];
        let Some(local) = local else {
            if leaf_first {
                out.iter_mut()
                    .zip(path.iter().rev())
                    .for_each(|(o, &item)| *o = item);
            } else {
                out.copy_from_slice(path);
            }
            return out;
        };
        let mut write = 0;
        let mut put = |item: u32| {
            // Branch-free: whether an item stays is not predictable.
            let code = local[item as usize];
            out[write] = code;
            write += usize::from(code != NONE);
        };
        if leaf_first {
            path.iter().rev().for_each(|&item| put(item));
        } else {
            path.iter().for_each(|&item| put(item));
        }
        &out[..write]
    }
}

#[derive(Default)]
struct Level {
    tree: Tree,
    paths: Paths,
    /// Room for the path being inserted, in local codes.
    path: Vec<u32>,
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
    let items = prepared.item_count();
    let first = prepared.first_code() as usize;
    let depth = (0..prepared.len())
        .map(|k| prepared.basket(k).len())
        .max()
        .unwrap_or(0)
        .min(bounds.max_len)
        + 1;

    let identity: Vec<u32> = (0..items as u32).collect();
    let occurrences = Occurrences::new(prepared);
    // One branch per item, the rarest items (smallest trees) first.
    run_branches(
        items - first,
        prepared,
        bounds,
        budget,
        runner,
        || Worker::new(items, depth, prepared.min_count),
        |worker, sink, b| {
            let item = items - 1 - b;
            let (levels, mut scratch) = worker.split();
            let support = prepared.item_counts[item];
            expand(
                item as u32,
                support,
                levels,
                &mut scratch,
                sink,
                |level, scratch| {
                    occurrences.conditional(prepared, item, support, &identity, level, scratch)
                },
            );
        },
    )
}

/// A worker's memory without its levels, so levels can be split while this is borrowed.
struct Scratch<'w> {
    counts: &'w mut [u32],
    /// The items [`Scratch::select`] listed (every one given a local code among them),
    /// ascending, so that releasing costs what was used.
    touched: &'w mut Vec<u32>,
    /// A bit per counted item when [`marks_needed`], to list them in order without sorting.
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
    let support = tree.support[item];
    if tree.paired {
        // The pair table counted this base already: its items are chosen before the walk, which
        // then collects the paths in local codes.
        if !scratch.select_row(support, tree.pair_row(item), &tree.global, &mut level.tree) {
            return false;
        }
        let local = &*scratch.local;
        walk(tree, item, &mut level.paths, |items, up, _| {
            let code = local[up as usize];
            // Branch-free: whether an item stays is not predictable.
            items.push(code);
            items.truncate(items.len() - usize::from(code == NONE));
        });
        level.finish(None, true);
    } else {
        let mark = marks_needed(item);
        walk(tree, item, &mut level.paths, |items, up, count| {
            scratch.count(up, count, mark);
            items.push(up);
        });
        if !scratch.select(support, item, &tree.global, &mut level.tree) {
            return false;
        }
        level.finish(Some(scratch.local), true);
    }
    scratch.release();
    true
}

/// Collects into `paths` the conditional pattern base of `item` of `tree`: for every node of the
/// item, the items above it, leaf first, each handed to `visit` with the node's count.
fn walk(
    tree: &Tree,
    item: usize,
    paths: &mut Paths,
    mut visit: impl FnMut(&mut Vec<u32>, u32, u32),
) {
    paths.clear();
    let mut n = tree.head[item];
    while n != NONE {
        let node = tree.nodes[n as usize];
        let mut p = node.parent;
        while p != 0 {
            let up = tree.nodes[p as usize];
            visit(&mut paths.items, up.item, node.count);
            p = up.parent;
        }
        paths.end(node.count);
        n = node.next;
    }
}

/// Where each item occurs in the prepared baskets, so that the first level of conditional pattern
/// bases (for an item, the items before it in each basket that holds it) is read straight from the
/// baskets: a basket is a short contiguous run, where a walk up a tree of all baskets misses the
/// cache at nearly every node. A branch reads its baskets in index order, prefetching a few ahead,
/// and copies them into its own buffer as it counts them, so its second pass is sequential. The
/// index, built by one counting sort, takes 16 bytes per occurrence; copying every prefix out for
/// all items at once (as this did before) took more memory and more time than the misses it saved.
struct Occurrences {
    /// Item `i` occurs at `at[starts[i]..starts[i + 1]]`.
    starts: Vec<usize>,
    /// The items before each occurrence: where they start in the prepared items, how many
    /// there are, and the basket's weight; baskets in prepared order for each item.
    at: Vec<Occurrence>,
}

#[derive(Clone, Copy, Default)]
struct Occurrence {
    start: usize,
    len: u32,
    weight: u32,
}

impl Occurrences {
    fn new(prepared: &Prepared) -> Self {
        // An item first in its basket has nothing before it: such occurrences are left out.
        let mut starts = vec![0usize; prepared.item_count() + 1];
        for k in 0..prepared.len() {
            for &item in prepared.basket(k).iter().skip(1) {
                starts[item as usize + 1] += 1;
            }
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        let mut cursor = starts.clone();
        let mut at = crate::memory::filled(starts[starts.len() - 1], Occurrence::default());
        for k in 0..prepared.len() {
            let start = prepared.offsets[k];
            let weight = prepared.weights[k];
            for (position, &item) in prepared.basket(k).iter().enumerate().skip(1) {
                let slot = &mut cursor[item as usize];
                at[*slot] = Occurrence {
                    start,
                    len: position as u32,
                    weight,
                };
                *slot += 1;
            }
        }
        Occurrences { starts, at }
    }

    /// Like [`conditional`], for the tree of all baskets (whose local codes are the global ones).
    fn conditional(
        &self,
        prepared: &Prepared,
        item: usize,
        support: u32,
        identity: &[u32],
        level: &mut Level,
        scratch: &mut Scratch<'_>,
    ) -> bool {
        let paths = &mut level.paths;
        paths.clear();
        let at = &self.at[self.starts[item]..self.starts[item + 1]];
        let mark = marks_needed(item);
        for (j, o) in at.iter().enumerate() {
            if let Some(ahead) = at.get(j + 8) {
                prefetch(&prepared.items[ahead.start..]);
            }
            let items = &prepared.items[o.start..o.start + o.len as usize];
            // One loop that counts and copies (a slice-mapping iterator reserves once).
            paths.items.extend(items.iter().map(|&a| {
                scratch.count(a, o.weight, mark);
                a
            }));
            paths.end(o.weight);
        }
        if !scratch.select(support, item, identity, &mut level.tree) {
            return false;
        }
        level.finish(Some(scratch.local), false);
        scratch.release();
        true
    }
}

/// Asks the CPU to start loading `data` into the cache; nothing off x86_64.
#[inline(always)]
fn prefetch(data: &[u32]) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint that never faults, whatever the address; SSE is part of x86_64.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(data.as_ptr().cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = data;
}

impl Scratch<'_> {
    /// Adds `weight` to `item`'s count, and marks the item when `mark` (see [`marks_needed`]).
    #[inline]
    fn count(&mut self, item: u32, weight: u32, mark: bool) {
        self.counts[item as usize] += weight;
        if mark {
            self.marks[item as usize / 64] |= 1 << (item % 64);
        }
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

    /// Turns the counts into the conditional tree's items (see [`Scratch::keep`]). Every counted
    /// item is below `below`. Returns whether any item is left; if not, the scratch is clean
    /// again.
    fn select(&mut self, support: u32, below: usize, global: &[u32], tree: &mut Tree) -> bool {
        if !marks_needed(below) {
            let counts = std::mem::take(&mut self.counts);
            let kept = self.select_row(support, &counts[..below], global, tree);
            counts[..below].fill(0);
            self.counts = counts;
            return kept;
        }
        tree.global.clear();
        tree.support.clear();
        // Ascending local codes keep every path ascending in the conditional tree too.
        self.order_touched(below);
        for k in 0..self.touched.len() {
            let a = self.touched[k] as usize;
            let count = std::mem::take(&mut self.counts[a]);
            self.keep(a, count, support, global, tree);
        }
        if tree.global.is_empty() {
            self.touched.clear();
            return false;
        }
        true
    }

    /// Like [`Scratch::select`], for counts already made: item `a` was seen `row[a]` times
    /// (ascending local codes keep every path ascending in the conditional tree too).
    fn select_row(&mut self, support: u32, row: &[u32], global: &[u32], tree: &mut Tree) -> bool {
        tree.global.clear();
        tree.support.clear();
        self.touched.clear();
        for (a, &count) in row.iter().enumerate() {
            if count >= self.min_count {
                self.touched.push(a as u32);
                self.keep(a, count, support, global, tree);
            }
        }
        if tree.global.is_empty() {
            self.touched.clear();
            return false;
        }
        true
    }

    /// Gives item `a`, seen `count` times in a base of `support`, its place: a frequent item
    /// that is not a perfect extension gets the next local code (in `local`; `tree.global` maps
    /// it back and `tree.support` holds its count).
    #[inline]
    fn keep(&mut self, a: usize, count: u32, support: u32, global: &[u32], tree: &mut Tree) {
        if count >= self.min_count {
            if count == support {
                self.pex.push(global[a]);
            } else {
                self.local[a] = tree.global.len() as u32;
                tree.global.push(global[a]);
                tree.support.push(count);
            }
        }
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
    /// Builds the collected paths into this level's tree, in local codes (`local`), in one pass:
    /// each path is translated into a small buffer, then counted and inserted from there.
    /// Collected along an item's node chain (`newest_first`, each path leaf first), they are
    /// nearly in lexicographic order when read backwards (but for the items the projection
    /// dropped); collected in basket order, likewise forwards.
    fn finish(&mut self, local: Option<&[u32]>, newest_first: bool) {
        let tree = &mut self.tree;
        let k = tree.global.len();
        tree.reset(k);
        // Trees of the first level are the large ones: counting their pairs spares walks of items
        // with nothing frequent below them and the counting of the others' bases. Deeper trees
        // are small and cheap to walk.
        tree.paired = !newest_first && k <= PAIR_ITEMS;
        if tree.paired {
            tree.pairs.clear();
            tree.pairs.resize(k * k.saturating_sub(1) / 2, 0);
        }
        let paths = &self.paths;
        let n = paths.ends.len();
        for j in 0..n {
            let p = if newest_first { n - 1 - j } else { j };
            let path = paths.localize(p, local, newest_first, &mut self.path);
            if path.is_empty() {
                continue;
            }
            let weight = paths.weights[p];
            if tree.paired {
                tree.count_pairs(path, weight);
            }
            tree.insert(path, weight);
        }
    }
}

/// Whether counting items below `below` also marks them, so that [`Scratch::select`] lists the
/// counted items from the marks instead of reading every count below `below`. Marks cost a little
/// on every count, the scan a little on every possible item: up to a few thousand items the scan
/// is cheaper (4% fewer instructions on t10i4d100k and retail).
fn marks_needed(below: usize) -> bool {
    below > DENSE_COUNTS
}

/// See [`marks_needed`].
const DENSE_COUNTS: usize = 4096;

/// First-level trees with at most this many items count their pairs as they are built, so that
/// the items whose conditional base holds nothing frequent (seven in ten on t10i4d100k) are known
/// without walking the tree, and the others' bases need no counting walk. The table then takes
/// at most 512 KiB.
const PAIR_ITEMS: usize = 512;

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

/// Reports the prefix and the prefix with every non-empty subset of `pool` added, all with
/// `count`, depth first. A loop with its own stack, not recursion: a chain can be as long as the
/// widest basket.
fn subsets(pool: &[(u32, u32)], count: u32, scratch: &mut Scratch<'_>, sink: &mut Sink<'_>) {
    let base = scratch.prefix.len();
    sink.emit(scratch.prefix, scratch.pex, count);
    let mut next = vec![0];
    while let Some(top) = next.last_mut() {
        let k = *top;
        if k >= pool.len() || scratch.prefix.len() >= sink.max_len() || sink.stopped() {
            next.pop();
            if scratch.prefix.len() > base {
                scratch.prefix.pop();
            }
            continue;
        }
        *top = k + 1;
        scratch.prefix.push(pool[k].0);
        sink.emit(scratch.prefix, scratch.pex, count);
        next.push(k + 1);
    }
}
