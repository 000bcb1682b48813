//! Replays every kept input of every fuzz target: the seed corpus (`corpus/<target>/`) and the
//! inputs that once crashed (`regressions/<target>/`), so each fix stays fixed in the ordinary
//! test run, without libFuzzer.

use std::path::Path;

#[test]
fn every_kept_input_runs_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut replayed = 0;
    for (name, target) in upsell_fuzz::TARGETS {
        for folder in ["corpus", "regressions"] {
            let Ok(entries) = std::fs::read_dir(root.join(folder).join(name)) else {
                continue;
            };
            for entry in entries {
                let path = entry.expect("a readable folder").path();
                let data = std::fs::read(&path).expect("a readable input");
                let outcome = std::panic::catch_unwind(|| target(&data));
                assert!(outcome.is_ok(), "{name} panicked on {}", path.display());
                replayed += 1;
            }
        }
    }
    assert!(
        replayed >= upsell_fuzz::TARGETS.len(),
        "each target has a seed input"
    );
}
