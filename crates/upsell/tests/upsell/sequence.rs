//! Time-window affinity against a brute-force reference (proptest on random histories), on real
//! data (groceries_members.csv, online_retail_week.csv), and its bad inputs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use proptest::prelude::*;
use upsell::sequence::{
    PurchaseColumns, Purchases, SequenceCounts, SequenceOptions, SequenceRules, parse_times, sequential_affinity,
};
use upsell::{Control, ErrorKind};

const DAY: i64 = 86_400;

/// (antecedent, consequent, window) -> (antecedent customers, customers, baseline customers).
type Counts = BTreeMap<(u32, u32, i64), (u64, u64, u64)>;

/// The definitions of the module docs, written as plainly as possible: for every customer, every
/// pair of distinct items they bought and every window, look for B in `(first A, first A + W]`.
fn brute_force(rows: &[(i64, u32, i64)], windows: &[i64]) -> Counts {
    let mut histories: BTreeMap<i64, Vec<(u32, i64)>> = BTreeMap::new();
    for &(customer, item, second) in rows.iter().filter(|r| r.0 >= 0) {
        histories.entry(customer).or_default().push((item, second));
    }
    let bought_within = |history: &[(u32, i64)], item: u32, anchor: i64, window: i64| {
        history.iter().any(|&(i, s)| i == item && s > anchor && s - anchor <= window * DAY)
    };
    let mut buyers: BTreeMap<u32, u64> = BTreeMap::new();
    let mut baseline: BTreeMap<(u32, i64), u64> = BTreeMap::new();
    let mut then: BTreeMap<(u32, u32, i64), u64> = BTreeMap::new();
    for history in histories.values() {
        let items: BTreeSet<u32> = history.iter().map(|h| h.0).collect();
        let first_visit = history.iter().map(|h| h.1).min().unwrap_or_default();
        for &a in &items {
            *buyers.entry(a).or_default() += 1;
            let anchor = history.iter().filter(|h| h.0 == a).map(|h| h.1).min().unwrap_or_default();
            for &w in windows {
                *baseline.entry((a, w)).or_default() += u64::from(bought_within(history, a, first_visit, w));
                for &b in items.iter().filter(|&&b| b != a) {
                    if bought_within(history, b, anchor, w) {
                        *then.entry((a, b, w)).or_default() += 1;
                    }
                }
            }
        }
    }
    then.into_iter().map(|((a, b, w), n)| ((a, b, w), (buyers[&a], n, baseline[&(b, w)]))).collect()
}

fn counts_of(rules: &SequenceRules) -> Counts {
    rules
        .rules()
        .iter()
        .map(|r| {
            ((r.antecedent, r.consequent, r.window_days), (r.antecedent_customers, r.customers, r.baseline_customers))
        })
        .collect()
}

fn run(purchases: &Purchases, options: &SequenceOptions) -> SequenceRules {
    sequential_affinity(purchases, options, &Control::new()).expect("affinity runs")
}

fn rows_strategy() -> impl Strategy<Value = Vec<(i64, u32, i64)>> {
    // Few customers, items and days, so that ties (same basket, same day, exactly W days) are common;
    // some rows have no customer (-1).
    prop::collection::vec((-1i64..6, 0u32..5, (0i64..40).prop_map(|d| d * DAY / 2)), 1..60)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn counts_equal_the_brute_force_reference(
        rows in rows_strategy(),
        windows in prop::collection::btree_set(1i64..15, 1..4),
        threads in 1usize..4,
    ) {
        let windows: Vec<i64> = windows.into_iter().collect();
        let customers: Vec<i64> = rows.iter().map(|r| r.0).collect();
        let items: Vec<u32> = rows.iter().map(|r| r.1).collect();
        let seconds: Vec<i64> = rows.iter().map(|r| r.2).collect();
        let labels = upsell::data::ItemDictionary::from_labels((0..5).map(|i| format!("item{i}"))).expect("labels");
        let purchases = Purchases::from_arrays(&customers, &items, &seconds, Some(labels)).expect("valid arrays");
        let expected = brute_force(&rows, &windows);
        if purchases.customers() == 0 {
            let options = SequenceOptions { windows, ..SequenceOptions::default() };
            prop_assert!(sequential_affinity(&purchases, &options, &Control::new()).is_err());
            return Ok(());
        }
        let options = SequenceOptions { windows: windows.clone(), threads: Some(threads), ..SequenceOptions::default() };
        let rules = run(&purchases, &options);
        prop_assert_eq!(counts_of(&rules), expected);
        prop_assert_eq!(rules.excluded_rows(), rows.iter().filter(|r| r.0 < 0).count() as u64);
        let all = rules.customers() as f64;
        for rule in rules.rules() {
            prop_assert_eq!(rule.support, rule.customers as f64 / all);
            prop_assert_eq!(rule.confidence, rule.customers as f64 / rule.antecedent_customers as f64);
            prop_assert_eq!(rule.base_rate, rule.baseline_customers as f64 / all);
            prop_assert_eq!(rule.lift, (rule.baseline_customers > 0).then(|| rule.confidence / rule.base_rate));
        }
    }
}

#[test]
fn same_basket_does_not_count_and_the_window_end_does() {
    // ann: tea and cake together on day 0, cake again on day 7 exactly; bob: cake on day 8 only.
    let purchases =
        Purchases::from_arrays(&[1, 1, 1, 2, 2], &[0, 1, 1, 0, 1], &[0, 0, 7 * DAY, 0, 8 * DAY], None).expect("arrays");
    let options = SequenceOptions { windows: vec![7, 8], ..SequenceOptions::default() };
    let rules = run(&purchases, &options);
    let counts = counts_of(&rules);
    assert_eq!(counts.get(&(0, 1, 7)), Some(&(2, 1, 1)));
    assert_eq!(counts.get(&(0, 1, 8)), Some(&(2, 2, 2)));
    // Cake then tea never happens: directional.
    assert!(!counts.keys().any(|k| k.0 == 1));
}

#[test]
fn filters_and_top_keep_the_output_bounded_and_sorted() {
    let Some(purchases) = groceries() else { return };
    let all = run(&purchases, &SequenceOptions::default());
    let options =
        SequenceOptions { min_customers: 20, min_confidence: 0.05, top: Some(15), ..SequenceOptions::default() };
    let filtered = run(&purchases, &options);
    assert!(filtered.rules().len() <= 4 * 15);
    for rule in filtered.rules() {
        assert!(rule.customers >= 20 && rule.confidence >= 0.05);
    }
    // Each window's top 15 are the 15 most confident of the unfiltered rules that pass the floors.
    for window in [7, 30, 60, 90] {
        let expected: Vec<_> = all
            .rules()
            .iter()
            .filter(|r| r.window_days == window && r.customers >= 20 && r.confidence >= 0.05)
            .take(15)
            .collect();
        let got: Vec<_> = filtered.rules().iter().filter(|r| r.window_days == window).collect();
        assert_eq!(got, expected);
        assert!(got.windows(2).all(|p| p[0].confidence >= p[1].confidence));
    }
}

/// Counts of `rows` split into `parts` by customer, merged in the order given.
fn merged_parts(rows: &[(i64, u32, i64)], parts: i64, options: &SequenceOptions) -> SequenceCounts {
    let counts: Vec<SequenceCounts> = (0..parts)
        .map(|part| {
            let mine: Vec<_> = rows.iter().filter(|r| r.0.rem_euclid(parts) == part).collect();
            let customers: Vec<i64> = mine.iter().map(|r| r.0).collect();
            let items: Vec<u32> = mine.iter().map(|r| r.1).collect();
            let seconds: Vec<i64> = mine.iter().map(|r| r.2).collect();
            let purchases = Purchases::from_arrays(&customers, &items, &seconds, None).expect("valid arrays");
            SequenceCounts::count(&purchases, options, &Control::new()).expect("counts")
        })
        .collect();
    let mut merged = counts[counts.len() - 1].clone();
    for part in counts.iter().rev().skip(1) {
        merged.merge(part).expect("same windows");
    }
    merged
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn counts_of_customer_parts_merge_to_the_whole(
        rows in rows_strategy(),
        windows in prop::collection::btree_set(1i64..15, 1..4),
        parts in 1i64..4,
    ) {
        let options = SequenceOptions { windows: windows.into_iter().collect(), ..SequenceOptions::default() };
        let customers: Vec<i64> = rows.iter().map(|r| r.0).collect();
        let items: Vec<u32> = rows.iter().map(|r| r.1).collect();
        let seconds: Vec<i64> = rows.iter().map(|r| r.2).collect();
        let labels = upsell::data::ItemDictionary::from_labels((0..5).map(|i| format!("item{i}"))).expect("labels");
        let whole = Purchases::from_arrays(&customers, &items, &seconds, Some(labels)).expect("valid arrays");
        let merged = merged_parts(&rows, parts, &options);
        let mut expected = SequenceCounts::count(&whole, &options, &Control::new()).expect("counts");
        // A part's item ids stop at its largest one; the whole's catalogue may be longer.
        expected.item_customers.truncate(merged.item_customers.len());
        expected.baseline.truncate(merged.baseline.len());
        prop_assert_eq!(&merged, &expected);
        match merged.rules(whole.labels(), &options, &Control::new()) {
            Ok(rules) => {
                let local = run(&whole, &options);
                prop_assert_eq!(rules.rules(), local.rules());
            }
            Err(_) => prop_assert_eq!(whole.customers(), 0),
        }
    }
}

#[test]
fn counts_refuse_other_windows_and_inconsistent_fields() {
    let purchases = Purchases::from_arrays(&[1, 1], &[0, 1], &[0, DAY], None).expect("valid arrays");
    let week = SequenceOptions { windows: vec![7], ..SequenceOptions::default() };
    let month = SequenceOptions { windows: vec![30], ..SequenceOptions::default() };
    let mut counts = SequenceCounts::count(&purchases, &week, &Control::new()).expect("counts");
    let other = SequenceCounts::count(&purchases, &month, &Control::new()).expect("counts");
    assert_eq!(counts.merge(&other).expect_err("refused").kind(), ErrorKind::InvalidParameter);
    assert_eq!(
        counts.rules(purchases.labels(), &month, &Control::new()).expect_err("refused").kind(),
        ErrorKind::InvalidParameter
    );
    let mut broken = counts.clone();
    broken.pair_counts[0] = 5;
    assert_eq!(broken.validate().expect_err("refused").kind(), ErrorKind::InvalidInput);
    assert_eq!(counts.merge(&broken).expect_err("refused").kind(), ErrorKind::InvalidInput);
    let budget = SequenceOptions { max_pairs: 1, ..week.clone() };
    counts.pairs = vec![(0, 1), (1, 0)];
    counts.pair_counts = vec![1, 1];
    assert_eq!(
        counts.rules(purchases.labels(), &budget, &Control::new()).expect_err("refused").kind(),
        ErrorKind::LimitExceeded
    );
}

#[test]
fn output_does_not_depend_on_threads() {
    let Some(purchases) = groceries() else { return };
    let one = run(&purchases, &SequenceOptions { threads: Some(1), ..SequenceOptions::default() });
    let four = run(&purchases, &SequenceOptions { threads: Some(4), ..SequenceOptions::default() });
    assert_eq!(one.rules(), four.rules());
    assert!(one.rules().len() > 10_000);
}

fn data_dir() -> PathBuf {
    std::env::var_os("UPSELL_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"))
}

fn real(name: &str, columns: &PurchaseColumns) -> Option<Purchases> {
    let path = data_dir().join(name);
    if !path.exists() {
        eprintln!("skipped: {} not found (set UPSELL_DATA_DIR)", path.display());
        return None;
    }
    Some(Purchases::read(&path, columns).expect("the real data reads"))
}

fn groceries() -> Option<Purchases> {
    real("groceries_members.csv", &PurchaseColumns::new("Member_number", "Date", "itemDescription"))
}

/// Real rows as (customer, item, second) for the brute-force reference.
fn rows_of(purchases: &Purchases) -> Vec<(i64, u32, i64)> {
    (0..purchases.customers())
        .flat_map(|c| {
            let (items, seconds) = purchases.history(c).expect("a customer");
            items.iter().zip(seconds).map(move |(&i, &s)| (c as i64, i, s)).collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn groceries_members_matches_the_reference() {
    let Some(purchases) = groceries() else { return };
    assert_eq!(purchases.customers(), 3_898);
    assert_eq!(purchases.rows(), 38_765);
    let rules = run(&purchases, &SequenceOptions::default());
    assert_eq!(counts_of(&rules), brute_force(&rows_of(&purchases), &[7, 30, 60, 90]));
    // A figure quoted in docs/sequences.md.
    let labels = purchases.labels();
    let (milk, soda) = (labels.id("whole milk").expect("milk"), labels.id("soda").expect("soda"));
    let rule = rules.rules().iter().find(|r| (r.antecedent, r.consequent, r.window_days) == (soda, milk, 30));
    assert!(rule.is_some_and(|r| r.customers > 0 && r.lift.is_some()));
}

#[test]
fn online_retail_week_reads_customers_and_invoice_times() {
    let columns = PurchaseColumns::new("CustomerID", "InvoiceDate", "StockCode");
    let Some(purchases) = real("online_retail_week.csv", &columns) else {
        return;
    };
    assert_eq!(purchases.customers(), 390);
    assert_eq!(purchases.rows(), 10_000);
    assert_eq!(purchases.excluded_rows(), 0);
    let rules = run(&purchases, &SequenceOptions { windows: vec![1, 7], ..SequenceOptions::default() });
    let expected = brute_force(&rows_of(&purchases), &[1, 7]);
    assert_eq!(counts_of(&rules), expected);
}

#[test]
fn rows_without_a_customer_are_excluded_and_counted() {
    let text = "InvoiceNo,StockCode,InvoiceDate,CustomerID\n1,A,2010-12-01 08:26:00,17850.0\n\
                2,B,2010-12-02 09:00:00,\n3,B,2010-12-03 10:00:00,17850.0\n";
    let columns = PurchaseColumns::new("CustomerID", "InvoiceDate", "StockCode");
    let purchases = Purchases::from_reader(text.as_bytes(), "retail.csv", &columns).expect("reads");
    assert_eq!((purchases.rows(), purchases.excluded_rows(), purchases.customers()), (3, 1, 1));
    let rules = run(&purchases, &SequenceOptions::default());
    assert_eq!(rules.excluded_rows(), 1);
    assert_eq!(rules.describe(&rules.rules()[0]), "B: 100% of buyers of A within 7 days");
}

#[test]
fn a_time_that_does_not_parse_names_the_file_row_and_column() {
    let text = "customer,day,item\nann,2026-01-01,tea\nann,2026-01-02,cake\nbob,01/02/2026,tea\n";
    let columns = PurchaseColumns::new("customer", "day", "item");
    let err = Purchases::from_reader(text.as_bytes(), "orders.csv", &columns).expect_err("an error");
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    let location = err.location().expect("a location");
    assert_eq!((location.line, location.column, location.column_name.as_deref()), (Some(4), Some(2), Some("day")));
    assert!(err.to_string().contains("'01/02/2026' is not a time"), "{err}");

    let err = parse_times(&[Some("2026-01-01"), None], "Date").expect_err("an error");
    assert_eq!(err.location().and_then(|l| l.line), Some(2));
}

#[test]
fn missing_columns_and_empty_items_are_errors() {
    let columns = PurchaseColumns::new("customer", "when", "item");
    let err = Purchases::from_reader("customer,day,item\nann,2026-01-01,tea\n".as_bytes(), "o.csv", &columns)
        .expect_err("an error");
    assert!(err.to_string().contains("no column 'when'"), "{err}");
    let columns = PurchaseColumns::new("customer", "day", "item");
    let err = Purchases::from_reader("customer,day,item\nann,2026-01-01,\n".as_bytes(), "o.csv", &columns)
        .expect_err("an error");
    assert_eq!(err.location().and_then(|l| l.line), Some(2));
    let err =
        Purchases::from_arrays(&[1], &[3], &[0], Some(upsell::data::ItemDictionary::default())).expect_err("an error");
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

#[test]
fn windows_that_are_zero_negative_or_repeated_are_invalid_parameters() {
    let purchases = Purchases::from_arrays(&[1, 1], &[0, 1], &[0, DAY], None).expect("arrays");
    for windows in [vec![0], vec![7, -30], vec![], vec![7, 7], vec![i64::MAX]] {
        let options = SequenceOptions { windows: windows.clone(), ..SequenceOptions::default() };
        let err = sequential_affinity(&purchases, &options, &Control::new()).expect_err("an error");
        assert_eq!(err.kind(), ErrorKind::InvalidParameter, "{windows:?}");
        assert!(err.to_string().contains("'windows'"), "{err}");
    }
    for options in [
        SequenceOptions { min_confidence: 1.5, ..SequenceOptions::default() },
        SequenceOptions { min_support: -0.1, ..SequenceOptions::default() },
        SequenceOptions { top: Some(0), ..SequenceOptions::default() },
    ] {
        assert_eq!(options.validate().expect_err("invalid").kind(), ErrorKind::InvalidParameter);
    }
}

#[test]
fn the_pair_budget_and_cancellation_stop_the_work() {
    let Some(purchases) = groceries() else { return };
    let options = SequenceOptions { max_pairs: 100, ..SequenceOptions::default() };
    let err = sequential_affinity(&purchases, &options, &Control::new()).expect_err("an error");
    assert_eq!(err.kind(), ErrorKind::LimitExceeded);
    let control = Control::new();
    control.cancel();
    let err = sequential_affinity(&purchases, &SequenceOptions::default(), &control).expect_err("an error");
    assert_eq!(err.kind(), ErrorKind::Cancelled);
}
