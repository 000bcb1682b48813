//! Priced order lines: long CSV with an invoice, an item, a quantity, a unit price, a customer and a
//! time on every row, read into exact money.
//!
//! The one idea: nothing is dropped silently. Real exports mix sales with cancellations (invoice
//! `C536379`, negative quantities), free lines, postage and fee codes, and rows with no customer.
//! Each such row is counted under its [`ExclusionReason`] in the [`OrderSummary`]; rows without a
//! customer are kept for order metrics and left out only of per-customer ones. Data that cannot be
//! read as an order line (a missing or negative price, a quantity that is not a whole number, a bad
//! time) is an error naming the file, line and column, never a skipped row.

use std::io::Read;
use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;

use super::read::{csv_error, header_column};
use super::{BasketBuilder, Baskets, ItemDictionary, ItemId};
use crate::pricing::{Currency, Money, PriceList};
use crate::time::{Timestamp, parse_timestamp_at};
use crate::{Error, Location, Result};

/// The header names of the columns an order file is read from.
///
/// The defaults are those of the UCI Online Retail data set.
///
/// ```
/// let columns = upsell::data::OrderColumns::default();
/// assert_eq!(columns.unit_price, "UnitPrice");
/// assert_eq!(columns.segment.as_deref(), Some("Country"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderColumns {
    /// The order (invoice) id; `A+B` makes the id of several columns (a member and a date, for
    /// data that has no invoice).
    pub invoice: String,
    /// The item (stock code).
    pub item: String,
    /// An optional item description, kept per item (first value seen).
    pub description: Option<String>,
    /// Units bought, a whole number; empty when the data has no quantities (every line is one unit).
    pub quantity: String,
    /// Price of one unit, a decimal in the currency; empty when the data has no prices (every line
    /// is then read at zero, [`OrderLines::has_prices`] is false, and no line is excluded for its
    /// price).
    pub unit_price: String,
    /// An optional customer id; empty values are rows without a customer.
    pub customer: Option<String>,
    /// The order time (see [`crate::time`]).
    pub time: String,
    /// An optional segment column (a country, a channel), for metrics by segment.
    pub segment: Option<String>,
}

impl Default for OrderColumns {
    fn default() -> Self {
        OrderColumns {
            invoice: "InvoiceNo".to_owned(),
            item: "StockCode".to_owned(),
            description: Some("Description".to_owned()),
            quantity: "Quantity".to_owned(),
            unit_price: "UnitPrice".to_owned(),
            customer: Some("CustomerID".to_owned()),
            time: "InvoiceDate".to_owned(),
            segment: Some("Country".to_owned()),
        }
    }
}

impl OrderColumns {
    /// Names the column of one `role` (`invoice`, `item`, `quantity`, `price`, `time`,
    /// `customer`, `description`, `segment`); an empty name drops an optional column (and
    /// `quantity` or `price`, see their fields).
    pub fn set(&mut self, role: &str, name: &str) -> Result<()> {
        let name = name.trim().to_owned();
        let optional = (!name.is_empty()).then(|| name.clone());
        match role.trim() {
            "invoice" => self.invoice = name,
            "item" => self.item = name,
            "quantity" => self.quantity = name,
            "price" => self.unit_price = name,
            "time" => self.time = name,
            "customer" => self.customer = optional,
            "description" => self.description = optional,
            "segment" => self.segment = optional,
            other => {
                return Err(Error::invalid_parameter(
                    "columns",
                    format!(
                        "unknown role '{other}' (invoice, item, quantity, price, time, customer, \
                         description, segment)"
                    ),
                ));
            }
        }
        Ok(())
    }
}

impl std::str::FromStr for OrderColumns {
    type Err = Error;

    /// The default columns with those of a `ROLE=NAME,...` list changed (the CLI's `--columns`).
    ///
    /// ```
    /// use upsell::data::OrderColumns;
    /// let columns: OrderColumns = "invoice=Order,segment=".parse()?;
    /// assert_eq!((columns.invoice.as_str(), columns.segment), ("Order", None));
    /// assert_eq!(columns.item, "StockCode");
    /// assert!("colour=Red".parse::<OrderColumns>().is_err());
    /// # Ok::<(), upsell::Error>(())
    /// ```
    fn from_str(spec: &str) -> Result<Self> {
        let mut columns = OrderColumns::default();
        for pair in spec.split(',') {
            let (role, name) = pair.split_once('=').ok_or_else(|| {
                Error::invalid_parameter("columns", format!("'{pair}' is not ROLE=NAME"))
            })?;
            columns.set(role, name)?;
        }
        Ok(columns)
    }
}

/// The stock codes of the UCI Online Retail data that are not products: postage, carriage, fees,
/// manual adjustments, samples. Lines with them are excluded (and counted) from item analyses.
pub const DEFAULT_NON_PRODUCT_ITEMS: &[&str] = &[
    "POST",
    "DOT",
    "C2",
    "M",
    "BANK CHARGES",
    "AMAZONFEE",
    "CRUK",
    "PADS",
    "S",
    "D",
    "B",
];

/// How to read an order file.
///
/// ```
/// use upsell::data::OrderReadOptions;
/// use upsell::pricing::Currency;
/// let options = OrderReadOptions { currency: Currency::EUR, ..OrderReadOptions::default() };
/// assert_eq!(options.cancelled_prefix, "C");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderReadOptions {
    /// Which columns hold what.
    pub columns: OrderColumns,
    /// The currency of every price in the file.
    pub currency: Currency,
    /// Invoices starting with this prefix are cancellations (empty: none are).
    pub cancelled_prefix: String,
    /// Item codes that are not products (postage, fees); see [`DEFAULT_NON_PRODUCT_ITEMS`].
    pub non_product_items: Vec<String>,
    /// The field delimiter.
    pub delimiter: u8,
}

impl Default for OrderReadOptions {
    fn default() -> Self {
        OrderReadOptions {
            columns: OrderColumns::default(),
            currency: Currency::GBP,
            cancelled_prefix: "C".to_owned(),
            non_product_items: DEFAULT_NON_PRODUCT_ITEMS
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            delimiter: b',',
        }
    }
}

/// Why a row was not kept as a sale line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExclusionReason {
    /// The invoice is a cancellation (its id starts with the cancelled prefix).
    Cancelled,
    /// Zero or negative quantity on an invoice that is not a cancellation (a return or correction).
    NonPositiveQuantity,
    /// A unit price of zero (a free or replacement line): no price to learn, no revenue.
    ZeroPrice,
    /// Postage, fees and other codes that are not products.
    NonProduct,
}

impl ExclusionReason {
    /// A short phrase for summaries.
    ///
    /// ```
    /// assert_eq!(upsell::data::ExclusionReason::Cancelled.describe(), "cancelled invoice");
    /// ```
    pub fn describe(self) -> &'static str {
        match self {
            ExclusionReason::Cancelled => "cancelled invoice",
            ExclusionReason::NonPositiveQuantity => "zero or negative quantity",
            ExclusionReason::ZeroPrice => "zero unit price",
            ExclusionReason::NonProduct => "postage, fee or other non-product code",
        }
    }
}

/// What a read kept and what it left out, and why.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct OrderSummary {
    /// Data rows in the file (header excluded).
    pub rows: u64,
    /// Rows kept as sale lines.
    pub kept: u64,
    /// Rows excluded, per reason, in reason order; reasons with no rows are left out.
    pub excluded: Vec<(ExclusionReason, u64)>,
    /// Kept rows without a customer: in order metrics, not in per-customer metrics.
    pub kept_without_customer: u64,
    /// Orders (distinct invoices) among the kept rows.
    pub orders: u64,
    /// Distinct customers among the kept rows.
    pub customers: u64,
}

impl OrderSummary {
    /// Rows excluded for any reason.
    pub fn excluded_rows(&self) -> u64 {
        self.excluded.iter().map(|(_, n)| n).sum()
    }
}

/// One order: its id, customer, time and segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// The invoice id as written.
    pub invoice: String,
    /// The customer (float-formatted ids such as `17850.0` normalised to `17850`), if any.
    pub customer: Option<String>,
    /// The time of the order's first line.
    pub time: Timestamp,
    /// The segment of the order's first line, when a segment column was read.
    pub segment: Option<String>,
}

/// One kept sale line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderLine {
    /// Index of the order in [`OrderLines::orders`].
    pub order: u32,
    /// The item.
    pub item: ItemId,
    /// Units, at least 1.
    pub quantity: i64,
    /// Price of one unit.
    pub unit_price: Money,
}

/// Sale lines read from an order file, grouped into orders, with a summary of what was excluded.
///
/// ```
/// use upsell::data::{OrderLines, OrderReadOptions};
/// let csv = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n\
///            536365,85123A,HEART HOLDER,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom\n\
///            536365,71053,LANTERN,6,2010-12-01 08:26:00,3.39,17850.0,United Kingdom\n\
///            C536379,D,Discount,-1,2010-12-01 09:41:00,27.50,14527.0,United Kingdom\n";
/// let orders = OrderLines::from_reader(csv.as_bytes(), "mem.csv", &OrderReadOptions::default())?;
/// assert_eq!(orders.orders().len(), 1);
/// assert_eq!(orders.summary().excluded_rows(), 1); // the cancellation, counted
/// assert_eq!(orders.revenue()?.to_string(), "35.64 GBP"); // 6 x 2.55 + 6 x 3.39, exactly
/// # Ok::<(), upsell::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct OrderLines {
    lines: Vec<OrderLine>,
    orders: Vec<Order>,
    items: ItemDictionary,
    descriptions: Vec<Option<String>>,
    currency: Currency,
    priced: bool,
    summary: OrderSummary,
}

/// Column positions found in the header.
struct Positions {
    invoice: Vec<usize>,
    item: usize,
    description: Option<usize>,
    quantity: Option<usize>,
    unit_price: Option<usize>,
    customer: Option<usize>,
    time: usize,
    segment: Option<usize>,
    headers: Vec<String>,
}

impl OrderLines {
    /// Reads an order file.
    ///
    /// ```no_run
    /// use upsell::data::{OrderLines, OrderReadOptions};
    /// let orders = OrderLines::read("online_retail_week.csv", &OrderReadOptions::default())?;
    /// println!("{} orders, {} rows excluded", orders.orders().len(), orders.summary().excluded_rows());
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn read(path: impl AsRef<Path>, options: &OrderReadOptions) -> Result<OrderLines> {
        let path = path.as_ref();
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        OrderLines::from_reader(
            std::io::BufReader::with_capacity(1 << 16, file),
            path,
            options,
        )
    }

    /// Reads order lines from any byte stream; `name` is used in error messages.
    pub fn from_reader(
        reader: impl Read,
        name: impl Into<PathBuf>,
        options: &OrderReadOptions,
    ) -> Result<OrderLines> {
        let name = name.into();
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(options.delimiter)
            .flexible(true)
            .from_reader(reader);
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| csv_error(&name, e))?
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').to_owned())
            .collect();
        let positions = Positions::find(&name, headers, &options.columns)?;
        let mut builder = Builder::new(options);
        let mut record = csv::StringRecord::new();
        let mut line_no = 1u64;
        while reader
            .read_record(&mut record)
            .map_err(|e| csv_error(&name, e))?
        {
            line_no = record.position().map_or(line_no + 1, |p| p.line());
            builder.row(&record, &positions, &name, line_no)?;
        }
        let lines = builder.finish(positions.unit_price.is_some());
        if lines.lines.is_empty() {
            return Err(Error::invalid_input(
                Location::file(&name),
                format!(
                    "no sale lines to read ({} rows, all excluded or none)",
                    lines.summary.rows
                ),
            ));
        }
        Ok(lines)
    }

    /// The kept sale lines, in file order.
    pub fn lines(&self) -> &[OrderLine] {
        &self.lines
    }

    /// The orders, in order of first appearance.
    pub fn orders(&self) -> &[Order] {
        &self.orders
    }

    /// The item codes.
    pub fn items(&self) -> &ItemDictionary {
        &self.items
    }

    /// The description of `item` (first seen), if the file had one.
    pub fn description(&self, item: ItemId) -> Option<&str> {
        self.descriptions
            .get(item as usize)
            .and_then(|d| d.as_deref())
    }

    /// The currency of every amount.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// Whether the lines carry prices (false when read without a price column: every amount is
    /// then zero and means nothing).
    pub fn has_prices(&self) -> bool {
        self.priced
    }

    /// What was kept and excluded.
    pub fn summary(&self) -> &OrderSummary {
        &self.summary
    }

    /// The revenue of all kept lines (quantity x unit price), exactly.
    pub fn revenue(&self) -> Result<Money> {
        Money::sum(
            self.lines
                .iter()
                .map(line_value)
                .collect::<Result<Vec<_>>>()?,
            self.currency,
        )
    }

    /// One basket per order: the distinct items of its lines, item ids as in [`OrderLines::items`].
    pub fn baskets(&self) -> Baskets {
        let mut per_order: Vec<Vec<ItemId>> = vec![Vec::new(); self.orders.len()];
        for line in &self.lines {
            per_order[line.order as usize].push(line.item);
        }
        let mut builder = BasketBuilder::default();
        for basket in &mut per_order {
            builder.push(basket);
        }
        builder.finish_with_items(self.items.len())
    }

    /// Each item's list price: the modal unit price of its kept lines (the most frequent price; a
    /// tie goes to the lower price).
    ///
    /// Real shops discount by quantity (the same mug at 2.55 for six and 2.10 for a carton); the
    /// mode is the price most customers saw, which a mean or a median over volume tiers is not.
    ///
    /// ```
    /// use upsell::data::{OrderLines, OrderReadOptions};
    /// let csv = "InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice\n\
    ///            1,MUG,6,2010-12-01,2.55\n2,MUG,1,2010-12-01,2.55\n3,MUG,48,2010-12-01,2.10\n";
    /// let options = OrderReadOptions { columns: upsell::data::OrderColumns {
    ///     description: None, customer: None, segment: None, ..Default::default() }, ..Default::default() };
    /// let orders = OrderLines::from_reader(csv.as_bytes(), "mem.csv", &options)?;
    /// assert_eq!(orders.price_list().get("MUG").unwrap().to_string(), "2.55 GBP");
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn price_list(&self) -> PriceList {
        let mut tallies: Vec<FxHashMap<i64, u64>> = vec![FxHashMap::default(); self.items.len()];
        for line in &self.lines {
            *tallies[line.item as usize]
                .entry(line.unit_price.minor())
                .or_default() += 1;
        }
        let mut prices = PriceList::new(self.currency);
        for (item, tally) in tallies.iter().enumerate() {
            let modal = tally
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map(|(&minor, _)| minor);
            if let (Some(minor), Some(label)) = (modal, self.items.label(item as ItemId)) {
                prices.insert_unchecked(label, Money::new(minor, self.currency));
            }
        }
        prices
    }
}

/// The value of one line: quantity x unit price.
pub(crate) fn line_value(line: &OrderLine) -> Result<Money> {
    line.unit_price.checked_mul(line.quantity)
}

impl Positions {
    fn find(name: &Path, headers: Vec<String>, columns: &OrderColumns) -> Result<Positions> {
        let find = |column: &str| header_column(&headers, column, name);
        let optional = |column: &Option<String>| column.as_deref().map(&find).transpose();
        let present = |column: &str| {
            (!column.trim().is_empty())
                .then(|| find(column))
                .transpose()
        };
        Ok(Positions {
            invoice: columns
                .invoice
                .split('+')
                .map(|c| find(c.trim()))
                .collect::<Result<_>>()?,
            item: find(&columns.item)?,
            description: optional(&columns.description)?,
            quantity: present(&columns.quantity)?,
            unit_price: present(&columns.unit_price)?,
            customer: optional(&columns.customer)?,
            time: find(&columns.time)?,
            segment: optional(&columns.segment)?,
            headers,
        })
    }
}

/// Accumulates rows into lines, orders and the summary.
struct Builder<'o> {
    options: &'o OrderReadOptions,
    lines: Vec<OrderLine>,
    orders: Vec<Order>,
    order_ids: FxHashMap<String, u32>,
    items: ItemDictionary,
    descriptions: Vec<Option<String>>,
    excluded: FxHashMap<ExclusionReason, u64>,
    rows: u64,
    kept_without_customer: u64,
}

impl<'o> Builder<'o> {
    fn new(options: &'o OrderReadOptions) -> Self {
        Builder {
            options,
            lines: Vec::new(),
            orders: Vec::new(),
            order_ids: FxHashMap::default(),
            items: ItemDictionary::default(),
            descriptions: Vec::new(),
            excluded: FxHashMap::default(),
            rows: 0,
            kept_without_customer: 0,
        }
    }

    fn row(
        &mut self,
        record: &csv::StringRecord,
        at: &Positions,
        name: &Path,
        line_no: u64,
    ) -> Result<()> {
        self.rows += 1;
        let location = |index: usize| {
            Location::file(name)
                .line(line_no)
                .column(index as u64 + 1)
                .column_name(&at.headers[index])
        };
        let field = |index: usize| record.get(index).unwrap_or("").trim();
        let mut invoice = String::new();
        for (k, &index) in at.invoice.iter().enumerate() {
            if field(index).is_empty() {
                return Err(Error::invalid_input(
                    location(index),
                    "the invoice id is empty",
                ));
            }
            if k > 0 {
                invoice.push(' ');
            }
            invoice.push_str(field(index));
        }
        let invoice = invoice.as_str();
        let item = field(at.item);
        if item.is_empty() {
            return Err(Error::invalid_input(
                location(at.item),
                "the item code is empty",
            ));
        }
        let quantity: i64 = match at.quantity {
            Some(index) => field(index).parse().map_err(|_| {
                Error::invalid_input(
                    location(index),
                    format!("'{}' is not a whole number of units", field(index)),
                )
            })?,
            None => 1,
        };
        let price = match at.unit_price {
            Some(index) => {
                Money::parse_at(field(index), self.options.currency, || location(index))?
            }
            None => Money::zero(self.options.currency),
        };
        if price.is_negative() {
            return Err(Error::invalid_input(
                location(at.unit_price.unwrap_or(at.item)),
                format!(
                    "negative unit price {price}: a price must be zero or more (adjustments belong outside order lines)"
                ),
            ));
        }
        let time = parse_timestamp_at(field(at.time), || location(at.time))?;
        let reason = if !self.options.cancelled_prefix.is_empty()
            && invoice.starts_with(&self.options.cancelled_prefix)
        {
            Some(ExclusionReason::Cancelled)
        } else if quantity <= 0 {
            Some(ExclusionReason::NonPositiveQuantity)
        } else if self
            .options
            .non_product_items
            .iter()
            .any(|code| code == item)
        {
            Some(ExclusionReason::NonProduct)
        } else if price.minor() == 0 && at.unit_price.is_some() {
            Some(ExclusionReason::ZeroPrice)
        } else {
            None
        };
        if let Some(reason) = reason {
            *self.excluded.entry(reason).or_default() += 1;
            return Ok(());
        }
        let customer = at
            .customer
            .map(field)
            .filter(|c| !c.is_empty())
            .map(normalise_customer);
        if customer.is_none() {
            self.kept_without_customer += 1;
        }
        let order = match self.order_ids.get(invoice) {
            Some(&index) => index,
            None => {
                let index = u32::try_from(self.orders.len()).map_err(|_| Error::LimitExceeded {
                    what: "orders",
                    limit: u64::from(u32::MAX),
                    hint: "split the file".to_owned(),
                })?;
                self.orders.push(Order {
                    invoice: invoice.to_owned(),
                    customer,
                    time,
                    segment: at.segment.map(field).map(str::to_owned),
                });
                self.order_ids.insert(invoice.to_owned(), index);
                index
            }
        };
        let item_id = self.items.intern(item);
        if self.descriptions.len() <= item_id as usize {
            self.descriptions.resize(item_id as usize + 1, None);
        }
        if self.descriptions[item_id as usize].is_none() {
            self.descriptions[item_id as usize] = at
                .description
                .map(field)
                .filter(|d| !d.is_empty())
                .map(str::to_owned);
        }
        self.lines.push(OrderLine {
            order,
            item: item_id,
            quantity,
            unit_price: price,
        });
        Ok(())
    }

    fn finish(self, priced: bool) -> OrderLines {
        let mut excluded: Vec<(ExclusionReason, u64)> = self.excluded.into_iter().collect();
        excluded.sort();
        let customers: rustc_hash::FxHashSet<&str> = self
            .orders
            .iter()
            .filter_map(|o| o.customer.as_deref())
            .collect();
        let summary = OrderSummary {
            rows: self.rows,
            kept: self.lines.len() as u64,
            excluded,
            kept_without_customer: self.kept_without_customer,
            orders: self.orders.len() as u64,
            customers: customers.len() as u64,
        };
        OrderLines {
            lines: self.lines,
            orders: self.orders,
            items: self.items,
            descriptions: self.descriptions,
            currency: self.options.currency,
            priced,
            summary,
        }
    }
}

/// `17850.0` -> `17850`: spreadsheet exports write integer ids as floats.
fn normalise_customer(id: &str) -> String {
    match id.split_once('.') {
        Some((whole, fraction))
            if !whole.is_empty()
                && whole.bytes().all(|b| b.is_ascii_digit())
                && fraction.bytes().all(|b| b == b'0') =>
        {
            whole.to_owned()
        }
        _ => id.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::{OrderLines, OrderReadOptions, normalise_customer};

    #[test]
    fn unpriced_member_days() {
        let csv = "Member_number,Date,itemDescription\n1,2015-07-21,milk\n1,2015-07-21,bread\n\
                   2,2015-07-21,milk\n1,2015-07-22,milk\n";
        let options = OrderReadOptions {
            columns: "invoice=Member_number+Date,item=itemDescription,customer=Member_number,\
                      time=Date,quantity=,price=,description=,segment="
                .parse()
                .unwrap(),
            ..OrderReadOptions::default()
        };
        let orders = OrderLines::from_reader(csv.as_bytes(), "mem.csv", &options).unwrap();
        assert!(!orders.has_prices());
        assert_eq!(orders.orders().len(), 3);
        assert_eq!(orders.orders()[0].invoice, "1 2015-07-21");
        assert_eq!(orders.summary().customers, 2);
        assert_eq!(orders.lines()[0].quantity, 1);
        let missing = "invoice=Member_number+Day,item=itemDescription,time=Date,quantity=,price=";
        let options = OrderReadOptions {
            columns: missing.parse().unwrap(),
            ..OrderReadOptions::default()
        };
        let err = OrderLines::from_reader(csv.as_bytes(), "mem.csv", &options).unwrap_err();
        assert!(err.to_string().contains("no column 'Day'"), "{err}");
    }

    #[test]
    fn customer_ids() {
        assert_eq!(normalise_customer("17850.0"), "17850");
        assert_eq!(normalise_customer("17850"), "17850");
        assert_eq!(normalise_customer("A.0"), "A.0");
        assert_eq!(normalise_customer("1.5"), "1.5");
    }
}
