//! Product affinity: item x item co-occurrence, confidence and lift for the top items, and the
//! "actionable pairs" of the product-affinity method.
//!
//! The matrices are dense (`ndarray`), for the `n` most frequent items: one pass over the baskets
//! counts every pair of those items, in parallel chunks that are summed in order. Row `i`, column
//! `j` of [`Affinity::confidence`] is `P(j | i)`; lift is symmetric.
//!
//! ```
//! use upsell::data::Baskets;
//! use upsell::rules::affinity;
//! let baskets = Baskets::from_arrays(vec![0, 1, 0, 1, 0, 2, 1], vec![0, 2, 4, 6, 7])?;
//! let a = affinity(&baskets, 3, None)?;
//! assert_eq!(a.items, vec![0, 1, 2]);
//! assert_eq!(a.counts[[0, 1]], 2);
//! assert_eq!(a.confidence[[2, 0]], 1.0);
//! # Ok::<(), upsell::Error>(())
//! ```

use ndarray::Array2;

use crate::data::{Baskets, ItemId};
use crate::parallel::Runner;
use crate::{Error, Result};

/// Co-occurrence of the top items.
#[derive(Debug, Clone, PartialEq)]
pub struct Affinity {
    /// The items of the rows and columns, most frequent first.
    pub items: Vec<ItemId>,
    /// Baskets holding each item.
    pub item_counts: Vec<u64>,
    /// Baskets holding both items (the diagonal: the item's own count).
    pub counts: Array2<u64>,
    /// `counts[i, j] / item_counts[i]`: how often `j` joins a basket with `i`.
    pub confidence: Array2<f64>,
    /// `confidence[i, j] / support(j)`: above 1, the pair sells together more than chance.
    pub lift: Array2<f64>,
    /// The number of baskets.
    pub baskets: u64,
}

/// One pair of the actionable-pairs table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pair {
    /// The more frequent item.
    pub a: ItemId,
    /// The other item.
    pub b: ItemId,
    /// Baskets holding both.
    pub count: u64,
    /// `count / baskets`.
    pub support: f64,
    /// `P(b | a)`.
    pub confidence_ab: f64,
    /// `P(a | b)`.
    pub confidence_ba: f64,
    /// Lift of the pair.
    pub lift: f64,
}

/// The affinity matrices of the `top` most frequent items of `baskets` (all items when fewer).
///
/// `threads`: worker threads, `None` for the crate default.
pub fn affinity(baskets: &Baskets, top: usize, threads: Option<usize>) -> Result<Affinity> {
    if top == 0 {
        return Err(Error::invalid_parameter("top", "must be at least 1"));
    }
    if top > 20_000 {
        return Err(Error::invalid_parameter("top", format!("{top} items make a {top}x{top} matrix; ask for at most 20000")));
    }
    let frequencies = baskets.item_frequencies();
    let mut order: Vec<ItemId> = (0..frequencies.len() as ItemId).filter(|&i| frequencies[i as usize] > 0).collect();
    order.sort_by(|&a, &b| frequencies[b as usize].cmp(&frequencies[a as usize]).then(a.cmp(&b)));
    order.truncate(top);
    let n = order.len();
    let mut slot = vec![u32::MAX; frequencies.len()];
    for (k, &item) in order.iter().enumerate() {
        slot[item as usize] = k as u32;
    }
    let runner = Runner::new(threads);
    let chunk = baskets.len().div_ceil(64).max(1);
    let parts = runner.map(baskets.len().div_ceil(chunk), Vec::new, |present: &mut Vec<u32>, c| {
        let mut counts = vec![0u64; n * n];
        for b in c * chunk..((c + 1) * chunk).min(baskets.len()) {
            present.clear();
            present.extend(baskets.get(b).unwrap_or_default().iter().map(|&i| slot[i as usize]).filter(|&s| s != u32::MAX));
            for (x, &i) in present.iter().enumerate() {
                counts[i as usize * n + i as usize] += 1;
                for &j in &present[x + 1..] {
                    counts[i as usize * n + j as usize] += 1;
                    counts[j as usize * n + i as usize] += 1;
                }
            }
        }
        counts
    });
    let mut counts = Array2::<u64>::zeros((n, n));
    for part in parts {
        for (total, value) in counts.iter_mut().zip(part) {
            *total += value;
        }
    }
    let total = baskets.len() as u64;
    let item_counts: Vec<u64> = order.iter().map(|&i| frequencies[i as usize]).collect();
    let confidence = Array2::from_shape_fn((n, n), |(i, j)| counts[[i, j]] as f64 / item_counts[i] as f64);
    let lift = Array2::from_shape_fn((n, n), |(i, j)| confidence[[i, j]] * total as f64 / item_counts[j] as f64);
    Ok(Affinity { items: order, item_counts, counts, confidence, lift, baskets: total })
}

impl Affinity {
    /// The pairs with support at least `min_support` and lift at least `min_lift`, by lift (highest
    /// first). The product-affinity method's defaults are 0.03 and 1.5.
    ///
    /// ```
    /// use upsell::data::Baskets;
    /// use upsell::rules::affinity;
    /// let baskets = Baskets::from_arrays(vec![0, 1, 0, 1, 2, 2], vec![0, 2, 4, 5, 6])?;
    /// let pairs = affinity(&baskets, 10, None)?.actionable_pairs(0.03, 1.5)?;
    /// assert_eq!((pairs[0].a, pairs[0].b, pairs[0].count), (0, 1, 2));
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn actionable_pairs(&self, min_support: f64, min_lift: f64) -> Result<Vec<Pair>> {
        if !(0.0..=1.0).contains(&min_support) {
            return Err(Error::invalid_parameter("min_support", format!("must be within [0, 1], got {min_support}")));
        }
        if !(min_lift >= 0.0 && min_lift.is_finite()) {
            return Err(Error::invalid_parameter("min_lift", format!("must be a finite number >= 0, got {min_lift}")));
        }
        let n = self.items.len();
        let mut pairs = Vec::new();
        for i in 0..n {
            for j in i + 1..n {
                let count = self.counts[[i, j]];
                let support = count as f64 / self.baskets.max(1) as f64;
                if count > 0 && support >= min_support && self.lift[[i, j]] >= min_lift {
                    pairs.push(Pair {
                        a: self.items[i],
                        b: self.items[j],
                        count,
                        support,
                        confidence_ab: self.confidence[[i, j]],
                        confidence_ba: self.confidence[[j, i]],
                        lift: self.lift[[i, j]],
                    });
                }
            }
        }
        pairs.sort_by(|p, q| q.lift.total_cmp(&p.lift).then(q.count.cmp(&p.count)).then((p.a, p.b).cmp(&(q.a, q.b))));
        Ok(pairs)
    }
}
