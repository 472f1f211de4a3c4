//! `--web ADDR` and `nnzero serve`: the page in a browser (feature `web`).
//!
//! The server and the snapshot hub are the library's (`nnzero::live::web`); this is the program's
//! side: the options, training's observer, and the `serve` command.

mod observer;
mod serve;
mod urls;

pub use observer::TrainWeb;
pub use serve::{run as serve, ServeArgs};
pub use urls::parse_addr;

use std::net::SocketAddr;

use crate::error::CliError;

/// Starts the server, printing where to point a browser.
pub fn start(
    addr: SocketAddr,
    feed: nnzero::live::web::Feed,
    served: Option<std::sync::Arc<nnzero::live::web::Served>>,
) -> Result<nnzero::live::web::Server, CliError> {
    let server = nnzero::live::web::Server::start(addr, feed, served).map_err(CliError::Web)?;
    for line in urls::lines(server.addr()) {
        eprintln!("{line}");
    }
    Ok(server)
}
