//! The numbered status every fallible entry point returns: one number per core `ErrorKind`, plus
//! the two failures only C has (a NULL argument, a panic).
//!
//! Numbers are part of the ABI: once released, a number is never reused or renumbered. A new core
//! kind gets a new number at the end.

use std::ffi::{c_char, c_int};

use upsell_core::ErrorKind;

/// The outcome of a call. `UPSELL_STATUS_OK` (0) is success; every other value is a failure whose
/// details are in the `upsell_error` the call wrote, if the caller asked for one.
///
/// The numbers are stable across releases and never reused.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum upsell_status {
    /// Success.
    Ok = 0,
    /// The data is malformed: a bad basket, row, item or offset.
    InvalidInput = 1,
    /// A parameter is out of range or inconsistent with another.
    InvalidParameter = 2,
    /// A rule or model file does not parse.
    Parse = 3,
    /// A budget (itemsets, memory) was exceeded; raise the limit or the support.
    LimitExceeded = 4,
    /// The work was cancelled through a `upsell_control`.
    Cancelled = 5,
    /// A file could not be opened or read.
    Io = 6,
    /// A required pointer argument was NULL.
    NullParameter = 7,
    /// An internal error (a Rust panic) was caught at the boundary; please report it.
    Panic = 8,
}

impl From<ErrorKind> for upsell_status {
    fn from(kind: ErrorKind) -> Self {
        match kind {
            ErrorKind::InvalidInput => upsell_status::InvalidInput,
            ErrorKind::InvalidParameter => upsell_status::InvalidParameter,
            ErrorKind::Parse => upsell_status::Parse,
            ErrorKind::LimitExceeded => upsell_status::LimitExceeded,
            ErrorKind::Cancelled => upsell_status::Cancelled,
            ErrorKind::Io => upsell_status::Io,
            // A kind the binding does not know yet is a binding bug: it needs a new number.
            _ => upsell_status::Panic,
        }
    }
}

impl upsell_status {
    /// The static description of a status number, for `upsell_status_str`.
    fn description(status: c_int) -> &'static std::ffi::CStr {
        match status {
            0 => c"ok",
            1 => c"invalid input: the data is malformed",
            2 => c"invalid parameter: a parameter is out of range",
            3 => c"parse error: a rule or model file does not parse",
            4 => c"limit exceeded: raise the limit or the support",
            5 => c"cancelled",
            6 => c"i/o error: a file could not be read",
            7 => c"a required pointer argument was NULL",
            8 => c"internal error (panic) in upsell: please report it",
            _ => c"unknown status",
        }
    }
}

/// A static, NUL-terminated description of `status` (an `upsell_status` value); unknown numbers
/// give `"unknown status"`.
///
/// Ownership: the string is static; never free it. Thread-safety: safe to call from any thread.
#[unsafe(no_mangle)]
pub extern "C" fn upsell_status_str(status: c_int) -> *const c_char {
    upsell_status::description(status).as_ptr()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_own_number() {
        let kinds = [
            (ErrorKind::InvalidInput, 1),
            (ErrorKind::InvalidParameter, 2),
            (ErrorKind::Parse, 3),
            (ErrorKind::LimitExceeded, 4),
            (ErrorKind::Cancelled, 5),
            (ErrorKind::Io, 6),
        ];
        for (kind, number) in kinds {
            assert_eq!(upsell_status::from(kind) as c_int, number, "{kind}");
        }
    }

    #[test]
    fn every_number_has_a_description() {
        for number in 0..=8 {
            assert_ne!(upsell_status::description(number), c"unknown status");
        }
        assert_eq!(upsell_status::description(9), c"unknown status");
        assert_eq!(upsell_status::description(-1), c"unknown status");
    }
}
