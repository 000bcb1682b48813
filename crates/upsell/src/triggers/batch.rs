//! Columnar data and the columnar evaluator.
//!
//! A [`Batch`] is a set of typed column vectors with validity, the shape of an Arrow RecordBatch
//! without depending on arrow-rs (Python fills it from numpy / Arrow buffers; the CLI from a CSV).
//! Strings are dictionary-encoded: a comparison of a string column with a literal is decided once
//! per distinct value and then read through the codes, which is what makes `plan == "starter"` as
//! cheap as an integer comparison. Strings given as text are kept as one buffer and encoded the
//! first time a condition reads the column, so columns no rule reads (a million distinct customer
//! ids) cost one copy rather than a dictionary.
//!
//! The evaluator runs a checked program tree ([`Node`]) over a chunk of rows at a time. Booleans are
//! one byte each in the order false = 0, null = 1, true = 2, so Kleene `&&` is `min`, `||` is `max`
//! and `!` is `2 - x`, all branch-free loops the compiler vectorises. The hot operators (fields,
//! literals, comparisons, arithmetic, `in`, `has`, `days_since`) have column kernels; the rest
//! (string building, `min`/`max`, `pct_change`...) run the row evaluator for each row of the chunk,
//! so both paths share one semantics and a rarely used function never needs a second
//! implementation. This is written by hand rather than with a dataframe engine to keep the core
//! free of heavy dependencies; the kernels are plain loops over slices.

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use rustc_hash::FxHashMap;

use super::check::{Arith, Cmp, Func, Node, NumKind, Op, Step, StepOp};
use super::row::{self, Fields};
use super::schema::Schema;
use super::value::{Decimal, Elem, Type, Value};
use crate::time::Timestamp;
use crate::{Error, Location, Result};

/// The code of a null string in a dictionary-encoded column.
pub const NULL_CODE: u32 = u32::MAX;

/// One typed column.
///
/// ```
/// use upsell::triggers::Column;
/// let plan = Column::strings([Some("starter"), None, Some("pro")]);
/// assert_eq!(plan.len(), 3);
/// let usage = Column::ints(vec![23, 0, 5], Some(vec![true, false, true]));
/// assert_eq!(usage.len(), 3);
/// ```
#[derive(Debug, Clone)]
pub struct Column {
    data: ColumnData,
    /// `false` marks a null; `None` means every row is valid.
    validity: Option<Vec<bool>>,
}

#[derive(Debug, Clone)]
enum ColumnData {
    Bool(Vec<bool>),
    Int(Vec<i64>),
    /// Millionths (see [`Decimal`]).
    Decimal(Vec<i64>),
    Float(Vec<f64>),
    /// Seconds since the Unix epoch.
    Timestamp(Vec<i64>),
    /// Seconds.
    Duration(Vec<i64>),
    Str(Strings),
    List {
        offsets: Vec<u32>,
        codes: Vec<u32>,
        dict: Vec<Arc<str>>,
    },
}

/// A column's cells, borrowed (see [`Column::cells`]).
pub(crate) enum Cells<'a> {
    Bool(&'a [bool]),
    Int(&'a [i64]),
    /// Millionths.
    Decimal(&'a [i64]),
    Float(&'a [f64]),
    Str {
        codes: &'a [u32],
        dict: &'a [Arc<str>],
    },
    /// Times and lists.
    Other,
}

/// A string column: text in one buffer (encoded at most once, by the first reader that needs
/// codes; later readers share the encoding), or codes into a dictionary as given.
#[derive(Debug, Clone)]
enum Strings {
    Text(Text, OnceLock<Encoded>),
    Encoded(Encoded),
}

/// Strings as Arrow lays them out: row `r` is `bytes[ends[r - 1]..ends[r]]` (from 0 for the first
/// row), null where `nulls` says so.
#[derive(Debug, Clone)]
struct Text {
    bytes: String,
    ends: Vec<usize>,
    nulls: Option<Vec<bool>>,
}

/// Dictionary codes ([`NULL_CODE`] for null) and the dictionary.
#[derive(Debug, Clone)]
struct Encoded {
    codes: Vec<u32>,
    dict: Vec<Arc<str>>,
}

impl Text {
    fn len(&self) -> usize {
        self.ends.len()
    }

    fn get(&self, row: usize) -> Option<&str> {
        if self.nulls.as_ref().is_some_and(|nulls| nulls[row]) {
            return None;
        }
        let start = row.checked_sub(1).map_or(0, |before| self.ends[before]);
        Some(&self.bytes[start..self.ends[row]])
    }
}

impl Strings {
    fn len(&self) -> usize {
        match self {
            Strings::Text(text, _) => text.len(),
            Strings::Encoded(encoded) => encoded.codes.len(),
        }
    }

    /// The codes and dictionary, encoding the text on first use.
    fn encoded(&self) -> &Encoded {
        match self {
            Strings::Text(text, encoded) => encoded.get_or_init(|| {
                let mut interner = Interner::default();
                let codes = (0..text.len())
                    .map(|row| text.get(row).map_or(NULL_CODE, |s| interner.code(s)))
                    .collect();
                Encoded {
                    codes,
                    dict: interner.dict,
                }
            }),
            Strings::Encoded(encoded) => encoded,
        }
    }

    fn value(&self, row: usize) -> Value {
        let Encoded { codes, dict } = match self {
            Strings::Text(text, encoded) => match encoded.get() {
                Some(encoded) => encoded,
                None => return text.get(row).map_or(Value::Null, Value::from),
            },
            Strings::Encoded(encoded) => encoded,
        };
        match codes[row] {
            NULL_CODE => Value::Null,
            code => Value::Str(Arc::clone(&dict[code as usize])),
        }
    }
}

/// Interns strings into a dictionary.
#[derive(Default)]
struct Interner {
    dict: Vec<Arc<str>>,
    codes: FxHashMap<Arc<str>, u32>,
}

impl Interner {
    fn code(&mut self, text: &str) -> u32 {
        if let Some(&code) = self.codes.get(text) {
            return code;
        }
        let code = self.dict.len() as u32;
        let text: Arc<str> = Arc::from(text);
        self.dict.push(Arc::clone(&text));
        self.codes.insert(text, code);
        code
    }
}

impl Column {
    /// Booleans, with an optional validity mask (`false` = null).
    pub fn bools(values: Vec<bool>, validity: Option<Vec<bool>>) -> Self {
        Column {
            data: ColumnData::Bool(values),
            validity,
        }
    }

    /// Integers.
    pub fn ints(values: Vec<i64>, validity: Option<Vec<bool>>) -> Self {
        Column {
            data: ColumnData::Int(values),
            validity,
        }
    }

    /// Exact decimals given in millionths ([`Decimal::units`]).
    pub fn decimals(units: Vec<i64>, validity: Option<Vec<bool>>) -> Self {
        Column {
            data: ColumnData::Decimal(units),
            validity,
        }
    }

    /// Floats.
    pub fn floats(values: Vec<f64>, validity: Option<Vec<bool>>) -> Self {
        Column {
            data: ColumnData::Float(values),
            validity,
        }
    }

    /// Numbers with a fraction as every reader takes them ([`Value::number`]): exact decimals
    /// when every valid value is one, else floats.
    ///
    /// ```
    /// use upsell::triggers::{Column, Type};
    /// assert_eq!(Column::numbers(vec![0.1, 82.5], None).type_of(), Type::Decimal);
    /// assert_eq!(Column::numbers(vec![0.1, f64::NAN], Some(vec![true, false])).type_of(), Type::Decimal);
    /// assert_eq!(Column::numbers(vec![0.1, 1e-9], None).type_of(), Type::Float);
    /// ```
    pub fn numbers(values: Vec<f64>, validity: Option<Vec<bool>>) -> Self {
        let valid = |row: usize| validity.as_ref().is_none_or(|v| v[row]);
        let units: Option<Vec<i64>> = values
            .iter()
            .enumerate()
            .map(|(row, &x)| {
                if valid(row) {
                    Decimal::from_f64_exact(x).map(Decimal::units)
                } else {
                    Some(0)
                }
            })
            .collect();
        match units {
            Some(units) => Column::decimals(units, validity),
            None => Column::floats(values, validity),
        }
    }

    /// UTC instants given in seconds since the Unix epoch.
    pub fn timestamps(seconds: Vec<i64>, validity: Option<Vec<bool>>) -> Self {
        Column {
            data: ColumnData::Timestamp(seconds),
            validity,
        }
    }

    /// Durations in seconds.
    pub fn durations(seconds: Vec<i64>, validity: Option<Vec<bool>>) -> Self {
        Column {
            data: ColumnData::Duration(seconds),
            validity,
        }
    }

    /// Strings (`None` = null), copied into one buffer; they are dictionary-encoded when a
    /// condition first reads the column, so a column of ids that only names customers is never
    /// encoded.
    pub fn strings<'a>(values: impl IntoIterator<Item = Option<&'a str>>) -> Self {
        let values = values.into_iter();
        let mut text = Text {
            bytes: String::new(),
            ends: Vec::with_capacity(values.size_hint().0),
            nulls: None,
        };
        for (row, value) in values.enumerate() {
            match value {
                Some(s) => text.bytes.push_str(s),
                // The mask starts at the first null: a column without one has none.
                None if text.nulls.is_none() => text.nulls = Some(vec![false; row]),
                None => {}
            }
            if let Some(nulls) = &mut text.nulls {
                nulls.push(value.is_none());
            }
            text.ends.push(text.bytes.len());
        }
        Column {
            data: ColumnData::Str(Strings::Text(text, OnceLock::new())),
            validity: None,
        }
    }

    /// Strings laid out as Arrow lays them out, taken as they are rather than copied string by
    /// string: row `r` is `bytes[ends[r - 1]..ends[r]]` (from 0 for the first row), null where
    /// `nulls` is true (a null's bytes are never read). `None` unless `ends` ascend and each falls
    /// on a character boundary of `bytes`.
    pub(crate) fn from_text(
        bytes: String,
        ends: Vec<usize>,
        nulls: Option<Vec<bool>>,
    ) -> Option<Self> {
        let mut start = 0;
        for &end in &ends {
            if end < start || !bytes.is_char_boundary(end) {
                return None;
            }
            start = end;
        }
        if nulls
            .as_ref()
            .is_some_and(|nulls| nulls.len() != ends.len())
        {
            return None;
        }
        Some(Column {
            data: ColumnData::Str(Strings::Text(Text { bytes, ends, nulls }, OnceLock::new())),
            validity: None,
        })
    }

    /// Strings already dictionary-encoded (pandas categoricals, Arrow dictionaries): `codes` index
    /// `dictionary`, [`NULL_CODE`] is null. A code out of range is an error naming the row.
    ///
    /// ```
    /// use upsell::triggers::{Column, NULL_CODE};
    /// let plan = Column::dictionary(vec![0, 1, NULL_CODE], vec!["starter".into(), "pro".into()])?;
    /// assert_eq!(plan.len(), 3);
    /// assert!(Column::dictionary(vec![5], vec!["a".into()]).is_err());
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn dictionary(codes: Vec<u32>, dictionary: Vec<String>) -> Result<Self> {
        if let Some(row) = codes
            .iter()
            .position(|&c| c != NULL_CODE && c as usize >= dictionary.len())
        {
            return Err(Error::invalid_input(
                Location::memory().line(row as u64 + 1),
                format!(
                    "dictionary code {} out of range (dictionary of {})",
                    codes[row],
                    dictionary.len()
                ),
            ));
        }
        let dict = dictionary.into_iter().map(Arc::from).collect();
        Ok(Column {
            data: ColumnData::Str(Strings::Encoded(Encoded { codes, dict })),
            validity: None,
        })
    }

    /// Lists of strings (`None` = null list).
    pub fn lists<'a, L>(values: impl IntoIterator<Item = Option<L>>) -> Self
    where
        L: IntoIterator<Item = &'a str>,
    {
        let mut interner = Interner::default();
        let (mut offsets, mut codes, mut validity) = (vec![0u32], Vec::new(), Vec::new());
        for list in values {
            validity.push(list.is_some());
            if let Some(list) = list {
                codes.extend(list.into_iter().map(|s| interner.code(s)));
            }
            offsets.push(codes.len() as u32);
        }
        let all_valid = validity.iter().all(|&v| v);
        Column {
            data: ColumnData::List {
                offsets,
                codes,
                dict: interner.dict,
            },
            validity: (!all_valid).then_some(validity),
        }
    }

    /// A column of `ty` from values (nulls allowed); a value of another type is an error.
    ///
    /// ```
    /// use upsell::triggers::{Column, Type, Value};
    /// let c = Column::from_values(Type::Int, &[Value::Int(1), Value::Null])?;
    /// assert_eq!(c.len(), 2);
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn from_values(ty: Type, values: &[Value]) -> Result<Self> {
        let validity: Vec<bool> = values.iter().map(|v| !v.is_null()).collect();
        let mismatch = |row: usize| {
            Error::invalid_input(
                Location::memory().line(row as u64 + 1),
                format!(
                    "expected {ty}, found {}",
                    values[row].type_of().map_or("null", Type::name)
                ),
            )
        };
        macro_rules! numbers {
            ($variant:ident, $pattern:pat => $out:expr, $default:expr) => {{
                let mut out = Vec::with_capacity(values.len());
                for (row, value) in values.iter().enumerate() {
                    out.push(match value {
                        Value::Null => $default,
                        $pattern => $out,
                        _ => return Err(mismatch(row)),
                    });
                }
                ColumnData::$variant(out)
            }};
        }
        let data = match ty {
            Type::Bool => numbers!(Bool, Value::Bool(b) => *b, false),
            Type::Int => numbers!(Int, Value::Int(i) => *i, 0),
            Type::Decimal => numbers!(Decimal, Value::Decimal(d) => d.units(), 0),
            Type::Float => numbers!(Float, Value::Float(x) => *x, 0.0),
            Type::Timestamp => numbers!(Timestamp, Value::Timestamp(t) => t.as_second(), 0),
            Type::Duration => numbers!(Duration, Value::Duration(s) => *s, 0),
            Type::String => {
                let mut strings = Vec::with_capacity(values.len());
                for (row, value) in values.iter().enumerate() {
                    strings.push(match value {
                        Value::Null => None,
                        Value::Str(s) => Some(s.as_ref()),
                        _ => return Err(mismatch(row)),
                    });
                }
                return Ok(Column::strings(strings));
            }
            Type::List(Elem::String) => {
                let mut lists = Vec::with_capacity(values.len());
                for (row, value) in values.iter().enumerate() {
                    lists.push(match value {
                        Value::Null => None,
                        Value::List(items) => Some(
                            items
                                .iter()
                                .map(|item| match item {
                                    Value::Str(s) => Ok(s.as_ref()),
                                    _ => Err(mismatch(row)),
                                })
                                .collect::<Result<Vec<&str>>>()?,
                        ),
                        _ => return Err(mismatch(row)),
                    });
                }
                return Ok(Column::lists(lists));
            }
            Type::List(_) | Type::Map(..) | Type::Dyn => {
                return Err(Error::invalid_parameter(
                    "type",
                    format!("a column holds bools, numbers, strings, times, durations or lists of strings, not {ty}"),
                ));
            }
        };
        let all_valid = validity.iter().all(|&v| v);
        Ok(Column {
            data,
            validity: (!all_valid).then_some(validity),
        })
    }

    /// The column as `target` converted cell by cell without building values, for the widenings
    /// a rule file's schema asks most often (decimals or integers read where floats are declared);
    /// `None` for the other conversions, which check each value.
    pub(crate) fn widened(&self, target: Type) -> Option<Column> {
        let data = match (&self.data, target) {
            (ColumnData::Decimal(units), Type::Float) => ColumnData::Float(
                units
                    .iter()
                    .map(|&u| Decimal::from_units(u).to_f64())
                    .collect(),
            ),
            (ColumnData::Int(values), Type::Float) => {
                ColumnData::Float(values.iter().map(|&i| i as f64).collect())
            }
            _ => return None,
        };
        Some(Column {
            data,
            validity: self.validity.clone(),
        })
    }

    /// Dictionary-encodes a string column given as text now rather than when a condition first
    /// reads it (nothing for other columns), so that the columns a rule set reads can be encoded
    /// side by side on the workers instead of one after another inside the first chunk that
    /// reads each, while the other workers wait for it.
    pub(crate) fn encode(&self) {
        if let ColumnData::Str(strings) = &self.data {
            strings.encoded();
        }
    }

    /// The column's type.
    pub fn type_of(&self) -> Type {
        match &self.data {
            ColumnData::Bool(_) => Type::Bool,
            ColumnData::Int(_) => Type::Int,
            ColumnData::Decimal(_) => Type::Decimal,
            ColumnData::Float(_) => Type::Float,
            ColumnData::Timestamp(_) => Type::Timestamp,
            ColumnData::Duration(_) => Type::Duration,
            ColumnData::Str(_) => Type::String,
            ColumnData::List { .. } => Type::List(Elem::String),
        }
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        match &self.data {
            ColumnData::Bool(v) => v.len(),
            ColumnData::Int(v)
            | ColumnData::Decimal(v)
            | ColumnData::Timestamp(v)
            | ColumnData::Duration(v) => v.len(),
            ColumnData::Float(v) => v.len(),
            ColumnData::Str(strings) => strings.len(),
            ColumnData::List { offsets, .. } => offsets.len() - 1,
        }
    }

    /// Whether the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The cells, borrowed, for code that reads whole columns (subgroup discovery).
    pub(crate) fn cells(&self) -> Cells<'_> {
        match &self.data {
            ColumnData::Bool(v) => Cells::Bool(v),
            ColumnData::Int(v) => Cells::Int(v),
            ColumnData::Decimal(v) => Cells::Decimal(v),
            ColumnData::Float(v) => Cells::Float(v),
            ColumnData::Str(strings) => {
                let Encoded { codes, dict } = strings.encoded();
                Cells::Str { codes, dict }
            }
            ColumnData::Timestamp(_) | ColumnData::Duration(_) | ColumnData::List { .. } => {
                Cells::Other
            }
        }
    }

    /// The validity mask (`false` = null); `None` when every row is valid.
    pub(crate) fn validity(&self) -> Option<&[bool]> {
        self.validity.as_deref()
    }

    fn is_valid(&self, row: usize) -> bool {
        self.validity.as_ref().is_none_or(|v| v[row])
    }

    /// The value at `row` (null when out of range).
    ///
    /// ```
    /// use upsell::triggers::{Column, Value};
    /// assert_eq!(Column::strings([Some("pro")]).value(0), Value::from("pro"));
    /// ```
    pub fn value(&self, row: usize) -> Value {
        if row >= self.len() || !self.is_valid(row) {
            return Value::Null;
        }
        match &self.data {
            ColumnData::Bool(v) => Value::Bool(v[row]),
            ColumnData::Int(v) => Value::Int(v[row]),
            ColumnData::Decimal(v) => Value::Decimal(Decimal::from_units(v[row])),
            ColumnData::Float(v) => Value::Float(v[row]),
            ColumnData::Timestamp(v) => {
                Timestamp::from_second(v[row]).map_or(Value::Null, Value::Timestamp)
            }
            ColumnData::Duration(v) => Value::Duration(v[row]),
            ColumnData::Str(strings) => strings.value(row),
            ColumnData::List {
                offsets,
                codes,
                dict,
            } => {
                let items = &codes[offsets[row] as usize..offsets[row + 1] as usize];
                Value::List(
                    items
                        .iter()
                        .map(|&c| Value::Str(Arc::clone(&dict[c as usize])))
                        .collect(),
                )
            }
        }
    }

    /// The value at `row` as text for output (customer ids): strings as they are, null as empty.
    pub fn text(&self, row: usize) -> String {
        if let ColumnData::Str(Strings::Text(text, _)) = &self.data {
            let cell = (row < text.len()).then(|| text.get(row)).flatten();
            return cell.unwrap_or_default().to_owned();
        }
        match self.value(row) {
            Value::Str(s) => s.to_string(),
            Value::Null => String::new(),
            other => other.to_string(),
        }
    }
}

/// Named columns of equal length: many customers at once.
///
/// ```
/// use upsell::triggers::{Batch, Column};
/// let batch = Batch::new(vec![
///     ("customer".to_owned(), Column::strings([Some("c1"), Some("c2")])),
///     ("seats".to_owned(), Column::ints(vec![3, 12], None)),
/// ])?;
/// assert_eq!(batch.len(), 2);
/// assert_eq!(batch.schema().get("seats"), Some(upsell::triggers::Type::Int));
/// # Ok::<(), upsell::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Batch {
    schema: Schema,
    /// Shared, so a batch conformed to a rule file's schema reuses the columns it does not convert.
    columns: Vec<Arc<Column>>,
    len: usize,
}

impl Batch {
    /// A batch from named columns; every column must have the same length and a distinct name.
    pub fn new(columns: Vec<(String, Column)>) -> Result<Self> {
        Batch::from_shared(
            columns
                .into_iter()
                .map(|(name, column)| (name, Arc::new(column)))
                .collect(),
        )
    }

    /// [`Batch::new`] over columns that other batches may share.
    pub(crate) fn from_shared(columns: Vec<(String, Arc<Column>)>) -> Result<Self> {
        let len = columns.first().map_or(0, |(_, c)| c.len());
        let mut schema = Schema::default();
        let mut out = Vec::with_capacity(columns.len());
        for (name, column) in columns {
            if column.len() != len {
                return Err(Error::invalid_input(
                    Location::memory().column_name(&name),
                    format!(
                        "column has {} rows, the first column has {len}",
                        column.len()
                    ),
                ));
            }
            if schema.get(&name).is_some() {
                return Err(Error::invalid_input(
                    Location::memory().column_name(&name),
                    "column name given twice",
                ));
            }
            schema.push(name, column.type_of());
            out.push(column);
        }
        Ok(Batch {
            schema,
            columns: out,
            len,
        })
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the batch has no rows.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The columns' names and types.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The column at `index` in schema order.
    pub fn column(&self, index: usize) -> Option<&Column> {
        self.columns.get(index).map(AsRef::as_ref)
    }

    /// The columns, for freeing them elsewhere ([`crate::parallel::Runner::drop_all`]).
    pub(crate) fn into_columns(self) -> Vec<Arc<Column>> {
        self.columns
    }

    /// The column at `index`, shared.
    pub(crate) fn shared_column(&self, index: usize) -> Option<&Arc<Column>> {
        self.columns.get(index)
    }

    pub(crate) fn row(&self, row: usize) -> BatchRow<'_> {
        BatchRow { batch: self, row }
    }
}

/// One row of a batch, read field by field.
pub(crate) struct BatchRow<'a> {
    batch: &'a Batch,
    row: usize,
}

impl Fields for BatchRow<'_> {
    fn get(&self, index: usize) -> Cow<'_, Value> {
        Cow::Owned(
            self.batch
                .columns
                .get(index)
                .map_or(Value::Null, |c| c.value(self.row)),
        )
    }
}

/// Booleans as bytes: false = 0, null = 1, true = 2.
pub(crate) const FALSE: u8 = 0;
pub(crate) const NULL: u8 = 1;
pub(crate) const TRUE: u8 = 2;

/// The value of a node over a chunk of rows.
enum Vals<'a> {
    Scalar(Value),
    Bool(Vec<u8>),
    I64(Cow<'a, [i64]>, Option<Cow<'a, [bool]>>),
    F64(Cow<'a, [f64]>, Option<Cow<'a, [bool]>>),
    Str(&'a [u32], &'a [Arc<str>]),
    Rows(Vec<Value>),
}

/// Evaluates checked conditions over chunks of one batch.
pub(crate) struct ChunkEval<'a> {
    pub batch: &'a Batch,
    pub now: Timestamp,
    pub start: usize,
    pub end: usize,
}

fn scalar_i64(value: &Value) -> Option<i64> {
    match value {
        Value::Int(i) | Value::Duration(i) => Some(*i),
        Value::Decimal(d) => Some(d.units()),
        Value::Timestamp(t) => Some(t.as_second()),
        _ => None,
    }
}

fn scalar_f64(value: &Value) -> Option<f64> {
    match value {
        Value::Float(x) => Some(*x),
        _ => None,
    }
}

fn value_from_i64(ty: Type, v: i64) -> Value {
    match ty {
        Type::Int => Value::Int(v),
        Type::Decimal => Value::Decimal(Decimal::from_units(v)),
        Type::Timestamp => Timestamp::from_second(v).map_or(Value::Null, Value::Timestamp),
        _ => Value::Duration(v),
    }
}

fn flip(op: Cmp) -> Cmp {
    match op {
        Cmp::Lt => Cmp::Gt,
        Cmp::Le => Cmp::Ge,
        Cmp::Gt => Cmp::Lt,
        Cmp::Ge => Cmp::Le,
        other => other,
    }
}

#[inline]
fn b(x: bool) -> u8 {
    if x { TRUE } else { FALSE }
}

impl<'a> ChunkEval<'a> {
    fn len(&self) -> usize {
        self.end - self.start
    }

    /// A condition over the chunk: one byte per row (see [`TRUE`]).
    pub fn condition(&self, node: &Node) -> Vec<u8> {
        match self.eval(node) {
            Vals::Bool(v) => v,
            Vals::Scalar(Value::Bool(x)) => vec![b(x); self.len()],
            Vals::Scalar(_) => vec![NULL; self.len()],
            Vals::Rows(values) => values.iter().map(bool_byte).collect(),
            _ => vec![NULL; self.len()],
        }
    }

    fn eval(&self, node: &Node) -> Vals<'a> {
        match &node.op {
            Op::Const(value) => Vals::Scalar(value.clone()),
            Op::Field(index) => self.field(*index),
            Op::Def(inner) => self.eval(inner),
            Op::Not(inner) => Vals::Bool(
                self.condition(inner)
                    .into_iter()
                    .map(|x| TRUE - x)
                    .collect(),
            ),
            Op::And(operands) => self.logic(operands, TRUE, u8::min),
            Op::Or(operands) => self.logic(operands, FALSE, u8::max),
            Op::Cmp(op, x, y) => self.compare(node, *op, x, y),
            Op::Fold(first, steps) => self.fold(node, first, steps),
            Op::ToDecimal(inner) | Op::ToFloat(inner) => {
                match self.widen(self.eval(inner), inner.ty, node.ty) {
                    Some(values) => values,
                    None => self.fallback(node),
                }
            }
            Op::IsSet(inner) => match self.eval(inner) {
                Vals::I64(_, valid) | Vals::F64(_, valid) => Vals::Bool(valid.map_or_else(
                    || vec![TRUE; self.len()],
                    |v| v.iter().map(|&x| b(x)).collect(),
                )),
                Vals::Str(codes, _) => {
                    Vals::Bool(codes.iter().map(|&c| b(c != NULL_CODE)).collect())
                }
                Vals::Bool(v) => Vals::Bool(v.into_iter().map(|x| b(x != NULL)).collect()),
                _ => self.fallback(node),
            },
            Op::InList(item, list) if list.iter().all(|n| matches!(n.op, Op::Const(_))) => {
                let consts: Vec<&Value> = list
                    .iter()
                    .filter_map(|n| {
                        if let Op::Const(v) = &n.op {
                            Some(v)
                        } else {
                            None
                        }
                    })
                    .collect();
                match self.eval(item) {
                    Vals::Str(codes, dict) => {
                        let table: Vec<u8> = dict
                            .iter()
                            .map(|s| b(consts.iter().any(|c| matches!(c, Value::Str(c) if c == s))))
                            .collect();
                        Vals::Bool(lookup(codes, &table))
                    }
                    Vals::I64(v, valid) => {
                        let wanted: Vec<i64> =
                            consts.iter().filter_map(|c| scalar_i64(c)).collect();
                        Vals::Bool(with_validity(&v, valid.as_deref(), |x| wanted.contains(&x)))
                    }
                    _ => self.fallback(node),
                }
            }
            Op::InRange(item, low, high) => match (self.eval(item), &low.op, &high.op) {
                (Vals::I64(v, valid), Op::Const(lo), Op::Const(hi)) => {
                    match (scalar_i64(lo), scalar_i64(hi)) {
                        (Some(lo), Some(hi)) => {
                            Vals::Bool(with_validity(&v, valid.as_deref(), |x| lo <= x && x <= hi))
                        }
                        _ => Vals::Bool(vec![FALSE; self.len()]),
                    }
                }
                (Vals::F64(v, valid), Op::Const(lo), Op::Const(hi)) => {
                    match (scalar_f64(lo), scalar_f64(hi)) {
                        (Some(lo), Some(hi)) => {
                            Vals::Bool(with_validity(&v, valid.as_deref(), |x| lo <= x && x <= hi))
                        }
                        _ => Vals::Bool(vec![FALSE; self.len()]),
                    }
                }
                _ => self.fallback(node),
            },
            Op::In(item, list) => match (&item.op, &list.op) {
                (Op::Const(Value::Str(wanted)), Op::Field(index)) => {
                    self.list_contains(*index, wanted)
                }
                _ => self.fallback(node),
            },
            Op::Call(func @ (Func::DaysSince | Func::DaysUntil), args) => match self.eval(&args[0])
            {
                Vals::I64(v, valid) => {
                    let now = self.now.as_second();
                    let since = *func == Func::DaysSince;
                    let out = v
                        .iter()
                        .map(|&t| {
                            if since {
                                now.wrapping_sub(t)
                            } else {
                                t.wrapping_sub(now)
                            }
                            .div_euclid(86_400)
                        })
                        .collect();
                    Vals::I64(Cow::Owned(out), valid)
                }
                _ => self.fallback(node),
            },
            _ => self.fallback(node),
        }
    }

    fn field(&self, index: usize) -> Vals<'a> {
        let Some(column) = self.batch.columns.get(index) else {
            return Vals::Scalar(Value::Null);
        };
        let range = self.start..self.end;
        let valid = column
            .validity
            .as_ref()
            .map(|v| Cow::Borrowed(&v[range.clone()]));
        match &column.data {
            ColumnData::Int(v)
            | ColumnData::Decimal(v)
            | ColumnData::Timestamp(v)
            | ColumnData::Duration(v) => Vals::I64(Cow::Borrowed(&v[range]), valid),
            ColumnData::Float(v) => Vals::F64(Cow::Borrowed(&v[range]), valid),
            ColumnData::Bool(v) => Vals::Bool(match valid {
                None => v[range].iter().map(|&x| b(x)).collect(),
                Some(valid) => v[range]
                    .iter()
                    .zip(valid.iter())
                    .map(|(&x, &ok)| if ok { b(x) } else { NULL })
                    .collect(),
            }),
            ColumnData::Str(strings) if valid.is_none() => {
                let Encoded { codes, dict } = strings.encoded();
                Vals::Str(&codes[range], dict)
            }
            _ => Vals::Rows(range.map(|r| column.value(r)).collect()),
        }
    }

    fn list_contains(&self, index: usize, wanted: &str) -> Vals<'a> {
        let Some(Column {
            data:
                ColumnData::List {
                    offsets,
                    codes,
                    dict,
                },
            validity,
        }) = self.batch.column(index)
        else {
            return Vals::Bool(vec![FALSE; self.len()]);
        };
        let Some(code) = dict.iter().position(|s| s.as_ref() == wanted) else {
            return Vals::Bool(vec![FALSE; self.len()]);
        };
        let code = code as u32;
        Vals::Bool(
            (self.start..self.end)
                .map(|r| {
                    let valid = validity.as_ref().is_none_or(|v| v[r]);
                    b(
                        valid
                            && codes[offsets[r] as usize..offsets[r + 1] as usize].contains(&code),
                    )
                })
                .collect(),
        )
    }

    /// A chain of `&&` (`combine` = min) or `||` (max); `identity` is the value of no operands.
    fn logic(&self, operands: &[Node], identity: u8, combine: fn(u8, u8) -> u8) -> Vals<'a> {
        let Some((first, rest)) = operands.split_first() else {
            return Vals::Bool(vec![identity; self.len()]);
        };
        let mut running = self.condition(first);
        for operand in rest {
            let next = self.condition(operand);
            for (l, r) in running.iter_mut().zip(&next) {
                *l = combine(*l, *r);
            }
        }
        Vals::Bool(running)
    }

    /// A chain of arithmetic, step by step with the column kernels; the row evaluator takes the
    /// whole chain when a step has no kernel (concatenation, mixed shapes).
    fn fold(&self, node: &Node, first: &Node, steps: &[Step]) -> Vals<'a> {
        let mut running = self.eval(first);
        let mut ty = first.ty;
        for step in steps {
            if let Some(target) = step.widen {
                running = match self.widen(running, ty, target) {
                    Some(values) => values,
                    None => return self.fallback(node),
                };
            }
            let operand = self.eval(&step.operand);
            let next = match step.op {
                StepOp::Arith(op, NumKind::Float) => self.arith_f64(op, running, operand),
                StepOp::Arith(op, kind) => self.arith_i64(step.ty, op, kind, running, operand),
                StepOp::Concat | StepOp::Dyn(_) => None,
            };
            running = match next {
                Some(values) => values,
                None => return self.fallback(node),
            };
            ty = step.ty;
        }
        running
    }

    /// Numbers of type `from` widened to `to` (int to decimal, int or decimal to float); `None`
    /// when the values have no column kernel.
    fn widen(&self, values: Vals<'a>, from: Type, to: Type) -> Option<Vals<'a>> {
        Some(match (values, to) {
            (Vals::Scalar(value), _) => Vals::Scalar(row::widen(value, to)),
            (Vals::I64(v, valid), Type::Decimal) => {
                let mut valid = valid
                    .map(Cow::into_owned)
                    .unwrap_or_else(|| vec![true; v.len()]);
                let out = v
                    .iter()
                    .zip(valid.iter_mut())
                    .map(|(&x, ok)| {
                        let r = x.checked_mul(Decimal::SCALE);
                        *ok &= r.is_some();
                        r.unwrap_or(0)
                    })
                    .collect();
                Vals::I64(Cow::Owned(out), Some(Cow::Owned(valid)))
            }
            (Vals::I64(v, valid), Type::Float) => {
                let scale = if from == Type::Decimal {
                    Decimal::SCALE as f64
                } else {
                    1.0
                };
                Vals::F64(
                    Cow::Owned(v.iter().map(|&x| x as f64 / scale).collect()),
                    valid,
                )
            }
            _ => return None,
        })
    }

    fn compare(&self, node: &Node, op: Cmp, x: &Node, y: &Node) -> Vals<'a> {
        let (left, right) = (self.eval(x), self.eval(y));
        match (left, right) {
            (Vals::Scalar(a), Vals::Scalar(c)) => {
                Vals::Bool(vec![b(row::compare(op, &a, &c)); self.len()])
            }
            (Vals::I64(v, valid), Vals::Scalar(c)) => match scalar_i64(&c) {
                Some(c) => Vals::Bool(with_validity(&v, valid.as_deref(), |a| op.test(a, c))),
                None => Vals::Bool(vec![FALSE; self.len()]),
            },
            (Vals::Scalar(c), Vals::I64(v, valid)) => match scalar_i64(&c) {
                Some(c) => Vals::Bool(with_validity(&v, valid.as_deref(), |a| flip(op).test(a, c))),
                None => Vals::Bool(vec![FALSE; self.len()]),
            },
            (Vals::I64(v, va), Vals::I64(w, wa)) => {
                Vals::Bool(pairwise(&v, va.as_deref(), &w, wa.as_deref(), |a, c| {
                    op.test(a, c)
                }))
            }
            (Vals::F64(v, valid), Vals::Scalar(c)) => match scalar_f64(&c) {
                Some(c) => Vals::Bool(with_validity(&v, valid.as_deref(), |a| op.test(a, c))),
                None => Vals::Bool(vec![FALSE; self.len()]),
            },
            (Vals::Scalar(c), Vals::F64(v, valid)) => match scalar_f64(&c) {
                Some(c) => Vals::Bool(with_validity(&v, valid.as_deref(), |a| flip(op).test(a, c))),
                None => Vals::Bool(vec![FALSE; self.len()]),
            },
            (Vals::F64(v, va), Vals::F64(w, wa)) => {
                Vals::Bool(pairwise(&v, va.as_deref(), &w, wa.as_deref(), |a, c| {
                    op.test(a, c)
                }))
            }
            (Vals::Str(codes, dict), Vals::Scalar(Value::Str(s))) => {
                let table: Vec<u8> = dict
                    .iter()
                    .map(|d| b(op.test(d.as_ref(), s.as_ref())))
                    .collect();
                Vals::Bool(lookup(codes, &table))
            }
            (Vals::Scalar(Value::Str(s)), Vals::Str(codes, dict)) => {
                let table: Vec<u8> = dict
                    .iter()
                    .map(|d| b(op.test(s.as_ref(), d.as_ref())))
                    .collect();
                Vals::Bool(lookup(codes, &table))
            }
            (Vals::Bool(v), Vals::Scalar(Value::Bool(c)))
            | (Vals::Scalar(Value::Bool(c)), Vals::Bool(v)) => {
                let c = b(c);
                Vals::Bool(
                    v.into_iter()
                        .map(|x| b(x != NULL && op.test(x, c)))
                        .collect(),
                )
            }
            (Vals::Scalar(Value::Null), _) | (_, Vals::Scalar(Value::Null)) => {
                Vals::Bool(vec![FALSE; self.len()])
            }
            _ => self.fallback(node),
        }
    }

    /// `a op c` on integers, millionths or seconds; `None` when the shapes have no kernel.
    fn arith_i64(
        &self,
        ty: Type,
        op: Arith,
        kind: NumKind,
        a: Vals<'a>,
        c: Vals<'a>,
    ) -> Option<Vals<'a>> {
        let apply = |a: i64, c: i64| -> Option<i64> {
            match kind {
                NumKind::Decimal => {
                    row::decimal_arith(op, Decimal::from_units(a), Decimal::from_units(c))
                        .map(Decimal::units)
                }
                _ => row::int_arith(op, a, c),
            }
        };
        let n = self.len();
        let (left, left_valid, right, right_valid) = match (a, c) {
            (Vals::I64(v, va), Vals::I64(w, wa)) => (v, va, w, wa),
            (Vals::I64(v, va), Vals::Scalar(s)) => match scalar_i64(&s) {
                Some(s) => (v, va, Cow::Owned(vec![s; n]), None),
                None => return Some(Vals::Scalar(Value::Null)),
            },
            (Vals::Scalar(s), Vals::I64(w, wa)) => match scalar_i64(&s) {
                Some(s) => (Cow::Owned(vec![s; n]), None, w, wa),
                None => return Some(Vals::Scalar(Value::Null)),
            },
            (Vals::Scalar(s), Vals::Scalar(t)) => {
                return Some(Vals::Scalar(match (scalar_i64(&s), scalar_i64(&t)) {
                    (Some(s), Some(t)) => {
                        apply(s, t).map_or(Value::Null, |r| value_from_i64(ty, r))
                    }
                    _ => Value::Null,
                }));
            }
            _ => return None,
        };
        let mut valid = vec![true; n];
        let mut out = vec![0i64; n];
        for i in 0..n {
            let ok = left_valid.as_ref().is_none_or(|v| v[i])
                && right_valid.as_ref().is_none_or(|v| v[i]);
            match apply(left[i], right[i]) {
                Some(r) if ok => out[i] = r,
                _ => valid[i] = false,
            }
        }
        Some(Vals::I64(Cow::Owned(out), Some(Cow::Owned(valid))))
    }

    /// `a op c` on floats; `None` when the shapes have no kernel.
    fn arith_f64(&self, op: Arith, a: Vals<'a>, c: Vals<'a>) -> Option<Vals<'a>> {
        let n = self.len();
        let (left, left_valid, right, right_valid) = match (a, c) {
            (Vals::F64(v, va), Vals::F64(w, wa)) => (v, va, w, wa),
            (Vals::F64(v, va), Vals::Scalar(Value::Float(s))) => {
                (v, va, Cow::Owned(vec![s; n]), None)
            }
            (Vals::Scalar(Value::Float(s)), Vals::F64(w, wa)) => {
                (Cow::Owned(vec![s; n]), None, w, wa)
            }
            (Vals::Scalar(Value::Float(s)), Vals::Scalar(Value::Float(t))) => {
                return Some(Vals::Scalar(
                    row::float_arith(op, s, t).map_or(Value::Null, Value::Float),
                ));
            }
            (Vals::Scalar(Value::Null), _) | (_, Vals::Scalar(Value::Null)) => {
                return Some(Vals::Scalar(Value::Null));
            }
            _ => return None,
        };
        let mut valid = vec![true; n];
        let mut out = vec![0f64; n];
        for i in 0..n {
            let ok = left_valid.as_ref().is_none_or(|v| v[i])
                && right_valid.as_ref().is_none_or(|v| v[i]);
            match row::float_arith(op, left[i], right[i]) {
                Some(r) if ok => out[i] = r,
                _ => valid[i] = false,
            }
        }
        Some(Vals::F64(Cow::Owned(out), Some(Cow::Owned(valid))))
    }

    /// The row evaluator over each row of the chunk, typed back into a column.
    fn fallback(&self, node: &Node) -> Vals<'a> {
        let values: Vec<Value> = (self.start..self.end)
            .map(|r| row::eval(node, &self.batch.row(r), self.now))
            .collect();
        match node.ty {
            Type::Bool => Vals::Bool(values.iter().map(bool_byte).collect()),
            Type::Int | Type::Decimal | Type::Timestamp | Type::Duration => {
                let valid: Vec<bool> = values.iter().map(|v| !v.is_null()).collect();
                let data = values
                    .iter()
                    .map(|v| row::seconds(v).or_else(|| scalar_i64(v)).unwrap_or(0))
                    .collect();
                Vals::I64(Cow::Owned(data), Some(Cow::Owned(valid)))
            }
            Type::Float => {
                let valid: Vec<bool> = values.iter().map(|v| !v.is_null()).collect();
                Vals::F64(
                    Cow::Owned(
                        values
                            .iter()
                            .map(|v| scalar_f64(v).unwrap_or(0.0))
                            .collect(),
                    ),
                    Some(Cow::Owned(valid)),
                )
            }
            _ => Vals::Rows(values),
        }
    }
}

fn bool_byte(value: &Value) -> u8 {
    match value {
        Value::Bool(x) => b(*x),
        _ => NULL,
    }
}

fn lookup(codes: &[u32], table: &[u8]) -> Vec<u8> {
    codes
        .iter()
        .map(|&c| table.get(c as usize).copied().unwrap_or(FALSE))
        .collect()
}

#[inline]
fn with_validity<T: Copy>(
    values: &[T],
    valid: Option<&[bool]>,
    test: impl Fn(T) -> bool,
) -> Vec<u8> {
    match valid {
        None => values.iter().map(|&x| b(test(x))).collect(),
        Some(valid) => values
            .iter()
            .zip(valid)
            .map(|(&x, &ok)| b(ok && test(x)))
            .collect(),
    }
}

#[inline]
fn pairwise<T: Copy>(
    left: &[T],
    left_valid: Option<&[bool]>,
    right: &[T],
    right_valid: Option<&[bool]>,
    test: impl Fn(T, T) -> bool,
) -> Vec<u8> {
    (0..left.len())
        .map(|i| {
            let ok = left_valid.is_none_or(|v| v[i]) && right_valid.is_none_or(|v| v[i]);
            b(ok && test(left[i], right[i]))
        })
        .collect()
}
