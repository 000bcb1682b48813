//! Proof on held-out data: do the recommenders beat recommending what is popular?
//!
//! Baskets are split into training and test sets (by position, by time, or at a cut-off time). The
//! recommenders are mined (rules) or fitted ([`Ease`], when asked for) from the training baskets
//! only. Each test basket of two or more items is
//! then replayed leave-one-out: every item in turn is hidden, the rest is the cart, and a
//! recommendation of `k` items "hits" when it holds the hidden item. Hiding every item in turn,
//! rather than one at random, makes the score deterministic without a seed.
//!
//! Reported per method (the rule recommender, the popularity baseline that proposes the `k` most
//! frequent training items not in the cart, and EASE when [`EvaluationOptions::ease`] is set): hit rate@k, precision@k (hits over `k`),
//! recall@k (hidden items found over hidden items: equal to the hit rate with one hidden item),
//! catalog coverage (distinct items ever recommended over items seen in training) and, with
//! prices, the share of the hidden items' value that was recommended.

use super::{
    Ease, EaseOptions, EaseRecommendation, EaseScratch, FitOptions, ItemPrices, Ranking,
    RecommendOptions, Recommendation, Recommender, Scratch,
};
use crate::data::{BasketBuilder, Baskets, ItemDictionary, ItemId};
use crate::mining::MinSupport;
use crate::time::Timestamp;
use crate::{Control, Error, Result};

/// How baskets are split into training and test sets.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Split {
    /// The first `train` fraction of baskets (in file order) trains, the rest tests.
    Position {
        /// The training share, in (0, 1).
        train: f64,
    },
    /// Baskets ordered by time; the earliest `train` fraction trains.
    TimeFraction {
        /// The training share, in (0, 1).
        train: f64,
    },
    /// Baskets before `cutoff` train, the others test.
    Cutoff {
        /// The first instant of the test period.
        cutoff: Timestamp,
    },
}

/// How a [`Split`] orders baskets, by the name every surface gives it: `position` (file order)
/// or `time` (each basket's time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SplitBy {
    /// File order: the first share trains.
    #[default]
    Position,
    /// Time order: the earliest share trains, or the baskets before a cut-off.
    Time,
}

impl std::str::FromStr for SplitBy {
    type Err = Error;

    /// ```
    /// use upsell::recommend::SplitBy;
    /// assert_eq!("time".parse::<SplitBy>()?, SplitBy::Time);
    /// assert!("random".parse::<SplitBy>().is_err());
    /// # Ok::<(), upsell::Error>(())
    /// ```
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "position" => Ok(SplitBy::Position),
            "time" => Ok(SplitBy::Time),
            _ => Err(Error::invalid_parameter(
                "split",
                format!("'{s}' is not one of position, time"),
            )),
        }
    }
}

impl Split {
    /// The split every surface asks for: ordered `by` position or time, the first `train` share
    /// trains; a `cutoff` (only with a split by time) trains the baskets before it instead.
    ///
    /// ```
    /// use upsell::recommend::{Split, SplitBy};
    /// use upsell::time::parse_timestamp_parameter;
    /// assert_eq!(Split::new(SplitBy::Time, 0.8, None)?, Split::TimeFraction { train: 0.8 });
    /// let cutoff = parse_timestamp_parameter("cutoff", "2024-01-03")?;
    /// assert_eq!(Split::new(SplitBy::Time, 0.8, Some(cutoff))?, Split::Cutoff { cutoff });
    /// assert!(Split::new(SplitBy::Position, 0.8, Some(cutoff)).is_err());
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn new(by: SplitBy, train: f64, cutoff: Option<Timestamp>) -> Result<Split> {
        match (by, cutoff) {
            (SplitBy::Position, None) => Ok(Split::Position { train }),
            (SplitBy::Time, None) => Ok(Split::TimeFraction { train }),
            (SplitBy::Time, Some(cutoff)) => Ok(Split::Cutoff { cutoff }),
            (SplitBy::Position, Some(_)) => Err(Error::invalid_parameter(
                "cutoff",
                "a cutoff needs a split by time",
            )),
        }
    }
}

/// What to evaluate and how.
///
/// ```
/// use upsell::mining::MinSupport;
/// use upsell::recommend::{EvaluationOptions, Split};
/// let options = EvaluationOptions { k: 10, ..EvaluationOptions::new(MinSupport::count(5)) };
/// assert_eq!(options.split, Split::Position { train: 0.8 });
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluationOptions {
    /// The split.
    pub split: Split,
    /// Items recommended per cart.
    pub k: usize,
    /// Support threshold for mining the training baskets.
    pub min_support: MinSupport,
    /// Rules below this confidence are not in the model.
    pub min_confidence: f64,
    /// The longest antecedent in the model, at least 1 (see [`FitOptions::max_antecedent_len`]).
    pub max_antecedent_len: usize,
    /// How the recommender ranks.
    pub recommend: RecommendOptions,
    /// Item prices, for the revenue measure (and [`Ranking::ExpectedRevenue`]).
    pub prices: Option<ItemPrices>,
    /// Also evaluate an [`Ease`] model fitted with these options (its `threads`, when `None`,
    /// are the evaluation's).
    pub ease: Option<EaseOptions>,
    /// Worker threads.
    pub threads: Option<usize>,
}

impl EvaluationOptions {
    /// The defaults: 80/20 split by position, k = 5, rules of antecedents up to 3 items with
    /// confidence at least 0.01, no EASE.
    pub fn new(min_support: MinSupport) -> Self {
        EvaluationOptions {
            split: Split::Position { train: 0.8 },
            k: 5,
            min_support,
            min_confidence: 0.01,
            max_antecedent_len: 3,
            recommend: RecommendOptions::default(),
            prices: None,
            ease: None,
            threads: None,
        }
    }
}

/// The scores of one method.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MethodScores {
    /// `"rules"`, `"popularity"` or `"ease"`.
    pub method: String,
    /// Share of cases whose hidden item was recommended.
    pub hit_rate: f64,
    /// Hits over `k`, averaged over cases.
    pub precision: f64,
    /// Hidden items found over hidden items.
    pub recall: f64,
    /// Distinct items recommended over items seen in training.
    pub coverage: f64,
    /// Value of the hidden items recommended over value of all hidden items, when prices exist.
    pub revenue_captured: Option<f64>,
}

/// The outcome of [`evaluate`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Evaluation {
    /// Training baskets.
    pub train_baskets: usize,
    /// Test baskets with at least two items (the others cannot be replayed).
    pub test_baskets: usize,
    /// Leave-one-out cases: one per item of each replayed test basket.
    pub cases: usize,
    /// Rules in the model.
    pub rules: usize,
    /// Candidate items of the EASE model, when evaluated.
    pub ease_items: Option<usize>,
    /// `k`.
    pub k: usize,
    /// The rule recommender, the popularity baseline, then EASE when evaluated.
    pub methods: Vec<MethodScores>,
}

impl Evaluation {
    /// The relative gain of the rules' hit rate over popularity's (0.15 = 15% better).
    pub fn lift_over_popularity(&self) -> f64 {
        self.lift("rules").unwrap_or(0.0)
    }

    /// The relative gain of `method`'s hit rate over popularity's; `None` when the method was not
    /// evaluated or popularity hit nothing.
    ///
    /// ```
    /// use upsell::data::{Dataset, ReadOptions};
    /// use upsell::mining::MinSupport;
    /// use upsell::recommend::{evaluate, EaseOptions, EvaluationOptions};
    /// let text = "a,b\na,b\na,b,c\nc,d\nc,d\na,b\nc,d\na,b\na,b\nc,d\n";
    /// let data = Dataset::from_reader(text.as_bytes(), "mem.csv", &ReadOptions::baskets(b','))?;
    /// let options = EvaluationOptions {
    ///     k: 1,
    ///     ease: Some(EaseOptions { lambda: 1.0, ..EaseOptions::default() }),
    ///     ..EvaluationOptions::new(MinSupport::count(2))
    /// };
    /// let result = evaluate(&data.baskets, &data.items, None, &options, &Default::default())?;
    /// assert_eq!(result.methods[2].method, "ease");
    /// assert_eq!(result.lift("ease"), result.lift("rules")); // both always right here
    /// assert_eq!(result.lift("popularity"), Some(0.0));
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn lift(&self, method: &str) -> Option<f64> {
        let hit_rate = |name: &str| {
            self.methods
                .iter()
                .find(|m| m.method == name)
                .map(|m| m.hit_rate)
        };
        let popular = hit_rate("popularity").filter(|&p| p > 0.0)?;
        Some(hit_rate(method)? / popular - 1.0)
    }
}

/// Evaluates the rule recommender (and EASE, when asked for) against popularity on held-out
/// baskets (see the module docs).
///
/// `times` (one per basket) is needed by the time splits.
///
/// ```
/// use upsell::data::{Dataset, ReadOptions};
/// use upsell::mining::MinSupport;
/// use upsell::recommend::{evaluate, EvaluationOptions};
/// let text = "a,b\na,b\na,b,c\nc,d\nc,d\na,b\nc,d\na,b\na,b\nc,d\n";
/// let data = Dataset::from_reader(text.as_bytes(), "mem.csv", &ReadOptions::baskets(b','))?;
/// let result = evaluate(&data.baskets, &data.items, None, &EvaluationOptions { k: 1, ..EvaluationOptions::new(MinSupport::count(2)) }, &Default::default())?;
/// assert_eq!(result.methods[0].hit_rate, 1.0); // a <-> b, c <-> d
/// assert!(result.methods[1].hit_rate < 1.0);  // popularity proposes a or b every time
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn evaluate(
    baskets: &Baskets,
    items: &ItemDictionary,
    times: Option<&[Timestamp]>,
    options: &EvaluationOptions,
    control: &Control,
) -> Result<Evaluation> {
    if options.k == 0 {
        return Err(Error::invalid_parameter("k", "must be at least 1"));
    }
    options.recommend.validate()?;
    let fit = FitOptions {
        min_confidence: options.min_confidence,
        max_antecedent_len: options.max_antecedent_len,
        threads: options.threads,
        ..FitOptions::new(options.min_support)
    };
    fit.validate()?;
    let (train, test) = split(baskets, items.len(), times, options.split)?;
    if train.is_empty() || test.is_empty() {
        return Err(Error::invalid_parameter(
            "split",
            format!(
                "leaves {} training and {} test baskets; both must be non-empty",
                train.len(),
                test.len()
            ),
        ));
    }
    let mut model = Recommender::fit(&train, items, &fit, control)?;
    if let Some(prices) = &options.prices {
        model = model.with_prices(prices.clone())?;
    }
    let ease = match &options.ease {
        Some(ease) => {
            let ease = EaseOptions {
                threads: ease.threads.or(options.threads),
                ..ease.clone()
            };
            Some(Ease::fit(&train, items, &ease, control)?)
        }
        None => None,
    };
    let method_count = if ease.is_some() { 3 } else { 2 };
    let tallies = || vec![Tally::new(model.item_count()); method_count];
    let replayed: Vec<usize> = (0..test.len())
        .filter(|&b| test.get(b).is_some_and(|s| s.len() >= 2))
        .collect();
    let runner = crate::parallel::Runner::new(options.threads);
    const CHUNK: usize = 64;
    let tallies_of_chunks = runner.map(
        replayed.len().div_ceil(CHUNK),
        || Worker::new(tallies()),
        |worker, c| {
            let end = ((c + 1) * CHUNK).min(replayed.len());
            for &b in &replayed[c * CHUNK..end] {
                if control.is_cancelled() {
                    break;
                }
                let basket = test.get(b).unwrap_or_default();
                worker.replay(&model, ease.as_ref(), basket, options);
            }
            std::mem::replace(&mut worker.tally, tallies())
        },
    );
    control.check()?;
    let mut total = tallies();
    for parts in tallies_of_chunks {
        for (sum, part) in total.iter_mut().zip(parts) {
            sum.merge(&part);
        }
    }
    let trained = train.item_frequencies().iter().filter(|&&c| c > 0).count();
    let methods = ["rules", "popularity", "ease"]
        .iter()
        .zip(&total)
        .map(|(name, t)| t.scores(name, options.k, trained, options.prices.is_some()))
        .collect();
    Ok(Evaluation {
        train_baskets: train.len(),
        test_baskets: replayed.len(),
        cases: total[0].cases as usize,
        rules: model.rule_count(),
        ease_items: ease.as_ref().map(Ease::candidate_count),
        k: options.k,
        methods,
    })
}

fn split(
    baskets: &Baskets,
    n_items: usize,
    times: Option<&[Timestamp]>,
    split: Split,
) -> Result<(Baskets, Baskets)> {
    let fraction = |train: f64| {
        if train > 0.0 && train < 1.0 {
            Ok(train)
        } else {
            Err(Error::invalid_parameter(
                "train",
                format!("the training share must be within (0, 1), got {train}"),
            ))
        }
    };
    let need_times = || {
        times.filter(|t| t.len() == baskets.len()).ok_or_else(|| {
            Error::invalid_parameter(
                "split",
                "a time split needs one timestamp per basket (a time column)",
            )
        })
    };
    let order: Vec<usize> = match split {
        Split::Position { .. } => (0..baskets.len()).collect(),
        Split::TimeFraction { .. } | Split::Cutoff { .. } => {
            let times = need_times()?;
            let mut order: Vec<usize> = (0..baskets.len()).collect();
            order.sort_by_key(|&b| (times[b], b));
            order
        }
    };
    let cut = match split {
        Split::Position { train } | Split::TimeFraction { train } => {
            ((baskets.len() as f64) * fraction(train)?).round() as usize
        }
        Split::Cutoff { cutoff } => {
            let times = need_times()?;
            order.partition_point(|&b| times[b] < cutoff)
        }
    };
    let build = |range: &[usize]| {
        let mut builder = BasketBuilder::default();
        let mut basket = Vec::new();
        for &b in range {
            basket.clear();
            basket.extend_from_slice(baskets.get(b).unwrap_or_default());
            builder.push(&mut basket);
        }
        builder.finish_with_items(n_items)
    };
    Ok((build(&order[..cut]), build(&order[cut..])))
}

/// Hits and totals of one method.
#[derive(Debug, Clone, Default)]
struct Tally {
    cases: u64,
    hits: u64,
    value: i128,
    value_hit: i128,
    recommended: Vec<bool>,
}

impl Tally {
    fn new(items: usize) -> Self {
        Tally {
            recommended: vec![false; items],
            ..Tally::default()
        }
    }

    fn record(
        &mut self,
        answer: impl Iterator<Item = ItemId> + Clone,
        hidden: ItemId,
        price: Option<i64>,
    ) {
        self.cases += 1;
        let hit = answer.clone().any(|item| item == hidden);
        self.hits += u64::from(hit);
        let price = i128::from(price.unwrap_or(0));
        self.value += price;
        if hit {
            self.value_hit += price;
        }
        for item in answer {
            self.recommended[item as usize] = true;
        }
    }

    fn merge(&mut self, other: &Tally) {
        self.cases += other.cases;
        self.hits += other.hits;
        self.value += other.value;
        self.value_hit += other.value_hit;
        for (a, &b) in self.recommended.iter_mut().zip(&other.recommended) {
            *a |= b;
        }
    }

    fn scores(&self, method: &str, k: usize, trained: usize, priced: bool) -> MethodScores {
        let cases = self.cases.max(1) as f64;
        let hit_rate = self.hits as f64 / cases;
        MethodScores {
            method: method.to_owned(),
            hit_rate,
            precision: hit_rate / k as f64,
            recall: hit_rate,
            coverage: self.recommended.iter().filter(|&&r| r).count() as f64
                / trained.max(1) as f64,
            revenue_captured: (priced && self.value > 0)
                .then(|| self.value_hit as f64 / self.value as f64),
        }
    }
}

struct Worker {
    scratch: Scratch,
    cart: Vec<ItemId>,
    answer: Vec<Recommendation>,
    ease_scratch: EaseScratch,
    ease_answer: Vec<EaseRecommendation>,
    /// Rules, popularity, then EASE when evaluated.
    tally: Vec<Tally>,
}

impl Worker {
    fn new(tally: Vec<Tally>) -> Self {
        Worker {
            scratch: Scratch::default(),
            cart: Vec::new(),
            answer: Vec::new(),
            ease_scratch: EaseScratch::default(),
            ease_answer: Vec::new(),
            tally,
        }
    }

    fn replay(
        &mut self,
        model: &Recommender,
        ease: Option<&Ease>,
        basket: &[ItemId],
        options: &EvaluationOptions,
    ) {
        let popularity = RecommendOptions {
            by: Ranking::Confidence,
            backfill: true,
            min_antecedent_count: u64::MAX,
            ..options.recommend.clone()
        };
        for (at, &hidden) in basket.iter().enumerate() {
            self.cart.clear();
            self.cart.extend(
                basket
                    .iter()
                    .enumerate()
                    .filter(|&(i, _)| i != at)
                    .map(|(_, &x)| x),
            );
            let price = model.price(hidden);
            model.recommend_into(
                &self.cart,
                options.k,
                &options.recommend,
                &mut self.scratch,
                &mut self.answer,
            );
            self.tally[0].record(self.answer.iter().map(|r| r.item), hidden, price);
            model.recommend_into(
                &self.cart,
                options.k,
                &popularity,
                &mut self.scratch,
                &mut self.answer,
            );
            self.tally[1].record(self.answer.iter().map(|r| r.item), hidden, price);
        }
        if let (Some(ease), Some(tally)) = (ease, self.tally.get_mut(2)) {
            ease.replay(
                basket,
                options.k,
                &mut self.ease_scratch,
                &mut self.ease_answer,
                |hidden, answer| {
                    tally.record(answer.iter().map(|r| r.item), hidden, model.price(hidden));
                },
            );
        }
    }
}
