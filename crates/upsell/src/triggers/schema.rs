//! The schema rules are checked against: field names (dotted paths such as `cart.total`) and their
//! types, declared in the rule file or inferred from the data (a CSV header and its values, a
//! DataFrame's dtypes, a JSON context). Fields sharing a dotted prefix are also a map under that
//! prefix (`usage.seats_used` is the key `seats_used` of the map `usage`).

use rustc_hash::FxHashMap;

use super::value::{Decimal, Type};

/// Field names and types, in column order.
///
/// ```
/// use upsell::triggers::{Schema, Type};
/// let schema = Schema::new([("plan", Type::String), ("usage.feature_x_30d", Type::Int)])?;
/// assert_eq!(schema.get("plan"), Some(Type::String));
/// assert_eq!(schema.len(), 2);
/// # Ok::<(), upsell::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Schema {
    fields: Vec<(String, Type)>,
    index: FxHashMap<String, usize>,
}

impl Schema {
    /// A schema from `(name, type)` pairs; a name given twice is an error.
    pub fn new<S: Into<String>>(
        fields: impl IntoIterator<Item = (S, Type)>,
    ) -> crate::Result<Self> {
        let mut schema = Schema::default();
        for (name, ty) in fields {
            let name = name.into();
            if schema.index.contains_key(&name) {
                return Err(crate::Error::invalid_parameter(
                    "schema",
                    format!("field '{name}' is declared twice"),
                ));
            }
            schema.push(name, ty);
        }
        Ok(schema)
    }

    pub(crate) fn push(&mut self, name: String, ty: Type) {
        self.index.insert(name.clone(), self.fields.len());
        self.fields.push((name, ty));
    }

    /// The type of field `name`.
    pub fn get(&self, name: &str) -> Option<Type> {
        self.index_of(name).map(|i| self.fields[i].1)
    }

    /// The number of fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether the schema has no field.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// `(name, type)` in column order.
    pub fn fields(&self) -> impl Iterator<Item = (&str, Type)> {
        self.fields.iter().map(|(n, t)| (n.as_str(), *t))
    }

    pub(crate) fn index_of(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    pub(crate) fn field_type(&self, index: usize) -> Type {
        self.fields[index].1
    }

    /// The fields under the dotted prefix `prefix` as `(key, index)`, sorted by key: for
    /// `usage.seats_used` and `usage.feature_x_30d`, `prefixed("usage")` gives the keys
    /// `feature_x_30d` and `seats_used`. Empty when no field has the prefix.
    pub(crate) fn prefixed(&self, prefix: &str) -> Vec<(std::sync::Arc<str>, usize)> {
        let mut fields: Vec<(std::sync::Arc<str>, usize)> = self
            .fields
            .iter()
            .enumerate()
            .filter_map(|(index, (name, _))| {
                let key = name.strip_prefix(prefix)?.strip_prefix('.')?;
                Some((std::sync::Arc::from(key), index))
            })
            .collect();
        fields.sort_unstable();
        fields
    }

    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().map(|(n, _)| n.as_str())
    }

    /// An error naming the declared fields that are not `present` in the data, at `at` (its first
    /// missing column named): a column the rule file's schema declares is part of the data's
    /// contract, so its absence is a mistake (a renamed or dropped column), not a column of nulls
    /// that silently fires no rule. Every reader of customers checks it before reading a row.
    ///
    /// ```
    /// use upsell::Location;
    /// use upsell::triggers::{Schema, Type};
    ///
    /// let schema = Schema::new([("plan", Type::String), ("seats", Type::Int)])?;
    /// let err = schema.check_present(|name| name == "plan", Location::memory()).unwrap_err();
    /// assert!(err.to_string().contains("declares 'seats' but the data has no such column"));
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn check_present(
        &self,
        present: impl Fn(&str) -> bool,
        at: crate::Location,
    ) -> crate::Result<()> {
        let missing: Vec<&str> = self.names().filter(|name| !present(name)).collect();
        let Some(first) = missing.first() else {
            return Ok(());
        };
        let names = missing.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>();
        Err(crate::Error::invalid_input(
            at.column_name(*first),
            format!(
                "the rule file's schema declares {} but the data has no such column",
                names.join(", ")
            ),
        ))
    }
}

/// The narrowest type that reads every non-empty text in `values`: int, decimal, float, bool,
/// RFC 3339 timestamp, else string. Empty cells are nulls and do not vote.
///
/// ```
/// use upsell::triggers::{infer_type, Type};
/// assert_eq!(infer_type(["12", "", "7"]), Type::Int);
/// assert_eq!(infer_type(["82.50", "7"]), Type::Decimal);
/// assert_eq!(infer_type(["0.1234567", "7"]), Type::Float);
/// assert_eq!(infer_type(["2026-11-01T10:00:00Z"]), Type::Timestamp);
/// assert_eq!(infer_type(["true", "FALSE"]), Type::Bool);
/// assert_eq!(infer_type(["starter"]), Type::String);
/// ```
pub fn infer_type<'a>(values: impl IntoIterator<Item = &'a str>) -> Type {
    let (mut int, mut decimal, mut float, mut boolean, mut time) = (true, true, true, true, true);
    let mut any = false;
    for value in values {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        any = true;
        // `&&` rather than `&=`: a kind already ruled out is not parsed again.
        int = int && value.parse::<i64>().is_ok();
        decimal = decimal && value.parse::<Decimal>().is_ok();
        float = float && value.parse::<f64>().is_ok_and(f64::is_finite);
        boolean = boolean && parse_bool(value).is_some();
        time = time && crate::time::parse_timestamp(value).is_some();
        if !(int || decimal || float || boolean || time) {
            return Type::String;
        }
    }
    match () {
        _ if !any => Type::String,
        _ if int => Type::Int,
        _ if decimal => Type::Decimal,
        _ if float => Type::Float,
        _ if boolean => Type::Bool,
        _ if time => Type::Timestamp,
        _ => Type::String,
    }
}

pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}
