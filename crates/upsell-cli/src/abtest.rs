//! `upsell abtest`: the two-proportion z-test of an A/B test, the lift with its confidence
//! interval and a verdict; or, with `--baseline` and `--mde`, the sample size to plan one.

use std::io::Write;

use clap::Args;
use upsell::metrics::{AbTestResult, ab_test, sample_size};

use crate::error::CliError;
use crate::output::print_json;

/// Arguments of `upsell abtest`.
#[derive(Debug, Args)]
pub struct AbTestArgs {
    /// Conversions in arm A (control).
    #[arg(long, value_name = "N", requires_all = ["n_a", "conversions_b", "n_b"], required_unless_present = "baseline")]
    pub conversions_a: Option<u64>,

    /// Visitors in arm A.
    #[arg(long, value_name = "N")]
    pub n_a: Option<u64>,

    /// Conversions in arm B (treatment).
    #[arg(long, value_name = "N")]
    pub conversions_b: Option<u64>,

    /// Visitors in arm B.
    #[arg(long, value_name = "N")]
    pub n_b: Option<u64>,

    /// Significance level (two-sided).
    #[arg(long, value_name = "P", default_value_t = 0.05)]
    pub alpha: f64,

    /// How many times the data was tested while it came in (peeking); above 1 prints a warning.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub looks: u32,

    /// Planning: the baseline conversion rate (e.g. 0.05).
    #[arg(
        long,
        value_name = "RATE",
        requires = "mde",
        conflicts_with = "conversions_a"
    )]
    pub baseline: Option<f64>,

    /// Planning: the minimum detectable effect, absolute (0.01 is one point).
    #[arg(long, value_name = "DELTA")]
    pub mde: Option<f64>,

    /// Planning: the power.
    #[arg(long, value_name = "P", default_value_t = 0.8)]
    pub power: f64,

    /// Print the result as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Runs `upsell abtest`.
pub fn run(args: &AbTestArgs) -> Result<(), CliError> {
    if let (Some(baseline), Some(mde)) = (args.baseline, args.mde) {
        let plan = sample_size(baseline, mde, args.alpha, args.power)?;
        if args.json {
            return print_json(&plan);
        }
        return writeln!(
            std::io::stdout().lock(),
            "baseline {:.4} -> {:.4} (effect size h {:.4}), alpha {}, power {}: {} visitors per arm ({:.2} exact)",
            plan.baseline,
            plan.target,
            plan.effect_size,
            plan.alpha,
            plan.power,
            plan.n_per_arm,
            plan.n_per_arm_exact
        )
        .map_err(CliError::stdout);
    }
    let missing = || {
        CliError::Usage(
            "give --conversions-a, --n-a, --conversions-b and --n-b (or --baseline and --mde)"
                .to_owned(),
        )
    };
    let result = ab_test(
        args.conversions_a.ok_or_else(missing)?,
        args.n_a.ok_or_else(missing)?,
        args.conversions_b.ok_or_else(missing)?,
        args.n_b.ok_or_else(missing)?,
        args.alpha,
        args.looks,
    )?;
    if let Some(warning) = &result.peeking_warning {
        eprintln!("warning: {warning}");
    }
    if args.json {
        return print_json(&result);
    }
    print_test(&mut std::io::stdout().lock(), &result).map_err(CliError::stdout)
}

fn print_test(out: &mut dyn Write, result: &AbTestResult) -> std::io::Result<()> {
    let percent = |v: f64| format!("{:+.2}%", v * 100.0);
    let lift = result.lift.map_or_else(|| "-".to_owned(), percent);
    let lift_ci = result.lift_ci.map_or_else(
        || "-".to_owned(),
        |(l, h)| format!("[{}, {}]", percent(l), percent(h)),
    );
    writeln!(
        out,
        "rate A      {:.4}\nrate B      {:.4}",
        result.rate_a, result.rate_b
    )?;
    writeln!(
        out,
        "difference  {} [{}, {}]",
        percent(result.difference),
        percent(result.difference_ci.0),
        percent(result.difference_ci.1)
    )?;
    writeln!(out, "lift        {lift} {lift_ci}")?;
    writeln!(
        out,
        "z           {:.4}\np-value     {:.6}",
        result.z, result.p_value
    )?;
    writeln!(
        out,
        "verdict     {} (alpha {})",
        result.verdict.as_str(),
        result.alpha
    )
}
