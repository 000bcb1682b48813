//! The library as a whole: its version, and the teardown that stops its worker threads.
//!
//! The one idea: a host can check at run time that the library it loaded is the one its header
//! describes, and can end with no thread of ours alive (what valgrind and plugin hosts ask for).

use std::ffi::c_char;

use crate::ffi;

/// The major version of the header (the library's semantic version).
pub const UPSELL_VERSION_MAJOR: u32 = 0;
/// The minor version of the header.
pub const UPSELL_VERSION_MINOR: u32 = 1;
/// The patch version of the header.
pub const UPSELL_VERSION_PATCH: u32 = 0;

/// The version of the loaded library, `"MAJOR.MINOR.PATCH"`, to compare with the
/// `UPSELL_VERSION_*` macros of the header the program was compiled with.
///
/// Ownership: static; never free it. Thread-safety: safe to call from any thread.
#[unsafe(no_mangle)]
pub extern "C" fn upsell_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// Stops the library's worker threads and waits until they have exited; returns how many were
/// stopped. Call it at the end of a program (or before unloading the library) once no other call
/// runs: afterwards no thread of the library is alive, so leak checkers such as
/// `valgrind --leak-check=full` report nothing. The library stays usable: a later parallel call
/// starts new threads. A pool in use by a call running on another thread is left running.
///
/// Handles stay valid; free them as usual. Thread-safety: safe to call from any thread, but
/// meant for a point where the program is single-threaded with respect to this library.
#[unsafe(no_mangle)]
pub extern "C" fn upsell_shutdown() -> usize {
    ffi::infallible(upsell_core::parallel::shutdown)
}

/// Frees a string the library returned as `char *` (the JSON reports); NULL is ignored.
///
/// # Safety
///
/// `text` is NULL or a string returned by this library as `char *`, not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_string_free(text: *mut c_char) {
    ffi::infallible(|| {
        if !text.is_null() {
            // SAFETY: the caller passes a string made by `CString::into_raw`.
            drop(unsafe { std::ffi::CString::from_raw(text) });
        }
    })
}

/// Hands bytes to C as a boxed slice written to `data` and `len` (NULL and 0 when empty), freed
/// with `upsell_bytes_free`.
///
/// # Safety
///
/// `data` and `len` are not NULL and writable.
pub(crate) unsafe fn write_bytes(bytes: Vec<u8>, data: *mut *mut u8, len: *mut usize) {
    let count = bytes.len();
    let array = if count == 0 {
        std::ptr::null_mut()
    } else {
        Box::into_raw(bytes.into_boxed_slice()).cast::<u8>()
    };
    // SAFETY: forwarded to the caller.
    unsafe {
        data.write(array);
        len.write(count);
    }
}

/// Frees bytes the library returned as `uint8_t *` with their length (the binary model
/// encodings); `len` must be the length it gave. NULL is ignored.
///
/// # Safety
///
/// `data` is NULL or bytes returned by this library with `len`, not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_bytes_free(data: *mut u8, len: usize) {
    ffi::infallible(|| {
        if !data.is_null() {
            // SAFETY: the caller passes bytes made by `Box::into_raw` of `len` bytes.
            drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(data, len)) });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_version_is_the_crate_version() {
        let parts = [
            UPSELL_VERSION_MAJOR,
            UPSELL_VERSION_MINOR,
            UPSELL_VERSION_PATCH,
        ]
        .map(|n| n.to_string())
        .join(".");
        assert_eq!(parts, env!("CARGO_PKG_VERSION"));
        // SAFETY: a static NUL-terminated string.
        let text = unsafe { std::ffi::CStr::from_ptr(upsell_version()) };
        assert_eq!(text.to_str(), Ok(env!("CARGO_PKG_VERSION")));
    }
}
