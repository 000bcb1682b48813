//! `upsell affinity`: which of the top items sell together, as a table of actionable pairs, and
//! optionally the item x item matrix as CSV.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use upsell::rules::affinity;

use crate::error::CliError;
use crate::input::InputArgs;
use crate::summary::{Summary, thousands};

/// The matrix written with --output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MatrixMeasure {
    /// Baskets holding both items.
    Count,
    /// P(column | row).
    Confidence,
    /// Confidence over the column item's support.
    Lift,
}

/// Arguments of `upsell affinity`.
#[derive(Debug, Args)]
pub struct AffinityArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// How many of the most frequent items the matrix covers.
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub top: usize,

    /// Actionable pairs: minimum share of baskets holding both items.
    #[arg(long, value_name = "F", default_value_t = 0.03)]
    pub min_support: f64,

    /// Actionable pairs: minimum lift.
    #[arg(long, value_name = "L", default_value_t = 1.5)]
    pub min_lift: f64,

    /// Write the item x item matrix of --measure to this CSV file.
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,

    /// The matrix written with --output.
    #[arg(long, value_enum, default_value = "lift")]
    pub measure: MatrixMeasure,

    /// Worker threads.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

/// Runs `upsell affinity`.
pub fn run(args: &AffinityArgs) -> Result<(), CliError> {
    let data = args.input.read()?;
    let matrix = affinity(&data.baskets, args.top, args.threads)?;
    let pairs = matrix.actionable_pairs(args.min_support, args.min_lift)?;
    let label = |i: u32| data.items.label(i).unwrap_or("?");
    let mut summary = Summary::default();
    summary.add("file", args.input.file.display().to_string());
    summary.add("baskets", thousands(matrix.baskets));
    summary.add(
        "items",
        format!(
            "top {} of {}",
            matrix.items.len(),
            thousands(data.items.len() as u64)
        ),
    );
    summary.add(
        "pairs",
        format!(
            "{} with support >= {} and lift >= {}",
            pairs.len(),
            args.min_support,
            args.min_lift
        ),
    );
    if let Some(path) = &args.output {
        crate::output::write_csv_file(path, |csv| {
            let mut header = vec![String::new()];
            header.extend(matrix.items.iter().map(|&i| label(i).to_owned()));
            csv.write_record(&header)?;
            for (r, &item) in matrix.items.iter().enumerate() {
                let mut row = vec![label(item).to_owned()];
                row.extend((0..matrix.items.len()).map(|c| match args.measure {
                    MatrixMeasure::Count => matrix.counts[[r, c]].to_string(),
                    MatrixMeasure::Confidence => matrix.confidence[[r, c]].to_string(),
                    MatrixMeasure::Lift => matrix.lift[[r, c]].to_string(),
                }));
                csv.write_record(&row)?;
            }
            Ok(())
        })?;
        summary.add("output", path.display().to_string());
    }
    summary.print();
    let mut out = std::io::stdout().lock();
    let io = CliError::stdout;
    writeln!(
        out,
        "{:>7} {:>8} {:>8} {:>8} {:>7}  pair",
        "lift", "support", "P(b|a)", "P(a|b)", "count"
    )
    .map_err(io)?;
    for p in &pairs {
        writeln!(
            out,
            "{:>7.3} {:>8.4} {:>8.3} {:>8.3} {:>7}  {} + {}",
            p.lift,
            p.support,
            p.confidence_ab,
            p.confidence_ba,
            p.count,
            label(p.a),
            label(p.b)
        )
        .map_err(io)?;
    }
    Ok(())
}
