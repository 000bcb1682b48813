//! Eclat: depth-first search over vertical data, intersecting the baskets that hold each item.
//!
//! Sparse data keeps sorted basket-id lists (with the merged baskets' weights); dense data with no
//! merged baskets keeps bitsets, where an intersection is a word-wise AND and a popcount. Items that
//! keep the prefix's count are taken out as perfect extensions, as in FP-growth.

use super::prepare::Prepared;
use super::sink::{Bounds, Budget, Part, Sink};
use crate::Result;
use crate::parallel::Runner;

/// A set of basket ids and the operations Eclat needs on it.
trait Tids: Sized + Send + Sync {
    /// `self ∩ other` into `out`, returning the weighted count of `out`.
    fn intersect(&self, other: &Self, out: &mut Self, weights: &[u32]) -> u32;
    fn empty() -> Self;
}

impl Tids for Vec<u32> {
    fn intersect(&self, other: &Self, out: &mut Self, weights: &[u32]) -> u32 {
        out.clear();
        let (mut i, mut j, mut count) = (0, 0, 0u32);
        while i < self.len() && j < other.len() {
            let (a, b) = (self[i], other[j]);
            if a < b {
                i += 1;
            } else if a > b {
                j += 1;
            } else {
                out.push(a);
                count += weights[a as usize];
                i += 1;
                j += 1;
            }
        }
        count
    }

    fn empty() -> Self {
        Vec::new()
    }
}

/// A bitset; only used when every weight is 1, so a popcount is the count.
struct Bits(Vec<u64>);

impl Tids for Bits {
    fn intersect(&self, other: &Self, out: &mut Self, _weights: &[u32]) -> u32 {
        out.0.clear();
        out.0.extend(self.0.iter().zip(&other.0).map(|(a, b)| a & b));
        out.0.iter().map(|w| w.count_ones()).sum()
    }

    fn empty() -> Self {
        Bits(Vec::new())
    }
}

struct Extension<T> {
    item: u32,
    tids: T,
    count: u32,
}

pub(crate) fn mine(prepared: &Prepared, bounds: Bounds, budget: &Budget<'_>, runner: &Runner) -> Result<Vec<Part>> {
    let items = prepared.item_count();
    let first = prepared.first_code() as usize;
    let mut lists: Vec<Vec<u32>> = vec![Vec::new(); items];
    for k in 0..prepared.len() {
        for &item in prepared.basket(k) {
            lists[item as usize].push(k as u32);
        }
    }
    // Rarest first: each item is extended by the more frequent items after it.
    let order: Vec<usize> = (first..items).rev().collect();
    if prepared.is_dense() {
        let words = prepared.len().div_ceil(64);
        let top = order
            .iter()
            .map(|&i| {
                let mut bits = vec![0u64; words];
                for &t in &lists[i] {
                    bits[t as usize / 64] |= 1 << (t % 64);
                }
                Extension { item: i as u32, tids: Bits(bits), count: prepared.item_counts[i] }
            })
            .collect();
        run(top, prepared, bounds, budget, runner)
    } else {
        let top = order
            .iter()
            .map(|&i| Extension { item: i as u32, tids: std::mem::take(&mut lists[i]), count: prepared.item_counts[i] })
            .collect();
        run(top, prepared, bounds, budget, runner)
    }
}

fn run<T: Tids>(
    top: Vec<Extension<T>>,
    prepared: &Prepared,
    bounds: Bounds,
    budget: &Budget<'_>,
    runner: &Runner,
) -> Result<Vec<Part>> {
    let mut universal = Sink::new(prepared, bounds, budget);
    universal.emit_universal(prepared.baskets);
    let mut parts = vec![universal.finish()];
    budget.branches(top.len() as u64);
    let context = Context { weights: &prepared.weights, min_count: prepared.min_count };
    parts.extend(runner.map(
        top.len(),
        || (Vec::new(), Vec::new()),
        |(prefix, pex), i| {
            let mut sink = Sink::new(prepared, bounds, budget);
            if !sink.stopped() {
                context.node(&top, i, prefix, pex, &mut sink);
            }
            budget.branch_done();
            sink.finish()
        },
    ));
    budget.finish()?;
    Ok(parts)
}

struct Context<'a> {
    weights: &'a [u32],
    min_count: u32,
}

impl Context<'_> {
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
            let count = head.tids.intersect(&other.tids, &mut scratch, self.weights);
            if count == head.count {
                pex.push(other.item);
            } else if count >= self.min_count {
                children.push(Extension { item: other.item, tids: std::mem::replace(&mut scratch, T::empty()), count });
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
