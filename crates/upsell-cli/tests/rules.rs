//! `upsell rules`, `recommend`, `evaluate` and `affinity` end to end on the embedded sample.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn upsell() -> Command {
    Command::new(env!("CARGO_BIN_EXE_upsell"))
}

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/data/groceries_sample.csv")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn rules_are_written_with_every_measure_and_make_a_model() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (csv, jsonl, model) = (
        dir.path().join("r.csv"),
        dir.path().join("r.jsonl"),
        dir.path().join("m.model"),
    );
    let mut args = vec![
        "rules".into(),
        sample().display().to_string(),
        "-s".into(),
        "10".into(),
        "-c".into(),
        "0.2".into(),
    ];
    args.extend([
        "--max-consequent-len".into(),
        "1".into(),
        "--model".into(),
        model.display().to_string(),
    ]);
    upsell()
        .args(&args)
        .args(["-o", &csv.display().to_string()])
        .assert()
        .success();
    let mut reader = csv::Reader::from_path(&csv).expect("csv");
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    for column in [
        "antecedents",
        "consequents",
        "support",
        "confidence",
        "lift",
        "leverage",
        "conviction",
        "zhangs_metric",
        "jaccard",
        "certainty",
        "kulczynski",
        "representativity",
        "count",
    ] {
        assert!(
            header.iter().any(|h| h == column),
            "no {column} in {header:?}"
        );
    }
    let confidence = header
        .iter()
        .position(|h| h == "confidence")
        .expect("confidence");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert!(rows.len() > 20);
    assert!(
        rows.iter()
            .all(|r| r[confidence].parse::<f64>().expect("number") >= 0.2)
    );
    upsell()
        .args(&args)
        .args(["-o", &jsonl.display().to_string()])
        .assert()
        .success();
    let lines = std::fs::read_to_string(&jsonl).expect("jsonl");
    assert_eq!(lines.lines().count(), rows.len());
    let first: serde_json::Value =
        serde_json::from_str(lines.lines().next().expect("line")).expect("json");
    assert!(first["antecedents"].is_array() && first["lift"].is_number());

    let answer = upsell()
        .args([
            "recommend",
            "--model",
            &model.display().to_string(),
            "--cart",
            "whole milk,no such thing",
            "-k",
            "3",
        ])
        .assert()
        .success();
    let output = answer.get_output();
    let table = text(&output.stdout);
    assert_eq!(table.lines().count(), 4, "{table}");
    assert!(table.contains("->"), "{table}");
    assert!(
        table
            .lines()
            .skip(1)
            .all(|l| !l[6..].starts_with("whole milk ")),
        "the cart's item is not recommended: {table}"
    );
    assert!(text(&output.stderr).contains("no such thing"));
}

#[test]
fn recommend_reads_many_carts_and_refuses_damaged_models() {
    let dir = tempfile::tempdir().expect("tempdir");
    let model = dir.path().join("m.json");
    upsell()
        .args([
            "rules",
            &sample().display().to_string(),
            "-s",
            "10",
            "-c",
            "0.1",
            "--model",
            &model.display().to_string(),
        ])
        .assert()
        .success();
    let carts = dir.path().join("carts.txt");
    std::fs::write(&carts, "whole milk,butter\nyogurt\n\n").expect("carts");
    let answer = upsell()
        .args([
            "recommend",
            "--model",
            &model.display().to_string(),
            "--carts",
            &carts.display().to_string(),
            "-k",
            "2",
        ])
        .assert()
        .success();
    let out = text(&answer.get_output().stdout);
    assert!(out.starts_with("cart,rank,item,score,because"));
    assert_eq!(out.lines().count(), 1 + 3 * 2, "{out}");

    let cut = dir.path().join("cut.json");
    let json = std::fs::read_to_string(&model).expect("model");
    std::fs::write(&cut, &json[..json.len() / 2]).expect("cut");
    let failed = upsell()
        .args([
            "recommend",
            "--model",
            &cut.display().to_string(),
            "--cart",
            "yogurt",
        ])
        .assert()
        .code(2);
    assert!(text(&failed.get_output().stderr).contains("cut.json"));
    upsell()
        .args(["recommend", "--model", &model.display().to_string()])
        .assert()
        .code(2);
}

#[test]
fn evaluate_compares_rules_with_popularity() {
    let out = upsell()
        .args([
            "evaluate",
            &sample().display().to_string(),
            "-s",
            "5",
            "--json",
        ])
        .assert()
        .success();
    let result: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).expect("json");
    assert_eq!(result["methods"][0]["method"], "rules");
    assert_eq!(result["methods"][1]["method"], "popularity");
    assert!(result["cases"].as_u64().expect("cases") > 1000);
    assert!(result["ease_items"].is_null());
    let out = upsell()
        .args([
            "evaluate",
            &sample().display().to_string(),
            "-s",
            "5",
            "--ease",
            "--ease-lambda",
            "20",
        ])
        .assert()
        .success();
    let stdout = text(&out.get_output().stdout);
    assert!(stdout.contains("\nease "), "{stdout}");
    assert!(stdout.contains("ease vs popularity: "), "{stdout}");
    upsell()
        .args([
            "evaluate",
            &sample().display().to_string(),
            "-s",
            "5",
            "--ease-lambda",
            "20",
        ])
        .assert()
        .code(2);
    upsell()
        .args([
            "evaluate",
            &sample().display().to_string(),
            "-s",
            "5",
            "--train",
            "1.5",
        ])
        .assert()
        .code(2);
    let out = upsell()
        .args([
            "evaluate",
            &sample().display().to_string(),
            "-s",
            "5",
            "--split",
            "time",
        ])
        .assert()
        .code(2);
    let stderr = text(&out.get_output().stderr);
    assert!(stderr.contains("time split needs one timestamp per basket"), "{stderr}");
    // A time column of a file that is not long CSV would be ignored: the core refuses it.
    let out = upsell()
        .args(["evaluate", &sample().display().to_string(), "-s", "5", "--time-col", "Date"])
        .assert()
        .code(2);
    let stderr = text(&out.get_output().stderr);
    assert!(stderr.contains("time_column") && stderr.contains("long CSV"), "{stderr}");
}

#[test]
fn affinity_lists_pairs_and_writes_the_matrix() {
    let dir = tempfile::tempdir().expect("tempdir");
    let matrix = dir.path().join("lift.csv");
    let out = upsell()
        .args([
            "affinity",
            &sample().display().to_string(),
            "--top",
            "12",
            "--min-support",
            "0.01",
            "--min-lift",
            "1.2",
        ])
        .args(["-o", &matrix.display().to_string()])
        .assert()
        .success();
    let table = text(&out.get_output().stdout);
    assert!(
        table.lines().count() > 1 && table.contains(" + "),
        "{table}"
    );
    let mut reader = csv::Reader::from_path(&matrix).expect("matrix");
    assert_eq!(reader.headers().expect("header").len(), 13);
    assert_eq!(reader.records().count(), 12);
    upsell()
        .args(["affinity", &sample().display().to_string(), "--top", "0"])
        .assert()
        .code(2);
}
