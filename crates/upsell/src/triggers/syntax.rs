//! Lexer and parser of the CEL-like expression language, keeping a byte span on every node so a
//! type error can point at the column where the problem is.
//!
//! Hand-written (a Pratt-style precedence climber over a token vector): the grammar is small, the
//! error messages must say what was expected at which column, and the parser runs once per rule at
//! load, so a parser generator would add a dependency for nothing.
//!
//! Precedence, loosest first: `||`, `&&`, comparisons and `in` (not chained), `+ -`, `* / %`,
//! unary `! -`, then postfix `.name` (field paths) and `.method(args)` (sugar for `method(x, args)`).

use super::value::{Decimal, Value};

/// A byte range in the expression text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    fn to(self, other: Span) -> Span {
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
    Binary(BinOp, Box<Expr>, Box<Expr>),
    List(Vec<Expr>),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Int(i64),
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

const SYMBOLS: [&str; 20] = [
    "&&", "||", "==", "!=", "<=", ">=", "<", ">", "!", "+", "-", "*", "/", "%", "(", ")", "[", "]",
    ",", ".",
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
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            let decimal = i + 1 < bytes.len() && bytes[i] == b'.' && bytes[i + 1].is_ascii_digit();
            if decimal {
                i += 1;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
                let d = text[start..i]
                    .parse::<Decimal>()
                    .map_err(|m| ExprError::new(Span { start, end: i }, m))?;
                Tok::Dec(d)
            } else {
                let n = text[start..i].parse::<i64>().map_err(|_| {
                    ExprError::new(
                        Span { start, end: i },
                        format!("integer {} is too large", &text[start..i]),
                    )
                })?;
                Tok::Int(n)
            }
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

fn lex_string(text: &str, start: usize) -> Result<(String, usize), ExprError> {
    let quote = text.as_bytes()[start] as char;
    let mut out = String::new();
    let mut chars = text[start + 1..].char_indices();
    while let Some((offset, ch)) = chars.next() {
        let at = start + 1 + offset;
        match ch {
            c if c == quote => return Ok((out, at + 1)),
            '\\' => {
                let escaped = match chars.next() {
                    Some((_, 'n')) => '\n',
                    Some((_, 't')) => '\t',
                    Some((_, 'r')) => '\r',
                    Some((_, c @ ('\\' | '"' | '\''))) => c,
                    _ => {
                        return Err(ExprError::new(
                            Span {
                                start: at,
                                end: at + 2,
                            },
                            "unknown escape: expected \\n, \\t, \\r, \\\\, \\\" or \\'",
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
    let mut parser = Parser { tokens, pos: 0 };
    let expr = parser.or()?;
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
}

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

    fn binary(op: BinOp, left: Expr, right: Expr) -> Expr {
        let span = left.span.to(right.span);
        Expr {
            kind: ExprKind::Binary(op, Box::new(left), Box::new(right)),
            span,
        }
    }

    fn or(&mut self) -> Result<Expr, ExprError> {
        let mut left = self.and()?;
        while self.eat("||") {
            let right = self.and()?;
            left = Self::binary(BinOp::Or, left, right);
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, ExprError> {
        let mut left = self.comparison()?;
        while self.eat("&&") {
            let right = self.comparison()?;
            left = Self::binary(BinOp::And, left, right);
        }
        Ok(left)
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
        let mut left = self.multiplicative()?;
        loop {
            let op = match self.peek() {
                Tok::Sym("+") => BinOp::Add,
                Tok::Sym("-") => BinOp::Sub,
                _ => return Ok(left),
            };
            self.advance();
            let right = self.multiplicative()?;
            left = Self::binary(op, left, right);
        }
    }

    fn multiplicative(&mut self) -> Result<Expr, ExprError> {
        let mut left = self.unary()?;
        loop {
            let op = match self.peek() {
                Tok::Sym("*") => BinOp::Mul,
                Tok::Sym("/") => BinOp::Div,
                Tok::Sym("%") => BinOp::Rem,
                _ => return Ok(left),
            };
            self.advance();
            let right = self.unary()?;
            left = Self::binary(op, left, right);
        }
    }

    fn unary(&mut self) -> Result<Expr, ExprError> {
        let start = self.span();
        let op = match self.peek() {
            Tok::Sym("!") => UnOp::Not,
            Tok::Sym("-") => UnOp::Neg,
            _ => return self.postfix(),
        };
        self.advance();
        let operand = self.unary()?;
        // Fold `-5` into a literal so that i64::MIN and negative money literals are exact.
        if op == UnOp::Neg {
            let span = start.to(operand.span);
            match operand.kind {
                ExprKind::Lit(Value::Int(i)) => {
                    return Ok(Expr {
                        kind: ExprKind::Lit(Value::Int(-i)),
                        span,
                    });
                }
                ExprKind::Lit(Value::Decimal(d)) => {
                    return Ok(Expr {
                        kind: ExprKind::Lit(Value::Decimal(Decimal::from_units(-d.units()))),
                        span,
                    });
                }
                _ => {}
            }
        }
        let span = start.to(operand.span);
        Ok(Expr {
            kind: ExprKind::Unary(op, Box::new(operand)),
            span,
        })
    }

    fn postfix(&mut self) -> Result<Expr, ExprError> {
        let mut expr = self.primary()?;
        while self.eat(".") {
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
                self.advance();
                let mut args = vec![expr];
                let end = self.arguments(&mut args, &name)?;
                let span = args[0].span.to(end);
                expr = Expr {
                    kind: ExprKind::Call(name, args),
                    span,
                };
            } else if let ExprKind::Name(path) = &mut expr.kind {
                path.push('.');
                path.push_str(&name);
                expr.span = expr.span.to(span);
            } else {
                return Err(ExprError::new(
                    span,
                    format!("'.{name}' needs a field before it, or parentheses for a method call"),
                ));
            }
        }
        Ok(expr)
    }

    /// Parses `args...)` after an opening parenthesis; returns the closing parenthesis's span.
    fn arguments(&mut self, args: &mut Vec<Expr>, function: &str) -> Result<Span, ExprError> {
        if let Tok::Sym(")") = self.peek() {
            return Ok(self.advance().1);
        }
        loop {
            args.push(self.or()?);
            if self.eat(",") {
                continue;
            }
            return self.expect(")", &format!("to close the arguments of {function}()"));
        }
    }

    fn primary(&mut self) -> Result<Expr, ExprError> {
        let (tok, span) = self.advance();
        let kind = match tok {
            Tok::Int(i) => ExprKind::Lit(Value::Int(i)),
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
            Tok::Sym("(") => {
                let inner = self.or()?;
                let end = self.expect(")", "to close '('")?;
                return Ok(Expr {
                    kind: inner.kind,
                    span: span.to(end),
                });
            }
            Tok::Sym("[") => {
                let mut items = Vec::new();
                if !self.eat("]") {
                    loop {
                        items.push(self.or()?);
                        if self.eat(",") {
                            continue;
                        }
                        break;
                    }
                    let end = self.expect("]", "to close the list")?;
                    return Ok(Expr {
                        kind: ExprKind::List(items),
                        span: span.to(end),
                    });
                }
                return Ok(Expr {
                    kind: ExprKind::List(items),
                    span,
                });
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
}
