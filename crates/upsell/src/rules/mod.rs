//! Association rules `A -> C` from mined itemsets, with every measure users know.
//!
//! Each frequent itemset `Z` of two or more items yields the rules `Z \ H -> H` whose confidence
//! reaches [`RuleOptions::min_confidence`]. Consequents grow level by level (Agrawal & Srikant's
//! ap-genrules): moving an item from antecedent to consequent can only lower confidence, so a
//! consequent that fails prunes every consequent that contains it. Counts of subsets come from a
//! `SupportIndex` (`support.rs`) built once over the itemsets; rules carry exact integer counts and
//! every [`Measure`] is computed from them on demand.
//!
//! From closed itemsets, rules are generated per closed set and subset counts are those of the
//! closures, so they are exact (a smaller, lossless basis of the rules of all itemsets).
//!
//! ```
//! use upsell::data::Baskets;
//! use upsell::mining::{mine, MinSupport, MiningOptions};
//! use upsell::rules::{generate, Measure, RuleOptions};
//!
//! // 0 = bread, 1 = milk, 2 = butter
//! let baskets = Baskets::from_arrays(vec![0, 1, 0, 2, 0, 1, 2, 1], vec![0, 2, 4, 7, 8])?;
//! let itemsets = mine(&baskets, &MiningOptions::new(MinSupport::count(2)))?;
//! let rules = generate(&itemsets, &RuleOptions { min_confidence: 0.6, ..RuleOptions::default() })?;
//! let butter_bread = rules.iter().find(|r| r.antecedent() == [2]).unwrap();
//! assert_eq!(butter_bread.consequent(), [0]);
//! assert_eq!(butter_bread.measure(Measure::Confidence), 1.0);
//! # Ok::<(), upsell::Error>(())
//! ```

mod affinity;
mod measures;
mod support;

use std::sync::atomic::{AtomicU64, Ordering};

use rustc_hash::FxHashSet;

pub use affinity::{Affinity, Pair, affinity};
pub use measures::Measure;
use support::SupportIndex;

use crate::data::ItemId;
use crate::mining::Itemsets;
use crate::parallel::Runner;
use crate::{Control, Error, Result};

/// The default [`RuleOptions::max_rules`]: a budget far above useful results.
pub const DEFAULT_MAX_RULES: u64 = 50_000_000;

/// Which rules to keep.
///
/// ```
/// use upsell::rules::RuleOptions;
/// let options = RuleOptions { min_confidence: 0.3, min_lift: Some(1.2), max_antecedent_len: Some(3), ..RuleOptions::default() };
/// assert!(options.validate().is_ok());
/// assert!(RuleOptions { min_confidence: 1.5, ..RuleOptions::default() }.validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RuleOptions {
    /// The least confidence, in [0, 1]. Default 0.8, as mlxtend.
    pub min_confidence: f64,
    /// The least lift, if any.
    pub min_lift: Option<f64>,
    /// The most items in an antecedent.
    pub max_antecedent_len: Option<usize>,
    /// The most items in a consequent (1 for the classic single-item consequents of arules/pyfim).
    pub max_consequent_len: Option<usize>,
    /// Only rules whose consequent items all come from this set (for example premium products).
    pub consequent_items: Option<Vec<ItemId>>,
    /// No rule mentions any of these items.
    pub exclude_items: Vec<ItemId>,
    /// Drop a rule when a rule with a smaller antecedent and the same consequent is at least as
    /// confident: it adds nothing to what the smaller one says.
    pub prune_redundant: bool,
    /// Stop with [`Error::LimitExceeded`] beyond this many rules.
    pub max_rules: Option<u64>,
    /// Worker threads; `None` for the crate default.
    pub threads: Option<usize>,
}

impl Default for RuleOptions {
    fn default() -> Self {
        RuleOptions {
            min_confidence: 0.8,
            min_lift: None,
            max_antecedent_len: None,
            max_consequent_len: None,
            consequent_items: None,
            exclude_items: Vec::new(),
            prune_redundant: false,
            max_rules: Some(DEFAULT_MAX_RULES),
            threads: None,
        }
    }
}

impl RuleOptions {
    /// Checks every parameter, naming the first bad one.
    pub fn validate(&self) -> Result<()> {
        if !(0.0..=1.0).contains(&self.min_confidence) {
            return Err(Error::invalid_parameter(
                "min_confidence",
                format!("must be within [0, 1], got {}", self.min_confidence),
            ));
        }
        if let Some(lift) = self.min_lift {
            if !(lift >= 0.0 && lift.is_finite()) {
                return Err(Error::invalid_parameter(
                    "min_lift",
                    format!("must be a finite number >= 0, got {lift}"),
                ));
            }
        }
        if self.max_antecedent_len == Some(0) {
            return Err(Error::invalid_parameter(
                "max_antecedent_len",
                "must be at least 1",
            ));
        }
        if self.max_consequent_len == Some(0) {
            return Err(Error::invalid_parameter(
                "max_consequent_len",
                "must be at least 1",
            ));
        }
        crate::parallel::check_threads(self.threads)?;
        Ok(())
    }

    /// The longest itemset a kept rule can come from, `max_antecedent_len + max_consequent_len`
    /// (`None` unless both are bounded): mining for these rules can stop there.
    ///
    /// ```
    /// use upsell::rules::RuleOptions;
    /// let options = RuleOptions { max_antecedent_len: Some(3), max_consequent_len: Some(1), ..RuleOptions::default() };
    /// assert_eq!(options.max_itemset_len(), Some(4));
    /// assert_eq!(RuleOptions { max_consequent_len: None, ..options }.max_itemset_len(), None);
    /// ```
    pub fn max_itemset_len(&self) -> Option<usize> {
        let (antecedent, consequent) = (self.max_antecedent_len?, self.max_consequent_len?);
        Some(antecedent.saturating_add(consequent))
    }
}

/// Association rules, stored flat: antecedents and consequents back to back, and three counts per
/// rule over [`Rules::baskets`] baskets.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Rules {
    antecedents: Vec<ItemId>,
    antecedent_offsets: Vec<usize>,
    consequents: Vec<ItemId>,
    consequent_offsets: Vec<usize>,
    counts: Vec<u64>,
    antecedent_counts: Vec<u64>,
    consequent_counts: Vec<u64>,
    baskets: u64,
}

/// One rule `antecedent -> consequent`, borrowed from [`Rules`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule<'a> {
    antecedent: &'a [ItemId],
    consequent: &'a [ItemId],
    count: u64,
    antecedent_count: u64,
    consequent_count: u64,
    baskets: u64,
}

impl<'a> Rule<'a> {
    /// The items that must be present (sorted).
    pub fn antecedent(&self) -> &'a [ItemId] {
        self.antecedent
    }

    /// The items the rule predicts (sorted).
    pub fn consequent(&self) -> &'a [ItemId] {
        self.consequent
    }

    /// Baskets holding antecedent and consequent.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Baskets holding the antecedent.
    pub fn antecedent_count(&self) -> u64 {
        self.antecedent_count
    }

    /// Baskets holding the consequent.
    pub fn consequent_count(&self) -> u64 {
        self.consequent_count
    }

    /// One measure of the rule.
    pub fn measure(&self, measure: Measure) -> f64 {
        measure.compute(
            self.count,
            self.antecedent_count,
            self.consequent_count,
            self.baskets,
        )
    }
}

impl Rules {
    /// The number of rules.
    pub fn len(&self) -> usize {
        self.counts.len()
    }

    /// Whether there is no rule.
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// The number of baskets the counts refer to.
    pub fn baskets(&self) -> u64 {
        self.baskets
    }

    /// Rule `index`.
    pub fn get(&self, index: usize) -> Option<Rule<'_>> {
        let count = *self.counts.get(index)?;
        Some(Rule {
            antecedent: &self.antecedents
                [self.antecedent_offsets[index]..self.antecedent_offsets[index + 1]],
            consequent: &self.consequents
                [self.consequent_offsets[index]..self.consequent_offsets[index + 1]],
            count,
            antecedent_count: self.antecedent_counts[index],
            consequent_count: self.consequent_counts[index],
            baskets: self.baskets,
        })
    }

    /// Every rule, in generation order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Rule<'_>> + '_ {
        (0..self.len()).map(|k| {
            self.get(k)
                .unwrap_or_else(|| unreachable!("index within len"))
        })
    }

    /// One measure for every rule, as a column.
    ///
    /// ```
    /// use upsell::mining::{Itemsets, Target};
    /// use upsell::rules::{generate, Measure, RuleOptions};
    /// let sets = Itemsets::from_arrays(vec![0, 1, 0, 1], vec![0, 1, 2, 4], vec![3, 2, 2], 4, Target::All)?;
    /// let rules = generate(&sets, &RuleOptions { min_confidence: 0.0, ..RuleOptions::default() })?;
    /// assert_eq!(rules.measure(Measure::Confidence), vec![1.0, 2.0 / 3.0]); // {1} -> {0}, {0} -> {1}
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn measure(&self, measure: Measure) -> Vec<f64> {
        self.iter().map(|r| r.measure(measure)).collect()
    }

    /// All antecedents back to back, with [`Rules::antecedent_offsets`].
    pub fn antecedents(&self) -> &[ItemId] {
        &self.antecedents
    }

    /// Where each antecedent starts, plus the end.
    pub fn antecedent_offsets(&self) -> &[usize] {
        &self.antecedent_offsets
    }

    /// All consequents back to back, with [`Rules::consequent_offsets`].
    pub fn consequents(&self) -> &[ItemId] {
        &self.consequents
    }

    /// Where each consequent starts, plus the end.
    pub fn consequent_offsets(&self) -> &[usize] {
        &self.consequent_offsets
    }

    /// Each rule's count (baskets holding both sides).
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// Each rule's antecedent count.
    pub fn antecedent_counts(&self) -> &[u64] {
        &self.antecedent_counts
    }

    /// Each rule's consequent count.
    pub fn consequent_counts(&self) -> &[u64] {
        &self.consequent_counts
    }

    /// Rule indices ordered by `measure`, highest first; ties by count, then by items.
    pub fn ranked_by(&self, measure: Measure) -> Vec<usize> {
        let values = self.measure(measure);
        let mut order: Vec<usize> = (0..self.len()).collect();
        order.sort_by(|&a, &b| {
            values[b]
                .total_cmp(&values[a])
                .then(self.counts[b].cmp(&self.counts[a]))
                .then_with(|| self.rule_key(a).cmp(&self.rule_key(b)))
        });
        order
    }

    fn rule_key(&self, k: usize) -> (&[ItemId], &[ItemId]) {
        let rule = self
            .get(k)
            .unwrap_or_else(|| unreachable!("index within len"));
        (rule.antecedent, rule.consequent)
    }

    fn push(&mut self, antecedent: &[ItemId], consequent: &[ItemId], counts: [u64; 3]) {
        self.antecedents.extend_from_slice(antecedent);
        self.antecedent_offsets.push(self.antecedents.len());
        self.consequents.extend_from_slice(consequent);
        self.consequent_offsets.push(self.consequents.len());
        self.counts.push(counts[0]);
        self.antecedent_counts.push(counts[1]);
        self.consequent_counts.push(counts[2]);
    }

    fn empty(baskets: u64) -> Self {
        Rules {
            antecedent_offsets: vec![0],
            consequent_offsets: vec![0],
            baskets,
            ..Rules::default()
        }
    }

    fn append(&mut self, part: Rules) {
        let (a_base, c_base) = (self.antecedents.len(), self.consequents.len());
        self.antecedents.extend(part.antecedents);
        self.antecedent_offsets
            .extend(part.antecedent_offsets[1..].iter().map(|o| o + a_base));
        self.consequents.extend(part.consequents);
        self.consequent_offsets
            .extend(part.consequent_offsets[1..].iter().map(|o| o + c_base));
        self.counts.extend(part.counts);
        self.antecedent_counts.extend(part.antecedent_counts);
        self.consequent_counts.extend(part.consequent_counts);
    }
}

/// The association rules of `itemsets` (all frequent itemsets, or the closed ones).
pub fn generate(itemsets: &Itemsets, options: &RuleOptions) -> Result<Rules> {
    generate_with(itemsets, options, &Control::default())
}

/// [`generate`], reporting progress (itemsets done) to and polling cancellation from `control`.
pub fn generate_with(
    itemsets: &Itemsets,
    options: &RuleOptions,
    control: &Control,
) -> Result<Rules> {
    options.validate()?;
    let index = SupportIndex::new(itemsets)?;
    let width = itemsets
        .items()
        .iter()
        .map(|&i| i as usize + 1)
        .max()
        .unwrap_or(0);
    let allowed = options
        .consequent_items
        .as_ref()
        .map(|items| flags(items, width));
    let excluded = flags(&options.exclude_items, width);
    let ctx = Context {
        index: &index,
        options,
        allowed: allowed.as_deref(),
        excluded: &excluded,
        emitted: AtomicU64::new(0),
    };
    let runner = Runner::new(options.threads);
    control.start(itemsets.len() as u64);
    const CHUNK: usize = 1024;
    let chunks = itemsets.len().div_ceil(CHUNK);
    let parts = runner.map(
        chunks,
        || (),
        |_, chunk| {
            let mut part = Rules::empty(itemsets.baskets());
            let end = ((chunk + 1) * CHUNK).min(itemsets.len());
            for k in chunk * CHUNK..end {
                control.check()?;
                let (set, count) = itemsets
                    .get(k)
                    .unwrap_or_else(|| unreachable!("index within len"));
                ctx.rules_of(set, count, &mut part)?;
            }
            control.advance((end - chunk * CHUNK) as u64);
            Ok(part)
        },
    );
    let mut rules = Rules::empty(itemsets.baskets());
    for part in parts {
        rules.append(part?);
    }
    Ok(rules)
}

fn flags(items: &[ItemId], width: usize) -> Vec<bool> {
    let mut flags = vec![false; width];
    for &item in items {
        if let Some(flag) = flags.get_mut(item as usize) {
            *flag = true;
        }
    }
    flags
}

struct Context<'a> {
    index: &'a SupportIndex<'a>,
    options: &'a RuleOptions,
    allowed: Option<&'a [bool]>,
    excluded: &'a [bool],
    emitted: AtomicU64,
}

impl Context<'_> {
    /// Every rule of itemset `set` (sorted) with count `count`, appended to `out`.
    fn rules_of(&self, set: &[ItemId], count: u64, out: &mut Rules) -> Result<()> {
        if set.len() < 2 || set.iter().any(|&i| self.excluded[i as usize]) {
            return Ok(());
        }
        let max_consequent = self
            .options
            .max_consequent_len
            .unwrap_or(usize::MAX)
            .min(set.len() - 1);
        let max_antecedent = self.options.max_antecedent_len.unwrap_or(usize::MAX);
        let mut level: Vec<Vec<ItemId>> = set
            .iter()
            .filter(|&&i| self.allowed.is_none_or(|a| a[i as usize]))
            .map(|&i| vec![i])
            .collect();
        let mut antecedent = Vec::with_capacity(set.len());
        let mut emitted = 0u64;
        while !level.is_empty() {
            let mut passed = Vec::with_capacity(level.len());
            for consequent in level {
                antecedent.clear();
                antecedent.extend(set.iter().filter(|i| consequent.binary_search(i).is_err()));
                let antecedent_count = self.index.count(&antecedent)?;
                let confidence = Measure::Confidence.compute(count, antecedent_count, 1, 1);
                if confidence < self.options.min_confidence {
                    continue;
                }
                if antecedent.len() <= max_antecedent {
                    let consequent_count = self.index.count(&consequent)?;
                    let counts = [count, antecedent_count, consequent_count];
                    let lift_ok = self.options.min_lift.is_none_or(|m| {
                        Measure::Lift.compute(
                            count,
                            antecedent_count,
                            consequent_count,
                            out.baskets,
                        ) >= m
                    });
                    if lift_ok
                        && !(self.options.prune_redundant
                            && self.redundant(&antecedent, &consequent, counts)?)
                    {
                        out.push(&antecedent, &consequent, counts);
                        emitted += 1;
                    }
                }
                passed.push(consequent);
            }
            if passed.first().is_none_or(|c| c.len() >= max_consequent) {
                break;
            }
            level = grow(&passed);
        }
        if emitted > 0 {
            let total = self.emitted.fetch_add(emitted, Ordering::Relaxed) + emitted;
            if let Some(limit) = self.options.max_rules.filter(|&limit| total > limit) {
                return Err(Error::LimitExceeded {
                    what: "rules",
                    limit,
                    hint: "raise min_confidence or the itemsets' support, or raise max_rules"
                        .to_owned(),
                });
            }
        }
        Ok(())
    }

    /// Whether a rule with a proper, non-empty subset of `antecedent` and the same consequent is at
    /// least as confident (compared exactly, by cross-multiplying counts).
    fn redundant(
        &self,
        antecedent: &[ItemId],
        consequent: &[ItemId],
        counts: [u64; 3],
    ) -> Result<bool> {
        let n = antecedent.len();
        if !(2..=20).contains(&n) {
            return Ok(false);
        }
        let mut smaller = Vec::with_capacity(n);
        let mut union = Vec::with_capacity(n + consequent.len());
        for mask in 1..(1u32 << n) - 1 {
            smaller.clear();
            smaller.extend((0..n).filter(|b| mask >> b & 1 == 1).map(|b| antecedent[b]));
            union.clear();
            union.extend_from_slice(&smaller);
            union.extend_from_slice(consequent);
            union.sort_unstable();
            let (small_union, small_antecedent) =
                (self.index.count(&union)?, self.index.count(&smaller)?);
            if u128::from(small_union) * u128::from(counts[1])
                >= u128::from(counts[0]) * u128::from(small_antecedent)
            {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

/// The consequents of the next level: joins of two passing consequents that share all but their
/// last item, kept when every one-smaller subset passed too.
fn grow(passed: &[Vec<ItemId>]) -> Vec<Vec<ItemId>> {
    let known: FxHashSet<&[ItemId]> = passed.iter().map(Vec::as_slice).collect();
    let mut next = Vec::new();
    let mut subset = Vec::new();
    for (a, left) in passed.iter().enumerate() {
        let prefix = &left[..left.len() - 1];
        for right in &passed[a + 1..] {
            if &right[..right.len() - 1] != prefix {
                break;
            }
            let mut candidate = left.clone();
            candidate.push(right[right.len() - 1]);
            let all_subsets_passed = (0..candidate.len() - 2).all(|drop| {
                subset.clear();
                subset.extend(
                    candidate
                        .iter()
                        .enumerate()
                        .filter(|&(k, _)| k != drop)
                        .map(|(_, &i)| i),
                );
                known.contains(subset.as_slice())
            });
            if all_subsets_passed {
                next.push(candidate);
            }
        }
    }
    next
}
