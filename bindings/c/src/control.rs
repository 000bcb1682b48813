//! Cancellation and progress for long calls: a handle the host shares between the thread that
//! mines and the thread that watches.
//!
//! The one idea, as in the core: nothing calls back into C. The miner updates atomics; the host
//! polls `upsell_control_progress` and may call `upsell_control_cancel` from any thread.

use upsell_core::Control;

use crate::error::upsell_error;
use crate::ffi;
use crate::status::upsell_status;

/// A cancel flag and a progress counter for one long call (`upsell_mine`).
///
/// Ownership: created by `upsell_control_new`, owned by the caller, freed with
/// `upsell_control_free` once no call uses it. Thread-safety: `upsell_control_cancel` and
/// `upsell_control_progress` may be called from any thread, also while another thread runs
/// `upsell_mine` with this control. Once cancelled it stays cancelled: use a new control for the
/// next call.
#[derive(Debug, Default)]
pub struct upsell_control {
    pub(crate) control: Control,
}

/// A new control: not cancelled, no progress. The caller frees it with `upsell_control_free`.
/// Returns NULL only on an internal error. Thread-safety: safe to call from any thread.
#[unsafe(no_mangle)]
pub extern "C" fn upsell_control_new() -> *mut upsell_control {
    ffi::infallible(|| {
        ffi::into_handle(upsell_control {
            control: Control::new(),
        })
    })
}

/// Asks the calls using `control` to stop; they return `UPSELL_STATUS_CANCELLED` soon after. A
/// call started with an already cancelled control returns `UPSELL_STATUS_CANCELLED` at once.
///
/// Thread-safety: safe to call from any thread, concurrently with `upsell_mine`.
///
/// # Safety
///
/// `control` is NULL or a live handle; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_control_cancel(
    control: *const upsell_control,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: the caller passes NULL or a live handle.
        unsafe { ffi::borrow(control, "control")? }.control.cancel();
        Ok(())
    })
}

/// The progress of the call using `control`: `*done` units of `*total` (`*total` is 0 until the
/// work knows its size). Units are the miner's own (top-level branches), good for a progress bar.
///
/// Thread-safety: safe to call from any thread, concurrently with `upsell_mine`.
///
/// # Safety
///
/// `control` is NULL or a live handle; `done`, `total` and `err` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_control_progress(
    control: *const upsell_control,
    done: *mut u64,
    total: *mut u64,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: the caller passes NULL or a live handle.
        let control = unsafe { ffi::borrow(control, "control")? };
        let done = ffi::out(done, "done")?;
        let total = ffi::out(total, "total")?;
        let (units_done, units_total) = control.control.progress();
        // SAFETY: both are not NULL and the caller promises they are writable.
        unsafe {
            done.write(units_done);
            total.write(units_total);
        }
        Ok(())
    })
}

/// Frees `control`. NULL is accepted and ignored.
///
/// Ownership: takes back ownership. Thread-safety: no call may be using `control` (no
/// `upsell_mine` running with it, no other thread cancelling it) during or after this call.
///
/// # Safety
///
/// `control` is NULL or a live handle not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_control_free(control: *mut upsell_control) {
    // SAFETY: the caller passes NULL or a live handle it owns.
    ffi::infallible(|| unsafe { ffi::free_box(control) })
}
