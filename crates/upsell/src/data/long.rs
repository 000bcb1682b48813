//! Long data (one line item a row) grouped into baskets, whatever the rows come from: the CSV
//! reader and the C library's Arrow input feed the same builder, so both number baskets and items
//! alike and keep the same keys.
//!
//! The one idea: baskets and items are numbered in order of first appearance, and the basket key,
//! customer and time are kept per basket (the customer of its first row, its earliest time).

use rustc_hash::FxHashMap;

use super::{BasketKeys, Baskets, Dataset, Format, ItemDictionary, ItemId};
use crate::Result;
use crate::time::{BasketTimes, Timestamp};

/// Groups (basket key, item) rows into a [`Dataset`].
///
/// ```
/// use upsell::data::LongBuilder;
/// let mut long = LongBuilder::new(true, false);
/// for (invoice, item, customer) in [("A1", "milk", "c1"), ("A2", "bread", "c2"), ("A1", "eggs", "c1")] {
///     long.add(invoice, item, || Ok(customer.to_owned()))?;
/// }
/// let data = long.finish()?;
/// assert_eq!(data.baskets.len(), 2);
/// assert_eq!(data.items.label(0), Some("milk"));
/// let keys = data.keys.unwrap();
/// assert_eq!(keys.basket, ["A1", "A2"]);
/// assert_eq!(keys.customer.unwrap(), ["c1", "c2"]);
/// # Ok::<(), upsell::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct LongBuilder {
    items: ItemDictionary,
    basket_index: FxHashMap<String, u32>,
    keys: BasketKeys,
    times: Option<BasketTimes>,
    basket_ids: Vec<u32>,
    item_ids: Vec<ItemId>,
}

impl LongBuilder {
    /// An empty builder; `customers` and `times` say whether each basket keeps a customer and a
    /// time.
    pub fn new(customers: bool, times: bool) -> Self {
        LongBuilder {
            keys: BasketKeys {
                customer: customers.then(Vec::new),
                ..BasketKeys::default()
            },
            times: times.then(BasketTimes::default),
            ..LongBuilder::default()
        }
    }

    /// Adds one row and returns its basket's number. `customer` is called only for the first
    /// row of a basket, and only when the builder keeps customers.
    pub fn add(
        &mut self,
        key: &str,
        item: &str,
        customer: impl FnOnce() -> Result<String>,
    ) -> Result<u32> {
        let item = self.items.intern(item);
        let basket = match self.basket_index.get(key) {
            Some(&b) => b,
            None => {
                let next = self.basket_index.len() as u32;
                if let Some(customers) = self.keys.customer.as_mut() {
                    customers.push(customer()?);
                }
                self.basket_index.insert(key.to_owned(), next);
                self.keys.basket.push(key.to_owned());
                next
            }
        };
        self.basket_ids.push(basket);
        self.item_ids.push(item);
        Ok(basket)
    }

    /// Records a time of basket `basket` (a basket's time is the earliest of its rows'); ignored
    /// when the builder keeps no times.
    pub fn add_time(&mut self, basket: u32, time: Timestamp) {
        if let Some(times) = self.times.as_mut() {
            times.add(basket as usize, time);
        }
    }

    /// The baskets, their items' labels and keys; an error names a basket no row gave a time.
    pub fn finish(self) -> Result<Dataset> {
        let baskets = Baskets::from_pairs(&self.basket_ids, &self.item_ids)?;
        let mut keys = self.keys;
        if let Some(times) = self.times {
            keys.time = Some(times.finish()?);
        }
        Ok(Dataset {
            baskets,
            items: self.items,
            keys: Some(keys),
            format: Format::Long,
        })
    }
}
