//! The error object a failed call hands back: its status and a message that says what failed and
//! where (the file, line and column, the parameter, the limit).
//!
//! The one idea: the caller asks for details per call (an optional `upsell_error **err`), never
//! through a thread-local "last error", because hosts such as Go, the JVM or async runtimes move
//! calls between threads.

use std::ffi::{CString, c_char};

use crate::ffi;
use crate::status::upsell_status;

/// Details of one failed call: a status and a message.
///
/// Ownership: created by the library when a call fails and the caller passed a non-NULL
/// `upsell_error **err`; owned by the caller, who frees it with `upsell_error_free`.
/// Thread-safety: immutable; may be read from any thread, and freed from any thread once no
/// other thread reads it.
#[derive(Debug)]
pub struct upsell_error {
    status: upsell_status,
    message: CString,
    /// Where the problem is, when the error has a place: a file, a line, a column.
    location: Place,
}

/// The structured part of an error's place; every part optional.
#[derive(Debug, Default)]
pub(crate) struct Place {
    path: Option<CString>,
    line: u64,
    column: u64,
    parameter: Option<CString>,
}

fn c_text(text: &str) -> CString {
    CString::new(text.replace('\0', "\\0")).unwrap_or_default()
}

impl Place {
    /// The place of a core error: its location (the first diagnostic's for a parse error), the
    /// file of an I/O error, the parameter of an invalid parameter.
    pub(crate) fn of(err: &upsell_core::Error) -> Self {
        let mut place = Place::default();
        if let Some(location) = err.location() {
            place.path = location.path.as_ref().map(|p| c_text(&p.to_string_lossy()));
            place.line = location.line.unwrap_or(0);
            place.column = location.column.unwrap_or(0);
        }
        match err {
            upsell_core::Error::Io { path, .. } | upsell_core::Error::Write { path, .. } => {
                place.path = Some(c_text(&path.to_string_lossy()));
            }
            upsell_core::Error::InvalidParameter { name, .. } => {
                place.parameter = Some(c_text(name));
            }
            _ => {}
        }
        place
    }

    /// The place of a NULL argument: the parameter's name.
    pub(crate) fn parameter(name: &str) -> Self {
        Place {
            parameter: Some(c_text(name)),
            ..Place::default()
        }
    }
}

impl upsell_error {
    /// A heap error for C. NUL bytes in the message (from user data) are shown as `\0`.
    pub(crate) fn new(status: upsell_status, message: &str, location: Place) -> Box<Self> {
        Box::new(upsell_error {
            status,
            message: c_text(message),
            location,
        })
    }
}

/// The message of `err`, NUL-terminated UTF-8, naming what failed and where (for example the
/// path of a file that cannot be read, or the line and column of bad data).
///
/// Ownership: the string is owned by `err` and valid until `upsell_error_free(err)`; do not free
/// it. Returns NULL if `err` is NULL. Thread-safety: safe to call from any thread.
///
/// # Safety
///
/// `err` is NULL or a pointer returned by this library and not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_error_message(err: *const upsell_error) -> *const c_char {
    ffi::infallible(|| {
        // SAFETY: the caller passes NULL or a live error.
        match unsafe { err.as_ref() } {
            Some(err) => err.message.as_ptr(),
            None => std::ptr::null(),
        }
    })
}

/// The status of `err`: the same number the failed call returned. Returns
/// `UPSELL_STATUS_NULL_PARAMETER` if `err` is NULL. Thread-safety: safe to call from any thread.
///
/// # Safety
///
/// `err` is NULL or a pointer returned by this library and not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_error_status(err: *const upsell_error) -> upsell_status {
    ffi::infallible(|| {
        // SAFETY: the caller passes NULL or a live error.
        match unsafe { err.as_ref() } {
            Some(err) => err.status,
            None => upsell_status::NullParameter,
        }
    })
}

/// Frees `err` and its message. NULL is accepted and ignored.
///
/// Ownership: takes back ownership of `err`; it must not be used afterwards.
/// Thread-safety: no other thread may use `err` during or after this call.
///
/// # Safety
///
/// `err` is NULL or a pointer returned by this library and not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_error_free(err: *mut upsell_error) {
    // SAFETY: the caller passes NULL or a live error it owns.
    ffi::infallible(|| unsafe { ffi::free_box(err) })
}

/// The file the error is about (the data file with a bad line, the rule file that does not parse,
/// the file that cannot be read or written), or NULL when it has none (data given in memory, a
/// bad parameter) or `err` is NULL.
///
/// Ownership: owned by `err`, valid until `upsell_error_free(err)`. Thread-safety: safe to call
/// from any thread.
///
/// # Safety
///
/// `err` is NULL or a pointer returned by this library and not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_error_path(err: *const upsell_error) -> *const c_char {
    ffi::infallible(|| {
        // SAFETY: the caller passes NULL or a live error.
        unsafe { err.as_ref() }
            .and_then(|e| e.location.path.as_ref())
            .map_or(std::ptr::null(), |p| p.as_ptr())
    })
}

/// The 1-based line of the problem in its input, or 0 when unknown (or `err` is NULL). For a
/// rule file with several problems, the first one's. Thread-safety: safe to call from any thread.
///
/// # Safety
///
/// `err` is NULL or a pointer returned by this library and not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_error_line(err: *const upsell_error) -> u64 {
    // SAFETY: the caller passes NULL or a live error.
    ffi::infallible(|| unsafe { err.as_ref() }.map_or(0, |e| e.location.line))
}

/// The 1-based column (or field) of the problem, or 0 when unknown (or `err` is NULL).
/// Thread-safety: safe to call from any thread.
///
/// # Safety
///
/// `err` is NULL or a pointer returned by this library and not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_error_column(err: *const upsell_error) -> u64 {
    // SAFETY: the caller passes NULL or a live error.
    ffi::infallible(|| unsafe { err.as_ref() }.map_or(0, |e| e.location.column))
}

/// The parameter or argument at fault, as the header spells it (`min_support`, `out`), for
/// `UPSELL_STATUS_INVALID_PARAMETER` and `UPSELL_STATUS_NULL_PARAMETER`; NULL otherwise.
///
/// Ownership: owned by `err`, valid until `upsell_error_free(err)`. Thread-safety: safe to call
/// from any thread.
///
/// # Safety
///
/// `err` is NULL or a pointer returned by this library and not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_error_parameter(err: *const upsell_error) -> *const c_char {
    ffi::infallible(|| {
        // SAFETY: the caller passes NULL or a live error.
        unsafe { err.as_ref() }
            .and_then(|e| e.location.parameter.as_ref())
            .map_or(std::ptr::null(), |p| p.as_ptr())
    })
}
