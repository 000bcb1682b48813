use std::path::PathBuf;

use proptest::prelude::*;
use upsell::data::{Baskets, Dataset, ReadOptions};
use upsell::mining::{Algorithm, Itemsets, MinSupport, MiningOptions, Target, mine, naive};
use upsell::{Control, ErrorKind};

const ALGORITHMS: [Algorithm; 4] = [
    Algorithm::FpGrowth,
    Algorithm::Eclat,
    Algorithm::Apriori,
    Algorithm::Auto,
];
const TARGETS: [Target; 3] = [Target::All, Target::Closed, Target::Maximal];

fn canonical(mut itemsets: Itemsets) -> Vec<(Vec<u32>, u64)> {
    itemsets.sort_canonical();
    itemsets.iter().map(|(s, c)| (s.to_vec(), c)).collect()
}

pub(crate) fn baskets_strategy() -> impl Strategy<Value = Baskets> {
    prop::collection::vec(prop::collection::vec(0u32..12, 0..9), 1..40).prop_map(|rows| {
        let mut items = Vec::new();
        let mut offsets = vec![0];
        for row in rows {
            items.extend(row);
            offsets.push(items.len());
        }
        Baskets::from_arrays(items, offsets).expect("valid arrays")
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn every_miner_equals_brute_force(
        baskets in baskets_strategy(),
        min_count in 1u64..6,
        min_len in 1usize..3,
        max_len in prop::option::of(1usize..5),
    ) {
        let max_len = max_len.map(|m| m.max(min_len));
        for target in TARGETS {
            let options = MiningOptions { target, min_len, max_len, ..MiningOptions::new(MinSupport::count(min_count)) };
            let expected = canonical(naive::mine(&baskets, &options).expect("naive"));
            for algorithm in ALGORITHMS {
                for threads in [1, 2] {
                    let options = MiningOptions { algorithm, threads: Some(threads), ..options.clone() };
                    let found = canonical(mine(&baskets, &options).expect("mine"));
                    prop_assert_eq!(&found, &expected, "{:?} {:?} threads={}", algorithm, target, threads);
                }
            }
        }
    }
}

#[test]
fn an_item_in_every_basket_is_reported_alone_and_with_others() {
    // Item 0 is in every basket: {0} is frequent by definition (pyfim 6.28 omits such singletons).
    let baskets = Baskets::from_arrays(vec![0, 1, 0, 1, 2, 0], vec![0, 2, 5, 6]).expect("arrays");
    for algorithm in ALGORITHMS {
        let options = MiningOptions {
            algorithm,
            ..MiningOptions::new(MinSupport::count(2))
        };
        let found = canonical(mine(&baskets, &options).expect("mine"));
        assert_eq!(
            found,
            [(vec![0], 3), (vec![1], 2), (vec![0, 1], 2)],
            "{algorithm:?}"
        );
    }
}

#[test]
fn repeated_baskets_of_dense_data_count_once_each_on_every_miner() {
    // Dense, with baskets repeated (merged with a weight): Eclat's bitsets give each copy its bit.
    let rows: [&[u32]; 4] = [&[0, 1, 2], &[0, 1], &[1, 2, 3], &[0, 2, 3]];
    let (mut items, mut offsets) = (Vec::new(), vec![0]);
    for k in 0..130 {
        items.extend_from_slice(rows[k % 7 % 4]);
        offsets.push(items.len());
    }
    let baskets = Baskets::from_arrays(items, offsets).expect("arrays");
    let options = MiningOptions::new(MinSupport::count(20));
    let expected = canonical(naive::mine(&baskets, &options).expect("naive"));
    for algorithm in ALGORITHMS {
        let options = MiningOptions {
            algorithm,
            ..options.clone()
        };
        assert_eq!(
            canonical(mine(&baskets, &options).expect("mine")),
            expected,
            "{algorithm:?}"
        );
    }
}

#[test]
fn output_does_not_depend_on_threads() {
    let data = real("groceries.csv", &ReadOptions::baskets(b','));
    let Some(data) = data else { return };
    for algorithm in ALGORITHMS {
        let run = |threads| {
            let options = MiningOptions {
                algorithm,
                threads: Some(threads),
                ..MiningOptions::new(MinSupport::count(20))
            };
            mine(&data.baskets, &options).expect("mine")
        };
        // Same sets in the same order, not merely the same set.
        assert_eq!(run(1), run(2), "{algorithm:?}");
    }
}

#[test]
fn the_budget_stops_an_explosion_with_a_clear_error() {
    let Some(data) = real("mushroom.dat.gz", &ReadOptions::fimi()) else {
        return;
    };
    for algorithm in ALGORITHMS {
        let options = MiningOptions {
            algorithm,
            max_itemsets: Some(10_000),
            ..MiningOptions::new(MinSupport::count(100))
        };
        let err = mine(&data.baskets, &options).expect_err("budget");
        assert_eq!(err.kind(), ErrorKind::LimitExceeded, "{algorithm:?}");
        assert!(err.to_string().contains("10000"), "{err}");
    }
}

#[test]
fn cancelling_from_another_thread_stops_mining() {
    let Some(data) = real("mushroom.dat.gz", &ReadOptions::fimi()) else {
        return;
    };
    let control = Control::new();
    let options = MiningOptions {
        max_itemsets: None,
        max_memory: None,
        ..MiningOptions::new(MinSupport::count(20))
    };
    std::thread::scope(|scope| {
        scope.spawn(|| {
            std::thread::sleep(std::time::Duration::from_millis(50));
            control.cancel();
        });
        let err =
            upsell::mining::mine_with(&data.baskets, &options, &control).expect_err("cancelled");
        assert_eq!(err.kind(), ErrorKind::Cancelled);
    });
}

fn data_dir() -> PathBuf {
    std::env::var_os("UPSELL_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"))
}

/// A real data set, or `None` (with a note) where ../shared/data is not present.
pub(crate) fn real(name: &str, options: &ReadOptions) -> Option<Dataset> {
    let path = data_dir().join(name);
    if !path.exists() {
        eprintln!(
            "skipped: {} not found (set UPSELL_DATA_DIR)",
            path.display()
        );
        return None;
    }
    Some(Dataset::read(&path, options).expect("real data reads"))
}

/// Counts on real data: pyfim 6.28's, plus the singleton of an item present in every basket where
/// pyfim omits it (mushroom's item 85).
#[test]
fn real_data_counts_match_the_references() {
    let cases = [
        ("retail.dat.gz", 9, 240_852),
        ("t10i4d100k.dat.gz", 20, 129_875),
        ("mushroom.dat.gz", 813, 574_431),
    ];
    for (name, count, expected) in cases {
        let Some(data) = real(name, &ReadOptions::fimi()) else {
            return;
        };
        for algorithm in ALGORITHMS {
            for threads in [1, 2] {
                let options = MiningOptions {
                    algorithm,
                    threads: Some(threads),
                    ..MiningOptions::new(MinSupport::count(count))
                };
                let found = mine(&data.baskets, &options).expect("mine");
                assert_eq!(
                    found.len(),
                    expected,
                    "{name} {algorithm:?} threads={threads}"
                );
            }
        }
    }
}

/// One basket of `width` distinct items, repeated `copies` times.
fn wide_baskets(width: u32, copies: usize) -> Baskets {
    let items: Vec<u32> = (0..copies).flat_map(|_| 0..width).collect();
    let offsets = (0..=copies).map(|k| k * width as usize).collect();
    Baskets::from_arrays(items, offsets).expect("valid arrays")
}

#[test]
fn a_wide_basket_fails_before_mining_and_names_the_basket() {
    // 2^100 subsets, all frequent: the default budget (half the machine's memory) refuses them.
    let mut items: Vec<u32> = vec![200, 201, 200, 202];
    items.extend(0..100);
    let baskets = Baskets::from_arrays(items, vec![0, 2, 4, 104]).expect("valid arrays");
    for algorithm in ALGORITHMS {
        let options = MiningOptions {
            algorithm,
            ..MiningOptions::new(MinSupport::count(1))
        };
        let err = mine(&baskets, &options).expect_err("too wide");
        assert_eq!(err.kind(), ErrorKind::LimitExceeded, "{algorithm:?}");
        let message = err.to_string();
        for part in [
            "basket 2",
            "100 frequent items",
            "max_len",
            "min_support",
            "max_memory",
        ] {
            assert!(message.contains(part), "{part} missing in: {message}");
        }
    }
}

#[test]
fn a_basket_of_100000_items_neither_overflows_the_stack_nor_aborts() {
    let baskets = wide_baskets(100_000, 2);
    for algorithm in ALGORITHMS {
        for min_count in [1, 2] {
            let options = MiningOptions {
                algorithm,
                ..MiningOptions::new(MinSupport::count(min_count))
            };
            let err = mine(&baskets, &options).expect_err("too wide");
            assert_eq!(err.kind(), ErrorKind::LimitExceeded, "{algorithm:?}");
            assert!(err.to_string().contains("100000 frequent items"), "{err}");
            let options = MiningOptions {
                max_len: Some(1),
                ..options
            };
            assert_eq!(mine(&baskets, &options).expect("singletons").len(), 100_000);
        }
    }
}

#[test]
fn the_memory_budget_stops_mining_when_no_single_basket_is_too_wide() {
    // 60 different baskets of 10 items out of 40: each alone makes about 1,000 itemsets (50 KB),
    // together far more than the 200 KB allowed.
    let mut items = Vec::new();
    let mut offsets = vec![0];
    for k in 0..60u32 {
        items.extend((0..10).map(|j| (k * 7 + j * 3) % 40));
        items[offsets[offsets.len() - 1]..].sort_unstable();
        items.dedup();
        offsets.push(items.len());
    }
    let baskets = Baskets::from_arrays(items, offsets).expect("valid arrays");
    for algorithm in ALGORITHMS {
        for threads in [1, 2] {
            let options = MiningOptions {
                algorithm,
                threads: Some(threads),
                max_memory: Some(200_000),
                ..MiningOptions::new(MinSupport::count(1))
            };
            let err = mine(&baskets, &options).expect_err("over budget");
            assert_eq!(err.kind(), ErrorKind::LimitExceeded, "{algorithm:?}");
            assert!(
                err.to_string()
                    .contains("result memory in bytes passed 200000"),
                "{err}"
            );
            let options = MiningOptions {
                max_memory: None,
                ..options
            };
            assert!(mine(&baskets, &options).expect("no limit").len() > 10_000);
        }
    }
}

#[test]
fn threads_and_memory_options_are_checked_before_work() {
    let baskets = wide_baskets(3, 1);
    let bad = [
        MiningOptions {
            threads: Some(0),
            ..MiningOptions::new(MinSupport::count(1))
        },
        MiningOptions {
            threads: Some(upsell::parallel::MAX_THREADS + 1),
            ..MiningOptions::new(MinSupport::count(1))
        },
        MiningOptions {
            max_memory: Some(0),
            ..MiningOptions::new(MinSupport::count(1))
        },
    ];
    for options in bad {
        let err = mine(&baskets, &options).expect_err("invalid");
        assert_eq!(err.kind(), ErrorKind::InvalidParameter, "{err}");
    }
}

#[test]
fn a_count_above_the_number_of_baskets_is_warned_about_and_mines_nothing() {
    let baskets = wide_baskets(3, 4);
    let warning = MinSupport::count(5).warning(4).expect("a warning");
    assert!(
        warning.contains("above the number of baskets (4)"),
        "{warning}"
    );
    assert!(
        mine(&baskets, &MiningOptions::new(MinSupport::count(5)))
            .expect("empty")
            .is_empty()
    );
    assert_eq!(
        mine(&baskets, &MiningOptions::new(MinSupport::count(4)))
            .expect("at")
            .len(),
        7
    );
}

/// Closed and maximal sets on mushroom at 5% and 1%, mined directly, checked against the definitions
/// with the data's own baskets: each set's count is the number of baskets holding it, no item
/// outside a closed set keeps its count, and no item outside a maximal set keeps it frequent.
#[test]
fn closed_and_maximal_sets_meet_their_definitions_on_real_data() {
    let Some(data) = real("mushroom.dat.gz", &ReadOptions::fimi()) else {
        return;
    };
    let baskets = &data.baskets;
    let words = baskets.len().div_ceil(64);
    let items = baskets.item_frequencies().len();
    let mut bits = vec![vec![0u64; words]; items];
    for (k, basket) in baskets.iter().enumerate() {
        for &item in basket {
            bits[item as usize][k / 64] |= 1 << (k % 64);
        }
    }
    for (min_count, target, expected) in [
        (407, Target::Closed, 12_843),
        (407, Target::Maximal, 1_442),
        (82, Target::Closed, 51_640),
        (82, Target::Maximal, 6_768),
    ] {
        let options = MiningOptions {
            target,
            ..MiningOptions::new(MinSupport::count(min_count))
        };
        let found = mine(&data.baskets, &options).expect("mine");
        assert_eq!(found.len(), expected, "{target:?} at {min_count}");
        assert_eq!(found.target(), target);
        let mut holders = vec![0u64; words];
        for (set, count) in found.iter() {
            holders.fill(u64::MAX);
            for &item in set {
                holders
                    .iter_mut()
                    .zip(&bits[item as usize])
                    .for_each(|(h, b)| *h &= b);
            }
            let with = |item: usize| -> u64 {
                holders
                    .iter()
                    .zip(&bits[item])
                    .map(|(h, b)| u64::from((h & b).count_ones()))
                    .sum()
            };
            assert_eq!(with(set[0] as usize), count, "{set:?}");
            let bound = if target == Target::Closed {
                count
            } else {
                min_count
            };
            for item in (0..items).filter(|&i| !set.contains(&(i as u32))) {
                assert!(with(item) < bound, "{target:?} {set:?} + {item}");
            }
        }
    }
}
