//! The type checker: a parsed expression plus a [`Schema`] becomes a typed program tree ([`Node`])
//! in which every implicit conversion is explicit (`int -> decimal -> float`), every field is an
//! index into the schema and every definition (`define:`) is inlined.
//!
//! Both evaluators (row by row with a reason trace, and column by column) run this one tree, so
//! they cannot disagree on types; the checker is where every "expected X, found Y" message comes
//! from, with the span of the offending sub-expression.
//!
//! Flat chains stay flat here too (`Op::And`, `Op::Or` and `Op::Fold` hold lists), so the tree is
//! as deep as the expression nests, and expanding definitions is bounded: at most
//! [`MAX_DEPTH`] levels and [`MAX_NODES`] nodes per checked expression, a positioned error past
//! either, so that no rule file can overflow the stack of an evaluator or expand without end.

use std::collections::HashMap;
use std::sync::Arc;

use super::schema::Schema;
use super::syntax::{BinOp, Expr, ExprError, ExprKind, MAX_NESTING, Span, UnOp};
use super::value::{Elem, Type, Value};

/// The deepest checked tree, definitions expanded: eight operator levels per level of nesting.
pub(crate) const MAX_DEPTH: usize = 8 * MAX_NESTING;

/// The most nodes one checked expression may have, definitions expanded (a definition used twice
/// is inlined twice, so a chain of definitions could otherwise double at every step).
pub(crate) const MAX_NODES: usize = 1_000_000;

/// Arithmetic operators after type checking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Arith {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

/// Comparison operators after type checking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    #[inline]
    pub fn test<T: PartialOrd>(self, a: T, b: T) -> bool {
        match self {
            Cmp::Eq => a == b,
            Cmp::Ne => a != b,
            Cmp::Lt => a < b,
            Cmp::Le => a <= b,
            Cmp::Gt => a > b,
            Cmp::Ge => a >= b,
        }
    }
}

/// How the operands of an arithmetic node are represented (both sides already converted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NumKind {
    Int,
    Decimal,
    Float,
    /// Timestamps and durations: whole seconds, added and subtracted only.
    Seconds,
}

/// Built-in functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Func {
    DaysSince,
    DaysUntil,
    Anniversary,
    PctChange,
    Min,
    Max,
    Size,
    ContainsAny,
    ContainsAll,
    Contains,
    StartsWith,
    EndsWith,
    Now,
    Days,
    Hours,
}

/// A typed program node.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub op: Op,
    pub ty: Type,
    pub span: Span,
}

impl Node {
    /// Calls `found` with the index of every field the node reads (a field read twice, twice).
    pub fn each_field(&self, found: &mut impl FnMut(usize)) {
        match &self.op {
            Op::Field(index) => found(*index),
            Op::Const(_) | Op::Var(_) => {}
            Op::MapFields(fields) => fields.iter().for_each(|&(_, index)| found(index)),
            Op::Not(x)
            | Op::Neg(x)
            | Op::ToDecimal(x)
            | Op::ToFloat(x)
            | Op::IsSet(x)
            | Op::Def(x) => x.each_field(found),
            Op::And(nodes) | Op::Or(nodes) | Op::List(nodes) | Op::Call(_, nodes) => {
                nodes.iter().for_each(|node| node.each_field(found))
            }
            Op::Fold(first, steps) => {
                first.each_field(found);
                steps.iter().for_each(|step| step.operand.each_field(found));
            }
            Op::Cond(x, y, z) | Op::InRange(x, y, z) => {
                x.each_field(found);
                y.each_field(found);
                z.each_field(found);
            }
            Op::Cmp(_, x, y) | Op::CmpDyn(_, x, y) | Op::In(x, y) | Op::Index(x, y) => {
                x.each_field(found);
                y.each_field(found);
            }
            Op::InList(x, nodes) => {
                x.each_field(found);
                nodes.iter().for_each(|node| node.each_field(found));
            }
            Op::Map(pairs) => pairs.iter().for_each(|(k, v)| {
                k.each_field(found);
                v.each_field(found);
            }),
            Op::Macro {
                list, filter, body, ..
            } => {
                list.each_field(found);
                if let Some(filter) = filter {
                    filter.each_field(found);
                }
                body.each_field(found);
            }
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Op {
    Const(Value),
    Field(usize),
    Not(Box<Node>),
    /// Kleene `&&` over a flat chain, left to right, stopping at the first false.
    And(Vec<Node>),
    /// Kleene `||` over a flat chain, left to right, stopping at the first true.
    Or(Vec<Node>),
    Neg(Box<Node>),
    ToDecimal(Box<Node>),
    ToFloat(Box<Node>),
    /// A left-to-right chain of arithmetic or concatenation: the first operand, then each step.
    Fold(Box<Node>, Vec<Step>),
    /// `condition ? then : otherwise`; null when the condition is null.
    Cond(Box<Node>, Box<Node>, Box<Node>),
    Cmp(Cmp, Box<Node>, Box<Node>),
    /// A comparison where a side is a list, a map or `dyn`, decided when evaluated: equality is
    /// CEL's (numbers equal across kinds, values of different kinds unequal, lists and maps
    /// element by element); ordering values of different kinds is null.
    CmpDyn(Cmp, Box<Node>, Box<Node>),
    /// `x in [a, b, c]` where `x` and the elements share a scalar type.
    InList(Box<Node>, Vec<Node>),
    /// `x in list` (an element equal to `x`) or `k in map` (a key equal to `k`) for a list or map
    /// value: `"A" in cart.items`, `"gold" in tiers`.
    In(Box<Node>, Box<Node>),
    /// `x in range(lo, hi)`, both ends included.
    InRange(Box<Node>, Box<Node>, Box<Node>),
    /// `has(x)`: not null.
    IsSet(Box<Node>),
    /// An inlined definition: evaluated as its body, shown by its name in reason traces.
    Def(Box<Node>),
    Call(Func, Vec<Node>),
    /// A list value built from element nodes: `["a", plan]`; null when an element is null.
    List(Vec<Node>),
    /// A map value built from `(key, value)` nodes: `{"gold": 0.2}`; null when a key or a value
    /// is null or a key is repeated.
    Map(Vec<(Node, Node)>),
    /// The fields sharing a dotted prefix as one map, `(key, field)` sorted by key: `usage` for
    /// `usage.seats_used` and `usage.feature_x_30d`. A field whose value is null is not a key
    /// (see `row::map_of_fields`, the one place this rule is applied).
    MapFields(Vec<(Arc<str>, usize)>),
    /// `list[index]` (null outside the list) or `map[key]` (null for a missing key).
    Index(Box<Node>, Box<Node>),
    /// The variable a macro binds, by its slot (its macro's nesting among macros in scope).
    Var(usize),
    /// A macro over a list's elements or a map's keys (`items.exists(i, i.startsWith("SKU"))`):
    /// `body` is evaluated with each one bound to slot `slot`; `filter` is the predicate of
    /// `map(x, filter, body)`.
    Macro {
        kind: Macro,
        list: Box<Node>,
        slot: usize,
        filter: Option<Box<Node>>,
        body: Box<Node>,
    },
}

/// The macros of CEL that the language has, over a list's elements or a map's keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Macro {
    /// Some element satisfies the predicate.
    Exists,
    /// Every element satisfies it.
    All,
    /// Exactly one element satisfies it.
    ExistsOne,
    /// The elements that satisfy it.
    Filter,
    /// The expression for each element (that satisfies the filter, when given).
    Map,
}

/// One step of an [`Op::Fold`]: `running = running <op> operand`.
#[derive(Debug, Clone)]
pub(crate) struct Step {
    pub op: StepOp,
    /// The type the running value is widened to before this step, when it changes
    /// (`int -> decimal -> float`).
    pub widen: Option<Type>,
    /// The right operand, already widened to the step's type.
    pub operand: Node,
    /// The running value's type after this step.
    pub ty: Type,
}

/// What a [`Step`] does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StepOp {
    Arith(Arith, NumKind),
    /// `+` of two strings or two lists.
    Concat,
    /// An operator with a `dyn` operand, dispatched on the values' kinds when evaluated (numbers
    /// widened as the checker widens them, `+` concatenating strings and lists); null when the
    /// kinds do not fit.
    Dyn(Arith),
}

/// Checks expressions against one schema and a set of named definitions.
pub(crate) struct Checker<'a> {
    pub schema: &'a Schema,
    pub definitions: &'a HashMap<String, (Expr, String)>,
    /// Definitions being expanded, to report cycles.
    pub stack: Vec<String>,
    /// The depth of the node being checked.
    pub depth: usize,
    /// Nodes checked so far in this expression.
    pub nodes: usize,
    /// The variables of the macros being checked and their types, innermost last; a variable's
    /// slot is its index.
    pub scope: Vec<(String, Type)>,
}

fn err(span: Span, message: impl Into<String>) -> ExprError {
    ExprError::new(span, message)
}

fn boxed(node: Node) -> Box<Node> {
    Box::new(node)
}

fn numeric_rank(ty: Type) -> Option<u8> {
    match ty {
        Type::Int => Some(0),
        Type::Decimal => Some(1),
        Type::Float => Some(2),
        _ => None,
    }
}

/// Converts a numeric node to `target` (a wider numeric type).
fn widen(node: Node, target: Type) -> Node {
    if node.ty == target {
        return node;
    }
    let span = node.span;
    let op = match target {
        Type::Decimal => Op::ToDecimal(boxed(node)),
        _ => Op::ToFloat(boxed(node)),
    };
    Node {
        op,
        ty: target,
        span,
    }
}

/// The type of a value that is either an `a` or a `b` when they are lists, maps or `dyn`: element
/// types that differ become `dyn`; `None` when they cannot meet (numbers are widened instead).
fn join(a: Type, b: Type) -> Option<Type> {
    match (a, b) {
        _ if a == b => Some(a),
        (Type::Dyn, _) | (_, Type::Dyn) => Some(Type::Dyn),
        (Type::List(x), Type::List(y)) => Some(Type::List(x.join(y))),
        (Type::Map(k, v), Type::Map(l, w)) => Some(Type::Map(k.join(l), v.join(w))),
        _ => None,
    }
}

/// Whether values of types `a` and `b` may be tested for equality: numbers with numbers, and
/// otherwise types that accept each other, element by element for lists and maps.
fn equatable(a: Type, b: Type) -> bool {
    let elems = |x: Elem, y: Elem| equatable(Type::from(x), Type::from(y));
    match (a, b) {
        _ if a.is_numeric() && b.is_numeric() => true,
        (Type::List(x), Type::List(y)) => elems(x, y),
        (Type::Map(k, v), Type::Map(l, w)) => elems(k, l) && elems(v, w),
        _ => a.accepts(b),
    }
}

/// Whether `ty` may be a map key: a string, an int, a bool, or `dyn` (checked when evaluated).
fn is_key_type(ty: Type) -> bool {
    matches!(ty, Type::String | Type::Int | Type::Bool | Type::Dyn)
}

fn unify_numeric(a: Node, b: Node) -> (Node, Node, Type) {
    let target = if numeric_rank(a.ty) >= numeric_rank(b.ty) {
        a.ty
    } else {
        b.ty
    };
    (widen(a, target), widen(b, target), target)
}

impl<'a> Checker<'a> {
    /// A checker for expressions over `schema`.
    pub fn new(schema: &'a Schema, definitions: &'a HashMap<String, (Expr, String)>) -> Self {
        Checker {
            schema,
            definitions,
            stack: Vec::new(),
            depth: 0,
            nodes: 0,
            scope: Vec::new(),
        }
    }

    /// Starts a new expression: the node budget is per expression.
    pub fn begin(&mut self) {
        self.stack.clear();
        self.depth = 0;
        self.nodes = 0;
        self.scope.clear();
    }

    /// Checks an expression that must be a boolean (a `when` or a suppression).
    pub fn check_condition(&mut self, expr: &Expr) -> Result<Node, ExprError> {
        let node = self.check(expr)?;
        if !Type::Bool.accepts(node.ty) {
            return Err(err(
                expr.span,
                format!("a condition must be a bool, found {}", node.ty),
            ));
        }
        Ok(node)
    }

    /// Checks an expression that must be a number (an expected value).
    pub fn check_number(&mut self, expr: &Expr) -> Result<Node, ExprError> {
        let node = self.check(expr)?;
        match node.ty {
            Type::Int | Type::Decimal => Ok(widen(node, Type::Decimal)),
            other => Err(err(
                expr.span,
                format!("expected an int or decimal amount, found {other}"),
            )),
        }
    }

    pub fn check(&mut self, expr: &Expr) -> Result<Node, ExprError> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(err(
                expr.span,
                format!(
                    "expression has more than {MAX_NODES} operations once definitions are \
                     expanded: a definition used many times is copied each time"
                ),
            ));
        }
        if self.depth >= MAX_DEPTH {
            return Err(err(
                expr.span,
                format!(
                    "expression nests deeper than {MAX_DEPTH} operators once definitions are \
                     expanded: shorten the chain of definitions that use definitions"
                ),
            ));
        }
        self.depth += 1;
        let node = self.check_kind(expr);
        self.depth -= 1;
        node
    }

    fn check_kind(&mut self, expr: &Expr) -> Result<Node, ExprError> {
        let span = expr.span;
        match &expr.kind {
            ExprKind::Lit(Value::Null) => Err(err(
                span,
                "null is not a value here: compare with it (x == null, x != null), use it as a \
                 branch of '? :', or use has(field)",
            )),
            ExprKind::Lit(value) => {
                let ty = value
                    .type_of()
                    .ok_or_else(|| err(span, "unexpected null"))?;
                Ok(Node {
                    op: Op::Const(value.clone()),
                    ty,
                    span,
                })
            }
            ExprKind::Name(name) => self.name(name, span),
            ExprKind::Unary(UnOp::Not, inner) => {
                let inner = self.check(inner)?;
                self.expect_type(&inner, Type::Bool, "'!'")?;
                Ok(Node {
                    op: Op::Not(boxed(inner)),
                    ty: Type::Bool,
                    span,
                })
            }
            ExprKind::Unary(UnOp::Neg, inner) => {
                let inner = self.check(inner)?;
                if !(inner.ty.is_numeric() || matches!(inner.ty, Type::Duration | Type::Dyn)) {
                    return Err(err(
                        inner.span,
                        format!("'-' expects a number or a duration, found {}", inner.ty),
                    ));
                }
                let ty = inner.ty;
                Ok(Node {
                    op: Op::Neg(boxed(inner)),
                    ty,
                    span,
                })
            }
            ExprKind::Binary(op, left, right) => self.binary(*op, left, right, span),
            ExprKind::Logic(op, operands) => {
                let mut nodes = Vec::with_capacity(operands.len());
                for operand in operands {
                    let node = self.check(operand)?;
                    self.expect_type(&node, Type::Bool, &format!("'{}'", op.symbol()))?;
                    nodes.push(node);
                }
                let op = if *op == BinOp::And {
                    Op::And(nodes)
                } else {
                    Op::Or(nodes)
                };
                Ok(Node {
                    op,
                    ty: Type::Bool,
                    span,
                })
            }
            ExprKind::Chain(first, rest) => self.chain(first, rest, span),
            ExprKind::Cond(condition, then, otherwise) => {
                let condition = self.check(condition)?;
                self.expect_type(&condition, Type::Bool, "'? :'")?;
                let (then, otherwise) = self.branches(then, otherwise)?;
                let ty = self.common_type(then.ty, &otherwise)?;
                let (then, otherwise) = if ty.is_numeric() {
                    (widen(then, ty), widen(otherwise, ty))
                } else {
                    (then, otherwise)
                };
                Ok(Node {
                    op: Op::Cond(boxed(condition), boxed(then), boxed(otherwise)),
                    ty,
                    span,
                })
            }
            ExprKind::List(items) => self.list(items, span),
            ExprKind::Map(entries) => {
                let mut nodes = Vec::with_capacity(entries.len());
                let (mut keys, mut values) = (None, None);
                for (key, value) in entries {
                    let key = self.check(key)?;
                    if !is_key_type(key.ty) {
                        return Err(err(
                            key.span,
                            format!("a map key is a string, an int or a bool, found {}", key.ty),
                        ));
                    }
                    let value = self.check(value)?;
                    keys = Some(keys.map_or(Elem::of(key.ty), |k: Elem| k.join(Elem::of(key.ty))));
                    values = Some(
                        values.map_or(Elem::of(value.ty), |v: Elem| v.join(Elem::of(value.ty))),
                    );
                    nodes.push((key, value));
                }
                Ok(Node {
                    op: Op::Map(nodes),
                    ty: Type::Map(keys.unwrap_or(Elem::Dyn), values.unwrap_or(Elem::Dyn)),
                    span,
                })
            }
            ExprKind::Index(base, index) => {
                let base = self.check(base)?;
                let index = self.check(index)?;
                self.index(base, index, span)
            }
            ExprKind::Select(base, key) => {
                let base = self.check(base)?;
                self.select(base, key, span)
            }
            ExprKind::Call(name, args) => self.call(name, args, span),
        }
    }

    /// The branches of `? :`; a `null` branch takes the other branch's type.
    fn branches(&mut self, then: &Expr, otherwise: &Expr) -> Result<(Node, Node), ExprError> {
        let null = |expr: &Expr, ty: Type| Node {
            op: Op::Const(Value::Null),
            ty,
            span: expr.span,
        };
        match (is_null(then), is_null(otherwise)) {
            (true, true) => Err(err(
                then.span.to(otherwise.span),
                "'? :' needs a value in at least one branch, found null in both",
            )),
            (true, false) => {
                let otherwise = self.check(otherwise)?;
                Ok((null(then, otherwise.ty), otherwise))
            }
            (false, true) => {
                let then = self.check(then)?;
                let ty = then.ty;
                Ok((then, null(otherwise, ty)))
            }
            (false, false) => Ok((self.check(then)?, self.check(otherwise)?)),
        }
    }

    /// A list literal: `list<T>` when its elements share the type T, else `list<dyn>` (elements
    /// keep their own kinds, as in CEL: `[1, 2.5][0]` is the int 1).
    fn list(&mut self, items: &[Expr], span: Span) -> Result<Node, ExprError> {
        let mut nodes = Vec::with_capacity(items.len());
        let mut elem = None;
        for item in items {
            let node = self.check(item)?;
            let ty = Elem::of(node.ty);
            elem = Some(elem.map_or(ty, |e: Elem| e.join(ty)));
            nodes.push(node);
        }
        Ok(Node {
            op: Op::List(nodes),
            ty: Type::List(elem.unwrap_or(Elem::Dyn)),
            span,
        })
    }

    /// `base[index]`: a list's element, a map's value, or (for a map of fields and a constant
    /// key) the field itself.
    fn index(&mut self, base: Node, index: Node, span: Span) -> Result<Node, ExprError> {
        let ty = match base.ty {
            Type::List(elem) => {
                self.expect_type(&index, Type::Int, "a list index")?;
                Type::from(elem)
            }
            Type::Map(key, value) => {
                if let (Op::MapFields(fields), Op::Const(Value::Str(name))) = (&base.op, &index.op)
                {
                    return self.map_field(fields, name, span);
                }
                if !is_key_type(index.ty) || !Type::from(key).accepts(index.ty) {
                    return Err(err(
                        index.span,
                        format!("a key of {} expects {}, found {}", base.ty, Type::from(key), index.ty),
                    ));
                }
                Type::from(value)
            }
            Type::Dyn => Type::Dyn,
            other => {
                return Err(err(
                    base.span,
                    format!("indexing '[..]' expects a list or a map, found {other}"),
                ));
            }
        };
        Ok(Node {
            op: Op::Index(boxed(base), boxed(index)),
            ty,
            span,
        })
    }

    /// The field behind key `key` of a map of fields: `usage["seats_used"]` is the field
    /// `usage.seats_used` (null when the field is), and a key the schema lacks is an error.
    fn map_field(
        &self,
        fields: &[(Arc<str>, usize)],
        key: &str,
        span: Span,
    ) -> Result<Node, ExprError> {
        match fields.iter().find(|(k, _)| &**k == key) {
            Some(&(_, index)) => Ok(Node {
                op: Op::Field(index),
                ty: self.schema.field_type(index),
                span,
            }),
            None => {
                let keys: Vec<&str> = fields.iter().map(|(k, _)| &**k).collect();
                Err(err(
                    span,
                    format!(
                        "no key '{key}' in this map of fields: the schema's keys are {}",
                        keys.join(", ")
                    ),
                ))
            }
        }
    }

    /// `base.key` on a map (or a `dyn` value): `base["key"]`.
    fn select(&mut self, base: Node, key: &str, span: Span) -> Result<Node, ExprError> {
        if !matches!(base.ty, Type::Map(Elem::String | Elem::Dyn, _) | Type::Dyn) {
            return Err(err(
                span,
                format!("'.{key}' selects a key of a map with string keys, found {}", base.ty),
            ));
        }
        let index = Node {
            op: Op::Const(Value::from(key)),
            ty: Type::String,
            span,
        };
        self.index(base, index, span)
    }

    fn expect_type(&self, node: &Node, ty: Type, what: &str) -> Result<(), ExprError> {
        if ty.accepts(node.ty) {
            Ok(())
        } else {
            Err(err(
                node.span,
                format!("{what} expects {ty}, found {}", node.ty),
            ))
        }
    }

    /// Whether `name` names a value: a macro's variable, a field, a definition, a map of fields,
    /// or a key selected from one of these (`m.k`).
    fn resolves(&self, name: &str) -> bool {
        self.scope.iter().any(|(v, _)| v == name)
            || self.schema.index_of(name).is_some()
            || self.definitions.contains_key(name)
            || !self.schema.prefixed(name).is_empty()
            || name
                .rsplit_once('.')
                .is_some_and(|(prefix, _)| self.resolves(prefix))
    }

    fn name(&mut self, name: &str, span: Span) -> Result<Node, ExprError> {
        if let Some(slot) = self.scope.iter().rposition(|(v, _)| v == name) {
            return Ok(Node {
                op: Op::Var(slot),
                ty: self.scope[slot].1,
                span,
            });
        }
        if let Some(index) = self.schema.index_of(name) {
            return Ok(Node {
                op: Op::Field(index),
                ty: self.schema.field_type(index),
                span,
            });
        }
        if let Some((definition, _)) = self.definitions.get(name) {
            if let Some(start) = self.stack.iter().position(|n| n == name) {
                let mut cycle: Vec<&str> = self.stack[start..].iter().map(String::as_str).collect();
                cycle.push(name);
                return Err(err(
                    span,
                    format!("definitions form a cycle: {}", cycle.join(" -> ")),
                ));
            }
            self.stack.push(name.to_owned());
            // A definition sees the schema and other definitions, never a macro's variable.
            let scope = std::mem::take(&mut self.scope);
            let result = self.check(definition);
            self.scope = scope;
            let result = result.map_err(|inner| {
                if inner.message.starts_with("definitions form a cycle")
                    || inner.message.starts_with("in definition")
                {
                    ExprError::new(span, inner.message)
                } else {
                    ExprError::new(span, format!("in definition '{name}': {}", inner.message))
                }
            });
            self.stack.pop();
            let node = result?;
            let ty = node.ty;
            return Ok(Node {
                op: Op::Def(boxed(node)),
                ty,
                span,
            });
        }
        let fields = self.schema.prefixed(name);
        if !fields.is_empty() {
            let value = fields
                .iter()
                .map(|&(_, index)| Elem::of(self.schema.field_type(index)))
                .reduce(Elem::join)
                .unwrap_or(Elem::Dyn);
            return Ok(Node {
                op: Op::MapFields(fields),
                ty: Type::Map(Elem::String, value),
                span,
            });
        }
        if let Some((prefix, key)) = name.rsplit_once('.').filter(|(p, _)| self.resolves(p)) {
            let base = self.name(prefix, span)?;
            return self.select(base, key, span);
        }
        let mut known: Vec<&str> = self.schema.names().collect();
        known.extend(self.definitions.keys().map(String::as_str));
        known.sort_unstable();
        let hint = match close_match(name, &known) {
            Some(best) => format!(" (did you mean '{best}'?)"),
            None if known.len() <= 12 => format!(" (known: {})", known.join(", ")),
            None => String::new(),
        };
        Err(err(
            span,
            format!("unknown field '{name}': expected a field of the schema or a definition{hint}"),
        ))
    }

    fn binary(
        &mut self,
        op: BinOp,
        left: &Expr,
        right: &Expr,
        span: Span,
    ) -> Result<Node, ExprError> {
        if op == BinOp::In {
            return self.membership(left, right, span);
        }
        if matches!(op, BinOp::Eq | BinOp::Ne) && (is_null(left) || is_null(right)) {
            return self.null_test(op == BinOp::Eq, left, right, span);
        }
        if !matches!(
            op,
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
        ) {
            return self.chain(left, std::slice::from_ref(&(op, right.clone())), span);
        }
        let a = self.check(left)?;
        let b = self.check(right)?;
        self.comparison(op, a, b, span)
    }

    /// `x == null` (`!has(x)`) or `x != null` (`has(x)`); `null == null` is true.
    fn null_test(
        &mut self,
        equal: bool,
        left: &Expr,
        right: &Expr,
        span: Span,
    ) -> Result<Node, ExprError> {
        let other = if is_null(left) { right } else { left };
        let node = if is_null(other) {
            Node {
                op: Op::Const(Value::Bool(equal)),
                ty: Type::Bool,
                span,
            }
        } else {
            let set = Node {
                op: Op::IsSet(boxed(self.check(other)?)),
                ty: Type::Bool,
                span,
            };
            if equal {
                Node {
                    op: Op::Not(boxed(set)),
                    ty: Type::Bool,
                    span,
                }
            } else {
                set
            }
        };
        Ok(node)
    }

    /// A flat chain of `+ -` or `* / %`, typed step by step: the running value is widened when a
    /// later operand is wider, exactly as the nested binary operations would be.
    fn chain(
        &mut self,
        first: &Expr,
        rest: &[(BinOp, Expr)],
        span: Span,
    ) -> Result<Node, ExprError> {
        let first = self.check(first)?;
        let mut ty = first.ty;
        let mut steps = Vec::with_capacity(rest.len());
        for (op, operand) in rest {
            let operand_span = operand.span;
            let operand = self.check(operand)?;
            let step = self.step(*op, ty, operand, first.span.to(operand_span))?;
            ty = step.ty;
            steps.push(step);
        }
        Ok(Node {
            op: Op::Fold(boxed(first), steps),
            ty,
            span,
        })
    }

    fn comparison(&mut self, op: BinOp, a: Node, b: Node, span: Span) -> Result<Node, ExprError> {
        let cmp = match op {
            BinOp::Eq => Cmp::Eq,
            BinOp::Ne => Cmp::Ne,
            BinOp::Lt => Cmp::Lt,
            BinOp::Le => Cmp::Le,
            BinOp::Gt => Cmp::Gt,
            _ => Cmp::Ge,
        };
        let equality = matches!(cmp, Cmp::Eq | Cmp::Ne);
        let composite = |ty: Type| matches!(ty, Type::List(_) | Type::Map(..) | Type::Dyn);
        if composite(a.ty) || composite(b.ty) {
            let ordered = |ty: Type| !matches!(ty, Type::List(_) | Type::Map(..) | Type::Bool);
            let fits = if equality {
                equatable(a.ty, b.ty)
            } else {
                ordered(a.ty) && ordered(b.ty)
            };
            if !fits {
                return Err(err(
                    span,
                    format!(
                        "'{}' cannot compare {} and {}{}",
                        op.symbol(),
                        a.ty,
                        b.ty,
                        if equality { "" } else { ": lists and maps have == and != only" }
                    ),
                ));
            }
            return Ok(Node {
                op: Op::CmpDyn(cmp, boxed(a), boxed(b)),
                ty: Type::Bool,
                span,
            });
        }
        let (a, b) = if a.ty.is_numeric() && b.ty.is_numeric() {
            let (a, b, _) = unify_numeric(a, b);
            (a, b)
        } else if a.ty == b.ty {
            if a.ty == Type::Bool && !equality {
                return Err(err(
                    span,
                    format!(
                        "'{}' does not order {}s: use == or !=",
                        op.symbol(),
                        a.ty.name()
                    ),
                ));
            }
            (a, b)
        } else {
            return Err(err(
                span,
                format!(
                    "'{}' compares two numbers, strings, timestamps or durations, found {} and {}",
                    op.symbol(),
                    a.ty,
                    b.ty
                ),
            ));
        };
        Ok(Node {
            op: Op::Cmp(cmp, boxed(a), boxed(b)),
            ty: Type::Bool,
            span,
        })
    }

    /// One step `running <op> b` where the running value has type `a`.
    fn step(&self, op: BinOp, a: Type, b: Node, span: Span) -> Result<Step, ExprError> {
        let arith = match op {
            BinOp::Add => Arith::Add,
            BinOp::Sub => Arith::Sub,
            BinOp::Mul => Arith::Mul,
            BinOp::Div => Arith::Div,
            BinOp::Rem => Arith::Rem,
            other => {
                return Err(err(
                    span,
                    format!("'{}' is not an arithmetic operator", other.symbol()),
                ));
            }
        };
        if a == Type::Dyn || b.ty == Type::Dyn {
            return Ok(Step {
                op: StepOp::Dyn(arith),
                widen: None,
                operand: b,
                ty: Type::Dyn,
            });
        }
        let concat = match (a, b.ty) {
            (Type::String, Type::String) => Some(Type::String),
            (Type::List(x), Type::List(y)) => Some(Type::List(x.join(y))),
            _ => None,
        };
        if let (Some(ty), Arith::Add) = (concat, arith) {
            return Ok(Step {
                op: StepOp::Concat,
                widen: None,
                operand: b,
                ty,
            });
        }
        if a.is_numeric() && b.ty.is_numeric() {
            let ty = if numeric_rank(a) >= numeric_rank(b.ty) {
                a
            } else {
                b.ty
            };
            if arith == Arith::Rem && ty != Type::Int {
                return Err(err(span, format!("'%' needs two ints, found {ty}")));
            }
            let kind = match ty {
                Type::Int => NumKind::Int,
                Type::Decimal => NumKind::Decimal,
                _ => NumKind::Float,
            };
            return Ok(Step {
                op: StepOp::Arith(arith, kind),
                widen: (a != ty).then_some(ty),
                operand: widen(b, ty),
                ty,
            });
        }
        let ty = match (a, arith, b.ty) {
            (Type::Timestamp, Arith::Sub, Type::Timestamp) => Type::Duration,
            (Type::Timestamp, Arith::Add | Arith::Sub, Type::Duration) => Type::Timestamp,
            (Type::Duration, Arith::Add | Arith::Sub, Type::Duration) => Type::Duration,
            _ => {
                return Err(err(
                    span,
                    format!("'{}' is not defined for {a} and {}", op.symbol(), b.ty),
                ));
            }
        };
        Ok(Step {
            op: StepOp::Arith(arith, NumKind::Seconds),
            widen: None,
            operand: b,
            ty,
        })
    }

    fn membership(&mut self, left: &Expr, right: &Expr, span: Span) -> Result<Node, ExprError> {
        let item = self.check(left)?;
        match &right.kind {
            ExprKind::List(elements) => {
                let mut checked = Vec::with_capacity(elements.len());
                for element in elements {
                    checked.push(self.check(element)?);
                }
                // Scalars of one type (numbers widened) have a kernel; a list mixing kinds, or
                // holding lists or maps, is a list value tested when evaluated.
                let scalar = |ty: Type| !matches!(ty, Type::List(_) | Type::Map(..) | Type::Dyn);
                let shared = checked.iter().all(|e| scalar(e.ty))
                    && checked
                        .iter()
                        .try_fold(checked.first().map_or(item.ty, |e| e.ty), |ty, e| {
                            self.common_type(ty, e)
                        })
                        .is_ok();
                if !scalar(item.ty) || !shared {
                    let list = Node {
                        ty: Type::List(
                            checked
                                .iter()
                                .map(|e| Elem::of(e.ty))
                                .reduce(Elem::join)
                                .unwrap_or(Elem::Dyn),
                        ),
                        op: Op::List(checked),
                        span: right.span,
                    };
                    return self.contains(item, list, span);
                }
                let mut ty = item.ty;
                for element in &checked {
                    ty = self.common_type(ty, element)?;
                }
                let item = if item.ty.is_numeric() {
                    widen(item, ty)
                } else {
                    item
                };
                let checked = checked
                    .into_iter()
                    .map(|e| if e.ty.is_numeric() { widen(e, ty) } else { e })
                    .collect();
                Ok(Node {
                    op: Op::InList(boxed(item), checked),
                    ty: Type::Bool,
                    span,
                })
            }
            ExprKind::Call(name, args) if name == "range" => {
                if args.len() != 2 {
                    return Err(err(
                        right.span,
                        format!(
                            "range() takes 2 arguments (low, high), found {}",
                            args.len()
                        ),
                    ));
                }
                let low = self.check(&args[0])?;
                let high = self.check(&args[1])?;
                let mut ty = self.common_type(item.ty, &low)?;
                ty = self.common_type(ty, &high)?;
                if !(ty.is_numeric() || matches!(ty, Type::Timestamp | Type::Duration)) {
                    return Err(err(
                        right.span,
                        format!("range() needs numbers, timestamps or durations, found {ty}"),
                    ));
                }
                let (item, low, high) = if ty.is_numeric() {
                    (widen(item, ty), widen(low, ty), widen(high, ty))
                } else {
                    (item, low, high)
                };
                Ok(Node {
                    op: Op::InRange(boxed(item), boxed(low), boxed(high)),
                    ty: Type::Bool,
                    span,
                })
            }
            _ => {
                let container = self.check(right)?;
                self.contains(item, container, span)
            }
        }
    }

    /// `item in container` for a list or map value: the element (or key) type must admit `item`;
    /// a constant key of a map of fields is `has` of that field, by the rule that a null field is
    /// not a key.
    fn contains(&mut self, item: Node, container: Node, span: Span) -> Result<Node, ExprError> {
        let wanted = match container.ty {
            Type::List(elem) => Type::from(elem),
            Type::Map(key, _) => {
                if let (Op::MapFields(fields), Op::Const(Value::Str(name))) =
                    (&container.op, &item.op)
                {
                    let field = self.map_field(fields, name, item.span)?;
                    return Ok(Node {
                        op: Op::IsSet(boxed(field)),
                        ty: Type::Bool,
                        span,
                    });
                }
                Type::from(key)
            }
            Type::Dyn => Type::Dyn,
            other => {
                return Err(err(
                    container.span,
                    format!(
                        "'in' expects a list, a map or range(low, high), found {other}"
                    ),
                ));
            }
        };
        if !equatable(item.ty, wanted) {
            return Err(err(
                item.span,
                format!("'in' on a {} expects {wanted}, found {}", container.ty, item.ty),
            ));
        }
        Ok(Node {
            op: Op::In(boxed(item), boxed(container)),
            ty: Type::Bool,
            span,
        })
    }

    fn common_type(&self, ty: Type, node: &Node) -> Result<Type, ExprError> {
        if let Some(joined) = join(ty, node.ty) {
            return Ok(joined);
        }
        if ty.is_numeric() && node.ty.is_numeric() {
            return Ok(if numeric_rank(ty) >= numeric_rank(node.ty) {
                ty
            } else {
                node.ty
            });
        }
        Err(err(
            node.span,
            format!("expected {ty} like the other values, found {}", node.ty),
        ))
    }

    fn call(&mut self, name: &str, args: &[Expr], span: Span) -> Result<Node, ExprError> {
        let arity = |n: usize| -> Result<(), ExprError> {
            if args.len() == n {
                Ok(())
            } else {
                Err(err(
                    span,
                    format!(
                        "{name}() takes {n} argument{}, found {}",
                        if n == 1 { "" } else { "s" },
                        args.len()
                    ),
                ))
            }
        };
        let func = match name {
            "has" => {
                arity(1)?;
                let inner = self.check(&args[0])?;
                return Ok(Node {
                    op: Op::IsSet(boxed(inner)),
                    ty: Type::Bool,
                    span,
                });
            }
            "timestamp" => {
                arity(1)?;
                let ExprKind::Lit(Value::Str(text)) = &args[0].kind else {
                    return Err(err(
                        args[0].span,
                        "timestamp() expects a string literal such as \"2026-01-31T00:00:00Z\"",
                    ));
                };
                let t = crate::time::parse_timestamp(text)
                    .filter(|t| {
                        // CEL's range: years 1 to 9999.
                        let year = t.to_zoned(jiff::tz::TimeZone::UTC).year();
                        (1..=9999).contains(&year)
                    })
                    .ok_or_else(|| {
                    err(args[0].span, format!("'{text}' is not a time from year 1 to 9999: expected RFC 3339 (2026-11-23T10:15:00Z) or a date (2026-11-23)"))
                })?;
                return Ok(Node {
                    op: Op::Const(Value::Timestamp(t)),
                    ty: Type::Timestamp,
                    span,
                });
            }
            "range" => return Err(err(span, "range(low, high) can only follow 'in'")),
            "exists" => return self.macro_call(Macro::Exists, name, args, span),
            "all" => return self.macro_call(Macro::All, name, args, span),
            "exists_one" => return self.macro_call(Macro::ExistsOne, name, args, span),
            "filter" => return self.macro_call(Macro::Filter, name, args, span),
            "map" => return self.macro_call(Macro::Map, name, args, span),
            "days_since" => Func::DaysSince,
            "days_until" => Func::DaysUntil,
            "anniversary" => Func::Anniversary,
            "pct_change" => Func::PctChange,
            "min" => Func::Min,
            "max" => Func::Max,
            "size" => Func::Size,
            "contains_any" => Func::ContainsAny,
            "contains_all" => Func::ContainsAll,
            "contains" => Func::Contains,
            "startsWith" | "starts_with" => Func::StartsWith,
            "endsWith" | "ends_with" => Func::EndsWith,
            "now" => Func::Now,
            "days" => Func::Days,
            "hours" => Func::Hours,
            other => {
                return Err(err(
                    span,
                    format!(
                        "unknown function '{other}': expected has, days_since, days_until, anniversary, pct_change, \
                         min, max, size, contains_any, contains_all, contains, startsWith, endsWith, now, days, \
                         hours, timestamp, range, or the list macros exists, all, exists_one, filter and map"
                    ),
                ));
            }
        };
        let mut checked = Vec::with_capacity(args.len());
        for (k, arg) in args.iter().enumerate() {
            // contains_any / contains_all take a list literal as their second argument.
            if let (Func::ContainsAny | Func::ContainsAll, 1, ExprKind::List(items)) =
                (func, k, &arg.kind)
            {
                for item in items {
                    let node = self.check(item)?;
                    self.expect_type(&node, Type::String, &format!("{name}()'s list"))?;
                    checked.push(node);
                }
                continue;
            }
            checked.push(self.check(arg)?);
        }
        let ty = match func {
            Func::DaysSince | Func::DaysUntil | Func::Anniversary => {
                arity(1)?;
                self.expect_type(&checked[0], Type::Timestamp, &format!("{name}()"))?;
                if func == Func::Anniversary {
                    Type::Bool
                } else {
                    Type::Int
                }
            }
            Func::PctChange => {
                arity(2)?;
                for node in &checked {
                    if !node.ty.is_numeric() {
                        return Err(err(
                            node.span,
                            format!("pct_change() expects numbers, found {}", node.ty),
                        ));
                    }
                }
                let float = checked.iter().any(|n| n.ty == Type::Float);
                let target = if float { Type::Float } else { Type::Decimal };
                checked = checked.into_iter().map(|n| widen(n, target)).collect();
                target
            }
            Func::Min | Func::Max => {
                if checked.len() < 2 {
                    return Err(err(
                        span,
                        format!(
                            "{name}() takes at least 2 arguments, found {}",
                            checked.len()
                        ),
                    ));
                }
                let mut ty = checked[0].ty;
                for node in &checked[1..] {
                    ty = self.common_type(ty, node)?;
                }
                if !(ty.is_numeric() || matches!(ty, Type::Timestamp | Type::Duration)) {
                    return Err(err(
                        span,
                        format!("{name}() expects numbers, timestamps or durations, found {ty}"),
                    ));
                }
                if ty.is_numeric() {
                    checked = checked.into_iter().map(|n| widen(n, ty)).collect();
                }
                ty
            }
            Func::Size => {
                arity(1)?;
                if !matches!(
                    checked[0].ty,
                    Type::String | Type::List(_) | Type::Map(..) | Type::Dyn
                ) {
                    return Err(err(
                        checked[0].span,
                        format!(
                            "size() expects a string, a list or a map, found {}",
                            checked[0].ty
                        ),
                    ));
                }
                Type::Int
            }
            Func::ContainsAny | Func::ContainsAll => {
                if args.len() != 2 || !matches!(args[1].kind, ExprKind::List(_)) {
                    return Err(err(
                        span,
                        format!(
                            "{name}() takes a list field and a list literal: {name}(cart.items, [\"A\", \"B\"])"
                        ),
                    ));
                }
                self.expect_type(&checked[0], Type::List(Elem::String), &format!("{name}()"))?;
                Type::Bool
            }
            Func::Contains | Func::StartsWith | Func::EndsWith => {
                arity(2)?;
                self.expect_type(&checked[0], Type::String, &format!("{name}()"))?;
                self.expect_type(&checked[1], Type::String, &format!("{name}()"))?;
                Type::Bool
            }
            Func::Now => {
                arity(0)?;
                Type::Timestamp
            }
            Func::Days | Func::Hours => {
                arity(1)?;
                self.expect_type(&checked[0], Type::Int, &format!("{name}()"))?;
                Type::Duration
            }
        };
        Ok(Node {
            op: Op::Call(func, checked),
            ty,
            span,
        })
    }

    /// `list.exists(x, predicate)` and the other macros: `x` is bound to each element of a list,
    /// or each key of a map, while the predicate or expression is checked.
    fn macro_call(
        &mut self,
        kind: Macro,
        name: &str,
        args: &[Expr],
        span: Span,
    ) -> Result<Node, ExprError> {
        let usage = || {
            let form = if kind == Macro::Map {
                "list.map(x, expression) or list.map(x, predicate, expression)"
            } else {
                "list.NAME(x, predicate)"
            };
            err(
                span,
                format!(
                    "{name}() is a macro over a list or a map: {}",
                    form.replace("NAME", name)
                ),
            )
        };
        let arity_ok = args.len() == 3 || (kind == Macro::Map && args.len() == 4);
        if !arity_ok {
            return Err(usage());
        }
        let ExprKind::Name(variable) = &args[1].kind else {
            return Err(usage());
        };
        if variable.contains('.') {
            return Err(err(
                args[1].span,
                format!("{name}()'s variable must be a plain name, found '{variable}'"),
            ));
        }
        let list = self.check(&args[0])?;
        let element = match list.ty {
            Type::List(elem) | Type::Map(elem, _) => elem,
            Type::Dyn => Elem::Dyn,
            other => {
                return Err(err(
                    list.span,
                    format!("{name}() expects a list or a map, found {other}"),
                ));
            }
        };
        self.scope.push((variable.clone(), Type::from(element)));
        let checked = self.macro_body(kind, name, &args[2..]);
        let slot = self.scope.len() - 1;
        self.scope.pop();
        let (filter, body) = checked?;
        let ty = match kind {
            Macro::Exists | Macro::All | Macro::ExistsOne => Type::Bool,
            Macro::Filter => Type::List(element),
            Macro::Map => Type::List(Elem::of(body.ty)),
        };
        Ok(Node {
            op: Op::Macro {
                kind,
                list: boxed(list),
                slot,
                filter: filter.map(boxed),
                body: boxed(body),
            },
            ty,
            span,
        })
    }

    /// A macro's optional filter and its body, with its variable in scope.
    fn macro_body(
        &mut self,
        kind: Macro,
        name: &str,
        args: &[Expr],
    ) -> Result<(Option<Node>, Node), ExprError> {
        let (filter, body) = match args {
            [filter, body] => (Some(self.check(filter)?), self.check(body)?),
            _ => (None, self.check(&args[0])?),
        };
        if let Some(filter) = &filter {
            self.expect_type(filter, Type::Bool, &format!("{name}()'s predicate"))?;
        }
        if kind != Macro::Map {
            self.expect_type(&body, Type::Bool, &format!("{name}()'s predicate"))?;
        }
        Ok((filter, body))
    }
}

fn is_null(expr: &Expr) -> bool {
    matches!(expr.kind, ExprKind::Lit(Value::Null))
}

/// The known name closest to `name` by edit distance, if close enough to be a likely typo.
fn close_match<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    let distance = |a: &str, b: &str| -> usize {
        let b: Vec<char> = b.chars().collect();
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut previous = row[0];
            row[0] = i + 1;
            for (j, cb) in b.iter().enumerate() {
                let current = row[j + 1];
                row[j + 1] = (previous + usize::from(ca != *cb))
                    .min(row[j] + 1)
                    .min(current + 1);
                previous = current;
            }
        }
        row[b.len()]
    };
    known
        .iter()
        .map(|k| (distance(name, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min()
        .map(|(_, k)| k)
}
