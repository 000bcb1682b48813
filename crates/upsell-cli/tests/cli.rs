//! The `upsell` binary end to end: real sample data in, files parsed back, errors as users see them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn upsell() -> Command {
    Command::new(env!("CARGO_BIN_EXE_upsell"))
}

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/data/groceries_sample.csv")
}

fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The value of a summary line (`itemsets  1,234`) as a number.
fn summary_number(stderr: &str, key: &str) -> u64 {
    let line = stderr
        .lines()
        .find(|line| line.split_whitespace().next() == Some(key))
        .unwrap_or_else(|| panic!("no '{key}' line in the summary:\n{stderr}"));
    let value = line[key.len()..]
        .split_whitespace()
        .next()
        .unwrap_or("")
        .replace(',', "");
    value
        .parse()
        .unwrap_or_else(|_| panic!("'{key}' is not a number in: {line}"))
}

/// Itemsets from a CSV file: sorted item lists to counts.
fn read_csv(path: &Path, separator: char) -> BTreeMap<Vec<String>, u64> {
    let mut reader = csv::Reader::from_path(path).expect("the CSV output opens");
    assert_eq!(
        reader
            .headers()
            .expect("a header")
            .iter()
            .collect::<Vec<_>>(),
        ["itemset", "count", "support"]
    );
    let mut found = BTreeMap::new();
    for record in reader.records() {
        let record = record.expect("a well-formed CSV row");
        let mut items: Vec<String> = record[0].split(separator).map(str::to_owned).collect();
        items.sort();
        let count: u64 = record[1].parse().expect("an integer count");
        let support: f64 = record[2].parse().expect("a decimal support");
        assert!(
            support > 0.0 && support <= 1.0,
            "support {support} out of range"
        );
        assert!(
            found.insert(items, count).is_none(),
            "an itemset written twice"
        );
    }
    found
}

/// Itemsets from a JSON Lines file, checking every field.
fn read_jsonl(path: &Path) -> BTreeMap<Vec<String>, u64> {
    let text = std::fs::read_to_string(path).expect("the JSONL output reads");
    let mut found = BTreeMap::new();
    for line in text.lines() {
        let row: serde_json::Value = serde_json::from_str(line).expect("each line is JSON");
        let mut items: Vec<String> = row["itemset"]
            .as_array()
            .expect("itemset is an array")
            .iter()
            .map(|item| item.as_str().expect("items are strings").to_owned())
            .collect();
        items.sort();
        let count = row["count"].as_u64().expect("count is an integer");
        let support = row["support"].as_f64().expect("support is a number");
        assert!(support > 0.0 && support <= 1.0);
        assert!(
            found.insert(items, count).is_none(),
            "an itemset written twice"
        );
    }
    found
}

#[test]
fn demo_walks_the_whole_path() {
    let dir = temp_dir();
    let output = upsell()
        .arg("demo")
        .current_dir(dir.path())
        .output()
        .expect("demo runs");
    assert!(output.status.success(), "{}", stderr_of(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let steps = [
        "1. Itemsets. At min support 0.02 (in at least 40 baskets): 135 frequent itemsets,",
        "Bought together most often:",
        "2. Rules.",
        "3. Recommendation.",
        "   1  other vegetables",
        "4. Bundle.",
        "   bundle price 8.59 GBP instead of 10.20 (saving 1.61, 15.7%), bought together in 5 orders",
        "  upsell mine baskets.csv",
        "5. Report. The upsell report of the 100 built-in orders",
        "reports/upsell/upsell-maximizer-",
    ];
    let mut at = 0;
    for step in steps {
        let found = stdout[at..].find(step);
        assert!(
            found.is_some(),
            "'{step}' missing (in order) from:\n{stdout}"
        );
        at += found.unwrap_or(0) + step.len();
    }
    let html = stdout.lines().last().unwrap_or_default().trim();
    assert!(
        html.ends_with("-upsell-demo-online-retail-sample.html"),
        "{html}"
    );
    assert!(dir.path().join(html).is_file(), "{html} not written");
}

#[test]
fn report_writes_four_files_and_a_rule_file_that_checks() {
    let dir = temp_dir();
    let output = upsell()
        .args([
            "report",
            "../../examples/data/online_retail_sample.csv",
            "--date",
            "2026-12-03",
            "-o",
        ])
        .arg(dir.path())
        .output()
        .expect("report runs");
    assert!(output.status.success(), "{}", stderr_of(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let paths: Vec<&str> = stdout.lines().collect();
    assert_eq!(paths.len(), 4, "{stdout}");
    assert!(paths[0].ends_with("upsell-maximizer-2026-12-03-online-retail-sample.html"));
    for path in &paths {
        assert!(std::path::Path::new(path).is_file(), "{path}");
    }
    let check = upsell()
        .args(["triggers", "check", paths[3]])
        .output()
        .expect("check runs");
    assert!(check.status.success(), "{}", stderr_of(&check));
    let missing = upsell()
        .args(["report", "no/such/orders.csv", "-o"])
        .arg(dir.path())
        .output()
        .expect("report runs");
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr_of(&missing).contains("no/such/orders.csv"),
        "{}",
        stderr_of(&missing)
    );
}

#[test]
fn demo_names_cart_items_it_does_not_know() {
    let dir = temp_dir();
    let output = upsell()
        .args(["demo", "--cart", "whole milk,caviar"])
        .current_dir(dir.path())
        .output()
        .expect("demo runs");
    assert!(output.status.success(), "{}", stderr_of(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("(not in the sample, ignored: caviar)"),
        "{stdout}"
    );
}

#[test]
fn mine_writes_the_most_frequent_itemsets_first() {
    let dir = temp_dir();
    for target in ["all", "closed", "maximal"] {
        let path = dir.path().join(format!("{target}.csv"));
        let output = upsell()
            .args([
                "mine",
                "-s",
                "20",
                "--item-separator",
                "|",
                "--target",
                target,
                "-o",
            ])
            .arg(&path)
            .arg(sample())
            .output()
            .expect("mine runs");
        assert!(output.status.success(), "{}", stderr_of(&output));
        let mut reader = csv::Reader::from_path(&path).expect("the CSV output opens");
        let rows: Vec<(u64, usize)> = reader
            .records()
            .map(|r| {
                let r = r.expect("a well-formed row");
                (r[1].parse().expect("a count"), r[0].split('|').count())
            })
            .collect();
        assert!(rows.len() > 10, "{target}: {rows:?}");
        // By count, highest first; among equal counts, fewer items first.
        let in_order = rows
            .windows(2)
            .all(|w| w[0].0 > w[1].0 || (w[0].0 == w[1].0 && w[0].1 <= w[1].1));
        assert!(in_order, "{target}: not most frequent first: {rows:?}");
        let unsorted = dir.path().join(format!("{target}-unsorted.csv"));
        let output = upsell()
            .args([
                "mine",
                "-s",
                "20",
                "--item-separator",
                "|",
                "--target",
                target,
            ])
            .arg("--unsorted")
            .arg("-o")
            .arg(&unsorted)
            .arg(sample())
            .output()
            .expect("mine runs");
        assert!(output.status.success(), "{}", stderr_of(&output));
        assert_eq!(read_csv(&unsorted, '|'), read_csv(&path, '|'), "{target}");
    }
}

#[test]
fn mine_verbose_says_what_the_search_runs_on() {
    for (target, runs_on) in [("all", "a prefix tree"), ("closed", "closure extension on ")] {
        let output = upsell()
            .args(["mine", "-s", "20", "--verbose", "--target", target])
            .arg(sample())
            .output()
            .expect("mine runs");
        assert!(output.status.success(), "{}", stderr_of(&output));
        let stderr = stderr_of(&output);
        let plan = stderr
            .lines()
            .find(|line| line.starts_with("plan "))
            .unwrap_or_else(|| panic!("{target}: no plan line in {stderr}"));
        assert!(plan.contains(runs_on) && plan.contains("% of "), "{target}: {plan}");
    }
}

#[test]
fn demo_writes_its_itemsets() {
    let dir = temp_dir();
    let path = dir.path().join("demo.csv");
    let output = upsell()
        .arg("demo")
        .arg("--output")
        .arg(&path)
        .current_dir(dir.path())
        .output()
        .expect("demo runs");
    assert!(output.status.success(), "{}", stderr_of(&output));
    let itemsets = read_csv(&path, '|');
    assert!(itemsets.contains_key(&vec!["whole milk".to_owned()]));
    assert!(itemsets.keys().any(|items| items.len() == 2));
}

#[test]
fn mine_writes_csv_and_jsonl_that_agree() {
    let dir = temp_dir();
    let csv_path = dir.path().join("itemsets.csv");
    let jsonl_path = dir.path().join("itemsets.jsonl");
    let mut counts = Vec::new();
    for path in [&csv_path, &jsonl_path] {
        let output = upsell()
            .args([
                "mine",
                "--min-support",
                "0.01",
                "--item-separator",
                "|",
                "--output",
            ])
            .arg(path)
            .arg(sample())
            .output()
            .expect("mine runs");
        assert!(output.status.success(), "{}", stderr_of(&output));
        counts.push(summary_number(&stderr_of(&output), "itemsets"));
    }
    let mut left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("lists")
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    left.sort();
    assert_eq!(
        left,
        ["itemsets.csv", "itemsets.jsonl"],
        "no temporary file is left behind"
    );
    let from_csv = read_csv(&csv_path, '|');
    let from_jsonl = read_jsonl(&jsonl_path);
    assert_eq!(from_csv, from_jsonl);
    assert_eq!(from_csv.len() as u64, counts[0]);
    assert_eq!(counts[0], counts[1]);
    assert!(from_csv.len() > 50, "only {} itemsets", from_csv.len());
    // Every count is at least the threshold: 1% of 2,000 baskets.
    assert!(from_csv.values().all(|&count| count >= 20));
}

#[test]
fn mine_without_output_shows_the_top_itemsets() {
    let output = upsell()
        .args(["mine", "-s", "0.02"])
        .arg(sample())
        .output()
        .expect("mine runs");
    assert!(output.status.success(), "{}", stderr_of(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        stdout.lines().count(),
        11,
        "a header and 10 rows:\n{stdout}"
    );
    assert!(
        stdout
            .lines()
            .nth(1)
            .is_some_and(|row| row.contains("whole milk")),
        "{stdout}"
    );
    let stderr = stderr_of(&output);
    for key in [
        "file",
        "baskets",
        "items",
        "min count",
        "algorithm",
        "itemsets",
        "read",
        "mine",
    ] {
        assert!(
            stderr.lines().any(|line| line.starts_with(key)),
            "no '{key}' in:\n{stderr}"
        );
    }
    assert_eq!(summary_number(&stderr, "baskets"), 2_000);
}

#[test]
fn results_do_not_depend_on_algorithm_or_threads() {
    let dir = temp_dir();
    let mut results = Vec::new();
    for (algorithm, threads) in [
        ("fpgrowth", "1"),
        ("fpgrowth", "2"),
        ("eclat", "2"),
        ("apriori", "1"),
    ] {
        let path = dir.path().join(format!("{algorithm}-{threads}.csv"));
        let output = upsell()
            .args([
                "mine",
                "-s",
                "15",
                "--item-separator",
                "|",
                "--algorithm",
                algorithm,
                "--threads",
                threads,
                "-o",
            ])
            .arg(&path)
            .arg(sample())
            .output()
            .expect("mine runs");
        assert!(
            output.status.success(),
            "{algorithm}: {}",
            stderr_of(&output)
        );
        results.push((algorithm, read_csv(&path, '|')));
    }
    for (algorithm, found) in &results[1..] {
        assert_eq!(found, &results[0].1, "{algorithm} differs from fpgrowth");
    }
}

#[test]
fn long_csv_with_a_two_column_basket_key() {
    let dir = temp_dir();
    let input = dir.path().join("lines.csv");
    std::fs::write(
        &input,
        "member,date,item\n1,2024-01-01,milk\n1,2024-01-01,bread\n1,2024-01-02,milk\n2,2024-01-01,milk\n2,2024-01-01,bread\n",
    )
    .expect("the input is written");
    let path = dir.path().join("out.jsonl");
    let output = upsell()
        .args([
            "mine",
            "-s",
            "2",
            "--basket-col",
            "member",
            "--basket-col",
            "date",
            "--item-col",
            "item",
            "-o",
        ])
        .arg(&path)
        .arg(&input)
        .output()
        .expect("mine runs");
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert_eq!(summary_number(&stderr_of(&output), "baskets"), 3);
    let found = read_jsonl(&path);
    let expected: BTreeMap<Vec<String>, u64> = [
        (vec!["milk".to_owned()], 3),
        (vec!["bread".to_owned()], 2),
        (vec!["bread".to_owned(), "milk".to_owned()], 2),
    ]
    .into_iter()
    .collect();
    assert_eq!(found, expected);
}

#[test]
fn csv_fields_are_quoted_when_labels_need_it() {
    let dir = temp_dir();
    let input = dir.path().join("quoted.csv");
    std::fs::write(
        &input,
        "a,b\n\"say \"\"hi\"\"\",\"x,y\"\n\"say \"\"hi\"\"\",\"x,y\"\n",
    )
    .expect("written");
    let path = dir.path().join("out.csv");
    let output = upsell()
        .args(["mine", "-s", "2", "--format", "baskets", "-o"])
        .arg(&path)
        .arg(&input)
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", stderr_of(&output));
    let mut reader = csv::Reader::from_path(&path).expect("opens");
    let itemsets: Vec<String> = reader
        .records()
        .map(|r| r.expect("a row")[0].to_owned())
        .collect();
    assert!(itemsets.contains(&"say \"hi\"".to_owned()), "{itemsets:?}");
    assert!(itemsets.contains(&"x,y".to_owned()), "{itemsets:?}");
}

fn assert_fails(args: &[&str], file: &Path, code: i32, needles: &[&str]) {
    let output = upsell()
        .args(args)
        .arg(file)
        .output()
        .expect("the command runs");
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(code), "{stderr}");
    assert!(
        stderr.lines().any(|line| line.starts_with("error: ")),
        "{stderr}"
    );
    for needle in needles {
        assert!(stderr.contains(needle), "'{needle}' not in: {stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_missing_file_is_named() {
    let dir = temp_dir();
    let missing = dir.path().join("no-such-baskets.dat");
    assert_fails(&["mine", "-s", "2"], &missing, 1, &["no-such-baskets.dat"]);
}

#[test]
fn an_empty_file_is_refused() {
    let dir = temp_dir();
    let empty = dir.path().join("empty.dat");
    std::fs::write(&empty, "").expect("written");
    assert_fails(&["mine", "-s", "2"], &empty, 2, &["empty.dat", "empty"]);
}

#[test]
fn a_bad_fimi_item_is_located() {
    let dir = temp_dir();
    let bad = dir.path().join("bad.dat");
    std::fs::write(&bad, "1 2 3\n4 x 5\n").expect("written");
    assert_fails(&["mine", "-s", "1"], &bad, 2, &["bad.dat:2:2", "'x'"]);
}

#[test]
fn a_missing_long_column_lists_the_columns() {
    let dir = temp_dir();
    let input = dir.path().join("lines.csv");
    std::fs::write(&input, "member,date,item\n1,2024-01-01,milk\n").expect("written");
    assert_fails(
        &[
            "mine",
            "-s",
            "1",
            "--basket-col",
            "member",
            "--item-col",
            "product",
        ],
        &input,
        2,
        &["product", "member, date, item"],
    );
}

#[test]
fn min_support_out_of_range_is_refused() {
    for support in ["0", "1.5", "-1", "ten"] {
        let output = upsell()
            .arg("mine")
            .arg(format!("--min-support={support}"))
            .arg(sample())
            .output()
            .expect("runs");
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(2), "{support}: {stderr}");
        assert!(stderr.contains("min_support"), "{support}: {stderr}");
    }
}

#[test]
fn bad_parameters_are_refused_before_reading() {
    let dir = temp_dir();
    let missing = dir.path().join("never-read.dat");
    // The file does not exist: a parameter error must come first.
    assert_fails(
        &["mine", "-s", "2", "--min-len", "3", "--max-len", "2"],
        &missing,
        2,
        &["max_len"],
    );
    assert_fails(
        &["mine", "-s", "2", "--threads", "0"],
        &missing,
        2,
        &["threads"],
    );
    let unknown = dir.path().join("out.txt");
    let output = upsell()
        .args(["mine", "-s", "2", "-o"])
        .arg(&unknown)
        .arg(&missing)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2), "{}", stderr_of(&output));
    assert!(stderr_of(&output).contains("--output-format"));
}

#[test]
fn a_failed_run_leaves_no_output_file() {
    let dir = temp_dir();
    let bad = dir.path().join("bad.dat");
    std::fs::write(&bad, "1 2\nx\n").expect("written");
    let path = dir.path().join("out.csv");
    let output = upsell()
        .args(["mine", "-s", "1", "-o"])
        .arg(&path)
        .arg(&bad)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("lists")
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    assert_eq!(left, [std::ffi::OsString::from("bad.dat")]);
}

#[test]
fn the_itemset_budget_is_an_error() {
    assert_fails(
        &["mine", "-s", "2", "--max-itemsets", "5"],
        &sample(),
        1,
        &["limit"],
    );
}
