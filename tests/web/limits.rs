//! The server against clients that misbehave (issue 26): silent and half-sent connections,
//! stalled uploads, half-closed requests, live views that never read, and pages on other
//! origins or names. Each test failed on the server before these limits.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::process::Command;
use std::time::{Duration, Instant};

use nnzero::live::web::{
    BODY_IDLE, HEADER_TIMEOUT, MAX_BODIES_PER_CLIENT, MAX_BODY, MAX_EVENT_CLIENTS,
};

use super::{digit, json, raw, request, spawn, start, tiny_model};

fn connect(addr: SocketAddr) -> Option<TcpStream> {
    TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()
}

/// Everything the server sends until it closes, or `Err` if it is still open after `wait`.
fn read_until_closed(mut c: TcpStream, wait: Duration) -> Result<String, String> {
    c.set_read_timeout(Some(wait)).unwrap();
    let mut out = Vec::new();
    match c.read_to_end(&mut out) {
        Ok(_) => Ok(String::from_utf8_lossy(&out).into_owned()),
        // A reset is closed too.
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
            Ok(String::from_utf8_lossy(&out).into_owned())
        }
        Err(e) => Err(format!(
            "still open ({e}) with {:?}",
            String::from_utf8_lossy(&out)
        )),
    }
}

fn status(response: &str) -> u16 {
    response
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status in {response:?}"))
}

#[test]
fn a_half_sent_header_and_an_idle_keep_alive_are_closed_after_the_header_timeout() {
    let dir = tempfile::tempdir().unwrap();
    tiny_model(dir.path());
    let s = start(dir.path(), &["serve", "--model", "m.nnz"]);
    let started = Instant::now();
    let mut half = connect(s.addr).unwrap();
    half.write_all(b"GET /api/state HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .unwrap();
    let mut idle = connect(s.addr).unwrap();
    idle.write_all(b"GET /api/state HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    let wait = HEADER_TIMEOUT + Duration::from_secs(10);
    let half = std::thread::spawn(move || read_until_closed(half, wait));
    let answered = read_until_closed(idle, wait).unwrap();
    assert_eq!(status(&answered), 200, "{answered}");
    half.join().unwrap().unwrap();
    assert!(started.elapsed() >= HEADER_TIMEOUT - Duration::from_secs(1));
}

#[test]
fn a_request_whose_client_half_closes_is_still_answered() {
    let dir = tempfile::tempdir().unwrap();
    tiny_model(dir.path());
    let s = start(dir.path(), &["serve", "--model", "m.nnz"]);
    // Those answered from the blocking pool: the client's EOF arrives while they work.
    let picture = digit(7);
    let mut predict = format!(
        "POST /api/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n\r\n",
        picture.len()
    )
    .into_bytes();
    predict.extend_from_slice(&picture);
    for request in [
        predict,
        b"GET /api/backquery HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".to_vec(),
    ] {
        let mut c = connect(s.addr).unwrap();
        c.write_all(&request).unwrap();
        c.shutdown(Shutdown::Write).unwrap();
        let r = read_until_closed(c, Duration::from_secs(10)).unwrap();
        assert!(r.starts_with("HTTP/1.1 200"), "{r:.200}");
        assert!(json(&r).is_object());
    }
}

/// `nnzero serve --model m.nnz` in `dir` under `ulimit -n 128`: room for 64 connections.
fn serve_with_128_files(dir: &std::path::Path) -> super::Serving {
    let mut command = Command::new("sh");
    command
        .args(["-c", "ulimit -n 128 && exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_nnzero"))
        .args(["serve", "--model", "m.nnz", "--web", "127.0.0.1:0"])
        .current_dir(dir);
    spawn(command).0
}

#[test]
fn silent_connections_under_a_low_file_limit_cannot_lock_a_browser_out() {
    let dir = tempfile::tempdir().unwrap();
    tiny_model(dir.path());
    // Before the limits, 300 silent sockets took all 128 of the server's descriptors.
    let s = serve_with_128_files(dir.path());
    let mut silent = Vec::new();
    for i in 0..300 {
        if let Some(mut c) = connect(s.addr) {
            if i % 2 == 0 {
                let _ = c.write_all(b"GET /api/state HTTP/1.1\r\nHost: 127.0.0.1\r\n");
            }
            silent.push(c);
        }
    }
    assert!(silent.len() > 200, "only {} connected", silent.len());
    let started = Instant::now();
    let (code, r) = request(s.addr, "GET", "/api/state", b"");
    assert_eq!(code, 200, "{r}");
    assert!(started.elapsed() < Duration::from_secs(5));
    // And a picture is still read.
    assert_eq!(request(s.addr, "POST", "/api/predict", &digit(7)).0, 200);
}

#[test]
fn when_every_connection_is_busy_a_new_one_is_told_so() {
    let dir = tempfile::tempdir().unwrap();
    tiny_model(dir.path());
    // Room for 64 connections, each held by a live view here.
    let s = serve_with_128_files(dir.path());
    let mut views = Vec::new();
    for _ in 0..64 {
        let mut c = connect(s.addr).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        c.write_all(b"GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            .unwrap();
        let mut first = [0u8; 64];
        assert!(c.read(&mut first).unwrap() > 0);
        views.push(c);
    }
    let r = read_until_closed(connect(s.addr).unwrap(), Duration::from_secs(10)).unwrap();
    assert_eq!(status(&r), 503, "{r}");
    assert!(json(&r)["error"].as_str().unwrap().contains("busy"), "{r}");
    // One view closed: a place again, once the server notices (at the latest when the
    // stream's next keep-alive, 15 s on, finds the socket gone).
    drop(views.pop());
    let until = Instant::now() + Duration::from_secs(25);
    while request(s.addr, "GET", "/api/state", b"").0 != 200 {
        assert!(Instant::now() < until, "no place came back");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn stalled_uploads_hold_only_their_places_and_time_out() {
    let dir = tempfile::tempdir().unwrap();
    tiny_model(dir.path());
    let s = start(dir.path(), &["serve", "--model", "m.nnz"]);
    let head = format!(
        "POST /api/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {MAX_BODY}\r\n\r\n"
    );
    // All from this machine's one address: its share of the places.
    let stalled: Vec<TcpStream> = (0..MAX_BODIES_PER_CLIENT)
        .map(|_| {
            let mut c = connect(s.addr).unwrap();
            c.write_all(head.as_bytes()).unwrap();
            c.write_all(&vec![0u8; 1 << 20]).unwrap();
            c
        })
        .collect();
    let started = Instant::now();
    std::thread::sleep(Duration::from_millis(500));
    // One more upload from it is refused at once, before its body is read; the rest is
    // answered.
    let (code, r) = request(s.addr, "POST", "/api/predict", &digit(7));
    assert_eq!(code, 503, "{r}");
    assert!(json(&r)["error"].as_str().unwrap().contains("try again"));
    assert_eq!(request(s.addr, "GET", "/api/state", b"").0, 200);
    // The stalled ones are told so once nothing has come for BODY_IDLE.
    for c in stalled {
        let r = read_until_closed(c, BODY_IDLE + Duration::from_secs(10)).unwrap();
        assert_eq!(status(&r), 408, "{r}");
    }
    assert!(started.elapsed() >= BODY_IDLE - Duration::from_secs(1));
    // Their places are free again.
    assert_eq!(request(s.addr, "POST", "/api/predict", &digit(7)).0, 200);
}

#[test]
fn live_views_that_never_read_cannot_keep_a_browser_out() {
    let dir = tempfile::tempdir().unwrap();
    tiny_model(dir.path());
    let s = start(dir.path(), &["serve", "--model", "m.nnz"]);
    let follow = b"GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    let mut hogs = Vec::new();
    for _ in 0..MAX_EVENT_CLIENTS {
        let mut c = connect(s.addr).unwrap();
        c.write_all(follow).unwrap();
        hogs.push(c);
    }
    std::thread::sleep(Duration::from_millis(500));
    // A browser arriving now gets the live view (the oldest hog is closed to make room).
    let mut c = connect(s.addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    c.write_all(follow).unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&seen).contains("data: ") {
        let n = c.read(&mut buf).unwrap();
        assert!(n > 0, "closed: {}", String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&seen);
    assert_eq!(status(&text), 200, "{text}");
    // The oldest hog was the one closed.
    let first = read_until_closed(hogs.remove(0), Duration::from_secs(5));
    assert!(first.is_ok(), "{first:?}");
}

/// `request` with extra header lines (each ending in \r\n) and its own Host.
fn request_from(
    addr: SocketAddr,
    method: &str,
    path: &str,
    host: &str,
    headers: &str,
    body: &[u8],
) -> (u16, String) {
    let mut r = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\n{headers}Connection: close\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    raw(addr, &r)
}

#[test]
fn a_page_on_another_origin_cannot_teach_or_save() {
    let dir = tempfile::tempdir().unwrap();
    tiny_model(dir.path());
    let s = start(
        dir.path(),
        &[
            "serve",
            "--model",
            "m.nnz",
            "--teach",
            "--save",
            "taught.nnz",
        ],
    );
    let (a, host) = (s.addr, s.addr.to_string());
    let teach = "/api/teach?label=3&repeat=100";
    let other_port = format!("Origin: http://127.0.0.1:{}\r\n", a.port() + 1);
    let outputs = || json(&request(a, "POST", "/api/predict", &digit(1)).1)["outputs"].clone();
    let before = outputs();
    for foreign in [
        "Origin: http://evil.example\r\n",
        other_port.as_str(),
        "Origin: null\r\n",
        "Sec-Fetch-Site: cross-site\r\n",
    ] {
        let (code, r) = request_from(a, "POST", teach, &host, foreign, &digit(1));
        assert_eq!(code, 403, "{foreign}: {r}");
        assert!(json(&r)["error"].as_str().unwrap().contains("own page"));
        assert_eq!(
            request_from(a, "POST", "/api/save", &host, foreign, b"").0,
            403
        );
    }
    assert!(!dir.path().join("taught.nnz").exists());
    assert_eq!(outputs(), before, "a refused teach changed the model");
    // The page itself, and a program such as curl (no Origin), may.
    let own = format!("Origin: http://{host}\r\nSec-Fetch-Site: same-origin\r\n");
    assert_eq!(
        request_from(a, "POST", teach, &host, &own, &digit(1)).0,
        200
    );
    assert_eq!(
        request_from(a, "POST", "/api/save", &host, &own, b"").0,
        200
    );
    assert!(dir.path().join("taught.nnz").exists());
    assert_eq!(request(a, "POST", "/api/save", b"").0, 200);
}

#[test]
fn a_request_for_another_host_name_is_refused_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    tiny_model(dir.path());
    let s = start(
        dir.path(),
        &["serve", "--model", "m.nnz", "--allow-host", "pi.lan"],
    );
    let a = s.addr;
    // DNS rebinding: a page at evil.example:PORT whose name now points here.
    let evil = format!("evil.example:{}", a.port());
    let (code, r) = request_from(a, "GET", "/api/state", &evil, "", b"");
    assert_eq!(code, 403, "{r}");
    let message = json(&r)["error"].as_str().unwrap().to_owned();
    assert!(message.contains("--allow-host evil.example"), "{message}");
    assert_eq!(
        request_from(a, "GET", "/api/backquery", &evil, "", b"").0,
        403
    );
    for ok in [
        format!("pi.lan:{}", a.port()),
        "PI.LAN".to_owned(),
        format!("localhost:{}", a.port()),
        a.to_string(),
    ] {
        assert_eq!(
            request_from(a, "GET", "/api/state", &ok, "", b"").0,
            200,
            "{ok}"
        );
    }
}

#[test]
fn serve_with_save_holds_the_file_against_a_training_and_is_refused_while_one_holds_it() {
    let dir = tempfile::tempdir().unwrap();
    tiny_model(dir.path());
    let serve = [
        "serve",
        "--model",
        "m.nnz",
        "--teach",
        "--save",
        "taught.nnz",
    ];
    let s = start(dir.path(), &serve);
    let train = [
        "train",
        "--limit",
        "100",
        "--epochs",
        "1",
        "--hidden",
        "10",
        "--save",
        "taught.nnz",
    ];
    let o = super::nnzero(dir.path(), &train);
    super::common::assert_one_line_error(&o, "taught.nnz is in use by another nnzero run");
    drop(s);
    // And the other way round: a run holding the file keeps a server from saving there.
    let held = nnzero::run::RunLock::acquire(&[&dir.path().join("taught.nnz")]).unwrap();
    let mut args = serve.to_vec();
    args.extend(["--web", "127.0.0.1:0"]);
    let o = super::nnzero(dir.path(), &args);
    super::common::assert_one_line_error(&o, "taught.nnz is in use by another nnzero run");
    drop(held);
}
