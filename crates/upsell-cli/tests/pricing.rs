//! `upsell bundles`, `threshold`, `metrics` and `abtest` end to end: the real Online Retail week in,
//! JSON parsed back, errors as users see them.

#![allow(clippy::unwrap_used)] // in tests a failed unwrap is a failed test, with its location

use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::Value;

fn upsell() -> Command {
    Command::new(env!("CARGO_BIN_EXE_upsell"))
}

/// The Online Retail week, or `None` where ../shared/data is not present.
fn retail_week() -> Option<PathBuf> {
    let dir = std::env::var_os("UPSELL_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    let path = dir.join("online_retail_week.csv");
    path.exists().then_some(path).or_else(|| {
        eprintln!("skipped: online_retail_week.csv not found (set UPSELL_DATA_DIR)");
        None
    })
}

fn json(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout).expect("stdout is JSON")
}

#[test]
fn bundles_on_the_retail_week() {
    let Some(file) = retail_week() else { return };
    let output = upsell()
        .arg("bundles")
        .arg(&file)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("excluded     40 (postage, fee or other non-product code)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("excluded     1 (zero unit price)"),
        "{stderr}"
    );
    let report = json(&output);
    let bundles = report["bundles"].as_array().unwrap();
    assert_eq!(bundles.len(), 10);
    let best = &bundles[0]["quote"];
    assert_eq!(best["items"], serde_json::json!(["22086", "22423"]));
    assert_eq!(best["price"]["minor"], 1329);
    assert_eq!(best["saving"]["minor"], 241);
    assert_eq!(best["price"]["currency"], "GBP");

    let table = upsell().arg("bundles").arg(&file).output().unwrap();
    let stdout = String::from_utf8_lossy(&table.stdout);
    assert!(
        stdout.contains("REGENCY CAKESTAND") && stdout.contains("2.41 (15.3%)"),
        "{stdout}"
    );
}

#[test]
fn threshold_and_metrics_on_the_retail_week() {
    let Some(file) = retail_week() else { return };
    let output = upsell()
        .arg("threshold")
        .arg(&file)
        .args(["--threshold", "100.00", "--invoice", "536593", "--json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let fill = json(&output);
    assert_eq!(fill["gap"]["minor"], 1825);
    assert_eq!(fill["fillers"].as_array().unwrap().len(), 10);

    let output = upsell()
        .arg("metrics")
        .arg(&file)
        .arg("--json")
        .output()
        .unwrap();
    assert!(output.status.success());
    let rows = json(&output);
    assert_eq!(rows[0]["aov"]["minor"], 36_966);
    assert_eq!(rows[0]["orders"], 520);
    let output = upsell()
        .arg("metrics")
        .arg(&file)
        .args(["--period", "day", "--by-segment"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stdout).contains("United Kingdom"));
}

#[test]
fn abtest_and_sample_size() {
    let output = upsell()
        .args([
            "abtest",
            "--conversions-a",
            "412",
            "--n-a",
            "8000",
            "--conversions-b",
            "498",
            "--n-b",
            "8000",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let result = json(&output);
    assert!((result["z"].as_f64().unwrap() - 2.935_574_635_173_155).abs() < 1e-12);
    assert_eq!(result["verdict"], "b_better");
    let output = upsell()
        .args(["abtest", "--baseline", "0.05", "--mde", "0.01"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stdout).contains("8143 visitors per arm"));
    let peeked = upsell()
        .args([
            "abtest",
            "--conversions-a",
            "412",
            "--n-a",
            "8000",
            "--conversions-b",
            "498",
            "--n-b",
            "8000",
            "--looks",
            "5",
        ])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&peeked.stderr).contains("warning: the data was tested 5 times")
    );
}

#[test]
fn bad_input_is_a_clear_error_with_exit_status_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("orders.csv");
    std::fs::write(&file, "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n1,MUG,Mug,1,2010-12-01,-2.55,1,UK\n").unwrap();
    let output = upsell().arg("bundles").arg(&file).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("orders.csv:2:6 (column 'UnitPrice')")
            && stderr.contains("negative unit price"),
        "{stderr}"
    );

    let output = upsell()
        .arg("bundles")
        .arg(&file)
        .args(["--discount", "10-120"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("outside 0-100 %"));

    let output = upsell()
        .args([
            "abtest",
            "--conversions-a",
            "9",
            "--n-a",
            "5",
            "--conversions-b",
            "1",
            "--n-b",
            "5",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("more conversions than visitors"));
}
