//! Many customers at once: a [`Batch`] evaluated column by column in chunks on the crate's thread
//! pool, then the per-customer steps for the rows where some rule fired.

use super::context::{convert, precision_hint};
use super::*;
use crate::triggers::batch::Column;
use crate::triggers::value::Type;

impl RuleSet {
    /// Decides the offers for every row of `batch`: one [`BatchOffer`] per (customer, offer),
    /// customers in row order. The customer id is the text of column `options.id_column` (the
    /// first column by default).
    ///
    /// ```
    /// use upsell::time::parse_timestamp;
    /// use upsell::triggers::{Batch, BatchOptions, Column, RuleSet};
    /// let rules = RuleSet::from_yaml_str(
    ///     "rules:\n  - name: team\n    when: seats > 10\n    offer: {kind: upgrade, target: team}\n")?;
    /// let batch = Batch::new(vec![
    ///     ("customer".into(), Column::strings([Some("a"), Some("b")])),
    ///     ("seats".into(), Column::ints(vec![3, 12], None)),
    /// ])?;
    /// let options = BatchOptions::new(parse_timestamp("2026-11-23").unwrap());
    /// let offers = rules.evaluate_batch(&batch, &options, &upsell::Control::new())?;
    /// assert_eq!(offers.len(), 1);
    /// assert_eq!((offers[0].customer.as_str(), offers[0].offer.target.as_str()), ("b", "team"));
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn evaluate_batch(
        &self,
        batch: &Batch,
        options: &BatchOptions<'_>,
        control: &Control,
    ) -> Result<Vec<BatchOffer>> {
        let parts = self.evaluate_parts(batch, options, control, CHUNK_ROWS, Ok)?;
        Ok(parts.into_iter().flatten().collect())
    }

    /// [`RuleSet::evaluate_batch`] in parts of `part_rows` rows, each part's offers handed to
    /// `finish` on the worker that decided them, and what it makes returned in row order. What
    /// the offers become (an Arrow batch) is built there, side by side, and the offers' strings
    /// are freed by the thread that allocated them, instead of all of them by the caller after.
    pub(crate) fn evaluate_parts<T: Send>(
        &self,
        batch: &Batch,
        options: &BatchOptions<'_>,
        control: &Control,
        part_rows: usize,
        finish: impl Fn(Vec<BatchOffer>) -> Result<T> + Sync,
    ) -> Result<Vec<T>> {
        let batch = self.conform(batch)?;
        let batch = batch.as_ref();
        let compiled = self.compiled(batch.schema())?;
        let id_column = match &options.id_column {
            Some(name) => batch.schema().index_of(name).ok_or_else(|| {
                Error::invalid_parameter(
                    "id_column",
                    format!("no column named '{name}' in the data"),
                )
            })?,
            None => 0,
        };
        encode_read_columns(&compiled, batch, options.threads);
        over_chunks(batch.len(), part_rows, options.threads, control, |start, end| {
            let mut offers = Vec::new();
            for first in (start..end).step_by(CHUNK_ROWS) {
                if control.is_cancelled() {
                    return Err(Error::Cancelled);
                }
                let last = (first + CHUNK_ROWS).min(end);
                self.evaluate_chunk(&compiled, batch, id_column, options, (first, last), &mut offers);
            }
            finish(offers)
        })
    }

    /// How many rows of `batch` each rule's `when` holds for, in rule order: the audience of each
    /// rule before suppressions, fatigue, caps and control groups. Column by column only, no
    /// per-customer decision, so it sizes rules over millions of customers in the time of one pass.
    ///
    /// ```
    /// use upsell::time::parse_timestamp;
    /// use upsell::triggers::{Batch, BatchOptions, Column, RuleSet};
    /// let rules = RuleSet::from_yaml_str(r#"
    /// rules:
    ///   - { name: team, when: seats > 10, offer: { kind: upgrade, target: team } }
    ///   - { name: small, when: seats <= 3, offer: { kind: upgrade, target: pro } }
    /// "#)?;
    /// let batch = Batch::new(vec![
    ///     ("customer".into(), Column::strings([Some("a"), Some("b"), Some("c")])),
    ///     ("seats".into(), Column::ints(vec![3, 12, 30], None)),
    /// ])?;
    /// let options = BatchOptions::new(parse_timestamp("2026-11-23").unwrap());
    /// assert_eq!(rules.match_counts(&batch, &options, &upsell::Control::new())?, vec![2, 1]);
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn match_counts(
        &self,
        batch: &Batch,
        options: &BatchOptions<'_>,
        control: &Control,
    ) -> Result<Vec<u64>> {
        let batch = self.conform(batch)?;
        let batch = batch.as_ref();
        let compiled = self.compiled(batch.schema())?;
        let parts = over_chunks(batch.len(), CHUNK_ROWS, options.threads, control, |start, end| {
            let eval = ChunkEval {
                batch,
                now: options.now,
                start,
                end,
            };
            let counts = compiled
                .when
                .iter()
                .map(|node| eval.condition(node).iter().filter(|&&v| v == TRUE).count() as u64)
                .collect::<Vec<u64>>();
            Ok(counts)
        })?;
        let mut total = vec![0u64; compiled.when.len()];
        for part in parts {
            for (sum, count) in total.iter_mut().zip(part) {
                *sum += count;
            }
        }
        Ok(total)
    }

    /// Columnar verdicts for every rule of `compiled` over rows `start..end`, then per-row decisions
    /// where something fired, their offers appended to `out`.
    fn evaluate_chunk(
        &self,
        compiled: &Compiled,
        batch: &Batch,
        id_column: usize,
        options: &BatchOptions<'_>,
        (start, end): (usize, usize),
        out: &mut Vec<BatchOffer>,
    ) {
        let eval = ChunkEval {
            batch,
            now: options.now,
            start,
            end,
        };
        let rows = end - start;
        let mut suppressed: Vec<Option<usize>> = vec![None; rows];
        for (k, node) in compiled.suppressions.iter().enumerate() {
            for (slot, verdict) in suppressed.iter_mut().zip(eval.condition(node)) {
                if slot.is_none() && verdict == TRUE {
                    *slot = Some(k);
                }
            }
        }
        let mut fired: Vec<Vec<usize>> = vec![Vec::new(); rows];
        for (r, node) in compiled.when.iter().enumerate() {
            for (i, verdict) in eval.condition(node).into_iter().enumerate() {
                if verdict == TRUE {
                    fired[i].push(r);
                }
            }
        }
        let id_col = batch.column(id_column);
        for i in 0..rows {
            if fired[i].is_empty() {
                continue;
            }
            let row = start + i;
            let customer = id_col.map(|c| c.text(row)).unwrap_or_default();
            let history = options.history.and_then(|h| h.customer(&customer));
            let fields = batch.row(row);
            let decision = self.decide(
                compiled,
                &fields,
                Some(&customer),
                history,
                options.now,
                Some((&fired[i], suppressed[i])),
            );
            let rows_out = decision
                .offers
                .into_iter()
                .map(|o| (o, false))
                .chain(decision.held_out.into_iter().map(|o| (o, true)));
            for (offer, held_out) in rows_out {
                out.push(BatchOffer {
                    row,
                    customer: customer.clone(),
                    offer,
                    held_out,
                });
            }
        }
    }

    /// The batch with its columns converted to the declared schema's types where they differ
    /// (an int column read for a decimal field); borrowed when nothing needs converting.
    fn conform<'b>(&self, batch: &'b Batch) -> Result<std::borrow::Cow<'b, Batch>> {
        let Some(declared) = &self.parsed.schema else {
            return Ok(std::borrow::Cow::Borrowed(batch));
        };
        declared.check_present(|name| batch.schema().get(name).is_some(), Location::memory())?;
        let mismatched = declared
            .fields()
            .any(|(name, ty)| batch.schema().get(name).is_some_and(|t| t != ty));
        if !mismatched {
            return Ok(std::borrow::Cow::Borrowed(batch));
        }
        let mut columns = Vec::new();
        for (index, (name, ty)) in batch.schema().fields().enumerate() {
            let column = batch
                .shared_column(index)
                .ok_or_else(|| Error::invalid_input(Location::memory(), "column missing"))?;
            let target = declared.get(name).unwrap_or(ty);
            if target == ty {
                columns.push((name.to_owned(), std::sync::Arc::clone(column)));
                continue;
            }
            if let Some(widened) = column.widened(target) {
                columns.push((name.to_owned(), std::sync::Arc::new(widened)));
                continue;
            }
            let mut values = Vec::with_capacity(batch.len());
            for row in 0..batch.len() {
                let value = column.value(row);
                values.push(convert(&value, target).ok_or_else(|| {
                    Error::invalid_input(
                        Location::memory().line(row as u64 + 1).column_name(name),
                        format!(
                            "expected {target} as the rule file's schema declares, found {ty} {value}{}",
                            precision_hint(&value, target)
                        ),
                    )
                })?);
            }
            columns.push((
                name.to_owned(),
                std::sync::Arc::new(crate::triggers::batch::Column::from_values(
                    target, &values,
                )?),
            ));
        }
        Batch::from_shared(columns).map(std::borrow::Cow::Owned)
    }
}

/// Encodes the string columns that `compiled`'s conditions read (see [`Column::encode`]), one
/// column per work item on `threads` workers; columns already encoded cost a look.
fn encode_read_columns(compiled: &Compiled, batch: &Batch, threads: Option<usize>) {
    let mut read = vec![false; batch.schema().len()];
    for node in compiled.when.iter().chain(&compiled.suppressions) {
        node.each_field(&mut |index| {
            if let Some(slot) = read.get_mut(index) {
                *slot = true;
            }
        });
    }
    let columns: Vec<&Column> = (0..read.len())
        .filter(|&index| read[index])
        .filter_map(|index| batch.column(index))
        .filter(|column| column.type_of() == Type::String)
        .collect();
    Runner::new(threads).map(columns.len(), || (), |_, k| columns[k].encode());
}

/// Runs `work(start, end)` over the rows `0..rows` in chunks of `chunk_rows` on `threads`
/// workers, in chunk order, reporting progress to `control` and stopping when it is cancelled.
fn over_chunks<T: Send>(
    rows: usize,
    chunk_rows: usize,
    threads: Option<usize>,
    control: &Control,
    work: impl Fn(usize, usize) -> Result<T> + Sync,
) -> Result<Vec<T>> {
    control.start(rows as u64);
    Runner::new(threads)
        .map(
            rows.div_ceil(chunk_rows),
            || (),
            |_, k| {
                if control.is_cancelled() {
                    return Err(Error::Cancelled);
                }
                let start = k * chunk_rows;
                let end = (start + chunk_rows).min(rows);
                let part = work(start, end)?;
                control.advance((end - start) as u64);
                Ok(part)
            },
        )
        .into_iter()
        .collect()
}

/// Options of [`RuleSet::evaluate_batch`].
#[derive(Debug, Clone)]
pub struct BatchOptions<'a> {
    /// The evaluation time.
    pub now: Timestamp,
    /// The offer history, for fatigue.
    pub history: Option<&'a crate::triggers::History>,
    /// The customer id column (the first column when `None`).
    pub id_column: Option<String>,
    /// Threads (the crate default when `None`).
    pub threads: Option<usize>,
}

impl BatchOptions<'_> {
    /// Options at `now`, without history.
    pub fn new(now: Timestamp) -> Self {
        BatchOptions {
            now,
            history: None,
            id_column: None,
            threads: None,
        }
    }
}

/// One (customer, offer) of a batch evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchOffer {
    /// The row in the batch (0-based).
    pub row: usize,
    /// The customer id.
    pub customer: String,
    /// The offer.
    pub offer: Offer,
    /// Whether the offer is withheld (control group).
    pub held_out: bool,
}
