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
    /// Where to listen: HOST:PORT (an IP address or localhost), or a port on 127.0.0.1.
    /// 0.0.0.0:8080 lets phones on your network in, and prints the URLs they open.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR",
          value_parser = super::parse_addr)]
    pub web: SocketAddr,
    /// Let the page teach the model ("that was a 4"): it changes in memory only, unless
    /// --save is given too.
    #[arg(long)]
    pub teach: bool,
    /// With --teach: where the page's Save button writes the taught model (atomically); also
    /// written on Ctrl-C or SIGTERM if digits were taught since the last save.
    #[arg(long, value_name = "FILE", requires = "teach")]
    pub save: Option<PathBuf>,
    /// A name the page may be opened by besides this machine's addresses, hostname and
    /// `localhost` (a name your router's DNS gives the Pi). Repeatable.
    #[arg(long, value_name = "NAME")]
    pub allow_host: Vec<String>,
}

/// Runs `nnzero serve` until the program is stopped.
pub fn run(args: &ServeArgs) -> Result<(), CliError> {
    if let Some(save) = &args.save {
        check_writable(save).map_err(|e| CliError::Save(save.clone(), e))?;
    }
    // Held while serving: the page's Save and the save on SIGTERM write this file.
    let _lock = match &args.save {
        Some(save) => Some(nnzero::run::lock::RunLock::acquire(&[save])?),
        None => None,
    };
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
    let server = super::start(args.web, feed, Some(Arc::clone(&served)), &args.allow_host)?;
    eprintln!("web: serving {} (Ctrl-C to stop)", args.model.display());
    match stopped() {
        Some((name, code)) => Err(CliError::Interrupted {
            code,
            message: on_stop(&served, name),
        }),
        None => {
            server.wait();
            Ok(())
        }
    }
}

/// Waits for Ctrl-C (SIGINT) or SIGTERM; returns its name and exit code. `None` where signals
/// cannot be caught (then the server serves until the program is killed).
fn stopped() -> Option<(&'static str, u8)> {
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGINT, SIGTERM};
        use signal_hook::flag;
        use std::sync::atomic::AtomicBool;
        // A second signal while saving exits at once, as when training: the shutdown handler,
        // registered first, sees the flag as it was before this signal set it.
        let once = Arc::new(AtomicBool::new(false));
        for (sig, code) in [(SIGINT, 130), (SIGTERM, 143)] {
            let _ = flag::register_conditional_shutdown(sig, code, Arc::clone(&once));
            let _ = flag::register(sig, Arc::clone(&once));
        }
        let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]).ok()?;
        match signals.forever().next()? {
            SIGINT => Some(("Ctrl-C (SIGINT)", 130)),
            _ => Some(("SIGTERM", 143)),
        }
    }
    #[cfg(not(unix))]
    None
}

/// Saves what was taught since the last save to `--save`'s file, or says what is lost; the
/// line to print as the program stops.
fn on_stop(served: &Served, signal: &str) -> String {
    let taught = served.unsaved();
    let digits = |n: u64| format!("{n} taught digit{}", if n == 1 { "" } else { "s" });
    if taught == 0 {
        return format!("web: stopped by {signal}");
    }
    match (served.save_path(), served.can_save()) {
        (Some(path), true) => match served.save() {
            Ok(_) => format!(
                "web: stopped by {signal}; saved {} to {}",
                digits(taught),
                path.display()
            ),
            Err(e) => format!("warning: stopped by {signal}: {} lost: {e}", digits(taught)),
        },
        _ => format!(
            "warning: stopped by {signal} without saving: {} since the start lost (start \
             `nnzero serve --teach --save FILE` to keep what the page teaches)",
            digits(taught)
        ),
    }
}
