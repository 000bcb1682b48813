//! The recommender against a brute-force scorer, its model files, and the evaluation on real data.

use proptest::prelude::*;
use upsell::data::{Baskets, ItemDictionary, ReadOptions};
use upsell::mining::{MinSupport, MiningOptions, mine};
use upsell::recommend::{
    EvaluationOptions, Ranking, RecommendOptions, Recommender, Scratch, evaluate,
};
use upsell::rules::{RuleOptions, generate};
use upsell::{Control, ErrorKind};

use crate::mining::baskets_strategy;

fn model(baskets: &Baskets, min_count: u64) -> Recommender {
    let itemsets = mine(baskets, &MiningOptions::new(MinSupport::count(min_count))).expect("mine");
    let options = RuleOptions {
        min_confidence: 0.0,
        max_consequent_len: Some(1),
        ..RuleOptions::default()
    };
    let rules = generate(&itemsets, &options).expect("rules");
    let labels = ItemDictionary::from_labels((0..baskets.item_count()).map(|i| format!("item{i}")))
        .expect("labels");
    Recommender::new(&rules, &labels, baskets).expect("model")
}

/// Every rule of the model checked against the cart: the best score per item, then the top k.
fn brute_force(
    model: &Recommender,
    cart: &[u32],
    k: usize,
    options: &RecommendOptions,
) -> Vec<(u32, f64)> {
    let mut best: Vec<Option<f64>> = vec![None; model.item_count()];
    for r in 0..model.rule_count() as u32 {
        let rule = model.rule(r).expect("rule");
        if cart.contains(&rule.consequent) || !rule.antecedent.iter().all(|i| cart.contains(i)) {
            continue;
        }
        let base = rule.consequent_count as f64 / rule.baskets as f64;
        let m = options.smoothing;
        let confidence = (rule.count as f64 + m * base) / (rule.antecedent_count as f64 + m);
        let score = match options.by {
            Ranking::Lift => confidence / base,
            _ => confidence,
        };
        let slot = &mut best[rule.consequent as usize];
        *slot = Some(slot.map_or(score, |s: f64| s.max(score)));
    }
    let mut found: Vec<(u32, f64)> = best
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.map(|s| (i as u32, s)))
        .collect();
    found.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    found.truncate(k);
    found
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]
    #[test]
    fn queries_equal_brute_force(
        baskets in baskets_strategy(),
        cart in prop::collection::vec(0u32..12, 0..7),
        k in 1usize..6,
        by in prop::sample::select(vec![Ranking::Confidence, Ranking::Lift]),
        smoothing in prop::sample::select(vec![0.0, 1.0, 5.0]),
    ) {
        let model = model(&baskets, 1);
        let options = RecommendOptions { by, smoothing, backfill: false, ..RecommendOptions::default() };
        let mut out = Vec::new();
        model.recommend_into(&cart, k, &options, &mut Scratch::default(), &mut out);
        let found: Vec<(u32, f64)> = out.iter().map(|r| (r.item, r.score)).collect();
        let mut cart_set = cart.clone();
        cart_set.sort_unstable();
        cart_set.dedup();
        let cart_known: Vec<u32> = cart_set.into_iter().filter(|&i| (i as usize) < model.item_count()).collect();
        prop_assert_eq!(found, brute_force(&model, &cart_known, k, &options));
        // The batch form answers the same, whatever the number of threads.
        let batch = model.recommend_batch(&[cart.clone(), vec![], cart.clone()], k, &options, Some(2));
        prop_assert_eq!(&batch[0], &out);
        prop_assert_eq!(&batch[2], &out);
    }
}

#[test]
fn model_files_round_trip_and_refuse_damage() {
    let baskets = Baskets::from_arrays(vec![0, 1, 0, 1, 2, 1, 2, 0, 2], vec![0, 2, 5, 7, 9])
        .expect("baskets");
    let model = model(&baskets, 1);
    let options = RecommendOptions::default();
    let answer = |m: &Recommender| m.recommend_labels(&["item0"], 2, &options);
    let from_json = Recommender::from_json(&model.to_json()).expect("json");
    let from_bytes = Recommender::from_bytes(&model.to_bytes()).expect("bytes");
    assert_eq!(answer(&from_json), answer(&model));
    assert_eq!(answer(&from_bytes), answer(&model));

    let bytes = model.to_bytes();
    for cut in [0, 5, 12, bytes.len() / 2, bytes.len() - 1] {
        let err = Recommender::from_bytes(&bytes[..cut]).expect_err("truncated");
        assert_eq!(err.kind(), ErrorKind::Parse, "cut at {cut}");
    }
    let mut newer = bytes.clone();
    newer[8] = 99;
    let err = Recommender::from_bytes(&newer).expect_err("newer version");
    assert!(err.to_string().contains("version 99"), "{err}");
    let json = model.to_json().replace("\"version\":1", "\"version\":7");
    assert!(
        Recommender::from_json(&json)
            .expect_err("newer")
            .to_string()
            .contains("version 7")
    );
    assert_eq!(
        Recommender::from_json("{\"format\":\"other\"}")
            .expect_err("format")
            .kind(),
        ErrorKind::Parse
    );
    assert_eq!(
        Recommender::from_json("{\"format\":")
            .expect_err("cut json")
            .kind(),
        ErrorKind::Parse
    );

    let dir = tempfile::tempdir().expect("tempdir");
    for name in ["m.json", "m.model"] {
        let path = dir.path().join(name);
        model.save(&path).expect("save");
        assert_eq!(
            answer(&Recommender::load(&path).expect("load")),
            answer(&model)
        );
    }
    let cut = dir.path().join("cut.model");
    std::fs::write(&cut, &bytes[..bytes.len() - 3]).expect("write");
    let err = Recommender::load(&cut).expect_err("truncated file");
    assert!(
        err.to_string().contains("cut.model") && err.to_string().contains("truncated"),
        "{err}"
    );
}

#[test]
fn carts_with_unknown_items_and_empty_carts() {
    let baskets =
        Baskets::from_arrays(vec![0, 1, 0, 1, 2, 1, 2], vec![0, 2, 5, 7]).expect("baskets");
    let model = model(&baskets, 1);
    let options = RecommendOptions::default();
    let answer = model.recommend_labels(&["item0", "no such thing"], 3, &options);
    assert_eq!(answer.unknown, vec!["no such thing".to_owned()]);
    assert!(answer.items.iter().all(|r| r.item != 0));
    let empty = model.recommend_labels::<&str>(&[], 2, &options);
    assert_eq!(
        empty.items.iter().map(|r| r.item).collect::<Vec<_>>(),
        vec![1, 0],
        "popularity for an empty cart"
    );
    assert!(empty.items.iter().all(|r| r.rule.is_none()));
}

#[test]
fn rules_beat_popularity_on_retail() {
    let Some(data) = crate::mining::real("retail.dat.gz", &ReadOptions::default()) else {
        return;
    };
    let options = EvaluationOptions::new(MinSupport::count(10));
    let result = evaluate(
        &data.baskets,
        &data.items,
        None,
        &options,
        &Control::default(),
    )
    .expect("evaluate");
    assert_eq!(result.methods[0].method, "rules");
    assert!(result.lift_over_popularity() > 0.15, "{result:?}");
}
