//! The one error type of the core, and the small stable [`ErrorKind`] that every surface maps.
//!
//! Each variant carries what failed and where (file, line, column, parameter name, the limit), so a
//! message can be acted on without a debugger. Surfaces branch on [`Error::kind`], never on text:
//! Python maps a kind to an exception class, C to a numbered status.

use std::fmt;
use std::path::PathBuf;

/// The result type of every fallible function in `upsell`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A small, stable classification of [`Error`], for code that branches on what went wrong.
///
/// ```
/// use upsell::{ErrorKind, mining::MinSupport};
/// let err = MinSupport::fraction(1.5).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::InvalidParameter);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The data is malformed: a bad basket, row, item or column.
    InvalidInput,
    /// A parameter is out of its range or inconsistent with another.
    InvalidParameter,
    /// A rule or model file does not parse.
    Parse,
    /// A budget (itemsets, memory) was exceeded.
    LimitExceeded,
    /// The caller cancelled the work.
    Cancelled,
    /// Reading or writing a file failed.
    Io,
}

impl ErrorKind {
    /// A stable lower-case name (`"invalid_input"`, ...), the same on every surface.
    ///
    /// ```
    /// assert_eq!(upsell::ErrorKind::LimitExceeded.as_str(), "limit_exceeded");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::InvalidParameter => "invalid_parameter",
            ErrorKind::Parse => "parse",
            ErrorKind::LimitExceeded => "limit_exceeded",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::Io => "io",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where in the input a problem was found. Every part is optional: data given as arrays has no file.
///
/// ```
/// use upsell::Location;
/// let at = Location::file("baskets.dat").line(3).column(2);
/// assert_eq!(at.to_string(), "baskets.dat:3:2");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    /// The file, if the data came from one.
    pub path: Option<PathBuf>,
    /// 1-based line number.
    pub line: Option<u64>,
    /// 1-based column (field) number, or a column name in `column_name`.
    pub column: Option<u64>,
    /// The column's header name, for tabular inputs.
    pub column_name: Option<String>,
}

impl Location {
    /// A location in a file.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        Location {
            path: Some(path.into()),
            ..Location::default()
        }
    }

    /// No file: data given in memory.
    pub fn memory() -> Self {
        Location::default()
    }

    /// The same location, at 1-based `line`.
    #[must_use]
    pub fn line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }

    /// The same location, at 1-based `column`.
    #[must_use]
    pub fn column(mut self, column: u64) -> Self {
        self.column = Some(column);
        self
    }

    /// The same location, naming the column by its header.
    #[must_use]
    pub fn column_name(mut self, name: impl Into<String>) -> Self {
        self.column_name = Some(name.into());
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        match &self.path {
            Some(p) => parts.push(p.display().to_string()),
            None => parts.push("<memory>".to_owned()),
        }
        if let Some(l) = self.line {
            parts.push(l.to_string());
        }
        if let Some(c) = self.column {
            parts.push(c.to_string());
        }
        write!(f, "{}", parts.join(":"))?;
        if let Some(name) = &self.column_name {
            write!(f, " (column '{name}')")?;
        }
        Ok(())
    }
}

/// One problem found while parsing or checking a rule file or a model file.
///
/// A load reports every problem it found at once, so a rule set with three bad rules fails with
/// three diagnostics, not one.
///
/// ```
/// use upsell::{Diagnostic, Location};
/// let d = Diagnostic::new(Location::file("rules.yaml").line(4).column(12), "expected a number")
///     .subject("rule 'pro-upgrade'");
/// assert_eq!(d.to_string(), "rules.yaml:4:12: rule 'pro-upgrade': expected a number");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// What the problem belongs to, as a person names it (`rule 'pro-upgrade'`, `model header`).
    pub subject: Option<String>,
    /// Where the problem is.
    pub location: Location,
    /// What is wrong, and what was expected.
    pub message: String,
}

impl Diagnostic {
    /// A diagnostic at `location`.
    pub fn new(location: Location, message: impl Into<String>) -> Self {
        Diagnostic {
            subject: None,
            location,
            message: message.into(),
        }
    }

    /// The same diagnostic, naming what it belongs to.
    #[must_use]
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.location)?;
        if let Some(subject) = &self.subject {
            write!(f, "{subject}: ")?;
        }
        f.write_str(&self.message)
    }
}

fn list_diagnostics(diagnostics: &[Diagnostic]) -> String {
    match diagnostics {
        [] => "parse error".to_owned(),
        [one] => one.to_string(),
        many => {
            let lines: Vec<String> = many.iter().map(|d| format!("  {d}")).collect();
            format!("{} problems:\n{}", many.len(), lines.join("\n"))
        }
    }
}

/// Everything that can go wrong in `upsell`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The data is malformed at a known place.
    #[error("invalid input at {location}: {message}")]
    InvalidInput {
        /// Where the problem is.
        location: Location,
        /// What is wrong, and what was expected.
        message: String,
    },
    /// A parameter is out of range.
    #[error("invalid parameter '{name}': {message}")]
    InvalidParameter {
        /// The parameter's name as the user spells it (`min_support`, `max_len`, ...).
        name: &'static str,
        /// What is wrong, and what range is allowed.
        message: String,
    },
    /// A rule file or model file does not parse, type-check or match this version; every problem found
    /// is listed.
    #[error("{}", list_diagnostics(diagnostics))]
    Parse {
        /// The problems, in input order; never empty.
        diagnostics: Vec<Diagnostic>,
    },
    /// A budget was exceeded; the work stopped before exhausting memory.
    #[error("limit exceeded: {what} passed {limit} ({hint})")]
    LimitExceeded {
        /// What was counted (`itemsets`, `result memory in bytes`, ...).
        what: &'static str,
        /// The limit in force.
        limit: u64,
        /// How to get further (raise the limit, raise the support, ...).
        hint: String,
    },
    /// The caller cancelled the work through a [`crate::Control`].
    #[error("cancelled")]
    Cancelled,
    /// A file could not be opened or read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A file could not be written; its old contents, if any, are intact (see [`crate::write`]).
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file, as the caller named it.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// The kind of this error, for branching.
    ///
    /// ```
    /// use upsell::{Error, ErrorKind};
    /// assert_eq!(Error::Cancelled.kind(), ErrorKind::Cancelled);
    /// ```
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidInput { .. } => ErrorKind::InvalidInput,
            Error::InvalidParameter { .. } => ErrorKind::InvalidParameter,
            Error::Parse { .. } => ErrorKind::Parse,
            Error::LimitExceeded { .. } => ErrorKind::LimitExceeded,
            Error::Cancelled => ErrorKind::Cancelled,
            Error::Io { .. } | Error::Write { .. } => ErrorKind::Io,
        }
    }

    /// The location in the input, for errors that have one.
    ///
    /// ```
    /// use upsell::{Error, Location};
    /// let err = Error::invalid_input(Location::file("a.dat").line(2), "not an integer");
    /// assert_eq!(err.location().and_then(|l| l.line), Some(2));
    /// ```
    pub fn location(&self) -> Option<&Location> {
        match self {
            Error::InvalidInput { location, .. } => Some(location),
            Error::Parse { diagnostics } => diagnostics.first().map(|d| &d.location),
            _ => None,
        }
    }

    /// Shorthand for [`Error::InvalidInput`].
    pub fn invalid_input(location: Location, message: impl Into<String>) -> Self {
        Error::InvalidInput {
            location,
            message: message.into(),
        }
    }

    /// An [`Error::Parse`] with one diagnostic.
    ///
    /// ```
    /// use upsell::{Error, ErrorKind, Location};
    /// let err = Error::parse(Location::file("model.json"), "format version 9 is newer than this library (1)");
    /// assert_eq!(err.kind(), ErrorKind::Parse);
    /// ```
    pub fn parse(location: Location, message: impl Into<String>) -> Self {
        Error::Parse {
            diagnostics: vec![Diagnostic::new(location, message)],
        }
    }

    /// Shorthand for [`Error::InvalidParameter`].
    pub fn invalid_parameter(name: &'static str, message: impl Into<String>) -> Self {
        Error::InvalidParameter {
            name,
            message: message.into(),
        }
    }

    pub(crate) fn write(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Write {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
