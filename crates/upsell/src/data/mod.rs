//! Baskets and items: the compact store every miner reads, the dictionary that names its items, and
//! the readers that fill both from files.
//!
//! The one idea: a basket collection is two flat arrays (every basket's item ids back to back, and
//! where each basket starts), never a `Vec<Vec<_>>`. A hundred thousand baskets are then two
//! allocations, scans are sequential, and the same arrays cross to C and numpy without copying.
//! Item ids are dense `u32`s; a reader numbers items by descending frequency, so id 0 is the most
//! frequent item and the frequent items of any threshold are a prefix of the ids.

mod baskets;
mod dictionary;
mod long;
mod orders;
pub mod read;

pub use baskets::{BasketBuilder, Baskets, MAX_ITEMS};
pub(crate) use baskets::item_space;
pub use dictionary::ItemDictionary;
pub use long::LongBuilder;
pub(crate) use orders::line_value;
pub use orders::{
    DEFAULT_NON_PRODUCT_ITEMS, ExclusionReason, Order, OrderColumns, OrderLine, OrderLines,
    OrderReadOptions, OrderSummary,
};
pub use read::{Format, ReadOptions, parse_delimiter, read_path};

/// The id of an item: an index into an [`ItemDictionary`], or the caller's own dense id.
pub type ItemId = u32;

/// Baskets read from a file, with the names of their items and, for long data, of their keys.
///
/// ```
/// use upsell::data::{Dataset, ReadOptions};
/// let text = "milk bread\nbread\nbread eggs\n";
/// let data = Dataset::from_reader(text.as_bytes(), "inline.dat", &ReadOptions::fimi()).unwrap_err();
/// // FIMI items are integers: the error names the file, line and field.
/// assert!(data.to_string().contains("inline.dat:1:1"));
/// ```
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The baskets, with item ids numbered by descending frequency.
    pub baskets: Baskets,
    /// The name of every item id.
    pub items: ItemDictionary,
    /// For long data: each basket's key and optional customer and time, in basket order.
    pub keys: Option<BasketKeys>,
    /// The format the file was read in: the one asked for, or the one its name or first lines
    /// showed.
    pub format: Format,
}

/// The key of each basket read from long data, and the customer and time columns when asked for.
///
/// Keys and customers are kept as written; times are parsed (see [`crate::time`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BasketKeys {
    /// The basket key (one or more key columns joined by `|`), one per basket.
    pub basket: Vec<String>,
    /// The customer of each basket (first row's value), when a customer column was named.
    pub customer: Option<Vec<String>>,
    /// The time of each basket (the earliest of its rows', see [`crate::time::BasketTimes`]),
    /// when a time column was named.
    pub time: Option<Vec<crate::time::Timestamp>>,
}

impl Dataset {
    /// Reads a file in the format of `options` (or guessed from its name).
    ///
    /// ```no_run
    /// use upsell::data::{Dataset, ReadOptions};
    /// let data = Dataset::read("retail.dat.gz", &ReadOptions::default())?;
    /// println!("{} baskets, {} items", data.baskets.len(), data.items.len());
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn read(path: impl AsRef<std::path::Path>, options: &ReadOptions) -> crate::Result<Self> {
        read_path(path.as_ref(), options)
    }

    /// Reads from any byte stream (plain or gzip); `name` is used in error messages.
    ///
    /// ```
    /// use upsell::data::{Dataset, ReadOptions};
    /// let data = Dataset::from_reader("1 2\n2 3\n2\n".as_bytes(), "mem.dat", &ReadOptions::fimi())?;
    /// assert_eq!(data.baskets.len(), 3);
    /// assert_eq!(data.items.label(0), Some("2")); // the most frequent item gets id 0
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn from_reader(
        reader: impl std::io::Read,
        name: impl Into<std::path::PathBuf>,
        options: &ReadOptions,
    ) -> crate::Result<Self> {
        read::read_stream(reader, name.into(), options)
    }

    /// Renumbers items by descending frequency (ties by first appearance), so id 0 is the most
    /// frequent item. Readers call this; it is idempotent.
    pub(crate) fn recode_by_frequency(&mut self) {
        let counts = self.baskets.item_frequencies();
        let mut order: Vec<ItemId> = (0..counts.len() as ItemId).collect();
        order.sort_by(|&a, &b| counts[b as usize].cmp(&counts[a as usize]).then(a.cmp(&b)));
        let mut new_id = vec![0 as ItemId; order.len()];
        for (new, &old) in order.iter().enumerate() {
            new_id[old as usize] = new as ItemId;
        }
        self.baskets.renumber(&new_id);
        self.items.renumber(&order);
    }
}
