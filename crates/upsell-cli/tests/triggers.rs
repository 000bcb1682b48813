//! `upsell triggers` end to end: the example rules over a CSV of customers with a history file,
//! and bad rule files reported with rule names and positions.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn upsell() -> Command {
    Command::new(env!("CARGO_BIN_EXE_upsell"))
}

fn testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/triggers")
        .join(name)
}

fn rows(stdout: &[u8]) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(stdout);
    reader
        .records()
        .map(|r| r.expect("a CSV line").iter().map(str::to_owned).collect())
        .collect()
}

#[test]
fn eval_prints_one_line_per_customer_and_offer() {
    let output = upsell()
        .args(["triggers", "eval"])
        .arg(testdata("saas_and_shop.yaml"))
        .arg(testdata("customers.csv"))
        .args(["--now", "2026-11-23T10:00:00Z"])
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rows = rows(&output.stdout);
    let summary: Vec<(&str, &str, &str, &str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r[0].as_str(),
                r[1].as_str(),
                r[2].as_str(),
                r[3].as_str(),
                r[4].as_str(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("c1", "starter-to-pro", "upgrade", "pro", "10"),
            ("c3", "near-seat-limit", "upgrade", "next-tier", "20"),
            (
                "c4",
                "free-shipping",
                "threshold_fill",
                "free-shipping-100",
                "5"
            ),
            ("c5", "a-without-b", "cross_sell", "B", "5"),
            ("c7", "starter-to-pro", "upgrade", "pro", "10"),
        ]
    );
    assert_eq!(
        rows[0][5],
        "plan == \"starter\" (was 'starter') && usage.feature_x_30d > 20 (was 23)"
    );
    assert_eq!(
        rows[1][5],
        "usage.seats_used >= 0.9 * limits.seats (was 9, 9.00)"
    );
}

#[test]
fn eval_reads_the_history_for_cooldowns() {
    let output = upsell()
        .args(["triggers", "eval"])
        .arg(testdata("saas_and_shop.yaml"))
        .arg(testdata("customers.csv"))
        .args(["--now", "2026-11-23T10:00:00Z", "--header", "--history"])
        .arg(testdata("history.json"))
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rows = rows(&output.stdout);
    assert_eq!(
        rows[0],
        ["customer", "rule", "kind", "target", "priority", "reason"]
    );
    // c7 rejected `pro` 34 days ago: the next offer in rank is shown instead.
    let c7: Vec<&str> = rows
        .iter()
        .filter(|r| r[0] == "c7")
        .map(|r| r[1].as_str())
        .collect();
    assert_eq!(c7, ["week-after-x"]);
}

#[test]
fn check_lists_every_problem_and_exits_2() {
    let output = upsell()
        .args(["triggers", "check"])
        .arg(testdata("bad_rules.yaml"))
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr
            .contains("bad_rules.yaml:4:42: rule 'broken-syntax': when: expected ')' to close '('"),
        "{stderr}"
    );
    assert!(
        stderr.contains("bad_rules.yaml:7:11: rule 'wrong-type'"),
        "{stderr}"
    );
    assert!(!stderr.contains("rule 'good'"), "{stderr}");
}

#[test]
fn check_accepts_good_rules_and_checks_types_against_data() {
    let output = upsell()
        .args(["triggers", "check"])
        .arg(testdata("saas_and_shop.yaml"))
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let rules = dir.path().join("rules.json");
    std::fs::write(&rules, r#"{"rules": [{"name": "r", "when": "seats > 10", "offer": {"kind": "upgrade", "target": "t"}}]}"#)
        .expect("write");
    let data = dir.path().join("customers.csv");
    std::fs::write(&data, "id,seats\nc1,many\n").expect("write");
    let output = upsell()
        .args(["triggers", "check"])
        .arg(&rules)
        .arg("--data")
        .arg(&data)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("found string and int"));
}

#[test]
fn bad_values_and_missing_files_are_clear_errors() {
    let output = upsell()
        .args(["triggers", "eval"])
        .arg(testdata("saas_and_shop.yaml"))
        .arg(testdata("customers.csv"))
        .args(["--now", "yesterday"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("invalid parameter 'now': 'yesterday' is not a time")
    );
    let output = upsell()
        .args(["triggers", "check", "missing.yaml"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("missing.yaml"));
}

/// Issue 14: nesting past the limit is a positioned error, flat chains of any length work; the
/// sizes that crashed before, and ten times each.
#[test]
fn deep_expressions_are_errors_and_long_chains_evaluate() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("customers.csv");
    std::fs::write(&data, "id,seats\nc1,3\nc2,5\n").expect("write");
    let rules = dir.path().join("rules.yaml");
    let write = |when: &str| {
        std::fs::write(
            &rules,
            format!("rules:\n  - name: deep\n    when: '{when}'\n    offer: {{kind: upgrade, target: t}}\n"),
        )
        .expect("write");
    };
    for n in [2_777, 3_962, 27_770, 39_620] {
        for when in [
            format!("{}seats > 1{}", "(".repeat(n), ")".repeat(n)),
            format!("{}(seats > 1)", "!".repeat(n)),
            format!("{}seats > 1{}", "seats > 1 && (".repeat(n), ")".repeat(n)),
        ] {
            write(&when);
            let output = upsell()
                .args(["triggers", "check"])
                .arg(&rules)
                .output()
                .expect("runs");
            assert_eq!(output.status.code(), Some(2));
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(
                stderr.contains("rules.yaml:3:")
                    && stderr
                        .contains("rule 'deep': when: expression nests deeper than 128 levels"),
                "{stderr}"
            );
        }
    }
    for n in [2_778, 3_265, 27_780, 32_650] {
        for when in [
            vec!["seats == 99"; n].join(" || ") + " || seats == 5",
            format!("{} + seats > {}", vec!["1"; n].join(" + "), n + 4),
        ] {
            write(&when);
            let output = upsell()
                .args(["triggers", "eval"])
                .arg(&rules)
                .arg(&data)
                .args(["--now", "2026-11-23T10:00:00Z"])
                .output()
                .expect("runs");
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
            let customers: Vec<String> = rows(&output.stdout)
                .into_iter()
                .map(|r| r[0].clone())
                .collect();
            assert_eq!(customers, ["c2"], "{n}");
        }
    }
}

/// Issue 16: an empty CSV cell is null in a string column too, as pandas reads it, so `has()`
/// means the same from the CLI and from Python.
#[test]
fn empty_cells_are_null_in_every_column() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("customers.csv");
    std::fs::write(&data, "id,coupon,seats\nc1,,\nc2,SPRING,3\nc3, ,4\n").expect("write");
    let rules = dir.path().join("rules.yaml");
    std::fs::write(
        &rules,
        "rules:\n  - name: has-coupon\n    when: has(coupon) || has(seats) && seats > 3\n    offer: {kind: upgrade, target: t}\n",
    )
    .expect("write");
    let output = upsell()
        .args(["triggers", "eval"])
        .arg(&rules)
        .arg(&data)
        .args(["--now", "2026-11-23T10:00:00Z"])
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let customers: Vec<String> = rows(&output.stdout)
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    assert_eq!(customers, ["c2", "c3"]);
}

/// Issue 16: a column the schema declares but the data lacks is the same error from `eval` and
/// `check --data`, naming the file and the column (`eval` used to print no offers).
#[test]
fn a_declared_column_missing_from_the_data_is_named_by_eval_and_check() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("customers.csv");
    std::fs::write(&data, "id,seats\nc1,12\n").expect("write");
    let rules = dir.path().join("rules.yaml");
    std::fs::write(
        &rules,
        "schema: {id: string, seats: int, plan: string}\nrules:\n  - {name: team, when: seats > 10, offer: {kind: upgrade, target: team}}\n",
    )
    .expect("write");
    let expected = "customers.csv:1 (column 'plan'): the rule file's schema declares 'plan' but the data has no such column";
    let eval = upsell()
        .args(["triggers", "eval"])
        .arg(&rules)
        .arg(&data)
        .args(["--now", "2026-11-23T10:00:00Z"])
        .output()
        .expect("runs");
    let check = upsell()
        .args(["triggers", "check"])
        .arg(&rules)
        .arg("--data")
        .arg(&data)
        .output()
        .expect("runs");
    for output in [eval, check] {
        assert_eq!(output.status.code(), Some(2));
        assert!(output.stdout.is_empty());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{stderr}");
    }
}

/// `testdata/triggers/customers.csv` as a Parquet file typed as pyarrow writes a pandas frame of
/// it: int64 counts, money as decimal128(10, 2), timestamps in microseconds (UTC), a list of
/// strings, floats, and nulls for the empty cells; small row groups, so the file is read in
/// several batches.
fn customers_parquet(path: &Path, compression: parquet::basic::Compression) {
    use std::sync::Arc;

    use arrow_array::builder::{ListBuilder, StringBuilder};
    use arrow_array::{
        ArrayRef, Decimal128Array, Float64Array, Int64Array, RecordBatch, StringArray,
        TimestampMicrosecondArray,
    };

    let text =
        |values: [Option<&str>; 7]| -> ArrayRef { Arc::new(StringArray::from(values.to_vec())) };
    let ints = |values: [i64; 7]| -> ArrayRef { Arc::new(Int64Array::from(values.to_vec())) };
    let floats =
        |values: [Option<f64>; 7]| -> ArrayRef { Arc::new(Float64Array::from(values.to_vec())) };
    let bought = Some(1_794_819_600_000_000); // 2026-11-16T09:00:00Z
    let times = |values: [Option<i64>; 7]| -> ArrayRef {
        Arc::new(TimestampMicrosecondArray::from(values.to_vec()).with_timezone("UTC"))
    };
    let totals = Decimal128Array::from(vec![None, None, None, Some(8250), Some(4000), None, None])
        .with_precision_and_scale(10, 2)
        .expect("decimal type");
    let mut items = ListBuilder::new(StringBuilder::new());
    for row in [
        None,
        None,
        None,
        Some(&["C"][..]),
        Some(&["A", "C"][..]),
        None,
        None,
    ] {
        match row {
            Some(row) => {
                for item in row {
                    items.values().append_value(item);
                }
                items.append(true);
            }
            None => items.append(false),
        }
    }
    let batch = RecordBatch::try_from_iter([
        (
            "id",
            text([
                Some("c1"),
                Some("c2"),
                Some("c3"),
                Some("c4"),
                Some("c5"),
                Some("c6"),
                Some("c7"),
            ]),
        ),
        (
            "plan",
            text([
                Some("starter"),
                Some("starter"),
                Some("pro"),
                Some("pro"),
                Some("team"),
                Some("team"),
                Some("starter"),
            ]),
        ),
        ("usage.feature_x_30d", ints([23, 23, 5, 0, 0, 0, 40])),
        ("usage.seats_used", ints([2, 2, 9, 1, 1, 1, 1])),
        ("limits.seats", ints([10; 7])),
        ("cart.total", Arc::new(totals) as ArrayRef),
        ("cart.items", Arc::new(items.finish()) as ArrayRef),
        ("open_tickets", ints([0, 1, 0, 0, 0, 0, 0])),
        (
            "health_trend",
            floats([
                Some(0.1),
                Some(0.1),
                Some(0.2),
                Some(0.0),
                Some(0.3),
                Some(-0.4),
                Some(0.1),
            ]),
        ),
        (
            "last_purchase_category",
            text([None, None, None, None, None, Some("X"), Some("X")]),
        ),
        (
            "last_purchase_at",
            times([None, None, None, None, None, bought, bought]),
        ),
        ("first_purchase_at", times([None; 7])),
        ("health_score", floats([None; 7])),
        ("health_score_max_90d", floats([None; 7])),
        ("last_price_increase_at", times([None; 7])),
        ("last_ticket_resolution", text([None; 7])),
        ("last_ticket_resolved_at", times([None; 7])),
        ("renewal_at", times([None; 7])),
        ("segment", text([None; 7])),
        (
            "usage.events_30d",
            Arc::new(Int64Array::from(vec![None; 7])) as ArrayRef,
        ),
        (
            "usage.events_prev_30d",
            Arc::new(Int64Array::from(vec![None; 7])) as ArrayRef,
        ),
    ])
    .expect("a record batch");
    let properties = parquet::file::properties::WriterProperties::builder()
        .set_compression(compression)
        .set_max_row_group_row_count(Some(3))
        .build();
    let file = std::fs::File::create(path).expect("create the Parquet file");
    let mut writer = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), Some(properties))
        .expect("a Parquet writer");
    writer.write(&batch).expect("write the batch");
    writer.close().expect("close the Parquet file");
}

/// Issue 16: the same customers as CSV and as Parquet (snappy, as pyarrow writes by default, and
/// zstd, as polars does) give the same offers, reasons and held-out decisions, the history
/// applied alike.
#[test]
fn eval_prints_the_same_offers_from_csv_and_parquet() {
    let dir = tempfile::tempdir().expect("temp dir");
    let eval = |customers: &Path| {
        let output = upsell()
            .args(["triggers", "eval"])
            .arg(testdata("saas_and_shop.yaml"))
            .arg(customers)
            .args([
                "--now",
                "2026-11-23T10:00:00Z",
                "--header",
                "--held-out",
                "--history",
            ])
            .arg(testdata("history.json"))
            .output()
            .expect("runs");
        assert!(
            output.status.success(),
            "{}: {}",
            customers.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        rows(&output.stdout)
    };
    let from_csv = eval(&testdata("customers.csv"));
    assert!(from_csv.len() > 5, "{from_csv:?}");
    for (name, compression) in [
        ("customers.parquet", parquet::basic::Compression::SNAPPY),
        (
            "customers.zstd.PARQUET",
            parquet::basic::Compression::ZSTD(Default::default()),
        ),
    ] {
        let path = dir.path().join(name);
        customers_parquet(&path, compression);
        assert_eq!(eval(&path), from_csv, "{name}");
        let check = upsell()
            .args(["triggers", "check"])
            .arg(testdata("saas_and_shop.yaml"))
            .arg("--data")
            .arg(&path)
            .output()
            .expect("runs");
        assert!(
            check.status.success(),
            "{}",
            String::from_utf8_lossy(&check.stderr)
        );
    }
}

/// Issue 16: a Parquet file's errors name the file: a declared column it lacks (before any row is
/// read, from `eval` and `check --data` alike), a value the rules cannot take (with its column and
/// row), and a file that is not Parquet.
#[test]
fn parquet_errors_name_the_file_and_the_column() {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Decimal128Array, Int64Array, RecordBatch, StringArray};

    let dir = tempfile::tempdir().expect("temp dir");
    let write = |name: &str, columns: Vec<(&str, ArrayRef)>| {
        let batch = RecordBatch::try_from_iter(columns).expect("a record batch");
        let path = dir.path().join(name);
        let file = std::fs::File::create(&path).expect("create");
        let mut writer =
            parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).expect("a writer");
        writer.write(&batch).expect("write");
        writer.close().expect("close");
        path
    };
    let rule = "rules:\n  - {name: team, when: seats > 10, offer: {kind: upgrade, target: team}}\n";
    let declared = dir.path().join("declared.yaml");
    std::fs::write(
        &declared,
        format!("schema: {{id: string, seats: int, plan: string}}\n{rule}"),
    )
    .expect("write");
    let inferred = dir.path().join("inferred.yaml");
    std::fs::write(&inferred, rule).expect("write");
    let ids: ArrayRef = Arc::new(StringArray::from(vec!["c1", "c2"]));
    let seats: ArrayRef = Arc::new(Int64Array::from(vec![12, 3]));
    let lacking = write(
        "lacking.parquet",
        vec![("id", ids.clone()), ("seats", seats)],
    );
    let fine = Decimal128Array::from(vec![10, 801234567])
        .with_precision_and_scale(12, 7)
        .expect("decimal type");
    let too_fine = write(
        "fine.parquet",
        vec![("id", ids), ("seats", Arc::new(fine) as ArrayRef)],
    );
    let not_parquet = dir.path().join("text.parquet");
    std::fs::write(&not_parquet, "id,seats\nc1,12\n").expect("write");
    let run = |command: &str, rules: &Path, data: &Path| {
        let mut cmd = upsell();
        cmd.args(["triggers", command]).arg(rules);
        if command == "check" {
            cmd.arg("--data");
        }
        let output = cmd
            .arg(data)
            .args(if command == "eval" {
                &["--now", "2026-11-23T10:00:00Z"][..]
            } else {
                &[]
            })
            .output()
            .expect("runs");
        assert_eq!(
            output.status.code(),
            Some(2),
            "{command} {}",
            data.display()
        );
        assert!(output.stdout.is_empty());
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    for command in ["eval", "check"] {
        let stderr = run(command, &declared, &lacking);
        assert!(
            stderr.contains("lacking.parquet (column 'plan'): the rule file's schema declares 'plan' but the data has no such column"),
            "{stderr}"
        );
        let stderr = run(command, &inferred, &too_fine);
        assert!(
            stderr.contains(
                "fine.parquet:2 (column 'seats'): the decimal has more than six decimal places"
            ),
            "{stderr}"
        );
        let stderr = run(command, &declared, &not_parquet);
        assert!(
            stderr.contains("text.parquet: cannot read the Parquet file"),
            "{stderr}"
        );
    }
}
