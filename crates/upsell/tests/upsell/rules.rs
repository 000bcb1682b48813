//! Rules against a brute-force reference that counts every side of every rule in the baskets.

use proptest::prelude::*;
use upsell::ErrorKind;
use upsell::data::Baskets;
use upsell::mining::{MinSupport, MiningOptions, Target, mine};
use upsell::rules::{Measure, RuleOptions, generate};

use crate::mining::baskets_strategy;

type Key = (Vec<u32>, Vec<u32>, [u64; 3]);

fn count(baskets: &Baskets, set: &[u32]) -> u64 {
    baskets
        .iter()
        .filter(|b| set.iter().all(|i| b.contains(i)))
        .count() as u64
}

/// Every split of every frequent itemset, filtered by definition.
fn brute_force(baskets: &Baskets, min_count: u64, options: &RuleOptions) -> Vec<Key> {
    let itemsets = mine(baskets, &MiningOptions::new(MinSupport::count(min_count))).expect("mine");
    let n = baskets.len() as u64;
    let mut rules = Vec::new();
    for (set, union) in itemsets.iter().filter(|(s, _)| s.len() >= 2) {
        for mask in 1..(1u32 << set.len()) - 1 {
            let pick = |side: u32| -> Vec<u32> {
                set.iter()
                    .enumerate()
                    .filter(|&(b, _)| mask >> b & 1 == side)
                    .map(|(_, &i)| i)
                    .collect()
            };
            let (consequent, antecedent) = (pick(1), pick(0));
            let counts = [
                union,
                count(baskets, &antecedent),
                count(baskets, &consequent),
            ];
            let confidence = Measure::Confidence.compute(counts[0], counts[1], counts[2], n);
            let lift = Measure::Lift.compute(counts[0], counts[1], counts[2], n);
            let redundant = options.prune_redundant
                && (1..(1u32 << antecedent.len()) - 1).any(|sub| {
                    let smaller: Vec<u32> = antecedent
                        .iter()
                        .enumerate()
                        .filter(|&(b, _)| sub >> b & 1 == 1)
                        .map(|(_, &i)| i)
                        .collect();
                    let mut both = [smaller.clone(), consequent.clone()].concat();
                    both.sort_unstable();
                    count(baskets, &both) * counts[1] >= counts[0] * count(baskets, &smaller)
                });
            if confidence >= options.min_confidence
                && options.min_lift.is_none_or(|m| lift >= m)
                && options
                    .max_antecedent_len
                    .is_none_or(|m| antecedent.len() <= m)
                && options
                    .max_consequent_len
                    .is_none_or(|m| consequent.len() <= m)
                && !redundant
            {
                rules.push((antecedent, consequent, counts));
            }
        }
    }
    rules.sort();
    rules
}

fn found(rules: &upsell::rules::Rules) -> Vec<Key> {
    let mut keys: Vec<Key> = rules
        .iter()
        .map(|r| {
            (
                r.antecedent().to_vec(),
                r.consequent().to_vec(),
                [r.count(), r.antecedent_count(), r.consequent_count()],
            )
        })
        .collect();
    keys.sort();
    keys
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]
    #[test]
    fn rules_equal_brute_force(
        baskets in baskets_strategy(),
        min_count in 1u64..5,
        min_confidence in prop::sample::select(vec![0.0, 0.3, 0.5, 0.8, 1.0]),
        min_lift in prop::option::of(prop::sample::select(vec![0.5, 1.0, 1.5])),
        max_antecedent_len in prop::option::of(1usize..3),
        max_consequent_len in prop::option::of(1usize..3),
        prune_redundant in any::<bool>(),
    ) {
        let options = RuleOptions { min_confidence, min_lift, max_antecedent_len, max_consequent_len, prune_redundant, ..RuleOptions::default() };
        let expected = brute_force(&baskets, min_count, &options);
        let itemsets = mine(&baskets, &MiningOptions::new(MinSupport::count(min_count))).expect("mine");
        for threads in [1, 2] {
            let rules = generate(&itemsets, &RuleOptions { threads: Some(threads), ..options.clone() }).expect("rules");
            prop_assert_eq!(found(&rules), expected.clone());
        }
        // Closed itemsets give the rules whose union is closed, with the same exact counts.
        let closed = mine(&baskets, &MiningOptions { target: Target::Closed, ..MiningOptions::new(MinSupport::count(min_count)) }).expect("closed");
        let from_closed = found(&generate(&closed, &options).expect("closed rules"));
        let closed_sets: Vec<Vec<u32>> = closed.iter().map(|(s, _)| s.to_vec()).collect();
        let expected_closed: Vec<Key> = expected
            .into_iter()
            .filter(|(a, c, _)| {
                let mut union = [a.clone(), c.clone()].concat();
                union.sort_unstable();
                closed_sets.contains(&union)
            })
            .collect();
        if !options.prune_redundant {
            prop_assert_eq!(from_closed, expected_closed);
        }
    }
}

#[test]
fn constraints_and_budget() {
    let baskets = Baskets::from_arrays(vec![0, 1, 2, 0, 1, 0, 2, 1, 2], vec![0, 3, 5, 7, 9])
        .expect("baskets");
    let itemsets = mine(&baskets, &MiningOptions::new(MinSupport::count(1))).expect("mine");
    let only = |options: RuleOptions| {
        generate(
            &itemsets,
            &RuleOptions {
                min_confidence: 0.0,
                ..options
            },
        )
        .expect("rules")
    };
    let premium = only(RuleOptions {
        consequent_items: Some(vec![2]),
        ..RuleOptions::default()
    });
    assert!(!premium.is_empty() && premium.iter().all(|r| r.consequent() == [2]));
    let without = only(RuleOptions {
        exclude_items: vec![1],
        ..RuleOptions::default()
    });
    assert!(
        without
            .iter()
            .all(|r| !r.antecedent().contains(&1) && !r.consequent().contains(&1))
    );
    let err = generate(
        &itemsets,
        &RuleOptions {
            min_confidence: 0.0,
            max_rules: Some(3),
            ..RuleOptions::default()
        },
    )
    .expect_err("over budget");
    assert_eq!(err.kind(), ErrorKind::LimitExceeded);
    let maximal = mine(
        &baskets,
        &MiningOptions {
            target: Target::Maximal,
            ..MiningOptions::new(MinSupport::count(1))
        },
    )
    .expect("maximal");
    assert_eq!(
        generate(&maximal, &RuleOptions::default())
            .expect_err("maximal refused")
            .kind(),
        ErrorKind::InvalidParameter
    );
}
