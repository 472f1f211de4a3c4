//! The real mipidsi ST7789 driver, set up as nnzero sets it up on a Pi, over a mock SPI bus
//! and DC pin: the init sequence, the address window and pixel bytes of a drawn region, and
//! a whole frame of the 240×240 layout decoded back from the bytes on the wire, with no
//! single transfer over spidev's 4096-byte limit.

use std::cell::RefCell;
use std::convert::Infallible;
use std::rc::Rc;

use embedded_graphics::pixelcolor::raw::ToBytes;
use embedded_graphics::pixelcolor::Rgb565;
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::Rectangle;
use embedded_hal::spi::{ErrorType, Operation, SpiDevice};
use embedded_hal_mock::eh1::delay::NoopDelay;
use embedded_hal_mock::eh1::digital::{Mock as PinMock, State, Transaction as PinT};
use embedded_hal_mock::eh1::spi::{Mock as SpiMock, Transaction as SpiT};
use nnzero::live::display::framebuffer::Framebuffer;
use nnzero::live::display::layout::SQUARE;
use nnzero::live::display::mipi::{self, SPI_CHUNK};
use nnzero::live::display::{Phase, Screen, Snapshot};

/// The datasheet's command bytes.
const SWRESET: u8 = 0x01;
const SLPOUT: u8 = 0x11;
const NORON: u8 = 0x13;
const INVON: u8 = 0x21;
const DISPON: u8 = 0x29;
const CASET: u8 = 0x2A;
const RASET: u8 = 0x2B;
const RAMWR: u8 = 0x2C;
const MADCTL: u8 = 0x36;
const COLMOD: u8 = 0x3A;

/// Expectations for one command: DC low, the command byte, DC high, its parameters.
fn command(spi: &mut Vec<SpiT<u8>>, dc: &mut Vec<PinT>, cmd: u8, params: &[u8]) {
    dc.push(PinT::set(State::Low));
    spi.extend([
        SpiT::transaction_start(),
        SpiT::write_vec(vec![cmd]),
        SpiT::transaction_end(),
    ]);
    dc.push(PinT::set(State::High));
    spi.extend([
        SpiT::transaction_start(),
        SpiT::write_vec(params.to_vec()),
        SpiT::transaction_end(),
    ]);
}

fn init_sequence(spi: &mut Vec<SpiT<u8>>, dc: &mut Vec<PinT>, madctl: u8) {
    command(spi, dc, SWRESET, &[]);
    command(spi, dc, SLPOUT, &[]);
    command(spi, dc, MADCTL, &[madctl]);
    // Inversion on: the HATs' IPS glass shows negatives without it.
    command(spi, dc, INVON, &[]);
    command(spi, dc, COLMOD, &[0x55]); // 16 bits per pixel, RGB565
    command(spi, dc, NORON, &[]);
    command(spi, dc, DISPON, &[]);
}

fn window(spi: &mut Vec<SpiT<u8>>, dc: &mut Vec<PinT>, x: (u16, u16), y: (u16, u16)) {
    let be = |a: u16, b: u16| [(a >> 8) as u8, a as u8, (b >> 8) as u8, b as u8];
    command(spi, dc, CASET, &be(x.0, x.1));
    command(spi, dc, RASET, &be(y.0, y.1));
    command(spi, dc, RAMWR, &[]);
}

/// Four pixels drawn as a 2×2 region at (10, 20) on a 240×240 panel turned by `rotate`.
fn draw_region(rotate: u16, madctl: u8, rows: (u16, u16)) {
    let colours = [
        Rgb565::RED,
        Rgb565::GREEN,
        Rgb565::BLUE,
        Rgb565::new(0x12, 0x34, 0x05),
    ];
    let (mut spi_x, mut dc_x) = (Vec::new(), Vec::new());
    init_sequence(&mut spi_x, &mut dc_x, madctl);
    window(&mut spi_x, &mut dc_x, (10, 11), rows);
    let bytes: Vec<u8> = colours.iter().flat_map(|c| c.to_be_bytes()).collect();
    assert_eq!(&bytes[..2], &[0xF8, 0x00], "RGB565 red, big-endian");
    spi_x.extend([
        SpiT::transaction_start(),
        SpiT::write_vec(bytes),
        SpiT::transaction_end(),
    ]);

    let spi = SpiMock::new(&spi_x);
    let dc = PinMock::new(&dc_x);
    let (mut spi_done, mut dc_done) = (spi.clone(), dc.clone());
    let mut buf = [0u8; SPI_CHUNK];
    let mut display = mipi::st7789(
        spi,
        dc,
        &mut buf,
        Size::new(240, 240),
        rotate,
        &mut NoopDelay::new(),
    )
    .expect("init");
    let area = Rectangle::new(Point::new(10, 20), Size::new(2, 2));
    display.fill_contiguous(&area, colours).expect("draw");
    // Every expected transaction happened, in order, and nothing else.
    spi_done.done();
    dc_done.done();
}

#[test]
fn st7789_init_window_and_pixels() {
    // 0°: MADCTL 0, rows 20..21 as drawn.
    draw_region(0, 0x00, (20, 21));
}

#[test]
fn st7789_240x240_upside_down_skips_the_unused_80_rows() {
    // 180°: MADCTL MY|MX; the 240-row glass sits at the far end of the 320-row memory.
    draw_region(180, 0xC0, (100, 101));
}

/// An SPI device and DC pin that record every write with the DC level it was made at.
#[derive(Clone, Default)]
struct Wire(Rc<RefCell<WireLog>>);

#[derive(Default)]
struct WireLog {
    dc_high: bool,
    writes: Vec<(bool, Vec<u8>)>,
}

impl ErrorType for Wire {
    type Error = Infallible;
}

impl SpiDevice for Wire {
    fn transaction(&mut self, ops: &mut [Operation<'_, u8>]) -> Result<(), Infallible> {
        let mut log = self.0.borrow_mut();
        for op in ops {
            if let Operation::Write(bytes) = op {
                let dc = log.dc_high;
                log.writes.push((dc, bytes.to_vec()));
            }
        }
        Ok(())
    }
}

struct Dc(Rc<RefCell<WireLog>>);

impl embedded_hal::digital::ErrorType for Dc {
    type Error = Infallible;
}

impl embedded_hal::digital::OutputPin for Dc {
    fn set_low(&mut self) -> Result<(), Infallible> {
        self.0.borrow_mut().dc_high = false;
        Ok(())
    }
    fn set_high(&mut self) -> Result<(), Infallible> {
        self.0.borrow_mut().dc_high = true;
        Ok(())
    }
}

/// Plays recorded writes into a 240×320 ST7789 memory (MADCTL 0 only): a tiny emulator.
fn replay(writes: &[(bool, Vec<u8>)]) -> Vec<Rgb565> {
    let mut memory = vec![Rgb565::BLACK; 240 * 320];
    let (mut cmd, mut params) = (0u8, Vec::new());
    let (mut cols, mut rows) = ((0usize, 0usize), (0usize, 0usize));
    let (mut x, mut y, mut pending) = (0usize, 0usize, None::<u8>);
    for (dc_high, bytes) in writes {
        if !dc_high {
            assert_eq!(bytes.len(), 1, "a command is one byte");
            (cmd, pending) = (bytes[0], None);
            params.clear();
            if cmd == RAMWR {
                (x, y) = (cols.0, rows.0);
            }
            continue;
        }
        if cmd != RAMWR {
            params.extend_from_slice(bytes);
            let be = |i: usize| ((params[i] as usize) << 8) | params[i + 1] as usize;
            if params.len() == 4 && cmd == CASET {
                cols = (be(0), be(2));
            }
            if params.len() == 4 && cmd == RASET {
                rows = (be(0), be(2));
            }
            continue;
        }
        for &b in bytes {
            let Some(hi) = pending.take() else {
                pending = Some(b);
                continue;
            };
            let raw = u16::from_be_bytes([hi, b]);
            let c = Rgb565::new(
                (raw >> 11) as u8,
                ((raw >> 5) & 0x3F) as u8,
                (raw & 0x1F) as u8,
            );
            assert!(y <= rows.1, "pixel past the address window");
            memory[y * 240 + x] = c;
            x += 1;
            if x > cols.1 {
                (x, y) = (cols.0, y + 1);
            }
        }
    }
    memory
}

fn training_snapshot(step: u64) -> Snapshot {
    let mut s = Snapshot {
        phase: Phase::Training {
            epoch: 2,
            epochs: 5,
        },
        label: Some(3),
        done: 31_415 + step,
        total: 60_000,
        right: 28_700 + step,
        seen: 31_415 + step,
        test: Some(0.9572),
        rate: Some(27_142.0),
        ..Snapshot::default()
    };
    for (i, p) in s.pixels.iter_mut().enumerate() {
        // A blob whose place moves with `step`, so consecutive frames differ in part.
        let (r, c) = ((i / 28) as i64, (i % 28) as i64);
        let (dr, dc) = (r - 14, c - 10 - step as i64);
        *p = if dr * dr + dc * dc < 30 { 255 } else { 0 };
    }
    s.outputs = [
        0.01,
        0.02,
        0.1,
        0.8 - 0.1 * step as f32,
        0.0,
        0.3,
        0.05,
        0.0,
        0.2,
        0.4,
    ];
    s
}

#[test]
fn a_whole_frame_on_the_wire_is_the_frame_and_fits_spidev() {
    let wire = Wire::default();
    let dc = Dc(Rc::clone(&wire.0));
    let mut buf = [0u8; SPI_CHUNK];
    let mut display = mipi::st7789(
        wire.clone(),
        dc,
        &mut buf,
        Size::new(240, 240),
        0,
        &mut NoopDelay::new(),
    )
    .expect("init");
    let mut screen = Screen::new(&SQUARE);
    let mut expected = Framebuffer::new(Size::new(240, 240), false);
    let mut reference = Screen::new(&SQUARE);
    let mut sent = Vec::new();
    for step in 0..3 {
        let snap = training_snapshot(step);
        wire.0.borrow_mut().writes.clear();
        screen.draw(&snap, &mut display).expect("draw");
        let Ok(()) = reference.draw(&snap, &mut expected);
        let writes = std::mem::take(&mut wire.0.borrow_mut().writes);
        let largest = writes.iter().map(|(_, b)| b.len()).max().unwrap_or(0);
        assert!(
            largest <= 4096,
            "a {largest}-byte transfer: spidev refuses it"
        );
        sent.extend(writes.iter().cloned());
        // The memory after all the frames so far holds exactly the reference frame.
        let memory = replay(&sent);
        for y in 0..240 {
            for x in 0..240 {
                let want = expected.pixel(Point::new(x, y)).unwrap();
                assert_eq!(
                    memory[y as usize * 240 + x as usize],
                    want,
                    "({x}, {y}) after frame {step}"
                );
            }
        }
        let bytes: usize = writes.iter().map(|(_, b)| b.len()).sum();
        if step == 0 {
            // The first frame fills the whole screen: at least 240×240×2 bytes.
            assert!(
                bytes >= 240 * 240 * 2,
                "first frame sent only {bytes} bytes"
            );
            assert_eq!(largest, 4096, "the clear goes out in full 4 KB chunks");
        } else {
            // Later frames send the change only: well under a third of a full frame.
            assert!(bytes < 240 * 240 * 2 / 3, "frame {step} sent {bytes} bytes");
        }
    }
}

/// The parameter bytes sent with `cmd` during set-up.
fn params_of(writes: &[(bool, Vec<u8>)], cmd: u8) -> Vec<u8> {
    let at = writes
        .iter()
        .position(|(dc, b)| !dc && b[..] == [cmd])
        .unwrap_or_else(|| panic!("command {cmd:#04x} never sent"));
    writes[at + 1].1.clone()
}

#[test]
fn ili9341_landscape_matches_the_usual_madctl() {
    for (rotate, madctl) in [(0, 0x28), (180, 0xE8)] {
        let wire = Wire::default();
        let dc = Dc(Rc::clone(&wire.0));
        let mut buf = [0u8; SPI_CHUNK];
        let display =
            mipi::ili9341(wire.clone(), dc, &mut buf, rotate, &mut NoopDelay::new()).expect("init");
        // MV (and MX|MY upside down) with BGR pixels: what Adafruit's and fbtft's drivers send.
        assert_eq!(
            params_of(&wire.0.borrow().writes, MADCTL),
            [madctl],
            "--rotate {rotate}"
        );
        assert_eq!(display.bounding_box().size, Size::new(320, 240));
    }
}

#[test]
fn st7789_320x240_is_landscape() {
    let wire = Wire::default();
    let dc = Dc(Rc::clone(&wire.0));
    let mut buf = [0u8; SPI_CHUNK];
    let display = mipi::st7789(
        wire.clone(),
        dc,
        &mut buf,
        Size::new(320, 240),
        0,
        &mut NoopDelay::new(),
    )
    .expect("init");
    assert_eq!(display.bounding_box().size, Size::new(320, 240));
    // MV|MX: the 240×320 controller turned a quarter clockwise.
    assert_eq!(params_of(&wire.0.borrow().writes, MADCTL), [0x60]);
}
