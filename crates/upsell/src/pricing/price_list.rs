//! A price list: one price per item label, all in one currency, none negative.
//!
//! Checks happen on the way in, so every consumer (bundle pricing, threshold fillers, tiers) can
//! trust a price it looks up, and a missing price is an error naming the item.

use std::collections::BTreeMap;

use super::money::{Currency, Money};
use crate::{Error, Location, Result};

/// Prices (or unit costs) by item label.
///
/// ```
/// use upsell::pricing::{Currency, Money, PriceList};
/// let mut prices = PriceList::new(Currency::GBP);
/// prices.insert("MUG", Money::parse("2.55", Currency::GBP)?)?;
/// assert!(prices.insert("CUP", Money::parse("-1.00", Currency::GBP)?).is_err()); // negative
/// assert!(prices.insert("CUP", Money::new(100, Currency::EUR)).is_err());         // other currency
/// assert_eq!(prices.require("MUG")?.minor(), 255);
/// assert!(prices.require("PLATE").is_err()); // no price: a clear error
/// # Ok::<(), upsell::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceList {
    currency: Currency,
    prices: BTreeMap<String, Money>,
}

impl PriceList {
    /// An empty list in `currency`.
    pub fn new(currency: Currency) -> Self {
        PriceList {
            currency,
            prices: BTreeMap::new(),
        }
    }

    /// Builds a list from `(label, decimal price)` pairs, parsing each price exactly; a price may
    /// name its currency (`"2.55 EUR"`), which must then be the list's.
    ///
    /// ```
    /// use upsell::pricing::{Currency, PriceList};
    /// let prices = PriceList::parse(Currency::GBP, [("MUG", "2.55"), ("TEA", "4.95")])?;
    /// assert_eq!(prices.len(), 2);
    /// let err = PriceList::parse(Currency::GBP, [("MUG", "")]).unwrap_err();
    /// assert!(err.to_string().contains("MUG"));
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn parse<L: AsRef<str>, P: AsRef<str>>(
        currency: Currency,
        entries: impl IntoIterator<Item = (L, P)>,
    ) -> Result<Self> {
        let mut list = PriceList::new(currency);
        for (label, text) in entries {
            let label = label.as_ref();
            let price = Money::parse_tagged(text.as_ref(), currency).map_err(|e| {
                Error::invalid_input(
                    Location::memory(),
                    format!("price of item '{label}': {}", message_of(&e)),
                )
            })?;
            list.insert(label, price)?;
        }
        Ok(list)
    }

    /// Reads a CSV of `item,cost` (or `item,price`) rows after a header line: the data reader's
    /// CSV rules (quoted labels may hold commas), amounts in `currency`, and the file, line and
    /// column in every error.
    ///
    /// ```
    /// use upsell::pricing::{Currency, PriceList};
    /// let text = "item,cost\n\"MUG, RED\",1.20\nPLATE,2\n";
    /// let costs = PriceList::from_csv_reader(text.as_bytes(), "costs.csv", Currency::GBP)?;
    /// assert_eq!(costs.require("MUG, RED")?.minor(), 120);
    /// let bad = PriceList::from_csv_reader("item,cost\nMUG,cheap\n".as_bytes(), "costs.csv", Currency::GBP);
    /// assert!(bad.unwrap_err().to_string().contains("costs.csv:2:2"));
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn from_csv_reader(
        source: impl std::io::Read,
        name: impl AsRef<std::path::Path>,
        currency: Currency,
    ) -> Result<Self> {
        let name = name.as_ref();
        let mut reader = crate::data::read::csv_reader(source, b',', true);
        let mut prices = PriceList::new(currency);
        let mut record = csv::StringRecord::new();
        while reader
            .read_record(&mut record)
            .map_err(|e| crate::data::read::csv_error(name, e))?
        {
            let line = record.position().map(|p| p.line());
            let at = |column: u64| Location {
                line,
                ..Location::file(name).column(column)
            };
            if record.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            let [item, cost] = [0, 1].map(|i| record.get(i).unwrap_or_default().trim());
            if record.len() != 2 || item.is_empty() {
                return Err(Error::invalid_input(at(1), "expected `item,cost`"));
            }
            let cost = Money::parse_at(cost, currency, || at(2))?;
            prices
                .insert(item, cost)
                .map_err(|e| Error::invalid_input(at(1), e.to_string()))?;
        }
        Ok(prices)
    }

    /// [`PriceList::from_csv_reader`] on the file at `path`.
    pub fn read_csv(path: impl AsRef<std::path::Path>, currency: Currency) -> Result<Self> {
        let path = path.as_ref();
        let file = std::fs::File::open(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_csv_reader(std::io::BufReader::new(file), path, currency)
    }

    /// Sets the price of `label`; refuses a negative price or another currency.
    pub fn insert(&mut self, label: &str, price: Money) -> Result<()> {
        if price.currency() != self.currency {
            return Err(Error::invalid_input(
                Location::memory(),
                format!(
                    "price of item '{label}' is in {}, the price list is in {}: currencies cannot be mixed",
                    price.currency(),
                    self.currency
                ),
            ));
        }
        if price.is_negative() {
            return Err(Error::invalid_input(
                Location::memory(),
                format!("price of item '{label}' is negative ({price})"),
            ));
        }
        self.prices.insert(label.to_owned(), price);
        Ok(())
    }

    /// Sets a price already known to be valid (same currency, not negative).
    pub(crate) fn insert_unchecked(&mut self, label: &str, price: Money) {
        self.prices.insert(label.to_owned(), price);
    }

    /// The price of `label`, if listed.
    pub fn get(&self, label: &str) -> Option<Money> {
        self.prices.get(label).copied()
    }

    /// The price of `label`, or an error naming the item.
    pub fn require(&self, label: &str) -> Result<Money> {
        self.get(label).ok_or_else(|| {
            Error::invalid_input(
                Location::memory(),
                format!("item '{label}' has no price in the price list"),
            )
        })
    }

    /// The currency of every price.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// The number of priced items.
    pub fn len(&self) -> usize {
        self.prices.len()
    }

    /// Whether no item is priced.
    pub fn is_empty(&self) -> bool {
        self.prices.is_empty()
    }

    /// Every `(label, price)`, by label.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Money)> + '_ {
        self.prices.iter().map(|(l, &p)| (l.as_str(), p))
    }
}

fn message_of(err: &Error) -> String {
    match err {
        Error::InvalidInput { message, .. } => message.clone(),
        other => other.to_string(),
    }
}
