//! The one helper that runs core work with the GIL released.
//!
//! The one idea: the work runs on a scoped worker thread while the calling thread, which owns the
//! GIL, waits for it in short slices with the GIL released and checks for signals in between. On
//! Ctrl-C the calling thread cancels the work through its [`Control`], waits for the worker to
//! stop and re-raises `KeyboardInterrupt`. No Python code ever runs on the worker thread.
//!
//! The waiting thread also draws progress: when work has run for a second and knows its
//! size, it asks the factory that `upsell.progress` registered ([`set_progress`]) for a bar
//! and updates it from the [`Control`]'s counters between its waits.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use pyo3::exceptions::{PyKeyboardInterrupt, PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use upsell::Control;

use crate::errors::PyUpsellResult;

/// How often the waiting thread looks for Ctrl-C.
const SIGNAL_POLL: Duration = Duration::from_millis(50);

/// How long work runs before it shows a progress bar, in milliseconds (one second unless
/// [`set_progress`] says otherwise): quick calls never draw one.
static PROGRESS_AFTER: AtomicU64 = AtomicU64::new(1000);

/// How often a bar is updated.
const PROGRESS_EVERY: Duration = Duration::from_millis(200);

/// The bar factory registered by `upsell.progress`: called with the total, it returns an object
/// with `update(done, total)` and `close()`, or `None` for no bar.
static PROGRESS: Mutex<Option<Py<PyAny>>> = Mutex::new(None);

/// Registers the progress bar factory (`None`: no bars), asked for a bar once work has run for
/// `after` seconds.
#[pyfunction]
#[pyo3(signature = (factory, after=1.0))]
pub(crate) fn set_progress(factory: Option<Py<PyAny>>, after: f64) -> PyResult<()> {
    if !(after.is_finite() && after >= 0.0) {
        return Err(PyValueError::new_err(format!("after must be a finite number of seconds >= 0, got {after}")));
    }
    PROGRESS_AFTER.store((after * 1000.0) as u64, Ordering::Relaxed);
    *PROGRESS.lock().unwrap_or_else(PoisonError::into_inner) = factory;
    Ok(())
}

/// The bar of one call: asked for once the work has run long enough, then updated.
struct Progress<'py> {
    started: Instant,
    updated: Instant,
    asked: bool,
    bar: Option<Bound<'py, PyAny>>,
}

impl<'py> Progress<'py> {
    fn new() -> Self {
        let now = Instant::now();
        Progress { started: now, updated: now, asked: false, bar: None }
    }

    /// Shows or updates the bar. A bar that fails is dropped: progress never fails the work. A
    /// Ctrl-C that Python delivers while a bar's code runs is returned, not lost with the bar.
    fn show(&mut self, py: Python<'py>, control: &Control) -> PyResult<()> {
        let (done, total) = control.progress();
        if total == 0 {
            return Ok(());
        }
        if !self.asked {
            let after = Duration::from_millis(PROGRESS_AFTER.load(Ordering::Relaxed));
            if self.started.elapsed() < after {
                return Ok(());
            }
            self.asked = true;
            let factory = PROGRESS.lock().unwrap_or_else(PoisonError::into_inner).as_ref().map(|f| f.clone_ref(py));
            if let Some(factory) = factory {
                self.bar = interrupt_or_none(py, factory.bind(py).call1((total,)))?.filter(|bar| !bar.is_none());
            }
        } else if self.updated.elapsed() < PROGRESS_EVERY {
            return Ok(());
        }
        if let Some(bar) = &self.bar {
            self.updated = Instant::now();
            if interrupt_or_none(py, bar.call_method1("update", (done.min(total), total)))?.is_none() {
                self.bar = None;
            }
        }
        Ok(())
    }

    fn close(self, py: Python<'py>) -> PyResult<()> {
        match self.bar {
            Some(bar) => interrupt_or_none(py, bar.call_method0("close")).map(drop),
            None => Ok(()),
        }
    }
}

/// What a progress bar's call returned: its value, `None` when it raised an ordinary exception,
/// the exception itself when it was a `KeyboardInterrupt` (a Ctrl-C delivered during the call).
fn interrupt_or_none<'py>(py: Python<'py>, result: PyResult<Bound<'py, PyAny>>) -> PyResult<Option<Bound<'py, PyAny>>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(err) if err.is_instance_of::<PyKeyboardInterrupt>(py) => Err(err),
        Err(_) => Ok(None),
    }
}

/// Runs `work` with the GIL released, maps its error, and turns Ctrl-C into `KeyboardInterrupt`.
pub(crate) fn run<T, F>(py: Python<'_>, work: F) -> PyUpsellResult<T>
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
        let mut progress = Progress::new();
        let waited = loop {
            if py.detach(|| slot.wait(Some(SIGNAL_POLL))) {
                break Ok(());
            }
            if let Err(interrupt) = py.check_signals().and_then(|()| progress.show(py, control)) {
                control.cancel();
                py.detach(|| slot.wait(None));
                break Err(interrupt);
            }
        };
        let closed = progress.close(py);
        waited.and(closed)
    });
    waited?;
    match slot.take() {
        Some(Ok(result)) => Ok(result?),
        Some(Err(panic)) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            Err(PyRuntimeError::new_err(format!("internal error in upsell (please report it): {message}")).into())
        }
        None => Err(PyRuntimeError::new_err("internal error in upsell: the worker ended without a result").into()),
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
