//! Frequent itemset mining: FP-growth, Eclat and Apriori over the same prepared data, with the same
//! output, exactly.
//!
//! The one idea: every miner reads one `prepare::Prepared` view (infrequent items dropped, items
//! renumbered by descending frequency, identical baskets merged with a weight) and writes through one
//! `sink::Sink` that enforces the budget and polls for cancellation. Thresholds are integer counts,
//! converted exactly from fractions, so no float comparison ever decides whether a set is frequent.
//! Top-level branches (one per frequent item) are independent: they run in parallel and are
//! concatenated in item order, so the output never depends on the thread count.
//!
//! Closed and maximal itemsets are mined directly, by closure extension (`closed.rs`, after LCM),
//! whatever the algorithm asked for: their cost follows the closed sets, not the frequent sets
//! between them, which on dense data are orders of magnitude more. Every option applies to them as
//! to all itemsets: `min_len` and `max_len` select the closed (maximal) sets of those sizes.
//!
//! ```
//! use upsell::data::Baskets;
//! use upsell::mining::{mine, MinSupport, MiningOptions};
//! let baskets = Baskets::from_arrays(vec![0, 1, 0, 1, 2, 1, 2], vec![0, 2, 5, 7])?;
//! let options = MiningOptions::new(MinSupport::count(2));
//! let itemsets = mine(&baskets, &options)?;
//! let mut found: Vec<(Vec<u32>, u64)> = itemsets.iter().map(|(s, c)| (s.to_vec(), c)).collect();
//! found.sort();
//! assert_eq!(found, [(vec![0], 2), (vec![0, 1], 2), (vec![1], 3), (vec![1, 2], 2), (vec![2], 2)]);
//! # Ok::<(), upsell::Error>(())
//! ```

mod apriori;
mod closed;
mod eclat;
mod fpgrowth;
mod group;
pub mod naive;
mod prepare;
mod sink;
mod support;

pub use group::{Groups, Routed, mine_group, mine_group_with};
pub use support::MinSupport;

use crate::data::{Baskets, ItemId};
use crate::{Control, Error, Result};

/// Which mining algorithm to run. Every algorithm returns the same itemsets and counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Algorithm {
    /// Chosen from the data's density: Eclat on bitsets for dense data, FP-growth otherwise.
    #[default]
    Auto,
    /// FP-growth on a prefix tree, with perfect-extension pruning and single-path enumeration.
    FpGrowth,
    /// Depth-first vertical mining on transaction-id lists (sparse) or bitsets (dense).
    Eclat,
    /// Level-wise candidate generation, counted by intersecting the basket lists of the two
    /// frequent sets each candidate joins.
    Apriori,
}

impl std::str::FromStr for Algorithm {
    type Err = Error;

    /// ```
    /// use upsell::mining::Algorithm;
    /// assert_eq!("fpgrowth".parse::<Algorithm>()?, Algorithm::FpGrowth);
    /// # Ok::<(), upsell::Error>(())
    /// ```
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().replace(['-', '_'], "").as_str() {
            "auto" => Ok(Algorithm::Auto),
            "fpgrowth" => Ok(Algorithm::FpGrowth),
            "eclat" => Ok(Algorithm::Eclat),
            "apriori" => Ok(Algorithm::Apriori),
            _ => Err(Error::invalid_parameter(
                "algorithm",
                format!("'{s}' is not one of auto, fpgrowth, eclat, apriori"),
            )),
        }
    }
}

/// Which itemsets to report. Closed and maximal sets are mined directly (by closure extension,
/// with bitsets on dense data), whichever [`Algorithm`] is chosen; with `min_len` / `max_len` they
/// are the closed (maximal) sets of those sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Target {
    /// Every frequent itemset.
    #[default]
    All,
    /// Frequent itemsets with no superset of the same support.
    Closed,
    /// Frequent itemsets with no frequent superset.
    Maximal,
}

impl std::str::FromStr for Target {
    type Err = Error;

    /// ```
    /// use upsell::mining::Target;
    /// assert_eq!("closed".parse::<Target>()?, Target::Closed);
    /// # Ok::<(), upsell::Error>(())
    /// ```
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "all" | "frequent" => Ok(Target::All),
            "closed" => Ok(Target::Closed),
            "maximal" => Ok(Target::Maximal),
            _ => Err(Error::invalid_parameter(
                "target",
                format!("'{s}' is not one of all, closed, maximal"),
            )),
        }
    }
}

/// The default [`MiningOptions::max_itemsets`]: far above any useful result, far below running
/// out of memory on an ordinary machine (about 2 GB of results).
pub const DEFAULT_MAX_ITEMSETS: u64 = 50_000_000;

/// The default [`MiningOptions::max_memory`]: half of the machine's physical memory (4 GiB where
/// the system does not say), so that a result too large for the machine stops with
/// [`Error::LimitExceeded`] instead of the allocator aborting the process.
///
/// ```
/// assert!(upsell::mining::default_max_memory() >= 1 << 20);
/// ```
pub fn default_max_memory() -> u64 {
    crate::memory::physical().map_or(4 << 30, |bytes| bytes / 2)
}

/// A memory budget as a person writes it: bytes, or a number with a suffix K, M, G or T (powers
/// of 1024; an optional `B` or `iB` after it, any case). The budget is at least one byte.
///
/// ```
/// use upsell::mining::parse_memory_size;
/// assert_eq!(parse_memory_size("512M")?, 512 << 20);
/// assert_eq!(parse_memory_size("2 GiB")?, 2 << 30);
/// assert_eq!(parse_memory_size("4096")?, 4096);
/// assert!(parse_memory_size("0").is_err() && parse_memory_size("lots").is_err());
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn parse_memory_size(text: &str) -> Result<u64> {
    let upper = text.trim().to_ascii_uppercase();
    let number = upper.strip_suffix("IB").or_else(|| upper.strip_suffix('B')).unwrap_or(&upper);
    let (digits, shift) = match number.char_indices().last() {
        Some((at, 'K')) => (&number[..at], 10),
        Some((at, 'M')) => (&number[..at], 20),
        Some((at, 'G')) => (&number[..at], 30),
        Some((at, 'T')) => (&number[..at], 40),
        _ => (number, 0),
    };
    let bytes = digits.trim().parse::<u64>().ok().and_then(|n| n.checked_mul(1 << shift));
    bytes.filter(|&n| n > 0).ok_or_else(|| {
        Error::invalid_parameter(
            "max_memory",
            format!("'{text}' is not a size: give bytes, or a number with K, M, G or T (at least 1 byte)"),
        )
    })
}

/// What to mine and with how many threads.
///
/// ```
/// use upsell::mining::{Algorithm, MinSupport, MiningOptions, Target};
/// let options = MiningOptions {
///     algorithm: Algorithm::FpGrowth,
///     target: Target::Closed,
///     max_len: Some(3),
///     ..MiningOptions::new(MinSupport::fraction(0.01)?)
/// };
/// assert_eq!(options.min_len, 1);
/// # Ok::<(), upsell::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MiningOptions {
    /// The support threshold: an absolute count or a fraction of all baskets.
    pub min_support: MinSupport,
    /// The algorithm.
    pub algorithm: Algorithm,
    /// Which itemsets to report.
    pub target: Target,
    /// The smallest itemset size reported (at least 1).
    pub min_len: usize,
    /// The largest itemset size reported; `None` for no limit.
    pub max_len: Option<usize>,
    /// Worker threads: `Some(1)` runs on the calling thread only; `None` uses the crate's pool
    /// ([`crate::parallel::default_threads`]).
    pub threads: Option<usize>,
    /// Stop with [`Error::LimitExceeded`] when more itemsets than this would be reported.
    pub max_itemsets: Option<u64>,
    /// Stop with [`Error::LimitExceeded`] when the result would take more bytes than this: checked
    /// before mining against what the widest basket alone must produce, and while mining as
    /// itemsets are stored. `None` for no limit.
    pub max_memory: Option<u64>,
}

impl MiningOptions {
    /// Defaults (auto algorithm, all itemsets, any length, the default budget) at `min_support`.
    pub fn new(min_support: MinSupport) -> Self {
        MiningOptions {
            min_support,
            algorithm: Algorithm::Auto,
            target: Target::All,
            min_len: 1,
            max_len: None,
            threads: None,
            max_itemsets: Some(DEFAULT_MAX_ITEMSETS),
            max_memory: Some(default_max_memory()),
        }
    }

    /// Checks every parameter before any work starts.
    ///
    /// ```
    /// use upsell::mining::{MinSupport, MiningOptions};
    /// let options = MiningOptions { min_len: 3, max_len: Some(2), ..MiningOptions::new(MinSupport::count(1)) };
    /// assert!(options.validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<()> {
        if self.min_len == 0 {
            return Err(Error::invalid_parameter("min_len", "must be at least 1"));
        }
        if let Some(max_len) = self.max_len {
            if max_len < self.min_len {
                return Err(Error::invalid_parameter(
                    "max_len",
                    format!(
                        "max_len ({max_len}) is smaller than min_len ({})",
                        self.min_len
                    ),
                ));
            }
        }
        crate::parallel::check_threads(self.threads)?;
        if self.max_itemsets == Some(0) {
            return Err(Error::invalid_parameter(
                "max_itemsets",
                "must be at least 1 (or unset for no limit)",
            ));
        }
        if self.max_memory == Some(0) {
            return Err(Error::invalid_parameter(
                "max_memory",
                "must be at least 1 byte (or unset for no limit)",
            ));
        }
        Ok(())
    }
}

/// Frequent itemsets with their counts, stored flat: itemset `k` is
/// `items[offsets[k]..offsets[k + 1]]`, its items sorted ascending.
///
/// ```
/// use upsell::data::Baskets;
/// use upsell::mining::{mine, MinSupport, MiningOptions};
/// let baskets = Baskets::from_arrays(vec![0, 1, 0, 1], vec![0, 2, 4])?;
/// let itemsets = mine(&baskets, &MiningOptions::new(MinSupport::fraction(1.0)?))?;
/// assert_eq!(itemsets.len(), 3);
/// assert_eq!(itemsets.baskets(), 2);
/// # Ok::<(), upsell::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Itemsets {
    items: Vec<ItemId>,
    offsets: Vec<usize>,
    counts: Vec<u64>,
    baskets: u64,
    min_count: u64,
    target: Target,
}

impl Itemsets {
    /// Itemsets given as flat arrays (as [`Itemsets::items`], [`Itemsets::offsets`] and
    /// [`Itemsets::counts`] return them), for results mined elsewhere or read back from a file.
    ///
    /// `target` says what the collection holds, which decides what can be derived from it: rules
    /// need `All` (every frequent subset present) or `Closed` (subset counts follow from closures).
    /// The items of each set are sorted; a set must not repeat an item.
    ///
    /// ```
    /// use upsell::mining::{Itemsets, Target};
    /// let sets = Itemsets::from_arrays(vec![0, 1, 0, 1], vec![0, 1, 2, 4], vec![3, 2, 2], 4, Target::All)?;
    /// assert_eq!(sets.get(2), Some((&[0, 1][..], 2)));
    /// assert!(Itemsets::from_arrays(vec![1, 1], vec![0, 2], vec![1], 4, Target::All).is_err());
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn from_arrays(
        mut items: Vec<ItemId>,
        offsets: Vec<usize>,
        counts: Vec<u64>,
        baskets: u64,
        target: Target,
    ) -> Result<Self> {
        let bad = |message: String| Err(Error::invalid_input(crate::Location::memory(), message));
        if offsets.len() != counts.len() + 1
            || offsets.first() != Some(&0)
            || offsets.last() != Some(&items.len())
        {
            return bad(format!(
                "offsets must start at 0, end at the number of items ({}) and have one more entry than counts ({}); got {} offsets",
                items.len(),
                counts.len(),
                offsets.len()
            ));
        }
        for (k, w) in offsets.windows(2).enumerate() {
            if w[0] > w[1] {
                return bad(format!("offsets decrease at itemset {k}"));
            }
            let set = &mut items[w[0]..w[1]];
            set.sort_unstable();
            if set.windows(2).any(|p| p[0] == p[1]) {
                return bad(format!("itemset {k} repeats an item"));
            }
            if counts[k] > baskets {
                return bad(format!(
                    "itemset {k} has count {} above the number of baskets {baskets}",
                    counts[k]
                ));
            }
        }
        let min_count = counts.iter().copied().min().unwrap_or(0);
        Ok(Itemsets {
            items,
            offsets,
            counts,
            baskets,
            min_count,
            target,
        })
    }

    /// What the collection holds: every frequent itemset, or only the closed or maximal ones.
    pub fn target(&self) -> Target {
        self.target
    }

    /// The number of itemsets.
    pub fn len(&self) -> usize {
        self.counts.len()
    }

    /// Whether no itemset was found.
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// Itemset `index` and its count.
    pub fn get(&self, index: usize) -> Option<(&[ItemId], u64)> {
        let count = *self.counts.get(index)?;
        Some((
            &self.items[self.offsets[index]..self.offsets[index + 1]],
            count,
        ))
    }

    /// Every itemset with its count.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&[ItemId], u64)> + '_ {
        self.offsets
            .windows(2)
            .zip(&self.counts)
            .map(|(w, &c)| (&self.items[w[0]..w[1]], c))
    }

    /// All itemsets' items back to back.
    pub fn items(&self) -> &[ItemId] {
        &self.items
    }

    /// Where each itemset starts in [`Itemsets::items`], plus the end.
    pub fn offsets(&self) -> &[usize] {
        &self.offsets
    }

    /// Each itemset's count (the number of baskets that contain it).
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// The three arrays ([`Itemsets::items`], [`Itemsets::offsets`], [`Itemsets::counts`]),
    /// handed over without copying: for a caller that keeps them in its own containers.
    ///
    /// ```
    /// use upsell::mining::{Itemsets, Target};
    /// let sets = Itemsets::from_arrays(vec![0, 0, 1], vec![0, 1, 3], vec![3, 2], 4, Target::All)?;
    /// let (items, offsets, counts) = sets.into_parts();
    /// assert_eq!((items, offsets, counts), (vec![0, 0, 1], vec![0, 1, 3], vec![3, 2]));
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn into_parts(self) -> (Vec<ItemId>, Vec<usize>, Vec<u64>) {
        (self.items, self.offsets, self.counts)
    }

    /// The number of baskets mined: the denominator of support.
    pub fn baskets(&self) -> u64 {
        self.baskets
    }

    /// The absolute threshold that was applied.
    pub fn min_count(&self) -> u64 {
        self.min_count
    }

    /// Itemset `index`'s support: its count over the number of baskets.
    pub fn support(&self, index: usize) -> Option<f64> {
        let count = *self.counts.get(index)?;
        Some(if self.baskets == 0 {
            0.0
        } else {
            count as f64 / self.baskets as f64
        })
    }

    /// Sorts itemsets by size, then item ids: a canonical order for comparing results.
    ///
    /// ```
    /// use upsell::data::Baskets;
    /// use upsell::mining::{mine, Algorithm, MinSupport, MiningOptions};
    /// let baskets = Baskets::from_arrays(vec![0, 1, 2, 0, 2, 1, 2], vec![0, 3, 5, 7])?;
    /// let run = |algorithm| {
    ///     let options = MiningOptions { algorithm, ..MiningOptions::new(MinSupport::count(1)) };
    ///     mine(&baskets, &options).map(|mut s| { s.sort_canonical(); s })
    /// };
    /// assert_eq!(run(Algorithm::Apriori)?, run(Algorithm::FpGrowth)?);
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn sort_canonical(&mut self) {
        let mut order: Vec<usize> = (0..self.len()).collect();
        let set = |k: usize| &self.items[self.offsets[k]..self.offsets[k + 1]];
        order.sort_unstable_by(|&a, &b| {
            set(a)
                .len()
                .cmp(&set(b).len())
                .then_with(|| set(a).cmp(set(b)))
        });
        self.apply_order(&order);
    }

    /// Sorts itemsets most frequent first: by count, highest first, then fewer items first, then
    /// in mining order. The order the command line writes files in and Python returns frames in;
    /// like the mining order, it never depends on the number of threads.
    ///
    /// ```
    /// use upsell::data::Baskets;
    /// use upsell::mining::{mine, MinSupport, MiningOptions};
    /// let baskets = Baskets::from_arrays(vec![0, 1, 0, 1, 2, 1, 2], vec![0, 2, 5, 7])?;
    /// let mut itemsets = mine(&baskets, &MiningOptions::new(MinSupport::count(2)))?;
    /// itemsets.sort_by_count();
    /// let found: Vec<(usize, u64)> = itemsets.iter().map(|(s, c)| (s.len(), c)).collect();
    /// assert_eq!(found, [(1, 3), (1, 2), (1, 2), (2, 2), (2, 2)]);
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn sort_by_count(&mut self) {
        let order = self.ranked_by_count();
        self.apply_order(&order);
    }

    /// Itemset indices most frequent first, in the order of [`Itemsets::sort_by_count`], without
    /// moving the itemsets: its first `k` are the top `k` itemsets.
    ///
    /// ```
    /// use upsell::data::Baskets;
    /// use upsell::mining::{mine, MinSupport, MiningOptions};
    /// let baskets = Baskets::from_arrays(vec![0, 1, 0, 1, 2, 1, 2], vec![0, 2, 5, 7])?;
    /// let itemsets = mine(&baskets, &MiningOptions::new(MinSupport::count(2)))?;
    /// let top = itemsets.ranked_by_count()[0];
    /// assert_eq!(itemsets.get(top), Some((&[1][..], 3)));
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn ranked_by_count(&self) -> Vec<usize> {
        self.count_order_by_counting()
            .unwrap_or_else(|| self.count_order_by_comparing())
    }

    /// The indices of the `n` most frequent itemsets of at least `min_len` items, best first, in
    /// the order of [`Itemsets::ranked_by_count`]: the top of a large result without ranking all
    /// of it (a heap of `n`).
    ///
    /// ```
    /// use upsell::data::Baskets;
    /// use upsell::mining::{mine, MinSupport, MiningOptions};
    /// let baskets = Baskets::from_arrays(vec![0, 1, 0, 1, 2, 1, 2], vec![0, 2, 5, 7])?;
    /// let itemsets = mine(&baskets, &MiningOptions::new(MinSupport::count(2)))?;
    /// let ranked = itemsets.ranked_by_count();
    /// assert_eq!(itemsets.top_by_count(2, 1), ranked[..2]);
    /// let pairs = itemsets.top_by_count(5, 2);
    /// assert_eq!(pairs, ranked[3..]);
    /// assert!(itemsets.top_by_count(0, 1).is_empty());
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn top_by_count(&self, n: usize, min_len: usize) -> Vec<usize> {
        use std::cmp::Reverse;
        use std::collections::BinaryHeap;
        if n == 0 {
            return Vec::new();
        }
        // Larger is better: more baskets, then fewer items, then earlier in the mining order.
        type Rank = (u64, Reverse<usize>, Reverse<usize>);
        // A min-heap of the best n so far: the root is the weakest, replaced when beaten.
        let mut heap: BinaryHeap<Reverse<Rank>> = BinaryHeap::with_capacity(n + 1);
        for (k, (set, count)) in self.iter().enumerate() {
            if set.len() < min_len {
                continue;
            }
            let key = (count, Reverse(set.len()), Reverse(k));
            if heap.len() < n {
                heap.push(Reverse(key));
            } else if heap.peek().is_some_and(|weakest| key > weakest.0) {
                heap.pop();
                heap.push(Reverse(key));
            }
        }
        let mut best: Vec<_> = heap.into_iter().map(|Reverse(key)| key).collect();
        best.sort_unstable_by(|a, b| b.cmp(a));
        best.into_iter().map(|(_, _, Reverse(k))| k).collect()
    }

    /// [`Itemsets::ranked_by_count`]'s order by comparing small keys, which sort in cache
    /// (comparing the sets' items would cost a random read each).
    fn count_order_by_comparing(&self) -> Vec<usize> {
        let mut keys: Vec<(std::cmp::Reverse<u64>, usize, usize)> = (0..self.len())
            .map(|k| {
                let size = self.offsets[k + 1] - self.offsets[k];
                (std::cmp::Reverse(self.counts[k]), size, k)
            })
            .collect();
        keys.sort_unstable();
        keys.into_iter().map(|(_, _, k)| k).collect()
    }

    /// [`Itemsets::ranked_by_count`]'s order by two stable counting sorts, by size and then by
    /// count, in linear time; `None` when the counts span many more values than there are
    /// itemsets (the buckets would cost more than comparing).
    fn count_order_by_counting(&self) -> Option<Vec<usize>> {
        let n = self.len();
        let highest = self.counts.iter().copied().max()?;
        let lowest = self.counts.iter().copied().min()?;
        let span = usize::try_from(highest - lowest).ok()?.checked_add(1)?;
        if span > 4 * n + 1024 {
            return None;
        }
        let size = |k: usize| self.offsets[k + 1] - self.offsets[k];
        let largest = (0..n).map(size).max()?;
        // Stable: each pass keeps the order of the one before among equal keys, so the mining
        // order breaks the last ties.
        let by_size = counting_sort(0..n, largest + 1, size);
        Some(counting_sort(by_size.into_iter(), span, |k| {
            (highest - self.counts[k]) as usize
        }))
    }

    /// Rebuilds the arrays with the itemsets in `order` (a permutation of the indices).
    fn apply_order(&mut self, order: &[usize]) {
        let set = |k: usize| &self.items[self.offsets[k]..self.offsets[k + 1]];
        let mut items = Vec::with_capacity(self.items.len());
        let mut offsets = Vec::with_capacity(self.offsets.len());
        offsets.push(0);
        let counts = order.iter().map(|&k| self.counts[k]).collect();
        for &k in order {
            items.extend_from_slice(set(k));
            offsets.push(items.len());
        }
        self.items = items;
        self.offsets = offsets;
        self.counts = counts;
    }

    pub(crate) fn from_parts(
        items: Vec<ItemId>,
        offsets: Vec<usize>,
        counts: Vec<u64>,
        baskets: u64,
        min_count: u64,
    ) -> Self {
        Itemsets {
            items,
            offsets,
            counts,
            baskets,
            min_count,
            target: Target::All,
        }
    }

    /// The itemsets whose items satisfy `keep`.
    pub(crate) fn retain(self, keep: impl Fn(&[ItemId]) -> bool) -> Self {
        let mut items = Vec::new();
        let mut offsets = vec![0];
        let mut counts = Vec::new();
        for (set, count) in self.iter().filter(|(set, _)| keep(set)) {
            items.extend_from_slice(set);
            offsets.push(items.len());
            counts.push(count);
        }
        Itemsets {
            items,
            offsets,
            counts,
            ..self
        }
    }

    pub(crate) fn with_target(mut self, target: Target) -> Self {
        self.target = target;
        self
    }
}

/// `keys` in a stable order of `bucket(k)` (below `buckets`).
fn counting_sort(
    keys: impl ExactSizeIterator<Item = usize> + Clone,
    buckets: usize,
    bucket: impl Fn(usize) -> usize,
) -> Vec<usize> {
    let mut starts = vec![0usize; buckets + 1];
    for k in keys.clone() {
        starts[bucket(k) + 1] += 1;
    }
    for b in 1..starts.len() {
        starts[b] += starts[b - 1];
    }
    let mut sorted = vec![0; keys.len()];
    for k in keys {
        let slot = &mut starts[bucket(k)];
        sorted[*slot] = k;
        *slot += 1;
    }
    sorted
}

/// Mines the frequent itemsets of `baskets`.
///
/// Fails before any work on a bad parameter, and during it when the budget is exceeded.
pub fn mine(baskets: &Baskets, options: &MiningOptions) -> Result<Itemsets> {
    mine_with(baskets, options, &Control::default())
}

/// [`mine`], reporting progress to and polling cancellation from `control`.
///
/// ```
/// use upsell::{Control, ErrorKind};
/// use upsell::data::Baskets;
/// use upsell::mining::{mine_with, MinSupport, MiningOptions};
/// let baskets = Baskets::from_arrays(vec![0, 1], vec![0, 2])?;
/// let control = Control::default();
/// control.cancel();
/// let err = mine_with(&baskets, &MiningOptions::new(MinSupport::count(1)), &control).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Cancelled);
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn mine_with(
    baskets: &Baskets,
    options: &MiningOptions,
    control: &Control,
) -> Result<Itemsets> {
    options.validate()?;
    let min_count = options.min_support.to_count(baskets.len() as u64)?;
    control.check()?;
    let bounds = sink::Bounds {
        min_len: options.min_len,
        max_len: options.max_len.unwrap_or(usize::MAX),
    };
    let prepared = prepare_for(baskets, options.target, min_count)?;
    let widest = prepared.widest();
    let budget = sink::Budget::new(options.max_itemsets, options.max_memory, widest, control);
    // Only the complete set grows with every subset of a wide basket; its closed and maximal
    // sets do not, and are counted as they are stored like any other.
    if options.target == Target::All {
        budget.check_widest(&prepared, bounds)?;
    }
    let runner = crate::parallel::Runner::new(options.threads);
    let parts = match (options.target, run_algorithm(&prepared, options.algorithm)) {
        (Target::Closed, _) => closed::mine(&prepared, bounds, false, &budget, &runner),
        (Target::Maximal, _) => closed::mine(&prepared, bounds, true, &budget, &runner),
        (_, Algorithm::Apriori) => apriori::mine(&prepared, bounds, &budget, &runner),
        (_, Algorithm::Eclat) => eclat::mine(&prepared, bounds, &budget, &runner),
        _ => fpgrowth::mine(&prepared, bounds, &budget, &runner),
    }?;
    let itemsets = sink::assemble(parts, baskets.len() as u64, min_count);
    Ok(itemsets.with_target(options.target))
}

/// The view of `baskets` that mining for `target` reads.
fn prepare_for(baskets: &Baskets, target: Target, min_count: u64) -> Result<prepare::Prepared> {
    match target {
        Target::All => prepare::Prepared::new(baskets, min_count),
        Target::Closed | Target::Maximal => closed::prepare(baskets, min_count),
    }
}

/// The algorithm that runs for `asked` on `prepared`: `Auto` picks Eclat for dense data.
fn run_algorithm(prepared: &prepare::Prepared, asked: Algorithm) -> Algorithm {
    match asked {
        Algorithm::Auto if prepared.is_dense() => Algorithm::Eclat,
        Algorithm::Auto => Algorithm::FpGrowth,
        chosen => chosen,
    }
}

/// The data structure a search runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Representation {
    /// A prefix tree of the baskets (FP-growth).
    PrefixTree,
    /// Candidate itemsets in a prefix tree, counted against the baskets level by level (Apriori on
    /// dense data).
    CandidateTree,
    /// For each item (Apriori: for each frequent set of a level), the list of the baskets that
    /// hold it (sparse data).
    BasketLists,
    /// For each item, one bit per basket (dense data).
    Bitsets,
}

/// What [`mine`] runs on some data and why, as [`plan`] finds it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Plan {
    /// What is mined.
    pub target: Target,
    /// The algorithm run (never `Auto`). Closed and maximal sets are mined by closure extension
    /// whatever the algorithm asked for; this is then the one asked for, unused.
    pub algorithm: Algorithm,
    /// The representation the search runs on.
    pub representation: Representation,
    /// Baskets holding at least one frequent item (besides items present in every basket).
    pub baskets: u64,
    /// Frequent items, leaving out those present in every basket.
    pub items: usize,
    /// The share of (basket, item) cells filled among those: what the choice reads.
    pub density: f64,
    /// The choice in words: which figures decided it, against which thresholds.
    pub reason: String,
}

impl std::fmt::Display for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let miner = match self.target {
            Target::All => format!("{:?}", self.algorithm).to_lowercase(),
            Target::Closed | Target::Maximal => "closure extension".into(),
        };
        let on = match self.representation {
            Representation::PrefixTree => "a prefix tree",
            Representation::CandidateTree => "a candidate tree",
            Representation::BasketLists => "basket lists",
            Representation::Bitsets => "bitsets",
        };
        write!(
            f,
            "{miner} on {on}: {:.2}% of {} baskets x {} frequent items filled; {}",
            100.0 * self.density,
            self.baskets,
            self.items,
            self.reason
        )
    }
}

/// How [`mine`] would mine `baskets` with `options`: the algorithm, the representation and the
/// figures that chose them (for `--verbose` output). Prepares the data as mining does, without
/// mining.
///
/// ```
/// use upsell::data::Baskets;
/// use upsell::mining::{plan, MinSupport, MiningOptions, Representation, Target};
/// // Every basket holds most items: dense.
/// let baskets = Baskets::from_arrays(vec![0, 1, 2, 0, 1, 0, 2, 1, 2], vec![0, 3, 5, 7, 9])?;
/// let options = MiningOptions { target: Target::Closed, ..MiningOptions::new(MinSupport::count(2)) };
/// let chosen = plan(&baskets, &options)?;
/// assert_eq!(chosen.representation, Representation::Bitsets);
/// assert!(chosen.to_string().starts_with("closure extension on bitsets"));
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn plan(baskets: &Baskets, options: &MiningOptions) -> Result<Plan> {
    options.validate()?;
    let min_count = options.min_support.to_count(baskets.len() as u64)?;
    let prepared = prepare_for(baskets, options.target, min_count)?;
    let algorithm = run_algorithm(&prepared, options.algorithm);
    let shape = prepared.shape();
    let eclat_lists = if shape.density() >= 0.05 {
        "bitsets above 256 MiB, basket lists"
    } else {
        "below 5% filled (10% with no two baskets alike), basket lists"
    };
    let (representation, reason) = match (options.target, algorithm) {
        (Target::Closed | Target::Maximal, _) => {
            let (bitsets, why) = closed::explain(&prepared);
            let representation = if bitsets {
                Representation::Bitsets
            } else {
                Representation::BasketLists
            };
            (representation, why)
        }
        (_, Algorithm::Apriori) if shape.density() >= apriori::DENSE => (
            Representation::CandidateTree,
            "asked for apriori; from 10% filled, candidates counted through a prefix tree of them"
                .into(),
        ),
        (_, Algorithm::Apriori) => (
            Representation::BasketLists,
            "asked for apriori; below 10% filled, each larger set counted over the basket list of the set it extends".into(),
        ),
        (_, Algorithm::Eclat) => {
            let asked = if options.algorithm == Algorithm::Auto {
                "auto picks eclat from 10% filled with no two baskets alike"
            } else {
                "asked for eclat"
            };
            if eclat::uses_bitsets(&prepared) {
                (
                    Representation::Bitsets,
                    format!("{asked}; bitsets from 5% filled (10% with no two baskets alike)"),
                )
            } else {
                (
                    Representation::BasketLists,
                    format!("{asked}; {eclat_lists}"),
                )
            }
        }
        _ => {
            let reason = if options.algorithm == Algorithm::Auto {
                "auto picks eclat on bitsets only from 10% filled with no two baskets alike, fp-growth otherwise"
            } else {
                "asked for fp-growth"
            };
            (Representation::PrefixTree, reason.into())
        }
    };
    Ok(Plan {
        target: options.target,
        algorithm,
        representation,
        baskets: shape.baskets,
        items: shape.items,
        density: shape.density(),
        reason,
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{Itemsets, Target};

    proptest! {
        #[test]
        fn counting_and_comparing_give_the_same_count_order(
            sets in prop::collection::vec((1usize..5, 1u64..40), 0..200),
        ) {
            let mut items = Vec::new();
            let mut offsets = vec![0];
            let mut counts = Vec::new();
            for &(size, count) in &sets {
                items.extend(0..size as u32);
                offsets.push(items.len());
                counts.push(count);
            }
            let itemsets = Itemsets::from_arrays(items, offsets, counts, 40, Target::All).expect("valid itemsets");
            let counted = itemsets.count_order_by_counting();
            prop_assert_eq!(counted.is_some(), !sets.is_empty());
            prop_assert_eq!(counted.unwrap_or_default(), itemsets.count_order_by_comparing());
        }
    }

    #[test]
    fn counts_spread_far_apart_are_compared() {
        let sets = Itemsets::from_arrays(
            vec![0, 1],
            vec![0, 1, 2],
            vec![1, 1 << 40],
            1 << 41,
            Target::All,
        )
        .expect("valid itemsets");
        assert_eq!(sets.count_order_by_counting(), None);
        let mut sorted = sets.clone();
        sorted.sort_by_count();
        assert_eq!(sorted.counts(), [1 << 40, 1]);
    }
}
