//! Mixed bundling: the bundle price (and item prices) that earn the most when customers may still
//! buy the items separately, from a sample of willingness to pay.
//!
//! The consumer model is Adams & Yellen's (1976): willingness to pay is additive, each customer buys
//! whatever gives the largest surplus (value minus price) among nothing, any set of single items,
//! and the bundle; a customer buys an item whenever its surplus is not negative, and when the bundle
//! and the best set of single items give the same surplus the customer takes the one that earns the
//! seller more (the usual convention; textbooks break such ties with a 5p margin instead, see the
//! tests).
//!
//! The one idea: profit is piecewise linear in the prices, and the pieces meet on hyperplanes
//! (`p_i = w_ci`: customer c stops buying item i; `P_B - sum p_T = sum w_c(not T)`: customer c is
//! indifferent between the bundle and the items T). So an optimum lies on a vertex of that
//! arrangement, and the *exact* search enumerates every vertex (for every choice of which items are
//! also sold separately) and evaluates it. That is polynomial but steep (about `(n 2^k)^(k+1)` vertex
//! systems for n customers and k items), so it runs for 2-3 items while the count stays within
//! [`MixedOptions::max_vertex_systems`]. Beyond that the *heuristic* runs: start from the best of
//! separate prices, the pure bundle and both combined, then improve one price at a time by an exact
//! one-dimensional search over that price's breakpoints, until no price improves. It never returns
//! less than the best separate prices or the best pure bundle, both found exactly.
//! Written here rather than taken from a crate: no maintained Rust crate solves this model.

use ndarray::ArrayView2;

use super::money::{Currency, Money};
use crate::{Control, Error, Location, Result};

/// Which search to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MixedSearch {
    /// Exact when it fits the budget, the heuristic otherwise.
    #[default]
    Auto,
    /// Exact, or [`Error::LimitExceeded`] when it would exceed the budget.
    Exact,
    /// The coordinate search.
    Heuristic,
}

/// Options of [`optimise_mixed_bundle`].
///
/// ```
/// let options = upsell::pricing::MixedOptions::default();
/// assert_eq!(options.max_vertex_systems, 20_000_000);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MixedOptions {
    /// Which search.
    pub search: MixedSearch,
    /// The exact search's budget: vertex systems times customers.
    pub max_vertex_systems: u64,
}

impl Default for MixedOptions {
    fn default() -> Self {
        MixedOptions {
            search: MixedSearch::Auto,
            max_vertex_systems: 20_000_000,
        }
    }
}

/// What customers buy at given prices, and what the seller earns.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MixedOutcome {
    /// Revenue minus unit costs of everything sold.
    pub profit: Money,
    /// Revenue.
    pub revenue: Money,
    /// Customers buying the bundle.
    pub bundle_buyers: u64,
    /// Customers buying each item on its own.
    pub item_buyers: Vec<u64>,
}

/// The best prices found and how they were found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MixedSolution {
    /// Each item's separate price; `None`: not sold on its own (pure bundling).
    pub item_prices: Vec<Option<Money>>,
    /// The bundle price; `None`: no bundle (separate prices win).
    pub bundle_price: Option<Money>,
    /// The outcome at these prices.
    pub outcome: MixedOutcome,
    /// The best outcome with separate prices only (no bundle), found exactly.
    pub separate: MixedOutcome,
    /// The best outcome with the bundle only (no separate sale), found exactly.
    pub pure_bundle: MixedOutcome,
    /// Whether the exact search ran (else the heuristic).
    pub exact: bool,
}

/// A willingness-to-pay sample: one row per customer (or segment member), one column per item, in
/// minor units of one currency, with optional unit costs per item.
struct Problem<'a> {
    wtp: ArrayView2<'a, i64>,
    costs: Vec<i64>,
    currency: Currency,
}

/// Prices in minor units; `None` is "not offered".
#[derive(Debug, Clone, PartialEq, Eq)]
struct Offer {
    items: Vec<Option<i64>>,
    bundle: Option<i64>,
}

/// Checks the sample and the costs.
fn problem<'a>(
    wtp: ArrayView2<'a, i64>,
    currency: Currency,
    costs: Option<&[Money]>,
) -> Result<Problem<'a>> {
    let (customers, items) = wtp.dim();
    if customers == 0 {
        return Err(Error::invalid_input(
            Location::memory(),
            "the willingness-to-pay matrix has no rows (customers)",
        ));
    }
    if items < 2 {
        return Err(Error::invalid_input(
            Location::memory(),
            format!("a bundle needs at least 2 items (columns), got {items}"),
        ));
    }
    if let Some(((row, column), value)) = wtp.indexed_iter().find(|(_, v)| **v < 0) {
        return Err(Error::invalid_input(
            Location::memory()
                .line(row as u64 + 1)
                .column(column as u64 + 1),
            format!(
                "negative willingness to pay {value} (row {}, item {})",
                row + 1,
                column + 1
            ),
        ));
    }
    if wtp.iter().any(|&v| v > i64::MAX / (2 * items as i64 + 2)) {
        return Err(Error::invalid_input(
            Location::memory(),
            "a willingness to pay is too large to sum exactly",
        ));
    }
    let costs = match costs {
        None => vec![0; items],
        Some(costs) if costs.len() != items => {
            return Err(Error::invalid_parameter(
                "costs",
                format!("{} costs for {items} items", costs.len()),
            ));
        }
        Some(costs) => costs
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if c.currency() != currency {
                    Err(Error::invalid_input(
                        Location::memory(),
                        format!(
                            "cost of item {} is in {}, prices in {currency}",
                            i + 1,
                            c.currency()
                        ),
                    ))
                } else if c.is_negative() {
                    Err(Error::invalid_input(
                        Location::memory(),
                        format!("cost of item {} is negative ({c})", i + 1),
                    ))
                } else {
                    Ok(c.minor())
                }
            })
            .collect::<Result<Vec<i64>>>()?,
    };
    Ok(Problem {
        wtp,
        costs,
        currency,
    })
}

/// Raw outcome: profit, revenue, bundle buyers, item buyers.
type Raw = (i128, i128, u64, Vec<u64>);

impl Problem<'_> {
    fn items(&self) -> usize {
        self.wtp.ncols()
    }

    fn evaluate(&self, offer: &Offer) -> Raw {
        let k = self.items();
        let bundle_cost: i128 = self.costs.iter().map(|&c| i128::from(c)).sum();
        let (mut profit, mut revenue, mut bundle_buyers) = (0i128, 0i128, 0u64);
        let mut item_buyers = vec![0u64; k];
        for row in self.wtp.rows() {
            let (mut surplus, mut own_profit, mut own_revenue, mut total) =
                (0i128, 0i128, 0i128, 0i128);
            for (i, &w) in row.iter().enumerate() {
                total += i128::from(w);
                if let Some(p) = offer.items[i] {
                    if w >= p {
                        surplus += i128::from(w - p);
                        own_profit += i128::from(p) - i128::from(self.costs[i]);
                        own_revenue += i128::from(p);
                    }
                }
            }
            let takes_bundle = offer.bundle.is_some_and(|b| {
                let bundle_surplus = total - i128::from(b);
                let bundle_profit = i128::from(b) - bundle_cost;
                bundle_surplus >= 0
                    && (bundle_surplus > surplus
                        || (bundle_surplus == surplus && bundle_profit >= own_profit))
            });
            if takes_bundle {
                let b = i128::from(offer.bundle.unwrap_or_default());
                profit += b - bundle_cost;
                revenue += b;
                bundle_buyers += 1;
            } else {
                profit += own_profit;
                revenue += own_revenue;
                for (i, &w) in row.iter().enumerate() {
                    if offer.items[i].is_some_and(|p| w >= p) {
                        item_buyers[i] += 1;
                    }
                }
            }
        }
        (profit, revenue, bundle_buyers, item_buyers)
    }

    fn outcome(&self, raw: Raw) -> Result<MixedOutcome> {
        let money = |v: i128| {
            i64::try_from(v)
                .map(|m| Money::new(m, self.currency))
                .map_err(|_| Error::LimitExceeded {
                    what: "money amount in minor units",
                    limit: i64::MAX as u64,
                    hint: "the total overflows".to_owned(),
                })
        };
        Ok(MixedOutcome {
            profit: money(raw.0)?,
            revenue: money(raw.1)?,
            bundle_buyers: raw.2,
            item_buyers: raw.3,
        })
    }

    /// The best separate prices: items are independent without a bundle, each priced at one of
    /// its customers' values.
    fn best_separate(&self) -> Offer {
        let k = self.items();
        let mut items = vec![None; k];
        for (i, slot) in items.iter_mut().enumerate() {
            let column = self.wtp.column(i);
            let mut best = (0i128, None);
            for &p in column.iter() {
                let profit = column.iter().filter(|&&w| w >= p).count() as i128
                    * (i128::from(p) - i128::from(self.costs[i]));
                if profit > best.0 || (profit == best.0 && best.1.is_some_and(|b| p < b)) {
                    best = (profit, Some(p));
                }
            }
            *slot = best.1;
        }
        Offer {
            items,
            bundle: None,
        }
    }

    /// The best bundle price given the item prices of `offer`: one of the customers' indifference
    /// points `sum w_c - S_c`.
    fn best_bundle_price(&self, offer: &Offer) -> Offer {
        let mut best = offer.clone();
        best.bundle = None;
        let mut best_profit = self.evaluate(&best).0;
        let mut candidates: Vec<i64> = self
            .wtp
            .rows()
            .into_iter()
            .map(|row| {
                let total: i64 = row.iter().sum();
                let surplus: i64 = row
                    .iter()
                    .enumerate()
                    .filter_map(|(i, &w)| offer.items[i].map(|p| (w - p).max(0)))
                    .sum();
                total - surplus
            })
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        for b in candidates {
            let trial = Offer {
                items: offer.items.clone(),
                bundle: Some(b),
            };
            let profit = self.evaluate(&trial).0;
            if profit > best_profit {
                best_profit = profit;
                best = trial;
            }
        }
        best
    }

    /// Breakpoints of item `i`'s price with every other price fixed.
    fn item_breakpoints(&self, offer: &Offer, i: usize) -> Vec<Option<i64>> {
        let mut points: Vec<Option<i64>> = vec![None];
        for row in self.wtp.rows() {
            points.push(Some(row[i]));
            if let Some(b) = offer.bundle {
                let total: i64 = row.iter().sum();
                let others: i64 = row
                    .iter()
                    .enumerate()
                    .filter(|&(j, _)| j != i)
                    .filter_map(|(j, &w)| offer.items[j].map(|p| (w - p).max(0)))
                    .sum();
                let point = row[i] - (total - b - others);
                if point >= 0 {
                    points.push(Some(point));
                }
            }
        }
        points.sort_unstable();
        points.dedup();
        points
    }

    /// Coordinate search with exact one-dimensional steps, from `start`.
    fn improve(&self, start: Offer, control: &Control) -> Result<Offer> {
        let mut best = start;
        let mut best_profit = self.evaluate(&best).0;
        for _round in 0..200 {
            control.check()?;
            let mut improved = false;
            let with_bundle = self.best_bundle_price(&best);
            let profit = self.evaluate(&with_bundle).0;
            if profit > best_profit {
                (best, best_profit, improved) = (with_bundle, profit, true);
            }
            for i in 0..self.items() {
                for point in self.item_breakpoints(&best, i) {
                    let mut trial = best.clone();
                    trial.items[i] = point;
                    let profit = self.evaluate(&trial).0;
                    if profit > best_profit {
                        (best, best_profit, improved) = (trial, profit, true);
                    }
                }
            }
            if !improved {
                break;
            }
        }
        Ok(best)
    }
}

/// Finds the prices that maximise profit (revenue when no costs are given) for a bundle of all the
/// items of `wtp` sold alongside the items themselves.
///
/// `wtp` holds one row per customer and one column per item, in minor units of `currency`; `costs`
/// are unit costs per item.
///
/// ```
/// use ndarray::array;
/// use upsell::Control;
/// use upsell::pricing::{optimise_mixed_bundle, Currency, Money, MixedOptions};
/// // The textbook case (Pindyck & Rubinfeld's table of the Adams-Yellen example): four customers
/// // whose values for two goods sum to 100, unit costs 20 and 30.
/// let wtp = array![[1000, 9000], [5000, 5000], [6000, 4000], [9000, 1000]];
/// let costs = [Money::new(2000, Currency::USD), Money::new(3000, Currency::USD)];
/// let best = optimise_mixed_bundle(wtp.view(), Currency::USD, Some(&costs), &MixedOptions::default(), &Control::default())?;
/// assert_eq!(best.separate.profit.to_string(), "150.00 USD");
/// assert_eq!(best.pure_bundle.profit.to_string(), "200.00 USD");
/// assert_eq!(best.outcome.profit.to_string(), "230.00 USD"); // 229.90 with the textbook's 5p tie margin
/// assert_eq!(best.bundle_price.map(|p| p.to_string()).as_deref(), Some("100.00 USD"));
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn optimise_mixed_bundle(
    wtp: ArrayView2<'_, i64>,
    currency: Currency,
    costs: Option<&[Money]>,
    options: &MixedOptions,
    control: &Control,
) -> Result<MixedSolution> {
    let problem = problem(wtp, currency, costs)?;
    let k = problem.items();
    let separate = problem.best_separate();
    let pure = problem.best_bundle_price(&Offer {
        items: vec![None; k],
        bundle: None,
    });
    let systems = vertex_systems(&problem);
    let fits = k <= 3 && systems.is_some_and(|s| s <= options.max_vertex_systems);
    let exact = match options.search {
        MixedSearch::Exact if !fits => {
            return Err(Error::LimitExceeded {
                what: "vertex systems x customers of the exact mixed-bundling search",
                limit: options.max_vertex_systems,
                hint: "use the heuristic search, fewer customers (a sample) or at most 3 items"
                    .to_owned(),
            });
        }
        MixedSearch::Exact => true,
        MixedSearch::Auto => fits,
        MixedSearch::Heuristic => false,
    };
    let mut best = if exact {
        vertex::search(&problem, control)?
    } else {
        let combined = problem.best_bundle_price(&separate);
        let start = [&separate, &pure, &combined]
            .into_iter()
            .max_by_key(|o| problem.evaluate(o).0)
            .cloned()
            .unwrap_or_else(|| separate.clone());
        problem.improve(start, control)?
    };
    for baseline in [&separate, &pure] {
        if problem.evaluate(baseline).0 > problem.evaluate(&best).0 {
            best = baseline.clone();
        }
    }
    let money = |v: Option<i64>| v.map(|m| Money::new(m, currency));
    Ok(MixedSolution {
        item_prices: best.items.iter().map(|&p| money(p)).collect(),
        bundle_price: money(best.bundle),
        outcome: problem.outcome(problem.evaluate(&best))?,
        separate: problem.outcome(problem.evaluate(&separate))?,
        pure_bundle: problem.outcome(problem.evaluate(&pure))?,
        exact,
    })
}

/// What customers buy at the given prices (`None`: not offered), under the model of the module
/// docs.
///
/// ```
/// use ndarray::array;
/// use upsell::pricing::{evaluate_mixed_offer, Currency, Money};
/// let wtp = array![[1000, 9000], [5000, 5000], [6000, 4000], [9000, 1000]];
/// let costs = [Money::new(2000, Currency::USD), Money::new(3000, Currency::USD)];
/// let p = |m| Some(Money::new(m, Currency::USD));
/// let textbook = evaluate_mixed_offer(wtp.view(), Currency::USD, Some(&costs), &[p(8995), p(8995)], p(10_000))?;
/// assert_eq!(textbook.profit.to_string(), "229.90 USD");
/// assert_eq!((textbook.bundle_buyers, textbook.item_buyers.clone()), (2, vec![1, 1]));
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn evaluate_mixed_offer(
    wtp: ArrayView2<'_, i64>,
    currency: Currency,
    costs: Option<&[Money]>,
    item_prices: &[Option<Money>],
    bundle_price: Option<Money>,
) -> Result<MixedOutcome> {
    let problem = problem(wtp, currency, costs)?;
    if item_prices.len() != problem.items() {
        return Err(Error::invalid_parameter(
            "item_prices",
            format!("{} prices for {} items", item_prices.len(), problem.items()),
        ));
    }
    let minor = |p: &Option<Money>, name: &'static str| -> Result<Option<i64>> {
        match p {
            None => Ok(None),
            Some(m) if m.currency() != currency => Err(Error::invalid_input(
                Location::memory(),
                format!("{name} {m} is not in {currency}"),
            )),
            Some(m) if m.is_negative() => Err(Error::invalid_input(
                Location::memory(),
                format!("{name} {m} is negative"),
            )),
            Some(m) => Ok(Some(m.minor())),
        }
    };
    let offer = Offer {
        items: item_prices
            .iter()
            .map(|p| minor(p, "item price"))
            .collect::<Result<_>>()?,
        bundle: minor(&bundle_price, "bundle price")?,
    };
    problem.outcome(problem.evaluate(&offer))
}

/// The exact search's cost (vertex systems times customers), or `None` when it is astronomically
/// large.
fn vertex_systems(problem: &Problem<'_>) -> Option<u64> {
    let n = problem.wtp.nrows() as u64;
    let k = problem.items() as u32;
    if k > 3 {
        return None;
    }
    let hyperplanes = n
        .checked_mul(2u64.pow(k))?
        .checked_add(u64::from(k) * (n + 1) + 1)?;
    let mut systems: u64 = 1;
    for j in 0..=u64::from(k) {
        systems = systems.checked_mul(hyperplanes - j)?;
    }
    systems /= (1..=u64::from(k) + 1).product::<u64>();
    systems.checked_mul(n)
}

mod vertex {
    //! Enumerates the vertices of the arrangement of choice hyperplanes.

    use rustc_hash::FxHashSet;

    use super::{Offer, Problem};
    use crate::{Control, Result};

    /// `coefficients . (P_B, p_1, ..., p_m) = rhs`.
    type Hyperplane = (Vec<i64>, i64);

    pub(super) fn search(problem: &Problem<'_>, control: &Control) -> Result<Offer> {
        let k = problem.items();
        let mut best = problem.best_separate();
        let mut best_profit = problem.evaluate(&best).0;
        // Progress: one unit per choice of items sold separately.
        control.start(1 << k);
        for mask in 0u32..(1 << k) {
            let sold: Vec<usize> = (0..k).filter(|i| mask & (1 << i) != 0).collect();
            let planes = hyperplanes(problem, &sold);
            let m = sold.len() + 1;
            let mut chosen = Vec::with_capacity(m);
            let mut visit = |point: &[i64]| {
                let mut items = vec![None; k];
                for (slot, &i) in sold.iter().enumerate() {
                    items[i] = Some(point[slot + 1]);
                }
                let offer = Offer {
                    items,
                    bundle: Some(point[0]),
                };
                let profit = problem.evaluate(&offer).0;
                if profit > best_profit {
                    best_profit = profit;
                    best = offer;
                }
            };
            combinations(&planes, m, 0, &mut chosen, &mut visit, control)?;
            control.advance(1);
        }
        Ok(best)
    }

    fn hyperplanes(problem: &Problem<'_>, sold: &[usize]) -> Vec<Hyperplane> {
        let m = sold.len() + 1;
        let mut set: FxHashSet<Hyperplane> = FxHashSet::default();
        let unit = |v: usize| (0..m).map(|j| i64::from(j == v)).collect::<Vec<i64>>();
        set.insert((unit(0), 0));
        for (slot, &i) in sold.iter().enumerate() {
            set.insert((unit(slot + 1), 0));
            for row in problem.wtp.rows() {
                set.insert((unit(slot + 1), row[i]));
            }
        }
        for subset in 0u32..(1 << sold.len()) {
            let mut coefficients = vec![1i64; 1];
            coefficients
                .extend((0..sold.len()).map(|s| if subset & (1 << s) != 0 { -1 } else { 0 }));
            for row in problem.wtp.rows() {
                let rhs: i64 = (0..problem.items())
                    .filter(|i| {
                        sold.iter()
                            .position(|s| s == i)
                            .is_none_or(|s| subset & (1 << s) == 0)
                    })
                    .map(|i| row[i])
                    .sum();
                set.insert((coefficients.clone(), rhs));
            }
        }
        let mut planes: Vec<Hyperplane> = set.into_iter().collect();
        planes.sort();
        planes
    }

    fn combinations(
        planes: &[Hyperplane],
        m: usize,
        start: usize,
        chosen: &mut Vec<usize>,
        visit: &mut impl FnMut(&[i64]),
        control: &Control,
    ) -> Result<()> {
        if chosen.len() == m {
            for point in solve(planes, chosen) {
                if point.iter().all(|&v| v >= 0) {
                    visit(&point);
                }
            }
            return Ok(());
        }
        if chosen.is_empty() {
            control.check()?;
        }
        for next in start..planes.len() {
            chosen.push(next);
            combinations(planes, m, next + 1, chosen, visit, control)?;
            chosen.pop();
        }
        Ok(())
    }

    /// Solves the chosen system exactly (Cramer's rule in i128); a non-integer vertex gives the
    /// integer points around it.
    fn solve(planes: &[Hyperplane], chosen: &[usize]) -> Vec<Vec<i64>> {
        let m = chosen.len();
        let matrix: Vec<Vec<i128>> = chosen
            .iter()
            .map(|&c| planes[c].0.iter().map(|&v| i128::from(v)).collect())
            .collect();
        let rhs: Vec<i128> = chosen.iter().map(|&c| i128::from(planes[c].1)).collect();
        let det = determinant(&matrix);
        if det == 0 {
            return Vec::new();
        }
        let mut lows = Vec::with_capacity(m);
        let mut highs = Vec::with_capacity(m);
        for column in 0..m {
            let mut replaced = matrix.clone();
            for (row, value) in replaced.iter_mut().zip(&rhs) {
                row[column] = *value;
            }
            let numerator = determinant(&replaced);
            let (n, d) = if det < 0 {
                (-numerator, -det)
            } else {
                (numerator, det)
            };
            let low = n.div_euclid(d);
            lows.push(low);
            highs.push(if n.rem_euclid(d) == 0 { low } else { low + 1 });
        }
        let mut points = Vec::new();
        for corner in 0u32..(1 << m) {
            let point: Option<Vec<i64>> = (0..m)
                .map(|j| {
                    i64::try_from(if corner & (1 << j) != 0 {
                        highs[j]
                    } else {
                        lows[j]
                    })
                    .ok()
                })
                .collect();
            if let Some(point) = point {
                if !points.contains(&point) {
                    points.push(point);
                }
            }
        }
        points
    }

    fn determinant(matrix: &[Vec<i128>]) -> i128 {
        match matrix.len() {
            1 => matrix[0][0],
            2 => matrix[0][0] * matrix[1][1] - matrix[0][1] * matrix[1][0],
            n => (0..n)
                .map(|column| {
                    let minor: Vec<Vec<i128>> = matrix[1..]
                        .iter()
                        .map(|row| {
                            row.iter()
                                .enumerate()
                                .filter(|&(j, _)| j != column)
                                .map(|(_, &v)| v)
                                .collect()
                        })
                        .collect();
                    let sign = if column % 2 == 0 { 1 } else { -1 };
                    sign * matrix[0][column] * determinant(&minor)
                })
                .sum(),
        }
    }
}
