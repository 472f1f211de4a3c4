//! `--web ADDR` and `nnzero serve`: the page in a browser (feature `web`).
//!
//! The server and the snapshot hub are the library's (`nnzero::live::web`); this is the program's
//! side: the options, training's observer, and the `serve` command.

mod observer;
mod serve;

pub use observer::TrainWeb;
pub use serve::{run as serve, ServeArgs};

use std::net::SocketAddr;

use crate::error::CliError;

/// Parses `--web`: `HOST:PORT`, or a bare port meaning 127.0.0.1:PORT.
pub fn parse_addr(s: &str) -> Result<SocketAddr, String> {
    if let Ok(port) = s.parse::<u16>() {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    s.parse().map_err(|_| {
        format!("{s:?} is not an address to listen on, as in 127.0.0.1:8080, 0.0.0.0:8080 or 8080")
    })
}

/// Starts the server, printing where to point a browser.
pub fn start(
    addr: SocketAddr,
    feed: nnzero::live::web::Feed,
    served: Option<std::sync::Arc<nnzero::live::web::Served>>,
) -> Result<nnzero::live::web::Server, CliError> {
    let server = nnzero::live::web::Server::start(addr, feed, served)
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let at = server.addr();
    eprintln!("web: open http://{at}/ in a browser");
    if at.ip().is_unspecified() {
        eprintln!("web: listening on every network interface: anyone on your network can see it");
    }
    Ok(server)
}
