//! The one mapping from `upsell::Error` to Python exceptions.
//!
//! The one idea (polars' `PyPolarsErr`): a newtype, [`PyUpsellError`], that `?` makes from a core
//! error or a Python one and turns into a `PyErr`, so a function returning [`PyUpsellResult`]
//! uses plain `?` on both and no call site maps errors by hand (the orphan rule forbids
//! `From<upsell::Error> for PyErr` itself).
//!
//! The exception classes are declared once, in Python (`upsell/exceptions.py`), so they can inherit
//! from both `UpsellError` and `ValueError`; this file only picks the class from the error's
//! [`upsell::ErrorKind`] and fills in `.kind` and the location attributes. File errors become the
//! builtin `FileNotFoundError` / `PermissionError` / `OSError`, as Python users expect.

use pyo3::exceptions::{PyFileNotFoundError, PyOSError, PyPermissionError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyType};
use upsell::{Error, ErrorKind};

/// The module that declares the exception classes.
const EXCEPTIONS_MODULE: &str = "upsell.exceptions";

/// An error on its way to Python: a core error, or an exception already raised in Python.
pub(crate) enum PyUpsellError {
    Core(Error),
    Python(PyErr),
}

/// The result of a binding that calls the core: `?` works on core and Python results alike.
pub(crate) type PyUpsellResult<T> = Result<T, PyUpsellError>;

impl From<Error> for PyUpsellError {
    fn from(err: Error) -> Self {
        PyUpsellError::Core(err)
    }
}

impl From<PyErr> for PyUpsellError {
    fn from(err: PyErr) -> Self {
        PyUpsellError::Python(err)
    }
}

impl From<PyUpsellError> for PyErr {
    fn from(err: PyUpsellError) -> Self {
        match err {
            // Only ever converted on a thread attached to the interpreter (a binding returning):
            // `attach` just hands out that thread's token.
            PyUpsellError::Core(err) => Python::attach(|py| to_py(py, err)),
            PyUpsellError::Python(err) => err,
        }
    }
}

/// Translates one core error into the Python exception users catch.
fn to_py(py: Python<'_>, err: Error) -> PyErr {
    match &err {
        Error::Io { path, source } => return io_error(path, source, &err, ""),
        Error::Write { path, source } => return io_error(path, source, &err, "cannot write: "),
        _ => {}
    }
    match upsell_exception(py, &err) {
        Ok(exception) => exception,
        // The exception module failed to import: report that rather than lose both errors.
        Err(import_error) => import_error,
    }
}

/// The builtin exception for a failed read or write; `doing` prefixes the reason (a failed write
/// says so, as a read's errno alone would not).
fn io_error(path: &std::path::Path, source: &std::io::Error, err: &Error, doing: &str) -> PyErr {
    let path = path.display().to_string();
    let Some(errno) = source.raw_os_error() else {
        return PyOSError::new_err(err.to_string());
    };
    // std appends " (os error N)"; Python prints "[Errno N] ...: 'path'" itself.
    let text = source.to_string();
    let reason = match text.rfind(" (os error ") {
        Some(at) => format!("{doing}{}", &text[..at]),
        None => format!("{doing}{text}"),
    };
    let args = (errno, reason, path);
    match source.kind() {
        std::io::ErrorKind::NotFound => PyFileNotFoundError::new_err(args),
        std::io::ErrorKind::PermissionDenied => PyPermissionError::new_err(args),
        _ => PyOSError::new_err(args),
    }
}

fn class_name(err: &Error) -> &'static str {
    if let Error::Parse { diagnostics } = err {
        if diagnostics.iter().all(|d| d.subject.as_deref() == Some(upsell::recommend::MODEL_FILE)) {
            return "ModelFileError";
        }
    }
    match err.kind() {
        ErrorKind::InvalidInput => "InvalidInputError",
        ErrorKind::InvalidParameter => "InvalidParameterError",
        ErrorKind::Parse => "RuleSyntaxError",
        ErrorKind::LimitExceeded => "LimitExceededError",
        ErrorKind::Cancelled => "CancelledError",
        _ => "UpsellError",
    }
}

fn upsell_exception(py: Python<'_>, err: &Error) -> PyResult<PyErr> {
    static MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
    let module = MODULE.get_or_try_init(py, || py.import(EXCEPTIONS_MODULE).map(Bound::unbind))?.bind(py);
    let class = module.getattr(class_name(err))?.cast_into::<PyType>()?;
    let details = PyDict::new(py);
    details.set_item("kind", err.kind().as_str())?;
    if let Some(location) = err.location() {
        details.set_item("path", location.path.as_ref().map(|p| p.display().to_string()))?;
        details.set_item("line", location.line)?;
        details.set_item("column", location.column)?;
        details.set_item("column_name", location.column_name.as_deref())?;
    }
    if let Error::Parse { diagnostics } = err {
        let list = PyList::empty(py);
        for diagnostic in diagnostics {
            let entry = PyDict::new(py);
            entry.set_item("subject", diagnostic.subject.as_deref())?;
            entry.set_item("path", diagnostic.location.path.as_ref().map(|p| p.display().to_string()))?;
            entry.set_item("line", diagnostic.location.line)?;
            entry.set_item("column", diagnostic.location.column)?;
            entry.set_item("message", &diagnostic.message)?;
            list.append(entry)?;
        }
        details.set_item("diagnostics", list)?;
    }
    let exception = class.call((err.to_string(),), Some(&details))?;
    Ok(PyErr::from_value(exception))
}

/// A `threads=` argument, checked as the core checks it when it is converted: `-1` or `10**6`
/// raise `InvalidParameterError` naming the maximum, not a raw `OverflowError`.
pub(crate) struct Threads(usize);

impl Threads {
    pub(crate) fn get(self) -> usize {
        self.0
    }
}

impl<'a, 'py> FromPyObject<'a, 'py> for Threads {
    type Error = PyUpsellError;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyUpsellResult<Self> {
        let asked: i128 = obj.extract()?;
        let threads = usize::try_from(asked).map_err(|_| {
            Error::invalid_parameter("threads", format!("must be at least 1 (or None for all cores), got {asked}"))
        })?;
        upsell::parallel::check_threads(Some(threads))?;
        Ok(Threads(threads))
    }
}
