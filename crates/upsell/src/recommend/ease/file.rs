//! EASE model files, in the design of the rule recommender's (`recommend/model.rs`).
//!
//! Two encodings of one [`EaseData`]: JSON (a top-level `format` and `version`) and a compact
//! binary (`UPSELLEA` magic, a little-endian `u32` format version, then postcard's encoding).
//! Both are checked on load: a wrong magic, a newer version, a truncated body or arrays that
//! disagree each give an [`Error::Parse`] that says which. The lookups (label -> id, item ->
//! candidate, items by popularity) are derived data, rebuilt on load.

use std::path::Path;

use rustc_hash::FxHashMap;

use super::{Ease, NONE};
use crate::data::ItemId;
use crate::{Error, Location, Result};

/// The format version written by this library; files of a newer version are refused.
pub const FORMAT_VERSION: u32 = 1;
const FORMAT_NAME: &str = "upsell-ease";
const MAGIC: &[u8; 8] = b"UPSELLEA";

/// Everything an EASE model holds.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct EaseData {
    labels: Vec<String>,
    item_counts: Vec<u64>,
    baskets: u64,
    lambda: f64,
    candidates: Vec<ItemId>,
    weights: Vec<f32>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct JsonModel {
    format: String,
    version: u32,
    #[serde(flatten)]
    data: EaseData,
}

impl Ease {
    fn data(&self) -> EaseData {
        EaseData {
            labels: self.labels.clone(),
            item_counts: self.item_counts.clone(),
            baskets: self.baskets,
            lambda: self.lambda,
            candidates: self.candidates.clone(),
            weights: self.weights.clone(),
        }
    }

    fn from_data(data: EaseData) -> Result<Self> {
        let bad = |message: String| {
            Err(Error::parse(
                Location::memory(),
                format!("inconsistent EASE model: {message}"),
            ))
        };
        let n_items = data.labels.len();
        let n = data.candidates.len();
        if data.item_counts.len() != n_items {
            return bad(format!(
                "{n_items} labels but {} item counts",
                data.item_counts.len()
            ));
        }
        if data.weights.len() != n * n {
            return bad(format!(
                "{n} candidates need {} weights, found {}",
                n * n,
                data.weights.len()
            ));
        }
        if !(data.lambda.is_finite() && data.lambda > 0.0) {
            return bad(format!("lambda {} is not a number above 0", data.lambda));
        }
        if data.weights.iter().any(|w| !w.is_finite()) {
            return bad("a weight is not finite".to_owned());
        }
        let mut position = vec![NONE; n_items];
        for (p, &item) in data.candidates.iter().enumerate() {
            match position.get_mut(item as usize) {
                Some(slot) if *slot == NONE => *slot = p as u32,
                Some(_) => return bad(format!("candidate item id {item} appears twice")),
                None => {
                    return bad(format!(
                        "candidate item id {item} beyond the {n_items} labels"
                    ));
                }
            }
        }
        let mut label_ids = FxHashMap::default();
        for (id, label) in data.labels.iter().enumerate() {
            if label_ids.insert(label.clone(), id as ItemId).is_some() {
                return bad(format!("the label {label:?} appears twice"));
            }
        }
        let mut popular: Vec<ItemId> = (0..n_items as ItemId).collect();
        popular.sort_by(|&a, &b| {
            data.item_counts[b as usize]
                .cmp(&data.item_counts[a as usize])
                .then(a.cmp(&b))
        });
        Ok(Ease {
            labels: data.labels,
            label_ids,
            item_counts: data.item_counts,
            baskets: data.baskets,
            lambda: data.lambda,
            candidates: data.candidates,
            position,
            weights: data.weights,
            popular,
        })
    }

    /// The model as JSON.
    ///
    /// ```
    /// use upsell::data::{Dataset, ReadOptions};
    /// use upsell::recommend::{Ease, EaseOptions};
    /// let text = "bread,butter\nbread,butter,milk\nbread,jam\nmilk,cereal\n";
    /// let data = Dataset::from_reader(text.as_bytes(), "mem.csv", &ReadOptions::baskets(b','))?;
    /// let model = Ease::fit(&data.baskets, &data.items, &EaseOptions::default(), &Default::default())?;
    /// let json = model.to_json();
    /// assert!(json.starts_with(r#"{"format":"upsell-ease","version":1"#));
    /// let loaded = Ease::from_json(&json)?;
    /// assert_eq!(loaded.recommend_labels(&["bread"], 2), model.recommend_labels(&["bread"], 2));
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn to_json(&self) -> String {
        let model = JsonModel {
            format: FORMAT_NAME.to_owned(),
            version: FORMAT_VERSION,
            data: self.data(),
        };
        serde_json::to_string(&model).unwrap_or_else(|e| unreachable!("plain data serialises: {e}"))
    }

    /// A model from [`Ease::to_json`]'s text.
    pub fn from_json(text: &str) -> Result<Self> {
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
            .map_err(|e| Error::parse(at(&e), format!("not a model file: {e}")))?;
        if header.format.as_deref() != Some(FORMAT_NAME) {
            return Err(Error::parse(
                Location::memory(),
                format!(
                    "not an upsell EASE model (format {:?}, expected \"{FORMAT_NAME}\")",
                    header.format
                ),
            ));
        }
        check_version(header.version.unwrap_or(0))?;
        let model: JsonModel = serde_json::from_str(text)
            .map_err(|e| Error::parse(at(&e), format!("bad model file: {e}")))?;
        Self::from_data(model.data)
    }

    /// The model in the compact binary encoding.
    ///
    /// ```
    /// use upsell::data::{Dataset, ReadOptions};
    /// use upsell::recommend::{Ease, EaseOptions};
    /// let text = "bread,butter\nbread,butter,milk\nbread,jam\nmilk,cereal\n";
    /// let data = Dataset::from_reader(text.as_bytes(), "mem.csv", &ReadOptions::baskets(b','))?;
    /// let model = Ease::fit(&data.baskets, &data.items, &EaseOptions::default(), &Default::default())?;
    /// let bytes = model.to_bytes();
    /// assert_eq!(&bytes[..8], b"UPSELLEA");
    /// assert_eq!(Ease::from_bytes(&bytes)?.weights(), model.weights());
    /// let err = Ease::from_bytes(&bytes[..bytes.len() - 1]).unwrap_err();
    /// assert!(err.to_string().contains("truncated"));
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        postcard::to_extend(&self.data(), bytes)
            .unwrap_or_else(|e| unreachable!("plain data serialises: {e}"))
    }

    /// A model from [`Ease::to_bytes`]'s bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let at = Location::memory;
        if bytes.len() < 12 || &bytes[..8] != MAGIC {
            return Err(Error::parse(
                at(),
                "not an upsell EASE model (the file does not start with UPSELLEA)",
            ));
        }
        let version = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
        check_version(version)?;
        let (data, rest): (EaseData, &[u8]) =
            postcard::take_from_bytes(&bytes[12..]).map_err(|e| {
                let why = match e {
                    postcard::Error::DeserializeUnexpectedEnd => "the file is truncated".to_owned(),
                    other => format!("the file is corrupt ({other})"),
                };
                Error::parse(at(), format!("bad model file: {why}"))
            })?;
        if !rest.is_empty() {
            return Err(Error::parse(
                at(),
                format!(
                    "bad model file: {} unexpected bytes after the model",
                    rest.len()
                ),
            ));
        }
        Self::from_data(data)
    }

    /// Saves the model: JSON when the path ends in `.json`, else binary.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let json = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        let bytes = if json {
            self.to_json().into_bytes()
        } else {
            self.to_bytes()
        };
        std::fs::write(path, bytes).map_err(|e| Error::io(path, e))
    }

    /// Loads a model saved by [`Ease::save`] (the encoding is recognised by its first bytes).
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
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
        if bytes.starts_with(MAGIC) {
            return Self::from_bytes(&bytes).map_err(named);
        }
        let text = std::str::from_utf8(&bytes).map_err(|_| {
            Error::parse(
                Location::file(path),
                "not an upsell EASE model (neither binary nor UTF-8 JSON)",
            )
        })?;
        Self::from_json(text).map_err(named)
    }
}

fn check_version(version: u32) -> Result<()> {
    if version == 0 || version > FORMAT_VERSION {
        return Err(Error::parse(
            Location::memory(),
            format!(
                "EASE model format version {version} is not supported: this library reads version 1 to {FORMAT_VERSION}"
            ),
        ));
    }
    Ok(())
}
