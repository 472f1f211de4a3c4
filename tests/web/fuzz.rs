//! A bounded fuzz run over HTTP request sequences (issue 26): random connections, each a few
//! pipelined requests built from valid and broken parts (methods, paths, Host and Origin,
//! Content-Length and chunked bodies that lie, oversized headers, pictures and garbage), some
//! cut off mid-request. Every answer must be a status the API documents; the server must stay
//! up and keep answering; the model it saves must still load.
//!
//! `NNZERO_FUZZ_SEED=N` replays one run; `NNZERO_FUZZ_CONNECTIONS` sets its length.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use super::{digit, request, start, tiny_model};

/// xorshift64*: a few lines, so the run is the same everywhere for a seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T: ?Sized>(&mut self, from: &[&'a T]) -> &'a T {
        from[self.below(from.len())]
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// Statuses the server may answer with; anything else (a 500, a 502) fails the run.
const EXPECTED: [u16; 14] = [
    200, 400, 403, 404, 405, 408, 409, 411, 413, 414, 422, 431, 501, 503,
];

fn body(rng: &mut Rng, picture: &[u8]) -> Vec<u8> {
    match rng.below(5) {
        0 => picture.to_vec(),
        1 => picture[..rng.below(picture.len())].to_vec(),
        2 => Vec::new(),
        3 => {
            let mut p = picture.to_vec();
            for _ in 0..8 {
                let i = rng.below(p.len());
                p[i] = rng.next() as u8;
            }
            p
        }
        _ => {
            let n = rng.below(3000);
            rng.bytes(n)
        }
    }
}

/// The part of a request [`one_request`] breaks, if any.
#[derive(Clone, Copy, PartialEq)]
enum Broken {
    Nothing,
    Method,
    Version,
    Host,
    Header,
    Body,
}

/// One request: about half well-formed, the rest with one part broken.
fn one_request(rng: &mut Rng, addr: SocketAddr, picture: &[u8]) -> Vec<u8> {
    use Broken::*;
    let broken = *rng.pick(&[
        &Nothing, &Nothing, &Nothing, &Nothing, &Nothing, &Method, &Version, &Host, &Header, &Body,
    ]);
    let method = if broken == Method {
        rng.pick(&["PUT", "DELETE", "PATCH", "G\x01T", "", "BREW", "get"])
    } else {
        rng.pick(&["GET", "POST", "POST", "HEAD", "OPTIONS"])
    };
    let label = rng.below(12);
    let repeat = rng.below(120);
    let count = rng.below(500);
    let long = "/".to_owned() + &"a".repeat(rng.below(20_000));
    let teach = format!("/api/teach?label={label}&repeat={repeat}");
    let weights = format!("/api/weights?count={count}");
    let path: &str = rng.pick(&[
        "/",
        "/api/state",
        "/api/predict",
        "/api/predict",
        teach.as_str(),
        teach.as_str(),
        "/api/save",
        "/api/backquery",
        weights.as_str(),
        "/app.js",
        "/%2e%2e/etc/passwd",
        "/api/teach?label=&label=3",
        "*",
        long.as_str(),
        "/api/\u{00e9}v\u{0000}ents",
    ]);
    let version = if broken == Version {
        rng.pick(&["HTTP/2.0", "HTCPCP/1.0", "HTTP/1.1 x", "HTTP/1"])
    } else {
        rng.pick(&["HTTP/1.1", "HTTP/1.1", "HTTP/1.0"])
    };
    let own = addr.to_string();
    let host = if broken == Host {
        rng.pick(&["evil.example", "", "127.0.0.1:1:2", "[::1", "a b"])
    } else {
        rng.pick(&[own.as_str(), own.as_str(), "localhost"])
    };
    let mut r = format!("{method} {path} {version}\r\n").into_bytes();
    if !(broken == Host && rng.chance(30)) {
        r.extend_from_slice(format!("Host: {host}\r\n").as_bytes());
    }
    let origin = format!("http://{own}");
    match rng.below(6) {
        0 => r.extend_from_slice(format!("Origin: {origin}\r\n").as_bytes()),
        1 => r.extend_from_slice(b"Origin: http://evil.example\r\n"),
        2 => r.extend_from_slice(b"Origin: null\r\nSec-Fetch-Site: cross-site\r\n"),
        _ => {}
    }
    if broken == Header {
        if rng.chance(30) {
            // Over the connection's buffer: 431 or closed.
            r.extend_from_slice(b"X-Big: ");
            r.extend_from_slice("b".repeat(70_000).as_bytes());
        } else {
            let n = rng.below(40);
            let mut junk = rng.bytes(n);
            junk.retain(|&b| b != b'\r' && b != b'\n');
            r.extend_from_slice(&junk);
        }
        r.extend_from_slice(b"\r\n");
    }
    let b = body(rng, picture);
    let framing = if broken == Body {
        1 + rng.below(3)
    } else {
        4 * rng.below(2)
    };
    match framing {
        // Chunked.
        0 => {
            r.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
            for part in b.chunks(1 + rng.below(4000)) {
                r.extend_from_slice(format!("{:x}\r\n", part.len()).as_bytes());
                r.extend_from_slice(part);
                r.extend_from_slice(b"\r\n");
            }
            r.extend_from_slice(b"0\r\n\r\n");
        }
        // A Content-Length that lies (more or less than sent), or is not a number.
        1 => {
            if rng.chance(30) {
                r.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\nzz\r\n");
            }
            let n = (b.len() + rng.below(50)).saturating_sub(rng.below(50));
            r.extend_from_slice(format!("Content-Length: {n}\r\n\r\n").as_bytes());
            r.extend_from_slice(&b);
        }
        2 => {
            let value = rng.pick(&["-1", "abc", "99999999999999999999", "10, 20", "+5"]);
            r.extend_from_slice(format!("Content-Length: {value}\r\n\r\n").as_bytes());
            r.extend_from_slice(&b);
        }
        // Both: a request smuggler's favourite.
        3 => {
            r.extend_from_slice(
                format!(
                    "Content-Length: {}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                    b.len()
                )
                .as_bytes(),
            );
        }
        _ => {
            r.extend_from_slice(format!("Content-Length: {}\r\n\r\n", b.len()).as_bytes());
            r.extend_from_slice(&b);
        }
    }
    r
}

/// The statuses in everything a connection received.
fn statuses(received: &[u8]) -> Vec<u16> {
    let text = String::from_utf8_lossy(received);
    text.match_indices("HTTP/1.")
        .filter_map(|(i, _)| {
            let line = &text[i..];
            let code = line.get(9..12)?;
            // Only a status line: "HTTP/1.1 200 " (a body may quote "HTTP/1." too).
            (line.as_bytes().get(8) == Some(&b' ') && line.as_bytes().get(12) == Some(&b' '))
                .then(|| code.parse().ok())
                .flatten()
        })
        .collect()
}

#[test]
fn random_request_sequences_never_take_the_server_down() {
    let seed: u64 = std::env::var("NNZERO_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x6e6e_7a65_726f);
    let connections: usize = std::env::var("NNZERO_FUZZ_CONNECTIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    let dir = tempfile::tempdir().unwrap();
    tiny_model(dir.path());
    let mut s = start(
        dir.path(),
        &[
            "serve",
            "--model",
            "m.nnz",
            "--teach",
            "--save",
            "saved.nnz",
        ],
    );
    let addr = s.addr;
    let picture = digit(4);
    // splitmix64's step: neighbouring seeds start far apart (xorshift needs a non-zero state).
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let (mut requests, started) = (0, Instant::now());
    let mut seen = std::collections::BTreeMap::<u16, usize>::new();
    for n in 0..connections {
        let mut c = TcpStream::connect(addr).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        c.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
        let mut sent = Vec::new();
        for _ in 0..1 + rng.below(4) {
            sent.extend(one_request(&mut rng, addr, &picture));
            requests += 1;
        }
        // Some are cut off mid-request; the rest end with a half-close (so the server answers
        // all of them and closes, rather than waiting for more).
        if rng.chance(15) {
            sent.truncate(rng.below(sent.len()));
        }
        let _ = c.write_all(&sent);
        let _ = c.shutdown(Shutdown::Write);
        let mut received = Vec::new();
        let _ = c.read_to_end(&mut received);
        for code in statuses(&received) {
            *seen.entry(code).or_default() += 1;
            assert!(
                EXPECTED.contains(&code),
                "seed {seed}, connection {n}: status {code} for {:?}\n→ {:?}",
                String::from_utf8_lossy(&sent[..sent.len().min(600)]),
                String::from_utf8_lossy(&received[..received.len().min(600)])
            );
        }
        if n % 25 == 24 {
            let (code, r) = request(addr, "GET", "/api/state", b"");
            assert_eq!(code, 200, "seed {seed}, after connection {n}: {r}");
        }
    }
    assert!(
        s.child.try_wait().unwrap().is_none(),
        "seed {seed}: the server exited"
    );
    assert_eq!(request(addr, "GET", "/api/state", b"").0, 200);
    // What it saves loads, whatever it was taught.
    assert_eq!(request(addr, "POST", "/api/save", b"").0, 200);
    let o = common_predict(dir.path());
    assert!(o, "seed {seed}: the saved model does not load");
    eprintln!(
        "fuzz: seed {seed}, {connections} connections, {requests} requests, answers {seen:?}, {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// Whether `nnzero predict` reads a digit with the saved model.
fn common_predict(dir: &std::path::Path) -> bool {
    std::fs::write(dir.join("4.png"), digit(4)).unwrap();
    super::nnzero(dir, &["predict", "--model", "saved.nnz", "4.png"])
        .status
        .success()
}
