//! `upsell sequences` end to end: real long data in, CSV and JSONL parsed back, bad input as users
//! see it.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn upsell() -> Command {
    Command::new(env!("CARGO_BIN_EXE_upsell"))
}

fn data(name: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("UPSELL_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    let path = dir.join(name);
    if path.exists() {
        Some(path)
    } else {
        eprintln!("skipped: {} not found (set UPSELL_DATA_DIR)", path.display());
        None
    }
}

fn groceries_args(path: &Path) -> Vec<String> {
    [path.to_str().expect("a UTF-8 path"), "--customer-col", "Member_number", "--time-col", "Date"]
        .into_iter()
        .chain(["--item-col", "itemDescription"])
        .map(str::to_owned)
        .collect()
}

fn write_temp(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("a temporary file");
    path
}

#[test]
fn groceries_members_writes_the_same_rules_as_csv_and_jsonl() {
    let Some(path) = data("groceries_members.csv") else { return };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (csv_path, jsonl_path) = (dir.path().join("rules.csv"), dir.path().join("rules.jsonl"));
    for output in [&csv_path, &jsonl_path] {
        let run = upsell()
            .arg("sequences")
            .args(groceries_args(&path))
            .args(["--windows", "30,90", "--min-customers", "20", "-o"])
            .arg(output)
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(run.status.success(), "{stderr}");
        assert!(stderr.contains("customers  3,898"), "{stderr}");
        assert!(stderr.contains("% of buyers of"), "{stderr}");
    }
    let mut reader = csv::Reader::from_path(&csv_path).expect("the CSV opens");
    let header: Vec<String> = reader.headers().expect("a header").iter().map(str::to_owned).collect();
    assert_eq!(
        header,
        [
            "antecedent",
            "consequent",
            "window_days",
            "antecedent_customers",
            "customers",
            "baseline_customers",
            "support",
            "confidence",
            "base_rate",
            "lift",
            "description"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a row")).collect();
    assert!(!rows.is_empty());
    for row in &rows {
        assert!(["30", "90"].contains(&&row[2]));
        assert!(row[4].parse::<u64>().expect("customers") >= 20);
        let confidence: f64 = row[7].parse().expect("confidence");
        let percent = format!("{:.0}%", confidence * 100.0);
        assert_eq!(row[10], format!("{}: {percent} of buyers of {} within {} days", &row[1], &row[0], &row[2]));
    }
    let jsonl = std::fs::read_to_string(&jsonl_path).expect("the JSONL file");
    let values: Vec<serde_json::Value> = jsonl.lines().map(|l| serde_json::from_str(l).expect("JSON")).collect();
    assert_eq!(values.len(), rows.len());
    assert_eq!(values[0]["antecedent"], rows[0][0]);
    assert_eq!(values[0]["customers"].as_u64(), rows[0][4].parse().ok());
}

#[test]
fn without_output_the_best_rules_go_to_stdout_in_words() {
    let Some(path) = data("groceries_members.csv") else { return };
    let run = upsell()
        .arg("sequences")
        .args(groceries_args(&path))
        .args(["--min-customers", "30", "--show", "2"])
        .output()
        .expect("runs");
    assert!(run.status.success());
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.lines().count() >= 2, "{stdout}");
    assert!(stdout.lines().all(|l| l.contains("% of buyers of ")), "{stdout}");
}

#[test]
fn a_time_that_does_not_parse_is_exit_2_naming_the_line() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = write_temp(&dir, "orders.csv", "customer,day,item\nann,2026-01-01,tea\nann,next tuesday,cake\n");
    let run = upsell()
        .arg("sequences")
        .arg(&path)
        .args(["--customer-col", "customer", "--time-col", "day", "--item-col", "item"])
        .output()
        .expect("runs");
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("orders.csv:3:2 (column 'day')"), "{stderr}");
    assert!(stderr.contains("'next tuesday' is not a time"), "{stderr}");
}

#[test]
fn zero_or_negative_windows_are_exit_2() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = write_temp(&dir, "orders.csv", "customer,day,item\nann,2026-01-01,tea\n");
    for windows in ["0", "7,-30"] {
        let run = upsell()
            .arg("sequences")
            .arg(&path)
            .args(["--customer-col", "customer", "--time-col", "day", "--item-col", "item", "--windows", windows])
            .output()
            .expect("runs");
        assert_eq!(run.status.code(), Some(2), "{windows}");
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(stderr.contains("invalid parameter 'windows'"), "{stderr}");
    }
}

#[test]
fn rows_without_a_customer_are_counted_in_the_summary() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let text = "CustomerID,InvoiceDate,StockCode\n17850.0,2010-12-01 08:26:00,A\n,2010-12-01 09:00:00,B\n\
                17850.0,2010-12-02 08:00:00,B\n";
    let path = write_temp(&dir, "retail.csv", text);
    let run = upsell()
        .arg("sequences")
        .arg(&path)
        .args(["--customer-col", "CustomerID", "--time-col", "InvoiceDate", "--item-col", "StockCode"])
        .output()
        .expect("runs");
    assert!(run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("3 (1 without a customer, excluded)"), "{stderr}");
    assert!(String::from_utf8_lossy(&run.stdout).contains("B: 100% of buyers of A within 7 days"));
}
