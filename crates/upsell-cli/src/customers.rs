//! The customers file of the `triggers` commands (`eval`, `check --data`, `discover`, `gaps`): a
//! CSV file, or a Parquet file when its name ends in `.parquet`.
//!
//! The one idea: a Parquet file is read into Arrow record batches and handed to the core's
//! `upsell::arrow`, the converter the Python and C surfaces use, so its values mean here what the
//! same file means from pyarrow (exact decimals, timestamps of any unit and zone, strings of any
//! layout, nulls). This file only opens the file and puts its name in the errors.

use std::path::Path;

use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use upsell::triggers::{Batch, Schema, read_customers_csv};
use upsell::{Error, Location};

/// Reads the customers of `path`: Parquet by its `.parquet` extension (any case), CSV otherwise.
/// `declared` is the rule file's schema: every column it declares must be in the file, and its
/// types win where the file leaves a choice (CSV text, float columns). `threads` converts the
/// Parquet columns in parallel (`None`: the default).
pub fn read_customers(
    path: &Path,
    declared: Option<&Schema>,
    threads: Option<usize>,
) -> Result<Batch, Error> {
    if is_parquet(path) {
        read_parquet(path, declared, threads)
    } else {
        read_customers_csv(path, declared)
    }
}

fn is_parquet(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
}

fn read_parquet(
    path: &Path,
    declared: Option<&Schema>,
    threads: Option<usize>,
) -> Result<Batch, Error> {
    let file = std::fs::File::open(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    let unreadable = |e: parquet::errors::ParquetError| {
        Error::invalid_input(
            Location::file(path),
            format!("cannot read the Parquet file: {e}"),
        )
    };
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(unreadable)?;
    if let Some(declared) = declared {
        // As the CSV reader does, before any row is read (`check --data` does not evaluate).
        let schema = builder.schema();
        declared.check_present(|name| schema.index_of(name).is_ok(), Location::file(path))?;
    }
    let reader = builder.build().map_err(unreadable)?;
    upsell::arrow::customers_from_stream(reader, declared, threads).map_err(|e| in_file(e, path))
}

/// `err` with `path` as its file when it names none (the core's Arrow reader knows rows and
/// columns, not the file they came from).
fn in_file(err: Error, path: &Path) -> Error {
    match err {
        Error::InvalidInput {
            mut location,
            message,
        } if location.path.is_none() => {
            location.path = Some(path.to_owned());
            Error::InvalidInput { location, message }
        }
        other => other,
    }
}
