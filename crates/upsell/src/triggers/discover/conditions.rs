//! The candidate conditions of one column: its frequent values, or its two best thresholds, and
//! how each customer is assigned to them.

use std::sync::Arc;

use super::{Condition, ConditionOp};
use crate::triggers::batch::{Cells, Column};
use crate::triggers::value::{Decimal, Value};

/// One column's conditions (item ids `first..first + items.len()` once numbered).
pub(super) struct ColumnConditions {
    pub name: String,
    pub items: Vec<Condition>,
    /// For each item, the conditions it was chosen from: the cut points tried in its direction (1
    /// for a value of a string or boolean column).
    pub tries: Vec<u64>,
    /// Why the column gave no condition.
    pub skipped: Option<String>,
    assign: Assign,
}

/// How a row's value maps to the column's items (offsets into `items`).
enum Assign {
    None,
    /// By string code (or 0/1 for booleans).
    Codes(Vec<Option<u32>>),
    /// `key >= ge.0` gives item `ge.1`; `key < lt.0` gives item `lt.1`.
    Thresholds {
        ge: Option<(f64, u32)>,
        lt: Option<(f64, u32)>,
    },
}

impl ColumnConditions {
    fn skipped(name: &str, reason: String) -> Self {
        ColumnConditions {
            name: name.to_owned(),
            items: Vec::new(),
            tries: Vec::new(),
            skipped: Some(reason),
            assign: Assign::None,
        }
    }

    /// Appends to `out` the items (numbered from `first`) that row `row` of `column` meets.
    pub fn push_items(&self, column: &Column, row: usize, first: u32, out: &mut Vec<u32>) {
        if column.validity().is_some_and(|v| !v[row]) {
            return;
        }
        match (&self.assign, column.cells()) {
            (Assign::Codes(items), Cells::Str { codes, .. }) => {
                if let Some(Some(item)) = items.get(codes[row] as usize) {
                    out.push(first + item);
                }
            }
            (Assign::Codes(items), Cells::Bool(values)) => {
                if let Some(item) = items[usize::from(values[row])] {
                    out.push(first + item);
                }
            }
            (Assign::Thresholds { ge, lt }, cells) => {
                let Some(key) = numeric_key(&cells, row) else {
                    return;
                };
                if let Some((t, item)) = ge {
                    if key >= *t {
                        out.push(first + item);
                    }
                }
                if let Some((t, item)) = lt {
                    if key < *t {
                        out.push(first + item);
                    }
                }
            }
            _ => {}
        }
    }
}

fn numeric_key(cells: &Cells<'_>, row: usize) -> Option<f64> {
    match cells {
        Cells::Int(v) => Some(v[row] as f64),
        Cells::Decimal(v) => Some(v[row] as f64),
        Cells::Float(v) if !v[row].is_nan() => Some(v[row]),
        _ => None,
    }
}

/// The conditions of column `name` for customers whose outcome is `outcome`.
pub(super) fn candidate_conditions(
    name: &str,
    column: Option<&Column>,
    outcome: &[bool],
    min_size: u64,
) -> ColumnConditions {
    let Some(column) = column else {
        return ColumnConditions::skipped(name, "no such column".into());
    };
    let valid = column
        .validity()
        .map_or(outcome.len(), |v| v.iter().filter(|&&ok| ok).count());
    if valid == 0 {
        return ColumnConditions::skipped(name, "all values missing".into());
    }
    match column.cells() {
        Cells::Str { codes, dict } => categorical(
            name,
            dict.len(),
            codes
                .iter()
                .map(|&c| (c != crate::triggers::NULL_CODE).then_some(c as usize)),
            |code| Value::Str(Arc::clone(&dict[code])),
            outcome,
            min_size,
        ),
        Cells::Bool(values) => {
            let validity = column.validity();
            categorical(
                name,
                2,
                values
                    .iter()
                    .enumerate()
                    .map(|(row, &b)| validity.is_none_or(|v| v[row]).then_some(usize::from(b))),
                |code| Value::Bool(code == 1),
                outcome,
                min_size,
            )
        }
        Cells::Int(_) | Cells::Decimal(_) | Cells::Float(_) => {
            numeric(name, column, outcome, min_size)
        }
        Cells::Other => ColumnConditions::skipped(
            name,
            format!(
                "type {} is not used (derive a number, such as days since)",
                column.type_of()
            ),
        ),
    }
}

fn categorical(
    name: &str,
    codes: usize,
    values: impl Iterator<Item = Option<usize>>,
    value_of: impl Fn(usize) -> Value,
    outcome: &[bool],
    min_size: u64,
) -> ColumnConditions {
    let mut sizes = vec![0u64; codes];
    let mut missing = 0u64;
    for value in values.take(outcome.len()) {
        match value {
            Some(code) => sizes[code] += 1,
            None => missing += 1,
        }
    }
    let distinct = sizes.iter().filter(|&&n| n > 0).count();
    if distinct == 1 && missing == 0 {
        return ColumnConditions::skipped(name, "constant".into());
    }
    let mut items = Vec::new();
    let mut assign = vec![None; codes];
    for (code, &size) in sizes.iter().enumerate() {
        if size >= min_size {
            assign[code] = Some(items.len() as u32);
            items.push(Condition {
                column: name.to_owned(),
                op: ConditionOp::Eq,
                value: value_of(code),
            });
        }
    }
    let skipped = items
        .is_empty()
        .then(|| format!("no value is held by at least {min_size} customers"));
    ColumnConditions {
        name: name.to_owned(),
        tries: vec![1; items.len()],
        items,
        skipped,
        assign: Assign::Codes(assign),
    }
}

/// The most cut points tried per column and direction: percentiles beyond that.
const MAX_CUT_POINTS: usize = 100;

/// The best cut point of one direction: `(z, key of the cut, key of the value below)`.
type Cut = (f64, f64, Option<f64>);

fn numeric(name: &str, column: &Column, outcome: &[bool], min_size: u64) -> ColumnConditions {
    let cells = column.cells();
    let validity = column.validity();
    let mut pairs: Vec<(f64, bool)> = (0..outcome.len())
        .filter(|&row| validity.is_none_or(|v| v[row]))
        .filter_map(|row| numeric_key(&cells, row).map(|key| (key, outcome[row])))
        .collect();
    if pairs.is_empty() {
        return ColumnConditions::skipped(name, "all values missing".into());
    }
    pairs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let total = outcome.len() as f64;
    let positives = outcome.iter().filter(|&&y| y).count() as f64;
    let valid = pairs.len() as f64;
    let valid_positives = pairs.iter().filter(|p| p.1).count() as f64;
    if pairs[0].0 == pairs[pairs.len() - 1].0 && pairs.len() == outcome.len() {
        return ColumnConditions::skipped(name, "constant".into());
    }
    let min = min_size as f64;
    // z of a subgroup of n customers, a positive, against the other customers.
    let z = |n: f64, a: f64| {
        let (rest, rest_a) = (total - n, positives - a);
        (a / n - rest_a / rest) * (n * rest / total).sqrt()
    };
    let (mut ge, mut lt): (Option<Cut>, Option<Cut>) = (None, None);
    let mut tried = [0u64; 2];
    let (mut below, mut below_a) = (0.0f64, 0.0f64);
    let mut previous: Option<f64> = None;
    // Cut points: every distinct value, or the percentiles' when there are more than 100.
    let distinct = 1 + pairs.windows(2).filter(|w| w[0].0 != w[1].0).count();
    let step = if distinct <= MAX_CUT_POINTS {
        0
    } else {
        pairs.len().div_ceil(MAX_CUT_POINTS)
    };
    let mut next_cut = 0;
    let mut k = 0;
    while k < pairs.len() {
        let value = pairs[k].0;
        let is_cut = step == 0 || k >= next_cut;
        if is_cut && step > 0 {
            next_cut = k + step;
        }
        // Customers with `key >= value` (above) and `key < value` (below).
        let above = valid - below;
        if is_cut && above >= min && above < total {
            tried[0] += 1;
            let score = z(above, valid_positives - below_a);
            if score > 0.0 && ge.is_none_or(|best| score > best.0) {
                ge = Some((score, value, previous));
            }
        }
        if is_cut && below >= min {
            tried[1] += 1;
            let score = z(below, below_a);
            if score > 0.0 && lt.is_none_or(|best| score > best.0) {
                lt = Some((score, value, previous));
            }
        }
        while k < pairs.len() && pairs[k].0 == value {
            below += 1.0;
            below_a += f64::from(u8::from(pairs[k].1));
            k += 1;
        }
        previous = Some(value);
    }
    let mut items = Vec::new();
    let mut tries = Vec::new();
    let mut thresholds = [None, None];
    for (slot, (cut, op)) in [(ge, ConditionOp::Ge), (lt, ConditionOp::Lt)]
        .into_iter()
        .enumerate()
    {
        if let Some((_, key, below)) = cut {
            thresholds[slot] = Some((key, items.len() as u32));
            tries.push(tried[slot]);
            items.push(Condition {
                column: name.to_owned(),
                op,
                value: round_threshold(&cells, key, below),
            });
        }
    }
    let skipped = items.is_empty().then(|| {
        format!("no threshold leaves at least {min_size} customers with a higher rate on one side")
    });
    ColumnConditions {
        name: name.to_owned(),
        items,
        tries,
        skipped,
        assign: Assign::Thresholds {
            ge: thresholds[0],
            lt: thresholds[1],
        },
    }
}

/// The roundest number in `(below, key]`, which splits the customers as `key` does.
pub(super) fn round_threshold(cells: &Cells<'_>, key: f64, below: Option<f64>) -> Value {
    match cells {
        Cells::Int(_) => Value::Int(round_int(key as i64, below.map(|b| b as i64))),
        Cells::Decimal(_) => Value::Decimal(Decimal::from_units(round_int(
            key as i64,
            below.map(|b| b as i64),
        ))),
        _ => {
            let below = below.unwrap_or(f64::NEG_INFINITY);
            for digits in -15..=6 {
                let scale = 10f64.powi(digits);
                let rounded = (key * scale).floor() / scale;
                if rounded > below && rounded <= key {
                    return Value::Float(rounded);
                }
            }
            Value::Float((key * 1e6).ceil() / 1e6)
        }
    }
}

/// The integer in `(below, key]` with the most trailing zeros.
pub(super) fn round_int(key: i64, below: Option<i64>) -> i64 {
    let below = below.unwrap_or(i64::MIN);
    let mut scale = 1_000_000_000_000_000_000i64;
    while scale > 1 {
        let rounded = key.div_euclid(scale) * scale;
        if rounded > below {
            return rounded;
        }
        scale /= 10;
    }
    key
}
