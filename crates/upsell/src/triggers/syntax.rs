//! Lexer and parser of the CEL-like expression language, keeping a byte span on every node so a
//! type error can point at the column where the problem is.
//!
//! Hand-written (a Pratt-style precedence climber over a token vector): the grammar is small, the
//! error messages must say what was expected at which column, and the parser runs once per rule at
//! load, so a parser generator would add a dependency for nothing.
//!
//! Precedence, loosest first: `? :`, `||`, `&&`, comparisons and `in` (not chained), `+ -`, `* / %`,
//! unary `! -`, then postfix `.name` (field paths), `.method(args)` (sugar for `method(x, args)`)
//! and `[index]`.
//!
//! No input may overflow the stack, in this parser or in the checker and evaluators that walk its
//! tree. So a flat chain of one precedence level (`a || b || ...`, `a + b - c + ...`) becomes one
//! node holding a list, however long, and only nesting makes the tree deeper: parentheses,
//! brackets, indexes, call arguments, unary operators and method calls each count one level, and more than
//! [`MAX_NESTING`] levels is a positioned error, not a crash.

use super::value::{Decimal, Value};

/// The deepest nesting an expression may have: parentheses, list brackets, indexes (`l[0]`), call
/// arguments, unary operators (`!`, `-`) and method calls (`.size()`) each count one level. Deeper input is a parse
/// error at the position where the limit is crossed.
///
/// ```
/// use upsell::triggers::{MAX_NESTING, RuleSet};
/// let nested = |depth: usize| format!(
///     "rules:\n  - {{name: deep, when: '{}seats > 1{}', offer: {{kind: upgrade, target: t}}}}\n",
///     "(".repeat(depth), ")".repeat(depth));
/// assert!(RuleSet::from_yaml_str(&nested(MAX_NESTING)).is_ok());
/// let err = RuleSet::from_yaml_str(&nested(MAX_NESTING + 1)).unwrap_err();
/// assert!(err.to_string().contains("nests deeper than 128 levels"), "{err}");
/// // A flat chain is not nesting: ten thousand terms load.
/// let chain = vec!["seats > 1"; 10_000].join(" || ");
/// let flat = format!("rules:\n  - {{name: wide, when: '{chain}', offer: {{kind: upgrade, target: t}}}}\n");
/// assert!(RuleSet::from_yaml_str(&flat).is_ok());
/// ```
pub const MAX_NESTING: usize = 128;

/// A byte range in the expression text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    /// From this span's start to `other`'s end.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start,
            end: other.end,
        }
    }
}

/// A parse or type error inside one expression.
#[derive(Debug, Clone)]
pub(crate) struct ExprError {
    pub span: Span,
    pub message: String,
}

impl ExprError {
    pub fn new(span: Span, message: impl Into<String>) -> Self {
        ExprError {
            span,
            message: message.into(),
        }
    }
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Or => "||",
            BinOp::And => "&&",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::In => "in",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Rem => "%",
        }
    }
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnOp {
    Not,
    Neg,
}

/// A parsed expression.
#[derive(Debug, Clone)]
pub(crate) struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub(crate) enum ExprKind {
    Lit(Value),
    /// A field path such as `cart.total` (or a definition's name).
    Name(String),
    Call(String, Vec<Expr>),
    Unary(UnOp, Box<Expr>),
    /// A comparison or `in`: these do not chain.
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `a || b || c` (`Or`) or `a && b && c` (`And`): one node for the whole flat chain, at least
    /// two operands.
    Logic(BinOp, Vec<Expr>),
    /// `a + b - c` or `a * b / c % d`: the first operand, then each later one with the operator
    /// before it, applied left to right.
    Chain(Box<Expr>, Vec<(BinOp, Expr)>),
    /// `condition ? then : otherwise`.
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    List(Vec<Expr>),
    /// `{key: value, ...}`.
    Map(Vec<(Expr, Expr)>),
    /// `list[index]` or `map[key]`.
    Index(Box<Expr>, Box<Expr>),
    /// `value.key` after something that is not a field path (`{"a": 1}.a`, `m["x"].y`).
    Select(Box<Expr>, String),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// Unsigned as written: `9223372036854775808` is only valid after a unary minus.
    Int(u64),
    Dec(Decimal),
    Str(String),
    Ident(String),
    Sym(&'static str),
    End,
}

fn describe(tok: &Tok) -> String {
    match tok {
        Tok::Int(i) => format!("number {i}"),
        Tok::Dec(d) => format!("number {d}"),
        Tok::Str(s) => format!("string \"{s}\""),
        Tok::Ident(s) => format!("'{s}'"),
        Tok::Sym(s) => format!("'{s}'"),
        Tok::End => "the end of the expression".to_owned(),
    }
}

const SYMBOLS: [&str; 24] = [
    "&&", "||", "==", "!=", "<=", ">=", "<", ">", "!", "+", "-", "*", "/", "%", "(", ")", "[", "]",
    "{", "}", ",", ".", "?", ":",
];

fn lex(text: &str) -> Result<Vec<(Tok, Span)>, ExprError> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let tok = if c.is_ascii_digit() {
            let (tok, next) = lex_number(text, i)?;
            i = next;
            tok
        } else if c == b'"' || c == b'\'' {
            let (value, next) = lex_string(text, i)?;
            i = next;
            Tok::Str(value)
        } else if c.is_ascii_alphabetic() || c == b'_' {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            Tok::Ident(text[start..i].to_owned())
        } else if c == b'`' {
            let close = text[i + 1..].find('`').ok_or_else(|| {
                ExprError::new(
                    Span {
                        start,
                        end: text.len(),
                    },
                    "unclosed `quoted name`: expected a closing backtick",
                )
            })?;
            i += close + 2;
            Tok::Ident(text[start + 1..i - 1].to_owned())
        } else if let Some(sym) = SYMBOLS.iter().find(|s| text[i..].starts_with(**s)) {
            i += sym.len();
            Tok::Sym(sym)
        } else {
            let ch = text[i..].chars().next().unwrap_or('?');
            return Err(ExprError::new(
                Span {
                    start,
                    end: i + ch.len_utf8(),
                },
                format!("unexpected character '{ch}'"),
            ));
        };
        tokens.push((tok, Span { start, end: i }));
    }
    tokens.push((
        Tok::End,
        Span {
            start: text.len(),
            end: text.len(),
        },
    ));
    Ok(tokens)
}

/// A number at `start`: an int (decimal, or hex after `0x`), or a decimal with a fraction and/or
/// an exponent (`1.5`, `2e3`, `1.25e-2`), exact to six places.
fn lex_number(text: &str, start: usize) -> Result<(Tok, usize), ExprError> {
    let bytes = text.as_bytes();
    let digits = |mut i: usize, hex: bool| {
        while i < bytes.len()
            && (bytes[i].is_ascii_digit() || (hex && bytes[i].is_ascii_hexdigit()))
        {
            i += 1;
        }
        i
    };
    let too_large = |end: usize| {
        ExprError::new(
            Span { start, end },
            format!("integer {} is too large", &text[start..end]),
        )
    };
    let suffix = |end: usize| -> Result<(), ExprError> {
        match bytes.get(end) {
            Some(b'u' | b'U') => Err(ExprError::new(
                Span {
                    start,
                    end: end + 1,
                },
                "unsigned literals (1u) are not supported: ints are signed 64-bit",
            )),
            _ => Ok(()),
        }
    };
    if bytes[start] == b'0' && matches!(bytes.get(start + 1), Some(b'x' | b'X')) {
        let end = digits(start + 2, true);
        if end == start + 2 {
            return Err(ExprError::new(
                Span { start, end },
                "expected hex digits after 0x",
            ));
        }
        suffix(end)?;
        let n = u64::from_str_radix(&text[start + 2..end], 16).map_err(|_| too_large(end))?;
        return Ok((Tok::Int(n), end));
    }
    let mut i = digits(start, false);
    let fraction = i + 1 < bytes.len() && bytes[i] == b'.' && bytes[i + 1].is_ascii_digit();
    if fraction {
        i = digits(i + 1, false);
    }
    let mantissa_end = i;
    let mut exponent = 0i64;
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(bytes.get(i + 1), Some(b'+' | b'-')));
        if bytes.get(i + 1 + sign).is_some_and(u8::is_ascii_digit) {
            let end = digits(i + 1 + sign, false);
            exponent = text[i + 1..end].parse().unwrap_or(i64::MAX);
            i = end;
        }
    }
    let span = Span { start, end: i };
    if !fraction && i == mantissa_end {
        suffix(i)?;
        let n = text[start..i].parse::<u64>().map_err(|_| too_large(i))?;
        return Ok((Tok::Int(n), i));
    }
    let d = scaled_decimal(&text[start..mantissa_end], exponent)
        .ok_or_else(|| ExprError::new(span, format!("number {} is out of range", &text[start..i])))?
        .map_err(|m| ExprError::new(span, m))?;
    Ok((Tok::Dec(d), i))
}

/// `mantissa` (digits with an optional fraction) times ten to the `exponent`, as a decimal;
/// `None` when the exponent is absurd.
fn scaled_decimal(mantissa: &str, exponent: i64) -> Option<Result<Decimal, String>> {
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = format!("{whole}{fraction}");
    let point = i64::try_from(whole.len()).ok()?.checked_add(exponent)?;
    if !(-64..=64).contains(&point) {
        return None;
    }
    let text = if point <= 0 {
        format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
    } else if point as usize >= digits.len() {
        format!("{digits}{}", "0".repeat(point as usize - digits.len()))
    } else {
        format!(
            "{}.{}",
            &digits[..point as usize],
            &digits[point as usize..]
        )
    };
    let text = match text.split_once('.') {
        Some((w, f)) => format!("{w}.{}", f.trim_end_matches('0'))
            .trim_end_matches('.')
            .to_owned(),
        None => text,
    };
    Some(text.parse::<Decimal>())
}

fn lex_string(text: &str, start: usize) -> Result<(String, usize), ExprError> {
    let quote = text.as_bytes()[start] as char;
    let mut out = String::new();
    let mut chars = text[start + 1..].char_indices();
    while let Some((offset, ch)) = chars.next() {
        let at = start + 1 + offset;
        match ch {
            c if c == quote => return Ok((out, at + 1)),
            '\\' => {
                let bad = |message: &str| {
                    ExprError::new(
                        Span {
                            start: at,
                            end: at + 2,
                        },
                        message.to_owned(),
                    )
                };
                let code = |chars: &mut std::str::CharIndices<'_>, width: usize, radix: u32| {
                    let mut value = 0u32;
                    for _ in 0..width {
                        let digit = chars.next().and_then(|(_, c)| c.to_digit(radix));
                        value = value * radix + digit.ok_or_else(|| bad("incomplete escape"))?;
                    }
                    char::from_u32(value).ok_or_else(|| bad("escape is not a Unicode character"))
                };
                let escaped = match chars.next() {
                    Some((_, 'n')) => '\n',
                    Some((_, 't')) => '\t',
                    Some((_, 'r')) => '\r',
                    Some((_, 'a')) => '\u{7}',
                    Some((_, 'b')) => '\u{8}',
                    Some((_, 'f')) => '\u{c}',
                    Some((_, 'v')) => '\u{b}',
                    Some((_, c @ ('\\' | '"' | '\'' | '?' | '`'))) => c,
                    Some((_, 'x' | 'X')) => code(&mut chars, 2, 16)?,
                    Some((_, 'u')) => code(&mut chars, 4, 16)?,
                    Some((_, 'U')) => code(&mut chars, 8, 16)?,
                    Some((_, d @ '0'..='3')) => {
                        let high = d.to_digit(8).unwrap_or(0) * 64;
                        let low = code(&mut chars, 2, 8)?;
                        char::from_u32(high + low as u32)
                            .ok_or_else(|| bad("escape is not a Unicode character"))?
                    }
                    _ => {
                        return Err(bad(
                            "unknown escape: expected \\n, \\t, \\r, \\\\, \\\", \\', \\xHH, \\uHHHH, \\UHHHHHHHH or \\ooo",
                        ));
                    }
                };
                out.push(escaped);
            }
            c => out.push(c),
        }
    }
    Err(ExprError::new(
        Span {
            start,
            end: text.len(),
        },
        format!("unclosed string: expected a closing {quote}"),
    ))
}

/// Parses one expression.
pub(crate) fn parse(text: &str) -> Result<Expr, ExprError> {
    let tokens = lex(text)?;
    let mut parser = Parser {
        tokens,
        pos: 0,
        depth: 0,
    };
    let expr = parser.conditional()?;
    match parser.peek() {
        Tok::End => Ok(expr),
        other => Err(ExprError::new(
            parser.span(),
            format!(
                "unexpected {} after a complete expression: expected an operator such as && or ||",
                describe(other)
            ),
        )),
    }
}

struct Parser {
    tokens: Vec<(Tok, Span)>,
    pos: usize,
    /// Current nesting (see [`MAX_NESTING`]).
    depth: usize,
}

/// The magnitude of `i64::MIN`, the one integer literal that is valid only after a minus.
const MIN_MAGNITUDE: u64 = i64::MIN.unsigned_abs();

impl Parser {
    fn peek(&self) -> &Tok {
        &self.tokens[self.pos].0
    }

    fn span(&self) -> Span {
        self.tokens[self.pos].1
    }

    fn advance(&mut self) -> (Tok, Span) {
        let token = self.tokens[self.pos].clone();
        if self.pos + 1 < self.tokens.len() {
            self.pos += 1;
        }
        token
    }

    fn eat(&mut self, sym: &str) -> bool {
        if matches!(self.peek(), Tok::Sym(s) if *s == sym) {
            self.advance();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, sym: &str, context: &str) -> Result<Span, ExprError> {
        let span = self.span();
        if self.eat(sym) {
            Ok(span)
        } else {
            Err(ExprError::new(
                span,
                format!(
                    "expected '{sym}' {context}, found {}",
                    describe(self.peek())
                ),
            ))
        }
    }

    /// Enters one level of nesting at `span`, failing past [`MAX_NESTING`].
    fn enter(&mut self, span: Span) -> Result<(), ExprError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(ExprError::new(
                span,
                format!(
                    "expression nests deeper than {MAX_NESTING} levels (parentheses, brackets, \
                     calls, '!' and '-' each count one): split it with define:"
                ),
            ));
        }
        Ok(())
    }

    fn binary(op: BinOp, left: Expr, right: Expr) -> Expr {
        let span = left.span.to(right.span);
        Expr {
            kind: ExprKind::Binary(op, Box::new(left), Box::new(right)),
            span,
        }
    }

    /// `condition ? then : otherwise`, the loosest level; each `?` is a level of nesting.
    fn conditional(&mut self) -> Result<Expr, ExprError> {
        let condition = self.logic(BinOp::Or)?;
        let question = self.span();
        if !self.eat("?") {
            return Ok(condition);
        }
        self.enter(question)?;
        let branches = self.branches();
        self.depth -= 1;
        let (then, otherwise) = branches?;
        let span = condition.span.to(otherwise.span);
        Ok(Expr {
            kind: ExprKind::Cond(Box::new(condition), Box::new(then), Box::new(otherwise)),
            span,
        })
    }

    fn branches(&mut self) -> Result<(Expr, Expr), ExprError> {
        let then = self.logic(BinOp::Or)?;
        self.expect(":", "between the branches of '? :'")?;
        Ok((then, self.conditional()?))
    }

    /// A flat chain of `||` (or of `&&`, one level tighter), built as one node.
    fn logic(&mut self, op: BinOp) -> Result<Expr, ExprError> {
        let operand = |parser: &mut Self| match op {
            BinOp::Or => parser.logic(BinOp::And),
            _ => parser.comparison(),
        };
        let first = operand(self)?;
        if !self.eat(op.symbol()) {
            return Ok(first);
        }
        let mut operands = vec![first, operand(self)?];
        while self.eat(op.symbol()) {
            operands.push(operand(self)?);
        }
        let span = operands[0].span.to(operands[operands.len() - 1].span);
        Ok(Expr {
            kind: ExprKind::Logic(op, operands),
            span,
        })
    }

    fn comparison(&mut self) -> Result<Expr, ExprError> {
        let left = self.additive()?;
        let op = match self.peek() {
            Tok::Sym("==") => BinOp::Eq,
            Tok::Sym("!=") => BinOp::Ne,
            Tok::Sym("<") => BinOp::Lt,
            Tok::Sym("<=") => BinOp::Le,
            Tok::Sym(">") => BinOp::Gt,
            Tok::Sym(">=") => BinOp::Ge,
            Tok::Ident(word) if word == "in" => BinOp::In,
            _ => return Ok(left),
        };
        self.advance();
        let right = self.additive()?;
        if let Tok::Sym(s @ ("==" | "!=" | "<" | "<=" | ">" | ">=")) = self.peek() {
            return Err(ExprError::new(
                self.span(),
                format!(
                    "comparisons do not chain: expected && or || before '{s}' (write a < b && b < c)"
                ),
            ));
        }
        Ok(Self::binary(op, left, right))
    }

    fn additive(&mut self) -> Result<Expr, ExprError> {
        self.chain(false)
    }

    /// A flat left-to-right chain of `+ -` (or, when `multiplicative`, of `* / %`).
    fn chain(&mut self, multiplicative: bool) -> Result<Expr, ExprError> {
        let operand = |parser: &mut Self| {
            if multiplicative {
                parser.unary()
            } else {
                parser.chain(true)
            }
        };
        let first = operand(self)?;
        let mut rest = Vec::new();
        loop {
            let op = match (multiplicative, self.peek()) {
                (false, Tok::Sym("+")) => BinOp::Add,
                (false, Tok::Sym("-")) => BinOp::Sub,
                (true, Tok::Sym("*")) => BinOp::Mul,
                (true, Tok::Sym("/")) => BinOp::Div,
                (true, Tok::Sym("%")) => BinOp::Rem,
                _ => break,
            };
            self.advance();
            rest.push((op, operand(self)?));
        }
        let Some((_, last)) = rest.last() else {
            return Ok(first);
        };
        let span = first.span.to(last.span);
        Ok(Expr {
            kind: ExprKind::Chain(Box::new(first), rest),
            span,
        })
    }

    /// Prefix operators, read in a loop (each one a level of nesting), then the operand.
    fn unary(&mut self) -> Result<Expr, ExprError> {
        let mut ops = Vec::new();
        loop {
            let op = match self.peek() {
                Tok::Sym("!") => UnOp::Not,
                Tok::Sym("-") => UnOp::Neg,
                _ => break,
            };
            let (_, span) = self.advance();
            self.enter(span)?;
            ops.push((op, span));
        }
        let operand = self.operand_after(ops.last().map(|(op, _)| *op));
        self.depth -= ops.len();
        let (mut expr, negated) = operand?;
        if negated {
            let (_, start) = ops.pop().unwrap_or((UnOp::Neg, expr.span));
            expr.span = start.to(expr.span);
        }
        // A minus directly before a literal folds into it, so that `-5` and `-75.00` are exact
        // literals; `-(-9223372036854775808)` overflows and stays an operation (null).
        if let Some(&(UnOp::Neg, start)) = ops.last() {
            let folded = match &expr.kind {
                ExprKind::Lit(Value::Int(i)) => i.checked_neg().map(Value::Int),
                ExprKind::Lit(Value::Decimal(d)) => d
                    .units()
                    .checked_neg()
                    .map(|u| Value::Decimal(Decimal::from_units(u))),
                _ => None,
            };
            if let Some(value) = folded {
                ops.pop();
                expr = Expr {
                    kind: ExprKind::Lit(value),
                    span: start.to(expr.span),
                };
            }
        }
        while let Some((op, start)) = ops.pop() {
            let span = start.to(expr.span);
            expr = Expr {
                kind: ExprKind::Unary(op, Box::new(expr)),
                span,
            };
        }
        Ok(expr)
    }

    /// The operand of the innermost prefix operator `prefix`, and whether it consumed that
    /// operator: the literal `9223372036854775808` is valid only as the magnitude of i64::MIN after
    /// a minus.
    fn operand_after(&mut self, prefix: Option<UnOp>) -> Result<(Expr, bool), ExprError> {
        let method_follows = matches!(self.tokens.get(self.pos + 1), Some((Tok::Sym("."), _)));
        if let (Some(UnOp::Neg), Tok::Int(MIN_MAGNITUDE), false) =
            (prefix, self.peek(), method_follows)
        {
            let (_, span) = self.advance();
            let literal = Expr {
                kind: ExprKind::Lit(Value::Int(i64::MIN)),
                span,
            };
            return Ok((literal, true));
        }
        Ok((self.postfix()?, false))
    }

    fn postfix(&mut self) -> Result<Expr, ExprError> {
        let expr = self.primary()?;
        self.postfix_of(expr)
    }

    /// Field paths, method calls and indexes after `expr`; each method call or index nests `expr`
    /// one level deeper.
    fn postfix_of(&mut self, mut expr: Expr) -> Result<Expr, ExprError> {
        let depth = self.depth;
        let result = self.postfix_loop(&mut expr);
        self.depth = depth;
        result.map(|()| expr)
    }

    fn postfix_loop(&mut self, expr: &mut Expr) -> Result<(), ExprError> {
        loop {
            let open = self.span();
            if self.eat("[") {
                self.enter(open)?;
                let index = self.conditional()?;
                let end = self.expect("]", "to close the index")?;
                let base = std::mem::replace(
                    expr,
                    Expr {
                        kind: ExprKind::Lit(Value::Null),
                        span: open,
                    },
                );
                let span = base.span.to(end);
                *expr = Expr {
                    kind: ExprKind::Index(Box::new(base), Box::new(index)),
                    span,
                };
                continue;
            }
            if !self.eat(".") {
                return Ok(());
            }
            let (tok, span) = self.advance();
            let Tok::Ident(name) = tok else {
                return Err(ExprError::new(
                    span,
                    format!(
                        "expected a field or method name after '.', found {}",
                        describe(&tok)
                    ),
                ));
            };
            if matches!(self.peek(), Tok::Sym("(")) {
                self.enter(span)?;
                self.advance();
                let receiver = std::mem::replace(
                    expr,
                    Expr {
                        kind: ExprKind::Lit(Value::Null),
                        span,
                    },
                );
                let mut args = vec![receiver];
                let end = self.argument_list(&mut args, &name)?;
                let span = args[0].span.to(end);
                *expr = Expr {
                    kind: ExprKind::Call(name, args),
                    span,
                };
            } else if let ExprKind::Name(path) = &mut expr.kind {
                path.push('.');
                path.push_str(&name);
                expr.span = expr.span.to(span);
            } else {
                let base = std::mem::replace(
                    expr,
                    Expr {
                        kind: ExprKind::Lit(Value::Null),
                        span,
                    },
                );
                let whole = base.span.to(span);
                *expr = Expr {
                    kind: ExprKind::Select(Box::new(base), name),
                    span: whole,
                };
            }
        }
    }

    /// Parses `args...)` after an opening parenthesis; returns the closing parenthesis's span.
    fn arguments(&mut self, args: &mut Vec<Expr>, function: &str) -> Result<Span, ExprError> {
        self.enter(self.span())?;
        let end = self.argument_list(args, function);
        self.depth -= 1;
        end
    }

    fn argument_list(&mut self, args: &mut Vec<Expr>, function: &str) -> Result<Span, ExprError> {
        if let Tok::Sym(")") = self.peek() {
            return Ok(self.advance().1);
        }
        loop {
            args.push(self.conditional()?);
            if self.eat(",") {
                continue;
            }
            return self.expect(")", &format!("to close the arguments of {function}()"));
        }
    }

    fn primary(&mut self) -> Result<Expr, ExprError> {
        let (tok, span) = self.advance();
        if matches!(tok, Tok::Sym("(" | "[" | "{")) {
            self.enter(span)?;
            let group = self.group(&tok, span);
            self.depth -= 1;
            return group;
        }
        let kind = match tok {
            Tok::Int(u) => match i64::try_from(u) {
                Ok(i) => ExprKind::Lit(Value::Int(i)),
                Err(_) => {
                    return Err(ExprError::new(
                        span,
                        format!("integer {u} is too large: the largest int is {}", i64::MAX),
                    ));
                }
            },
            Tok::Dec(d) => ExprKind::Lit(Value::Decimal(d)),
            Tok::Str(s) => ExprKind::Lit(Value::from(s.as_str())),
            Tok::Ident(word) if word == "true" => ExprKind::Lit(Value::Bool(true)),
            Tok::Ident(word) if word == "false" => ExprKind::Lit(Value::Bool(false)),
            Tok::Ident(word) if word == "null" => ExprKind::Lit(Value::Null),
            Tok::Ident(word) if word == "in" => {
                return Err(ExprError::new(span, "expected a value before 'in'"));
            }
            Tok::Ident(word) => {
                if self.eat("(") {
                    let mut args = Vec::new();
                    let end = self.arguments(&mut args, &word)?;
                    return Ok(Expr {
                        kind: ExprKind::Call(word, args),
                        span: span.to(end),
                    });
                }
                ExprKind::Name(word)
            }
            other => {
                return Err(ExprError::new(
                    span,
                    format!(
                        "expected a value (a field, a number, a string, a function call or '('), found {}",
                        describe(&other)
                    ),
                ));
            }
        };
        Ok(Expr { kind, span })
    }

    /// A parenthesized expression, a list literal or a map literal, after its opening token.
    fn group(&mut self, open: &Tok, span: Span) -> Result<Expr, ExprError> {
        if *open == Tok::Sym("{") {
            return self.map_entries(span);
        }
        if *open == Tok::Sym("(") {
            let inner = self.conditional()?;
            let end = self.expect(")", "to close '('")?;
            return Ok(Expr {
                kind: inner.kind,
                span: span.to(end),
            });
        }
        let mut items = Vec::new();
        if let Tok::Sym("]") = self.peek() {
            let end = self.advance().1;
            return Ok(Expr {
                kind: ExprKind::List(items),
                span: span.to(end),
            });
        }
        loop {
            items.push(self.conditional()?);
            if !self.eat(",") {
                break;
            }
        }
        let end = self.expect("]", "to close the list")?;
        Ok(Expr {
            kind: ExprKind::List(items),
            span: span.to(end),
        })
    }

    /// The `key: value` entries of a map literal and its closing brace.
    fn map_entries(&mut self, span: Span) -> Result<Expr, ExprError> {
        let mut entries = Vec::new();
        while !matches!(self.peek(), Tok::Sym("}")) {
            let key = self.conditional()?;
            self.expect(":", "between a map key and its value")?;
            entries.push((key, self.conditional()?));
            if !self.eat(",") {
                break;
            }
        }
        let end = self.expect("}", "to close the map")?;
        Ok(Expr {
            kind: ExprKind::Map(entries),
            span: span.to(end),
        })
    }
}
