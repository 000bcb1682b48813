//! The trigger benches' data, shared by `benches/triggers.rs` (the core's columnar evaluator),
//! `benches/capi_arrow.rs` (the same through the C library's Arrow stream) and
//! `benches/trigger_throughput.rs` (against other rule engines): customers with 20 columns of a
//! seeded generator, and 50 rules in the language subset `upsell` and CEL share, with their
//! translations for the other engines.

use std::sync::Arc;

use upsell::triggers::{Batch, Column, Decimal, Value};

/// The number of rules of [`rule_file`].
pub const RULES: usize = 50;

/// A small xorshift generator: the same data for the same seed, no `rand` crate.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Column kinds of the 20 columns: `id`, then c01..c19.
pub fn kind(column: usize) -> &'static str {
    match column {
        1..=5 | 18 | 19 => "int",
        6..=9 => "decimal",
        10..=12 => "string",
        13..=15 => "float",
        _ => "bool",
    }
}

/// Customers as rows of values (for `cel` and single-customer runs) and as a batch.
pub fn customers(rows: usize) -> (Vec<Vec<Value>>, Batch) {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut table = Vec::with_capacity(rows);
    let labels = ["v0", "v1", "v2", "v3", "v4"];
    for row in 0..rows {
        let mut values = vec![Value::from(format!("cust-{row}").as_str())];
        for column in 1..20 {
            values.push(match kind(column) {
                "int" if column >= 18 => Value::Int(rng.below(1000) as i64),
                "int" => Value::Int(rng.below(100) as i64),
                "decimal" => Value::Decimal(Decimal::from_units(rng.below(20_000) as i64 * 10_000)),
                "string" => Value::from(labels[rng.below(5) as usize]),
                "float" => Value::Float(rng.below(10_000) as f64 / 10_000.0),
                _ => Value::Bool(rng.below(2) == 0),
            });
        }
        table.push(values);
    }
    let mut columns = Vec::new();
    for column in 0..20 {
        let name = if column == 0 {
            "id".to_owned()
        } else {
            format!("c{column:02}")
        };
        let ty = table
            .first()
            .and_then(|r: &Vec<Value>| r[column].type_of())
            .expect("typed");
        let values: Vec<Value> = table.iter().map(|r| r[column].clone()).collect();
        columns.push((name, Column::from_values(ty, &values).expect("column")));
    }
    (table, Batch::new(columns).expect("batch"))
}

/// 50 conditions in the language subset that `upsell` and CEL share.
pub fn conditions() -> Vec<String> {
    (0..RULES)
        .map(|k| {
            let int = 1 + k % 5;
            let dec = 6 + k % 4;
            let string = 10 + k % 3;
            let float = 13 + k % 3;
            let flag = 16 + k % 2;
            let big = 18 + k % 2;
            match k % 5 {
                0 => format!(
                    "c{int:02} > {} && c{string:02} == \"v{}\"",
                    90 + k % 7,
                    k % 5
                ),
                1 => format!(
                    "c{dec:02} >= {}.50 && c{int:02} < {}",
                    180 + k % 15,
                    10 + k % 20
                ),
                2 => format!(
                    "(c{int:02} > 95 || c{big:02} < {}) && c{string:02} in [\"v1\", \"v2\"]",
                    5 + k % 10
                ),
                3 => format!("c{float:02} > 0.9{} && c{flag:02}", k % 10),
                _ => format!(
                    "!(c{string:02} == \"v0\") && c{int:02} + c{:02} > {}",
                    1 + (k + 1) % 5,
                    185 + k % 10
                ),
            }
        })
        .collect()
}

/// The bench's rule file: [`RULES`] rules over the 20 columns of [`customers`].
pub fn rule_file() -> String {
    rule_file_of(RULES)
}

/// A YAML file of `count` rules, the 50 conditions repeated.
pub fn rule_file_of(count: usize) -> String {
    // A declared schema: the production set-up, checked once at load.
    let mut yaml =
        String::from("settings: { max_offers_per_interaction: 1 }\nschema:\n  id: string\n");
    for column in 1..20 {
        yaml.push_str(&format!("  c{column:02}: {}\n", kind(column)));
    }
    yaml.push_str("rules:\n");
    for (k, when) in conditions().iter().cycle().take(count).enumerate() {
        yaml.push_str(&format!(
            "  - name: r{k:02}\n    when: '{}'\n    offer: {{ kind: upgrade, target: t{k:02} }}\n    priority: {}\n",
            when.replace('\'', "''"),
            k % 7
        ));
    }
    yaml
}

/// The 50 conditions of [`conditions`] in JSONLogic, for engines that read it (datalogic-rs):
/// the same comparisons with the same literals, `===` where CEL's `==` meets a string or a boolean.
pub fn jsonlogic_conditions() -> Vec<String> {
    let var = |column: usize| format!(r#"{{"var":"c{column:02}"}}"#);
    (0..RULES)
        .map(|k| {
            let int = 1 + k % 5;
            let dec = 6 + k % 4;
            let string = 10 + k % 3;
            let float = 13 + k % 3;
            let flag = 16 + k % 2;
            let big = 18 + k % 2;
            match k % 5 {
                0 => format!(
                    r#"{{"and":[{{">":[{},{}]}},{{"===":[{},"v{}"]}}]}}"#,
                    var(int),
                    90 + k % 7,
                    var(string),
                    k % 5
                ),
                1 => format!(
                    r#"{{"and":[{{">=":[{},{}.50]}},{{"<":[{},{}]}}]}}"#,
                    var(dec),
                    180 + k % 15,
                    var(int),
                    10 + k % 20
                ),
                2 => format!(
                    r#"{{"and":[{{"or":[{{">":[{},95]}},{{"<":[{},{}]}}]}},{{"in":[{},["v1","v2"]]}}]}}"#,
                    var(int),
                    var(big),
                    5 + k % 10,
                    var(string)
                ),
                3 => format!(
                    r#"{{"and":[{{">":[{},0.9{}]}},{{"===":[{},true]}}]}}"#,
                    var(float),
                    k % 10,
                    var(flag)
                ),
                _ => format!(
                    r#"{{"and":[{{"!":[{{"===":[{},"v0"]}}]}},{{">":[{{"+":[{},{}]}},{}]}}]}}"#,
                    var(string),
                    var(int),
                    var(1 + (k + 1) % 5),
                    185 + k % 10
                ),
            }
        })
        .collect()
}

/// The 50 conditions of [`conditions`] in GoRules' ZEN expression language (zen-expression):
/// the same text with ZEN's words for the logical operators (`and`, `or`, `not`).
pub fn zen_conditions() -> Vec<String> {
    conditions()
        .iter()
        .map(|c| {
            c.replace("&&", "and")
                .replace("||", "or")
                .replace("!(", "not (")
        })
        .collect()
}

/// One cell as the `cel` crate's value: decimals as doubles, since `cel` has no decimal type (the
/// rules' money literals, such as `180.50`, and the generated cents compare the same either way).
pub fn cel_value(value: &Value) -> cel::Value {
    match value {
        Value::Int(i) => cel::Value::Int(*i),
        Value::Decimal(d) => cel::Value::Float(d.to_f64()),
        Value::Float(x) => cel::Value::Float(*x),
        Value::Bool(b) => cel::Value::Bool(*b),
        Value::Str(s) => cel::Value::String(Arc::new(s.to_string())),
        _ => cel::Value::Null,
    }
}

/// The header of [`customers`]' columns: `id`, c01..c19.
pub fn column_names() -> Vec<String> {
    std::iter::once("id".to_owned())
        .chain((1..20).map(|c| format!("c{c:02}")))
        .collect()
}

/// One cell as a CSV or JSON reader takes it back: strings bare, decimals with their places.
pub fn cell_text(value: &Value) -> String {
    match value {
        Value::Str(s) => s.to_string(),
        Value::Decimal(d) => d.to_string(),
        Value::Float(x) => format!("{x}"),
        Value::Int(i) => i.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

/// The customers of [`customers`] as CSV text with a header.
pub fn customers_csv(table: &[Vec<Value>]) -> String {
    let mut text = column_names().join(",");
    text.push('\n');
    for row in table {
        let cells: Vec<String> = row.iter().map(cell_text).collect();
        text.push_str(&cells.join(","));
        text.push('\n');
    }
    text
}

/// One customer as a JSON object (for engines that read JSON documents): numbers bare, strings
/// quoted (the generator's strings need no escaping).
pub fn customer_json(row: &[Value]) -> String {
    let fields: Vec<String> = column_names()
        .iter()
        .zip(row)
        .map(|(name, value)| match value {
            Value::Str(_) => format!(r#""{name}":"{}""#, cell_text(value)),
            _ => format!(r#""{name}":{}"#, cell_text(value)),
        })
        .collect();
    format!("{{{}}}", fields.join(","))
}
