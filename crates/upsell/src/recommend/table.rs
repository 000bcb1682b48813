//! A [`Recommender`] from a table of association rules mined elsewhere: upsell's own
//! `association_rules` frame, or mlxtend's.
//!
//! The one idea: a table gives each rule's labels and three counts (of the rule, its antecedent,
//! its consequent), as basket counts or as supports, but not the item counts a model needs for
//! popularity and base rates. An item's count is read from the rules where it stands alone on a
//! side, and bounded below by the count of every rule it is part of. Every row is checked before
//! the model is built, and a bad one is named by its row (1-based) and column.

use super::Recommender;
use super::model::ModelData;
use crate::{Error, Location, Result};

/// One count column of a [`RuleTable`], one entry per row.
///
/// ```
/// use upsell::recommend::RuleCounts;
/// let counts = RuleCounts::Counts(vec![3, 2]);
/// let supports = RuleCounts::Supports(vec![0.3, 0.2]);
/// assert_eq!((counts.len(), supports.len()), (2, 2));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum RuleCounts {
    /// Basket counts (upsell's `count` columns). Signed, as a frame's integer columns are;
    /// a negative count is refused, naming its row.
    Counts(Vec<i64>),
    /// Fractions of [`RuleTable::baskets`] (mlxtend's `support` columns); each must come to a
    /// whole number of baskets, which catches a wrong `baskets`.
    Supports(Vec<f64>),
}

impl RuleCounts {
    /// The number of rows.
    pub fn len(&self) -> usize {
        match self {
            RuleCounts::Counts(counts) => counts.len(),
            RuleCounts::Supports(supports) => supports.len(),
        }
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The column's name in errors: `"{side}count"` or `"{side}support"`, as the frames name it.
    fn column(&self, side: &str) -> String {
        match self {
            RuleCounts::Counts(_) => format!("{side}count"),
            RuleCounts::Supports(_) => format!("{side}support"),
        }
    }

    /// Row `row`'s basket count, checked.
    fn count(&self, row: usize, side: &str, baskets: u64) -> Result<u64> {
        let at = || {
            Location::memory()
                .line(row as u64 + 1)
                .column_name(self.column(side))
        };
        let column = self.column(side);
        match self {
            RuleCounts::Counts(counts) => u64::try_from(counts[row]).map_err(|_| {
                Error::invalid_input(
                    at(),
                    format!("negative {column} {} in row {}", counts[row], row + 1),
                )
            }),
            RuleCounts::Supports(supports) => {
                let support = supports[row];
                if !(0.0..=1.0).contains(&support) {
                    return Err(Error::invalid_input(
                        at(),
                        format!(
                            "{column} {support} in row {} is not a fraction of the baskets",
                            row + 1
                        ),
                    ));
                }
                let exact = support * baskets as f64;
                let whole = exact.round_ties_even();
                // A support is a count over `baskets`, off by float error at most.
                if (exact - whole).abs() > 1e-6 * exact.max(1.0) {
                    return Err(Error::invalid_input(
                        at(),
                        format!(
                            "{column} {support} in row {} is not a whole number of baskets out of baskets={baskets}: is baskets right?",
                            row + 1
                        ),
                    ));
                }
                Ok(whole as u64)
            }
        }
    }
}

/// Association rules as a table holds them, one entry per row: each rule's antecedent and
/// consequent labels and its three counts.
///
/// Rows whose consequent is not one item are skipped (a model answers with single items); a
/// label's order within a side does not matter.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleTable {
    /// Each rule's antecedent labels.
    pub antecedents: Vec<Vec<String>>,
    /// Each rule's consequent labels.
    pub consequents: Vec<Vec<String>>,
    /// The baskets holding the whole rule (`count` or `support`).
    pub counts: RuleCounts,
    /// The baskets holding the antecedent (`antecedent count` or `antecedent support`).
    pub antecedent_counts: RuleCounts,
    /// The baskets holding the consequent (`consequent count` or `consequent support`).
    pub consequent_counts: RuleCounts,
    /// The number of baskets the rules were mined from (mlxtend's `num_itemsets`), at least 1.
    pub baskets: u64,
}

/// One kept row, checked, its labels numbered.
struct Row {
    row: usize,
    antecedent: Vec<u32>,
    consequent: u32,
    count: u64,
    antecedent_count: u64,
    consequent_count: u64,
}

impl Recommender {
    /// A model of the rules of `table`, answering as a model fitted to the baskets they were
    /// mined from does (the items' ids may differ).
    ///
    /// Labels are numbered in order of first appearance (each antecedent sorted, then the
    /// consequent). An item's count, for popularity and base rates, is its count as the one item
    /// of a rule's side, and at least the count of every rule it is in. A negative count, a
    /// support that is not a whole number of baskets, an empty or repeated antecedent, or counts
    /// out of order give an [`Error::InvalidInput`] naming the row and column.
    ///
    /// ```
    /// use upsell::recommend::{RecommendOptions, Recommender, RuleCounts, RuleTable};
    /// let labels = |side: &[&str]| side.iter().map(|l| l.to_string()).collect::<Vec<_>>();
    /// // 10 baskets: bread in 6, butter in 4, both in 3.
    /// let table = RuleTable {
    ///     antecedents: vec![labels(&["bread"]), labels(&["butter"])],
    ///     consequents: vec![labels(&["butter"]), labels(&["bread"])],
    ///     counts: RuleCounts::Supports(vec![0.3, 0.3]),
    ///     antecedent_counts: RuleCounts::Supports(vec![0.6, 0.4]),
    ///     consequent_counts: RuleCounts::Supports(vec![0.4, 0.6]),
    ///     baskets: 10,
    /// };
    /// let model = Recommender::from_rule_table(&table)?;
    /// let answer = model.recommend_labels(&["bread"], 1, &RecommendOptions::default());
    /// assert_eq!(model.label(answer.items[0].item), Some("butter"));
    /// let rule = model.rule(answer.items[0].rule.expect("from a rule")).expect("in the model");
    /// assert_eq!((rule.count, rule.antecedent_count), (3, 6));
    ///
    /// let wrong = RuleTable { baskets: 7, ..table };
    /// let err = Recommender::from_rule_table(&wrong).expect_err("7 baskets do not fit the supports");
    /// assert!(err.to_string().contains("row 1"), "{err}");
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn from_rule_table(table: &RuleTable) -> Result<Self> {
        let baskets = table.baskets;
        if baskets == 0 {
            return Err(Error::invalid_parameter(
                "baskets",
                "must be at least 1: the number of baskets the rules were mined from",
            ));
        }
        let rows = table.antecedents.len();
        let lengths = [
            table.consequents.len(),
            table.counts.len(),
            table.antecedent_counts.len(),
            table.consequent_counts.len(),
        ];
        if lengths.iter().any(|&n| n != rows) {
            return Err(Error::invalid_input(
                Location::memory(),
                format!(
                    "the rule table's columns differ in length: {rows} antecedents, {} consequents, {} counts, {} antecedent counts, {} consequent counts",
                    lengths[0], lengths[1], lengths[2], lengths[3]
                ),
            ));
        }
        let mut labels: Vec<String> = Vec::new();
        let mut ids = rustc_hash::FxHashMap::<&str, u32>::default();
        let mut kept = Vec::new();
        for row in 0..rows {
            let [consequent] = table.consequents[row].as_slice() else {
                continue;
            };
            let at = |column: &str| Location::memory().line(row as u64 + 1).column_name(column);
            let mut antecedent: Vec<&str> =
                table.antecedents[row].iter().map(String::as_str).collect();
            antecedent.sort_unstable();
            if antecedent.is_empty() {
                return Err(Error::invalid_input(
                    at("antecedents"),
                    format!("empty antecedent in row {}", row + 1),
                ));
            }
            if let Some(twice) = antecedent
                .windows(2)
                .find(|w| w[0] == w[1])
                .map(|w| w[0])
                .or_else(|| {
                    antecedent
                        .contains(&consequent.as_str())
                        .then_some(consequent.as_str())
                })
            {
                return Err(Error::invalid_input(
                    at("antecedents"),
                    format!("'{twice}' appears twice in the rule of row {}", row + 1),
                ));
            }
            let mut id = |label| {
                *ids.entry(label).or_insert_with(|| {
                    labels.push(label.to_owned());
                    (labels.len() - 1) as u32
                })
            };
            let mut antecedent: Vec<u32> = antecedent.into_iter().map(&mut id).collect();
            antecedent.sort_unstable();
            let consequent = id(consequent.as_str());
            let checked = Row {
                row,
                antecedent,
                consequent,
                count: table.counts.count(row, "", baskets)?,
                antecedent_count: table.antecedent_counts.count(row, "antecedent ", baskets)?,
                consequent_count: table.consequent_counts.count(row, "consequent ", baskets)?,
            };
            checked.check(&table.counts, baskets)?;
            kept.push(checked);
        }
        let mut item_counts = vec![0u64; labels.len()];
        for rule in &kept {
            item_counts[rule.consequent as usize] = rule.consequent_count;
            if let [item] = rule.antecedent.as_slice() {
                item_counts[*item as usize] = rule.antecedent_count;
            }
            // A lower bound for items seen only among others.
            for &item in &rule.antecedent {
                item_counts[item as usize] = item_counts[item as usize].max(rule.count);
            }
        }
        if let Some(rule) = kept
            .iter()
            .find(|r| r.count > item_counts[r.consequent as usize])
        {
            let item = &labels[rule.consequent as usize];
            return Err(Error::invalid_input(
                Location::memory()
                    .line(rule.row as u64 + 1)
                    .column_name(table.counts.column("")),
                format!(
                    "the rule of row {} holds {} baskets, more than the {} of '{item}' that the other rows give",
                    rule.row + 1,
                    rule.count,
                    item_counts[rule.consequent as usize]
                ),
            ));
        }
        // Grouped by antecedent, then by descending count, as `from_parts` orders rules.
        kept.sort_by(|a, b| {
            let key = |r: &Row| {
                (
                    r.antecedent.len(),
                    r.antecedent.clone(),
                    std::cmp::Reverse(r.count),
                    r.consequent,
                    r.antecedent_count,
                )
            };
            key(a).cmp(&key(b))
        });
        let mut data = ModelData {
            labels,
            item_counts,
            baskets,
            antecedents: Vec::new(),
            antecedent_offsets: vec![0],
            consequents: Vec::with_capacity(kept.len()),
            counts: Vec::with_capacity(kept.len()),
            antecedent_counts: Vec::with_capacity(kept.len()),
            prices: None,
        };
        for rule in kept {
            data.antecedents.extend_from_slice(&rule.antecedent);
            data.antecedent_offsets.push(data.antecedents.len());
            data.consequents.push(rule.consequent);
            data.counts.push(rule.count);
            data.antecedent_counts.push(rule.antecedent_count);
        }
        Self::index(data)
    }
}

impl Row {
    /// The counts are in order: the rule within each side, each side within the baskets.
    fn check(&self, counts: &RuleCounts, baskets: u64) -> Result<()> {
        let problem = if self.antecedent_count == 0 {
            Some("its antecedent is in no basket".to_owned())
        } else if self.count > self.antecedent_count || self.count > self.consequent_count {
            Some(format!(
                "it holds {} baskets, more than its antecedent's {} or its consequent's {}",
                self.count, self.antecedent_count, self.consequent_count
            ))
        } else if self.antecedent_count.max(self.consequent_count) > baskets {
            Some(format!(
                "a side holds more baskets ({}) than baskets={baskets}",
                self.antecedent_count.max(self.consequent_count)
            ))
        } else {
            None
        };
        match problem {
            Some(problem) => Err(Error::invalid_input(
                Location::memory()
                    .line(self.row as u64 + 1)
                    .column_name(counts.column("")),
                format!(
                    "the rule of row {} has counts out of order: {problem}",
                    self.row + 1
                ),
            )),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Dataset, ReadOptions};
    use crate::mining::{MinSupport, MiningOptions, mine};
    use crate::recommend::{FitOptions, RecommendOptions};
    use crate::rules::{RuleOptions, generate};

    fn labels(side: &[&str]) -> Vec<String> {
        side.iter().map(|l| (*l).to_owned()).collect()
    }

    /// The rules of `text`'s baskets as a table, with counts or supports.
    fn table_of(text: &str, supports: bool) -> (Dataset, RuleTable) {
        let data = Dataset::from_reader(text.as_bytes(), "mem.csv", &ReadOptions::baskets(b','))
            .expect("reads");
        let itemsets =
            mine(&data.baskets, &MiningOptions::new(MinSupport::count(1))).expect("mines");
        let options = RuleOptions {
            min_confidence: 0.01,
            max_consequent_len: Some(2),
            ..RuleOptions::default()
        };
        let rules = generate(&itemsets, &options).expect("generates");
        let side = |ids: &[u32]| {
            ids.iter()
                .map(|&i| data.items.label(i).expect("a label").to_owned())
                .collect::<Vec<_>>()
        };
        let n = data.baskets.len() as u64;
        let column = |values: Vec<u64>| {
            if supports {
                RuleCounts::Supports(values.into_iter().map(|v| v as f64 / n as f64).collect())
            } else {
                RuleCounts::Counts(values.into_iter().map(|v| v as i64).collect())
            }
        };
        let all = 0..rules.len();
        let rule = |k| rules.get(k).expect("a rule");
        let table = RuleTable {
            antecedents: all.clone().map(|k| side(rule(k).antecedent())).collect(),
            consequents: all.clone().map(|k| side(rule(k).consequent())).collect(),
            counts: column(all.clone().map(|k| rule(k).count()).collect()),
            antecedent_counts: column(all.clone().map(|k| rule(k).antecedent_count()).collect()),
            consequent_counts: column(all.map(|k| rule(k).consequent_count()).collect()),
            baskets: n,
        };
        (data, table)
    }

    const BASKETS: &str =
        "bread,butter\nbread,butter,milk\nbread,jam\nmilk,cereal\nbread,butter\nmilk,butter\n";

    #[test]
    fn a_table_answers_as_the_fitted_model() {
        let data = Dataset::from_reader(BASKETS.as_bytes(), "mem.csv", &ReadOptions::baskets(b','))
            .expect("reads");
        let fit = FitOptions {
            min_confidence: 0.01,
            ..FitOptions::new(MinSupport::count(1))
        };
        let fitted =
            Recommender::fit(&data.baskets, &data.items, &fit, &Default::default()).expect("fits");
        // Item ids differ between the models, and with them the order of ties: compare by label.
        let named = |m: &Recommender, a: &crate::recommend::Answer| {
            let mut found: Vec<(String, u64)> = a
                .items
                .iter()
                .map(|r| {
                    (
                        m.label(r.item).expect("a label").to_owned(),
                        r.score.to_bits(),
                    )
                })
                .collect();
            found.sort();
            found
        };
        for supports in [false, true] {
            let (_, table) = table_of(BASKETS, supports);
            let model = Recommender::from_rule_table(&table).expect("builds");
            assert_eq!(model.rule_count(), fitted.rule_count());
            for cart in [&["bread"][..], &["milk"], &["butter", "jam"], &[]] {
                let options = RecommendOptions::default();
                let got = model.recommend_labels(cart, 10, &options);
                let want = fitted.recommend_labels(cart, 10, &options);
                assert_eq!(named(&model, &got), named(&fitted, &want), "cart {cart:?}");
            }
        }
    }

    #[test]
    fn bad_rows_are_named() {
        let (_, table) = table_of(BASKETS, true);
        let err = |table: &RuleTable| {
            Recommender::from_rule_table(table)
                .expect_err("refused")
                .to_string()
        };
        let wrong = RuleTable {
            baskets: 7,
            ..table.clone()
        };
        assert!(
            err(&wrong).contains("is not a whole number of baskets out of baskets=7"),
            "{}",
            err(&wrong)
        );
        assert!(
            err(&RuleTable {
                baskets: 0,
                ..table.clone()
            })
            .contains("'baskets'")
        );

        let (_, mut table) = table_of(BASKETS, false);
        // The first row the model keeps: one consequent item.
        let k = table
            .consequents
            .iter()
            .position(|c| c.len() == 1)
            .expect("a single consequent");
        let original = table.clone();
        let set = |table: &mut RuleTable, count: i64| match &mut table.counts {
            RuleCounts::Counts(counts) => counts[k] = count,
            RuleCounts::Supports(_) => unreachable!("a table of counts"),
        };
        set(&mut table, -2);
        let text = err(&table);
        assert!(
            text.contains(&format!("negative count -2 in row {}", k + 1)),
            "{text}"
        );
        set(&mut table, 99);
        let text = err(&table);
        assert!(
            text.contains(&format!("row {} has counts out of order", k + 1)),
            "{text}"
        );

        let mut table = original;
        table.antecedents[k] = labels(&["x", "x"]);
        let text = err(&table);
        assert!(
            text.contains(&format!("'x' appears twice in the rule of row {}", k + 1)),
            "{text}"
        );
        table.antecedents[k] = Vec::new();
        let text = err(&table);
        assert!(
            text.contains(&format!(
                ":{} (column 'antecedents'): empty antecedent in row {}",
                k + 1,
                k + 1
            )),
            "{text}"
        );
        table.antecedents.pop();
        assert!(err(&table).contains("differ in length"));
    }

    #[test]
    fn rows_with_several_consequent_items_are_skipped() {
        let (_, table) = table_of(BASKETS, false);
        assert!(table.consequents.iter().any(|c| c.len() == 2));
        let singles = table.consequents.iter().filter(|c| c.len() == 1).count();
        assert_eq!(
            Recommender::from_rule_table(&table)
                .expect("builds")
                .rule_count(),
            singles
        );
    }
}
