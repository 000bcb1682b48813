//! EASE, the second recommender: one dense item x item weight matrix, learned in closed form.
//!
//! Steck's "Embarrassingly Shallow Autoencoders" (WWW 2019) regresses every item on all the others
//! at once, with an L2 penalty `lambda` and a zero diagonal. The weights come from one inverse:
//! with `X` the 0/1 training baskets x candidate items and `G = XᵀX` (support counts on the
//! diagonal, pair counts off it), `P = (G + lambda I)⁻¹` and `B_ij = -P_ij / P_jj` (`B_jj = 0`).
//! A cart scores item `j` with `sum over cart items i of B_ij`. Unlike a rule, a weight is learned
//! jointly: a pair that co-occurs only because both go with a third item gets little weight, which
//! is what lets EASE beat both popularity and the rule recommender on held-out baskets.
//!
//! The one idea that shapes this module is that the fit is a dense symmetric positive definite
//! inverse: `n²` memory and `n³/3` operations for the Cholesky factor plus about as much for the
//! inverse, with `n` the candidate items. So the candidates are limited (items bought in at least
//! [`EaseOptions::min_count`] training baskets, at most [`EaseOptions::max_items`] of them, refused
//! with a [`Error::LimitExceeded`] that says how to get under the limit rather than allocated
//! blindly), the Gram matrix is accumulated from the sparse baskets (pairs within each basket,
//! never `XᵀX` as a dense product), and the factorisation and inverse are faer's: blocked,
//! SIMD and parallel on the crate's pool. A textbook triple loop runs at a fraction of a GFLOP/s;
//! retail at `min_count` 20 has 5,674 candidates (about 1.2 × 10¹¹ operations), which faer does in
//! seconds on two cores where the loop would take minutes. The weights are then kept as `f32` (half
//! the memory of the hot matrix; the scores are summed in `f64`).
//!
//! Candidates are numbered by popularity (descending training count, then item id), so the top-k
//! scan breaks score ties in favour of the more popular item simply by keeping the first one seen.
//!
//! ```
//! use upsell::data::{Dataset, ReadOptions};
//! use upsell::recommend::{Ease, EaseOptions};
//!
//! let text = "bread,butter\nbread,butter,milk\nbread,jam\nmilk,cereal\nbread,butter\n";
//! let data = Dataset::from_reader(text.as_bytes(), "mem.csv", &ReadOptions::baskets(b','))?;
//! let options = EaseOptions { lambda: 1.0, ..EaseOptions::default() };
//! let model = Ease::fit(&data.baskets, &data.items, &options, &Default::default())?;
//! let answer = model.recommend_labels(&["bread"], 2);
//! assert_eq!(model.label(answer.items[0].item), Some("butter"));
//! let (because, weight) = answer.items[0].strongest.expect("scored by a cart item");
//! assert_eq!(model.label(because), Some("bread"));
//! assert!(weight > 0.0);
//! # Ok::<(), upsell::Error>(())
//! ```

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::cholesky::llt;
use faer::{Mat, Par};
use rustc_hash::FxHashMap;

use crate::data::{Baskets, ItemDictionary, ItemId};
use crate::{Control, Error, Result};

/// Not a candidate (in [`Ease`]'s item -> candidate map).
const NONE: u32 = u32::MAX;

/// How an [`Ease`] model is fitted.
///
/// ```
/// use upsell::recommend::EaseOptions;
/// let options = EaseOptions { lambda: 150.0, ..EaseOptions::default() };
/// assert_eq!(options.min_count, 1);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct EaseOptions {
    /// The L2 penalty, added to the Gram matrix's diagonal: larger values shrink the weights
    /// toward zero (toward popularity). Must be finite and above 0. Tune it on held-out data: 150
    /// suits groceries, 50 retail.
    pub lambda: f64,
    /// Items bought in fewer training baskets are not candidates: they neither score nor are
    /// recommended by the weights (popularity may still fill with them). 0 and 1 both mean every
    /// item seen in training.
    pub min_count: u64,
    /// The most candidates allowed: the fit needs about `24 n²` bytes (`n` = candidates) and
    /// `n³` operations. More candidates is an error naming the `min_count` that would fit.
    pub max_items: usize,
    /// Worker threads for the factorisation (`None`: the crate's default).
    pub threads: Option<usize>,
}

impl Default for EaseOptions {
    /// `lambda` 100, every item seen in training, at most 8,000 candidates (about 1.5 GB while
    /// fitting).
    fn default() -> Self {
        EaseOptions {
            lambda: 100.0,
            min_count: 1,
            max_items: 8_000,
            threads: None,
        }
    }
}

/// One item recommended by [`Ease`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EaseRecommendation {
    /// The item.
    pub item: ItemId,
    /// The sum of the weights from the cart's items (higher is better); popularity fills score
    /// their base rate.
    pub score: f64,
    /// The explanation: the cart item with the largest weight toward this item, and that weight.
    /// `None` for a popularity fill.
    pub strongest: Option<(ItemId, f32)>,
}

/// The answer to one cart given by labels.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EaseAnswer {
    /// Up to `k` items, best first.
    pub items: Vec<EaseRecommendation>,
    /// Cart labels the model has no weights for (never seen, or below `min_count`): ignored.
    pub unknown: Vec<String>,
}

/// A fitted EASE model (see the module docs).
#[derive(Debug, Clone)]
pub struct Ease {
    labels: Vec<String>,
    label_ids: FxHashMap<String, ItemId>,
    item_counts: Vec<u64>,
    baskets: u64,
    lambda: f64,
    /// Candidate item ids by popularity; a candidate's index here is its row and column in
    /// `weights`.
    candidates: Vec<ItemId>,
    /// Item id -> candidate index, or [`NONE`].
    position: Vec<u32>,
    /// `B`, row-major: row `i` holds the weights of candidate `i` toward every candidate.
    weights: Vec<f32>,
    /// All item ids by popularity, for fills.
    popular: Vec<ItemId>,
}

/// Per-thread scratch space for [`Ease`] queries, reused across calls.
#[derive(Debug, Default, Clone)]
pub struct EaseScratch {
    scores: Vec<f64>,
    total: Vec<f64>,
    in_cart: Vec<bool>,
    cart: Vec<u32>,
    top: Vec<(f64, u32)>,
}

impl EaseScratch {
    fn prepare(&mut self, n: usize) {
        if self.scores.len() != n {
            self.scores = vec![0.0; n];
            self.in_cart = vec![false; n];
        }
    }
}

impl Ease {
    /// Fits the model to training `baskets` whose item ids are labelled by `items`.
    ///
    /// Errors: `lambda` not finite or not above 0, `max_items` of 0 or more candidates than it
    /// (both [`Error::InvalidParameter`] / [`Error::LimitExceeded`] before any large allocation),
    /// a basket item without a label, or cancellation through `control` (checked between the
    /// stages: Gram matrix, factorisation, inverse, weights).
    ///
    /// ```
    /// use upsell::data::{Baskets, ItemDictionary};
    /// use upsell::recommend::{Ease, EaseOptions};
    /// let baskets = Baskets::from_arrays(vec![0, 1, 0, 1, 2], vec![0, 2, 4, 5])?;
    /// let items = ItemDictionary::from_labels(["tea", "milk", "jam"])?;
    /// let bad = EaseOptions { lambda: 0.0, ..EaseOptions::default() };
    /// let err = Ease::fit(&baskets, &items, &bad, &Default::default()).unwrap_err();
    /// assert_eq!(err.kind(), upsell::ErrorKind::InvalidParameter);
    /// let model = Ease::fit(&baskets, &items, &EaseOptions { lambda: 1.0, ..EaseOptions::default() }, &Default::default())?;
    /// assert_eq!(model.candidate_count(), 3);
    /// assert!((model.weight(0, 1).unwrap() - 2.0 / 3.0).abs() < 1e-6); // tea -> milk: 2 / (2 + 1)
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn fit(
        baskets: &Baskets,
        items: &ItemDictionary,
        options: &EaseOptions,
        control: &Control,
    ) -> Result<Self> {
        if !(options.lambda.is_finite() && options.lambda > 0.0) {
            return Err(Error::invalid_parameter(
                "lambda",
                format!("must be a finite number above 0, got {}", options.lambda),
            ));
        }
        if options.max_items == 0 {
            return Err(Error::invalid_parameter("max_items", "must be at least 1"));
        }
        let counts = baskets.item_frequencies();
        if let Some(id) = (items.len()..counts.len()).find(|&i| counts[i] > 0) {
            return Err(Error::invalid_parameter(
                "items",
                format!(
                    "the baskets hold item id {id}, beyond the {} labels",
                    items.len()
                ),
            ));
        }
        let mut item_counts = vec![0u64; items.len()];
        for (slot, &c) in item_counts.iter_mut().zip(&counts) {
            *slot = c;
        }
        let mut popular: Vec<ItemId> = (0..items.len() as ItemId).collect();
        popular.sort_by(|&a, &b| {
            item_counts[b as usize]
                .cmp(&item_counts[a as usize])
                .then(a.cmp(&b))
        });
        let floor = options.min_count.max(1);
        let candidates: Vec<ItemId> = popular
            .iter()
            .copied()
            .take_while(|&i| item_counts[i as usize] >= floor)
            .collect();
        let n = candidates.len();
        if n > options.max_items {
            // The smallest min_count that leaves at most max_items candidates.
            let needed = item_counts[candidates[options.max_items] as usize] + 1;
            return Err(Error::LimitExceeded {
                what: "EASE candidate items",
                limit: options.max_items as u64,
                hint: format!(
                    "{n} items have at least {floor} training baskets and the fit needs a dense \
                     {n} x {n} matrix (about {:.1} GB); raise min_count to {needed} or more, or \
                     raise max_items",
                    24.0 * (n as f64).powi(2) / 1e9
                ),
            });
        }
        let mut position = vec![NONE; items.len()];
        for (p, &i) in candidates.iter().enumerate() {
            position[i as usize] = p as u32;
        }
        control.start(4);
        let weights = if n == 0 {
            Vec::new()
        } else {
            let runner = crate::parallel::Runner::new(options.threads);
            runner.install(|threads| {
                let par = match std::num::NonZeroUsize::new(threads) {
                    Some(t) if t.get() > 1 => Par::Rayon(t),
                    _ => Par::Seq,
                };
                solve(baskets, &position, n, options.lambda, par, control)
            })?
        };
        Ok(Ease {
            label_ids: items
                .labels()
                .enumerate()
                .map(|(k, l)| (l.to_owned(), k as ItemId))
                .collect(),
            labels: items.labels().map(str::to_owned).collect(),
            item_counts,
            baskets: baskets.len() as u64,
            lambda: options.lambda,
            candidates,
            position,
            weights,
            popular,
        })
    }

    /// The number of items the model knows (candidates or not).
    pub fn item_count(&self) -> usize {
        self.labels.len()
    }

    /// The number of candidate items: those with weights.
    pub fn candidate_count(&self) -> usize {
        self.candidates.len()
    }

    /// The candidate items, by popularity: the order of [`Ease::weights`]' rows and columns.
    pub fn candidates(&self) -> &[ItemId] {
        &self.candidates
    }

    /// The weight matrix `B`, row-major over [`Ease::candidates`]: entry `i * n + j` is the weight
    /// of candidate `i` in the cart toward candidate `j`.
    pub fn weights(&self) -> &[f32] {
        &self.weights
    }

    /// The weight of item `from` (in the cart) toward item `to`, when both are candidates.
    pub fn weight(&self, from: ItemId, to: ItemId) -> Option<f32> {
        let i = *self.position.get(from as usize).filter(|&&p| p != NONE)? as usize;
        let j = *self.position.get(to as usize).filter(|&&p| p != NONE)? as usize;
        Some(self.weights[i * self.candidates.len() + j])
    }

    /// The penalty the model was fitted with.
    pub fn lambda(&self) -> f64 {
        self.lambda
    }

    /// The label of an item id.
    pub fn label(&self, item: ItemId) -> Option<&str> {
        self.labels.get(item as usize).map(String::as_str)
    }

    /// The id of a label.
    pub fn item(&self, label: &str) -> Option<ItemId> {
        self.label_ids.get(label).copied()
    }

    /// Up to `k` items for a cart given by labels; labels without weights are ignored and reported.
    pub fn recommend_labels<S: AsRef<str>>(&self, cart: &[S], k: usize) -> EaseAnswer {
        let mut ids = Vec::with_capacity(cart.len());
        let mut unknown = Vec::new();
        for label in cart {
            let id = self.item(label.as_ref());
            if id.is_none_or(|id| self.position[id as usize] == NONE) {
                unknown.push(label.as_ref().to_owned());
            }
            // Known items without weights still leave the popularity fill.
            ids.extend(id);
        }
        let mut items = Vec::with_capacity(k);
        self.recommend_into(&ids, k, &mut EaseScratch::default(), &mut items);
        EaseAnswer { items, unknown }
    }

    /// [`Ease::recommend_into`] for many carts (item ids) on `threads` workers (`None`: the
    /// crate's default); answers in cart order, whatever the thread count.
    ///
    /// ```
    /// use upsell::data::{Dataset, ReadOptions};
    /// use upsell::recommend::{Ease, EaseOptions};
    /// let text = "bread,butter\nbread,butter,milk\nbread,jam\nmilk,cereal\n";
    /// let data = Dataset::from_reader(text.as_bytes(), "mem.csv", &ReadOptions::baskets(b','))?;
    /// let model = Ease::fit(&data.baskets, &data.items, &EaseOptions::default(), &Default::default())?;
    /// let bread = model.item("bread").expect("known");
    /// let answers = model.recommend_batch(&[vec![bread], vec![]], 2, Some(2));
    /// assert_eq!(answers[0], model.recommend_labels(&["bread"], 2).items);
    /// assert_eq!(answers.len(), 2);
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn recommend_batch(
        &self,
        carts: &[Vec<ItemId>],
        k: usize,
        threads: Option<usize>,
    ) -> Vec<Vec<EaseRecommendation>> {
        const CHUNK: usize = 256;
        let runner = crate::parallel::Runner::new(threads);
        let chunks = runner.map(
            carts.len().div_ceil(CHUNK),
            EaseScratch::default,
            |scratch, c| {
                let end = ((c + 1) * CHUNK).min(carts.len());
                carts[c * CHUNK..end]
                    .iter()
                    .map(|cart| {
                        let mut out = Vec::with_capacity(k);
                        self.recommend_into(cart, k, scratch, &mut out);
                        out
                    })
                    .collect::<Vec<_>>()
            },
        );
        chunks.into_iter().flatten().collect()
    }

    /// Up to `k` items not in `cart` (item ids; ids without weights are ignored), best first,
    /// written to `out` (cleared first). Candidates are ranked by score, ties by popularity; when
    /// the cart has no candidate (an empty cart) or fewer than `k` candidates remain, popular
    /// items fill the answer. Reuse `scratch` across calls on one thread.
    pub fn recommend_into(
        &self,
        cart: &[ItemId],
        k: usize,
        scratch: &mut EaseScratch,
        out: &mut Vec<EaseRecommendation>,
    ) {
        out.clear();
        let n = self.candidates.len();
        scratch.prepare(n);
        scratch.cart.clear();
        scratch.cart.extend(
            cart.iter()
                .filter_map(|&i| self.position.get(i as usize).copied())
                .filter(|&p| p != NONE),
        );
        scratch.cart.sort_unstable();
        scratch.cart.dedup();
        let scored = !scratch.cart.is_empty();
        if scored {
            scratch.scores.fill(0.0);
            for &p in &scratch.cart {
                add_row(&mut scratch.scores, self.row(p as usize));
            }
        }
        self.rank(scored, k, scratch);
        for &(score, p) in &scratch.top {
            let strongest = scratch
                .cart
                .iter()
                .map(|&i| (i, self.weights[i as usize * n + p as usize]))
                .fold(None, |best: Option<(u32, f32)>, (i, w)| match best {
                    Some((_, b)) if b >= w => best,
                    _ => Some((i, w)),
                });
            out.push(EaseRecommendation {
                item: self.candidates[p as usize],
                score,
                strongest: strongest.map(|(i, w)| (self.candidates[i as usize], w)),
            });
        }
        self.fill(cart, scored, k, out);
    }

    /// Leave-one-out over one basket, for the evaluation: `each(hidden, answer)` for every item of
    /// the basket, the answer (item ids) being what [`Ease::recommend_into`] gives the rest of the
    /// basket. The basket's rows are summed once and each hidden item's row subtracted, instead
    /// of summing the rest of the basket again for every item.
    pub(super) fn replay(
        &self,
        basket: &[ItemId],
        k: usize,
        scratch: &mut EaseScratch,
        answer: &mut Vec<EaseRecommendation>,
        mut each: impl FnMut(ItemId, &[EaseRecommendation]),
    ) {
        let n = self.candidates.len();
        scratch.prepare(n);
        if scratch.total.len() != n {
            scratch.total = vec![0.0; n];
        }
        let in_basket: Vec<u32> = basket
            .iter()
            .filter_map(|&i| self.position.get(i as usize).copied())
            .filter(|&p| p != NONE)
            .collect();
        scratch.total.fill(0.0);
        for &p in &in_basket {
            add_row(&mut scratch.total, self.row(p as usize));
        }
        let mut cart = Vec::with_capacity(basket.len());
        for (at, &hidden) in basket.iter().enumerate() {
            cart.clear();
            cart.extend(
                basket
                    .iter()
                    .enumerate()
                    .filter(|&(i, _)| i != at)
                    .map(|(_, &x)| x),
            );
            let hidden_position = self.position.get(hidden as usize).copied().unwrap_or(NONE);
            scratch.cart.clear();
            scratch
                .cart
                .extend(in_basket.iter().copied().filter(|&p| p != hidden_position));
            let scored = !scratch.cart.is_empty();
            if scored {
                if hidden_position == NONE {
                    scratch.scores.copy_from_slice(&scratch.total);
                } else {
                    let row = self.row(hidden_position as usize);
                    for ((s, &t), &w) in scratch.scores.iter_mut().zip(&scratch.total).zip(row) {
                        *s = t - f64::from(w);
                    }
                }
            }
            self.rank(scored, k, scratch);
            answer.clear();
            answer.extend(scratch.top.iter().map(|&(score, p)| EaseRecommendation {
                item: self.candidates[p as usize],
                score,
                strongest: None,
            }));
            self.fill(&cart, scored, k, answer);
            each(hidden, answer);
        }
    }

    fn row(&self, p: usize) -> &[f32] {
        let n = self.candidates.len();
        &self.weights[p * n..(p + 1) * n]
    }

    /// The best `k` candidates outside `scratch.cart` by `scratch.scores` into `scratch.top`
    /// (nothing when the cart has no candidate).
    fn rank(&self, scored: bool, k: usize, scratch: &mut EaseScratch) {
        scratch.top.clear();
        if !scored || k == 0 {
            return;
        }
        for &p in &scratch.cart {
            scratch.in_cart[p as usize] = true;
        }
        let top = &mut scratch.top;
        for (p, (&score, &in_cart)) in scratch.scores.iter().zip(&scratch.in_cart).enumerate() {
            // Strictly better only: on a tie the earlier (more popular) candidate stays.
            if in_cart || (top.len() == k && score <= top[k - 1].0) {
                continue;
            }
            let at = top.partition_point(|&(s, _)| s >= score);
            if top.len() == k {
                top.pop();
            }
            top.insert(at, (score, p as u32));
        }
        for &p in &scratch.cart {
            scratch.in_cart[p as usize] = false;
        }
    }

    /// Popular items not in `cart` up to `k`; when the cart was scored every remaining candidate
    /// is already in `out`, so only other items are added.
    fn fill(&self, cart: &[ItemId], scored: bool, k: usize, out: &mut Vec<EaseRecommendation>) {
        for &item in &self.popular {
            if out.len() >= k {
                break;
            }
            let candidate = self.position[item as usize] != NONE;
            if (scored && candidate) || cart.contains(&item) {
                continue;
            }
            out.push(EaseRecommendation {
                item,
                score: self.item_counts[item as usize] as f64 / self.baskets.max(1) as f64,
                strongest: None,
            });
        }
    }
}

fn add_row(scores: &mut [f64], row: &[f32]) {
    for (s, &w) in scores.iter_mut().zip(row) {
        *s += f64::from(w);
    }
}

/// The weights `B` (row-major `f32`) of the `n` candidates: Gram matrix, Cholesky, inverse.
fn solve(
    baskets: &Baskets,
    position: &[u32],
    n: usize,
    lambda: f64,
    par: Par,
    control: &Control,
) -> Result<Vec<f32>> {
    // The lower triangle of G + lambda I, which is all the factorisation reads.
    let mut gram = Mat::<f64>::zeros(n, n);
    let mut rows = Vec::new();
    for basket in baskets.iter() {
        rows.clear();
        rows.extend(
            basket
                .iter()
                .filter_map(|&i| position.get(i as usize).copied())
                .filter(|&p| p != NONE),
        );
        rows.sort_unstable();
        for (a, &column) in rows.iter().enumerate() {
            let col = gram.col_as_slice_mut(column as usize);
            for &row in &rows[a..] {
                col[row as usize] += 1.0;
            }
        }
    }
    for j in 0..n {
        gram[(j, j)] += lambda;
    }
    control.advance(1);
    control.check()?;
    let mut buffer = MemBuffer::new(llt::factor::cholesky_in_place_scratch::<f64>(
        n,
        par,
        Default::default(),
    ));
    llt::factor::cholesky_in_place(
        gram.as_mut(),
        Default::default(),
        par,
        MemStack::new(&mut buffer),
        Default::default(),
    )
    .map_err(|llt::factor::LltError::NonPositivePivot { index }| {
        Error::invalid_parameter(
            "lambda",
            format!(
                "G + lambda I is not positive definite in floating point (pivot {index}); \
                 raise lambda above {lambda}"
            ),
        )
    })?;
    drop(buffer);
    control.advance(1);
    control.check()?;
    // P = (G + lambda I)^-1, lower triangle.
    let mut inverse = Mat::<f64>::zeros(n, n);
    llt::inverse::inverse(
        inverse.as_mut(),
        gram.as_ref(),
        par,
        MemStack::new(&mut MemBuffer::new(llt::inverse::inverse_scratch::<f64>(
            n, par,
        ))),
    );
    drop(gram);
    control.advance(1);
    control.check()?;
    // B_ij = -P_ij / P_jj: row i of B is column i of the symmetric P, read as P[j, i] below the
    // diagonal (contiguous) and P[i, j] above it.
    let diagonal: Vec<f64> = (0..n).map(|j| inverse[(j, j)]).collect();
    let mut weights = vec![0f32; n * n];
    for (i, row) in weights.chunks_exact_mut(n).enumerate() {
        for (j, w) in row.iter_mut().enumerate().take(i) {
            *w = (-inverse[(i, j)] / diagonal[j]) as f32;
        }
        let column = &inverse.col_as_slice(i)[i + 1..];
        for ((w, &p), &d) in row[i + 1..].iter_mut().zip(column).zip(&diagonal[i + 1..]) {
            *w = (-p / d) as f32;
        }
    }
    control.advance(1);
    Ok(weights)
}

mod file;

#[cfg(test)]
mod tests;
