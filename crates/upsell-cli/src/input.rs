//! The input arguments shared by every command that reads a basket file.

use std::path::PathBuf;

use clap::Args;
use upsell::data::{Dataset, Format, ReadOptions};

use crate::mine::core_value;

/// Where the baskets come from and how the file is laid out.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// The basket file: FIMI (.dat), one basket a line (.csv) or long CSV (with --basket-col and
    /// --item-col); gzip is detected from the content.
    pub file: PathBuf,

    /// The file's layout [default: guessed from the name: .dat is fimi, .csv is baskets, or long
    /// when --basket-col is given].
    #[arg(long, value_name = "fimi|baskets|long", value_parser = core_value::<Format>)]
    pub format: Option<Format>,

    /// The field delimiter of CSV input (one character, or `tab`) [default: ,].
    #[arg(long, value_name = "C", value_parser = delimiter)]
    pub delimiter: Option<u8>,

    /// Long CSV: a column identifying the basket; repeat it for a key of several columns
    /// (--basket-col Member_number --basket-col Date).
    #[arg(long = "basket-col", value_name = "COLUMN", requires = "item_column")]
    pub basket_columns: Vec<String>,

    /// Long CSV: the item column.
    #[arg(long = "item-col", value_name = "COLUMN")]
    pub item_column: Option<String>,
}

impl InputArgs {
    /// The read options these arguments describe.
    pub fn options(&self) -> ReadOptions {
        ReadOptions {
            format: self.format,
            delimiter: self.delimiter,
            basket_columns: self.basket_columns.clone(),
            item_column: self.item_column.clone(),
            ..ReadOptions::default()
        }
    }

    /// Reads the file, warning on stderr when its shape suggests the wrong format.
    pub fn read(&self) -> upsell::Result<Dataset> {
        let data = Dataset::read(&self.file, &self.options())?;
        if let Some(warning) = data.baskets.shape_warning() {
            eprintln!(
                "warning: {}: {warning} (read as {}; see --format and --delimiter)",
                self.file.display(),
                data.format.name()
            );
        }
        Ok(data)
    }
}

/// `--delimiter`, read by the core's rule.
pub fn delimiter(text: &str) -> Result<u8, String> {
    upsell::data::parse_delimiter(text).map_err(|e| e.to_string())
}
