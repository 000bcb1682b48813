//! The evaluation's leave-one-out shortcut against plain queries.

use proptest::prelude::*;

use super::{Ease, EaseOptions, EaseScratch};
use crate::data::{Baskets, ItemDictionary};

fn baskets() -> impl Strategy<Value = Baskets> {
    prop::collection::vec(prop::collection::vec(0u32..10, 0..7), 1..30).prop_map(|rows| {
        let offsets = std::iter::once(0)
            .chain(rows.iter().scan(0, |end, row| {
                *end += row.len();
                Some(*end)
            }))
            .collect();
        Baskets::from_arrays(rows.concat(), offsets).expect("valid arrays")
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]
    #[test]
    fn replay_answers_as_queries_do(
        train in baskets(),
        basket in prop::collection::btree_set(0u32..12, 2..7),
        min_count in 0u64..3,
        k in 1usize..5,
    ) {
        let items = ItemDictionary::from_labels((0..12).map(|i| format!("i{i}"))).expect("labels");
        let options = EaseOptions { lambda: 2.0, min_count, ..EaseOptions::default() };
        let model = Ease::fit(&train, &items, &options, &Default::default()).expect("fit");
        let basket: Vec<u32> = basket.into_iter().collect();
        let mut scratch = EaseScratch::default();
        let mut replayed = Vec::new();
        model.replay(&basket, k, &mut scratch, &mut Vec::new(), |hidden, answer| {
            replayed.push((hidden, answer.iter().map(|r| r.score).collect::<Vec<_>>()));
        });
        prop_assert_eq!(replayed.len(), basket.len());
        let mut out = Vec::new();
        for (at, (hidden, scores)) in replayed.iter().enumerate() {
            let cart: Vec<u32> = basket.iter().enumerate().filter(|&(i, _)| i != at).map(|(_, &x)| x).collect();
            prop_assert_eq!(*hidden, basket[at]);
            model.recommend_into(&cart, k, &mut EaseScratch::default(), &mut out);
            // Subtracting a row instead of summing the others may move a score by an ulp, which can
            // swap two tied items but not change the scores of the answer.
            prop_assert_eq!(scores.len(), out.len());
            for (a, b) in scores.iter().zip(&out) {
                prop_assert!((a - b.score).abs() < 1e-9, "{} vs {}", a, b.score);
            }
        }
    }
}
