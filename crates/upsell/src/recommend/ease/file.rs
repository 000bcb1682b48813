//! EASE model files, written and read by the model-file design of `recommend/model.rs`:
//! JSON (`"format": "upsell-ease"`) or binary (`UPSELLEA` magic), both checked on load, errors
//! about a model file. The lookups (label -> id, item -> candidate, items by popularity) are
//! derived data, rebuilt on load.

use std::path::Path;

use rustc_hash::FxHashMap;

use super::{Ease, NONE};
use crate::data::ItemId;
use crate::recommend::model::{Kind, model_error};
use crate::{Location, Result};

const EASE: Kind = Kind {
    format: "upsell-ease",
    magic: b"UPSELLEA",
    what: "upsell EASE model",
};

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
            Err(model_error(
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
        EASE.json(&self.data())
    }

    /// A model from [`Ease::to_json`]'s text.
    pub fn from_json(text: &str) -> Result<Self> {
        Self::from_data(EASE.parse_json(text)?)
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
        EASE.bytes(&self.data())
    }

    /// A model from [`Ease::to_bytes`]'s bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        Self::from_data(EASE.parse_bytes(bytes)?)
    }

    /// Saves the model through the atomic writer: JSON when the path ends in `.json`, else binary.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        EASE.save(path.as_ref(), &self.data())
    }

    /// Loads a model saved by [`Ease::save`] (the encoding is recognised by its first bytes).
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        Self::from_data(EASE.load(path.as_ref())?)
    }
}
