//! A customer's fields for one decision: built from JSON or by hand, flattened to dotted names,
//! and bound to a rule set's schema.

use super::*;

/// One customer's values, by field name (dotted paths for nested data).
///
/// ```
/// use upsell::triggers::{Context, Value};
/// let ctx = Context::from_json(r#"{"id": "c1", "plan": "starter", "usage": {"feature_x_30d": 23}}"#)?;
/// assert_eq!(ctx.get("usage.feature_x_30d"), Some(&Value::Int(23)));
/// assert_eq!(ctx.id(), Some("c1"));
/// # Ok::<(), upsell::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Context {
    id: Option<String>,
    values: Vec<(String, Value)>,
}

impl Context {
    /// An empty context.
    pub fn new() -> Self {
        Context::default()
    }

    /// The same context with a customer id (used for control groups and history).
    #[must_use]
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Sets a field (replacing an earlier value).
    #[must_use]
    pub fn set(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.insert(name.into(), value.into());
        self
    }

    /// Sets a field in place.
    pub fn insert(&mut self, name: String, value: Value) {
        match self.values.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.values.push((name, value)),
        }
    }

    /// The customer id, if set.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// A field's value.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// A context from a JSON object: nested objects become dotted names, arrays of strings become
    /// lists (of any values; objects inside them become maps), numbers with a fraction become decimals; strings stay strings, and become timestamps
    /// where the schema (declared, or inferred by [`Context::schema`]) says so. An `"id"` string or number is the customer id (and a field too).
    pub fn from_json(text: &str) -> Result<Self> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            Error::invalid_input(
                Location::memory()
                    .line(e.line() as u64)
                    .column(e.column() as u64),
                format!("context is not valid JSON: {e}"),
            )
        })?;
        let Some(object) = value.as_object() else {
            return Err(Error::invalid_input(
                Location::memory(),
                "context: expected a JSON object of field values",
            ));
        };
        let mut context = Context::new();
        if let Some(id) = object.get("id") {
            context.id = match id {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                _ => None,
            };
        }
        flatten("", object, &mut context)?;
        Ok(context)
    }

    /// The schema these values imply: their own types, except that a string that reads as a
    /// time (`2026-11-16T09:00:00Z`, `2026-11-16`) is a timestamp. Null values imply nothing.
    ///
    /// ```
    /// use upsell::triggers::{Context, Type};
    /// let ctx = Context::from_json(r#"{"plan": "pro", "renewal_at": "2026-12-10T00:00:00Z"}"#)?;
    /// assert_eq!(ctx.schema().get("renewal_at"), Some(Type::Timestamp));
    /// assert_eq!(ctx.schema().get("plan"), Some(Type::String));
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn schema(&self) -> Schema {
        let mut schema = Schema::default();
        for (name, value) in &self.values {
            let ty = match value {
                Value::Str(s) if looks_like_time(s) => Some(crate::triggers::Type::Timestamp),
                other => other.type_of(),
            };
            if let Some(ty) = ty {
                schema.push(name.clone(), ty);
            }
        }
        schema
    }

    /// The values in `schema` order, converted to the schema's types (an int given for a decimal
    /// field is exact; a string for a timestamp is parsed); a value that cannot be converted is an
    /// error naming the field.
    pub(super) fn record(&self, schema: &Schema) -> Result<Vec<Value>> {
        let mut record = vec![Value::Null; schema.len()];
        for (name, value) in &self.values {
            let Some(index) = schema.index_of(name) else {
                continue;
            };
            let ty = schema.field_type(index);
            record[index] = convert(value, ty).ok_or_else(|| {
                Error::invalid_input(
                    Location::memory().column_name(name),
                    format!(
                        "expected {ty}, found {} {value}{}",
                        value.type_of().map_or("null", |t| t.name()),
                        precision_hint(value, ty)
                    ),
                )
            })?;
        }
        Ok(record)
    }
}

/// The value of one expression over one customer's values at time `now`: the language on its own,
/// without a rule file (the schema is the context's, [`Context::schema`]). A syntax or type error
/// is [`Error::Parse`] with the column in the expression.
///
/// ```
/// use upsell::time::parse_timestamp;
/// use upsell::triggers::{Context, Decimal, Value, evaluate_expression};
/// let now = parse_timestamp("2026-11-23").unwrap();
/// let ctx = Context::new().set("seats", 12).set("price", "49.90".parse::<Decimal>()?);
/// assert_eq!(evaluate_expression("seats * price", &ctx, now)?, Value::Decimal("598.80".parse()?));
/// assert_eq!(evaluate_expression("seats / 0", &ctx, now)?, Value::Null);
/// let err = evaluate_expression("seats >", &ctx, now).unwrap_err();
/// assert_eq!(err.kind(), upsell::ErrorKind::Parse);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn evaluate_expression(expression: &str, context: &Context, now: Timestamp) -> Result<Value> {
    let schema = context.schema();
    let located = |e: crate::triggers::syntax::ExprError| {
        let column = expression[..e.span.start.min(expression.len())]
            .chars()
            .count() as u64
            + 1;
        Error::parse(Location::memory().line(1).column(column), e.message)
    };
    let expr = crate::triggers::syntax::parse(expression).map_err(located)?;
    let definitions = std::collections::HashMap::new();
    let node = Checker::new(&schema, &definitions)
        .check(&expr)
        .map_err(located)?;
    let record = context.record(&schema)?;
    Ok(row::eval(&node, record.as_slice(), now))
}

/// A date (`2026-11-16`) or a date and time that [`crate::time::parse_timestamp`] reads.
fn looks_like_time(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() >= 10
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[4] == b'-'
        && crate::time::parse_timestamp(text).is_some()
}

pub(super) fn convert(value: &Value, ty: crate::triggers::Type) -> Option<Value> {
    use crate::triggers::Type;
    Some(match (value, ty) {
        (Value::Null, _) => Value::Null,
        (v, t) if v.type_of() == Some(t) => v.clone(),
        // An empty list has no element type of its own.
        (Value::List(items), Type::List(_)) if items.is_empty() => value.clone(),
        (Value::Int(i), Type::Decimal) => {
            Value::Decimal(Decimal::from_units(i.checked_mul(Decimal::SCALE)?))
        }
        (Value::Int(i), Type::Float) => Value::Float(*i as f64),
        (Value::Decimal(d), Type::Float) => Value::Float(d.to_f64()),
        (Value::Decimal(d), Type::Int) if d.units() % Decimal::SCALE == 0 => {
            Value::Int(d.units() / Decimal::SCALE)
        }
        // A float read for a money field (pandas has no decimal dtype): six places at most, or
        // refused like a CSV cell or a `decimal.Decimal` with more places, never rounded.
        (Value::Float(x), Type::Decimal) => Value::Decimal(Decimal::from_f64_money(*x)?),
        (Value::Str(s), Type::Timestamp) => Value::Timestamp(crate::time::parse_timestamp(s)?),
        (Value::Str(s), Type::Decimal) => Value::Decimal(s.parse().ok()?),
        (Value::Timestamp(t), Type::String) => Value::from(t.to_string().as_str()),
        (Value::Int(i), Type::Duration) => Value::Duration(*i),
        _ => return None,
    })
}

/// Why a number was refused for a decimal field, said the same way by every reader.
pub(crate) const PRECISION_HINT: &str = " (more than six decimal places: money is never rounded)";

/// [`PRECISION_HINT`] when it is why `value` was refused for a field of type `ty`.
pub(super) fn precision_hint(value: &Value, ty: crate::triggers::Type) -> &'static str {
    match (value, ty) {
        (Value::Float(x), crate::triggers::Type::Decimal) if x.is_finite() => PRECISION_HINT,
        _ => "",
    }
}

/// A JSON value inside a list: arrays are lists, objects are maps; a null is an error (a list's
/// elements are never null).
fn json_value(value: &serde_json::Value) -> std::result::Result<Value, String> {
    Ok(match value {
        serde_json::Value::Null => return Err("a list holds no null".to_owned()),
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::number(n.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(s) => Value::from(s.as_str()),
        serde_json::Value::Array(items) => Value::List(
            items
                .iter()
                .map(json_value)
                .collect::<std::result::Result<Vec<_>, _>>()?
                .into(),
        ),
        serde_json::Value::Object(entries) => {
            let entries = entries
                .iter()
                .map(|(k, v)| Ok((Value::from(k.as_str()), json_value(v)?)))
                .collect::<std::result::Result<Vec<_>, String>>()?;
            Value::map(entries).ok_or_else(|| "a map holds no null".to_owned())?
        }
    })
}

fn flatten(
    prefix: &str,
    object: &serde_json::Map<String, serde_json::Value>,
    out: &mut Context,
) -> Result<()> {
    for (key, value) in object {
        let name = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        let converted = match value {
            serde_json::Value::Object(inner) => {
                flatten(&name, inner, out)?;
                continue;
            }
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::number(n.as_f64().unwrap_or(f64::NAN)),
            },
            serde_json::Value::String(s) => Value::from(s.as_str()),
            serde_json::Value::Array(_) => json_value(value).map_err(|message| {
                Error::invalid_input(Location::memory().column_name(&name), message)
            })?,
        };
        out.insert(name, converted);
    }
    Ok(())
}
