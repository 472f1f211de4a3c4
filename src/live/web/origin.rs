//! Who may use the API: requests must name this machine, and only its own page may change the
//! model.
//!
//! - **Host.** A request whose `Host` is not an IP address, `localhost` or one of this
//!   machine's names (its hostname, `hostname.local`, and those given with `--allow-host`) is
//!   refused (403). A page on another site that rebinds its DNS name to this machine sends its
//!   own name as the Host: so it cannot read the API either.
//! - **Origin.** A request that would change something (any method but GET, HEAD and OPTIONS)
//!   from a page on another origin is refused (403): a browser says where the page came from in
//!   `Origin` (and `Sec-Fetch-Site`) on every such request, `no-cors` ones too. A request with
//!   neither, such as `curl`'s, is not from a web page and is served.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use super::server::error;

/// The names this server answers to besides IP addresses and `localhost`.
#[derive(Clone, Debug, Default)]
pub struct Hosts(Arc<Vec<String>>);

impl Hosts {
    /// This machine's hostname (and `NAME.local`, as mDNS announces it), and `extra`.
    pub fn this_machine(extra: &[String]) -> Hosts {
        let mut names: Vec<String> = extra.iter().map(|n| normal(n)).collect();
        if let Some(name) = hostname() {
            names.push(format!("{name}.local"));
            names.push(name);
        }
        names.retain(|n| !n.is_empty());
        Hosts(Arc::new(names))
    }

    /// Whether a `Host` header's value (`name`, `name:port`, `ip:port` or `[ipv6]:port`)
    /// names this machine.
    pub fn allows(&self, host: &str) -> bool {
        let name = normal(strip_port(host));
        name.parse::<std::net::IpAddr>().is_ok()
            || name == "localhost"
            || name.ends_with(".localhost")
            || self.0.contains(&name)
    }
}

/// Lower case, without a trailing dot (`pi.local.` is `pi.local`).
fn normal(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// `name` of `name:port`; `::1` of `[::1]:port` or `[::1]`.
fn strip_port(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    }
}

#[cfg(target_os = "linux")]
fn hostname() -> Option<String> {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").ok()?;
    Some(normal(&name))
}

#[cfg(not(target_os = "linux"))]
fn hostname() -> Option<String> {
    std::env::var("HOSTNAME").ok().map(|n| normal(&n))
}

/// Whether a request from a browser came from a page on another origin than `host` (the
/// request's own `Host`). A request no browser page sent (no `Origin`, no `Sec-Fetch-Site`)
/// is not foreign.
pub fn foreign(headers: &HeaderMap, host: Option<&str>) -> Option<String> {
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("?");
        let authority = origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"));
        return match (authority, host) {
            (Some(a), Some(h)) if a.eq_ignore_ascii_case(h) => None,
            _ => Some(origin.to_owned()),
        };
    }
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some(site @ ("cross-site" | "same-site")) => Some(format!("a {site} page")),
        _ => None,
    }
}

/// Refuses a request for another host, or one from a foreign page that would change the model.
pub async fn check(State(hosts): State<Hosts>, request: Request, next: Next) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .map(|h| h.to_str().unwrap_or("?").to_owned());
    if let Some(h) = &host {
        if !hosts.allows(h) {
            return error(
                StatusCode::FORBIDDEN,
                format!(
                    "this server answers to this machine's addresses and names, not {h:?}: \
                     start it with --allow-host {} to use that name",
                    strip_port(h)
                ),
            );
        }
    }
    let changes = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if changes {
        if let Some(from) = foreign(request.headers(), host.as_deref()) {
            return error(
                StatusCode::FORBIDDEN,
                format!(
                    "refused {} {} from {from}: only this server's own page may do that",
                    request.method(),
                    request.uri().path()
                ),
            );
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_allows_addresses_localhost_and_this_machines_names() {
        let hosts = Hosts(Arc::new(vec!["pi".into(), "pi.local".into()]));
        for ok in [
            "127.0.0.1:8080",
            "192.168.1.20",
            "[::1]:8080",
            "[fe80::1]",
            "localhost:8080",
            "LOCALHOST",
            "app.localhost:1",
            "pi:8080",
            "Pi.Local.:8080",
        ] {
            assert!(hosts.allows(ok), "{ok}");
        }
        for refused in [
            "evil.example:8080",
            "pi.evil.example",
            "x",
            "",
            "127.0.0.1.nip.io",
        ] {
            assert!(!hosts.allows(refused), "{refused}");
        }
    }

    #[test]
    fn a_foreign_origin_is_told_apart_from_this_servers_own_page() {
        let headers = |pairs: &[(&'static str, &'static str)]| {
            let mut h = HeaderMap::new();
            for (k, v) in pairs {
                h.insert(*k, v.parse().unwrap());
            }
            h
        };
        let host = Some("127.0.0.1:8080");
        assert_eq!(foreign(&headers(&[]), host), None);
        assert_eq!(
            foreign(&headers(&[("origin", "http://127.0.0.1:8080")]), host),
            None
        );
        assert_eq!(
            foreign(&headers(&[("sec-fetch-site", "same-origin")]), host),
            None
        );
        for (k, v) in [
            ("origin", "http://127.0.0.1:9999"),
            ("origin", "http://evil.example"),
            ("origin", "null"),
            ("sec-fetch-site", "cross-site"),
        ] {
            assert!(foreign(&headers(&[(k, v)]), host).is_some(), "{k}: {v}");
        }
        // An Origin with no Host to compare it with is foreign.
        assert!(foreign(&headers(&[("origin", "http://127.0.0.1:8080")]), None).is_some());
    }
}
