//! Training with and without the live page open in five browsers: the trainer publishes to the
//! web server (`nnzero::live::web::Hub`, five snapshots a second) while five clients follow
//! `/api/events` over real TCP, reading every event. The page must not slow training by more
//! than 3 %.
//!
//! ```text
//! cargo bench --features web --bench web
//! cargo bench --features web --bench web -- --rounds 5 --clients 5 --block 2000
//! ```
//! Paired blocks, as in benches/display.rs: one epoch is cut into blocks of `--block` samples,
//! and every other block feeds the page (the order swapped from pair to pair), so both halves
//! see the same load from the rest of a shared machine. In the blocks that do not feed it the
//! server and the clients sit idle, as with no page at all.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use nnzero::dataset::Dataset;
use nnzero::digits::mnist::{scale_image, targets_into, CLASSES, HIDDEN, PIXELS};
use nnzero::live::web::{Hub, Mode, Server};
use nnzero::Network;

fn main() {
    let (mut rounds, mut clients, mut block) = (3u32, 5usize, 2000usize);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().and_then(|v| v.parse().ok());
        match a.as_str() {
            "--rounds" => rounds = value().unwrap_or(3) as u32,
            "--clients" => clients = value().unwrap_or(5),
            "--block" => block = value().unwrap_or(2000).max(1),
            _ => {} // cargo bench passes --bench
        }
    }
    let data = Dataset::bundled_train().unwrap_or_else(|e| panic!("{e}"));
    let mut samples = Vec::with_capacity(data.len());
    let mut stream = data.stream().unwrap_or_else(|e| panic!("{e}"));
    while let Some((label, pixels)) = stream.next_record().unwrap_or_else(|e| panic!("{e}")) {
        samples.push((label, pixels.to_vec()));
    }

    let mut hub = Hub::new(Mode::Train, 5.0);
    let server = Server::start(([127, 0, 0, 1], 0).into(), hub.feed(), None)
        .unwrap_or_else(|e| panic!("{e}"));
    let (events, bytes) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let readers: Vec<_> = (0..clients)
        .map(|_| {
            let (events, bytes) = (Arc::clone(&events), Arc::clone(&bytes));
            let addr = server.addr();
            std::thread::spawn(move || follow(addr, &events, &bytes))
        })
        .collect();
    let until = Instant::now() + Duration::from_secs(10);
    while server.followers() < clients && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(10));
    }
    println!(
        "web: {} clients following /api/events, {rounds} round(s) of one epoch ({} samples) in blocks of {block}",
        server.followers(),
        samples.len()
    );
    let mut ratios = Vec::new();
    for round in 1..=rounds {
        let (e0, b0) = (
            events.load(Ordering::Relaxed),
            bytes.load(Ordering::Relaxed),
        );
        let (on, off) = paired(&samples, &mut hub, block, round % 2 == 0);
        let half = samples.len() as f64 / 2.0;
        let ratio = on / off;
        ratios.push(ratio);
        println!(
            "  round {round}: page fed {on:6.3} s ({:>6.0}/s)  not fed {off:6.3} s ({:>6.0}/s)  {:+6.2} %  \
             [{} events, {:.0} KB received by the clients]",
            half / on,
            half / off,
            100.0 * (ratio - 1.0),
            events.load(Ordering::Relaxed) - e0,
            (bytes.load(Ordering::Relaxed) - b0) as f64 / 1e3,
        );
    }
    ratios.sort_by(f64::total_cmp);
    let median = ratios[ratios.len() / 2];
    println!(
        "web: median slowdown with {clients} clients {:+.2} % (limit +3 %): {}",
        100.0 * (median - 1.0),
        if median <= 1.03 { "ok" } else { "TOO SLOW" }
    );
    drop(hub);
    server.drain(Duration::from_secs(2));
    server.stop();
    for r in readers {
        let _ = r.join();
    }
}

/// A browser's EventSource: follows `/api/events`, counting events and bytes, until the end.
fn follow(addr: std::net::SocketAddr, events: &AtomicU64, bytes: &AtomicU64) {
    let Ok(mut s) = TcpStream::connect(addr) else {
        return eprintln!("web bench: cannot connect");
    };
    let _ = s.write_all(
        b"GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n",
    );
    let mut buf = vec![0u8; 64 << 10];
    while let Ok(n) = s.read(&mut buf) {
        if n == 0 {
            break;
        }
        bytes.fetch_add(n as u64, Ordering::Relaxed);
        let found = buf[..n].windows(6).filter(|w| w == b"data: ").count();
        events.fetch_add(found as u64, Ordering::Relaxed);
    }
}

/// One epoch in blocks, the page fed in every other block; returns (fed, not fed) seconds.
fn paired(samples: &[(u8, Vec<u8>)], hub: &mut Hub, block: usize, swap: bool) -> (f64, f64) {
    let mut net = Network::new(PIXELS, HIDDEN, CLASSES, 0.1, 1);
    let (mut x, mut t) = ([0.0f32; PIXELS], [0.0f32; CLASSES]);
    let (mut on, mut off) = (0.0, 0.0);
    hub.epoch_start(1, 1, samples.len() as u64);
    let mut trainer = net.trainer();
    for (b, chunk) in samples.chunks(block).enumerate() {
        let fed = (b % 2 == 0) ^ ((b / 2) % 2 == 1) ^ swap;
        let start = Instant::now();
        for (j, (label, pixels)) in chunk.iter().enumerate() {
            scale_image(pixels, &mut x);
            targets_into(*label, &mut t);
            let outputs = trainer.train(&x, &t);
            if fed {
                hub.sample((b * block + j) as u64, *label, pixels, outputs);
            }
        }
        let took = start.elapsed().as_secs_f64();
        if fed {
            on += took;
        } else {
            off += took;
        }
    }
    trainer.finish();
    (on, off)
}
