//! Writes baskets from the bench generator ([`upsell_benches::quest`]) as a FIMI file (one basket a
//! line, items separated by spaces), for tools outside Rust to mine the same data.
//!
//! ```text
//! cargo run --release -p upsell-benches --bin quest -- T I D L N SEED OUT.dat
//! ```
//! `T`: average basket size, `I`: average pattern size, `D`: baskets, `L`: patterns, `N`: items.

use std::io::Write;
use std::process::ExitCode;

use upsell_benches::{Quest, quest};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("quest: {message}\nusage: quest T I D L N SEED OUT.dat");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<(), String> {
    let [t, i, d, l, n, seed, out] = args else {
        return Err(format!("expected 7 arguments, got {}", args.len()));
    };
    let number = |name: &str, text: &str| -> Result<f64, String> {
        text.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v > 0.0)
            .ok_or_else(|| format!("{name} must be a positive number, got '{text}'"))
    };
    let params = Quest {
        average_basket: number("T", t)?,
        average_pattern: number("I", i)?,
        baskets: number("D", d)? as usize,
        patterns: number("L", l)? as usize,
        items: number("N", n)? as u32,
        seed: seed
            .parse()
            .map_err(|_| format!("SEED must be an integer, got '{seed}'"))?,
    };
    let baskets = quest(&params);
    let file = std::fs::File::create(out).map_err(|e| format!("{out}: {e}"))?;
    let mut writer = std::io::BufWriter::new(file);
    for basket in baskets.iter() {
        let line: Vec<String> = basket.iter().map(u32::to_string).collect();
        writeln!(writer, "{}", line.join(" ")).map_err(|e| format!("{out}: {e}"))?;
    }
    writer.flush().map_err(|e| format!("{out}: {e}"))
}
