//! "Frequently bought together": recommendations for a cart, from association rules.
//!
//! A [`Recommender`] is built once from [`Rules`] (single-item consequents) and the item
//! frequencies, saved as a model file ([`Recommender::to_json`], [`Recommender::to_bytes`]) and
//! queried on a hot path. A query enumerates the subsets of the cart that can be antecedents (up to
//! the longest antecedent of the model) and looks each up in a hash index: a 5-item cart costs 31
//! lookups whatever the number of rules. When a cart is so large that checking every antecedent
//! ending in one of its items is cheaper, the query does that instead. Scores land in a dense per-item array
//! reused across queries ([`Scratch`]), so a query allocates nothing but its answer.
//!
//! Ranking ([`Ranking`]): every rule `A -> y` with `A` in the cart proposes `y`; an item's score is
//! the best score of the rules proposing it. Confidence is smoothed toward the item's base rate,
//! `(count(A y) + m p(y)) / (count(A) + m)` with `m` = [`RecommendOptions::smoothing`], so a rule
//! seen in 2 baskets does not outrank one seen in 200 at a slightly lower confidence (the
//! m-estimate of Cestnik, 1990). Items no rule proposes are filled in by popularity, marked as such.
//!
//! ```
//! use upsell::data::{Dataset, ReadOptions};
//! use upsell::mining::{mine, MinSupport, MiningOptions};
//! use upsell::recommend::{Recommender, RecommendOptions};
//! use upsell::rules::{generate, RuleOptions};
//!
//! let text = "bread,butter\nbread,butter,milk\nbread,jam\nmilk,cereal\nbread,butter\n";
//! let data = Dataset::from_reader(text.as_bytes(), "mem.csv", &ReadOptions::baskets(b','))?;
//! let itemsets = mine(&data.baskets, &MiningOptions::new(MinSupport::count(1)))?;
//! let rules = generate(&itemsets, &RuleOptions { min_confidence: 0.1, max_consequent_len: Some(1), ..RuleOptions::default() })?;
//! let model = Recommender::new(&rules, &data.items, &data.baskets)?;
//! let answer = model.recommend_labels(&["bread"], 2, &RecommendOptions::default());
//! assert_eq!(model.label(answer.items[0].item), Some("butter"));
//! # Ok::<(), upsell::Error>(())
//! ```

mod ease;
mod evaluate;
mod fit;
mod model;
mod table;

pub use ease::{Ease, EaseAnswer, EaseOptions, EaseRecommendation, EaseScratch};
pub use evaluate::{Evaluation, EvaluationOptions, MethodScores, Split, SplitBy, evaluate};
pub use fit::FitOptions;
pub use model::MODEL_FILE;
pub use table::{RuleCounts, RuleTable};

use rustc_hash::FxHashMap;

use crate::data::{Baskets, ItemDictionary, ItemId};
use crate::rules::Rules;
use crate::{Error, Result};

/// Carts of item labels as a model's item ids (`item`: [`Recommender::item`] or [`Ease::item`]),
/// for the batch queries: labels the model does not know are left out, and counted.
///
/// ```
/// use upsell::recommend::cart_ids;
/// let known = |label: &str| ["bread", "butter"].iter().position(|l| *l == label).map(|i| i as u32);
/// let (ids, unknown) = cart_ids(&[vec!["bread", "jam"], vec!["butter"], vec![]], known);
/// assert_eq!((ids, unknown), (vec![vec![0], vec![1], vec![]], 1));
/// ```
pub fn cart_ids<S: AsRef<str>>(
    carts: &[Vec<S>],
    item: impl Fn(&str) -> Option<ItemId>,
) -> (Vec<Vec<ItemId>>, usize) {
    let mut unknown = 0;
    let ids = carts
        .iter()
        .map(|cart| {
            let known: Vec<ItemId> = cart
                .iter()
                .filter_map(|label| item(label.as_ref()))
                .collect();
            unknown += cart.len() - known.len();
            known
        })
        .collect();
    (ids, unknown)
}

/// How candidates are ranked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Ranking {
    /// The (smoothed) probability that the item joins the cart: best for hit rate.
    #[default]
    Confidence,
    /// Smoothed confidence over the item's base rate: surprising, niche suggestions.
    Lift,
    /// Smoothed confidence times the item's price: what the suggestion is expected to earn.
    ExpectedRevenue,
}

impl std::str::FromStr for Ranking {
    type Err = Error;

    /// ```
    /// use upsell::recommend::Ranking;
    /// assert_eq!("expected_revenue".parse::<Ranking>()?, Ranking::ExpectedRevenue);
    /// # Ok::<(), upsell::Error>(())
    /// ```
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "confidence" => Ok(Ranking::Confidence),
            "lift" => Ok(Ranking::Lift),
            "expected_revenue" | "revenue" => Ok(Ranking::ExpectedRevenue),
            _ => Err(Error::invalid_parameter(
                "by",
                format!("'{s}' is not one of confidence, lift, expected_revenue"),
            )),
        }
    }
}

/// Query options.
///
/// ```
/// use upsell::recommend::{Ranking, RecommendOptions};
/// let options = RecommendOptions { by: Ranking::Lift, backfill: false, ..RecommendOptions::default() };
/// assert_eq!(options.smoothing, 5.0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RecommendOptions {
    /// The ranking.
    pub by: Ranking,
    /// The m of the m-estimate: how many baskets' worth of the base rate a rule's confidence is
    /// blended with. 0 ranks by raw confidence.
    pub smoothing: f64,
    /// Ignore rules whose antecedent was seen in fewer baskets (a support floor). Above the number of
    /// training baskets no rule applies, which leaves the popularity baseline.
    pub min_antecedent_count: u64,
    /// Fill the answer up to `k` with the most popular items when rules propose fewer.
    pub backfill: bool,
}

impl RecommendOptions {
    /// Checks every parameter, naming the first bad one (every surface calls this before
    /// querying).
    ///
    /// ```
    /// use upsell::recommend::RecommendOptions;
    /// let options = RecommendOptions { smoothing: -1.0, ..RecommendOptions::default() };
    /// assert!(options.validate().unwrap_err().to_string().contains("smoothing"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        if !(self.smoothing >= 0.0 && self.smoothing.is_finite()) {
            return Err(Error::invalid_parameter(
                "smoothing",
                format!("must be a finite number >= 0, got {}", self.smoothing),
            ));
        }
        Ok(())
    }
}

impl Default for RecommendOptions {
    fn default() -> Self {
        RecommendOptions {
            by: Ranking::Confidence,
            smoothing: 5.0,
            min_antecedent_count: 1,
            backfill: true,
        }
    }
}

/// One recommended item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Recommendation {
    /// The item.
    pub item: ItemId,
    /// Its score under the ranking (higher is better; popularity fills score their base rate).
    pub score: f64,
    /// The rule that produced it (an index for [`Recommender::rule`]), or `None` for a
    /// popularity fill.
    pub rule: Option<u32>,
}

/// The answer to one cart: the items, and the cart's labels the model does not know.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answer {
    /// Up to `k` items, best first.
    pub items: Vec<Recommendation>,
    /// Cart labels unknown to the model: ignored, reported here.
    pub unknown: Vec<String>,
}

/// A rule of the model, for explanations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelRule<'a> {
    /// The antecedent's items (sorted).
    pub antecedent: &'a [ItemId],
    /// The recommended item.
    pub consequent: ItemId,
    /// Baskets with antecedent and consequent.
    pub count: u64,
    /// Baskets with the antecedent.
    pub antecedent_count: u64,
    /// Baskets with the consequent.
    pub consequent_count: u64,
    /// Baskets the model was built from.
    pub baskets: u64,
}

impl ModelRule<'_> {
    /// count / antecedent count.
    pub fn confidence(&self) -> f64 {
        self.count as f64 / self.antecedent_count as f64
    }

    /// Confidence over the consequent's base rate.
    pub fn lift(&self) -> f64 {
        self.confidence() * self.baskets as f64 / self.consequent_count as f64
    }

    /// count / baskets.
    pub fn support(&self) -> f64 {
        self.count as f64 / self.baskets as f64
    }
}

/// Item prices in integer minor units of one currency, for [`Ranking::ExpectedRevenue`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ItemPrices {
    /// ISO 4217 code (`"GBP"`).
    pub currency: String,
    /// Each item's price in minor units, `None` when unknown.
    pub minor: Vec<Option<i64>>,
}

/// A recommendation model: rules indexed by antecedent, item labels and frequencies.
#[derive(Debug, Clone)]
pub struct Recommender {
    data: model::ModelData,
    /// Antecedent -> the range of its rules in `data` (rules are sorted by antecedent).
    index: FxHashMap<Box<[ItemId]>, (u32, u32)>,
    /// For every item, the antecedent groups whose last (highest) item it is, for large carts.
    by_last: Vec<Vec<u32>>,
    /// Group starts: rule ranges of each distinct antecedent, in order.
    groups: Vec<(u32, u32)>,
    longest: usize,
    /// Item ids by descending count.
    popular: Vec<ItemId>,
    label_ids: FxHashMap<String, ItemId>,
    /// The largest base rate of any item, bounding the smoothing term.
    max_base: f64,
}

/// Per-thread scratch space reused across queries.
#[derive(Debug, Default, Clone)]
pub struct Scratch {
    best: Vec<f64>,
    from: Vec<u32>,
    touched: Vec<ItemId>,
    subset: Vec<ItemId>,
    cart: Vec<ItemId>,
    in_cart: Vec<bool>,
}

impl Recommender {
    /// A model from `rules` (rules with several consequent items are skipped: recommend from rules
    /// mined with `max_consequent_len = 1`), the labels of the item ids and the training baskets
    /// (for item counts, popularity and base rates).
    pub fn new(rules: &Rules, items: &ItemDictionary, baskets: &Baskets) -> Result<Self> {
        let counts = baskets.item_frequencies();
        let mut item_counts = vec![0u64; items.len()];
        for (slot, &c) in item_counts.iter_mut().zip(&counts) {
            *slot = c;
        }
        Self::from_parts(
            rules,
            items.labels().map(str::to_owned).collect(),
            item_counts,
            baskets.len() as u64,
        )
    }

    /// A model from rules, labels, per-item basket counts and the number of baskets.
    pub fn from_parts(
        rules: &Rules,
        labels: Vec<String>,
        item_counts: Vec<u64>,
        baskets: u64,
    ) -> Result<Self> {
        if labels.len() != item_counts.len() {
            return Err(Error::invalid_parameter(
                "item_counts",
                format!(
                    "{} labels but {} item counts",
                    labels.len(),
                    item_counts.len()
                ),
            ));
        }
        let mut order: Vec<usize> = (0..rules.len())
            .filter(|&k| rules.get(k).is_some_and(|r| r.consequent().len() == 1))
            .collect();
        // Within an antecedent, rules by descending count: queries stop early once the rest
        // cannot reach the top k.
        let key = |k: usize| {
            rules.get(k).map(|r| {
                (
                    r.antecedent().len(),
                    r.antecedent(),
                    std::cmp::Reverse(r.count()),
                    r.consequent()[0],
                )
            })
        };
        order.sort_by(|&a, &b| key(a).cmp(&key(b)));
        let mut data = model::ModelData {
            labels,
            item_counts,
            baskets,
            antecedents: Vec::new(),
            antecedent_offsets: vec![0],
            consequents: Vec::new(),
            counts: Vec::new(),
            antecedent_counts: Vec::new(),
            prices: None,
        };
        for k in order {
            let rule = rules
                .get(k)
                .unwrap_or_else(|| unreachable!("index within len"));
            let consequent = rule.consequent()[0];
            let known = |i: ItemId| (i as usize) < data.labels.len();
            if !rule.antecedent().iter().all(|&i| known(i)) || !known(consequent) {
                return Err(Error::invalid_parameter(
                    "rules",
                    format!(
                        "a rule mentions item id {consequent} or another id beyond the {} labels",
                        data.labels.len()
                    ),
                ));
            }
            data.antecedents.extend_from_slice(rule.antecedent());
            data.antecedent_offsets.push(data.antecedents.len());
            data.consequents.push(consequent);
            data.counts.push(rule.count());
            data.antecedent_counts.push(rule.antecedent_count());
        }
        Self::index(data)
    }

    /// Attaches item prices (minor units of one currency), for [`Ranking::ExpectedRevenue`].
    pub fn with_prices(mut self, prices: ItemPrices) -> Result<Self> {
        if prices.minor.len() != self.data.labels.len() {
            return Err(Error::invalid_parameter(
                "prices",
                format!(
                    "{} prices for {} items",
                    prices.minor.len(),
                    self.data.labels.len()
                ),
            ));
        }
        if let Some(k) = prices.minor.iter().position(|p| p.is_some_and(|p| p < 0)) {
            return Err(Error::invalid_parameter(
                "prices",
                format!("the price of '{}' is negative", self.data.labels[k]),
            ));
        }
        self.data.prices = Some(prices);
        Ok(self)
    }

    fn index(data: model::ModelData) -> Result<Self> {
        data.validate()?;
        let n_rules = data.consequents.len();
        let mut index = FxHashMap::default();
        let mut groups = Vec::new();
        let mut by_last = vec![Vec::new(); data.labels.len()];
        let mut longest = 0;
        let mut start = 0;
        while start < n_rules {
            let antecedent = data.antecedent(start);
            let mut end = start + 1;
            while end < n_rules && data.antecedent(end) == antecedent {
                end += 1;
            }
            if index
                .insert(antecedent.into(), (start as u32, end as u32))
                .is_some()
            {
                return Err(Error::invalid_input(
                    crate::Location::memory(),
                    "the model's rules are not grouped by antecedent",
                ));
            }
            longest = longest.max(antecedent.len());
            if let Some(&last) = antecedent.last() {
                by_last[last as usize].push(groups.len() as u32);
            }
            groups.push((start as u32, end as u32));
            start = end;
        }
        let mut popular: Vec<ItemId> = (0..data.labels.len() as ItemId).collect();
        popular.sort_by(|&a, &b| {
            data.item_counts[b as usize]
                .cmp(&data.item_counts[a as usize])
                .then(a.cmp(&b))
        });
        let label_ids = data
            .labels
            .iter()
            .enumerate()
            .map(|(k, l)| (l.clone(), k as ItemId))
            .collect();
        let max_base =
            data.item_counts.iter().copied().max().unwrap_or(0) as f64 / data.baskets.max(1) as f64;
        Ok(Recommender {
            data,
            index,
            by_last,
            groups,
            longest,
            popular,
            label_ids,
            max_base,
        })
    }

    /// The number of rules in the model.
    pub fn rule_count(&self) -> usize {
        self.data.consequents.len()
    }

    /// The number of items the model knows.
    pub fn item_count(&self) -> usize {
        self.data.labels.len()
    }

    /// The label of an item id.
    pub fn label(&self, item: ItemId) -> Option<&str> {
        self.data.labels.get(item as usize).map(String::as_str)
    }

    /// The id of a label.
    pub fn item(&self, label: &str) -> Option<ItemId> {
        self.label_ids.get(label).copied()
    }

    /// An item's price in minor units, when the model has prices.
    pub fn price(&self, item: ItemId) -> Option<i64> {
        self.data
            .prices
            .as_ref()?
            .minor
            .get(item as usize)
            .copied()
            .flatten()
    }

    /// The currency of the model's prices.
    pub fn currency(&self) -> Option<&str> {
        self.data.prices.as_ref().map(|p| p.currency.as_str())
    }

    /// Checks that this model can rank by `ranking`: [`Ranking::ExpectedRevenue`] needs prices
    /// (see [`Recommender::with_prices`]); without them every score would be 0. The C library
    /// calls it before each query.
    pub fn check_ranking(&self, ranking: Ranking) -> Result<()> {
        if ranking == Ranking::ExpectedRevenue && self.data.prices.is_none() {
            return Err(Error::invalid_parameter(
                "by",
                "ranking by expected revenue needs prices, and this model has none (attach them first)",
            ));
        }
        Ok(())
    }

    /// Rule `index` of the model, for explanations.
    pub fn rule(&self, index: u32) -> Option<ModelRule<'_>> {
        let k = index as usize;
        let consequent = *self.data.consequents.get(k)?;
        Some(ModelRule {
            antecedent: self.data.antecedent(k),
            consequent,
            count: self.data.counts[k],
            antecedent_count: self.data.antecedent_counts[k],
            consequent_count: self.data.item_counts[consequent as usize],
            baskets: self.data.baskets,
        })
    }

    /// Up to `k` items for a cart given by labels; unknown labels are ignored and reported.
    pub fn recommend_labels<S: AsRef<str>>(
        &self,
        cart: &[S],
        k: usize,
        options: &RecommendOptions,
    ) -> Answer {
        let mut ids = Vec::with_capacity(cart.len());
        let mut unknown = Vec::new();
        for label in cart {
            match self.item(label.as_ref()) {
                Some(id) => ids.push(id),
                None => unknown.push(label.as_ref().to_owned()),
            }
        }
        let mut items = Vec::with_capacity(k);
        self.recommend_into(&ids, k, options, &mut Scratch::default(), &mut items);
        Answer { items, unknown }
    }

    /// Up to `k` items not in `cart` (item ids; ids the model does not know are ignored), best
    /// first, written to `out` (cleared first). Reuse `scratch` across calls on one thread.
    pub fn recommend_into(
        &self,
        cart: &[ItemId],
        k: usize,
        options: &RecommendOptions,
        scratch: &mut Scratch,
        out: &mut Vec<Recommendation>,
    ) {
        out.clear();
        let n_items = self.data.labels.len();
        if scratch.best.len() != n_items {
            scratch.best = vec![f64::NEG_INFINITY; n_items];
            scratch.from = vec![u32::MAX; n_items];
            scratch.in_cart = vec![false; n_items];
        }
        scratch.cart.clear();
        scratch
            .cart
            .extend(cart.iter().copied().filter(|&i| (i as usize) < n_items));
        scratch.cart.sort_unstable();
        scratch.cart.dedup();
        for &i in &scratch.cart {
            scratch.in_cart[i as usize] = true;
        }
        self.propose(k, options, scratch);
        let mut found: Vec<Recommendation> = scratch
            .touched
            .iter()
            .map(|&item| Recommendation {
                item,
                score: scratch.best[item as usize],
                rule: Some(scratch.from[item as usize]),
            })
            .collect();
        let better = |a: &Recommendation, b: &Recommendation| {
            b.score.total_cmp(&a.score).then(a.item.cmp(&b.item))
        };
        if found.len() > k {
            found.select_nth_unstable_by(k, better);
            found.truncate(k);
        }
        found.sort_unstable_by(better);
        out.extend(found);
        if options.backfill {
            for &item in &self.popular {
                if out.len() >= k {
                    break;
                }
                if !scratch.in_cart[item as usize]
                    && scratch.best[item as usize] == f64::NEG_INFINITY
                {
                    let base = self.data.item_counts[item as usize] as f64
                        / self.data.baskets.max(1) as f64;
                    out.push(Recommendation {
                        item,
                        score: self.score(base, base, item, options.by),
                        rule: None,
                    });
                }
            }
        }
        for &item in &scratch.touched {
            scratch.best[item as usize] = f64::NEG_INFINITY;
            scratch.from[item as usize] = u32::MAX;
        }
        scratch.touched.clear();
        for &i in &scratch.cart {
            scratch.in_cart[i as usize] = false;
        }
    }

    /// Scores every consequent of every rule whose antecedent is in the cart.
    fn propose(&self, k: usize, options: &RecommendOptions, scratch: &mut Scratch) {
        if options.min_antecedent_count > self.data.baskets {
            return; // no rule can apply: popularity alone
        }
        let m = scratch.cart.len();
        let longest = self.longest.min(m);
        let cart = std::mem::take(&mut scratch.cart);
        // Two ways to find the antecedents inside the cart, whichever touches less: look up every
        // subset of the cart, or check every antecedent that ends with a cart item.
        let lookups: f64 = (1..=longest).map(|r| binomial(m, r)).sum();
        let checks: usize = cart.iter().map(|&i| self.by_last[i as usize].len()).sum();
        if lookups <= checks as f64 {
            let mut subset = std::mem::take(&mut scratch.subset);
            for size in 1..=longest {
                self.each_subset(&cart, size, 0, &mut subset, &mut |range| {
                    self.apply(range, k, options, scratch)
                });
            }
            scratch.subset = subset;
        } else {
            for &last in &cart {
                for &g in &self.by_last[last as usize] {
                    let (start, end) = self.groups[g as usize];
                    let antecedent = self.data.antecedent(start as usize);
                    let rest = &antecedent[..antecedent.len() - 1];
                    if rest.iter().all(|i| cart.binary_search(i).is_ok()) {
                        self.apply((start, end), k, options, scratch);
                    }
                }
            }
        }
        scratch.cart = cart;
    }

    fn each_subset(
        &self,
        cart: &[ItemId],
        size: usize,
        from: usize,
        subset: &mut Vec<ItemId>,
        f: &mut impl FnMut((u32, u32)),
    ) {
        if subset.len() == size {
            if let Some(&range) = self.index.get(subset.as_slice()) {
                f(range);
            }
            return;
        }
        let needed = size - subset.len();
        for at in from..=cart.len().saturating_sub(needed) {
            subset.push(cart[at]);
            self.each_subset(cart, size, at + 1, subset, f);
            subset.pop();
        }
    }

    fn apply(
        &self,
        (start, end): (u32, u32),
        k: usize,
        options: &RecommendOptions,
        scratch: &mut Scratch,
    ) {
        let (start, end) = (start as usize, end as usize);
        let antecedent_count = self.data.antecedent_counts[start];
        if antecedent_count < options.min_antecedent_count {
            return;
        }
        let n = self.data.baskets.max(1) as f64;
        let m = options.smoothing;
        // Ranking by confidence, rules come by descending count: once k items of this antecedent
        // are in, a rule whose count plus the largest possible smoothing term stays below the k-th
        // count cannot place its item in the top k through this antecedent.
        let early_stop = options.by == Ranking::Confidence;
        let mut eligible = 0;
        let mut kth_count = 0.0;
        for r in start..end {
            let count = self.data.counts[r] as f64;
            if early_stop && eligible >= k && count + m * self.max_base < kth_count {
                break;
            }
            let item = self.data.consequents[r];
            if scratch.in_cart[item as usize] {
                continue;
            }
            eligible += 1;
            if eligible == k {
                kth_count = count;
            }
            let base = self.data.item_counts[item as usize] as f64 / n;
            let confidence = (count + m * base) / (antecedent_count as f64 + m);
            let score = self.score(confidence, base, item, options.by);
            let slot = &mut scratch.best[item as usize];
            if *slot == f64::NEG_INFINITY {
                scratch.touched.push(item);
            }
            if score > *slot || (score == *slot && (r as u32) < scratch.from[item as usize]) {
                *slot = score;
                scratch.from[item as usize] = r as u32;
            }
        }
    }

    fn score(&self, confidence: f64, base: f64, item: ItemId, by: Ranking) -> f64 {
        match by {
            Ranking::Confidence => confidence,
            Ranking::Lift => {
                if base > 0.0 {
                    confidence / base
                } else {
                    0.0
                }
            }
            Ranking::ExpectedRevenue => confidence * self.price(item).unwrap_or(0) as f64,
        }
    }

    /// Recommendations for many carts in parallel (each cart given as item ids), in cart order.
    pub fn recommend_batch(
        &self,
        carts: &[Vec<ItemId>],
        k: usize,
        options: &RecommendOptions,
        threads: Option<usize>,
    ) -> Vec<Vec<Recommendation>> {
        const CHUNK: usize = 256;
        let runner = crate::parallel::Runner::new(threads);
        let chunks = runner.map(
            carts.len().div_ceil(CHUNK),
            Scratch::default,
            |scratch, c| {
                let end = ((c + 1) * CHUNK).min(carts.len());
                carts[c * CHUNK..end]
                    .iter()
                    .map(|cart| {
                        let mut out = Vec::with_capacity(k);
                        self.recommend_into(cart, k, options, scratch, &mut out);
                        out
                    })
                    .collect::<Vec<_>>()
            },
        );
        chunks.into_iter().flatten().collect()
    }
}

fn binomial(n: usize, r: usize) -> f64 {
    (0..r).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}
