//! EASE against inverses computed here, its guards, and its evaluation on real data.

use proptest::prelude::*;
use upsell::data::{Baskets, ItemDictionary, ReadOptions};
use upsell::mining::MinSupport;
use upsell::recommend::{Ease, EaseOptions, EaseScratch, EvaluationOptions, evaluate};
use upsell::{Control, Error, ErrorKind};

use crate::mining::baskets_strategy;

fn labels(n: usize) -> ItemDictionary {
    ItemDictionary::from_labels((0..n).map(|i| format!("item{i}"))).expect("labels")
}

fn fit(baskets: &Baskets, n: usize, lambda: f64, min_count: u64) -> upsell::Result<Ease> {
    let options = EaseOptions {
        lambda,
        min_count,
        ..EaseOptions::default()
    };
    Ease::fit(baskets, &labels(n), &options, &Control::default())
}

/// `(G + lambda I)⁻¹` of the items with at least `floor` baskets (in id order), by Gauss-Jordan
/// elimination with partial pivoting.
fn naive_inverse(baskets: &Baskets, items: &[u32], lambda: f64) -> Vec<Vec<f64>> {
    let n = items.len();
    let mut a = vec![vec![0.0; 2 * n]; n];
    for (r, row) in a.iter_mut().enumerate() {
        row[r] += lambda;
        row[n + r] = 1.0;
    }
    for basket in baskets.iter() {
        for (r, x) in items.iter().enumerate() {
            for (c, y) in items.iter().enumerate() {
                if basket.contains(x) && basket.contains(y) {
                    a[r][c] += 1.0;
                }
            }
        }
    }
    for col in 0..n {
        let pivot = (col..n)
            .max_by(|&p, &q| a[p][col].abs().total_cmp(&a[q][col].abs()))
            .expect("rows left");
        a.swap(col, pivot);
        let d = a[col][col];
        a[col].iter_mut().for_each(|v| *v /= d);
        for r in 0..n {
            if r != col {
                let f = a[r][col];
                let pivot_row = a[col].clone();
                a[r].iter_mut()
                    .zip(&pivot_row)
                    .for_each(|(v, p)| *v -= f * p);
            }
        }
    }
    a.into_iter().map(|row| row[n..].to_vec()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]
    #[test]
    fn weights_equal_a_gauss_jordan_inverse(
        baskets in baskets_strategy(),
        lambda in prop::sample::select(vec![0.5, 1.0, 10.0, 150.0]),
        min_count in 0u64..4,
        cart in prop::collection::vec(0u32..12, 0..5),
        k in 1usize..6,
    ) {
        let model = fit(&baskets, 12, lambda, min_count).expect("fit");
        let counts = baskets.item_frequencies();
        let count = |i: u32| counts.get(i as usize).copied().unwrap_or(0);
        let items: Vec<u32> = (0..12).filter(|&i| count(i) >= min_count.max(1)).collect();
        prop_assert_eq!(model.candidate_count(), items.len());
        let p = naive_inverse(&baskets, &items, lambda);
        for (r, &i) in items.iter().enumerate() {
            for (c, &j) in items.iter().enumerate() {
                let expected = if r == c { 0.0 } else { -p[r][c] / p[c][c] };
                let found = f64::from(model.weight(i, j).expect("candidates"));
                prop_assert!((found - expected).abs() < 1e-6, "B[{}][{}] = {} vs {}", i, j, found, expected);
            }
        }
        // The answer: candidates outside the cart by summed weight, ties to the more popular.
        let mut out = Vec::new();
        model.recommend_into(&cart, k, &mut EaseScratch::default(), &mut out);
        let in_cart: Vec<u32> = items.iter().copied().filter(|i| cart.contains(i)).collect();
        if !in_cart.is_empty() {
            let mut expected: Vec<(u32, f64)> = items
                .iter()
                .filter(|i| !cart.contains(i))
                .map(|&j| (j, in_cart.iter().map(|&i| f64::from(model.weight(i, j).expect("w"))).sum()))
                .collect();
            expected.sort_by(|a, b| b.1.total_cmp(&a.1).then(count(b.0).cmp(&count(a.0))).then(a.0.cmp(&b.0)));
            expected.truncate(k);
            let found: Vec<(u32, f64)> = out.iter().take(expected.len()).map(|r| (r.item, r.score)).collect();
            for (f, e) in found.iter().zip(&expected) {
                prop_assert!((f.1 - e.1).abs() < 1e-9);
            }
            prop_assert!(out.iter().take(expected.len()).all(|r| r.strongest.is_some()));
        }
        // The same weights whatever the number of threads.
        let serial = Ease::fit(&baskets, &labels(12), &EaseOptions { lambda, min_count, threads: Some(1), ..EaseOptions::default() }, &Control::default()).expect("fit");
        let parallel = Ease::fit(&baskets, &labels(12), &EaseOptions { lambda, min_count, threads: Some(2), ..EaseOptions::default() }, &Control::default()).expect("fit");
        prop_assert_eq!(serial.weights(), parallel.weights());
    }
}

#[test]
fn a_hand_checked_case() {
    // Baskets {0,1}, {0,1}, {1,2}, {0}: G + I = [[4,2,0],[2,4,1],[0,1,2]], det = 20.
    let baskets =
        Baskets::from_arrays(vec![0, 1, 0, 1, 1, 2, 0], vec![0, 2, 4, 6, 7]).expect("baskets");
    let model = fit(&baskets, 3, 1.0, 1).expect("fit");
    // The inverse by cofactors: P = [[7,-4,2],[-4,8,-4],[2,-4,12]] / 20.
    let p = [[7.0, -4.0, 2.0], [-4.0, 8.0, -4.0], [2.0, -4.0, 12.0]];
    for i in 0..3u32 {
        for j in 0..3u32 {
            let expected = if i == j {
                0.0
            } else {
                -p[i as usize][j as usize] / p[j as usize][j as usize]
            };
            let found = f64::from(model.weight(i, j).expect("candidate"));
            assert!(
                (found - expected).abs() < 1e-7,
                "B[{i}][{j}] = {found}, expected {expected}"
            );
        }
    }
    // Cart {2}: item 1 (weight 4/8) before item 0 (weight -2/7); item 1 is explained by item 2.
    let answer = model.recommend_labels(&["item2"], 5);
    let items: Vec<u32> = answer.items.iter().map(|r| r.item).collect();
    assert_eq!(items, [1, 0]);
    assert_eq!(answer.items[0].strongest, Some((2, 0.5)));
    // Candidates are numbered by popularity: item 0 and item 1 (3 baskets each) before item 2.
    assert_eq!(model.candidates(), [0, 1, 2]);
}

#[test]
fn lambda_must_be_finite_and_positive() {
    let baskets = Baskets::from_arrays(vec![0, 1], vec![0, 2]).expect("baskets");
    for lambda in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let err = fit(&baskets, 2, lambda, 1).expect_err("bad lambda");
        assert_eq!(err.kind(), ErrorKind::InvalidParameter);
        assert!(err.to_string().contains("'lambda'"), "{err}");
    }
}

#[test]
fn too_many_candidates_is_refused_with_the_min_count_that_fits() {
    // Item i is in i + 1 baskets: with max_items 3, only items 7, 8, 9 (counts 8, 9, 10) fit.
    let mut items = Vec::new();
    let mut offsets = vec![0];
    for b in 0..10u32 {
        items.extend((0..10u32).filter(|&i| i + 1 > b));
        offsets.push(items.len());
    }
    let baskets = Baskets::from_arrays(items, offsets).expect("baskets");
    let options = EaseOptions {
        max_items: 3,
        ..EaseOptions::default()
    };
    let err = Ease::fit(&baskets, &labels(10), &options, &Control::default()).expect_err("limit");
    assert_eq!(err.kind(), ErrorKind::LimitExceeded);
    let Error::LimitExceeded { limit, hint, .. } = &err else {
        unreachable!()
    };
    assert_eq!(*limit, 3);
    assert!(
        hint.contains("10 items") && hint.contains("min_count to 8"),
        "{hint}"
    );
    let options = EaseOptions {
        max_items: 3,
        min_count: 8,
        ..EaseOptions::default()
    };
    let model = Ease::fit(&baskets, &labels(10), &options, &Control::default()).expect("fits");
    assert_eq!(model.candidates(), [9, 8, 7]);
}

#[test]
fn empty_carts_get_popularity_and_unknown_items_are_ignored() {
    // item0 in 3 baskets, item1 in 2, item2 in 1 (below min_count 2), item3 never.
    let baskets = Baskets::from_arrays(vec![0, 1, 0, 1, 0, 2], vec![0, 2, 4, 6]).expect("baskets");
    let model = fit(&baskets, 4, 1.0, 2).expect("fit");
    assert_eq!(model.candidate_count(), 2);
    let empty = model.recommend_labels::<&str>(&[], 3);
    let items: Vec<u32> = empty.items.iter().map(|r| r.item).collect();
    assert_eq!(items, [0, 1, 2]);
    assert!(empty.items.iter().all(|r| r.strongest.is_none()));
    // Unknown and rare cart items are ignored and reported: the answer is popularity's.
    let answer = model.recommend_labels(&["nothing", "item2"], 2);
    assert_eq!(answer.unknown, ["nothing", "item2"]);
    let items: Vec<u32> = answer.items.iter().map(|r| r.item).collect();
    assert_eq!(items, [0, 1]);
    // A scored cart: the other candidate, then popular fills that are not in the cart.
    let answer = model.recommend_labels(&["item0", "item2"], 3);
    let items: Vec<u32> = answer.items.iter().map(|r| r.item).collect();
    assert_eq!(items, [1, 3]);
    assert_eq!(answer.items[0].strongest.map(|s| s.0), Some(0));
    assert!(answer.items[1].strongest.is_none());
}

#[test]
fn ease_beats_popularity_on_groceries() {
    let Some(data) = crate::mining::real("groceries.csv", &ReadOptions::baskets(b',')) else {
        return;
    };
    let options = EvaluationOptions {
        max_antecedent_len: 2,
        ease: Some(EaseOptions {
            lambda: 150.0,
            ..EaseOptions::default()
        }),
        ..EvaluationOptions::new(MinSupport::count(20))
    };
    let result = evaluate(
        &data.baskets,
        &data.items,
        None,
        &options,
        &Control::default(),
    )
    .expect("evaluate");
    assert_eq!(result.methods[2].method, "ease");
    assert_eq!(result.ease_items, Some(169));
    // The Python prototype (numpy inverse, the same split and cases) gave 0.2799.
    assert!(
        (result.methods[2].hit_rate - 0.2799).abs() < 1e-3,
        "{result:?}"
    );
    assert!(result.lift("ease").expect("ease") > 0.10);
}
