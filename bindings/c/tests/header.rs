//! Drift check: `include/upsell.h` must be exactly what cbindgen generates from `src/`.
//!
//! Regenerate after changing the C API with
//! `UPSELL_BLESS=1 cargo test -p upsell-capi --test header`, then commit the header.

use std::path::Path;

/// The status enum as Rust source, from the table the library's enum is generated from
/// (`src/status_table.rs`, expanded there by `src/status.rs`): cbindgen does not expand macros,
/// so it reads the enum from this text.
macro_rules! status_table {
    (
        $(#[doc = $doc:literal])*
        pub enum $name:ident {
            $(
                $(#[doc = $variant_doc:literal])*
                $variant:ident = $number:literal $(from $kind:ident)?, $description:literal;
            )*
        }
    ) => {
        concat!(
            $("#[doc = ", stringify!($doc), "]\n",)*
            "#[repr(C)]\npub enum ", stringify!($name), " {\n",
            $(
                $("#[doc = ", stringify!($variant_doc), "]\n",)*
                stringify!($variant), " = ", stringify!($number), ",\n",
            )*
            "}\n"
        )
    };
}

const STATUS_ENUM: &str = include!("../src/status_table.rs");

fn generate() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config =
        cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml parses");
    let status = Path::new(env!("CARGO_TARGET_TMPDIR")).join("upsell_status.rs");
    std::fs::write(&status, STATUS_ENUM).expect("the target directory is writable");
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(root.join("src/lib.rs"))
        .with_src(status)
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
