//! The web page as a training observer: each call goes to the library's `Hub`.
//!
//! A resumed run's earlier epochs go on the page's curve first.

use std::time::Duration;

use nnzero::infer::eval::Confusion;
use nnzero::live::web::{Hub, Mode, Server};

use crate::error::CliError;
use nnzero::run::{EpochRecord, Observer};

/// Snapshots a second sent to browsers while training.
pub const PER_SECOND: f32 = 5.0;

/// The live page of a training run.
pub struct TrainWeb {
    hub: Hub,
    server: Server,
}

impl TrainWeb {
    /// Starts serving the live view on `addr`, also to the host names `allow`.
    pub fn start(addr: std::net::SocketAddr, allow: &[String]) -> Result<Self, CliError> {
        let hub = Hub::new(Mode::Train, PER_SECOND);
        let server = super::start(addr, hub.feed(), None, allow)?;
        Ok(TrainWeb { hub, server })
    }

    /// Shows the end of training, and gives the browsers up to a second to receive it
    /// before the program goes on to exit.
    pub fn finish(self, epochs: u32) {
        let TrainWeb { mut hub, server } = self;
        hub.finish(epochs);
        // No more snapshots: each event stream sends the last one and ends.
        drop(hub);
        server.drain(Duration::from_secs(1));
    }
}

impl Observer for TrainWeb {
    fn resumed(&mut self, _epoch: u32, _done: u64, log: &[EpochRecord]) {
        for e in log {
            self.hub.epoch_end(e.epoch, e.accuracy() as f32);
        }
    }

    fn epoch_start(&mut self, epoch: u32, epochs: u32, samples: u64) {
        self.hub.epoch_start(epoch, epochs, samples);
    }

    #[inline]
    fn sample(&mut self, _epoch: u32, index: u64, label: u8, pixels: &[u8], outputs: &[f32]) {
        self.hub.sample(index, label, pixels, outputs);
    }

    fn epoch_end(&mut self, epoch: u32, score: &Confusion, _took: Duration) {
        self.hub.epoch_end(epoch, score.accuracy() as f32);
    }
}
