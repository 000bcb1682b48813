//! The reference miner: counts every subset of every basket. Exponential in basket size, so it is
//! only for checking the real miners on small data; it refuses baskets with more than
//! [`MAX_BASKET`] frequent items.

use rustc_hash::FxHashMap;

use super::{Itemsets, MiningOptions, Target};
use crate::data::{Baskets, ItemId};
use crate::{Error, Result};

/// The largest number of frequent items one basket may have.
pub const MAX_BASKET: usize = 20;

/// Mines by brute force, honouring the options' support, target and length bounds (but not
/// threads or budget). Itemsets come sorted canonically.
///
/// ```
/// use upsell::data::Baskets;
/// use upsell::mining::{naive, MinSupport, MiningOptions};
/// let baskets = Baskets::from_arrays(vec![0, 1, 0], vec![0, 2, 3])?;
/// let itemsets = naive::mine(&baskets, &MiningOptions::new(MinSupport::count(1)))?;
/// assert_eq!(itemsets.len(), 3);
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn mine(baskets: &Baskets, options: &MiningOptions) -> Result<Itemsets> {
    options.validate()?;
    let n = baskets.len() as u64;
    let min_count = options.min_support.to_count(n)?;
    let frequencies = baskets.item_frequencies();
    let mut counts: FxHashMap<Vec<ItemId>, u64> = FxHashMap::default();
    for basket in baskets.iter() {
        let frequent: Vec<ItemId> = basket
            .iter()
            .copied()
            .filter(|&i| frequencies[i as usize] >= min_count)
            .collect();
        if frequent.len() > MAX_BASKET {
            return Err(Error::LimitExceeded {
                what: "frequent items in one basket (naive miner)",
                limit: MAX_BASKET as u64,
                hint: "use a real algorithm".into(),
            });
        }
        for mask in 1u32..(1 << frequent.len()) {
            let subset: Vec<ItemId> = (0..frequent.len())
                .filter(|b| mask >> b & 1 == 1)
                .map(|b| frequent[b])
                .collect();
            *counts.entry(subset).or_insert(0) += 1;
        }
    }
    counts.retain(|_, &mut c| c >= min_count);
    let keep = |set: &Vec<ItemId>, count: u64| -> bool {
        let supersets = || {
            (0..frequencies.len() as ItemId)
                .filter(|i| !set.contains(i))
                .filter_map(|i| {
                    let mut bigger = set.clone();
                    bigger.push(i);
                    bigger.sort_unstable();
                    counts.get(&bigger).copied()
                })
        };
        match options.target {
            Target::All => true,
            Target::Closed => supersets().all(|c| c < count),
            Target::Maximal => supersets().next().is_none(),
        }
    };
    let max_len = options.max_len.unwrap_or(usize::MAX);
    let mut found: Vec<(&Vec<ItemId>, u64)> = counts
        .iter()
        .filter(|(s, _)| s.len() >= options.min_len && s.len() <= max_len)
        .filter(|(s, c)| keep(s, **c))
        .map(|(s, &c)| (s, c))
        .collect();
    found.sort_unstable_by(|a, b| a.0.len().cmp(&b.0.len()).then_with(|| a.0.cmp(b.0)));
    let mut items = Vec::new();
    let mut offsets = vec![0];
    let mut result_counts = Vec::new();
    for (set, count) in found {
        items.extend_from_slice(set);
        offsets.push(items.len());
        result_counts.push(count);
    }
    Ok(
        Itemsets::from_parts(items, offsets, result_counts, n, min_count)
            .with_target(options.target),
    )
}
