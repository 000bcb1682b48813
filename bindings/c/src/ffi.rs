//! The boundary every entry point goes through: catch panics, turn NULL arguments into a status,
//! translate core errors once, and write `*err` only when the caller asked for it.
//!
//! The one idea: an entry point's body is a closure returning `Result<(), Failure>`, so it reads
//! like ordinary Rust with `?`, and [`fallible`] alone decides what C sees.

use std::any::Any;
use std::ffi::{CStr, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use crate::error::{Place, upsell_error};
use crate::status::upsell_status;

/// Why an entry point's body stopped.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The core refused: its kind picks the status, its message goes to C as is.
    Core(upsell_core::Error),
    /// A required pointer argument, named, was NULL.
    NullParameter(&'static str),
}

impl From<upsell_core::Error> for Failure {
    fn from(err: upsell_core::Error) -> Self {
        Failure::Core(err)
    }
}

/// What an entry point's body returns.
pub(crate) type Outcome<T = ()> = Result<T, Failure>;

fn panic_message(payload: &(dyn Any + Send)) -> String {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned());
    format!("internal error in upsell (please report it): {what}")
}

/// Runs a fallible body at the C boundary and returns its status. On failure, and only if `err`
/// is not NULL, `*err` receives a new error the caller must free. The first call reads the
/// default number of threads from the environment (`UPSELL_MAX_THREADS`).
pub(crate) fn fallible(
    err: *mut *mut upsell_error,
    body: impl FnOnce() -> Outcome,
) -> upsell_status {
    static ENVIRONMENT: std::sync::Once = std::sync::Once::new();
    ENVIRONMENT.call_once(|| {
        let threads = std::env::var(upsell_core::parallel::THREADS_VARIABLE).ok();
        upsell_core::parallel::set_default_threads(threads.as_deref());
    });
    let translated = catch_unwind(AssertUnwindSafe(|| match body() {
        Ok(()) => None,
        Err(Failure::Core(e)) => {
            Some((upsell_status::from(e.kind()), e.to_string(), Place::of(&e)))
        }
        Err(Failure::NullParameter(name)) => Some((
            upsell_status::NullParameter,
            format!("argument '{name}' must not be NULL"),
            Place::parameter(name),
        )),
    }));
    let (status, message, place) = match translated {
        Ok(None) => return upsell_status::Ok,
        Ok(Some(failure)) => failure,
        Err(payload) => (
            upsell_status::Panic,
            panic_message(payload.as_ref()),
            Place::default(),
        ),
    };
    if !err.is_null() {
        let error = Box::into_raw(upsell_error::new(status, &message, place));
        // SAFETY: `err` is not NULL and the caller promises it points to writable storage.
        unsafe { err.write(error) };
    }
    status
}

/// What an entry point returns when its body panics, picked from its return type (as
/// rustls-ffi's `PanicOrDefault`), so no call site chooses it by hand: NULL for a pointer, 0 for a
/// count or size, nothing for a destructor, `UPSELL_STATUS_PANIC` for a status.
pub(crate) trait PanicDefault {
    /// The value C sees after a caught panic.
    fn panic_default() -> Self;
}

impl PanicDefault for () {
    fn panic_default() {}
}

impl PanicDefault for upsell_status {
    fn panic_default() -> Self {
        upsell_status::Panic
    }
}

impl<T> PanicDefault for *const T {
    fn panic_default() -> Self {
        std::ptr::null()
    }
}

impl<T> PanicDefault for *mut T {
    fn panic_default() -> Self {
        std::ptr::null_mut()
    }
}

macro_rules! zero_on_panic {
    ($($number:ty),*) => {
        $(impl PanicDefault for $number {
            fn panic_default() -> Self {
                0
            }
        })*
    };
}

zero_on_panic!(usize, u64, u32, i64);

/// Runs an infallible body (a getter, a destructor) at the C boundary; a panic gives its return
/// type's [`PanicDefault`].
pub(crate) fn infallible<T: PanicDefault>(body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|_| T::panic_default())
}

/// Borrows `*ptr`, or fails with `NullParameter` naming the argument.
///
/// # Safety
///
/// `ptr` is NULL or points to a live `T` for `'a`.
pub(crate) unsafe fn borrow<'a, T>(ptr: *const T, name: &'static str) -> Outcome<&'a T> {
    // SAFETY: forwarded to the caller.
    unsafe { ptr.as_ref() }.ok_or(Failure::NullParameter(name))
}

/// Checks that an out-parameter is not NULL before any work starts.
pub(crate) fn out<T>(ptr: *mut T, name: &'static str) -> Outcome<*mut T> {
    if ptr.is_null() {
        Err(Failure::NullParameter(name))
    } else {
        Ok(ptr)
    }
}

/// Checks that an input pointer is not NULL, without reading through it.
pub(crate) fn not_null<T>(ptr: *const T, name: &'static str) -> Outcome<*const T> {
    if ptr.is_null() {
        Err(Failure::NullParameter(name))
    } else {
        Ok(ptr)
    }
}

/// Borrows `len` elements at `ptr`; NULL is accepted when `len` is 0.
///
/// # Safety
///
/// Unless `len` is 0, `ptr` points to `len` initialised elements live for `'a`.
pub(crate) unsafe fn slice<'a, T>(
    ptr: *const T,
    len: usize,
    name: &'static str,
) -> Outcome<&'a [T]> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(Failure::NullParameter(name));
    }
    // SAFETY: forwarded to the caller; `ptr` is not NULL.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// A required NUL-terminated UTF-8 argument.
///
/// # Safety
///
/// `ptr` is NULL or a NUL-terminated string live for `'a`.
pub(crate) unsafe fn text<'a>(ptr: *const c_char, name: &'static str) -> Outcome<&'a str> {
    let ptr = not_null(ptr, name)?;
    // SAFETY: forwarded to the caller; `ptr` is not NULL.
    let bytes = unsafe { CStr::from_ptr(ptr) };
    bytes.to_str().map_err(|_| {
        Failure::Core(upsell_core::Error::invalid_parameter(
            name,
            "the text is not UTF-8",
        ))
    })
}

/// A NUL-terminated argument that may be NULL.
///
/// # Safety
///
/// `ptr` is NULL or NUL-terminated.
pub(crate) unsafe fn optional_text<'a>(
    ptr: *const c_char,
    name: &'static str,
) -> Outcome<Option<&'a str>> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded to the caller; not NULL.
    unsafe { text(ptr, name) }.map(Some)
}

/// A NUL-terminated C path as a `PathBuf` (any bytes on Unix; UTF-8 elsewhere).
///
/// # Safety
///
/// `ptr` is NULL or a NUL-terminated string.
pub(crate) unsafe fn path(ptr: *const c_char, name: &'static str) -> Outcome<PathBuf> {
    if ptr.is_null() {
        return Err(Failure::NullParameter(name));
    }
    // SAFETY: forwarded to the caller; `ptr` is not NULL.
    let bytes = unsafe { CStr::from_ptr(ptr) };
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Ok(PathBuf::from(std::ffi::OsStr::from_bytes(bytes.to_bytes())))
    }
    #[cfg(not(unix))]
    {
        match bytes.to_str() {
            Ok(text) => Ok(PathBuf::from(text)),
            Err(_) => Err(Failure::Core(upsell_core::Error::invalid_parameter(
                name,
                "the path is not UTF-8",
            ))),
        }
    }
}

/// Writes a core result to `out` as a new NUL-terminated JSON string (freed by C with
/// `upsell_string_free`).
///
/// # Safety
///
/// `out` is not NULL and points to writable storage for a pointer.
pub(crate) unsafe fn write_json(out: *mut *mut c_char, value: &impl serde::Serialize) -> Outcome {
    let text = serde_json::to_string(value).map_err(|e| {
        upsell_core::Error::invalid_input(
            upsell_core::Location::memory(),
            format!("cannot serialise the result: {e}"),
        )
    })?;
    // SAFETY: forwarded to the caller.
    unsafe { write_json_text(out, text) }
}

/// Writes a JSON document to `out` as a new NUL-terminated string (freed by C with
/// `upsell_string_free`).
///
/// # Safety
///
/// `out` is not NULL and points to writable storage for a pointer.
pub(crate) unsafe fn write_json_text(out: *mut *mut c_char, json: String) -> Outcome {
    // JSON escapes control characters, so the text holds no NUL byte.
    let text = std::ffi::CString::new(json).unwrap_or_default();
    // SAFETY: forwarded to the caller.
    unsafe { out.write(text.into_raw()) };
    Ok(())
}

/// Hands a value to C as an owned handle.
pub(crate) fn into_handle<T>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// Drops a handle made by [`into_handle`]; NULL is ignored.
///
/// # Safety
///
/// `ptr` is NULL or came from [`into_handle`] and was not freed.
pub(crate) unsafe fn free_box<T>(ptr: *mut T) {
    if !ptr.is_null() {
        // SAFETY: forwarded to the caller.
        drop(unsafe { Box::from_raw(ptr) });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_a_status_and_an_error() {
        let mut err: *mut upsell_error = std::ptr::null_mut();
        let status = fallible(&mut err, || std::panic::resume_unwind(Box::new("boom")));
        assert_eq!(status, upsell_status::Panic);
        assert!(!err.is_null());
        // SAFETY: `err` was just written by `fallible`.
        let message = unsafe { CStr::from_ptr(crate::error::upsell_error_message(err)) };
        assert!(message.to_string_lossy().contains("boom"));
        // SAFETY: as above.
        assert_eq!(
            unsafe { crate::error::upsell_error_status(err) },
            upsell_status::Panic
        );
        // SAFETY: as above; freed once.
        unsafe { crate::error::upsell_error_free(err) };
    }

    #[test]
    fn err_is_written_only_on_failure_and_only_when_asked() {
        let mut err: *mut upsell_error = std::ptr::null_mut();
        assert_eq!(fallible(&mut err, || Ok(())), upsell_status::Ok);
        assert!(err.is_null());
        let status = fallible(std::ptr::null_mut(), || Err(Failure::NullParameter("x")));
        assert_eq!(status, upsell_status::NullParameter);
        let count: usize = infallible(|| std::panic::resume_unwind(Box::new(1)));
        assert_eq!(count, 0);
        let text: *const c_char = infallible(|| std::panic::resume_unwind(Box::new(1)));
        assert!(text.is_null());
        let status: upsell_status = infallible(|| std::panic::resume_unwind(Box::new(1)));
        assert_eq!(status, upsell_status::Panic);
    }
}
