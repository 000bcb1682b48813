//! The numbered status every fallible entry point returns: one number per core `ErrorKind`, plus
//! the two failures only C has (a NULL argument, a panic).
//!
//! The one idea: one table (`status_table.rs`) is the only place a status is written down; the
//! enum, the mapping from core kinds, the number lookup and the descriptions are generated from
//! it here, and the header's C enum from the same table by `tests/header.rs` (cbindgen does not
//! expand macros), as rustls-ffi generates its `rustls_result`.

use std::ffi::{CStr, c_char, c_int};

use upsell_core::ErrorKind;

/// Generates, from the rows of `status_table.rs`: the `#[repr(C)]` enum, `From<ErrorKind>` (a
/// kind without a row is a binding bug and maps to `Panic`), the number lookup and the
/// descriptions.
macro_rules! status_table {
    (
        $(#[doc = $doc:literal])*
        pub enum $name:ident {
            $(
                $(#[doc = $variant_doc:literal])*
                $variant:ident = $number:literal $(from $kind:ident)?, $description:literal;
            )*
        }
    ) => {
        $(#[doc = $doc])*
        #[repr(C)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[doc = $variant_doc])* $variant = $number,)*
        }

        impl From<ErrorKind> for $name {
            fn from(kind: ErrorKind) -> Self {
                match kind {
                    $($(ErrorKind::$kind => $name::$variant,)?)*
                    _ => $name::Panic,
                }
            }
        }

        impl $name {
            /// The status numbered `number`, if there is one.
            pub(crate) fn from_number(number: c_int) -> Option<Self> {
                match number {
                    $($number => Some($name::$variant),)*
                    _ => None,
                }
            }

            /// The status's static description.
            pub(crate) fn description(self) -> &'static CStr {
                match self {
                    $($name::$variant => $description,)*
                }
            }
        }
    };
}

include!("status_table.rs");

/// A static, NUL-terminated description of `status` (an `upsell_status` value); unknown numbers
/// give `"unknown status"`.
///
/// Ownership: the string is static; never free it. Thread-safety: safe to call from any thread.
#[unsafe(no_mangle)]
pub extern "C" fn upsell_status_str(status: c_int) -> *const c_char {
    upsell_status::from_number(status)
        .map_or(c"unknown status", upsell_status::description)
        .as_ptr()
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
    fn every_number_has_a_status_and_a_description() {
        for number in 0..=8 {
            let status = upsell_status::from_number(number);
            assert_eq!(status.map(|s| s as c_int), Some(number));
            // SAFETY: a static string.
            let text = unsafe { CStr::from_ptr(upsell_status_str(number)) };
            assert_eq!(Some(text), status.map(upsell_status::description));
        }
        for unknown in [9, -1] {
            assert!(upsell_status::from_number(unknown).is_none());
            // SAFETY: a static string.
            let text = unsafe { CStr::from_ptr(upsell_status_str(unknown)) };
            assert_eq!(text, c"unknown status");
        }
    }
}
