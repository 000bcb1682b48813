//! Mining split into independent groups of items, for several processes or machines (parallel
//! FP-growth, Li et al. 2008), with the same result as one [`super::mine`].
//!
//! The one idea: number items by global rank (0 the most frequent, after one counting pass over
//! all baskets), deal them to groups, and give every itemset to the group of its largest item.
//! A basket sends each group it touches its prefix up to that group's last item: that prefix holds
//! every itemset of the basket whose largest item is in the group, so the group counts them
//! exactly from its own baskets, and no two groups report the same itemset. The groups' results
//! are simply concatenated.
//!
//! ```
//! use upsell::data::Baskets;
//! use upsell::mining::{mine, mine_group, Groups, MinSupport, MiningOptions};
//! // Items already ranked: 0 is the most frequent.
//! let baskets = Baskets::from_arrays(vec![0, 1, 2, 0, 1, 0, 2, 1, 3], vec![0, 3, 5, 7, 9])?;
//! let options = MiningOptions::new(MinSupport::count(2));
//! let groups = Groups::new(2)?;
//! let routed = groups.route(&baskets);
//! let mut found = Vec::new();
//! for group in 0..groups.len() as u32 {
//!     let sets = mine_group(&routed.baskets_of(group), &groups, group, &options)?;
//!     found.extend(sets.iter().map(|(s, c)| (s.to_vec(), c)));
//! }
//! found.sort();
//! let mut whole: Vec<_> = mine(&baskets, &options)?.iter().map(|(s, c)| (s.to_vec(), c)).collect();
//! whole.sort();
//! assert_eq!(found, whole);
//! # Ok::<(), upsell::Error>(())
//! ```

use super::prepare::Prepared;
use super::{
    Algorithm, Itemsets, MinSupport, MiningOptions, Target, apriori, eclat, fpgrowth, sink,
};
use crate::data::{BasketBuilder, Baskets, ItemId};
use crate::{Control, Error, Result};

/// How ranked items are dealt to groups: item `i` goes to group `i % len`, so that each group
/// gets frequent and rare items alike and the work is spread evenly.
///
/// ```
/// use upsell::mining::Groups;
/// let groups = Groups::new(3)?;
/// assert_eq!((groups.of(0), groups.of(4), groups.len()), (0, 1, 3));
/// assert!(Groups::new(0).is_err());
/// # Ok::<(), upsell::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Groups {
    len: u32,
}

impl Groups {
    /// `len` groups (at least 1).
    pub fn new(len: usize) -> Result<Self> {
        match u32::try_from(len) {
            Ok(len) if len >= 1 => Ok(Groups { len }),
            _ => Err(Error::invalid_parameter(
                "groups",
                format!("must be between 1 and {}, got {len}", u32::MAX),
            )),
        }
    }

    /// The number of groups.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Always false: there is at least one group.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The group of the item ranked `item`.
    pub fn of(&self, item: ItemId) -> u32 {
        item % self.len
    }

    /// What each basket (items ranked, as ids) sends to each group: for every group holding one
    /// of its items, the basket's prefix up to the last of them.
    ///
    /// ```
    /// use upsell::data::Baskets;
    /// use upsell::mining::Groups;
    /// let routed = Groups::new(2)?.route(&Baskets::from_arrays(vec![0, 1, 2], vec![0, 3])?);
    /// assert_eq!(routed.groups(), &[0, 1]);
    /// assert_eq!(routed.baskets().get(0), Some(&[0, 1, 2][..]));
    /// assert_eq!(routed.baskets().get(1), Some(&[0, 1][..]));
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn route(&self, baskets: &Baskets) -> Routed {
        let mut seen = vec![false; self.len()];
        let mut touched = Vec::new();
        let mut groups = Vec::new();
        let mut builder = BasketBuilder::default();
        let mut prefix = Vec::new();
        for basket in baskets.iter() {
            for (end, &item) in basket.iter().enumerate().rev() {
                let group = self.of(item);
                if !seen[group as usize] {
                    seen[group as usize] = true;
                    touched.push(group);
                    groups.push(group);
                    prefix.clear();
                    prefix.extend_from_slice(&basket[..=end]);
                    builder.push(&mut prefix);
                }
            }
            for group in touched.drain(..) {
                seen[group as usize] = false;
            }
        }
        Routed {
            groups,
            baskets: builder.finish_with_items(baskets.item_count()),
        }
    }
}

/// Baskets bound for groups (see [`Groups::route`]): basket `k` goes to group `groups()[k]`.
#[derive(Debug, Default)]
pub struct Routed {
    groups: Vec<u32>,
    baskets: Baskets,
}

impl Routed {
    /// Each basket's group.
    pub fn groups(&self) -> &[u32] {
        &self.groups
    }

    /// The baskets, in the order of [`Routed::groups`].
    pub fn baskets(&self) -> &Baskets {
        &self.baskets
    }

    /// The baskets and their groups, handed over without copying.
    pub fn into_parts(self) -> (Vec<u32>, Baskets) {
        (self.groups, self.baskets)
    }

    /// The baskets bound for `group`, in order.
    pub fn baskets_of(&self, group: u32) -> Baskets {
        let mut builder = BasketBuilder::default();
        let mut basket = Vec::new();
        for (k, &g) in self.groups.iter().enumerate() {
            if g == group {
                basket.clear();
                basket.extend_from_slice(self.baskets.get(k).unwrap_or_default());
                builder.push(&mut basket);
            }
        }
        builder.finish_with_items(self.baskets.item_count())
    }
}

/// Mines one group's baskets (as [`Groups::route`] made them), keeping the itemsets whose largest
/// item belongs to `group`; their counts are the global counts.
///
/// `options.min_support` must be a count (the global threshold: a fraction would apply to the
/// group's baskets only) and `options.target` [`Target::All`]: whether a set is closed or maximal
/// depends on supersets in other groups.
pub fn mine_group(
    baskets: &Baskets,
    groups: &Groups,
    group: u32,
    options: &MiningOptions,
) -> Result<Itemsets> {
    mine_group_with(baskets, groups, group, options, &Control::default())
}

/// [`mine_group`], reporting progress to and polling cancellation from `control`.
///
/// ```
/// use upsell::data::Baskets;
/// use upsell::mining::{mine_group, Groups, MinSupport, MiningOptions};
/// let baskets = Baskets::from_arrays(vec![0, 1, 0, 1], vec![0, 2, 4])?;
/// let groups = Groups::new(2)?;
/// let options = MiningOptions::new(MinSupport::count(2));
/// let sets = mine_group(&baskets, &groups, 1, &options)?;
/// // Item 0 belongs to group 0: only the sets ending in item 1 are group 1's.
/// assert_eq!(sets.iter().map(|(s, c)| (s.to_vec(), c)).collect::<Vec<_>>(), [(vec![1], 2), (vec![0, 1], 2)]);
/// assert!(mine_group(&baskets, &groups, 2, &options).is_err());
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn mine_group_with(
    baskets: &Baskets,
    groups: &Groups,
    group: u32,
    options: &MiningOptions,
    control: &Control,
) -> Result<Itemsets> {
    options.validate()?;
    if group >= groups.len {
        return Err(Error::invalid_parameter(
            "group",
            format!("{group} is not below the number of groups ({})", groups.len),
        ));
    }
    if options.target != Target::All {
        return Err(Error::invalid_parameter(
            "target",
            "a group mines every frequent itemset; closed and maximal sets are decided across groups",
        ));
    }
    let MinSupport::Count(_) = options.min_support else {
        return Err(Error::invalid_parameter(
            "min_support",
            "a group needs the global threshold as a count, not a fraction of its own baskets",
        ));
    };
    let min_count = options.min_support.to_count(baskets.len() as u64)?;
    control.check()?;
    let bounds = sink::Bounds {
        min_len: options.min_len,
        max_len: options.max_len.unwrap_or(usize::MAX),
    };
    let in_group = |item: ItemId| groups.of(item) == group;
    let prepared = Prepared::for_group(baskets, min_count, in_group)?;
    let budget = sink::Budget::new(options.max_itemsets, options.max_memory, prepared.widest(), control);
    let runner = crate::parallel::Runner::new(options.threads);
    let parts = match options.algorithm {
        // Level-wise mining has no branch per largest item: filter its output instead.
        Algorithm::Apriori => apriori::mine(&prepared, bounds, &budget, &runner),
        Algorithm::Eclat => eclat::mine(&prepared, bounds, &budget, &runner),
        Algorithm::Auto if prepared.is_dense() => eclat::mine(&prepared, bounds, &budget, &runner),
        _ => fpgrowth::mine(&prepared, bounds, &budget, &runner),
    }?;
    let itemsets = sink::assemble(parts, baskets.len() as u64, min_count);
    Ok(match options.algorithm {
        Algorithm::Apriori => itemsets.retain(|set| set.last().is_some_and(|&i| in_group(i))),
        _ => itemsets,
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::mining::{MinSupport, mine};

    fn sorted(itemsets: impl IntoIterator<Item = (Vec<ItemId>, u64)>) -> Vec<(Vec<ItemId>, u64)> {
        let mut found: Vec<_> = itemsets.into_iter().collect();
        found.sort();
        found
    }

    proptest! {
        #[test]
        fn groups_together_find_what_one_miner_finds(
            baskets in prop::collection::vec(prop::collection::vec(0u32..12, 0..8), 1..40),
            groups in 1usize..6,
            min_count in 1u64..4,
            algorithm in prop::sample::select(vec![Algorithm::Auto, Algorithm::FpGrowth, Algorithm::Eclat, Algorithm::Apriori]),
        ) {
            let mut builder = BasketBuilder::default();
            for mut basket in baskets {
                builder.push(&mut basket);
            }
            let baskets = builder.finish();
            let options = MiningOptions { algorithm, threads: Some(2), ..MiningOptions::new(MinSupport::count(min_count)) };
            let groups = Groups::new(groups)?;
            let routed = groups.route(&baskets);
            let mut found = Vec::new();
            for group in 0..groups.len() as u32 {
                let sets = mine_group(&routed.baskets_of(group), &groups, group, &options)?;
                found.extend(sets.iter().map(|(s, c)| (s.to_vec(), c)));
            }
            let whole = mine(&baskets, &options)?;
            prop_assert_eq!(sorted(found), sorted(whole.iter().map(|(s, c)| (s.to_vec(), c))));
        }
    }

    #[test]
    fn a_fraction_or_a_derived_target_is_refused() -> Result<()> {
        let baskets = Baskets::from_arrays(vec![0, 1], vec![0, 2])?;
        let groups = Groups::new(1)?;
        let fraction = MiningOptions::new(MinSupport::fraction(0.5)?);
        assert!(mine_group(&baskets, &groups, 0, &fraction).is_err());
        let closed = MiningOptions {
            target: Target::Closed,
            ..MiningOptions::new(MinSupport::count(1))
        };
        assert!(mine_group(&baskets, &groups, 0, &closed).is_err());
        Ok(())
    }
}
