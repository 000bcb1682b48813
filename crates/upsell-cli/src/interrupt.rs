//! Ctrl-C: the first press cancels the running work through the core's [`Control`], which stops
//! soon with `Cancelled` (exit 130); a second press exits at once, for the stages the core cannot
//! interrupt (reading a file).

use std::sync::Arc;

use upsell::Control;

use crate::error::EXIT_INTERRUPTED;

/// Installs the handler and returns the control every command passes to the core.
pub fn install() -> Arc<Control> {
    let control = Arc::new(Control::new());
    let watched = Arc::clone(&control);
    let installed = ctrlc::set_handler(move || {
        if watched.is_cancelled() {
            eprintln!("\ninterrupted");
            std::process::exit(i32::from(EXIT_INTERRUPTED));
        }
        eprintln!("\nstopping... (press Ctrl-C again to quit at once)");
        watched.cancel();
    });
    // Without a handler Ctrl-C still ends the process, only less politely: not worth failing for.
    if let Err(err) = installed {
        eprintln!("warning: cannot catch Ctrl-C: {err}");
    }
    control
}
