//! Where to point a browser: `--web`'s address as typed, and the URLs that reach the server.
//!
//! `0.0.0.0:PORT` means "every interface", which no browser can open: a phone needs this
//! machine's own address on the network, so that is what is printed.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Most network URLs printed: a machine with containers or VPNs has many interfaces.
const MOST: usize = 6;

/// Parses `--web`: `HOST:PORT` with an IP address or `localhost` as HOST (`[::1]:PORT` for
/// IPv6), or a bare port meaning 127.0.0.1:PORT.
pub fn parse_addr(s: &str) -> Result<SocketAddr, String> {
    if let Ok(port) = s.parse::<u16>() {
        return Ok(SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
    }
    if let Ok(addr) = s.parse() {
        return Ok(addr);
    }
    // `localhost` only, not any host name: resolving names could listen somewhere unexpected.
    // IPv4's loopback, which every `localhost` resolves to (curl and browsers fall back to it
    // from ::1).
    if let Some((host, port)) = s.rsplit_once(':') {
        if host.eq_ignore_ascii_case("localhost") {
            if let Ok(port) = port.parse::<u16>() {
                return Ok(SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
            }
        }
    }
    Err(format!(
        "{s:?} is not an address to listen on, as in localhost:8080, 0.0.0.0:8080, [::1]:8080 \
         or 8080"
    ))
}

/// The lines that say where to open the page served at `at`: for an unspecified address, one
/// per non-loopback address of this machine, then this machine's own.
pub fn lines(at: SocketAddr) -> Vec<String> {
    if !at.ip().is_unspecified() {
        return vec![format!("web: open {} in a browser", url(at))];
    }
    let own = SocketAddr::new(
        match at.ip() {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
        },
        at.port(),
    );
    let mut out = vec![format!(
        "web: listening on every network interface (port {}): anyone on your network can see it",
        at.port()
    )];
    let found = network_ips(at.ip());
    match &found {
        Ok(ips) if !ips.is_empty() => {
            for ip in ips.iter().take(MOST) {
                out.push(format!(
                    "web: open {} on a phone or computer on the same network",
                    url(SocketAddr::new(*ip, at.port()))
                ));
            }
        }
        Ok(_) => out.push(
            "web: this machine has no network address besides loopback: only it can open the page"
                .into(),
        ),
        Err(e) => out.push(format!(
            "web: cannot list this machine's network addresses ({e}): `hostname -I` shows them"
        )),
    }
    out.push(format!(
        "web: open {} in a browser on this machine",
        url(own)
    ));
    out
}

/// `http://ADDR/`, with IPv6 addresses in brackets.
fn url(at: SocketAddr) -> String {
    format!("http://{at}/")
}

/// This machine's addresses that a listener on `any` (0.0.0.0 or [::]) answers on and another
/// device can reach: not loopback, and not IPv6 link-local (those need a zone id a browser will
/// not take). Linux's [::] also takes IPv4 (unless `bindv6only` is set), so it lists both.
fn network_ips(any: IpAddr) -> std::io::Result<Vec<IpAddr>> {
    let mut ips: Vec<IpAddr> = if_addrs::get_if_addrs()?
        .into_iter()
        .filter(|i| !i.is_loopback())
        .map(|i| i.ip())
        .filter(|ip| match ip {
            IpAddr::V4(_) => true,
            IpAddr::V6(v6) => any.is_ipv6() && !v6.is_unicast_link_local(),
        })
        .collect();
    // IPv4 first: the address a person types into a phone.
    ips.sort_by_key(|ip| ip.is_ipv6());
    ips.dedup();
    Ok(ips)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_as_people_type_them() {
        let local = |p| SocketAddr::from((Ipv4Addr::LOCALHOST, p));
        assert_eq!(parse_addr("8087"), Ok(local(8087)));
        assert_eq!(parse_addr("localhost:8087"), Ok(local(8087)));
        assert_eq!(parse_addr("LocalHost:0"), Ok(local(0)));
        assert_eq!(
            parse_addr("[::1]:8087"),
            Ok(SocketAddr::from((Ipv6Addr::LOCALHOST, 8087)))
        );
        assert_eq!(
            parse_addr("0.0.0.0:8086"),
            Ok(SocketAddr::from((Ipv4Addr::UNSPECIFIED, 8086)))
        );
        for bad in [
            "localhost",
            "localhost:x",
            "example.com:80",
            "::1:80",
            ":80",
            "70000",
        ] {
            assert!(parse_addr(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_unspecified_address_is_never_printed_as_a_url() {
        for any in ["0.0.0.0:8086", "[::]:8086"] {
            let lines = lines(any.parse().unwrap());
            let text = lines.join("\n");
            assert!(
                !text.contains("0.0.0.0") && !text.contains("[::]"),
                "{text}"
            );
            assert!(text.contains(":8086/"), "{text}");
        }
    }
}
