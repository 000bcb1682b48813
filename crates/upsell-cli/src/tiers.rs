//! `upsell tiers`: tier migration from subscription history (plan changes, median days to
//! upgrade, skipped tiers), then the tier analysis of today's plans (the core's
//! `pricing::tier_migration` and `pricing::analyse_tiers` do the work, after
//! `SubscriptionRecord::read_csv` reads the history; this file names the columns and prints).

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use upsell::pricing::{
    Currency, HistoryColumns, MigrationOptions, SubscriptionRecord, TierMigration, TierOptions,
    TierRow, analyse_tiers, tier_migration,
};

use crate::error::CliError;
use crate::mine::core_value;

/// Arguments of `upsell tiers`.
#[derive(Debug, Args)]
pub struct TiersArgs {
    /// Subscription history, one row per plan start or change with a header: customer, date
    /// (UTC), plan, MRR; each customer's rows in date order.
    history: PathBuf,
    /// The customer column.
    #[arg(long, value_name = "COLUMN", default_value = "customer")]
    customer_col: String,
    /// The date column (RFC 3339 or YYYY-MM-DD, read as UTC).
    #[arg(long, value_name = "COLUMN", default_value = "date")]
    date_col: String,
    /// The plan column.
    #[arg(long, value_name = "COLUMN", default_value = "plan")]
    plan_col: String,
    /// The monthly recurring revenue column (decimal amounts).
    #[arg(long, value_name = "COLUMN", default_value = "mrr")]
    mrr_col: String,
    /// The currency of the amounts (ISO 4217).
    #[arg(long, value_name = "CODE", value_parser = core_value::<Currency>, default_value = "USD")]
    currency: Currency,
    /// The tiers, lowest first [default: by each plan's median MRR].
    #[arg(long, value_name = "PLAN,...", value_delimiter = ',')]
    tiers: Option<Vec<String>>,
}

/// Runs `upsell tiers`.
pub fn run(args: &TiersArgs) -> Result<(), CliError> {
    let columns = HistoryColumns {
        customer: args.customer_col.clone(),
        date: args.date_col.clone(),
        plan: args.plan_col.clone(),
        mrr: args.mrr_col.clone(),
    };
    let history = SubscriptionRecord::read_csv(&args.history, &columns, args.currency)?;
    let options = MigrationOptions {
        tiers: args.tiers.clone(),
    };
    let found = tier_migration(&history, &options)?;
    let tiers = analyse_tiers(&found.current_tiers(), &TierOptions::default());
    let mut out = std::io::stdout().lock();
    summary(&mut out, &found)
        .and_then(|()| today(&mut out, &found, tiers))
        .map_err(CliError::stdout)
}

/// Today's tiers, or why there is no tier analysis.
fn today(
    out: &mut dyn Write,
    found: &TierMigration,
    tiers: upsell::Result<Vec<TierRow>>,
) -> std::io::Result<()> {
    let rows = match tiers {
        Ok(rows) => rows,
        Err(e) => return writeln!(out, "\nno tier analysis: {e}"),
    };
    writeln!(
        out,
        "\ntoday's tiers ({} customers each on their last plan)\n{:<26} {:>12} {:>7} {:>6} {:>5}  bridge",
        found.customers, "tier", "price", "share", "step", "gap"
    )?;
    for r in rows {
        writeln!(
            out,
            "{:<26} {:>12} {:>7.3} {:>6} {:>5}  {}",
            r.tier.name,
            r.tier.price.to_string(),
            r.customer_share,
            r.step_ratio.map_or(String::new(), |s| format!("{s:.2}")),
            if r.gap { "yes" } else { "" },
            r.bridge_price.map_or(String::new(), |b| b.to_string())
        )?;
    }
    Ok(())
}

fn summary(out: &mut dyn Write, found: &TierMigration) -> std::io::Result<()> {
    let days = |d: Option<f64>| d.map_or("-".to_owned(), |d| format!("{d:.1}"));
    writeln!(
        out,
        "{} customers: {} upgrades, {} downgrades; median days to upgrade {}",
        found.customers,
        found.upgrades,
        found.downgrades,
        days(found.median_days_to_upgrade)
    )?;
    write!(out, "\nplan changes (from row, to column)\n{:<16}", "")?;
    for tier in &found.tiers {
        write!(out, " {tier:>10.10}")?;
    }
    writeln!(out)?;
    for (tier, counts) in found.tiers.iter().zip(&found.matrix) {
        write!(out, "{tier:<16.16}")?;
        for count in counts {
            write!(out, " {count:>10}")?;
        }
        writeln!(out)?;
    }
    writeln!(
        out,
        "\ntier             customers          price  up  down  days to up  skipped/into  skip share"
    )?;
    for t in &found.by_tier {
        writeln!(
            out,
            "{:<16} {:>9} {:>14} {:>3} {:>5} {:>11} {:>8}/{:<5} {:>10}",
            t.tier,
            t.customers,
            t.price.to_string(),
            t.upgrades_from,
            t.downgrades_from,
            days(t.median_days_to_upgrade),
            t.upgrades_past,
            t.upgrades_into,
            t.skip_share.map_or("-".to_owned(), |s| format!("{s:.3}"))
        )?;
    }
    Ok(())
}
