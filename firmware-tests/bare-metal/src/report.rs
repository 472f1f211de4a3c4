//! The image's report to the host: each line is formatted into a fixed-capacity
//! [`heapless::String`] and sent by one semihosting write.
//!
//! Semihosting's `HostStream` traps to the debugger (here QEMU) once per `write_str`, and
//! `writeln!` calls it once per literal piece and argument: about a dozen traps for a line such
//! as `epoch 1/4: 53.80% (269/500) right while training`, each a full exit to the host. Whole
//! lines also reach the host whole. No allocator: the line lives in a fixed buffer.

use core::fmt::{self, Write};

use cortex_m_semihosting::hio::HostStream;

/// Bytes a line may take before it is sent in pieces; the longest report line is 80, its
/// newline included.
pub const LINE: usize = 128;

/// Holds text until a newline, then writes the line to the host in one call.
pub struct LineWriter {
    host: HostStream,
    line: heapless::String<LINE>,
}

impl LineWriter {
    /// A writer to `host` (its stdout or stderr) with an empty line.
    pub fn new(host: HostStream) -> Self {
        LineWriter {
            host,
            line: heapless::String::new(),
        }
    }

    /// Sends what is held, if anything: a last line without a newline.
    pub fn flush(&mut self) -> fmt::Result {
        if !self.line.is_empty() {
            self.host.write_str(&self.line)?;
            self.line.clear();
        }
        Ok(())
    }
}

impl Write for LineWriter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for piece in s.split_inclusive('\n') {
            if self.line.push_str(piece).is_err() {
                // Longer than a line: what is held goes first, then this piece as it is.
                self.flush()?;
                self.host.write_str(piece)?;
            } else if piece.ends_with('\n') {
                self.flush()?;
            }
        }
        Ok(())
    }
}
