//! The trigger engine: declarative rules that decide when a customer sees which offer, evaluated
//! for one customer in microseconds and for millions column by column.
//!
//! A rule file (YAML, JSON or TOML) lists rules; each has a `when` condition in a small typed
//! language with CEL's syntax, an offer, a priority, and fatigue settings:
//!
//! ```yaml
//! schema: { plan: string, usage.feature_x_30d: int, open_tickets: int }
//! suppress:
//!   - { name: open-ticket, when: open_tickets > 0 }
//! rules:
//!   - name: starter-to-pro
//!     when: plan == "starter" && usage.feature_x_30d > 20
//!     offer: { kind: upgrade, target: pro, channel: in_app, message: pro_upsell }
//!     priority: 10
//!     cooldown_days: 14
//!     rejected_cooldown_days: 90
//!     control_share: 0.1
//! ```
//!
//! The pieces, in the order a rule goes through them:
//!
//! - `syntax` parses expressions with spans; `file` reads rule files and reports every
//!   problem with the rule's name and the file's line and column ([`crate::Error::Parse`]);
//! - `check` types an expression against a [`Schema`] (declared in the file, or inferred from the
//!   data) into one program tree; money is an exact [`Decimal`], never a float;
//! - `row` evaluates it for one customer with a reason trace; `batch` evaluates it column by column
//!   over a [`Batch`] with the same semantics;
//! - [`History`] holds shown / accepted / rejected events; [`RuleSet`] applies suppression,
//!   cooldowns, caps, ranking and control groups to produce a [`Decision`].
//!
//! The language: literals (`42`, `0x2A`, `75.00`, `2.5e3`, `"text"` with CEL's escapes, `true`,
//! `null`, `[..]`), fields (`cart.total`, `` `odd name` ``), `! - * / % + -`, comparisons, `? :`,
//! `in` (list literal, list field, `range(low, high)` inclusive), `&& ||`, indexing (`items[0]`),
//! the list macros `exists`, `all`, `exists_one`, `filter`, `map`, and the functions `has`,
//! `days_since`, `days_until`, `anniversary`, `pct_change`, `min`, `max`, `size`, `contains_any`,
//! `contains_all`, `contains`, `startsWith`, `endsWith`, `now`, `days`, `hours`, `timestamp`. A `define:` section names
//! reusable expressions. An expression may nest at most [`MAX_NESTING`] levels; flat chains of
//! any length (`a || b || ...`, `a + b + ...`) are not nesting. Null rules are in `row`'s documentation: a missing field is null, a
//! comparison with null is false, `has(x)` tests for it.

mod adoption;
mod batch;
mod check;
mod csv;
mod discover;
mod engine;
mod file;
mod history;
mod row;
mod schema;
mod syntax;
mod value;

pub use adoption::{
    AdoptionGap, AdoptionGaps, AdoptionOptions, CustomerGap, PlanFeatures, adoption_gaps,
};
pub use batch::{Batch, Column, NULL_CODE};
pub use csv::{read_customers, read_customers_csv};
pub use discover::{
    Condition, ConditionOp, DiscoverOptions, Discovery, MAX_CONDITIONS, PlanPrices, PlantedEffect,
    SkippedColumn, Subgroup, SubscriptionGenerator, discover, discover_with,
};
pub use engine::{
    BatchOffer, BatchOptions, CHUNK_ROWS, Context, Decision, Explanation, Offer, RuleInfo, RuleSet,
    SequenceStatus, evaluate_expression,
};
pub use file::{Format, OfferKind, OfferSpec, Settings};
pub use history::{CustomerHistory, Event, History, Outcome};
pub use schema::{Schema, infer_type};
pub use syntax::MAX_NESTING;
pub use value::{Decimal, Elem, Type, Value};
