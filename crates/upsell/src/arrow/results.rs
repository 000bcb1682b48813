//! Results out: itemsets, association rules, recommendations (carts in) and order metrics as
//! record batches with the columns of the Python surface's frames.

use std::sync::Arc;

use arrow_array::{
    Array, ArrayRef, Decimal128Array, Float64Array, Int64Array, ListArray, RecordBatch,
    RecordBatchReader, StringArray, UInt32Array,
};
use arrow_buffer::{OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field, Schema, SchemaRef};

use super::{Table, Texts, arrow_error, batches, find_column, list_texts};
use crate::data::{ItemDictionary, ItemId};
use crate::metrics::OrderMetrics;
use crate::mining::Itemsets;
use crate::pricing::{Currency, Money};
use crate::recommend::{
    Ease, EaseRecommendation, ModelRule, RecommendOptions, Recommendation, Recommender,
};
use crate::rules::{Measure, Rules};
use crate::{Error, Location, Result};

/// Item lists as an Arrow list column: labels (strings) from `labels`, or the ids (uint32)
/// when `labels` is `None`.
fn item_lists(
    items: &[ItemId],
    offsets: &[usize],
    labels: Option<&ItemDictionary>,
) -> Result<(Field, ArrayRef)> {
    let offsets = offsets
        .iter()
        .map(|&o| i32::try_from(o))
        .collect::<std::result::Result<Vec<i32>, _>>()
        .map_err(|_| {
            Error::invalid_input(
                Location::memory(),
                "more than 2^31 items in one list column",
            )
        })?;
    let (item, values): (Field, ArrayRef) = match labels {
        Some(labels) => {
            let texts = items
                .iter()
                .map(|&id| {
                    labels.label(id).ok_or_else(|| {
                        Error::invalid_parameter(
                            "labels",
                            format!("item {id} has no label in the baskets given"),
                        )
                    })
                })
                .collect::<Result<Vec<&str>>>()?;
            (
                Field::new("item", DataType::Utf8, false),
                Arc::new(StringArray::from_iter_values(texts)),
            )
        }
        None => (
            Field::new("item", DataType::UInt32, false),
            Arc::new(UInt32Array::from(items.to_vec())),
        ),
    };
    let item = Arc::new(item);
    let list = ListArray::try_new(
        item.clone(),
        OffsetBuffer::new(ScalarBuffer::from(offsets)),
        values,
        None,
    )
    .map_err(|e| arrow_error("cannot build an item list", e))?;
    Ok((Field::new_list("items", item, false), Arc::new(list)))
}

fn int64(values: &[u64]) -> ArrayRef {
    Arc::new(Int64Array::from_iter_values(
        values.iter().map(|&v| i64::try_from(v).unwrap_or(i64::MAX)),
    ))
}

/// Itemsets as one record batch with the columns of the Python surface: itemset (a list of the
/// item labels of `labels`, or of the ids as uint32 when it is `None`), count (int64) and support
/// (float64). An item without a label is an invalid parameter named `labels`.
///
/// ```
/// use upsell::data::Baskets;
/// use upsell::mining::{mine, MinSupport, MiningOptions};
///
/// let baskets = Baskets::from_arrays(vec![0, 1, 0], vec![0, 2, 3])?;
/// let found = mine(&baskets, &MiningOptions::new(MinSupport::count(1)))?;
/// let batch = upsell::arrow::itemsets(&found, None)?;
/// assert_eq!(batch.num_rows(), found.len());
/// assert_eq!(batch.schema().field(0).name(), "itemset");
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn itemsets(itemsets: &Itemsets, labels: Option<&ItemDictionary>) -> Result<RecordBatch> {
    let (field, lists) = item_lists(itemsets.items(), itemsets.offsets(), labels)?;
    let baskets = itemsets.baskets();
    let support = Float64Array::from_iter_values(itemsets.counts().iter().map(|&c| {
        if baskets == 0 {
            0.0
        } else {
            c as f64 / baskets as f64
        }
    }));
    let schema = Arc::new(Schema::new(vec![
        field.with_name("itemset"),
        Field::new("count", DataType::Int64, false),
        Field::new("support", DataType::Float64, false),
    ]));
    RecordBatch::try_new(
        schema,
        vec![lists, int64(itemsets.counts()), Arc::new(support)],
    )
    .map_err(|e| arrow_error("cannot build the itemsets", e))
}

/// Association rules as one record batch with the columns of the Python surface: antecedents and
/// consequents (lists of labels from `labels`, or of uint32 ids when it is `None`), every measure
/// in mlxtend's order under its name (float64), then count, "antecedent count" and "consequent
/// count" (int64).
///
/// ```
/// use upsell::data::Baskets;
/// use upsell::mining::{mine, MinSupport, MiningOptions};
/// use upsell::rules::{generate, RuleOptions};
///
/// let baskets = Baskets::from_arrays(vec![0, 1, 0, 1], vec![0, 2, 4])?;
/// let found = mine(&baskets, &MiningOptions::new(MinSupport::count(1)))?;
/// let rules = generate(&found, &RuleOptions::default())?;
/// let batch = upsell::arrow::rules(&rules, None)?;
/// assert_eq!(batch.num_rows(), rules.len());
/// assert_eq!(batch.schema().field(1).name(), "consequents");
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn rules(rules: &Rules, labels: Option<&ItemDictionary>) -> Result<RecordBatch> {
    let (antecedent, antecedents) =
        item_lists(rules.antecedents(), rules.antecedent_offsets(), labels)?;
    let (consequent, consequents) =
        item_lists(rules.consequents(), rules.consequent_offsets(), labels)?;
    let mut fields = vec![
        antecedent.with_name("antecedents"),
        consequent.with_name("consequents"),
    ];
    let mut columns = vec![antecedents, consequents];
    for measure in Measure::ALL {
        fields.push(Field::new(measure.name(), DataType::Float64, false));
        columns.push(Arc::new(Float64Array::from(rules.measure(measure))));
    }
    for (name, counts) in [
        ("count", rules.counts()),
        ("antecedent count", rules.antecedent_counts()),
        ("consequent count", rules.consequent_counts()),
    ] {
        fields.push(Field::new(name, DataType::Int64, false));
        columns.push(int64(counts));
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
        .map_err(|e| arrow_error("cannot build the rules", e))
}

/// The carts of one batch as item ids of a model: column `index`, a list of labels; labels the
/// model does not know (and null items) are left out and counted in `unknown`.
fn carts(
    batch: &RecordBatch,
    index: usize,
    name: &str,
    item: impl Fn(&str) -> Option<ItemId>,
    unknown: &mut usize,
) -> Result<Vec<Vec<ItemId>>> {
    let lists = batch.column(index);
    let (offsets, texts): (Vec<usize>, Texts<'_>) = list_texts(lists.as_ref(), name, "carts")?;
    Ok((0..lists.len())
        .map(|c| {
            let labels = (offsets[c]..offsets[c + 1]).filter(|_| lists.is_valid(c));
            labels
                .filter_map(|v| {
                    let id = texts.get(v).and_then(|label| item(&label));
                    *unknown += usize::from(id.is_none());
                    id
                })
                .collect()
        })
        .collect())
}

/// Recommendations for many carts: the rows and the count of cart labels the model did not know.
#[derive(Debug, Clone)]
pub struct Recommended {
    /// One row per (cart, rank).
    pub table: Table,
    /// Labels of the carts the model does not know (and null items), which were ignored.
    pub unknown: usize,
}

/// Recommends up to `k` items for every cart (row) of `carts`, as [`Recommender::recommend_batch`]
/// on `threads` workers (answers do not depend on them), one row per (cart, rank): cart (int64,
/// the cart's 0-based row across the stream), rank (int64, from 1), item (its label), score
/// (float64), rule (int64, the model rule behind it; null for a popularity fill), antecedent (a
/// list of labels, empty for a fill), and the rule's confidence, lift and support (float64, null
/// for a fill): the data columns of Python's `Recommender.recommend_batch`.
///
/// Carts are column `column` (`None`: the first), a list of item labels (strings of any kind or
/// integers, read as their decimal text); a null list is an empty cart. `options` are checked
/// before the stream is read.
///
/// ```
/// use std::sync::Arc;
/// use arrow_array::builder::{ListBuilder, StringBuilder};
/// use arrow_array::{RecordBatch, RecordBatchIterator};
/// use upsell::data::{Dataset, ReadOptions};
/// use upsell::mining::MinSupport;
/// use upsell::recommend::{FitOptions, RecommendOptions, Recommender};
///
/// let text = "bread,milk\nbread,milk\nbread,butter\n";
/// let data = Dataset::from_reader(text.as_bytes(), "inline.csv", &ReadOptions::baskets(b','))?;
/// let options = FitOptions::new(MinSupport::count(1));
/// let model = Recommender::fit(&data.baskets, &data.items, &options, &Default::default())?;
/// let mut carts = ListBuilder::new(StringBuilder::new());
/// carts.append_value([Some("bread"), Some("caviar")]);
/// let batch = RecordBatch::try_from_iter([("cart", Arc::new(carts.finish()) as _)]).unwrap();
/// let reader = RecordBatchIterator::new([Ok(batch.clone())], batch.schema());
/// let found = upsell::arrow::recommendations(&model, reader, None, 2, &RecommendOptions::default(), None)?;
/// assert_eq!(found.unknown, 1);
/// assert!(found.table.rows() >= 1);
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn recommendations(
    model: &Recommender,
    carts_stream: impl RecordBatchReader,
    column: Option<&str>,
    k: usize,
    options: &RecommendOptions,
    threads: Option<usize>,
) -> Result<Recommended> {
    options.validate()?;
    model.check_ranking(options.by)?;
    per_cart(
        carts_stream,
        column,
        recommendations_schema(),
        |label| model.item(label),
        |carts| model.recommend_batch(carts, k, options, threads),
        |schema, answers, first_cart| recommendations_batch(schema, model, answers, first_cart),
    )
}

/// The stream loop both recommenders share: reads the carts of `carts_stream` (column `column`)
/// batch by batch with `item` looking labels up, answers each batch's carts with `answer` and
/// writes the answers as a batch of `schema` with `write` (given the row of the batch's first
/// cart across the stream).
fn per_cart<R>(
    carts_stream: impl RecordBatchReader,
    column: Option<&str>,
    schema: SchemaRef,
    item: impl Fn(&str) -> Option<ItemId>,
    answer: impl Fn(&[Vec<ItemId>]) -> Vec<Vec<R>>,
    write: impl Fn(&SchemaRef, &[Vec<R>], usize) -> Result<RecordBatch>,
) -> Result<Recommended> {
    let input = carts_stream.schema();
    let index = find_column(&input, column, "column")?;
    let name = input.field(index).name().clone();
    let (mut out, mut first_cart, mut unknown) = (Vec::new(), 0, 0);
    for batch in batches(carts_stream) {
        let carts = carts(&batch?, index, &name, &item, &mut unknown)?;
        out.push(write(&schema, &answer(&carts), first_cart)?);
        first_cart += carts.len();
    }
    Ok(Recommended {
        table: Table {
            schema,
            batches: out,
        },
        unknown,
    })
}

/// The answers as rows (cart index, rank index, answer), in cart then rank order.
fn ranked_rows<R>(answers: &[Vec<R>]) -> Vec<(usize, usize, &R)> {
    answers
        .iter()
        .enumerate()
        .flat_map(|(c, found)| found.iter().enumerate().map(move |(r, f)| (c, r, f)))
        .collect()
}

/// The four columns both recommenders' tables start with, one row per entry of `rows`: cart
/// (its row across the stream, from `first_cart`), rank (from 1), item (its label) and score.
fn ranked_columns<'a, R>(
    rows: &[(usize, usize, &R)],
    first_cart: usize,
    label: impl Fn(&R) -> &'a str,
    score: impl Fn(&R) -> f64,
) -> Vec<ArrayRef> {
    vec![
        Arc::new(Int64Array::from_iter_values(
            rows.iter().map(|(c, _, _)| (first_cart + c) as i64),
        )),
        Arc::new(Int64Array::from_iter_values(
            rows.iter().map(|(_, r, _)| *r as i64 + 1),
        )),
        Arc::new(StringArray::from_iter_values(
            rows.iter().map(|(_, _, r)| label(r)),
        )),
        Arc::new(Float64Array::from_iter_values(
            rows.iter().map(|(_, _, r)| score(r)),
        )),
    ]
}

fn recommendations_schema() -> SchemaRef {
    let float = |name| Field::new(name, DataType::Float64, true);
    Arc::new(Schema::new(vec![
        Field::new("cart", DataType::Int64, false),
        Field::new("rank", DataType::Int64, false),
        Field::new("item", DataType::Utf8, false),
        Field::new("score", DataType::Float64, false),
        Field::new("rule", DataType::Int64, true),
        Field::new_list(
            "antecedent",
            Field::new_list_field(DataType::Utf8, false),
            false,
        ),
        float("confidence"),
        float("lift"),
        float("support"),
    ]))
}

/// One batch of recommendations: `answers[c]` is cart `first_cart + c`'s.
fn recommendations_batch(
    schema: &SchemaRef,
    model: &Recommender,
    answers: &[Vec<Recommendation>],
    first_cart: usize,
) -> Result<RecordBatch> {
    let rows = ranked_rows(answers);
    let label = |item: ItemId| model.label(item).unwrap_or_default();
    let rule = |r: &Recommendation| r.rule.and_then(|index| model.rule(index));
    let measure = |of: fn(&ModelRule<'_>) -> f64| -> ArrayRef {
        Arc::new(Float64Array::from_iter(
            rows.iter().map(|(_, _, r)| rule(r).map(|m| of(&m))),
        ))
    };
    let mut antecedent_offsets = vec![0i32];
    let mut antecedent_labels: Vec<&str> = Vec::new();
    for (_, _, r) in &rows {
        if let Some(m) = rule(r) {
            antecedent_labels.extend(m.antecedent.iter().map(|&i| label(i)));
        }
        let end = i32::try_from(antecedent_labels.len()).map_err(|_| Error::LimitExceeded {
            what: "antecedent labels in one output batch",
            limit: i32::MAX as u64,
            hint: "send the carts in smaller batches".to_owned(),
        })?;
        antecedent_offsets.push(end);
    }
    let antecedents = ListArray::try_new(
        Arc::new(Field::new_list_field(DataType::Utf8, false)),
        OffsetBuffer::new(ScalarBuffer::from(antecedent_offsets)),
        Arc::new(StringArray::from(antecedent_labels)),
        None,
    )
    .map_err(|e| arrow_error("cannot build the antecedents", e))?;
    let mut columns = ranked_columns(&rows, first_cart, |r| label(r.item), |r| r.score);
    columns.extend([
        Arc::new(Int64Array::from_iter(
            rows.iter().map(|(_, _, r)| r.rule.map(i64::from)),
        )) as ArrayRef,
        Arc::new(antecedents),
        measure(|m| m.confidence()),
        measure(|m| m.lift()),
        measure(|m| m.support()),
    ]);
    RecordBatch::try_new(schema.clone(), columns)
        .map_err(|e| arrow_error("cannot build the recommendations", e))
}

/// Recommends up to `k` items with an EASE model for every cart (row) of `carts`, as
/// [`Ease::recommend_batch`] on `threads` workers, one row per (cart, rank): cart (int64, the
/// cart's 0-based row across the stream), rank (int64, from 1), item (its label), score
/// (float64), because (the cart item that contributed most, null for a popularity fill) and
/// weight (float64, its weight; null likewise): the data columns of Python's
/// `EaseRecommender.recommend_batch`. Carts are read as for [`recommendations`].
///
/// ```
/// use std::sync::Arc;
/// use arrow_array::builder::{ListBuilder, StringBuilder};
/// use arrow_array::{RecordBatch, RecordBatchIterator};
/// use upsell::data::{Dataset, ReadOptions};
/// use upsell::recommend::{Ease, EaseOptions};
///
/// let text = "bread,milk\nbread,milk\nbread,butter\n";
/// let data = Dataset::from_reader(text.as_bytes(), "inline.csv", &ReadOptions::baskets(b','))?;
/// let model = Ease::fit(&data.baskets, &data.items, &EaseOptions::default(), &Default::default())?;
/// let mut carts = ListBuilder::new(StringBuilder::new());
/// carts.append_value([Some("bread")]);
/// let batch = RecordBatch::try_from_iter([("cart", Arc::new(carts.finish()) as _)]).unwrap();
/// let reader = RecordBatchIterator::new([Ok(batch.clone())], batch.schema());
/// let found = upsell::arrow::ease_recommendations(&model, reader, None, 2, None)?;
/// assert_eq!(found.unknown, 0);
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn ease_recommendations(
    model: &Ease,
    carts_stream: impl RecordBatchReader,
    column: Option<&str>,
    k: usize,
    threads: Option<usize>,
) -> Result<Recommended> {
    per_cart(
        carts_stream,
        column,
        ease_recommendations_schema(),
        |label| model.item(label),
        |carts| model.recommend_batch(carts, k, threads),
        |schema, answers, first_cart| {
            ease_recommendations_batch(schema, model, answers, first_cart)
        },
    )
}

fn ease_recommendations_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("cart", DataType::Int64, false),
        Field::new("rank", DataType::Int64, false),
        Field::new("item", DataType::Utf8, false),
        Field::new("score", DataType::Float64, false),
        Field::new("because", DataType::Utf8, true),
        Field::new("weight", DataType::Float64, true),
    ]))
}

/// One batch of EASE recommendations: `answers[c]` is cart `first_cart + c`'s.
fn ease_recommendations_batch(
    schema: &SchemaRef,
    model: &Ease,
    answers: &[Vec<EaseRecommendation>],
    first_cart: usize,
) -> Result<RecordBatch> {
    let rows = ranked_rows(answers);
    let label = |item: ItemId| model.label(item).unwrap_or_default();
    let mut columns = ranked_columns(&rows, first_cart, |r| label(r.item), |r| r.score);
    columns.extend([
        Arc::new(StringArray::from_iter(
            rows.iter()
                .map(|(_, _, r)| r.strongest.map(|(item, _)| label(item))),
        )) as ArrayRef,
        Arc::new(Float64Array::from_iter(rows.iter().map(|(_, _, r)| {
            r.strongest.map(|(_, weight)| f64::from(weight))
        }))),
    ]);
    RecordBatch::try_new(schema.clone(), columns)
        .map_err(|e| arrow_error("cannot build the recommendations", e))
}

/// Money as an Arrow decimal of the currency's minor unit (2.55 GBP is 255 at scale 2).
fn money_column(
    amounts: impl Iterator<Item = Option<Money>>,
    currency: Currency,
) -> Result<ArrayRef> {
    let exponent = currency.exponent() as i8;
    let array = Decimal128Array::from_iter(amounts.map(|m| m.map(|m| i128::from(m.minor()))))
        .with_precision_and_scale(38, exponent)
        .map_err(|e| arrow_error("cannot build an amount column", e))?;
    Ok(Arc::new(array))
}

/// Order metrics in `currency` as one record batch with the columns of Python's
/// `upsell.order_metrics`: segment, period (strings), orders, orders_without_customer, customers
/// (int64), revenue and aov (decimal128(38, e) with e the currency's minor-unit exponent: the
/// exact minor units), items_per_order, lines_per_order, attach_rate (float64),
/// revenue_per_customer (decimal, null without a customer), repeat_rate (float64, null likewise)
/// and currency (the ISO code).
///
/// ```
/// use upsell::pricing::Currency;
/// let batch = upsell::arrow::order_metrics(&[], "EUR".parse::<Currency>()?)?;
/// assert_eq!((batch.num_rows(), batch.num_columns()), (0, 13));
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn order_metrics(rows: &[OrderMetrics], currency: Currency) -> Result<RecordBatch> {
    let exponent = currency.exponent() as i8;
    let money = |name| Field::new(name, DataType::Decimal128(38, exponent), true);
    let int = |name| Field::new(name, DataType::Int64, false);
    let float = |name| Field::new(name, DataType::Float64, true);
    let schema = Arc::new(Schema::new(vec![
        Field::new("segment", DataType::Utf8, false),
        Field::new("period", DataType::Utf8, false),
        int("orders"),
        int("orders_without_customer"),
        int("customers"),
        money("revenue"),
        money("aov"),
        float("items_per_order"),
        float("lines_per_order"),
        float("attach_rate"),
        money("revenue_per_customer"),
        float("repeat_rate"),
        Field::new("currency", DataType::Utf8, false),
    ]));
    let text_of = |f: fn(&OrderMetrics) -> &str| -> ArrayRef {
        Arc::new(StringArray::from_iter_values(rows.iter().map(f)))
    };
    let count = |f: fn(&OrderMetrics) -> u64| -> ArrayRef {
        let counts: Vec<u64> = rows.iter().map(f).collect();
        int64(&counts)
    };
    let ratio = |f: fn(&OrderMetrics) -> Option<f64>| -> ArrayRef {
        Arc::new(Float64Array::from_iter(rows.iter().map(f)))
    };
    let columns: Vec<ArrayRef> = vec![
        text_of(|r| &r.segment),
        text_of(|r| &r.period),
        count(|r| r.orders),
        count(|r| r.orders_without_customer),
        count(|r| r.customers),
        money_column(rows.iter().map(|r| Some(r.revenue)), currency)?,
        money_column(rows.iter().map(|r| Some(r.aov)), currency)?,
        ratio(|r| Some(r.items_per_order)),
        ratio(|r| Some(r.lines_per_order)),
        ratio(|r| Some(r.attach_rate)),
        money_column(rows.iter().map(|r| r.revenue_per_customer), currency)?,
        ratio(|r| r.repeat_rate),
        Arc::new(StringArray::from_iter_values(
            rows.iter().map(|_| currency.code()),
        )),
    ];
    RecordBatch::try_new(schema, columns)
        .map_err(|e| arrow_error("cannot build the order metrics", e))
}
