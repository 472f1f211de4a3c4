//! Ctrl-C and SIGTERM while training: the first one asks the run to stop after the current
//! image (it then writes a checkpoint and says how to resume); a second one exits at once,
//! leaving the last checkpoint as it was.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Flags the signal handlers set.
#[derive(Debug, Default)]
pub struct Signals {
    int: Arc<AtomicBool>,
    term: Arc<AtomicBool>,
}

impl Signals {
    /// Installs the handlers. Where signals cannot be caught, the flags are simply never set.
    pub fn install() -> Self {
        let s = Signals::default();
        #[cfg(unix)]
        {
            use signal_hook::consts::{SIGINT, SIGTERM};
            use signal_hook::flag;
            // Registered first, so it sees the flag as it was *before* this signal: the first
            // signal only sets the flag, the second exits.
            for (sig, f, code) in [(SIGINT, &s.int, 130), (SIGTERM, &s.term, 143)] {
                let _ = flag::register_conditional_shutdown(sig, code, Arc::clone(f));
                let _ = flag::register(sig, Arc::clone(f));
            }
        }
        s
    }

    /// Whether a signal asked the run to stop.
    pub fn stop(&self) -> bool {
        self.int.load(Ordering::Relaxed) || self.term.load(Ordering::Relaxed)
    }

    /// The signal caught, as (name, exit code).
    pub fn caught(&self) -> Option<(&'static str, u8)> {
        if self.int.load(Ordering::Relaxed) {
            Some(("Ctrl-C (SIGINT)", 130))
        } else if self.term.load(Ordering::Relaxed) {
            Some(("SIGTERM", 143))
        } else {
            None
        }
    }
}
