//! # The page in a browser: watch the network learn, draw a digit for it, teach it
//!
//! Feature `web`. `nnzero train --web ADDR` serves a live view of the run (what the SPI screen
//! shows, plus the accuracy curve so far); `nnzero serve --model M --web ADDR` serves a page to
//! draw a digit on (finger or mouse) or upload a photo, shows the answer, its ten outputs and the
//! 28×28 picture the network saw, the model's back-query sheet and weight tiles, and, with
//! `--teach`, lets you tell it what the digit was. The page's files are compiled in (no CDN, no
//! build step): it works on a Pi with no internet.
//!
//! ## HTTP API (stable; the README has examples)
//!
//! | method, path | answer |
//! |---|---|
//! | `GET /api/state` | the snapshot as JSON (see below) |
//! | `GET /api/events` | server-sent events: one `data: {snapshot}` line per update (`curl -N`) |
//! | `POST /api/predict` | body: PNG or JPEG bytes → `{"digit","confidence","outputs","prepared","inverted"}` |
//! | `POST /api/teach?label=N[&repeat=K]` | with `--teach`: body as predict → `{"label","repeat","before","after"}` |
//! | `POST /api/save` | with `--teach --save FILE`: saves atomically → `{"saved": FILE, "taught": N}` |
//! | `GET /api/backquery` | `{"inputs", "digits": [[784 values 0..1] × 10]}` |
//! | `GET /api/weights?count=N` | `{"inputs", "hidden", "tiles": [[784 values −1..1] × N]}` |
//!
//! `prepared` is the 28×28 picture row by row, 0 background to 255 ink. A snapshot has
//! `seq, mode ("train"|"serve"), phase ("training"|"testing"|"trained"|"predict"), epoch,
//! epochs, done, total, label, answer, outputs[10], pixels[784], running, test, rate` and
//! `curve: {running: [[x, accuracy]…], test: [[epoch, accuracy]…]}` (x in epochs, so 1.5 is
//! halfway through epoch 2); `serve` adds `model, teach, save`. Phase `trained` is a run's last
//! snapshot. Every error is a 4xx or 5xx status with `{"error": "…"}` as `application/json`,
//! those axum writes itself (413, 405) included.
//!
//! ## Safe by default
//! - It listens where it is told, and the program's default is 127.0.0.1 (this machine only).
//! - Requests must name this machine, and only its own page may teach or save ([`Hosts`],
//!   `origin.rs`): 403 otherwise.
//! - Bodies over [`MAX_BODY`] (10 MiB) get 413, at most [`MAX_BODIES`] are read at once and
//!   [`MAX_BODIES_PER_CLIENT`] from one address (503), and a body must keep arriving (408):
//!   `body.rs`. At most [`MAX_LARGE_ANSWERS`] large answers are sent at once: `answer.rs`. Pictures are decoded with
//!   `nnzero::prepare`'s limits (8192 px a side, 128 MiB), as `nnzero predict` reads files.
//! - At most [`MAX_CONNECTIONS`] connections, idle ones closed to make room, headers within
//!   [`HEADER_TIMEOUT`], answers taken within [`WRITE_TIMEOUT`]: `connections.rs`.
//! - Only the compiled-in files are served, by exact path; nothing reads the file system.
//! - At most [`MAX_EVENT_CLIENTS`] live views at once. The trainer publishes into a one-value
//!   `watch` channel and never waits: a slow browser skips to the newest snapshot.
//! - Teaching and saving are off unless `--teach` (and `--save FILE`) are given: 403.

mod answer;
mod assets;
mod body;
mod connections;
mod hub;
mod origin;
mod served;
mod server;

use std::fmt;
use std::net::SocketAddr;

pub use answer::MAX_LARGE_ANSWERS;
pub use assets::{find as asset, Asset, ASSETS};
pub use body::{BODY_IDLE, BODY_TOTAL, MAX_BODIES, MAX_BODIES_PER_CLIENT, MAX_BODY};
pub use connections::{Peer, HEADER_TIMEOUT, MAX_BUFFER, MAX_CONNECTIONS, WRITE_TIMEOUT};
pub use hub::{Feed, Hub, Json, Mode};
pub use origin::Hosts;
pub use served::{Served, ServedError, MAX_REPEAT};
pub use server::{Server, MAX_EVENT_CLIENTS, MAX_TILES};

/// Why the server could not start.
#[derive(Debug)]
#[non_exhaustive]
pub enum WebError {
    /// The address could not be listened on (in use, not this machine's, no permission).
    Bind(SocketAddr, std::io::Error),
    /// The server's thread or runtime could not be started.
    Runtime(std::io::Error),
}

impl fmt::Display for WebError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WebError::Bind(addr, e) => write!(f, "cannot listen on {addr}: {e}"),
            WebError::Runtime(e) => write!(f, "cannot start the web server: {e}"),
        }
    }
}

impl std::error::Error for WebError {}
