//! The one helper that runs core work with the GIL released.
//!
//! The one idea: the work runs on a scoped worker thread while the calling thread, which owns the
//! GIL, waits for it in short slices with the GIL released and checks for signals in between. On
//! Ctrl-C the calling thread cancels the work through its [`Control`], waits for the worker to
//! stop and re-raises `KeyboardInterrupt`. No Python code ever runs on the worker thread.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

use pyo3::exceptions::{PyOSError, PyRuntimeError};
use pyo3::prelude::*;
use upsell::Control;

use crate::errors;

/// How often the waiting thread looks for Ctrl-C.
const SIGNAL_POLL: Duration = Duration::from_millis(50);

/// Runs `work` with the GIL released, maps its error, and turns Ctrl-C into `KeyboardInterrupt`.
pub(crate) fn run<T, F>(py: Python<'_>, work: F) -> PyResult<T>
where
    T: Send,
    F: FnOnce(&Control) -> upsell::Result<T> + Send,
{
    let control = Control::new();
    let slot: Slot<std::thread::Result<upsell::Result<T>>> = Slot::new();
    let waited = std::thread::scope(|scope| -> PyResult<()> {
        let (control, slot) = (&control, &slot);
        std::thread::Builder::new()
            .name("upsell-worker".to_owned())
            .spawn_scoped(scope, move || slot.fill(catch_unwind(AssertUnwindSafe(|| work(control)))))
            .map_err(|e| PyOSError::new_err(format!("cannot start a worker thread: {e}")))?;
        loop {
            if py.detach(|| slot.wait(Some(SIGNAL_POLL))) {
                return Ok(());
            }
            if let Err(interrupt) = py.check_signals() {
                control.cancel();
                py.detach(|| slot.wait(None));
                return Err(interrupt);
            }
        }
    });
    waited?;
    match slot.take() {
        Some(Ok(result)) => errors::map(py, result),
        Some(Err(panic)) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            Err(PyRuntimeError::new_err(format!("internal error in upsell (please report it): {message}")))
        }
        None => Err(PyRuntimeError::new_err("internal error in upsell: the worker ended without a result")),
    }
}

/// A one-shot mailbox the worker fills and the caller waits on.
struct Slot<T> {
    value: Mutex<Option<T>>,
    ready: Condvar,
}

impl<T> Slot<T> {
    fn new() -> Self {
        Slot { value: Mutex::new(None), ready: Condvar::new() }
    }

    fn fill(&self, value: T) {
        let mut guard = self.value.lock().unwrap_or_else(PoisonError::into_inner);
        *guard = Some(value);
        self.ready.notify_all();
    }

    /// Waits until filled, or at most `timeout`; returns whether it is filled.
    fn wait(&self, timeout: Option<Duration>) -> bool {
        let guard = self.value.lock().unwrap_or_else(PoisonError::into_inner);
        let guard = match timeout {
            Some(timeout) => {
                self.ready.wait_timeout_while(guard, timeout, |v| v.is_none()).unwrap_or_else(PoisonError::into_inner).0
            }
            None => self.ready.wait_while(guard, |v| v.is_none()).unwrap_or_else(PoisonError::into_inner),
        };
        guard.is_some()
    }

    fn take(self) -> Option<T> {
        self.value.into_inner().unwrap_or_else(PoisonError::into_inner)
    }
}
