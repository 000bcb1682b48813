//! FP-growth on array-backed prefix trees.
//!
//! Written here rather than taken from a crate because it is the hot path: nodes are 16-byte
//! records in one `Vec` per recursion depth (reused, so the recursion allocates almost nothing),
//! trees are built from lexicographically sorted paths with a stack (no child search), items that
//! keep the prefix's count ("perfect extensions") are taken out of the conditional tree and added
//! back combinatorially at output, and a tree that is a single path is enumerated directly.

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
    next: u32,
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
        });
        self.head.clear();
        self.head.resize(items, NONE);
        self.support.clear();
        self.support.resize(items, 0);
    }

    /// Inserts paths (ascending local codes) that arrive in lexicographic order: each shares a
    /// prefix with the previous one and branches off after it, so no child lookup is needed.
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
            stack.truncate(common);
            for &n in &stack {
                self.nodes[n as usize].count += weight;
            }
            let mut parent = stack.last().copied().unwrap_or(0);
            for &item in &path[common..] {
                let n = self.nodes.len() as u32;
                self.nodes.push(Node {
                    item,
                    count: weight,
                    parent,
                    next: self.head[item as usize],
                });
                self.head[item as usize] = n;
                stack.push(n);
                parent = n;
            }
            for &item in path {
                self.support[item as usize] += weight;
            }
            previous = path;
        }
        self.stack = stack;
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

/// Paths of a conditional pattern base, sorted before they become a tree.
#[derive(Default)]
struct Paths {
    items: Vec<u32>,
    ends: Vec<usize>,
    weights: Vec<u32>,
    order: Vec<u32>,
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

    /// Paths were collected along an item's node chain, newest node first. Nodes are created in
    /// lexicographic order of their paths, so read backwards the paths are already sorted but for
    /// the items the projection dropped: a run-aware merge sort finishes that in near-linear time.
    fn sort(&mut self) {
        self.order.clear();
        self.order.extend((0..self.ends.len() as u32).rev());
        let mut order = std::mem::take(&mut self.order);
        order.sort_by(|&a, &b| self.path(a as usize).cmp(self.path(b as usize)));
        self.order = order;
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
            local: vec![NONE; items],
            levels: (0..depth).map(|_| Level::default()).collect(),
            prefix: Vec::new(),
            pex: Vec::new(),
            min_count,
        }
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
    let mut top = Tree::default();
    top.reset(items);
    top.global = (0..items as u32).collect();
    top.build((0..prepared.len()).map(|k| (prepared.basket(k), prepared.weights[k])));
    let depth = (0..prepared.len())
        .map(|k| prepared.basket(k).len())
        .max()
        .unwrap_or(0)
        + 1;

    let mut universal = Sink::new(prepared, bounds, budget);
    universal.emit_universal(prepared.baskets);
    let mut parts = vec![universal.finish()];
    // Branch `b` is item `items - 1 - b`: the rarest items (smallest trees) first.
    let branches = items - first;
    budget.branches(branches as u64);
    parts.extend(runner.map(
        branches,
        || Worker::new(items, depth, prepared.min_count),
        |worker, b| {
            let mut sink = Sink::new(prepared, bounds, budget);
            if !sink.stopped() {
                let Worker {
                    counts,
                    touched,
                    local,
                    levels,
                    prefix,
                    pex,
                    min_count,
                } = worker;
                let mut scratch = Scratch {
                    counts,
                    touched,
                    local,
                    prefix,
                    pex,
                    min_count: *min_count,
                };
                step(&top, items - 1 - b, levels, &mut scratch, &mut sink);
            }
            budget.branch_done();
            sink.finish()
        },
    ));
    budget.finish()?;
    Ok(parts)
}

/// A worker's memory without its levels, so levels can be split while this is borrowed.
struct Scratch<'w> {
    counts: &'w mut [u32],
    /// The items whose `counts` entry is non-zero, so clearing costs what was used.
    touched: &'w mut Vec<u32>,
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

/// Reports prefix + `item` and recurses into its conditional tree.
fn step(
    tree: &Tree,
    item: usize,
    levels: &mut [Level],
    scratch: &mut Scratch<'_>,
    sink: &mut Sink<'_>,
) {
    let Some((level, deeper)) = levels.split_first_mut() else {
        return;
    };
    scratch.prefix.push(tree.global[item]);
    let mark = scratch.pex.len();
    let has_child = conditional(tree, item, level, scratch);
    sink.emit(scratch.prefix, scratch.pex, tree.support[item]);
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

/// Builds the conditional tree of `item` into `level`, pushing its perfect extensions onto
/// `scratch.pex`. Returns whether the tree has any item.
fn conditional(tree: &Tree, item: usize, level: &mut Level, scratch: &mut Scratch<'_>) -> bool {
    let support = tree.support[item];
    let min_count = scratch.min_count;
    let mut n = tree.head[item];
    while n != NONE {
        let node = tree.nodes[n as usize];
        let mut p = node.parent;
        while p != 0 {
            let up = tree.nodes[p as usize];
            let slot = &mut scratch.counts[up.item as usize];
            if *slot == 0 {
                scratch.touched.push(up.item);
            }
            *slot += node.count;
            p = up.parent;
        }
        n = node.next;
    }
    let conditional = &mut level.tree;
    conditional.global.clear();
    // Ascending local codes keep every path ascending in the conditional tree too.
    scratch.touched.sort_unstable();
    for &a in scratch.touched.iter() {
        let a = a as usize;
        let count = std::mem::take(&mut scratch.counts[a]);
        scratch.local[a] = NONE;
        if count >= min_count {
            if count == support {
                scratch.pex.push(tree.global[a]);
            } else {
                scratch.local[a] = conditional.global.len() as u32;
                conditional.global.push(tree.global[a]);
            }
        }
    }
    if conditional.global.is_empty() {
        scratch.touched.clear();
        return false;
    }
    let paths = &mut level.paths;
    paths.clear();
    let mut n = tree.head[item];
    while n != NONE {
        let node = tree.nodes[n as usize];
        let start = paths.items.len();
        let mut p = node.parent;
        while p != 0 {
            let up = tree.nodes[p as usize];
            let local = scratch.local[up.item as usize];
            if local != NONE {
                paths.items.push(local);
            }
            p = up.parent;
        }
        if paths.items.len() > start {
            paths.items[start..].reverse();
            paths.ends.push(paths.items.len());
            paths.weights.push(node.count);
        }
        n = node.next;
    }
    for &a in scratch.touched.iter() {
        scratch.local[a as usize] = NONE;
    }
    scratch.touched.clear();
    paths.sort();
    conditional.reset(conditional.global.len());
    let paths = &level.paths;
    conditional.build(
        paths
            .order
            .iter()
            .map(|&k| (paths.path(k as usize), paths.weights[k as usize])),
    );
    true
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
