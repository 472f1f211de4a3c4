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

/// Starts the server, answering to this machine's names and `allow`, and prints where to
/// point a browser.
pub fn start(
    addr: SocketAddr,
    feed: nnzero::live::web::Feed,
    served: Option<std::sync::Arc<nnzero::live::web::Served>>,
    allow: &[String],
) -> Result<nnzero::live::web::Server, CliError> {
    let hosts = nnzero::live::web::Hosts::this_machine(allow);
    let server =
        nnzero::live::web::Server::start_for(addr, feed, served, hosts).map_err(CliError::Web)?;
    for line in urls::lines(server.addr()) {
        eprintln!("{line}");
    }
    Ok(server)
}
