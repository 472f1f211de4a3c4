//! Training with and without a live screen, on a simulated 240×240 ST7789 at 32 MHz SPI that
//! takes as long as the real one to receive what is drawn (0.5 µs per pixel, about 30 ms per
//! full frame, plus 50 µs per address window), in turns within one run: the screen must not
//! slow training by more than 3 %.
//!
//! ```text
//! cargo bench --features display --bench display
//! cargo bench --features display --bench display -- --rounds 5 --fps 4 --panel sleep|spin
//! ```
//! `--panel sleep` (default): the simulated transfer sleeps, as a thread blocked in spidev
//! does while DMA sends the bytes; `spin` busy-waits, a core kept busy for the whole transfer.

use nnzero::dataset::Dataset;

fn main() {
    let (mut rounds, mut fps, mut spin) = (3u32, 4.0f32, false);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--rounds" => rounds = args.next().and_then(|v| v.parse().ok()).unwrap_or(3),
            "--fps" => fps = args.next().and_then(|v| v.parse().ok()).unwrap_or(4.0),
            "--panel" => spin = args.next().is_some_and(|v| v == "spin"),
            _ => {} // cargo bench passes --bench
        }
    }
    let data = Dataset::bundled_train().unwrap_or_else(|e| panic!("{e}"));
    let mut samples = Vec::with_capacity(data.len());
    let mut stream = data.stream().unwrap_or_else(|e| panic!("{e}"));
    while let Some((label, pixels)) = stream.next_record().unwrap_or_else(|e| panic!("{e}")) {
        samples.push((label, pixels.to_vec()));
    }
    display::compare(&samples, rounds, fps, spin);
}

/// Training with and without a live screen on a simulated ST7789, in the same run.
mod display {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use embedded_graphics::pixelcolor::Rgb565;
    use embedded_graphics::prelude::*;
    use embedded_graphics::primitives::Rectangle;
    use embedded_graphics::Pixel;
    use nnzero::digits::mnist::{scale_image, targets_into, CLASSES, HIDDEN, PIXELS};
    use nnzero::live::display::{Live, Panel, PanelError, Warn};
    use nnzero::Network;

    /// 16 bits at 32 MHz.
    const PER_PIXEL: Duration = Duration::from_nanos(500);
    /// CASET, RASET and RAMWR with their parameters: six small spidev ioctls.
    const PER_WINDOW: Duration = Duration::from_micros(50);

    /// A 240×240 panel that takes as long as an ST7789 at 32 MHz to take in what is drawn.
    struct SimulatedSt7789 {
        spin: bool,
        pixels: Arc<AtomicU64>,
        busy: Arc<AtomicU64>,
    }

    impl SimulatedSt7789 {
        fn send(&mut self, pixels: u64) {
            let t = PER_WINDOW + PER_PIXEL * pixels as u32;
            let start = Instant::now();
            if self.spin {
                let until = Instant::now() + t;
                while Instant::now() < until {
                    std::hint::spin_loop();
                }
            } else {
                std::thread::sleep(t);
            }
            self.pixels.fetch_add(pixels, Ordering::Relaxed);
            // The time really spent "on the bus", oversleeping included, so that drawing
            // time less this is the drawing thread's own work.
            self.busy
                .fetch_add(start.elapsed().as_nanos() as u64, Ordering::Relaxed);
        }
    }

    impl OriginDimensions for SimulatedSt7789 {
        fn size(&self) -> Size {
            Size::new(240, 240)
        }
    }

    impl DrawTarget for SimulatedSt7789 {
        type Color = Rgb565;
        type Error = PanelError;
        fn draw_iter<I: IntoIterator<Item = Pixel<Rgb565>>>(
            &mut self,
            it: I,
        ) -> Result<(), PanelError> {
            // Pixel by pixel, each is its own window (mipidsi batches runs; this is the worst case).
            let n = it.into_iter().map(std::hint::black_box).count() as u64;
            for _ in 0..n {
                self.send(1);
            }
            Ok(())
        }
        fn fill_contiguous<I: IntoIterator<Item = Rgb565>>(
            &mut self,
            area: &Rectangle,
            colors: I,
        ) -> Result<(), PanelError> {
            // The colours are computed, as they would be to go on the wire.
            let n = colors.into_iter().map(std::hint::black_box).count() as u64;
            self.send(n.min(area.size.width as u64 * area.size.height as u64));
            Ok(())
        }
        fn fill_solid(&mut self, area: &Rectangle, _: Rgb565) -> Result<(), PanelError> {
            self.send(area.size.width as u64 * area.size.height as u64);
            Ok(())
        }
    }

    impl Panel for SimulatedSt7789 {}

    fn epoch(samples: &[(u8, Vec<u8>)], mut live: Option<&mut Live>) -> f64 {
        let mut net = Network::new(PIXELS, HIDDEN, CLASSES, 0.1, 1);
        let (mut x, mut t) = ([0.0f32; PIXELS], [0.0f32; CLASSES]);
        let start = Instant::now();
        if let Some(l) = live.as_deref_mut() {
            l.epoch_start(1, 1, samples.len() as u64);
        }
        let mut trainer = net.trainer();
        for (i, (label, pixels)) in samples.iter().enumerate() {
            scale_image(pixels, &mut x);
            targets_into(*label, &mut t);
            let outputs = trainer.train(&x, &t);
            if let Some(l) = live.as_deref_mut() {
                l.sample(i as u64, *label, pixels, outputs);
            }
        }
        trainer.finish();
        start.elapsed().as_secs_f64()
    }

    /// One epoch in blocks of `block` samples, the live screen fed in every other block (the
    /// order swapped from pair to pair): the two halves see the same load from the rest of the
    /// machine, so their ratio holds still where whole-epoch timings swing by tens of percent.
    fn paired(samples: &[(u8, Vec<u8>)], live: &mut Live, block: usize) -> (f64, f64) {
        let mut net = Network::new(PIXELS, HIDDEN, CLASSES, 0.1, 1);
        let (mut x, mut t) = ([0.0f32; PIXELS], [0.0f32; CLASSES]);
        let (mut on, mut off) = (0.0, 0.0);
        live.epoch_start(1, 1, samples.len() as u64);
        let mut trainer = net.trainer();
        for (b, chunk) in samples.chunks(block).enumerate() {
            let shown = (b % 2 == 0) ^ ((b / 2) % 2 == 1);
            let start = Instant::now();
            for (j, (label, pixels)) in chunk.iter().enumerate() {
                scale_image(pixels, &mut x);
                targets_into(*label, &mut t);
                let outputs = trainer.train(&x, &t);
                if shown {
                    live.sample((b * block + j) as u64, *label, pixels, outputs);
                }
            }
            let took = start.elapsed().as_secs_f64();
            if shown {
                on += took;
            } else {
                off += took;
            }
        }
        trainer.finish();
        (on, off)
    }

    fn median(v: &mut [f64]) -> f64 {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    }

    pub fn compare(samples: &[(u8, Vec<u8>)], rounds: u32, fps: f32, spin: bool) {
        let n = samples.len() as f64;
        println!(
            "display: simulated 240x240 ST7789 at 32 MHz ({}), --fps {fps}, {rounds} round(s)",
            if spin { "spinning" } else { "sleeping" }
        );
        let warn: Warn = Arc::new(|m: &str| eprintln!("warning: {m}"));
        let open = |pixels: &Arc<AtomicU64>, busy: &Arc<AtomicU64>| {
            let panel = SimulatedSt7789 {
                spin,
                pixels: Arc::clone(pixels),
                busy: Arc::clone(busy),
            };
            Live::with_panel(panel, fps, Arc::clone(&warn))
        };
        let (mut without, mut with, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for round in 1..=rounds {
            let (pixels, busy) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
            let mut live = match open(&pixels, &busy) {
                Ok(l) => l,
                Err(e) => return eprintln!("display bench: {e}"),
            };
            // Which goes first alternates, so a machine warming up or calming down favours
            // neither.
            let (plain, shown) = if round % 2 == 1 {
                let plain = epoch(samples, None);
                (plain, epoch(samples, Some(&mut live)))
            } else {
                let shown = epoch(samples, Some(&mut live));
                (epoch(samples, None), shown)
            };
            let stats = live.finish(None);
            let (frames, drawing) = (stats.frames, stats.drawing);
            let bus = busy.load(Ordering::Relaxed) as f64 * 1e-9;
            // Drawing time less the simulated bus time: the CPU work of drawing, which on a
            // one-core Pi Zero would come out of training.
            let render = (drawing.as_secs_f64() - bus).max(0.0);
            println!(
                "  epoch {round}: without {plain:6.3} s ({:>6.0}/s)  with {shown:6.3} s ({:>6.0}/s)  \
                 {:+6.2} %  [{frames} frames, {:.0} px/frame, bus {bus:.3} s, drawing CPU {:.2} ms = {:.3} % of the epoch]",
                n / plain,
                n / shown,
                100.0 * (shown / plain - 1.0),
                pixels.load(Ordering::Relaxed) as f64 / frames.max(1) as f64,
                render * 1e3,
                100.0 * render / shown,
            );
            without.push(plain);
            with.push(shown);

            let (pixels, busy) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
            let mut live = match open(&pixels, &busy) {
                Ok(l) => l,
                Err(e) => return eprintln!("display bench: {e}"),
            };
            let (on, off) = paired(samples, &mut live, 1000);
            let frames = live.finish(None).frames;
            println!(
                "  paired {round}: blocks with the screen {on:6.3} s, without {off:6.3} s: \
                 {:+6.2} %  [{frames} frames]",
                100.0 * (on / off - 1.0)
            );
            ratios.push(on / off);
        }
        let best = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
        println!(
            "  best epoch: without {:.3} s, with {:.3} s: {:+.2} %; median paired: {:+.2} %",
            best(&without),
            best(&with),
            100.0 * (best(&with) / best(&without) - 1.0),
            100.0 * (median(&mut ratios) - 1.0)
        );
    }
}
