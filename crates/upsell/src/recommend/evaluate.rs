//! Proof on held-out data: does the rule recommender beat recommending what is popular?
//!
//! Baskets are split into training and test sets (by position, by time, or at a cut-off time). The
//! recommender is mined from the training baskets only. Each test basket of two or more items is
//! then replayed leave-one-out: every item in turn is hidden, the rest is the cart, and a
//! recommendation of `k` items "hits" when it holds the hidden item. Hiding every item in turn,
//! rather than one at random, makes the score deterministic without a seed.
//!
//! Reported per method (the rule recommender, and the popularity baseline that proposes the `k`
//! most frequent training items not in the cart): hit rate@k, precision@k (hits over `k`),
//! recall@k (hidden items found over hidden items: equal to the hit rate with one hidden item),
//! catalog coverage (distinct items ever recommended over items seen in training) and, with
//! prices, the share of the hidden items' value that was recommended.

use super::{ItemPrices, Ranking, RecommendOptions, Recommendation, Recommender, Scratch};
use crate::data::{BasketBuilder, Baskets, ItemDictionary, ItemId};
use crate::mining::{MinSupport, MiningOptions, mine_with};
use crate::rules::{RuleOptions, generate_with};
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
    /// The longest antecedent in the model.
    pub max_antecedent_len: usize,
    /// How the recommender ranks.
    pub recommend: RecommendOptions,
    /// Item prices, for the revenue measure (and [`Ranking::ExpectedRevenue`]).
    pub prices: Option<ItemPrices>,
    /// Worker threads.
    pub threads: Option<usize>,
}

impl EvaluationOptions {
    /// The defaults: 80/20 split by position, k = 5, rules of antecedents up to 3 items with
    /// confidence at least 0.01.
    pub fn new(min_support: MinSupport) -> Self {
        EvaluationOptions {
            split: Split::Position { train: 0.8 },
            k: 5,
            min_support,
            min_confidence: 0.01,
            max_antecedent_len: 3,
            recommend: RecommendOptions::default(),
            prices: None,
            threads: None,
        }
    }
}

/// The scores of one method.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MethodScores {
    /// `"rules"` or `"popularity"`.
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
    /// `k`.
    pub k: usize,
    /// The rule recommender, then the popularity baseline.
    pub methods: Vec<MethodScores>,
}

impl Evaluation {
    /// The relative gain of the rules' hit rate over popularity's (0.15 = 15% better).
    pub fn lift_over_popularity(&self) -> f64 {
        match (self.methods.first(), self.methods.get(1)) {
            (Some(rules), Some(popular)) if popular.hit_rate > 0.0 => {
                rules.hit_rate / popular.hit_rate - 1.0
            }
            _ => 0.0,
        }
    }
}

/// Evaluates the rule recommender against popularity on held-out baskets (see the module docs).
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
    let mining = MiningOptions {
        max_len: Some(options.max_antecedent_len + 1),
        threads: options.threads,
        ..MiningOptions::new(options.min_support)
    };
    let itemsets = mine_with(&train, &mining, control)?;
    let rule_options = RuleOptions {
        min_confidence: options.min_confidence,
        max_consequent_len: Some(1),
        threads: options.threads,
        ..RuleOptions::default()
    };
    let rules = generate_with(&itemsets, &rule_options, control)?;
    let mut model = Recommender::new(&rules, items, &train)?;
    if let Some(prices) = &options.prices {
        model = model.with_prices(prices.clone())?;
    }
    let replayed: Vec<usize> = (0..test.len())
        .filter(|&b| test.get(b).is_some_and(|s| s.len() >= 2))
        .collect();
    let runner = crate::parallel::Runner::new(options.threads);
    const CHUNK: usize = 64;
    let tallies = runner.map(
        replayed.len().div_ceil(CHUNK),
        || Worker::new(model.item_count()),
        |worker, c| {
            let end = ((c + 1) * CHUNK).min(replayed.len());
            for &b in &replayed[c * CHUNK..end] {
                if control.is_cancelled() {
                    break;
                }
                let basket = test.get(b).unwrap_or_default();
                worker.replay(&model, basket, options);
            }
            let fresh = [
                Tally::new(model.item_count()),
                Tally::new(model.item_count()),
            ];
            std::mem::replace(&mut worker.tally, fresh)
        },
    );
    control.check()?;
    let mut total = [
        Tally::new(model.item_count()),
        Tally::new(model.item_count()),
    ];
    for pair in tallies {
        for (sum, part) in total.iter_mut().zip(pair) {
            sum.merge(&part);
        }
    }
    let trained = train.item_frequencies().iter().filter(|&&c| c > 0).count();
    let methods = ["rules", "popularity"]
        .iter()
        .zip(&total)
        .map(|(name, t)| t.scores(name, options.k, trained, options.prices.is_some()))
        .collect();
    Ok(Evaluation {
        train_baskets: train.len(),
        test_baskets: replayed.len(),
        cases: total[0].cases as usize,
        rules: model.rule_count(),
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

    fn record(&mut self, answer: &[Recommendation], hidden: ItemId, price: Option<i64>) {
        self.cases += 1;
        let hit = answer.iter().any(|r| r.item == hidden);
        self.hits += u64::from(hit);
        let price = i128::from(price.unwrap_or(0));
        self.value += price;
        if hit {
            self.value_hit += price;
        }
        for r in answer {
            self.recommended[r.item as usize] = true;
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
    tally: [Tally; 2],
}

impl Worker {
    fn new(items: usize) -> Self {
        Worker {
            scratch: Scratch::default(),
            cart: Vec::new(),
            answer: Vec::new(),
            tally: [Tally::new(items), Tally::new(items)],
        }
    }

    fn replay(&mut self, model: &Recommender, basket: &[ItemId], options: &EvaluationOptions) {
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
            self.tally[0].record(&self.answer, hidden, price);
            model.recommend_into(
                &self.cart,
                options.k,
                &popularity,
                &mut self.scratch,
                &mut self.answer,
            );
            self.tally[1].record(&self.answer, hidden, price);
        }
    }
}
