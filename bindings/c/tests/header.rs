//! Drift check: `include/upsell.h` must be exactly what cbindgen generates from `src/`.
//!
//! Regenerate after changing the C API with
//! `UPSELL_BLESS=1 cargo test -p upsell-capi --test header`, then commit the header.

use std::path::Path;

fn generate() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config =
        cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml parses");
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(root.join("src/lib.rs"))
        .generate()
        .expect("cbindgen generates the header");
    let mut bytes = Vec::new();
    bindings.write(&mut bytes);
    String::from_utf8(bytes).expect("the header is UTF-8")
}

#[test]
fn header_matches_the_source() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("include/upsell.h");
    let generated = generate();
    if std::env::var_os("UPSELL_BLESS").is_some() {
        std::fs::write(&path, &generated).expect("include/upsell.h is writable");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != generated {
        let first = committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || "the lengths differ".to_owned(),
                |i| format!("first difference at line {}", i + 1),
            );
        panic!(
            "{} is out of date with bindings/c/src ({first}).\n\
             Regenerate it with:\n    UPSELL_BLESS=1 cargo test -p upsell-capi --test header\n\
             and commit the result.",
            path.display()
        );
    }
}
