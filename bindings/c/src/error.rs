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
}

impl upsell_error {
    /// A heap error for C. NUL bytes in the message (from user data) are shown as `\0`.
    pub(crate) fn new(status: upsell_status, message: &str) -> Box<Self> {
        let message = CString::new(message.replace('\0', "\\0")).unwrap_or_default();
        Box::new(upsell_error { status, message })
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
    ffi::infallible(std::ptr::null(), || {
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
    ffi::infallible(upsell_status::Panic, || {
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
    ffi::infallible((), || unsafe { ffi::free_box(err) })
}
