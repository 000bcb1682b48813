//! The shared bad-input corpus (`testdata/bad-inputs/`, see its README): every case fails with
//! its expected kind and message, here as in Python and C.

use std::path::{Path, PathBuf};

use upsell::data::{Dataset, ReadOptions};
use upsell::mining::{MinSupport, MiningOptions, mine};
use upsell::recommend::Recommender;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/bad-inputs")
}

/// Runs one case and returns its error.
fn run(case: &toml::Table, folder: &Path) -> upsell::Error {
    let text = |key: &str| case.get(key).and_then(|v| v.as_str());
    let number = |key: &str| case.get(key).and_then(|v| v.as_integer()).map(|n| n as u64);
    let input = folder.join(text("input").expect("every case names its input"));
    if text("load") == Some("model") {
        return Recommender::load(&input).expect_err("a bad model");
    }
    let options = ReadOptions {
        format: text("format").map(|f| f.parse().expect("a format")),
        delimiter: text("delimiter").map(|d| d.as_bytes()[0]),
        basket_columns: text("basket").map(str::to_owned).into_iter().collect(),
        item_column: text("item").map(str::to_owned),
        ..ReadOptions::default()
    };
    let data = match Dataset::read(&input, &options) {
        Ok(data) => data,
        Err(err) => return err,
    };
    let min_support = number("min_support").expect("a case that reads must mine");
    let options = MiningOptions {
        max_memory: number("max_memory").or(MiningOptions::new(MinSupport::count(1)).max_memory),
        ..MiningOptions::new(MinSupport::count(min_support))
    };
    mine(&data.baskets, &options).expect_err("mining fails")
}

#[test]
fn every_bad_input_gives_its_error() {
    let folder = corpus();
    let mut cases = 0;
    for entry in std::fs::read_dir(&folder).expect("the corpus") {
        let path = entry.expect("an entry").path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let case: toml::Table = std::fs::read_to_string(&path)
            .expect("reads")
            .parse()
            .expect("a TOML case");
        let err = run(&case, &folder);
        let name = path.display();
        assert_eq!(
            err.kind().as_str(),
            case["kind"].as_str().expect("kind"),
            "{name}: {err}"
        );
        let message = case["message"].as_str().expect("message");
        assert!(
            err.to_string().contains(message),
            "{name}: '{message}' not in: {err}"
        );
        cases += 1;
    }
    assert!(cases >= 15, "only {cases} cases");
}
