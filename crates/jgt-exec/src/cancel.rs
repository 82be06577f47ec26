//! Stopping a run early (Ctrl-C) without losing anything: nodes not yet
//! started are skipped, statements running now are interrupted and roll
//! back, and the runner still returns every node's result so the caller
//! can report them and write its artifacts.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::adapter::Interrupter;

/// A run's cancellation switch, shared by the runner's workers and
/// whoever cancels (the CLI's Ctrl-C handler). Cloning shares the switch.
#[derive(Clone, Default)]
pub struct Cancel {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    cancelled: AtomicBool,
    stopped: AtomicBool,
    interrupters: Mutex<Vec<Interrupter>>,
}

impl Cancel {
    /// A switch that is off.
    pub fn new() -> Self {
        Cancel::default()
    }

    /// Turns the switch on and interrupts every registered connection.
    pub fn cancel(&self) {
        self.inner.cancelled.store(true, Ordering::SeqCst);
        let interrupters = self
            .inner
            .interrupters
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for interrupt in interrupters.iter() {
            interrupt();
        }
    }

    /// Whether [`Cancel::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancelled.load(Ordering::SeqCst)
    }

    /// Stops the run gently (`--fail-fast`): nodes not yet started are
    /// skipped, running ones finish; nothing is interrupted.
    pub fn stop(&self) {
        self.inner.stopped.store(true, Ordering::SeqCst);
    }

    /// Whether [`Cancel::stop`] was called.
    pub fn is_stopped(&self) -> bool {
        self.inner.stopped.load(Ordering::SeqCst)
    }

    /// Adds a connection to interrupt on cancel.
    pub(crate) fn register(&self, interrupter: Interrupter) {
        self.inner
            .interrupters
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(interrupter);
    }
}

impl std::fmt::Debug for Cancel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cancel")
            .field("cancelled", &self.is_cancelled())
            .finish_non_exhaustive()
    }
}
