//! `upsell triggers discover` end to end: a customer CSV with a planted effect becomes a rule
//! file that `upsell triggers check` accepts and `upsell triggers eval` applies, and a bad outcome
//! column is a clear error naming the row. The other subscription commands too: `upsell triggers
//! gaps` (adoption gaps) and `upsell tiers` (tier migration).

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

#[test]
fn gaps_lists_each_plans_unused_features_and_names_an_unknown_plan() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let customers = dir.path().join("customers.csv");
    let gaps = dir.path().join("gaps.csv");
    std::fs::write(
        &customers,
        "id,plan,reports,api,churned\na,pro,0,3,1\nb,pro,4,0,0\nc,pro,0,1,0\nd,starter,0,0,1\n",
    )
    .expect("writes the customers");
    let output = upsell()
        .args(["triggers", "gaps"])
        .arg(&customers)
        .args(["--plan", "pro=reports,api", "--plan", "starter=", "-o"])
        .arg(&gaps)
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.contains(r#"plan == "pro" && reports < 1"#),
        "{stdout}"
    );
    let written = std::fs::read_to_string(&gaps).expect("the customers' gaps");
    assert_eq!(
        written,
        "customer,plan,feature\na,pro,reports\nb,pro,api\nc,pro,reports\n"
    );
    let output = upsell()
        .args(["triggers", "gaps"])
        .arg(&customers)
        .args(["--plan", "pro=reports"])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("unknown plan 'starter' in row 4"),
        "{stderr}"
    );
}

#[test]
fn tiers_reads_a_history_and_names_a_row_out_of_order() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let history = dir.path().join("history.csv");
    std::fs::write(
        &history,
        "customer,date,plan,mrr\na,2026-01-01,basic,9.00\nb,2026-01-01,basic,9.00\n\
         a,2026-01-31,business,99.00\nb,2026-02-10,team,29.00\n",
    )
    .expect("writes the history");
    let output = upsell().arg("tiers").arg(&history).output().expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.contains("2 customers: 2 upgrades, 0 downgrades; median days to upgrade 35.0"),
        "{stdout}"
    );
    assert!(stdout.contains("today's tiers"), "{stdout}");
    std::fs::write(
        &history,
        "customer,date,plan,mrr\na,2026-02-01,basic,9.00\na,2026-01-01,team,29.00\n",
    )
    .expect("writes the history");
    let output = upsell().arg("tiers").arg(&history).output().expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("dates out of order in row 2: customer 'a'"),
        "{stderr}"
    );
}
