//! The row evaluator: one customer's values in, one value out, plus the reason trace that says why
//! a rule fired ("plan == 'starter' (was 'starter') && usage.feature_x_30d > 20 (was 23)").
//!
//! This is also the semantic reference of the language: the columnar evaluator ([`super::batch`])
//! is tested against it row for row, and runs this code for every operator it has no kernel for
//! (lists, maps, macros). Null rules, stated once: a missing field is null; arithmetic with null,
//! an overflow or a division by zero is null (an error is null); a comparison, `in` or string test
//! with a null operand is false; `&&`, `||` and `!` follow three-valued (Kleene) logic on null
//! booleans; a condition that ends null does not fire. A list or map holding a null is null, and
//! in a map of fields ([`map_of_fields`]) a field whose value is null is not a key.

use std::borrow::Cow;
use std::sync::Arc;

use jiff::tz::TimeZone;

use std::cmp::Ordering;

use super::check::{Arith, Cmp, Func, Macro, Node, NumKind, Op, Step, StepOp};
use super::value::{Decimal, Elem, Type, Value};
use crate::time::{Timestamp, days_between};

/// Read access to one record's field values by schema index, and to the variables of the macros
/// being evaluated.
pub(crate) trait Fields {
    fn get(&self, index: usize) -> Cow<'_, Value>;

    /// The value bound to a macro's variable `slot` (null outside any macro).
    fn var(&self, _slot: usize) -> Cow<'_, Value> {
        Cow::Owned(Value::Null)
    }
}

/// A record seen through a trait object, so that macros nest without new instantiations of
/// [`eval`].
struct Outer<'a, F: ?Sized>(&'a F);

impl<F: Fields + ?Sized> Fields for Outer<'_, F> {
    fn get(&self, index: usize) -> Cow<'_, Value> {
        self.0.get(index)
    }

    fn var(&self, slot: usize) -> Cow<'_, Value> {
        self.0.var(slot)
    }
}

/// A record with one macro variable bound.
struct Scoped<'a> {
    outer: &'a dyn Fields,
    slot: usize,
    value: Value,
}

impl Fields for Scoped<'_> {
    fn get(&self, index: usize) -> Cow<'_, Value> {
        self.outer.get(index)
    }

    fn var(&self, slot: usize) -> Cow<'_, Value> {
        if slot == self.slot {
            Cow::Borrowed(&self.value)
        } else {
            self.outer.var(slot)
        }
    }
}

impl Fields for [Value] {
    fn get(&self, index: usize) -> Cow<'_, Value> {
        match <[Value]>::get(self, index) {
            Some(value) => Cow::Borrowed(value),
            None => Cow::Owned(Value::Null),
        }
    }
}

/// An operand without copying it when it is a literal or a field (the common case of a
/// comparison): no reference count is touched on the hot path.
fn operand<'a, F: Fields + ?Sized>(
    node: &'a Node,
    fields: &'a F,
    now: Timestamp,
) -> Cow<'a, Value> {
    match &node.op {
        Op::Const(value) => Cow::Borrowed(value),
        Op::Field(index) => fields.get(*index),
        Op::Var(slot) => fields.var(*slot),
        _ => Cow::Owned(eval(node, fields, now)),
    }
}

/// Evaluates `node` for one record at time `now`.
pub(crate) fn eval<F: Fields + ?Sized>(node: &Node, fields: &F, now: Timestamp) -> Value {
    match &node.op {
        Op::Const(value) => value.clone(),
        Op::Field(index) => fields.get(*index).into_owned(),
        Op::Var(slot) => fields.var(*slot).into_owned(),
        Op::Def(inner) => eval(inner, fields, now),
        Op::Not(inner) => match eval(inner, fields, now) {
            Value::Bool(b) => Value::Bool(!b),
            _ => Value::Null,
        },
        Op::And(operands) => kleene(operands, fields, now, false),
        Op::Or(operands) => kleene(operands, fields, now, true),
        Op::Neg(inner) => match eval(inner, fields, now) {
            Value::Int(i) => i.checked_neg().map_or(Value::Null, Value::Int),
            Value::Decimal(d) => d
                .units()
                .checked_neg()
                .map_or(Value::Null, |u| Value::Decimal(Decimal::from_units(u))),
            Value::Float(x) => Value::Float(-x),
            Value::Duration(s) => s.checked_neg().map_or(Value::Null, Value::Duration),
            _ => Value::Null,
        },
        Op::ToDecimal(inner) => widen(eval(inner, fields, now), Type::Decimal),
        Op::ToFloat(inner) => widen(eval(inner, fields, now), Type::Float),
        Op::Fold(first, steps) => fold(first, steps, fields, now),
        Op::Cond(condition, then, otherwise) => match eval(condition, fields, now) {
            Value::Bool(true) => eval(then, fields, now),
            Value::Bool(false) => eval(otherwise, fields, now),
            _ => Value::Null,
        },
        Op::Cmp(op, a, b) => Value::Bool(compare(
            *op,
            &operand(a, fields, now),
            &operand(b, fields, now),
        )),
        Op::CmpDyn(op, a, b) => {
            compare_dyn(*op, &operand(a, fields, now), &operand(b, fields, now))
        }
        Op::InList(item, list) => {
            let item = operand(item, fields, now);
            Value::Bool(
                !item.is_null()
                    && list
                        .iter()
                        .any(|e| compare(Cmp::Eq, &item, &operand(e, fields, now))),
            )
        }
        Op::In(item, container) => {
            contains(&operand(item, fields, now), &operand(container, fields, now))
        }
        Op::InRange(item, low, high) => {
            let item = operand(item, fields, now);
            Value::Bool(
                compare(Cmp::Ge, &item, &operand(low, fields, now))
                    && compare(Cmp::Le, &item, &operand(high, fields, now)),
            )
        }
        Op::IsSet(inner) => Value::Bool(!operand(inner, fields, now).is_null()),
        Op::Call(func, args) => {
            let values: Vec<Value> = args.iter().map(|a| eval(a, fields, now)).collect();
            call(*func, node, &values, now)
        }
        Op::List(items) => {
            let mut values = Vec::with_capacity(items.len());
            for item in items {
                match eval(item, fields, now) {
                    Value::Null => return Value::Null,
                    value => values.push(value),
                }
            }
            Value::List(values.into())
        }
        Op::Map(entries) => {
            let mut values = Vec::with_capacity(entries.len());
            for (key, value) in entries {
                values.push((eval(key, fields, now), eval(value, fields, now)));
            }
            Value::map(values).unwrap_or(Value::Null)
        }
        Op::MapFields(keys) => map_of_fields(keys, fields),
        Op::Index(base, index) => index_value(&operand(base, fields, now), &operand(index, fields, now)),
        Op::Macro {
            kind,
            list,
            slot,
            filter,
            body,
        } => match &*operand(list, fields, now) {
            Value::List(items) => {
                comprehension(*kind, items, *slot, filter.as_deref(), body, fields, now)
            }
            Value::Map(entries) => {
                let keys: Vec<Value> = entries.iter().map(|(k, _)| k.clone()).collect();
                comprehension(*kind, &keys, *slot, filter.as_deref(), body, fields, now)
            }
            _ => Value::Null,
        },
    }
}

/// The map of the fields under a prefix, `(key, field)` sorted by key: the one place the rule
/// is applied that a field whose value is null is not a key, so that `has(usage.x)` false means
/// `"x" in usage` false and `size(usage)` counts the keys present. Both evaluators run this.
pub(crate) fn map_of_fields<F: Fields + ?Sized>(keys: &[(Arc<str>, usize)], fields: &F) -> Value {
    let entries: Vec<(Value, Value)> = keys
        .iter()
        .filter_map(|(key, index)| {
            let value = fields.get(*index);
            (!value.is_null()).then(|| (Value::Str(Arc::clone(key)), value.into_owned()))
        })
        .collect();
    Value::Map(entries.into())
}

/// `base[index]`: a list's element (null outside the list) or a map's value (null for a missing
/// key); null for anything else.
fn index_value(base: &Value, index: &Value) -> Value {
    match (base, index) {
        (Value::List(items), Value::Int(i)) => usize::try_from(*i)
            .ok()
            .and_then(|i| items.get(i))
            .map_or(Value::Null, Value::clone),
        (Value::Map(entries), key) => lookup(entries, key).map_or(Value::Null, Value::clone),
        _ => Value::Null,
    }
}

/// The value of `key` in a map's entries, keys compared as `==` compares them.
fn lookup<'a>(entries: &'a [(Value, Value)], key: &Value) -> Option<&'a Value> {
    entries.iter().find(|(k, _)| equal(k, key)).map(|(_, v)| v)
}

/// `item in container`: an element of a list or a key of a map equal to `item`; false when
/// either is null, null when the container is neither (a `dyn` value of another kind).
fn contains(item: &Value, container: &Value) -> Value {
    match (item, container) {
        (Value::Null, _) | (_, Value::Null) => Value::Bool(false),
        (item, Value::List(items)) => Value::Bool(items.iter().any(|e| equal(e, item))),
        (key, Value::Map(entries)) => Value::Bool(lookup(entries, key).is_some()),
        _ => Value::Null,
    }
}

/// The order of two values of kinds that order: numbers across kinds, strings, bools, times and
/// durations; `None` for other pairs (and NaN).
fn order(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::Decimal(x), Value::Decimal(y)) => Some(x.cmp(y)),
        (Value::Float(x), Value::Float(y)) => x.partial_cmp(y),
        (Value::Int(x), Value::Decimal(d)) => {
            Some((i128::from(*x) * i128::from(Decimal::SCALE)).cmp(&i128::from(d.units())))
        }
        (Value::Decimal(_), Value::Int(_)) => order(b, a).map(Ordering::reverse),
        (Value::Int(x), Value::Float(y)) => (*x as f64).partial_cmp(y),
        (Value::Decimal(d), Value::Float(y)) => d.to_f64().partial_cmp(y),
        (Value::Float(_), Value::Int(_) | Value::Decimal(_)) => {
            order(b, a).map(Ordering::reverse)
        }
        (Value::Str(x), Value::Str(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::Timestamp(x), Value::Timestamp(y)) => Some(x.cmp(y)),
        (Value::Duration(x), Value::Duration(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// CEL's equality of two values: numbers equal across kinds, lists element by element, maps key
/// by key, values of different kinds unequal; false when either is null.
pub(crate) fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(a, b)| equal(a, b))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| lookup(y, k).is_some_and(|w| equal(v, w)))
        }
        _ => order(a, b) == Some(Ordering::Equal),
    }
}

/// A comparison with a list, a map or a `dyn` operand: false when either side is null, null when
/// `<`, `<=`, `>` or `>=` meets values of kinds that do not order together.
fn compare_dyn(op: Cmp, a: &Value, b: &Value) -> Value {
    if a.is_null() || b.is_null() {
        return Value::Bool(false);
    }
    match op {
        Cmp::Eq => Value::Bool(equal(a, b)),
        Cmp::Ne => Value::Bool(!equal(a, b)),
        _ => order(a, b).map_or(Value::Null, |o| Value::Bool(op.test(o, Ordering::Equal))),
    }
}

/// A macro over `items`, each bound in turn to `slot`. A null predicate counts as CEL counts an
/// error: `exists` is true if some element is true, else null if some is null; `all` is false if
/// some is false, else null if some is null; `exists_one`, `filter` and `map` are null as soon as
/// one predicate or mapped value is null.
fn comprehension<F: Fields + ?Sized>(
    kind: Macro,
    items: &[Value],
    slot: usize,
    filter: Option<&Node>,
    body: &Node,
    fields: &F,
    now: Timestamp,
) -> Value {
    let outer = Outer(fields);
    let mut scoped = Scoped {
        outer: &outer,
        slot,
        value: Value::Null,
    };
    let mut unknown = false;
    let mut count = 0usize;
    let mut out: Vec<Value> = Vec::new();
    for item in items {
        scoped.value = item.clone();
        if let Some(filter) = filter {
            match eval(filter, &scoped, now) {
                Value::Bool(true) => {}
                Value::Bool(false) => continue,
                _ => return Value::Null,
            }
        }
        let value = eval(body, &scoped, now);
        match (kind, value) {
            (Macro::Exists, Value::Bool(true)) => return Value::Bool(true),
            (Macro::All, Value::Bool(false)) => return Value::Bool(false),
            (Macro::Exists | Macro::All, Value::Bool(_)) => {}
            (Macro::Exists | Macro::All, _) => unknown = true,
            (Macro::ExistsOne, Value::Bool(x)) => count += usize::from(x),
            (Macro::Filter, Value::Bool(x)) => {
                if x {
                    out.push(item.clone());
                }
            }
            (Macro::Map, value) if !value.is_null() => out.push(value),
            _ => return Value::Null,
        }
    }
    match kind {
        _ if unknown => Value::Null,
        Macro::Exists => Value::Bool(false),
        Macro::All => Value::Bool(true),
        Macro::ExistsOne => Value::Bool(count == 1),
        Macro::Filter | Macro::Map => Value::List(out.into()),
    }
}

/// Kleene `&&` (`absorbing` false) or `||` (`absorbing` true) over a chain, stopping at the first
/// absorbing value; null when no operand absorbs and some operand is null.
fn kleene<F: Fields + ?Sized>(
    operands: &[Node],
    fields: &F,
    now: Timestamp,
    absorbing: bool,
) -> Value {
    let mut unknown = false;
    for operand in operands {
        match eval(operand, fields, now) {
            Value::Bool(x) if x == absorbing => return Value::Bool(absorbing),
            Value::Bool(_) => {}
            _ => unknown = true,
        }
    }
    if unknown {
        Value::Null
    } else {
        Value::Bool(!absorbing)
    }
}

/// A chain of arithmetic or concatenation, left to right; null from the first null on.
fn fold<F: Fields + ?Sized>(first: &Node, steps: &[Step], fields: &F, now: Timestamp) -> Value {
    let mut running = eval(first, fields, now);
    for step in steps {
        if running.is_null() {
            return Value::Null;
        }
        if let Some(ty) = step.widen {
            running = widen(running, ty);
        }
        let operand = eval(&step.operand, fields, now);
        running = match (step.op, running, operand) {
            (StepOp::Concat, Value::Str(x), Value::Str(y)) => {
                Value::Str(Arc::from(format!("{x}{y}")))
            }
            (StepOp::Concat, Value::List(x), Value::List(y)) => {
                Value::List(x.iter().chain(y.iter()).cloned().collect())
            }
            (StepOp::Arith(op, kind), a, b) => arith(op, kind, step.ty, a, b),
            (StepOp::Dyn(op), a, b) => dyn_arith(op, a, b),
            _ => Value::Null,
        };
    }
    running
}

/// Arithmetic on values whose kinds are known only now: numbers widened to the wider kind as the
/// checker widens them, `+` of two strings or two lists concatenating, times and durations as
/// the checker types them; null for any other pair.
fn dyn_arith(op: Arith, a: Value, b: Value) -> Value {
    let rank = |v: &Value| match v {
        Value::Int(_) => Some(0),
        Value::Decimal(_) => Some(1),
        Value::Float(_) => Some(2),
        _ => None,
    };
    if let (Some(x), Some(y)) = (rank(&a), rank(&b)) {
        let (ty, kind) = match x.max(y) {
            0 => (Type::Int, NumKind::Int),
            1 => (Type::Decimal, NumKind::Decimal),
            _ => (Type::Float, NumKind::Float),
        };
        return arith(op, kind, ty, widen(a, ty), widen(b, ty));
    }
    let seconds_ty = match (&a, op, &b) {
        (Value::Timestamp(_), Arith::Sub, Value::Timestamp(_)) => Type::Duration,
        (Value::Timestamp(_), Arith::Add | Arith::Sub, Value::Duration(_)) => Type::Timestamp,
        (Value::Duration(_), Arith::Add | Arith::Sub, Value::Duration(_)) => Type::Duration,
        (Value::Str(x), Arith::Add, Value::Str(y)) => {
            return Value::Str(Arc::from(format!("{x}{y}")));
        }
        (Value::List(x), Arith::Add, Value::List(y)) => {
            return Value::List(x.iter().chain(y.iter()).cloned().collect());
        }
        _ => return Value::Null,
    };
    arith(op, NumKind::Seconds, seconds_ty, a, b)
}

/// A number converted to the wider numeric type `ty` (`int -> decimal -> float`).
pub(crate) fn widen(value: Value, ty: Type) -> Value {
    match (value, ty) {
        (Value::Int(i), Type::Decimal) => to_decimal(i),
        (Value::Int(i), Type::Float) => Value::Float(i as f64),
        (Value::Decimal(d), Type::Float) => Value::Float(d.to_f64()),
        (other, _) => other,
    }
}

fn to_decimal(i: i64) -> Value {
    i.checked_mul(Decimal::SCALE)
        .map_or(Value::Null, |u| Value::Decimal(Decimal::from_units(u)))
}

pub(crate) fn seconds(value: &Value) -> Option<i64> {
    match value {
        Value::Timestamp(t) => Some(t.as_second()),
        Value::Duration(s) | Value::Int(s) => Some(*s),
        _ => None,
    }
}

pub(crate) fn from_seconds(ty: Type, s: i64) -> Value {
    match ty {
        Type::Timestamp => Timestamp::from_second(s).map_or(Value::Null, Value::Timestamp),
        _ => Value::Duration(s),
    }
}

pub(crate) fn int_arith(op: Arith, x: i64, y: i64) -> Option<i64> {
    match op {
        Arith::Add => x.checked_add(y),
        Arith::Sub => x.checked_sub(y),
        Arith::Mul => x.checked_mul(y),
        Arith::Div => x.checked_div(y),
        Arith::Rem => x.checked_rem(y),
    }
}

pub(crate) fn decimal_arith(op: Arith, x: Decimal, y: Decimal) -> Option<Decimal> {
    match op {
        Arith::Add => x.units().checked_add(y.units()).map(Decimal::from_units),
        Arith::Sub => x.units().checked_sub(y.units()).map(Decimal::from_units),
        Arith::Mul => x.checked_mul(y),
        Arith::Div => x.checked_div(y),
        Arith::Rem => None,
    }
}

pub(crate) fn float_arith(op: Arith, x: f64, y: f64) -> Option<f64> {
    match op {
        Arith::Add => Some(x + y),
        Arith::Sub => Some(x - y),
        Arith::Mul => Some(x * y),
        Arith::Div if y == 0.0 => None,
        Arith::Div => Some(x / y),
        Arith::Rem => None,
    }
}

fn arith(op: Arith, kind: NumKind, ty: Type, a: Value, b: Value) -> Value {
    match (kind, a, b) {
        (NumKind::Int, Value::Int(x), Value::Int(y)) => {
            int_arith(op, x, y).map_or(Value::Null, Value::Int)
        }
        (NumKind::Decimal, Value::Decimal(x), Value::Decimal(y)) => {
            decimal_arith(op, x, y).map_or(Value::Null, Value::Decimal)
        }
        (NumKind::Float, Value::Float(x), Value::Float(y)) => {
            float_arith(op, x, y).map_or(Value::Null, Value::Float)
        }
        (NumKind::Seconds, a, b) => match (seconds(&a), seconds(&b)) {
            (Some(x), Some(y)) => int_arith(op, x, y).map_or(Value::Null, |s| from_seconds(ty, s)),
            _ => Value::Null,
        },
        _ => Value::Null,
    }
}

/// A comparison; false when either side is null.
pub(crate) fn compare(op: Cmp, a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => op.test(x, y),
        (Value::Decimal(x), Value::Decimal(y)) => op.test(x, y),
        (Value::Float(x), Value::Float(y)) => op.test(x, y),
        (Value::Str(x), Value::Str(y)) => op.test(x.as_ref(), y.as_ref()),
        (Value::Bool(x), Value::Bool(y)) => op.test(x, y),
        (Value::Timestamp(x), Value::Timestamp(y)) => op.test(x, y),
        (Value::Duration(x), Value::Duration(y)) => op.test(x, y),
        _ => false,
    }
}

/// Whether `then` is a later anniversary (same month and day, UTC) of `first`; a 29 February is
/// celebrated on 28 February in other years.
pub(crate) fn is_anniversary(first: Timestamp, now: Timestamp) -> bool {
    let first = first.to_zoned(TimeZone::UTC).date();
    let today = now.to_zoned(TimeZone::UTC).date();
    if today.year() <= first.year() {
        return false;
    }
    let (month, day) = (first.month(), first.day());
    if month == 2 && day == 29 && !today.in_leap_year() {
        return today.month() == 2 && today.day() == 28;
    }
    today.month() == month && today.day() == day
}

/// Percentage change from `old` to `new`, exact for decimals; null when `old` is zero.
pub(crate) fn pct_change_decimal(old: Decimal, new: Decimal) -> Option<Decimal> {
    let delta = Decimal::from_units(new.units().checked_sub(old.units())?);
    delta.checked_mul(Decimal::from_int(100))?.checked_div(old)
}

fn call(func: Func, node: &Node, args: &[Value], now: Timestamp) -> Value {
    match (func, args) {
        (Func::DaysSince, [Value::Timestamp(t)]) => Value::Int(days_between(*t, now)),
        (Func::DaysUntil, [Value::Timestamp(t)]) => Value::Int(days_between(now, *t)),
        (Func::Anniversary, [Value::Timestamp(t)]) => Value::Bool(is_anniversary(*t, now)),
        (Func::Anniversary, _) => Value::Bool(false),
        (Func::PctChange, [Value::Decimal(old), Value::Decimal(new)]) => {
            pct_change_decimal(*old, *new).map_or(Value::Null, Value::Decimal)
        }
        (Func::PctChange, [Value::Float(old), Value::Float(new)]) if *old != 0.0 => {
            Value::Float((new - old) * 100.0 / old)
        }
        (Func::Min | Func::Max, values) => {
            if values.iter().any(Value::is_null) {
                return Value::Null;
            }
            let pick = if func == Func::Min { Cmp::Lt } else { Cmp::Gt };
            values.iter().skip(1).fold(values[0].clone(), |best, v| {
                if compare(pick, v, &best) {
                    v.clone()
                } else {
                    best
                }
            })
        }
        (Func::Size, [Value::Str(s)]) => Value::Int(s.chars().count() as i64),
        (Func::Size, [Value::List(items)]) => Value::Int(items.len() as i64),
        (Func::Size, [Value::Map(entries)]) => Value::Int(entries.len() as i64),
        (Func::ContainsAny | Func::ContainsAll, [Value::List(items), wanted @ ..]) => {
            let has = |w: &Value| items.iter().any(|i| equal(i, w));
            Value::Bool(if func == Func::ContainsAny {
                wanted.iter().any(has)
            } else {
                wanted.iter().all(has)
            })
        }
        (Func::Contains, [Value::Str(s), Value::Str(p)]) => Value::Bool(s.contains(p.as_ref())),
        (Func::StartsWith, [Value::Str(s), Value::Str(p)]) => {
            Value::Bool(s.starts_with(p.as_ref()))
        }
        (Func::EndsWith, [Value::Str(s), Value::Str(p)]) => Value::Bool(s.ends_with(p.as_ref())),
        (
            Func::ContainsAny
            | Func::ContainsAll
            | Func::Contains
            | Func::StartsWith
            | Func::EndsWith,
            _,
        ) => Value::Bool(false),
        (Func::Now, []) => Value::Timestamp(now),
        (Func::Days, [Value::Int(n)]) => n.checked_mul(86_400).map_or(Value::Null, Value::Duration),
        (Func::Hours, [Value::Int(n)]) => n.checked_mul(3_600).map_or(Value::Null, Value::Duration),
        _ => {
            debug_assert!(
                args.iter().any(Value::is_null) || is_dynamic(node),
                "type checker let {func:?} through with {args:?} ({})",
                node.ty
            );
            Value::Null
        }
    }
}

/// Whether a call has an argument whose kind is checked only when evaluated (`dyn`, or a list or
/// map of `dyn`), so that a value of another kind is null rather than a checker bug.
fn is_dynamic(node: &Node) -> bool {
    let Op::Call(_, args) = &node.op else {
        return false;
    };
    args.iter().any(|a| {
        matches!(
            a.ty,
            Type::Dyn | Type::List(Elem::Dyn) | Type::Map(Elem::Dyn, _) | Type::Map(_, Elem::Dyn)
        )
    })
}

/// The reason trace of a condition: boolean structure kept, every atom annotated with the values
/// it saw.
pub(crate) fn explain<F: Fields + ?Sized>(
    node: &Node,
    source: &str,
    fields: &F,
    now: Timestamp,
) -> String {
    let chain = |operands: &[Node], op: &str| {
        operands
            .iter()
            .map(|operand| explain_operand(operand, source, fields, now))
            .collect::<Vec<_>>()
            .join(op)
    };
    match &node.op {
        Op::And(operands) => chain(operands, " && "),
        Op::Or(operands) => chain(operands, " || "),
        Op::Not(inner) => format!("!{}", explain_operand(inner, source, fields, now)),
        _ => {
            let text = source.get(node.span.start..node.span.end).unwrap_or("?");
            let seen = observed(node, fields, now);
            if seen.is_empty() {
                text.to_owned()
            } else {
                format!("{text} (was {})", seen.join(", "))
            }
        }
    }
}

fn explain_operand<F: Fields + ?Sized>(
    node: &Node,
    source: &str,
    fields: &F,
    now: Timestamp,
) -> String {
    let inner = explain(node, source, fields, now);
    let parenthesize = matches!(node.op, Op::Or(..) | Op::And(..)) && {
        let text = source.get(node.span.start..node.span.end).unwrap_or("");
        text.starts_with('(') && text.ends_with(')')
    };
    if parenthesize {
        format!("({inner})")
    } else {
        inner
    }
}

/// The values an atom saw: the non-constant operands of a comparison or test, or the atom itself.
fn observed<F: Fields + ?Sized>(node: &Node, fields: &F, now: Timestamp) -> Vec<String> {
    let operands: Vec<&Node> = match &node.op {
        Op::Cmp(_, a, b) | Op::CmpDyn(_, a, b) => vec![a, b],
        Op::InList(item, _) | Op::InRange(item, _, _) => vec![item],
        Op::In(item, list) => vec![item, list],
        Op::IsSet(inner) => vec![inner],
        // A macro shows the list it walked, not its own value.
        Op::Macro { list, .. } => vec![list],
        Op::Const(_) => vec![],
        _ => vec![node],
    };
    operands
        .into_iter()
        .filter(|n| !is_constant(n))
        .map(|n| eval(uncast(n), fields, now).to_string())
        .collect()
}

/// The node under implicit conversions: a trace shows `9`, as the data has it, not `9.00`.
fn uncast(node: &Node) -> &Node {
    match &node.op {
        Op::ToDecimal(inner) | Op::ToFloat(inner) => uncast(inner),
        _ => node,
    }
}

fn is_constant(node: &Node) -> bool {
    match &node.op {
        Op::Const(_) => true,
        Op::ToDecimal(inner) | Op::ToFloat(inner) | Op::Neg(inner) => is_constant(inner),
        Op::Fold(first, steps) => {
            is_constant(first) && steps.iter().all(|step| is_constant(&step.operand))
        }
        Op::Call(Func::Days | Func::Hours, args) => args.iter().all(is_constant),
        _ => false,
    }
}
