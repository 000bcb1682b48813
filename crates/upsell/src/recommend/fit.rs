//! Fitting a [`Recommender`]: the one place that turns baskets into a model.
//!
//! A model needs rules with one consequent item and antecedents of at most
//! [`FitOptions::max_antecedent_len`] items, so mining stops at itemsets one item longer. Every
//! surface (Python's `Recommender.fit`, C's `upsell_recommender_build`, [`super::evaluate`]) calls
//! [`Recommender::fit`] or [`Recommender::from_itemsets`], so the same baskets and options give the
//! same model everywhere.

use super::Recommender;
use crate::data::{Baskets, ItemDictionary};
use crate::mining::{Itemsets, MinSupport, MiningOptions, mine_with};
use crate::rules::{RuleOptions, generate_with};
use crate::{Control, Error, Result};

/// How a [`Recommender`] is fitted.
///
/// ```
/// use upsell::mining::MinSupport;
/// use upsell::recommend::FitOptions;
/// let options = FitOptions::new(MinSupport::count(2));
/// assert_eq!((options.min_confidence, options.max_antecedent_len), (0.01, 3));
/// let zero = FitOptions { max_antecedent_len: 0, ..options };
/// assert!(zero.validate().unwrap_err().to_string().contains("max_antecedent_len"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FitOptions {
    /// Support threshold for mining (unused by [`Recommender::from_itemsets`]: the itemsets are
    /// already mined).
    pub min_support: MinSupport,
    /// Rules below this confidence are not in the model, in [0, 1]. Default 0.01.
    pub min_confidence: f64,
    /// The most items in an antecedent, at least 1 (0 is an invalid parameter, not "no limit": a
    /// model's query cost grows with its longest antecedent, so the bound is always explicit).
    /// Default 3.
    pub max_antecedent_len: usize,
    /// Worker threads; `None` for the crate default.
    pub threads: Option<usize>,
}

impl FitOptions {
    /// The defaults at `min_support`: confidence at least 0.01, antecedents up to 3 items.
    pub fn new(min_support: MinSupport) -> Self {
        FitOptions {
            min_support,
            min_confidence: 0.01,
            max_antecedent_len: 3,
            threads: None,
        }
    }

    /// Checks every parameter before any work starts, naming the first bad one.
    pub fn validate(&self) -> Result<()> {
        if self.max_antecedent_len == 0 {
            return Err(Error::invalid_parameter(
                "max_antecedent_len",
                "must be at least 1",
            ));
        }
        self.mining().validate()?;
        self.rules().validate()
    }

    fn mining(&self) -> MiningOptions {
        MiningOptions {
            max_len: self.rules().max_itemset_len(),
            threads: self.threads,
            ..MiningOptions::new(self.min_support)
        }
    }

    fn rules(&self) -> RuleOptions {
        RuleOptions {
            min_confidence: self.min_confidence,
            max_antecedent_len: Some(self.max_antecedent_len),
            max_consequent_len: Some(1),
            threads: self.threads,
            ..RuleOptions::default()
        }
    }
}

impl Recommender {
    /// Mines `baskets` (labels in `items`) and builds a model from its rules with one consequent
    /// item (see [`FitOptions`]).
    ///
    /// ```
    /// use upsell::data::{Dataset, ReadOptions};
    /// use upsell::mining::MinSupport;
    /// use upsell::recommend::{FitOptions, RecommendOptions, Recommender};
    /// let text = "bread,butter\nbread,butter,milk\nbread,jam\nmilk,cereal\nbread,butter\n";
    /// let data = Dataset::from_reader(text.as_bytes(), "mem.csv", &ReadOptions::baskets(b','))?;
    /// let options = FitOptions::new(MinSupport::count(1));
    /// let model = Recommender::fit(&data.baskets, &data.items, &options, &Default::default())?;
    /// let answer = model.recommend_labels(&["bread"], 1, &RecommendOptions::default());
    /// assert_eq!(model.label(answer.items[0].item), Some("butter"));
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn fit(
        baskets: &Baskets,
        items: &ItemDictionary,
        options: &FitOptions,
        control: &Control,
    ) -> Result<Self> {
        options.validate()?;
        let itemsets = mine_with(baskets, &options.mining(), control)?;
        Self::from_itemsets(&itemsets, baskets, items, options, control)
    }

    /// Builds a model from itemsets already mined from `baskets` (of any length: antecedents
    /// longer than [`FitOptions::max_antecedent_len`] are left out; `min_support` is not used).
    pub fn from_itemsets(
        itemsets: &Itemsets,
        baskets: &Baskets,
        items: &ItemDictionary,
        options: &FitOptions,
        control: &Control,
    ) -> Result<Self> {
        options.validate()?;
        let rules = generate_with(itemsets, &options.rules(), control)?;
        Recommender::new(&rules, items, baskets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Dataset, ReadOptions};
    use crate::mining::mine;

    fn data() -> Dataset {
        let text = "a,b,c,d\na,b,c,d\na,b,c\na,b\nc,d\na,b,c,d\n";
        Dataset::from_reader(text.as_bytes(), "mem.csv", &ReadOptions::baskets(b','))
            .expect("reads")
    }

    #[test]
    fn from_longer_itemsets_matches_fit() {
        let data = data();
        let options = FitOptions {
            max_antecedent_len: 1,
            ..FitOptions::new(MinSupport::count(2))
        };
        let fitted = Recommender::fit(&data.baskets, &data.items, &options, &Control::default())
            .expect("fits");
        let all = mine(&data.baskets, &MiningOptions::new(MinSupport::count(2))).expect("fits");
        let built = Recommender::from_itemsets(
            &all,
            &data.baskets,
            &data.items,
            &options,
            &Control::default(),
        )
        .expect("fits");
        assert_eq!(fitted.to_json(), built.to_json());
    }

    #[test]
    fn bad_parameters_are_named() {
        let data = data();
        for (options, name) in [
            (
                FitOptions {
                    max_antecedent_len: 0,
                    ..FitOptions::new(MinSupport::count(2))
                },
                "max_antecedent_len",
            ),
            (
                FitOptions {
                    min_confidence: f64::NAN,
                    ..FitOptions::new(MinSupport::count(2))
                },
                "min_confidence",
            ),
        ] {
            let err = Recommender::fit(&data.baskets, &data.items, &options, &Control::default())
                .expect_err("invalid");
            assert!(err.to_string().contains(name), "{err}");
        }
    }
}
