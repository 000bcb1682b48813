//! `upsell triggers discover` end to end: a customer CSV with a planted effect becomes a rule
//! file that `upsell triggers check` accepts and `upsell triggers eval` applies, and a bad outcome
//! column is a clear error naming the row.

use std::fmt::Write as _;
use std::path::Path;

use assert_cmd::Command;

fn upsell() -> Command {
    Command::new(env!("CARGO_BIN_EXE_upsell"))
}

/// 3,000 customers: starter customers who use the feature at least 20 times upgrade at two
/// thirds, everyone else at one in ten.
fn write_customers(path: &Path, outcome_of_first: Option<&str>) {
    let mut text = String::from("id,plan,usage,seats,upgraded\n");
    for i in 0..3_000u64 {
        let plan = if i % 2 == 0 { "starter" } else { "pro" };
        let usage = (i * 7919) % 40;
        let upgraded = if plan == "starter" && usage >= 20 {
            i % 3 != 0
        } else {
            i % 10 == 0
        };
        let outcome = match (i, outcome_of_first) {
            (0, Some(text)) => text.to_owned(),
            _ => u8::from(upgraded).to_string(),
        };
        writeln!(text, "c{i},{plan},{usage},{},{outcome}", 1 + i % 7).expect("a string");
    }
    std::fs::write(path, text).expect("writes the customers");
}

#[test]
fn discovered_rules_are_checked_and_evaluated_by_the_other_commands() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let customers = dir.path().join("customers.csv");
    let rules = dir.path().join("rules.yaml");
    let subgroups = dir.path().join("subgroups.csv");
    write_customers(&customers, None);
    let output = upsell()
        .args(["triggers", "discover"])
        .arg(&customers)
        .args(["--outcome", "upgraded", "--threads", "1", "-o"])
        .arg(&rules)
        .arg("--subgroups")
        .arg(&subgroups)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let yaml = std::fs::read_to_string(&rules).expect("the rules were written");
    assert!(
        yaml.contains(r#"when: plan == "starter" && usage >= 20"#)
            || yaml.contains(r#"when: 'plan == "starter" && usage >= 20'"#),
        "{yaml}"
    );
    let table = std::fs::read_to_string(&subgroups).expect("the subgroups were written");
    assert!(table.lines().count() >= 2, "{table}");

    let check = upsell()
        .args(["triggers", "check"])
        .arg(&rules)
        .output()
        .expect("runs");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );

    let eval = upsell()
        .args(["triggers", "eval"])
        .arg(&rules)
        .arg(&customers)
        .args(["--now", "2026-11-23T10:00:00Z"])
        .output()
        .expect("runs");
    assert!(
        eval.status.success(),
        "{}",
        String::from_utf8_lossy(&eval.stderr)
    );
    let offers = String::from_utf8_lossy(&eval.stdout);
    // c2: a starter customer with usage 2 * 7919 % 40 = 38; c21: on pro with usage 19.
    assert!(
        offers.lines().any(|l| l.starts_with("c2,upgraded-")),
        "{offers}"
    );
    assert!(!offers.lines().any(|l| l.starts_with("c21,")), "{offers}");
}

#[test]
fn an_outcome_that_is_not_0_or_1_is_an_error_naming_the_row() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let customers = dir.path().join("customers.csv");
    write_customers(&customers, Some("2"));
    let output = upsell()
        .args(["triggers", "discover"])
        .arg(&customers)
        .args(["--outcome", "upgraded"])
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("outcome 2 in row 1: expected 0 or 1"),
        "{stderr}"
    );
}
