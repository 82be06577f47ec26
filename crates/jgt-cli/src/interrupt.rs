//! Ctrl-C: the first press cancels the run (statements running now are
//! interrupted and roll back, nothing new starts, what finished is
//! reported and the artifacts are written, and jgt exits 130); a second
//! press exits at once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use jgt_exec::Cancel;

/// The exit code of a run stopped by Ctrl-C, as shells report SIGINT.
pub const EXIT_CODE: u8 = 130;

/// Installs the Ctrl-C handler and returns the switch it turns on. When
/// the handler cannot be installed, Ctrl-C keeps its default behaviour.
pub fn on_ctrl_c() -> Cancel {
    let cancel = Cancel::new();
    let presses = Arc::new(AtomicUsize::new(0));
    let switch = cancel.clone();
    let installed = ctrlc::set_handler(move || {
        if presses.fetch_add(1, Ordering::SeqCst) == 0 {
            errln!("\nInterrupted: stopping running statements (Ctrl-C again to quit at once)");
            switch.cancel();
        } else {
            std::process::exit(i32::from(EXIT_CODE));
        }
    });
    if let Err(err) = installed {
        errln!("warning: Ctrl-C will stop jgt without a report: {err}");
    }
    cancel
}
