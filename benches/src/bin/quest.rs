//! Writes a Quest-style synthetic basket log ([`upsell_benches::quest`]) as a FIMI file (one basket
//! a line, items separated by spaces), for the scale benches that read files (Spark, other tools).
//!
//! ```text
//! cargo run --release -p upsell-benches --bin quest -- BASKETS PATH [--items N] [--basket T] [--pattern I] [--patterns L] [--seed S]
//! ```
//!
//! Defaults: 5,000 items, 10 items a basket on average (T10), patterns of 4 (I4), 2,000 patterns,
//! seed 42.

use std::io::{BufWriter, Write};
use std::process::ExitCode;

use upsell_benches::{Quest, quest};

const USAGE: &str = "usage: quest BASKETS PATH [--items N] [--basket T] [--pattern I] [--patterns L] [--seed S]";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("quest: {message}\n{USAGE}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> Result<(), String> {
    let [baskets, path, options @ ..] = args.as_slice() else {
        return Err("BASKETS and PATH are required".into());
    };
    let mut params = Quest::new(10.0, 4.0, number(baskets, "BASKETS")?);
    params.items = 5_000;
    for pair in options.chunks(2) {
        let [name, value] = pair else {
            return Err(format!("{} needs a value", pair[0]));
        };
        match name.as_str() {
            "--items" => params.items = number(value, name)?,
            "--basket" => params.average_basket = number(value, name)?,
            "--pattern" => params.average_pattern = number(value, name)?,
            "--patterns" => params.patterns = number(value, name)?,
            "--seed" => params.seed = number(value, name)?,
            _ => return Err(format!("unknown option {name}")),
        }
    }
    let generated = quest(&params);
    let file = std::fs::File::create(path).map_err(|e| format!("cannot create {path}: {e}"))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let write_error = |e: std::io::Error| format!("cannot write {path}: {e}");
    for basket in generated.iter() {
        for (k, item) in basket.iter().enumerate() {
            if k > 0 {
                out.write_all(b" ").map_err(write_error)?;
            }
            write!(out, "{item}").map_err(write_error)?;
        }
        out.write_all(b"\n").map_err(write_error)?;
    }
    out.flush().map_err(write_error)
}

fn number<T: std::str::FromStr>(text: &str, name: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("{name}: '{text}' is not a valid number"))
}
