//! Writing itemsets: CSV (`itemset,count,support`) and JSON Lines, fast enough for millions of rows.
//!
//! The one idea: everything that depends only on an item (its label, CSV-escaped or JSON-encoded,
//! and whether it forces quotes) is rendered once before the loop, so writing an itemset is a few
//! inlined copies into a reused 1 MiB chunk, with no allocation, no dynamic dispatch and no
//! formatting machinery per row; a full chunk is one `write` call. Supports
//! depend only on the count, so their text is cached by count too.
//!
//! Files go through the core's [`FileWriter`]: a regular file is written under a unique temporary
//! name beside it and renamed at the end, so a failed, interrupted or concurrent run never leaves
//! a truncated file under the name asked for (nor clobbers an old one); a FIFO or device is
//! written as it is.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use indicatif::ProgressBar;
use upsell::Control;
use upsell::data::ItemDictionary;
use upsell::mining::Itemsets;
use upsell::write::FileWriter;

use crate::error::CliError;

/// Rows between two checks of Ctrl-C and two progress updates.
const ROWS_PER_CHECK: usize = 1 << 16;
/// Rows are appended to an in-memory chunk (cheap, inlined copies) handed to the writer when full.
const CHUNK_BYTES: usize = 1 << 20;
/// Output buffer for small writes; chunks of rows are larger and pass straight through.
const BUFFER_BYTES: usize = 1 << 16;

/// The layout of written itemsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// `itemset,count,support`, items joined by the item separator inside one field.
    Csv,
    /// One JSON object a line: `{"itemset":[...],"count":N,"support":x}`.
    Jsonl,
}

impl OutputFormat {
    /// The format named by `path`'s extension (`.csv`, `.jsonl`/`.ndjson`).
    pub fn from_path(path: &Path) -> Result<Self, CliError> {
        let extension = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match extension.as_deref() {
            Some("csv") => Ok(OutputFormat::Csv),
            Some("jsonl" | "ndjson") => Ok(OutputFormat::Jsonl),
            _ => Err(CliError::Usage(format!(
                "cannot tell the output format of '{}': name it .csv or .jsonl, or pass --output-format csv|jsonl",
                path.display()
            ))),
        }
    }
}

/// `--output` and `--output-format`, shared by the commands that write a table of results.
#[derive(Debug, clap::Args)]
pub struct OutputArgs {
    /// Write every result to PATH.csv or PATH.jsonl (`-` for CSV on stdout); without it a summary
    /// and the top results are shown.
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,

    /// The output format [default: from the --output extension; csv for `-`].
    #[arg(long, value_name = "FORMAT")]
    pub output_format: Option<OutputFormat>,
}

impl OutputArgs {
    /// The destination, opened now so that an unwritable one fails before any work; `None`
    /// without `--output`.
    pub fn open(&self) -> Result<Option<Destination>, CliError> {
        let open = |path: &PathBuf| Destination::open(path, self.output_format);
        self.output.as_ref().map(open).transpose()
    }
}

/// Where results go: stdout (`-`) or a file, complete under its name only after
/// [`Destination::finish`].
pub struct Destination {
    /// The name the user gave (`-` for stdout).
    pub path: PathBuf,
    /// The format to write.
    pub format: OutputFormat,
    writer: Writer,
}

enum Writer {
    Stdout(BufWriter<io::StdoutLock<'static>>),
    File(FileWriter),
}

impl Destination {
    /// Opens `path` for writing now, so an unwritable destination fails before any mining.
    pub fn open(path: &Path, format: Option<OutputFormat>) -> Result<Self, CliError> {
        if path.as_os_str() == "-" {
            let writer = BufWriter::with_capacity(BUFFER_BYTES, io::stdout().lock());
            let format = format.unwrap_or(OutputFormat::Csv);
            return Ok(Destination {
                path: path.to_path_buf(),
                format,
                writer: Writer::Stdout(writer),
            });
        }
        let format = match format {
            Some(format) => format,
            None => OutputFormat::from_path(path)?,
        };
        Ok(Destination {
            path: path.to_path_buf(),
            format,
            writer: Writer::File(open_file(path)?),
        })
    }

    /// Writes every itemset, naming items by `labels`, under a progress bar, and finishes: the
    /// returned path is complete.
    pub fn write_itemsets(
        mut self,
        itemsets: &Itemsets,
        labels: &ItemDictionary,
        separator: &str,
        control: &Control,
    ) -> Result<PathBuf, CliError> {
        let format = self.format;
        let bar = crate::progress::rows("writing", itemsets.len() as u64);
        let writer = self.writer();
        let written = match format {
            OutputFormat::Csv => write_csv(writer, itemsets, labels, separator, control, &bar),
            OutputFormat::Jsonl => write_jsonl(writer, itemsets, labels, control, &bar),
        };
        bar.finish_and_clear();
        written.map_err(|stop| stop.at(&self.path))?;
        let path = self.path.clone();
        self.finish()?;
        Ok(path)
    }

    /// The raw writer, for outputs other than itemsets (rules, recommendations).
    pub fn writer(&mut self) -> &mut dyn Write {
        match &mut self.writer {
            Writer::Stdout(stdout) => stdout,
            Writer::File(file) => file,
        }
    }

    /// Flushes, and moves a file to its final name.
    pub fn finish(self) -> Result<(), CliError> {
        match self.writer {
            Writer::Stdout(mut stdout) => {
                stdout.flush().map_err(|e| CliError::write(&self.path, e))
            }
            Writer::File(file) => commit_file(file),
        }
    }
}

/// Opens a file through the core's [`FileWriter`], registering its temporary file for removal
/// should a signal end the process.
pub fn open_file(path: &Path) -> Result<FileWriter, CliError> {
    let file = FileWriter::create(path)?;
    if let Some(temporary) = file.temporary() {
        crate::interrupt::remove_on_exit(temporary);
    }
    Ok(file)
}

/// Commits a file opened by [`open_file`].
pub fn commit_file(file: FileWriter) -> Result<(), CliError> {
    let temporary = file.temporary().map(Path::to_owned);
    let committed = file.commit();
    if let Some(temporary) = temporary {
        crate::interrupt::forget(&temporary);
    }
    Ok(committed?)
}

/// Writes the CSV file at `path` with `rows`: complete under its name only once all rows are
/// written (see [`open_file`]).
pub fn write_csv_file(
    path: &Path,
    rows: impl FnOnce(&mut csv::Writer<FileWriter>) -> csv::Result<()>,
) -> Result<(), CliError> {
    let mut csv = csv::Writer::from_writer(open_file(path)?);
    rows(&mut csv).map_err(|e| CliError::write(path, e.into()))?;
    let file = csv
        .into_inner()
        .map_err(|e| CliError::write(path, e.into_error()))?;
    commit_file(file)
}

/// Prints `value` as indented JSON on stdout: the `--json` output of the commands that have one.
pub fn print_json(value: &impl serde::Serialize) -> Result<(), CliError> {
    let mut out = io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)
        .map_err(io::Error::from)
        .and_then(|()| writeln!(out))
        .map_err(CliError::stdout)
}

/// Why writing rows stopped early.
pub enum Stop {
    Io(io::Error),
    Cancelled,
}

impl Stop {
    /// The command's error for a stop while writing `path`.
    pub fn at(self, path: &Path) -> CliError {
        match self {
            Stop::Cancelled => CliError::Core(upsell::Error::Cancelled),
            Stop::Io(err) => CliError::write(path, err),
        }
    }
}

impl From<io::Error> for Stop {
    fn from(err: io::Error) -> Self {
        Stop::Io(err)
    }
}

impl From<csv::Error> for Stop {
    fn from(err: csv::Error) -> Self {
        Stop::Io(err.into())
    }
}

/// Every item's text, rendered once: `text[ends[i - 1]..ends[i]]` is item `i`.
struct Rendered {
    text: Vec<u8>,
    ends: Vec<usize>,
    /// CSV only: whether the item forces the field into quotes.
    quote: Vec<bool>,
}

impl Rendered {
    fn new(labels: &ItemDictionary, mut render: impl FnMut(&str, &mut Vec<u8>) -> bool) -> Self {
        let mut rendered = Rendered {
            text: Vec::new(),
            ends: vec![0],
            quote: Vec::with_capacity(labels.len()),
        };
        for label in labels.labels() {
            let quote = render(label, &mut rendered.text);
            rendered.quote.push(quote);
            rendered.ends.push(rendered.text.len());
        }
        rendered
    }

    #[inline]
    fn get(&self, item: u32) -> &[u8] {
        let item = item as usize;
        match (self.ends.get(item), self.ends.get(item + 1)) {
            (Some(&start), Some(&end)) => &self.text[start..end],
            _ => b"?",
        }
    }

    #[inline]
    fn quote(&self, item: u32) -> bool {
        self.quote.get(item as usize).copied().unwrap_or(false)
    }
}

fn csv_needs_quotes(text: &str) -> bool {
    text.bytes()
        .any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
}

fn write_csv(
    out: &mut dyn Write,
    itemsets: &Itemsets,
    labels: &ItemDictionary,
    separator: &str,
    control: &Control,
    bar: &ProgressBar,
) -> Result<(), Stop> {
    let rendered = Rendered::new(labels, |label, text| {
        text.extend_from_slice(label.replace('"', "\"\"").as_bytes());
        csv_needs_quotes(label)
    });
    let separator_quotes = csv_needs_quotes(separator);
    let separator_text = separator.replace('"', "\"\"");
    let separator_text = separator_text.as_bytes();
    let mut supports = SupportText::new(itemsets.baskets());
    let mut number = NumberText::default();
    write_rows(
        out,
        itemsets,
        b"itemset,count,support\n",
        control,
        bar,
        |chunk, set, count| {
            let quoted =
                (separator_quotes && set.len() > 1) || set.iter().any(|&i| rendered.quote(i));
            if quoted {
                chunk.extend_from_slice(b"\"");
            }
            for (position, &item) in set.iter().enumerate() {
                if position > 0 {
                    chunk.extend_from_slice(separator_text);
                }
                chunk.extend_from_slice(rendered.get(item));
            }
            chunk.extend_from_slice(if quoted { b"\"," } else { b"," });
            chunk.extend_from_slice(number.render(count));
            chunk.extend_from_slice(b",");
            chunk.extend_from_slice(supports.render(count));
            chunk.extend_from_slice(b"\n");
        },
    )
}

fn write_jsonl(
    out: &mut dyn Write,
    itemsets: &Itemsets,
    labels: &ItemDictionary,
    control: &Control,
    bar: &ProgressBar,
) -> Result<(), Stop> {
    let rendered = Rendered::new(labels, |label, text| {
        // Serialising a &str cannot fail; the fallback keeps the line valid JSON regardless.
        match serde_json::to_string(label) {
            Ok(json) => text.extend_from_slice(json.as_bytes()),
            Err(_) => text.extend_from_slice(b"\"?\""),
        }
        false
    });
    let mut supports = SupportText::new(itemsets.baskets());
    let mut number = NumberText::default();
    write_rows(out, itemsets, b"", control, bar, |chunk, set, count| {
        chunk.extend_from_slice(b"{\"itemset\":[");
        for (position, &item) in set.iter().enumerate() {
            if position > 0 {
                chunk.extend_from_slice(b",");
            }
            chunk.extend_from_slice(rendered.get(item));
        }
        chunk.extend_from_slice(b"],\"count\":");
        chunk.extend_from_slice(number.render(count));
        chunk.extend_from_slice(b",\"support\":");
        chunk.extend_from_slice(supports.render(count));
        chunk.extend_from_slice(b"}\n");
    })
}

/// The loop both writers share: renders each itemset with `row` into a chunk that is written out
/// once it passes `CHUNK_BYTES`, checking for cancellation and moving the bar every few rows.
fn write_rows(
    out: &mut dyn Write,
    itemsets: &Itemsets,
    header: &[u8],
    control: &Control,
    bar: &ProgressBar,
    mut row: impl FnMut(&mut Vec<u8>, &[u32], u64),
) -> Result<(), Stop> {
    let mut chunk: Vec<u8> = Vec::with_capacity(CHUNK_BYTES + (1 << 12));
    chunk.extend_from_slice(header);
    let (items, offsets, counts) = (itemsets.items(), itemsets.offsets(), itemsets.counts());
    for (k, (bounds, &count)) in offsets.windows(2).zip(counts).enumerate() {
        if k % ROWS_PER_CHECK == 0 {
            tick(control, bar, k)?;
        }
        if chunk.len() >= CHUNK_BYTES {
            out.write_all(&chunk)?;
            chunk.clear();
        }
        row(&mut chunk, &items[bounds[0]..bounds[1]], count);
    }
    out.write_all(&chunk)?;
    bar.set_position(counts.len() as u64);
    Ok(())
}

fn tick(control: &Control, bar: &ProgressBar, rows: usize) -> Result<(), Stop> {
    if control.is_cancelled() {
        return Err(Stop::Cancelled);
    }
    bar.set_position(rows as u64);
    Ok(())
}

/// Decimal text of an unsigned integer, without allocating.
#[derive(Default)]
struct NumberText {
    buffer: [u8; 20],
}

impl NumberText {
    fn render(&mut self, mut value: u64) -> &[u8] {
        let mut start = self.buffer.len();
        loop {
            start -= 1;
            self.buffer[start] = b'0' + (value % 10) as u8;
            value /= 10;
            if value == 0 {
                break;
            }
        }
        &self.buffer[start..]
    }
}

/// The text of `count / baskets` (shortest form that reads back to the same `f64`), cached by count
/// in a direct-mapped table: counts repeat a lot, and float formatting is the slowest step of a row.
struct SupportText {
    baskets: u64,
    slots: Vec<SupportSlot>,
}

#[derive(Clone)]
struct SupportSlot {
    count: u64,
    len: u8,
    text: [u8; 40],
}

const SUPPORT_SLOTS: usize = 1 << 13;

impl SupportText {
    fn new(baskets: u64) -> Self {
        let empty = SupportSlot {
            count: u64::MAX,
            len: 0,
            text: [0; 40],
        };
        SupportText {
            baskets,
            slots: vec![empty; SUPPORT_SLOTS],
        }
    }

    fn render(&mut self, count: u64) -> &[u8] {
        let slot = &mut self.slots[(count as usize) % SUPPORT_SLOTS];
        if slot.count != count {
            let support = if self.baskets == 0 {
                0.0
            } else {
                count as f64 / self.baskets as f64
            };
            let mut cursor = io::Cursor::new(&mut slot.text[..]);
            // 40 bytes hold any support of up to 2^64 baskets in Rust's shortest decimal form; the
            // fallback is only a guard.
            if write!(cursor, "{support}").is_err() {
                cursor = io::Cursor::new(&mut slot.text[..]);
                let _ = write!(cursor, "{support:e}");
            }
            slot.len = cursor.position() as u8;
            slot.count = count;
        }
        &slot.text[..usize::from(slot.len)]
    }
}

/// The first label (in item order) that contains `separator`, if any: CSV output then cannot be
/// split back into items unambiguously, and the user should hear about it.
pub fn ambiguous_label<'a>(
    itemsets: &Itemsets,
    labels: &'a ItemDictionary,
    separator: &str,
) -> Option<&'a str> {
    if separator.is_empty() {
        return labels.labels().next();
    }
    let mut used = vec![false; labels.len()];
    for &item in itemsets.items() {
        if let Some(flag) = used.get_mut(item as usize) {
            *flag = true;
        }
    }
    labels
        .labels()
        .zip(used)
        .find(|(label, used)| *used && label.contains(separator))
        .map(|(label, _)| label)
}

/// A table of the itemsets at `indices` for people: count, support in percent, item names.
pub fn print_table(
    out: &mut dyn Write,
    itemsets: &Itemsets,
    labels: &ItemDictionary,
    indices: &[usize],
) -> io::Result<()> {
    let width = indices
        .iter()
        .filter_map(|&k| itemsets.get(k))
        .map(|(_, count)| crate::summary::thousands(count).len())
        .max()
        .unwrap_or(0)
        .max("baskets".len());
    writeln!(out, "  {:>width$}  {:>7}  itemset", "baskets", "support")?;
    for &k in indices {
        let (Some((set, count)), Some(support)) = (itemsets.get(k), itemsets.support(k)) else {
            continue;
        };
        let names: Vec<&str> = set
            .iter()
            .map(|&i| labels.label(i).unwrap_or("?"))
            .collect();
        let count = crate::summary::thousands(count);
        writeln!(
            out,
            "  {count:>width$}  {:>6.2}%  {}",
            support * 100.0,
            names.join(", ")
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_render_like_display() {
        let mut number = NumberText::default();
        for value in [0, 7, 10, 407, 3_755_510, u64::MAX] {
            assert_eq!(number.render(value), value.to_string().as_bytes());
        }
    }

    #[test]
    fn supports_render_like_display_and_survive_collisions() {
        let mut supports = SupportText::new(8_124);
        for count in [407, 407 + SUPPORT_SLOTS as u64, 407, 8_124, 1] {
            let expected = (count as f64 / 8_124.0).to_string();
            assert_eq!(supports.render(count), expected.as_bytes());
        }
    }

    #[test]
    fn output_format_follows_the_extension() {
        assert_eq!(
            OutputFormat::from_path(Path::new("a.CSV")).ok(),
            Some(OutputFormat::Csv)
        );
        assert_eq!(
            OutputFormat::from_path(Path::new("a.jsonl")).ok(),
            Some(OutputFormat::Jsonl)
        );
        assert!(OutputFormat::from_path(Path::new("a.txt")).is_err());
    }
}
