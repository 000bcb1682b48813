//! Apriori: level by level, candidates of size k+1 are joined from frequent k-sets that share
//! their first k-1 items, pruned unless every k-subset is frequent, and counted.
//!
//! Pairs are counted straight from the baskets, without candidates (see [`frequent_pairs`]), which
//! also lists the merged baskets that hold each frequent pair. From then on a level is counted per
//! frequent set: the candidates that extend `p + {x}` are held only by baskets that hold it, so one
//! pass over its basket list counts all of them (each basket adds its weight to the candidates
//! among its items after `x`), and a second pass lists the baskets of the frequent ones for the
//! next level (see [`count`]). A level costs the baskets of its sets, which shrink level by level,
//! instead of a walk of a prefix tree of all candidates along every basket (2x to 3x slower on
//! retail and t10i4d100k). Sets are counted in parallel in fixed runs concatenated in order, so
//! the result never depends on the thread count. On dense data, where basket lists would hold a
//! large share of the baskets for every set of a level, levels are still counted that way, through
//! a prefix tree of the candidates split across threads (see [`count_by_tree`]).

use rustc_hash::{FxHashMap, FxHashSet};

use super::prepare::Prepared;
use super::sink::{Bounds, Budget, Part, Sink};
use crate::Result;
use crate::parallel::Runner;

/// The frequent sets of one level (sorted, `size` items each, flat) with their counts and the
/// merged baskets that hold each (ascending): set `k` is held by `tids[starts[k]..starts[k + 1]]`
/// (empty lists when counted by [`count_by_tree`]).
#[derive(Default)]
struct Level {
    sets: Vec<u32>,
    counts: Vec<u32>,
    tids: Vec<u32>,
    starts: Vec<usize>,
}

impl Level {
    fn new() -> Self {
        Level {
            starts: vec![0],
            ..Level::default()
        }
    }

    fn tids(&self, k: usize) -> &[u32] {
        &self.tids[self.starts[k]..self.starts[k + 1]]
    }

    /// Appends `other`'s sets after this level's.
    fn append(&mut self, other: Level) {
        let base = self.tids.len();
        self.sets.extend_from_slice(&other.sets);
        self.counts.extend_from_slice(&other.counts);
        self.tids.extend_from_slice(&other.tids);
        self.starts
            .extend(other.starts[1..].iter().map(|&s| base + s));
    }

    /// The next level, counted by [`count_by_tree`]: the frequent sets among the candidates
    /// `joined` (as [`count`] takes them) with their counts, without basket lists.
    fn by_tree(
        &self,
        joined: &[(usize, usize)],
        size: usize,
        prepared: &Prepared,
        runner: &Runner,
    ) -> Level {
        let mut candidates = Vec::with_capacity(joined.len() * (size + 1));
        for &(i, j) in joined {
            candidates.extend_from_slice(&self.sets[i * size..(i + 1) * size]);
            candidates.push(self.sets[(j + 1) * size - 1]);
        }
        let counts = count_by_tree(&candidates, size + 1, prepared, runner);
        let mut next = Level::new();
        for (candidate, &count) in candidates.chunks_exact(size + 1).zip(&counts) {
            if count >= prepared.min_count {
                next.sets.extend_from_slice(candidate);
                next.counts.push(count);
                next.starts.push(0);
            }
        }
        next
    }

    /// The working memory it takes.
    fn bytes(&self) -> u64 {
        4 * (self.sets.len() + self.counts.len() + self.tids.len()) as u64
            + 8 * self.starts.len() as u64
    }
}

/// Candidates of one size, sorted, as a prefix tree: depth `d` holds the distinct `d+1`-prefixes.
struct Trie {
    size: usize,
    item: Vec<Vec<u32>>,
    /// Depth `d < size - 1`: where node `n`'s children start at depth `d + 1`; one extra end entry.
    child: Vec<Vec<u32>>,
}

impl Trie {
    fn new(candidates: &[u32], size: usize) -> Self {
        let mut item = vec![Vec::new(); size];
        let mut child = vec![Vec::new(); size.saturating_sub(1)];
        let mut previous: Option<&[u32]> = None;
        for candidate in candidates.chunks_exact(size) {
            let common = previous.map_or(0, |p| {
                p.iter().zip(candidate).take_while(|(a, b)| a == b).count()
            });
            for d in common..size {
                if d + 1 < size {
                    let start = item[d + 1].len() as u32;
                    child[d].push(start);
                }
                item[d].push(candidate[d]);
            }
            previous = Some(candidate);
        }
        for d in 0..size.saturating_sub(1) {
            let end = item[d + 1].len() as u32;
            child[d].push(end);
        }
        Trie { size, item, child }
    }

    /// Adds `weight` to every candidate (leaf) in `range` at depth `d` contained in `basket`.
    fn count(
        &self,
        d: usize,
        range: std::ops::Range<usize>,
        basket: &[u32],
        weight: u32,
        counts: &mut [u32],
        base: usize,
    ) {
        let (lo, hi) = (range.start, range.end);
        let items = &self.item[d];
        let need = self.size - d;
        let (mut i, mut p) = (lo, 0);
        while i < hi && p + need <= basket.len() {
            let (x, y) = (items[i], basket[p]);
            if x < y {
                i += 1 + items[i + 1..hi].partition_point(|&v| v < y);
            } else if x > y {
                p += 1;
            } else {
                if d + 1 == self.size {
                    counts[i - base] += weight;
                } else {
                    let (clo, chi) = (self.child[d][i] as usize, self.child[d][i + 1] as usize);
                    self.count(d + 1, clo..chi, &basket[p + 1..], weight, counts, base);
                }
                i += 1;
                p += 1;
            }
        }
    }
}

pub(crate) fn mine(
    prepared: &Prepared,
    bounds: Bounds,
    budget: &Budget<'_>,
    runner: &Runner,
) -> Result<Vec<Part>> {
    let mut sink = Sink::new(prepared, bounds, budget);
    sink.emit_universal(prepared.baskets);
    let first = prepared.first_code();
    budget.branches(bounds.max_len.min(prepared.item_count()) as u64);
    for item in first..prepared.item_count() as u32 {
        sink.emit(&[item], &[], prepared.item_counts[item as usize]);
    }
    budget.branch_done();
    if bounds.max_len < 2 || sink.stopped() {
        return finish(sink, budget);
    }
    // Basket lists of dense data take a large share of the baskets per set: counting there walks
    // a prefix tree of the candidates along the baskets instead (on mushroom at 5%, lists take
    // 2.8 GB and 24 s, the tree 0.25 GB and 15 s).
    let vertical = prepared.shape().density() < DENSE;
    let mut level = frequent_pairs(prepared, runner);
    let mut size = 2;
    sink.working(level.bytes());
    while !level.counts.is_empty() && !sink.stopped() {
        for (itemset, &count) in level.sets.chunks_exact(size).zip(&level.counts) {
            sink.emit(itemset, &[], count);
        }
        budget.branch_done();
        if size >= bounds.max_len {
            break;
        }
        let joined = candidates(&level.sets, size, prepared.item_count(), &sink);
        if sink.stopped() {
            break;
        }
        level = if vertical {
            count(&level, &joined, size, prepared, runner)
        } else {
            level.by_tree(&joined, size, prepared, runner)
        };
        size += 1;
        sink.working(level.bytes());
    }
    finish(sink, budget)
}

/// The share of (basket, item) cells filled from which levels are counted by [`count_by_tree`].
pub(crate) const DENSE: f64 = 0.1;

fn finish(sink: Sink<'_>, budget: &Budget<'_>) -> Result<Vec<Part>> {
    let parts = sink.finish();
    budget.finish()?;
    Ok(parts)
}

/// The frequent pairs, sorted, with their counts and basket lists, counted without candidates:
/// every two frequent items would be candidates (40 million on retail, more memory than the data),
/// while the pairs that occur are read from the baskets. For each item `a`, the items after it in
/// the baskets that hold it are counted in a dense array, listing each item the first time it is
/// counted; a second pass over the same baskets then lists, for each frequent pair, its baskets.
fn frequent_pairs(prepared: &Prepared, runner: &Runner) -> Level {
    /// Per item `b` after `a`: the weight and the number of baskets of (a, b), and where its
    /// next basket goes; the items counted.
    struct Pairs {
        counts: Vec<u32>,
        held: Vec<u32>,
        next: Vec<usize>,
        touched: Vec<u32>,
    }

    let items = prepared.item_count();
    let first = prepared.first_code() as usize;
    let holders = prepared.baskets_by_item();
    let pairs = runner.map(
        items - first,
        || Pairs {
            counts: vec![0; items],
            held: vec![0; items],
            next: vec![0; items],
            touched: Vec::new(),
        },
        |scratch: &mut Pairs, k| {
            let Pairs {
                counts,
                held,
                next,
                touched,
            } = scratch;
            let a = (first + k) as u32;
            let after = |t: u32| {
                let basket = prepared.basket(t as usize);
                &basket[basket.partition_point(|&x| x <= a)..]
            };
            for &t in &holders[a as usize] {
                let weight = prepared.weights[t as usize];
                for &b in after(t) {
                    if held[b as usize] == 0 {
                        touched.push(b);
                    }
                    counts[b as usize] += weight;
                    held[b as usize] += 1;
                }
            }
            touched.sort_unstable();
            let mut found = Level::new();
            // `next[b]` becomes one past where pair (a, b)'s next basket goes (0: not frequent).
            let mut end = 0;
            for &b in touched.iter() {
                let count = std::mem::take(&mut counts[b as usize]);
                let baskets = std::mem::take(&mut held[b as usize]) as usize;
                if count >= prepared.min_count {
                    next[b as usize] = end + 1;
                    end += baskets;
                    found.sets.extend_from_slice(&[a, b]);
                    found.counts.push(count);
                    found.starts.push(end);
                }
            }
            found.tids.resize(end, 0);
            for &t in &holders[a as usize] {
                for &b in after(t) {
                    let slot = &mut next[b as usize];
                    if *slot != 0 {
                        found.tids[*slot - 1] = t;
                        *slot += 1;
                    }
                }
            }
            for &b in touched.iter() {
                next[b as usize] = 0;
            }
            touched.clear();
            found
        },
    );
    let mut level = Level::new();
    for found in pairs {
        level.append(found);
    }
    level
}

/// Joins sets that share all but their last item (a group: prefix `p`, last items `l`) into the
/// candidates `p + {x, y}` (`x < y` in `l`) whose subsets of their size are all in `level`
/// (sorted, sets of `size >= 2`). The subset without `p`'s first item, `p[1..] + {x, y}`, is
/// looked for first: `y` must be a last item of the group `p[1..] + {x}`, so each `x` reads that
/// group rather than trying every `y` (groups of frequent items hold thousands of sets on
/// retail). The other subsets are looked up in a hash set. A candidate is given as the indices
/// of the two sets it joins, `p + {x}` and `p + {y}`; candidates come sorted.
fn candidates(level: &[u32], size: usize, items: usize, sink: &Sink<'_>) -> Vec<(usize, usize)> {
    let sets: Vec<&[u32]> = level.chunks_exact(size).collect();
    let prefix_of = |k: usize| &sets[k][..size - 1];
    let mut ranges = Vec::new();
    let mut start = 0;
    while start < sets.len() {
        let end = start + sets[start..].partition_point(|s| s[..size - 1] == *prefix_of(start));
        ranges.push(start..end);
        start = end;
    }
    let groups: FxHashMap<&[u32], std::ops::Range<usize>> = ranges
        .iter()
        .map(|r| (prefix_of(r.start), r.clone()))
        .collect();
    let known: FxHashSet<&[u32]> = sets.iter().copied().collect();
    // Item y -> the index of the set `p + {y}` of the group at hand.
    let mut in_group = vec![usize::MAX; items];
    let (mut key, mut subset) = (Vec::with_capacity(size), Vec::with_capacity(size));
    let mut out = Vec::new();
    for group in ranges {
        if sink.stopped() {
            break;
        }
        let prefix = prefix_of(group.start);
        for k in group.clone() {
            in_group[sets[k][size - 1] as usize] = k;
        }
        for k in group.clone() {
            let x = sets[k][size - 1];
            key.clear();
            key.extend_from_slice(&prefix[1..]);
            key.push(x);
            let Some(partners) = groups.get(key.as_slice()) else {
                continue;
            };
            'partners: for t in &sets[partners.clone()] {
                let y = t[size - 1];
                let partner = in_group[y as usize];
                if partner == usize::MAX {
                    continue;
                }
                // Dropping x or y gives a set of the group; dropping prefix[0] was checked above.
                for drop in 1..size - 1 {
                    subset.clear();
                    subset.extend(
                        prefix
                            .iter()
                            .enumerate()
                            .filter(|&(k, _)| k != drop)
                            .map(|(_, &v)| v),
                    );
                    subset.extend_from_slice(&[x, y]);
                    if !known.contains(subset.as_slice()) {
                        continue 'partners;
                    }
                }
                out.push((k, partner));
            }
        }
        for s in &sets[group] {
            in_group[s[size - 1] as usize] = usize::MAX;
        }
        // The candidates and the level they come from are working memory, counted against the
        // byte budget.
        sink.working((16 * out.len() + 8 * level.len()) as u64);
    }
    out
}

/// Counts the candidates `joined` (each a pair of indices of sets of `level`, of `size` items,
/// that share their first `size - 1` items; sorted) and keeps the frequent ones with their basket
/// lists: the next level. The candidates that extend one set `p + {x}` (by the last item `y` of
/// each partner) are counted together in one pass over that set's baskets, each basket adding
/// its weight to the candidates of its items after `x`; a second pass over the same baskets lists
/// the frequent ones' baskets. A set's candidates thus cost the length of its baskets' tails, not
/// one list intersection each. Runs of sets are counted in parallel and concatenated in order.
fn count(
    level: &Level,
    joined: &[(usize, usize)],
    size: usize,
    prepared: &Prepared,
    runner: &Runner,
) -> Level {
    /// Runs of sets counted by one task.
    const RUNS: usize = 64;
    let mut runs = Vec::new();
    let mut start = 0;
    while start < joined.len() {
        let set = joined[start].0;
        let end = start + joined[start..].partition_point(|&(i, _)| i == set);
        runs.push(start..end);
        start = end;
    }
    let items = prepared.item_count();
    let chunks = runner.map(
        runs.len().div_ceil(RUNS),
        || Scratch {
            slot: vec![NONE; items],
            counts: Vec::new(),
            held: Vec::new(),
            next: Vec::new(),
        },
        |scratch: &mut Scratch, c| {
            let mut found = Level::new();
            for run in &runs[c * RUNS..runs.len().min((c + 1) * RUNS)] {
                scratch.extend(level, &joined[run.clone()], size, prepared, &mut found);
            }
            found
        },
    );
    let mut next = Level::new();
    for found in chunks {
        next.append(found);
    }
    next
}

/// Marks an item that is no candidate's last item.
const NONE: u32 = u32::MAX;

/// A task's working arrays for [`count`].
struct Scratch {
    /// Item -> its candidate among those of the set at hand, or [`NONE`].
    slot: Vec<u32>,
    /// Per candidate: its weight, its number of baskets, and one past where its next basket goes
    /// in the found lists (0: infrequent).
    counts: Vec<u32>,
    held: Vec<u32>,
    next: Vec<usize>,
}

impl Scratch {
    /// Counts the candidates `joined` that all extend the same set, appending the frequent ones.
    fn extend(
        &mut self,
        level: &Level,
        joined: &[(usize, usize)],
        size: usize,
        prepared: &Prepared,
        found: &mut Level,
    ) {
        let set = joined[0].0;
        let x = level.sets[(set + 1) * size - 1];
        let last = |j: usize| level.sets[(j + 1) * size - 1];
        for (k, &(_, j)) in joined.iter().enumerate() {
            self.slot[last(j) as usize] = k as u32;
        }
        let n = joined.len();
        self.counts.clear();
        self.counts.resize(n, 0);
        self.held.clear();
        self.held.resize(n, 0);
        let tail = |t: u32| {
            let basket = prepared.basket(t as usize);
            &basket[basket.partition_point(|&v| v <= x)..]
        };
        for &t in level.tids(set) {
            let weight = prepared.weights[t as usize];
            for &y in tail(t) {
                let k = self.slot[y as usize];
                if k != NONE {
                    self.counts[k as usize] += weight;
                    self.held[k as usize] += 1;
                }
            }
        }
        self.next.clear();
        self.next.resize(n, 0);
        let mut end = found.tids.len();
        for (k, &(_, j)) in joined.iter().enumerate() {
            if self.counts[k] >= prepared.min_count {
                self.next[k] = end + 1;
                end += self.held[k] as usize;
                found
                    .sets
                    .extend_from_slice(&level.sets[set * size..(set + 1) * size]);
                found.sets.push(last(j));
                found.counts.push(self.counts[k]);
                found.starts.push(end);
            }
        }
        found.tids.resize(end, 0);
        for &t in level.tids(set) {
            for &y in tail(t) {
                let k = self.slot[y as usize];
                if k != NONE && self.next[k as usize] != 0 {
                    found.tids[self.next[k as usize] - 1] = t;
                    self.next[k as usize] += 1;
                }
            }
        }
        for &(_, j) in joined {
            self.slot[last(j) as usize] = NONE;
        }
    }
}

/// Counts every candidate (sorted sets of `size` items, flat) in one pass over the baskets per
/// task, through a prefix tree of the candidates; tasks split the root range.
fn count_by_tree(
    candidates: &[u32],
    size: usize,
    prepared: &Prepared,
    runner: &Runner,
) -> Vec<u32> {
    let total = candidates.len() / size;
    if total == 0 {
        return Vec::new();
    }
    let trie = Trie::new(candidates, size);
    // Root ranges of about equal numbers of candidates: leaves under root node r are contiguous.
    let roots = trie.item[0].len();
    let leaf_start = |r: usize| -> usize {
        let mut node = r;
        for d in 0..size - 1 {
            node = trie.child[d][node] as usize;
        }
        node
    };
    // Every task reads every basket (skipping the roots outside its range), so a task per thread:
    // more would read the baskets more often for no balance worth it.
    let tasks = roots.clamp(1, runner.threads());
    let target = total.div_ceil(tasks);
    let mut cuts = vec![0usize];
    for r in 1..roots {
        if leaf_start(r) - leaf_start(*cuts.last().unwrap_or(&0)) >= target {
            cuts.push(r);
        }
    }
    cuts.push(roots);
    let ranges: Vec<(usize, usize)> = cuts.windows(2).map(|w| (w[0], w[1])).collect();
    let pieces = runner.map(
        ranges.len(),
        || (),
        |_, k| {
            let (lo, hi) = ranges[k];
            let (base, end) = (
                leaf_start(lo),
                if hi == roots { total } else { leaf_start(hi) },
            );
            let mut counts = vec![0u32; end - base];
            for t in 0..prepared.len() {
                let basket = prepared.basket(t);
                if basket.len() >= size {
                    trie.count(0, lo..hi, basket, prepared.weights[t], &mut counts, base);
                }
            }
            counts
        },
    );
    pieces.concat()
}
