//! The count of any subset of a mined itemset, exactly.
//!
//! From all frequent itemsets, a subset's count is a hash lookup. From closed itemsets, a subset's
//! count is the count of its closure, which is the largest count among the closed sets containing
//! it; an inverted index (item -> closed sets holding it) answers that by intersecting short lists.
//! Maximal itemsets do not determine their subsets' counts, so rules refuse them.

use rustc_hash::FxHashMap;

use crate::data::ItemId;
use crate::mining::{Itemsets, Target};
use crate::{Error, Result};

/// Counts of itemsets and of their subsets.
pub(crate) struct SupportIndex<'a> {
    sets: &'a Itemsets,
    exact: FxHashMap<&'a [ItemId], u64>,
    /// For closed itemsets: for every item, the indices of the sets holding it, ascending.
    holders: Option<Vec<Vec<u32>>>,
}

impl<'a> SupportIndex<'a> {
    pub(crate) fn new(sets: &'a Itemsets) -> Result<Self> {
        let holders = match sets.target() {
            Target::All => None,
            Target::Closed => {
                let width = sets
                    .items()
                    .iter()
                    .map(|&i| i as usize + 1)
                    .max()
                    .unwrap_or(0);
                let mut holders = vec![Vec::new(); width];
                for (k, (set, _)) in sets.iter().enumerate() {
                    for &item in set {
                        holders[item as usize].push(k as u32);
                    }
                }
                Some(holders)
            }
            _ => {
                return Err(Error::invalid_parameter(
                    "itemsets",
                    "rules need all frequent itemsets or the closed ones: maximal itemsets do not \
                     determine the supports of their subsets; mine with target all or closed",
                ));
            }
        };
        let exact = sets.iter().collect();
        Ok(SupportIndex {
            sets,
            exact,
            holders,
        })
    }

    /// The count of `set` (sorted), or an error naming the set when the itemsets lack it.
    pub(crate) fn count(&self, set: &[ItemId]) -> Result<u64> {
        if let Some(&count) = self.exact.get(set) {
            return Ok(count);
        }
        if let Some(holders) = &self.holders {
            if let Some(count) = self.closure_count(holders, set) {
                return Ok(count);
            }
        }
        Err(Error::invalid_input(
            crate::Location::memory(),
            format!(
                "the itemsets lack the subset {set:?} of a rule, so its support is unknown; \
                 pass every frequent itemset (min_len 1, target all) or the closed ones"
            ),
        ))
    }

    fn closure_count(&self, holders: &[Vec<u32>], set: &[ItemId]) -> Option<u64> {
        let mut lists: Vec<&[u32]> = Vec::with_capacity(set.len());
        for &item in set {
            lists.push(holders.get(item as usize)?.as_slice());
        }
        lists.sort_unstable_by_key(|l| l.len());
        let (first, rest) = lists.split_first()?;
        let counts = self.sets.counts();
        first
            .iter()
            .filter(|k| rest.iter().all(|l| l.binary_search(k).is_ok()))
            .map(|&k| counts[k as usize])
            .max()
    }
}
