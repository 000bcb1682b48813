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
