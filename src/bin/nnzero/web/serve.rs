//! `nnzero serve`: a page to draw digits on for a saved model, and the HTTP API behind it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use nnzero::format::atomic_save::check_writable;
use nnzero::live::web::Served;

use crate::backquery::load;
use crate::error::CliError;

/// Options of `nnzero serve`.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The model file to serve.
    #[arg(long, default_value = "model.nnz", value_name = "FILE")]
    pub model: PathBuf,
    /// Where to listen: HOST:PORT, or a port on 127.0.0.1. 0.0.0.0:8080 lets phones on your
    /// network in.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR",
          value_parser = super::parse_addr)]
    pub web: SocketAddr,
    /// Let the page teach the model ("that was a 4"): it changes in memory only, unless
    /// --save is given too.
    #[arg(long)]
    pub teach: bool,
    /// With --teach: where the page's Save button writes the taught model (atomically).
    #[arg(long, value_name = "FILE", requires = "teach")]
    pub save: Option<PathBuf>,
}

/// Runs `nnzero serve` until the program is stopped.
pub fn run(args: &ServeArgs) -> Result<(), CliError> {
    if let Some(save) = &args.save {
        check_writable(save).map_err(|e| CliError::Save(save.clone(), e))?;
    }
    let net = load(&args.model)?;
    if net.inputs() != 784 {
        return Err(CliError::Mismatch(format!(
            "{} reads {} inputs; the page draws 28×28 digits (784)",
            args.model.display(),
            net.inputs()
        )));
    }
    let served = Arc::new(Served::new(net, args.teach, args.save.clone()));
    let feed = served.hub().feed();
    let server = super::start(args.web, feed, Some(served))?;
    eprintln!("web: serving {} (Ctrl-C to stop)", args.model.display());
    server.wait();
    Ok(())
}
