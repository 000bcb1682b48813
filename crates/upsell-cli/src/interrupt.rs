//! Ctrl-C and termination (SIGINT, SIGTERM, SIGHUP): the first signal cancels the running work
//! through the core's [`Control`], which stops soon with `Cancelled` (exit 130) and removes any
//! unfinished output. Work the core cannot interrupt (waiting on a FIFO that nobody writes, reading
//! a file) is not waited for long: a second signal, or [`GRACE`] after the first, removes the
//! temporary output files and exits at once.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use upsell::Control;

use crate::error::EXIT_INTERRUPTED;

/// How long the first signal waits for the work to stop by itself.
const GRACE: Duration = Duration::from_secs(2);

/// Temporary files of outputs being written, removed when a signal ends the process.
static TEMPORARY: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Installs the handler and returns the control every command passes to the core.
pub fn install() -> Arc<Control> {
    let control = Arc::new(Control::new());
    let watched = Arc::clone(&control);
    let installed = ctrlc::set_handler(move || {
        if watched.is_cancelled() {
            quit();
        }
        eprintln!("\nstopping... (press Ctrl-C again to quit at once)");
        watched.cancel();
        // The process normally ends before this thread wakes up.
        std::thread::spawn(|| {
            std::thread::sleep(GRACE);
            quit();
        });
    });
    // Without a handler Ctrl-C still ends the process, only less politely: not worth failing for.
    if let Err(err) = installed {
        eprintln!("warning: cannot catch Ctrl-C: {err}");
    }
    control
}

/// Removes the temporary output files and exits as a signal would.
fn quit() -> ! {
    for path in TEMPORARY
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
    {
        let _ = std::fs::remove_file(path);
    }
    eprintln!("\ninterrupted");
    std::process::exit(i32::from(EXIT_INTERRUPTED));
}

/// Registers a temporary file to remove if a signal ends the process.
pub fn remove_on_exit(path: &Path) {
    TEMPORARY
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(path.to_owned());
}

/// Forgets a temporary file registered with [`remove_on_exit`] (it was renamed or removed).
pub fn forget(path: &Path) {
    TEMPORARY
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .retain(|p| p != path);
}
