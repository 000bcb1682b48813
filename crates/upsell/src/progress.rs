//! Progress and cancellation for long work, shared between the worker and whoever waits.
//!
//! The one idea: nothing calls back into the caller. Workers update atomics; the waiting side (a
//! progress bar, Python's signal check, a C host's thread) polls them. So no foreign code runs on a
//! worker thread, and a slow observer never slows mining.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::{Error, Result};

/// A cancel flag and a progress counter for one piece of long work.
///
/// Share it (`&Control` or `Arc<Control>`) between the thread doing the work and the one watching:
///
/// ```
/// use std::sync::Arc;
/// use upsell::Control;
/// let control = Arc::new(Control::default());
/// let watcher = Arc::clone(&control);
/// std::thread::spawn(move || watcher.cancel()).join().unwrap();
/// assert!(control.is_cancelled());
/// assert_eq!(control.check().unwrap_err().kind(), upsell::ErrorKind::Cancelled);
/// ```
#[derive(Debug, Default)]
pub struct Control {
    cancelled: AtomicBool,
    done: AtomicU64,
    total: AtomicU64,
}

impl Control {
    /// A fresh control: not cancelled, no progress.
    pub fn new() -> Self {
        Control::default()
    }

    /// Asks the work to stop; it ends soon with [`Error::Cancelled`].
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    /// Whether [`Control::cancel`] was called.
    #[inline]
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    /// `Err(Cancelled)` once cancelled.
    pub fn check(&self) -> Result<()> {
        if self.is_cancelled() {
            Err(Error::Cancelled)
        } else {
            Ok(())
        }
    }

    /// Units done and units in all, as `(done, total)`; `total` is 0 until the work knows it.
    ///
    /// ```
    /// assert_eq!(upsell::Control::default().progress(), (0, 0));
    /// ```
    pub fn progress(&self) -> (u64, u64) {
        (
            self.done.load(Ordering::Relaxed),
            self.total.load(Ordering::Relaxed),
        )
    }

    pub(crate) fn start(&self, total: u64) {
        self.done.store(0, Ordering::Relaxed);
        self.total.store(total, Ordering::Relaxed);
    }

    pub(crate) fn advance(&self, units: u64) {
        self.done.fetch_add(units, Ordering::Relaxed);
    }
}
