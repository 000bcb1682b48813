use rustc_hash::FxHashMap;

use super::ItemId;
use crate::{Error, Location, Result};

/// Item names and their dense ids, both ways.
///
/// ```
/// use upsell::data::ItemDictionary;
/// let mut items = ItemDictionary::default();
/// let milk = items.intern("milk");
/// assert_eq!(items.intern("bread"), 1);
/// assert_eq!(items.intern("milk"), milk);
/// assert_eq!(items.id("bread"), Some(1));
/// assert_eq!(items.label(milk), Some("milk"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemDictionary {
    labels: Vec<Box<str>>,
    ids: FxHashMap<Box<str>, ItemId>,
}

impl ItemDictionary {
    /// A dictionary of distinct labels, numbered in the order given.
    ///
    /// ```
    /// use upsell::data::ItemDictionary;
    /// let items = ItemDictionary::from_labels(["a", "b"])?;
    /// assert_eq!(items.id("b"), Some(1));
    /// assert!(ItemDictionary::from_labels(["a", "a"]).is_err());
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn from_labels<S: AsRef<str>>(labels: impl IntoIterator<Item = S>) -> Result<Self> {
        let mut items = ItemDictionary::default();
        for (position, label) in labels.into_iter().enumerate() {
            let label = label.as_ref();
            if items.ids.contains_key(label) {
                return Err(Error::invalid_input(
                    Location::memory().column(position as u64 + 1),
                    format!("item label '{label}' appears twice: labels must be distinct"),
                ));
            }
            items.intern(label);
        }
        Ok(items)
    }

    /// The id of `label`, adding it with the next free id if it is new.
    pub fn intern(&mut self, label: &str) -> ItemId {
        if let Some(&id) = self.ids.get(label) {
            return id;
        }
        let id = self.labels.len() as ItemId;
        let boxed: Box<str> = label.into();
        self.labels.push(boxed.clone());
        self.ids.insert(boxed, id);
        id
    }

    /// The id of `label`, if known.
    pub fn id(&self, label: &str) -> Option<ItemId> {
        self.ids.get(label).copied()
    }

    /// The label of `id`, if known.
    pub fn label(&self, id: ItemId) -> Option<&str> {
        self.labels.get(id as usize).map(|s| &**s)
    }

    /// Every label, in id order.
    pub fn labels(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.labels.iter().map(|s| &**s)
    }

    /// The number of items.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the dictionary is empty.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Reorders ids: new id `k` gets the label of old id `order[k]`.
    pub(crate) fn renumber(&mut self, order: &[ItemId]) {
        let old = std::mem::take(&mut self.labels);
        self.labels = order.iter().map(|&o| old[o as usize].clone()).collect();
        for (id, label) in self.labels.iter().enumerate() {
            if let Some(slot) = self.ids.get_mut(label) {
                *slot = id as ItemId;
            }
        }
    }
}
