//! Model files: a model fitted offline, loaded by a backend. One design for every kind of model
//! ([`Kind`]: the rule recommender's here, EASE's in `ease/file.rs`).
//!
//! Two encodings of one data struct: JSON (readable, diffable; a top-level `format` and
//! `version`, as tokenizers does) and a compact binary (an 8-byte magic such as `UPSELLRM`, a
//! little-endian `u32` format version, then postcard's varint encoding of the same data). Both are
//! checked on load: a wrong magic, a newer version, a truncated body or inconsistent arrays each
//! give an [`Error::Parse`] about a model file ([`MODEL_FILE`]) that says which, never a panic.
//! Files are written by the atomic writer. Derived data (the recommender's hash index) is rebuilt
//! on load: rebuilding 100,000 rules takes milliseconds.

use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{ItemPrices, Recommender};
use crate::data::ItemId;
use crate::{Diagnostic, Error, Location, Result};

/// The format version written by this library; files of a newer version are refused.
const FORMAT_VERSION: u32 = 1;

/// One kind of model file: its JSON `format` name, its binary magic, and what errors call it.
pub(super) struct Kind {
    pub format: &'static str,
    pub magic: &'static [u8; 8],
    pub what: &'static str,
}

const RECOMMENDER: Kind = Kind {
    format: "upsell-recommender",
    magic: b"UPSELLRM",
    what: "upsell recommender model",
};

/// Everything a model holds; the index is derived from it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(super) struct ModelData {
    pub labels: Vec<String>,
    pub item_counts: Vec<u64>,
    pub baskets: u64,
    pub antecedents: Vec<ItemId>,
    pub antecedent_offsets: Vec<usize>,
    pub consequents: Vec<ItemId>,
    pub counts: Vec<u64>,
    pub antecedent_counts: Vec<u64>,
    pub prices: Option<ItemPrices>,
}

/// A model as JSON: the format's name and version first, then the data's own fields.
#[derive(serde::Serialize, serde::Deserialize)]
struct JsonModel<T> {
    format: String,
    version: u32,
    #[serde(flatten)]
    data: T,
}

impl ModelData {
    pub(super) fn antecedent(&self, rule: usize) -> &[ItemId] {
        &self.antecedents[self.antecedent_offsets[rule]..self.antecedent_offsets[rule + 1]]
    }

    /// Every array agrees with every other; each id names a label.
    pub(super) fn validate(&self) -> Result<()> {
        let bad = |message: String| {
            Err(model_error(
                Location::memory(),
                format!("inconsistent model: {message}"),
            ))
        };
        let rules = self.consequents.len();
        if self.item_counts.len() != self.labels.len() {
            return bad(format!(
                "{} labels but {} item counts",
                self.labels.len(),
                self.item_counts.len()
            ));
        }
        if self.counts.len() != rules
            || self.antecedent_counts.len() != rules
            || self.antecedent_offsets.len() != rules + 1
        {
            return bad(format!("{rules} rules but arrays of other lengths"));
        }
        if self.antecedent_offsets.first() != Some(&0)
            || self.antecedent_offsets.last() != Some(&self.antecedents.len())
            || self.antecedent_offsets.windows(2).any(|w| w[0] > w[1])
        {
            return bad("antecedent offsets out of order".to_owned());
        }
        let n = self.labels.len() as u64;
        if let Some(&id) = self
            .antecedents
            .iter()
            .chain(&self.consequents)
            .find(|&&i| u64::from(i) >= n)
        {
            return bad(format!("item id {id} beyond the {n} labels"));
        }
        for r in 0..rules {
            let antecedent = self.antecedent(r);
            if antecedent.is_empty() || antecedent.windows(2).any(|w| w[0] >= w[1]) {
                return bad(format!("rule {r} has an empty or unsorted antecedent"));
            }
            if self.counts[r] > self.antecedent_counts[r]
                || self.antecedent_counts[r] > self.baskets
            {
                return bad(format!("rule {r} has counts out of order"));
            }
            let consequent_count = self.item_counts[self.consequents[r] as usize];
            if self.counts[r] > consequent_count {
                return bad(format!(
                    "rule {r} counts more baskets than its consequent's"
                ));
            }
        }
        if let Some(prices) = &self.prices {
            if prices.minor.len() != self.labels.len() {
                return bad(format!(
                    "{} prices for {} labels",
                    prices.minor.len(),
                    self.labels.len()
                ));
            }
        }
        if self.antecedent_counts.contains(&0) {
            return bad("an antecedent with count 0".to_owned());
        }
        Ok(())
    }
}

impl Recommender {
    /// The model as JSON.
    ///
    /// ```
    /// use upsell::recommend::Recommender;
    /// use upsell::rules::Rules;
    /// let model = Recommender::from_parts(&Rules::default(), vec!["tea".into()], vec![3], 5)?;
    /// let json = model.to_json();
    /// assert!(json.starts_with(r#"{"format":"upsell-recommender","version":1"#));
    /// assert_eq!(Recommender::from_json(&json)?.item_count(), 1);
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn to_json(&self) -> String {
        RECOMMENDER.json(&self.data)
    }

    /// A model from [`Recommender::to_json`]'s text.
    pub fn from_json(text: &str) -> Result<Self> {
        Self::index(RECOMMENDER.parse_json(text)?)
    }

    /// The model in the compact binary encoding.
    ///
    /// ```
    /// use upsell::recommend::Recommender;
    /// use upsell::rules::Rules;
    /// let model = Recommender::from_parts(&Rules::default(), vec!["tea".into()], vec![3], 5)?;
    /// let bytes = model.to_bytes();
    /// assert_eq!(&bytes[..8], b"UPSELLRM");
    /// let err = Recommender::from_bytes(&bytes[..bytes.len() - 1]).unwrap_err();
    /// assert!(err.to_string().contains("truncated"));
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        RECOMMENDER.bytes(&self.data)
    }

    /// A model from [`Recommender::to_bytes`]'s bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        Self::index(RECOMMENDER.parse_bytes(bytes)?)
    }

    /// Saves the model: JSON when the path ends in `.json`, else binary.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        RECOMMENDER.save(path.as_ref(), &self.data)
    }

    /// Loads a model saved by [`Recommender::save`] (the encoding is recognised by its first bytes).
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        Self::index(RECOMMENDER.load(path.as_ref())?)
    }
}

impl Kind {
    pub(super) fn json<T: Serialize>(&self, data: &T) -> String {
        let model = JsonModel {
            format: self.format.to_owned(),
            version: FORMAT_VERSION,
            data,
        };
        serde_json::to_string(&model).unwrap_or_else(|e| unreachable!("plain data serialises: {e}"))
    }

    pub(super) fn parse_json<T: DeserializeOwned>(&self, text: &str) -> Result<T> {
        #[derive(serde::Deserialize)]
        struct Header {
            format: Option<String>,
            version: Option<u32>,
        }
        let at = |e: &serde_json::Error| {
            Location::memory()
                .line(e.line() as u64)
                .column(e.column() as u64)
        };
        let header: Header = serde_json::from_str(text)
            .map_err(|e| model_error(at(&e), format!("not valid JSON: {e}")))?;
        if header.format.as_deref() != Some(self.format) {
            return Err(model_error(
                Location::memory(),
                format!(
                    "not an {} (format {:?}, expected \"{}\")",
                    self.what, header.format, self.format
                ),
            ));
        }
        check_version(header.version.unwrap_or(0))?;
        let model: JsonModel<T> = serde_json::from_str(text)
            .map_err(|e| model_error(at(&e), format!("not a valid model: {e}")))?;
        Ok(model.data)
    }

    pub(super) fn bytes<T: Serialize>(&self, data: &T) -> Vec<u8> {
        let mut bytes = self.magic.to_vec();
        bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        postcard::to_extend(data, bytes)
            .unwrap_or_else(|e| unreachable!("plain data serialises: {e}"))
    }

    pub(super) fn parse_bytes<T: DeserializeOwned>(&self, bytes: &[u8]) -> Result<T> {
        let at = Location::memory;
        if bytes.len() < 12 || &bytes[..8] != self.magic {
            return Err(model_error(
                at(),
                format!(
                    "not an {} (the file does not start with {})",
                    self.what,
                    String::from_utf8_lossy(self.magic)
                ),
            ));
        }
        let version = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
        check_version(version)?;
        let (data, rest): (T, &[u8]) = postcard::take_from_bytes(&bytes[12..]).map_err(|e| {
            let why = match e {
                postcard::Error::DeserializeUnexpectedEnd => "the file is truncated".to_owned(),
                other => format!("the file is corrupt ({other})"),
            };
            model_error(at(), why)
        })?;
        if !rest.is_empty() {
            return Err(model_error(
                at(),
                format!("{} unexpected bytes after the model", rest.len()),
            ));
        }
        Ok(data)
    }

    /// Writes `data` through the atomic writer: JSON when the path ends in `.json`, else binary.
    pub(super) fn save<T: Serialize>(&self, path: &Path, data: &T) -> Result<()> {
        let bytes = if is_json(path) {
            self.json(data).into_bytes()
        } else {
            self.bytes(data)
        };
        crate::write::FileWriter::write_file(path, &bytes)
    }

    /// Reads a file written by [`Kind::save`], recognising the encoding by its first bytes; errors
    /// name the file.
    pub(super) fn load<T: DeserializeOwned>(&self, path: &Path) -> Result<T> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let named = |err: Error| match err {
            Error::Parse { mut diagnostics } => {
                for d in &mut diagnostics {
                    d.location.path = Some(path.to_owned());
                }
                Error::Parse { diagnostics }
            }
            other => other,
        };
        if bytes.starts_with(self.magic) {
            return self.parse_bytes(&bytes).map_err(named);
        }
        let text = std::str::from_utf8(&bytes).map_err(|_| {
            model_error(
                Location::file(path),
                format!("not an {} (neither binary nor UTF-8 JSON)", self.what),
            )
        })?;
        self.parse_json(text).map_err(named)
    }
}

fn is_json(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

fn check_version(version: u32) -> Result<()> {
    if version == 0 || version > FORMAT_VERSION {
        return Err(model_error(
            Location::memory(),
            format!(
                "model format version {version} is not supported: this library reads version 1 to {FORMAT_VERSION}"
            ),
        ));
    }
    Ok(())
}

/// A model file that is not valid: a parse error whose diagnostics say they concern a model file
/// (Python raises `ModelFileError` for it).
#[cold]
pub(super) fn model_error(location: Location, message: impl Into<String>) -> Error {
    Error::Parse {
        diagnostics: vec![Diagnostic::new(location, message).subject(MODEL_FILE)],
    }
}

/// The subject of every diagnostic about a model file.
pub const MODEL_FILE: &str = "model file";
