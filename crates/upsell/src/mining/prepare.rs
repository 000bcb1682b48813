//! The one view of the data that every miner reads.

use crate::data::{Baskets, ItemId};
use crate::{Error, Result};

/// Baskets reduced to what mining needs: only frequent items, renumbered `0..m` by descending
/// frequency ("codes"), each basket sorted ascending, baskets sorted and identical ones merged with a
/// weight (or, in [`Layout::AsGiven`], each basket as it came). Items present in every basket are
/// taken out as `universal`: they extend every itemset without changing its count, so miners never
/// see them and the sink adds them back.
pub(crate) struct Prepared {
    /// The absolute threshold.
    pub min_count: u32,
    /// The number of baskets, empty ones included.
    pub baskets: u64,
    /// Code -> the caller's item id.
    pub item_ids: Vec<ItemId>,
    /// Code -> its count, non-increasing (unless codes follow ids, see [`Prepared::for_group`]).
    pub item_counts: Vec<u32>,
    /// Codes of the items in every basket (a prefix of the codes).
    pub universal: Vec<u32>,
    /// How the baskets are laid out.
    pub layout: Layout,
    /// Merged baskets (codes ascending, without universal items), lexicographically sorted; in
    /// [`Layout::AsGiven`], the non-empty baskets in the caller's order, codes in any order.
    pub items: Vec<u32>,
    /// Where each merged basket starts in `items`, plus the end.
    pub offsets: Vec<usize>,
    /// How many original baskets each merged basket stands for.
    pub weights: Vec<u32>,
    /// The original basket with the most frequent items.
    widest: Widest,
    /// Code -> whether its top-level branch (the itemsets whose largest code it is) is mined;
    /// `None`: every branch.
    pub branches: Option<Vec<bool>>,
}

/// How [`Prepared`] lays out the baskets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    /// Codes ascending in each basket, baskets sorted and identical ones merged with a weight:
    /// what trees and occurrence lists need.
    Merged,
    /// Each non-empty basket as given, codes in any order, weight 1: for bitsets only, where a
    /// merged basket still takes one bit per basket it stands for, so sorting and merging buy
    /// nothing (on mushroom they were a third of the time of mining its maximal sets).
    AsGiven,
}

/// The size of the data a miner will see (frequent items other than universal ones), known
/// before the baskets are laid out: what the choice of a representation reads.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shape {
    /// Baskets holding at least one such item (at most that many, before the baskets are read).
    pub baskets: u64,
    pub items: usize,
    /// (basket, item) cells filled.
    pub filled: u64,
}

impl Shape {
    /// The share of cells filled.
    pub fn density(&self) -> f64 {
        if self.baskets == 0 || self.items == 0 {
            0.0
        } else {
            self.filled as f64 / (self.baskets as f64 * self.items as f64)
        }
    }
}

/// The original basket with the most frequent items (universal ones included), for limit
/// messages: the size of the largest basket bounds from below how much a run can produce.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Widest {
    /// Its 0-based index among the caller's baskets.
    pub index: usize,
    /// Its number of frequent items.
    pub items: usize,
}

impl Prepared {
    pub fn new(baskets: &Baskets, min_count: u64) -> Result<Self> {
        Self::build(baskets, min_count, false, |_| Layout::Merged)
    }

    /// [`Prepared::new`] in the layout that `choose` picks from the data's [`Shape`] (the total of
    /// baskets standing for those that hold a frequent item, which only the layout pass counts).
    pub fn with_layout(
        baskets: &Baskets,
        min_count: u64,
        choose: impl FnOnce(Shape) -> Layout,
    ) -> Result<Self> {
        Self::build(baskets, min_count, false, choose)
    }

    /// The view for mining one group (see [`super::group`]): codes follow the caller's ids (which
    /// rank items globally), so that a top-level branch holds the itemsets whose largest id is its
    /// item, and only the branches of items `in_group` are mined. No item is taken out as
    /// universal: that needs the universal items to be the first codes.
    pub fn for_group(
        baskets: &Baskets,
        min_count: u64,
        in_group: impl Fn(ItemId) -> bool,
    ) -> Result<Self> {
        let mut prepared = Self::build(baskets, min_count, true, |_| Layout::Merged)?;
        prepared.branches = Some(prepared.item_ids.iter().map(|&i| in_group(i)).collect());
        Ok(prepared)
    }

    /// Whether the top-level branch of `code` is mined.
    pub fn mines_branch(&self, code: usize) -> bool {
        self.branches.as_ref().is_none_or(|b| b[code])
    }

    /// With `by_id`, codes follow the caller's ids rather than descending frequency.
    fn build(
        baskets: &Baskets,
        min_count: u64,
        by_id: bool,
        choose: impl FnOnce(Shape) -> Layout,
    ) -> Result<Self> {
        let n = baskets.len() as u64;
        if n > u64::from(u32::MAX - 1) {
            return Err(Error::LimitExceeded {
                what: "baskets",
                limit: u64::from(u32::MAX - 1),
                hint: "mine a sample or partitions of the data".into(),
            });
        }
        let frequencies = baskets.item_frequencies();
        let mut frequent: Vec<ItemId> = (0..frequencies.len() as ItemId)
            .filter(|&i| frequencies[i as usize] >= min_count)
            .collect();
        if !by_id {
            frequent.sort_by(|&a, &b| {
                frequencies[b as usize]
                    .cmp(&frequencies[a as usize])
                    .then(a.cmp(&b))
            });
        }
        let mut code = vec![u32::MAX; frequencies.len()];
        for (c, &item) in frequent.iter().enumerate() {
            code[item as usize] = c as u32;
        }
        let item_counts: Vec<u32> = frequent
            .iter()
            .map(|&i| frequencies[i as usize] as u32)
            .collect();
        let universal_len = if by_id {
            0
        } else {
            item_counts
                .iter()
                .take_while(|&&c| u64::from(c) == n)
                .count() as u32
        };

        let shape = Shape {
            baskets: n,
            items: frequent.len() - universal_len as usize,
            filled: item_counts[universal_len as usize..]
                .iter()
                .map(|&c| u64::from(c))
                .sum(),
        };
        let layout = choose(shape);

        let mut items = crate::memory::with_capacity(baskets.items().len());
        let mut offsets = crate::memory::with_capacity(baskets.len() + 1);
        offsets.push(0);
        let mut widest = Widest::default();
        for (index, basket) in baskets.iter().enumerate() {
            let start = items.len();
            items.extend(
                basket
                    .iter()
                    .map(|&i| code[i as usize])
                    .filter(|&c| c != u32::MAX && c >= universal_len),
            );
            let width = items.len() - start + universal_len as usize;
            if width > widest.items {
                widest = Widest {
                    index,
                    items: width,
                };
            }
            if items.len() > start {
                if layout == Layout::Merged {
                    sort_distinct(&mut items[start..]);
                }
                offsets.push(items.len());
            }
        }
        let common = Prepared {
            min_count: min_count.min(u64::from(u32::MAX)) as u32,
            baskets: n,
            item_ids: frequent,
            item_counts,
            universal: (0..universal_len).collect(),
            layout,
            items: Vec::new(),
            offsets: Vec::new(),
            weights: Vec::new(),
            widest,
            branches: None,
        };
        if layout == Layout::AsGiven {
            let weights = vec![1; offsets.len() - 1];
            return Ok(Prepared {
                items,
                offsets,
                weights,
                ..common
            });
        }
        let basket = |k: usize| &items[offsets[k]..offsets[k + 1]];
        let order = lexicographic_order(common.item_count(), offsets.len() - 1, basket);
        let mut merged = crate::memory::with_capacity(items.len());
        let mut merged_offsets = crate::memory::with_capacity(offsets.len());
        merged_offsets.push(0);
        let mut weights: Vec<u32> = crate::memory::with_capacity(offsets.len() - 1);
        for &b in &order {
            let b = basket(b as usize);
            // Equal baskets are adjacent: compare with the one just copied (still in cache).
            let n = merged_offsets.len();
            if n > 1 && merged[merged_offsets[n - 2]..] == *b {
                if let Some(w) = weights.last_mut() {
                    *w += 1;
                }
                continue;
            }
            merged.extend_from_slice(b);
            merged_offsets.push(merged.len());
            weights.push(1);
        }
        Ok(Prepared {
            items: merged,
            offsets: merged_offsets,
            weights,
            ..common
        })
    }

    /// The caller's basket with the most frequent items.
    pub fn widest(&self) -> Widest {
        self.widest
    }

    /// The most items of a merged basket that stands for at least `min_count` baskets, universal
    /// items included: every subset of such a basket is frequent, whatever the rest of the data.
    pub fn surely_frequent_width(&self) -> usize {
        let widest = (0..self.len())
            .filter(|&k| self.weights[k] >= self.min_count)
            .map(|k| self.basket(k).len())
            .max()
            .unwrap_or(0);
        widest + self.universal.len()
    }

    /// The number of frequent items (codes), universal ones included.
    pub fn item_count(&self) -> usize {
        self.item_counts.len()
    }

    /// The first code that miners see (codes below are universal).
    pub fn first_code(&self) -> u32 {
        self.universal.len() as u32
    }

    /// Merged basket `k`.
    pub fn basket(&self, k: usize) -> &[u32] {
        &self.items[self.offsets[k]..self.offsets[k + 1]]
    }

    /// Item (code) -> the merged baskets that hold it, ascending.
    pub fn baskets_by_item(&self) -> Vec<Vec<u32>> {
        let mut lists = vec![Vec::new(); self.item_count()];
        for k in 0..self.len() {
            for &item in self.basket(k) {
                lists[item as usize].push(k as u32);
            }
        }
        lists
    }

    /// The data's [`Shape`] as laid out.
    pub fn shape(&self) -> Shape {
        Shape {
            baskets: self.weights.iter().map(|&w| u64::from(w)).sum(),
            items: self.item_count() - self.universal.len(),
            filled: (0..self.len())
                .map(|k| self.basket(k).len() as u64 * u64::from(self.weights[k]))
                .sum(),
        }
    }

    /// The number of merged baskets.
    pub fn len(&self) -> usize {
        self.weights.len()
    }

    /// Whether items fill a large share of every basket: vertical bitsets then beat trees.
    pub fn is_dense(&self) -> bool {
        let items = (self.item_count() - self.universal.len()).max(1);
        let density = self.items.len() as f64 / (self.len().max(1) as f64 * items as f64);
        density >= 0.1 && self.weights.iter().all(|&w| w == 1)
    }
}

/// Sorts distinct values: a basket's codes here, an itemset's ids in the sink. Baskets read from
/// a file arrive sorted already; others (from Python lists, say) in id order, which is not
/// frequency order, and miners hand over itemsets in any order. Short slices are sorted with no
/// branch on the data, where insertion sort mispredicts about once per value: two or three by
/// compare-and-swap (most itemsets of sparse data), up to 16 by rank, each value counting the
/// values below it in a fixed-size block.
pub(super) fn sort_distinct(values: &mut [u32]) {
    const BLOCK: usize = 16;
    let swap = |values: &mut [u32], i: usize, j: usize| {
        let (a, b) = (values[i], values[j]);
        (values[i], values[j]) = (a.min(b), a.max(b));
    };
    match values.len() {
        0 | 1 => {}
        2 => swap(values, 0, 1),
        3 => {
            swap(values, 0, 1);
            swap(values, 1, 2);
            swap(values, 0, 1);
        }
        _ if values.is_sorted() => {}
        n if n > BLOCK => values.sort_unstable(),
        n => {
            let mut block = [u32::MAX; BLOCK];
            block[..n].copy_from_slice(values);
            for &value in &block[..n] {
                let rank = block.iter().filter(|&&other| other < value).count();
                values[rank] = value;
            }
        }
    }
}

/// The order of baskets `0..count` (non-empty, codes ascending, each below `codes`) that sorts
/// them lexicographically: a counting sort by the first code, then [`sort_from`] within each
/// first code.
fn lexicographic_order<'a>(
    codes: usize,
    count: usize,
    basket: impl Fn(usize) -> &'a [u32],
) -> Vec<u32> {
    let mut starts = vec![0usize; codes + 1];
    for k in 0..count {
        starts[basket(k)[0] as usize + 1] += 1;
    }
    for c in 1..starts.len() {
        starts[c] += starts[c - 1];
    }
    let mut order = crate::memory::filled(count, 0u32);
    let mut cursor = starts.clone();
    for k in 0..count {
        let slot = &mut cursor[basket(k)[0] as usize];
        order[*slot] = k as u32;
        *slot += 1;
    }
    for bucket in starts.windows(2) {
        if bucket[1] - bucket[0] > 1 {
            sort_from(&mut order[bucket[0]..bucket[1]], 1, &basket);
        }
    }
    order
}

/// Sorts baskets that share their first `depth` codes: by the next two codes packed into one
/// integer (an ended basket's missing code is 0, first), then each run that shares those too, two
/// codes further. Each basket is read once per step rather than once per comparison.
fn sort_from<'a>(order: &mut [u32], depth: usize, basket: &impl Fn(usize) -> &'a [u32]) {
    let mut keyed: Vec<(u64, u32)> = order
        .iter()
        .map(|&b| {
            let codes = basket(b as usize);
            let code = |i: usize| codes.get(i).map_or(0, |&c| u64::from(c) + 1);
            (code(depth) << 32 | code(depth + 1), b)
        })
        .collect();
    // Ties need no order: they are sorted further below, or are equal baskets (merged).
    keyed.sort_unstable_by_key(|&(key, _)| key);
    for (slot, &(_, b)) in order.iter_mut().zip(&keyed) {
        *slot = b;
    }
    let mut start = 0;
    for end in 1..=keyed.len() {
        if end == keyed.len() || keyed[end].0 != keyed[start].0 {
            // Baskets that ended within these two codes are equal: nothing left to order.
            if end - start > 1 && keyed[start].0 & u64::from(u32::MAX) != 0 {
                sort_from(&mut order[start..end], depth + 2, basket);
            }
            start = end;
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn sort_distinct_sorts_like_the_standard_sort(
            set in prop::collection::hash_set(0u32..64, 0..40),
        ) {
            // A HashSet iterates in no particular order: shuffled distinct values, every length
            // from compare-and-swap through rank placement to the general sort.
            let mut codes: Vec<u32> = set.into_iter().collect();
            let mut expected = codes.clone();
            expected.sort_unstable();
            super::sort_distinct(&mut codes);
            prop_assert_eq!(codes, expected);
        }
    }
}
