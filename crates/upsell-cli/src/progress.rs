//! Progress bars on stderr, only when stderr is a terminal: logs and pipes get the summary alone.
//!
//! Mining runs on the calling thread; a scoped watcher thread polls the core's [`Control`] (the core
//! never calls back) and redraws the bar.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use upsell::Control;

/// Whether to draw bars at all.
pub fn enabled() -> bool {
    std::io::stderr().is_terminal()
}

fn styled(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

/// A bar counting `total` rows, hidden when not on a terminal.
pub fn rows(message: &'static str, total: u64) -> ProgressBar {
    if !enabled() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total).with_message(message);
    bar.set_style(styled(
        "{msg:>8} [{bar:30}] {human_pos}/{human_len} rows {elapsed}",
    ));
    bar
}

/// Runs `work` while a bar shows the core's progress on `control`.
pub fn while_working<T>(message: &'static str, control: &Control, work: impl FnOnce() -> T) -> T {
    while_counting(message, "branches", control, work)
}

/// Runs `work` while a bar shows the core's progress on `control`, counted in `unit`.
pub fn while_counting<T>(message: &'static str, unit: &str, control: &Control, work: impl FnOnce() -> T) -> T {
    if !enabled() {
        return work();
    }
    let finished = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let watcher = scope.spawn(|| {
            let bar = ProgressBar::new(0).with_message(message);
            bar.set_style(styled(&format!("{{spinner}} {{msg:>8}} [{{bar:30}}] {{pos}}/{{len}} {unit} {{elapsed}}")));
            while !finished.load(Ordering::Relaxed) {
                let (done, total) = control.progress();
                bar.set_length(total);
                bar.set_position(done.min(total));
                bar.tick();
                std::thread::park_timeout(Duration::from_millis(100));
            }
            bar.finish_and_clear();
        });
        let result = work();
        finished.store(true, Ordering::Relaxed);
        watcher.thread().unpark();
        result
    })
}
