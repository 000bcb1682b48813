//! Eclat: depth-first search over vertical data, the baskets that hold each itemset.
//!
//! Dense data keeps bitsets, where an intersection is a word-wise AND and a popcount; a merged
//! basket takes one bit per basket it stands for, so a popcount is still the count. Sparse data uses LCM's occurrence delivery instead of pairwise intersections: one pass
//! over the baskets of a prefix drops each basket into the list of every item it could extend the
//! prefix with, so a node costs the size of its baskets, not (extensions)^2 list merges. Items that
//! keep the prefix's count are taken out as perfect extensions, as in FP-growth.

use super::prepare::Prepared;
use super::sink::{Bounds, Budget, Part, Sink, run_branches};
use crate::Result;
use crate::parallel::Runner;

/// A set of basket ids and the operations Eclat needs on it.
trait Tids: Sized + Send + Sync {
    /// `self ∩ other` into `out`, returning the count of `out`.
    fn intersect(&self, other: &Self, out: &mut Self) -> u32;
    fn empty() -> Self;
}

/// A bitset with one bit per original basket (a merged basket's bits repeated by its weight), so
/// a popcount is the count.
struct Bits(Vec<u64>);

impl Tids for Bits {
    fn intersect(&self, other: &Self, out: &mut Self) -> u32 {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("popcnt") {
            // SAFETY: the processor has the popcnt instruction, checked just above.
            return unsafe { and_count_popcnt(&self.0, &other.0, &mut out.0) };
        }
        and_count(&self.0, &other.0, &mut out.0)
    }

    fn empty() -> Self {
        Bits(Vec::new())
    }
}

/// `a & b` into `out`, returning its popcount.
#[inline(always)]
fn and_count(a: &[u64], b: &[u64], out: &mut Vec<u64>) -> u32 {
    out.clear();
    out.extend(a.iter().zip(b).map(|(x, y)| x & y));
    out.iter().map(|w| w.count_ones()).sum()
}

/// [`and_count`] compiled for the popcount instruction, which the baseline x86-64 target leaves
/// out (a word then costs one instruction instead of about a dozen).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt")]
fn and_count_popcnt(a: &[u64], b: &[u64], out: &mut Vec<u64>) -> u32 {
    and_count(a, b, out)
}

struct Extension<T> {
    item: u32,
    tids: T,
    count: u32,
}

/// Whether [`mine`] runs on bitsets (otherwise on occurrence lists).
pub(crate) fn uses_bitsets(prepared: &Prepared) -> bool {
    prepared.is_dense() || super::closed::uses_bitsets(prepared)
}

pub(crate) fn mine(
    prepared: &Prepared,
    bounds: Bounds,
    budget: &Budget<'_>,
    runner: &Runner,
) -> Result<Vec<Part>> {
    let items = prepared.item_count();
    let first = prepared.first_code() as usize;
    let lists = prepared.baskets_by_item();
    // Rarest first: each item is extended by the more frequent items after it.
    let order: Vec<usize> = (first..items).rev().collect();
    if uses_bitsets(prepared) {
        // Merged basket `k` holds bits `start[k]..start[k + 1]`.
        let mut start = Vec::with_capacity(prepared.len() + 1);
        start.push(0usize);
        for &w in &prepared.weights {
            start.push(start[start.len() - 1] + w as usize);
        }
        let words = start[start.len() - 1].div_ceil(64);
        let top = order
            .iter()
            .map(|&i| {
                let mut bits = vec![0u64; words];
                for &t in &lists[i] {
                    for p in start[t as usize]..start[t as usize + 1] {
                        bits[p / 64] |= 1 << (p % 64);
                    }
                }
                Extension {
                    item: i as u32,
                    tids: Bits(bits),
                    count: prepared.item_counts[i],
                }
            })
            .collect();
        run(top, prepared, bounds, budget, runner)
    } else {
        deliver(&lists[first..], prepared, bounds, budget, runner)
    }
}

/// Occurrence delivery: a node is an itemset (its largest code last) and the baskets holding it;
/// its children are the smaller codes found in those baskets, so each itemset is visited once.
fn deliver(
    lists: &[Vec<u32>],
    prepared: &Prepared,
    bounds: Bounds,
    budget: &Budget<'_>,
    runner: &Runner,
) -> Result<Vec<Part>> {
    let first = prepared.first_code() as usize;
    let items = prepared.item_count();
    run_branches(
        lists.len(),
        prepared,
        bounds,
        budget,
        runner,
        || Deliverer {
            buckets: vec![Vec::new(); items],
            weights: vec![0; items],
            perfect: vec![false; items],
            touched: Vec::new(),
            prefix: Vec::new(),
            pex: Vec::new(),
        },
        |state, sink, b| {
            let item = items - 1 - b;
            state.node(
                prepared,
                item as u32,
                &lists[item - first],
                prepared.item_counts[item],
                sink,
            );
        },
    )
}

struct Deliverer {
    buckets: Vec<Vec<u32>>,
    weights: Vec<u32>,
    /// Items taken out as perfect extensions above this node: never delivered again below it.
    perfect: Vec<bool>,
    touched: Vec<u32>,
    prefix: Vec<u32>,
    pex: Vec<u32>,
}

impl Deliverer {
    fn node(
        &mut self,
        prepared: &Prepared,
        item: u32,
        baskets: &[u32],
        count: u32,
        sink: &mut Sink<'_>,
    ) {
        self.prefix.push(item);
        let mark = self.pex.len();
        let mut children = Vec::new();
        if self.prefix.len() < sink.max_len() {
            for &t in baskets {
                let basket = prepared.basket(t as usize);
                let weight = prepared.weights[t as usize];
                for &other in &basket[..basket.partition_point(|&o| o < item)] {
                    if self.perfect[other as usize] {
                        continue;
                    }
                    let bucket = &mut self.buckets[other as usize];
                    if bucket.is_empty() {
                        self.touched.push(other);
                    }
                    bucket.push(t);
                    self.weights[other as usize] += weight;
                }
            }
            self.touched.sort_unstable();
            for &other in &self.touched {
                let found = std::mem::take(&mut self.weights[other as usize]);
                if found == count {
                    self.pex.push(other);
                    self.perfect[other as usize] = true;
                    self.buckets[other as usize].clear();
                } else if found >= prepared.min_count {
                    children.push((
                        other,
                        std::mem::take(&mut self.buckets[other as usize]),
                        found,
                    ));
                } else {
                    self.buckets[other as usize].clear();
                }
            }
            self.touched.clear();
        }
        sink.emit(&self.prefix, &self.pex, count);
        for (other, baskets, found) in children {
            if sink.stopped() {
                break;
            }
            self.node(prepared, other, &baskets, found, sink);
        }
        for &other in &self.pex[mark..] {
            self.perfect[other as usize] = false;
        }
        self.pex.truncate(mark);
        self.prefix.pop();
    }
}

fn run<T: Tids>(
    top: Vec<Extension<T>>,
    prepared: &Prepared,
    bounds: Bounds,
    budget: &Budget<'_>,
    runner: &Runner,
) -> Result<Vec<Part>> {
    let context = Context {
        min_count: prepared.min_count,
    };
    run_branches(
        top.len(),
        prepared,
        bounds,
        budget,
        runner,
        || (Vec::new(), Vec::new()),
        |(prefix, pex), sink, i| context.node(&top, i, prefix, pex, sink),
    )
}

struct Context {
    min_count: u32,
}

impl Context {
    fn node<T: Tids>(
        &self,
        extensions: &[Extension<T>],
        i: usize,
        prefix: &mut Vec<u32>,
        pex: &mut Vec<u32>,
        sink: &mut Sink<'_>,
    ) {
        let head = &extensions[i];
        prefix.push(head.item);
        let mark = pex.len();
        let mut children = Vec::new();
        let deeper = prefix.len() < sink.max_len();
        let mut scratch = T::empty();
        // At the size limit, neither children nor perfect extensions can add a reported set.
        for other in extensions[i + 1..].iter().filter(|_| deeper) {
            let count = head.tids.intersect(&other.tids, &mut scratch);
            if count == head.count {
                pex.push(other.item);
            } else if count >= self.min_count {
                children.push(Extension {
                    item: other.item,
                    tids: std::mem::replace(&mut scratch, T::empty()),
                    count,
                });
            }
        }
        sink.emit(prefix, pex, head.count);
        for c in 0..children.len() {
            if sink.stopped() {
                break;
            }
            self.node(&children, c, prefix, pex, sink);
        }
        pex.truncate(mark);
        prefix.pop();
    }
}
