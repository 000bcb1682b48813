//! Pricing: money is exact, bundle prices respect their policy, the mixed-bundling optimiser matches
//! the textbook and a brute-force search, threshold fillers and the real Online Retail week.

#![allow(clippy::unwrap_used)] // in tests a failed unwrap is a failed test, with its location

use std::path::PathBuf;

use ndarray::{Array2, array};
use proptest::prelude::*;
use upsell::data::{ExclusionReason, OrderLines, OrderReadOptions};
use upsell::mining::MinSupport;
use upsell::pricing::*;
use upsell::{Control, ErrorKind};

/// The Online Retail week, or `None` (with a note) where ../shared/data is not present.
pub(crate) fn retail_week() -> Option<OrderLines> {
    let dir = std::env::var_os("UPSELL_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    let path = dir.join("online_retail_week.csv");
    if !path.exists() {
        eprintln!(
            "skipped: {} not found (set UPSELL_DATA_DIR)",
            path.display()
        );
        return None;
    }
    Some(
        OrderLines::read(&path, &OrderReadOptions::default())
            .expect("the Online Retail week reads"),
    )
}

fn gbp(text: &str) -> Money {
    Money::parse(text, Currency::GBP).expect("a valid amount")
}

const HEADER: &str =
    "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n";

fn read(rows: &str) -> upsell::Result<OrderLines> {
    OrderLines::from_reader(
        format!("{HEADER}{rows}").as_bytes(),
        "orders.csv",
        &OrderReadOptions::default(),
    )
}

#[test]
fn retail_week_summary_bundles_and_fillers() {
    let Some(orders) = retail_week() else { return };
    let summary = orders.summary();
    assert_eq!((summary.rows, summary.kept), (10_000, 9_959));
    assert_eq!(
        summary.excluded,
        [
            (ExclusionReason::ZeroPrice, 1),
            (ExclusionReason::NonProduct, 40)
        ]
    );
    assert_eq!((summary.orders, summary.customers), (520, 389));

    let report = find_bundles(
        &orders,
        None,
        &BundleOptions::new(MinSupport::count(10)),
        &Control::default(),
    )
    .unwrap();
    assert_eq!(report.bundles.len(), 10);
    let best = &report.bundles[0];
    assert_eq!(best.quote.items, ["22086", "22423"]); // paper chain kit + regency cakestand
    assert_eq!(
        (best.quote.sum, best.quote.price, best.quote.saving),
        (gbp("15.70"), gbp("13.29"), gbp("2.41"))
    );
    for bundle in &report.bundles {
        let quote = &bundle.quote;
        assert_eq!(
            Money::sum(quote.item_prices.iter().copied(), Currency::GBP).unwrap(),
            quote.sum
        );
        assert_eq!(quote.sum.checked_sub(quote.price).unwrap(), quote.saving);
        assert!((1500..=2500).contains(&quote.saving_bp), "{quote:?}");
        assert!(PriceEnding::Nine.allows(quote.price));
    }
    let scores: Vec<i64> = report
        .bundles
        .iter()
        .map(|b| b.revenue_per_1000_orders.minor())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]));

    let fill = fill_threshold_for_invoice(
        &orders,
        "536593",
        gbp("100.00"),
        &ThresholdOptions::default(),
    )
    .unwrap();
    assert_eq!((fill.cart_total, fill.gap), (gbp("81.75"), gbp("18.25")));
    assert_eq!(fill.fillers.len(), 10);
    assert_eq!(fill.fillers[0].items, ["22423", "21523"]);
    for filler in &fill.fillers {
        assert!(filler.added.minor() >= fill.gap.minor());
        assert_eq!(
            filler.added.checked_sub(fill.gap).unwrap(),
            filler.overshoot
        );
    }
}

#[test]
fn the_reader_counts_what_it_excludes() {
    let orders = read(
        "536365,85123A,HEART,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom\n\
         536365,71053,LANTERN,6,2010-12-01 08:26:00,3.39,17850.0,United Kingdom\n\
         C536379,D,Discount,-1,2010-12-01 09:41:00,27.50,14527.0,United Kingdom\n\
         536380,22086,CHAIN,-2,2010-12-01 09:41:00,2.95,14527.0,United Kingdom\n\
         536381,POST,POSTAGE,1,2010-12-01 09:41:00,18.00,12583.0,France\n\
         536382,22423,CAKESTAND,1,2010-12-01 09:45:00,0.0,12583.0,France\n\
         536383,22423,CAKESTAND,1,2010-12-01 10:00:00,12.75,,France\n",
    )
    .unwrap();
    let summary = orders.summary();
    assert_eq!(summary.rows, 7);
    assert_eq!(summary.kept, 3);
    assert_eq!(summary.excluded_rows(), 4);
    assert_eq!(
        summary.excluded,
        [
            (ExclusionReason::Cancelled, 1),
            (ExclusionReason::NonPositiveQuantity, 1),
            (ExclusionReason::ZeroPrice, 1),
            (ExclusionReason::NonProduct, 1)
        ]
    );
    assert_eq!(summary.kept_without_customer, 1);
    assert_eq!(orders.orders()[0].customer.as_deref(), Some("17850"));
    assert_eq!(orders.revenue().unwrap(), gbp("48.39"));
}

#[test]
fn bad_prices_are_clear_errors() {
    let negative = read("1,MUG,Mug,1,2010-12-01,-2.55,1,UK\n").unwrap_err();
    assert_eq!(negative.kind(), ErrorKind::InvalidInput);
    assert!(
        negative
            .to_string()
            .contains("orders.csv:2:6 (column 'UnitPrice')"),
        "{negative}"
    );
    assert!(
        negative.to_string().contains("negative unit price"),
        "{negative}"
    );

    let missing = read("1,MUG,Mug,1,2010-12-01,,1,UK\n").unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::InvalidInput);
    assert!(
        missing.to_string().contains("UnitPrice")
            && missing.to_string().contains("a price is required"),
        "{missing}"
    );

    let too_precise = Money::parse("2.555", Currency::GBP).unwrap_err();
    assert!(
        too_precise.to_string().contains("more than 2 decimals"),
        "{too_precise}"
    );

    let mut prices = PriceList::new(Currency::GBP);
    assert!(
        prices
            .insert("MUG", gbp("-1.00"))
            .unwrap_err()
            .to_string()
            .contains("'MUG' is negative")
    );
    let err = PriceList::parse(Currency::GBP, [("MUG", "")]).unwrap_err();
    assert!(err.to_string().contains("price of item 'MUG'"), "{err}");
}

#[test]
fn mixed_currencies_are_refused() {
    let err = gbp("1.00")
        .checked_add(Money::new(100, Currency::EUR))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("different currencies"), "{err}");
    let mut prices = PriceList::new(Currency::GBP);
    let err = prices
        .insert("MUG", Money::new(100, Currency::USD))
        .unwrap_err();
    assert!(
        err.to_string().contains("currencies cannot be mixed"),
        "{err}"
    );
    let err = fill_threshold(
        gbp("10.00"),
        Money::new(10_000, Currency::EUR),
        &[],
        &ThresholdOptions::default(),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

#[test]
fn discount_bands_outside_0_to_100_percent_are_refused() {
    for band in ["10-120", "-5-20", "30-20", "abc", "15"] {
        let err = band.parse::<DiscountBand>().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidParameter, "{band}");
        assert!(err.to_string().contains("discount_band"), "{err}");
    }
    assert!(DiscountBand::percent(-1, 20).is_err());
    assert!(DiscountBand::new(0, 10_001).is_err());
    assert_eq!("12.5-20".parse::<DiscountBand>().unwrap().min_bp(), 1250);
}

#[test]
fn a_bundle_item_without_a_price_is_an_error() {
    let prices = PriceList::parse(Currency::GBP, [("MUG", "2.55")]).unwrap();
    let err = price_bundle(&["MUG", "SPOON"], &prices, None, &BundlePolicy::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(
        err.to_string().contains("bundle item 'SPOON' has no price"),
        "{err}"
    );
    let costs = PriceList::parse(Currency::GBP, [("SPOON", "0.50")]).unwrap();
    let prices = PriceList::parse(Currency::GBP, [("MUG", "2.55"), ("SPOON", "1.00")]).unwrap();
    let err = price_bundle(
        &["MUG", "SPOON"],
        &prices,
        Some(&costs),
        &BundlePolicy::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("'MUG' has no unit cost"), "{err}");
}

#[test]
fn policy_refusals_name_the_binding_rule() {
    let prices = PriceList::parse(Currency::GBP, [("A", "10.00"), ("B", "10.00")]).unwrap();
    let costs = PriceList::parse(Currency::GBP, [("A", "8.00"), ("B", "8.00")]).unwrap();
    let policy = BundlePolicy {
        min_margin_bp: 1500,
        ..BundlePolicy::default()
    }; // floor 18.40 > 17.00
    assert_eq!(
        price_bundle(&["A", "B"], &prices, Some(&costs), &policy).unwrap(),
        Err(Refusal::MarginFloor)
    );
    let policy = BundlePolicy {
        max_discount: Some(gbp("1.00")),
        ..BundlePolicy::default()
    };
    assert_eq!(
        price_bundle(&["A", "B"], &prices, None, &policy).unwrap(),
        Err(Refusal::MaxDiscount)
    );
    let cheap = PriceList::parse(Currency::GBP, [("A", "0.20"), ("B", "0.20")]).unwrap();
    let policy = BundlePolicy {
        ending: PriceEnding::Cents99,
        ..BundlePolicy::default()
    };
    assert_eq!(
        price_bundle(&["A", "B"], &cheap, None, &policy).unwrap(),
        Err(Refusal::Ending)
    );
}

#[test]
fn mixed_bundling_matches_the_textbook() {
    // Pindyck & Rubinfeld's table of the Adams-Yellen (1976) example: values sum to 100, costs 20, 30.
    let wtp = array![[1000, 9000], [5000, 5000], [6000, 4000], [9000, 1000]];
    let costs = [
        Money::new(2000, Currency::USD),
        Money::new(3000, Currency::USD),
    ];
    let best = optimise_mixed_bundle(
        wtp.view(),
        Currency::USD,
        Some(&costs),
        &MixedOptions::default(),
        &Control::default(),
    )
    .unwrap();
    assert!(best.exact);
    assert_eq!(best.separate.profit, Money::new(15_000, Currency::USD)); // P1 = 50, P2 = 90
    assert_eq!(best.pure_bundle.profit, Money::new(20_000, Currency::USD)); // PB = 100
    assert_eq!(best.outcome.profit, Money::new(23_000, Currency::USD)); // the textbook's 229.90 + its 2 x 5c
    assert_eq!(
        best.item_prices,
        [
            Some(Money::new(9000, Currency::USD)),
            Some(Money::new(9000, Currency::USD))
        ]
    );
    assert_eq!(best.bundle_price, Some(Money::new(10_000, Currency::USD)));
    let heuristic = MixedOptions {
        search: MixedSearch::Heuristic,
        ..MixedOptions::default()
    };
    let found = optimise_mixed_bundle(
        wtp.view(),
        Currency::USD,
        Some(&costs),
        &heuristic,
        &Control::default(),
    )
    .unwrap();
    assert_eq!(found.outcome.profit, best.outcome.profit);

    // Stigler's (1963) block booking: negatively correlated values, zero cost: pure bundling wins.
    let wtp = array![[8000, 2500], [7000, 3000]];
    let best = optimise_mixed_bundle(
        wtp.view(),
        Currency::USD,
        None,
        &MixedOptions::default(),
        &Control::default(),
    )
    .unwrap();
    assert_eq!(best.separate.revenue, Money::new(19_000, Currency::USD));
    assert_eq!(best.outcome.revenue, Money::new(20_000, Currency::USD));
    assert_eq!(best.outcome.bundle_buyers, 2);
}

#[test]
fn mixed_bundling_input_errors() {
    let negative = array![[100, -1], [50, 50]];
    let err = optimise_mixed_bundle(
        negative.view(),
        Currency::GBP,
        None,
        &MixedOptions::default(),
        &Control::default(),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(
        err.to_string().contains("negative willingness to pay"),
        "{err}"
    );
    let one_item = array![[100], [50]];
    assert!(
        optimise_mixed_bundle(
            one_item.view(),
            Currency::GBP,
            None,
            &MixedOptions::default(),
            &Control::default()
        )
        .is_err()
    );
    let many = Array2::from_shape_fn((400, 3), |(r, c)| ((r * 7 + c * 13) % 50) as i64);
    let exact = MixedOptions {
        search: MixedSearch::Exact,
        ..MixedOptions::default()
    };
    let err = optimise_mixed_bundle(
        many.view(),
        Currency::GBP,
        None,
        &exact,
        &Control::default(),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LimitExceeded);
    let cancelled = Control::default();
    cancelled.cancel();
    let heuristic = MixedOptions {
        search: MixedSearch::Heuristic,
        ..MixedOptions::default()
    };
    let err = optimise_mixed_bundle(many.view(), Currency::GBP, None, &heuristic, &cancelled)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Cancelled);
}

/// The best profit over every integer price (and "not offered") on a grid covering all values.
fn brute_force(wtp: &Array2<i64>) -> i64 {
    let k = wtp.ncols();
    let top_item = wtp.iter().copied().max().unwrap_or(0);
    let top_bundle: i64 = wtp.rows().into_iter().map(|r| r.sum()).max().unwrap_or(0);
    let options = |top: i64| {
        (0..=top)
            .map(Some)
            .chain([None])
            .collect::<Vec<Option<i64>>>()
    };
    let mut best = i64::MIN;
    let item_grid = options(top_item);
    let mut prices = vec![0usize; k];
    loop {
        let items: Vec<Option<Money>> = prices
            .iter()
            .map(|&i| item_grid[i].map(|p| Money::new(p, Currency::GBP)))
            .collect();
        for bundle in options(top_bundle) {
            let outcome = evaluate_mixed_offer(
                wtp.view(),
                Currency::GBP,
                None,
                &items,
                bundle.map(|b| Money::new(b, Currency::GBP)),
            )
            .unwrap();
            best = best.max(outcome.profit.minor());
        }
        let mut position = 0;
        loop {
            if position == k {
                return best;
            }
            prices[position] += 1;
            if prices[position] < item_grid.len() {
                break;
            }
            prices[position] = 0;
            position += 1;
        }
    }
}

fn wtp_matrix(max_items: usize) -> impl Strategy<Value = Array2<i64>> {
    (1usize..=4, 2usize..=max_items).prop_flat_map(|(customers, items)| {
        proptest::collection::vec(0i64..=7, customers * items).prop_map(move |values| {
            Array2::from_shape_vec((customers, items), values).expect("shape matches")
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn bundle_prices_stay_in_band_and_above_the_margin_floor(
        prices in proptest::collection::vec(1i64..50_000, 2..=4),
        cost_share in proptest::collection::vec(0i64..=100, 4),
        low in 0u32..=100, width in 0u32..=100, margin_bp in 0u32..=5000,
        ending in prop_oneof![Just(PriceEnding::Exact), Just(PriceEnding::Nine), Just(PriceEnding::Cents99), Just(PriceEnding::Cents95), Just(PriceEnding::Whole)],
        cap in proptest::option::of(0i64..20_000),
    ) {
        let min_bp = low * 100;
        let max_bp = (low + width).min(100) * 100;
        let labels = ["A", "B", "C", "D"];
        let mut list = PriceList::new(Currency::GBP);
        let mut costs = PriceList::new(Currency::GBP);
        for (k, &p) in prices.iter().enumerate() {
            list.insert(labels[k], Money::new(p, Currency::GBP)).unwrap();
            costs.insert(labels[k], Money::new(p * cost_share[k] / 100, Currency::GBP)).unwrap();
        }
        let policy = BundlePolicy {
            band: DiscountBand::new(min_bp, max_bp).unwrap(),
            min_margin_bp: margin_bp,
            max_discount: cap.map(|c| Money::new(c, Currency::GBP)),
            ending,
        };
        let items = &labels[..prices.len()];
        if let Ok(quote) = price_bundle(items, &list, Some(&costs), &policy).unwrap() {
            let sum: i64 = prices.iter().sum();
            let cost: i64 = prices.iter().zip(&cost_share).map(|(p, s)| p * s / 100).sum();
            prop_assert_eq!(quote.sum.minor(), sum);
            // Inside the band: sum x (1 - max) <= price <= sum x (1 - min), exactly.
            prop_assert!(i128::from(quote.price.minor()) * 10_000 <= i128::from(sum) * i128::from(10_000 - min_bp));
            prop_assert!(i128::from(quote.price.minor()) * 10_000 >= i128::from(sum) * i128::from(10_000 - max_bp));
            // Never below the margin floor.
            prop_assert!(i128::from(quote.price.minor()) * 10_000 >= i128::from(cost) * i128::from(10_000 + margin_bp));
            if let Some(cap) = cap { prop_assert!(quote.saving.minor() <= cap); }
            prop_assert!(ending.allows(quote.price));
        }
    }

    #[test]
    fn money_sums_are_exact(amounts in proptest::collection::vec((0u64..1_000_000, 0u64..100), 0..200)) {
        let texts: Vec<String> = amounts.iter().map(|(major, minor)| format!("{major}.{minor:02}")).collect();
        let parsed: Vec<Money> = texts.iter().map(|t| Money::parse(t, Currency::GBP).unwrap()).collect();
        let total = Money::sum(parsed, Currency::GBP).unwrap();
        let expected: u64 = amounts.iter().map(|(major, minor)| major * 100 + minor).sum();
        prop_assert_eq!(total.minor() as u64, expected);
        prop_assert_eq!(Money::parse(&total.amount_string(), Currency::GBP).unwrap(), total);
    }

    #[test]
    fn the_exact_optimiser_matches_brute_force(wtp in wtp_matrix(3)) {
        let best = optimise_mixed_bundle(wtp.view(), Currency::GBP, None, &MixedOptions::default(), &Control::default()).unwrap();
        prop_assert!(best.exact);
        prop_assert_eq!(best.outcome.profit.minor(), brute_force(&wtp));
        prop_assert!(best.outcome.profit.minor() >= best.separate.profit.minor());
        prop_assert!(best.outcome.profit.minor() >= best.pure_bundle.profit.minor());
    }

    #[test]
    fn the_heuristic_is_never_worse_than_the_best_single_prices(wtp in wtp_matrix(5)) {
        let heuristic = MixedOptions { search: MixedSearch::Heuristic, ..MixedOptions::default() };
        let found = optimise_mixed_bundle(wtp.view(), Currency::GBP, None, &heuristic, &Control::default()).unwrap();
        prop_assert!(!found.exact);
        prop_assert!(found.outcome.profit.minor() >= found.separate.profit.minor());
        prop_assert!(found.outcome.profit.minor() >= found.pure_bundle.profit.minor());
    }
}

#[test]
fn tiers_gaps_decoys_and_upgrades() {
    let usd = |dollars: i64| Money::new(dollars * 100, Currency::USD);
    let tier = |name: &str, price: i64, customers| Tier {
        name: name.into(),
        price: usd(price),
        customers,
    };
    // Shuffled on purpose: the report is by ascending price.
    let tiers = [
        tier("Enterprise", 99, 500),
        tier("Team", 89, 30),
        tier("Starter", 29, 800),
        tier("Free", 9, 1000),
    ];
    let rows = analyse_tiers(&tiers, &TierOptions::default()).unwrap();
    let names: Vec<&str> = rows.iter().map(|r| r.tier.name.as_str()).collect();
    assert_eq!(names, ["Free", "Starter", "Team", "Enterprise"]);
    assert!(rows[1].gap && rows[2].gap && !rows[3].gap); // 9->29 3.2x, 29->89 3.07x, 89->99 1.1x
    assert_eq!(rows[2].bridge_price, Some(usd(49))); // sqrt(29 x 89) = 50.8 -> 49
    assert!(rows[2].decoy); // 89 is within 80 % of 99 and has 30 of 2,330 customers
    assert!(!rows[1].decoy);
    assert_eq!(rows[1].upgrade_delta, Some(usd(60)));
    assert_eq!(rows[1].upgrade_value, Some(usd(2400))); // 5 % of 800 customers x 60.00
    let total: f64 = rows.iter().map(|r| r.customer_share).sum();
    assert!((total - 1.0).abs() < 1e-12);
    let mixed = [
        tier("A", 9, 1),
        Tier {
            name: "B".into(),
            price: Money::new(100, Currency::EUR),
            customers: 1,
        },
    ];
    assert_eq!(
        analyse_tiers(&mixed, &TierOptions::default())
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidInput
    );
    assert!(analyse_tiers(&[], &TierOptions::default()).is_err());
}
