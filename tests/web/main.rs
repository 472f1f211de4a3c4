//! `nnzero serve` and `train --web` over real HTTP: every endpoint, the refused requests
//! (oversized, malformed, traversal, teaching when it is off), and the server still answering
//! after each. The browser itself is tested by tests/web/browser.py (the CI's web stage).

#[path = "../common/mod.rs"]
mod common;
mod fuzz;
mod limits;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{assert_ok, epoch_accuracies, nnzero, stderr, wait_blocked_writing};

/// A server process, killed when dropped.
struct Serving {
    child: Child,
    addr: SocketAddr,
    /// The rest of what it prints on stderr, read as it comes so it never blocks on the pipe.
    rest: Option<std::thread::JoinHandle<String>>,
}

impl Serving {
    /// Sends `signal` (as `kill -SIGNAL`) and waits: its exit code and the rest of stderr.
    fn stop(mut self, signal: &str) -> (Option<i32>, String) {
        let ok = Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
        let code = self.child.wait().unwrap().code();
        (code, self.rest.take().unwrap().join().unwrap())
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `nnzero ARGS --web 127.0.0.1:0` in `dir` and reads the address it listens on.
fn start(dir: &Path, args: &[&str]) -> Serving {
    start_at(dir, args, "127.0.0.1:0").0
}

/// Starts `nnzero ARGS --web WEB` in `dir`; returns it with the lines it printed up to and
/// including the last that says where to open the page, listening at the first URL printed.
fn start_at(dir: &Path, args: &[&str], web: &str) -> (Serving, Vec<String>) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_nnzero"));
    command.args(args).args(["--web", web]).current_dir(dir);
    spawn(command)
}

/// Runs `command` (an `nnzero … --web ADDR`) as [`start_at`] does.
fn spawn(mut command: Command) -> (Serving, Vec<String>) {
    let child = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run nnzero");
    // Owned at once, so that a failed assertion below still kills and waits for it.
    let mut serving = Serving {
        child,
        addr: SocketAddr::from(([0, 0, 0, 0], 0)),
        rest: None,
    };
    let mut err = BufReader::new(serving.child.stderr.take().unwrap());
    let mut lines = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        assert!(
            err.read_line(&mut line).unwrap() > 0,
            "no address printed: {lines:?}"
        );
        lines.push(line.trim_end().to_owned());
        if let Some(rest) = line.strip_prefix("web: open http://") {
            if serving.addr.port() == 0 {
                let addr = rest.split_once("/ ").map_or(rest, |(a, _)| a);
                serving.addr = addr.parse().unwrap_or_else(|e| panic!("{addr}: {e}"));
            }
            // The last line: this machine's own URL ("in a browser", or "… on this machine").
            if line.trim_end().ends_with("in a browser")
                || line.trim_end().ends_with("on this machine")
            {
                serving.rest = Some(std::thread::spawn(move || {
                    let mut rest = String::new();
                    let _ = err.read_to_string(&mut rest);
                    rest
                }));
                return (serving, lines);
            }
        }
    }
}

/// Sends raw bytes, returns (status, headers and body as text).
fn raw(addr: SocketAddr, request: &[u8]) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    // The server may answer (413) and close before all of an oversized body is sent.
    let _ = s.write_all(request);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status in {text:?}"));
    (status, text)
}

fn request(addr: SocketAddr, method: &str, path: &str, body: &[u8]) -> (u16, String) {
    let mut r = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    raw(addr, &r)
}

fn body(response: &str) -> &str {
    response.split("\r\n\r\n").nth(1).unwrap_or("")
}

fn json(response: &str) -> serde_json::Value {
    serde_json::from_str(body(response)).unwrap_or_else(|e| panic!("{e}: {response}"))
}

fn trained_model(dir: &Path) {
    let o = nnzero(
        dir,
        &[
            "train", "--limit", "6000", "--epochs", "1", "--hidden", "50", "--save", "m.nnz",
        ],
    );
    assert_ok(&o);
}

fn digit(n: usize) -> Vec<u8> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/handwriting/tune");
    let name = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .find(|f| f.starts_with(&format!("{n:04}_")))
        .unwrap();
    std::fs::read(dir.join(name)).unwrap()
}

/// Follows `/api/events` until the run ends (the program exits and the stream closes).
fn follow(addr: SocketAddr) -> Vec<serde_json::Value> {
    let mut ev = TcpStream::connect(addr).unwrap();
    ev.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    ev.write_all(b"GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    let mut reader = BufReader::new(ev);
    let (mut line, mut snaps) = (String::new(), Vec::new());
    while reader.read_line(&mut line).unwrap_or(0) > 0 {
        if let Some(data) = line.strip_prefix("data: ") {
            snaps.push(serde_json::from_str::<serde_json::Value>(data).unwrap());
        }
        line.clear();
    }
    snaps
}

#[test]
fn serve_answers_every_endpoint_and_refuses_what_it_should() {
    let dir = tempfile::tempdir().unwrap();
    trained_model(dir.path());
    let s = start(dir.path(), &["serve", "--model", "m.nnz"]);
    let a = s.addr;
    assert!(a.ip().is_loopback());

    let (code, page) = request(a, "GET", "/", b"");
    assert_eq!(code, 200);
    assert!(page.contains("text/html") && page.contains("<canvas id=\"pad\""));
    for path in ["/app.js", "/style.css", "/favicon.svg"] {
        assert_eq!(request(a, "GET", path, b"").0, 200, "{path}");
    }
    // Only its own files: no path reaches the file system.
    for path in [
        "/../Cargo.toml",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/assets/web/app.js",
        "//etc/passwd",
        "/m.nnz",
    ] {
        assert_eq!(request(a, "GET", path, b"").0, 404, "{path}");
    }

    let state = json(&request(a, "GET", "/api/state", b"").1);
    assert_eq!(state["mode"], "serve");
    assert_eq!(state["model"], "784-50-10");
    assert_eq!(state["teach"], false);

    // A handwritten 7 from the repository's own set.
    let (code, r) = request(a, "POST", "/api/predict", &digit(7));
    assert_eq!(code, 200, "{r}");
    let p = json(&r);
    assert_eq!(p["outputs"].as_array().unwrap().len(), 10);
    assert_eq!(p["prepared"].as_array().unwrap().len(), 784);
    let d = p["digit"].as_u64().unwrap() as usize;
    let conf = p["confidence"].as_f64().unwrap();
    assert_eq!(conf, p["outputs"][d].as_f64().unwrap());
    // The state now shows that digit.
    assert_eq!(json(&request(a, "GET", "/api/state", b"").1)["answer"], d);

    // Refused: garbage, nothing, too much, teaching and saving while off, bad query.
    assert_eq!(request(a, "POST", "/api/predict", b"not a picture").0, 422);
    assert_eq!(request(a, "POST", "/api/predict", b"").0, 400);
    let (code, _) = request(a, "POST", "/api/predict", &vec![0u8; 11 << 20]);
    assert_eq!(code, 413);
    assert_eq!(request(a, "POST", "/api/teach?label=7", &digit(7)).0, 403);
    assert_eq!(request(a, "POST", "/api/save", b"").0, 403);
    assert_eq!(request(a, "GET", "/api/weights?count=0", b"").0, 400);
    assert_eq!(request(a, "GET", "/api/predict", b"").0, 405);
    // Not HTTP at all.
    assert_eq!(raw(a, b"HELLO\r\n\r\n").0, 400);

    // Still answering.
    let bq = json(&request(a, "GET", "/api/backquery", b"").1);
    assert_eq!(bq["digits"].as_array().unwrap().len(), 10);
    let w = json(&request(a, "GET", "/api/weights?count=5", b"").1);
    assert_eq!(w["tiles"].as_array().unwrap().len(), 5);
    assert_eq!(w["tiles"][0].as_array().unwrap().len(), 784);

    // Server-sent events: the current snapshot at once, as one `data:` line.
    let mut ev = TcpStream::connect(a).unwrap();
    ev.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    ev.write_all(b"GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    let mut reader = BufReader::new(ev);
    let mut line = String::new();
    while !line.starts_with("data: ") {
        line.clear();
        assert!(reader.read_line(&mut line).unwrap() > 0);
        if line.starts_with("HTTP/1.1") {
            assert!(line.contains("200"), "{line}");
        }
    }
    let snap: serde_json::Value = serde_json::from_str(&line["data: ".len()..]).unwrap();
    assert_eq!(snap["mode"], "serve");
}

#[test]
fn teaching_changes_the_answer_and_saves_atomically() {
    let dir = tempfile::tempdir().unwrap();
    trained_model(dir.path());
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
    let a = s.addr;
    let before = json(&request(a, "POST", "/api/predict", &digit(3)).1);
    // Teach it that this 3 is a 5, firmly: the answer must change to 5.
    let (code, r) = request(a, "POST", "/api/teach?label=5&repeat=30", &digit(3));
    assert_eq!(code, 200, "{r}");
    let t = json(&r);
    assert_eq!(t["before"]["digit"], before["digit"]);
    assert_eq!(t["after"]["digit"], 5);
    assert!(t["after"]["outputs"][5].as_f64() > t["before"]["outputs"][5].as_f64());
    assert_eq!(request(a, "POST", "/api/teach?label=12", &digit(3)).0, 400);
    assert_eq!(request(a, "POST", "/api/teach?label=x", &digit(3)).0, 400);
    assert_eq!(
        request(a, "POST", "/api/teach?label=5&repeat=1000", &digit(3)).0,
        400
    );
    assert!(!dir.path().join("taught.nnz").exists());
    let (code, r) = request(a, "POST", "/api/save", b"");
    assert_eq!(code, 200, "{r}");
    assert_eq!(json(&r)["saved"], "taught.nnz");
    // The saved model reads the picture as it was taught.
    std::fs::write(dir.path().join("three.png"), digit(3)).unwrap();
    let o = nnzero(
        dir.path(),
        &["predict", "--model", "taught.nnz", "three.png"],
    );
    assert_ok(&o);
    assert!(common::stdout(&o).contains('5'), "{}", common::stdout(&o));
}

#[test]
fn train_web_streams_the_run_and_refuses_the_model_api() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(
        dir.path(),
        &[
            "train", "--limit", "20000", "--epochs", "2", "--hidden", "20", "--save", "m.nnz",
        ],
    );
    let a = s.addr;
    assert_eq!(request(a, "POST", "/api/predict", &digit(1)).0, 404);
    assert_eq!(request(a, "POST", "/api/teach?label=1", &digit(1)).0, 404);
    let snaps = follow(a);
    let phases: Vec<&str> = snaps.iter().map(|s| s["phase"].as_str().unwrap()).collect();
    assert!(
        phases.contains(&"training") && phases.contains(&"testing"),
        "{phases:?}"
    );
    assert_eq!(*phases.last().unwrap(), "trained", "{phases:?}");
    let last = snaps.last().unwrap();
    assert_eq!(last["curve"]["test"].as_array().unwrap().len(), 2);
    assert!(last["test"].as_f64().unwrap() > 0.5);
    // Each update is newer than the last.
    let seqs: Vec<u64> = snaps.iter().map(|s| s["seq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
}

#[test]
fn a_port_in_use_is_one_error_line() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let o = nnzero(dir.path(), &["train", "--limit", "10", "--web", &port]);
    // A failure, not a mistake in the command: exit 1 (it was 2, the usage code).
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("cannot listen on 127.0.0.1:"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.path().join("model.nnz").exists());
}

/// A run stopped by Ctrl-C in its second epoch and resumed with `--web`: the page's curve
/// still holds epoch 1, which the resumed run never scores itself (it reaches the page only
/// through the observer's `resumed`).
#[test]
fn train_web_after_a_resume_keeps_the_epochs_before_the_stop() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let run = [
        "train",
        "--limit",
        "20000",
        "--epochs",
        "3",
        "--hidden",
        "20",
        "--save",
        "m.nnz",
        "--checkpoint-every",
        "5",
    ];
    // stdout is a pipe kept full, so the run blocks writing epoch 1's line; Ctrl-C then, and
    // draining the pipe lets it stop at the next image, early in epoch 2.
    let (mut reader, mut writer) = std::io::pipe().unwrap();
    let child_out = writer.try_clone().unwrap();
    let filler = std::thread::spawn(move || {
        let block = [b'#'; 4096];
        while writer.write_all(&block).is_ok() {}
    });
    let mut child = Command::new(env!("CARGO_BIN_EXE_nnzero"))
        .args(run)
        .current_dir(d)
        .stdout(child_out)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_blocked_writing(child.id());
    let ok = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    let stop = Arc::new(AtomicBool::new(false));
    let drain = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let (mut buf, mut text) = ([0u8; 4096], Vec::new());
            while !stop.load(Ordering::Relaxed) {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => text.extend(buf[..n].iter().filter(|&&b| b != b'#')),
                }
            }
            String::from_utf8(text).unwrap()
        })
    };
    let status = child.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    let stdout = drain.join().unwrap();
    filler.join().unwrap();
    assert_eq!(status.code(), Some(130), "{stdout}");
    assert!(!stdout.contains("epoch 2/3"), "{stdout}");
    let first = epoch_accuracies(&stdout)[0].0 / 100.0;

    let mut resumed = run.to_vec();
    resumed.push("--resume");
    let s = start(d, &resumed);
    let last = follow(s.addr).pop().unwrap();
    let test = last["curve"]["test"].as_array().unwrap();
    let epochs: Vec<f64> = test.iter().map(|p| p[0].as_f64().unwrap()).collect();
    assert_eq!(epochs, [1.0, 2.0, 3.0], "{last}");
    assert!(
        (test[0][1].as_f64().unwrap() - first).abs() < 2e-4,
        "{last}, {first}"
    );
    assert_eq!(last["phase"], "trained");
}

/// A model to serve when what it answers does not matter.
fn tiny_model(dir: &Path) {
    let o = nnzero(
        dir,
        &[
            "train", "--limit", "100", "--epochs", "1", "--hidden", "10", "--save", "m.nnz",
        ],
    );
    assert_ok(&o);
}

/// Sends one request to a fresh `serve` and checks the answer is `status` with a JSON body
/// `{"error": "…"}` and a JSON content type.
fn error_is_json(method: &str, path: &str, body: &[u8], status: u16) -> String {
    let dir = tempfile::tempdir().unwrap();
    tiny_model(dir.path());
    let s = start(dir.path(), &["serve", "--model", "m.nnz"]);
    let (code, r) = request(s.addr, method, path, body);
    assert_eq!(code, status, "{r}");
    let head = r.split("\r\n\r\n").next().unwrap().to_ascii_lowercase();
    assert!(
        head.contains("\r\ncontent-type: application/json"),
        "{head}"
    );
    let message = json(&r)["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no error message: {r}"))
        .to_owned();
    assert!(!message.is_empty(), "{r}");
    message
}

#[test]
fn a_body_too_large_is_a_json_413() {
    let m = error_is_json("POST", "/api/predict", &vec![0u8; 11 << 20], 413);
    assert!(m.contains("10 MiB"), "{m}");
}

#[test]
fn a_wrong_method_is_a_json_405() {
    let m = error_is_json("GET", "/api/predict", b"", 405);
    assert!(m.contains("GET /api/predict: method not allowed"), "{m}");
}

#[test]
fn a_missing_page_is_a_json_404() {
    error_is_json("GET", "/nothing-here", b"", 404);
}

#[test]
fn a_picture_that_is_not_one_is_a_json_422() {
    error_is_json("POST", "/api/predict", b"not a picture", 422);
}

#[test]
fn an_empty_body_is_a_json_400() {
    error_is_json("POST", "/api/predict", b"", 400);
}

#[test]
fn serve_listens_on_localhost_and_ipv6_loopback() {
    let dir = tempfile::tempdir().unwrap();
    tiny_model(dir.path());
    for web in ["localhost:0", "[::1]:0"] {
        let (s, lines) = start_at(dir.path(), &["serve", "--model", "m.nnz"], web);
        assert!(s.addr.ip().is_loopback(), "{web}: {lines:?}");
        let (code, r) = request(s.addr, "GET", "/api/state", b"");
        assert_eq!(code, 200, "{web}: {r}");
    }
}

/// `--web 0.0.0.0:PORT` prints the URLs a phone on the network can open, never 0.0.0.0.
#[test]
fn serve_on_every_interface_prints_urls_a_phone_can_open() {
    let dir = tempfile::tempdir().unwrap();
    tiny_model(dir.path());
    let (s, lines) = start_at(dir.path(), &["serve", "--model", "m.nnz"], "0.0.0.0:0");
    let text = lines.join("\n");
    println!("{text}");
    assert!(!text.contains("0.0.0.0"), "{text}");
    let urls: Vec<SocketAddr> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("web: open http://"))
        .filter_map(|rest| rest.split_once("/ ").map(|(a, _)| a.parse().unwrap()))
        .collect();
    let network: Vec<&SocketAddr> = urls.iter().filter(|a| !a.ip().is_loopback()).collect();
    if network.is_empty() {
        assert!(
            text.contains("no network address besides loopback"),
            "{text}"
        );
    }
    // Each URL printed answers (this machine's network addresses reach it too).
    for at in &urls {
        assert_eq!(at.port(), s.addr.port(), "{text}");
        assert_eq!(request(*at, "GET", "/api/state", b"").0, 200, "{at}");
    }
    assert!(urls.iter().any(|a| a.ip().is_loopback()), "{text}");
}

/// Teaches `serve --teach` one digit, then stops it with SIGTERM: its exit code and what it
/// printed as it stopped.
fn teach_then_terminate(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let mut all = vec!["serve", "--model", "m.nnz", "--teach"];
    all.extend_from_slice(args);
    let s = start(dir, &all);
    let (code, r) = request(s.addr, "POST", "/api/teach?label=5&repeat=10", &digit(3));
    assert_eq!(code, 200, "{r}");
    s.stop("TERM")
}

#[test]
fn serve_teach_saves_taught_digits_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    tiny_model(d);
    let (code, err) = teach_then_terminate(d, &["--save", "taught.nnz"]);
    assert_eq!(code, Some(143), "{err}");
    assert!(err.contains("saved 1 taught digit to taught.nnz"), "{err}");
    let (untaught, taught) = (
        std::fs::read(d.join("m.nnz")).unwrap(),
        std::fs::read(d.join("taught.nnz")).unwrap(),
    );
    assert_eq!(untaught.len(), taught.len());
    assert_ne!(untaught, taught, "the taught model is the start model");
    // A model the program reads.
    std::fs::write(d.join("three.png"), digit(3)).unwrap();
    assert_ok(&nnzero(
        d,
        &["predict", "--model", "taught.nnz", "three.png"],
    ));
    // Saved already and nothing taught since: nothing to say but that it stopped.
    let s = start(
        d,
        &["serve", "--model", "m.nnz", "--teach", "--save", "t2.nnz"],
    );
    let (code, err) = s.stop("INT");
    assert_eq!(code, Some(130), "{err}");
    assert!(!d.join("t2.nnz").exists(), "{err}");
}

#[test]
fn serve_teach_without_save_warns_what_sigterm_loses() {
    let dir = tempfile::tempdir().unwrap();
    tiny_model(dir.path());
    let (code, err) = teach_then_terminate(dir.path(), &[]);
    assert_eq!(code, Some(143), "{err}");
    assert!(
        err.contains("warning:") && err.contains("1 taught digit since the start lost"),
        "{err}"
    );
}

/// Issue 24: with a deskewing model the API's `prepared` is the picture the network reads,
/// stood upright, not the picture before deskewing (the page draws it).
#[test]
fn the_api_shows_the_deskewed_digit_a_deskewing_model_reads() {
    let dir = tempfile::tempdir().unwrap();
    let o = nnzero(
        dir.path(),
        &[
            "train",
            "--augment",
            "--limit",
            "2000",
            "--epochs",
            "1",
            "--hidden",
            "20",
            "--save",
            "d.nnz",
        ],
    );
    assert_ok(&o);
    let leaning = common::pictures::leaning_one();
    let mut png = Vec::new();
    leaning
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let prepared = nnzero::prepare::prepare_bytes(&png, nnzero::prepare::Limits::default())
        .unwrap()
        .pixels;
    let mut upright = [0u8; 784];
    nnzero::digits::deskew::deskew(&prepared, &mut upright, 28);
    assert_ne!(prepared, upright);

    let s = start(dir.path(), &["serve", "--model", "d.nnz"]);
    let (code, r) = request(s.addr, "POST", "/api/predict", &png);
    assert_eq!(code, 200, "{r}");
    let p = json(&r);
    let shown: Vec<u8> = p["prepared"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as u8)
        .collect();
    assert_eq!(shown, upright.to_vec());
    assert_eq!(p["deskewed"], true);
}
