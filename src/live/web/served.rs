//! The model behind `nnzero serve`: read a picture, teach it a label, save it, look inside.
//!
//! Pictures are decoded with [`crate::prepare`]'s limits, exactly as `nnzero predict` reads a
//! file; the network sits behind a mutex because teaching changes it while others read.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use serde_json::{json, Value};

use super::hub::{round4, Hub, Mode};
use crate::digits::mnist::{argmax, targets_into};
use crate::infer::test_time::as_read;
use crate::prepare::{
    count_digits_bytes, prepare_bytes, read_number_bytes, Limits, NumberError, PrepareError,
    Prepared,
};
use crate::{format::model, Network};

/// Most times one `POST /api/teach` may repeat the book's step.
pub const MAX_REPEAT: u32 = 100;

/// A saved model served to browsers.
pub struct Served {
    net: Mutex<Network>,
    hub: Mutex<Hub>,
    teach: bool,
    save: Option<PathBuf>,
    limits: Limits,
    /// Pictures taught since the start or the last save: what stopping would lose.
    unsaved: AtomicU64,
}

/// Why a request about the model could not be answered.
#[derive(Debug)]
#[non_exhaustive]
pub enum ServedError {
    /// The picture could not be read (not an image, too large, no digit).
    Picture(PrepareError),
    /// The picture holds more digits than a number is read with.
    Number(NumberError),
    /// A picture to teach holds several digits (teaching takes one digit a picture).
    SeveralDigits(usize),
    /// The model reads something other than 28×28 pictures.
    NotMnist(usize),
    /// A label outside the model's outputs.
    Label(usize),
    /// The model could not be saved.
    Save(PathBuf, String),
}

impl std::fmt::Display for ServedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServedError::Picture(e) => write!(f, "{e}"),
            ServedError::Number(e) => write!(f, "{e}"),
            ServedError::SeveralDigits(n) => write!(
                f,
                "this picture holds {n} digits; teach one digit a picture (crop it to one digit)"
            ),
            ServedError::NotMnist(n) => {
                write!(f, "the model has {n} inputs; pictures need 784 (28×28)")
            }
            ServedError::Label(n) => write!(f, "label must be a digit from 0 to {}", n - 1),
            ServedError::Save(p, e) => write!(f, "cannot save {}: {e}", p.display()),
        }
    }
}

impl std::error::Error for ServedError {}

impl Served {
    /// Serves `net`; `teach` allows teaching it, `save` where teaching may be saved to.
    pub fn new(net: Network, teach: bool, save: Option<PathBuf>) -> Served {
        let mode = Mode::Serve {
            shape: format!("{}-{}-{}", net.inputs(), net.hidden(), net.outputs()),
            teach,
            save: teach && save.is_some(),
        };
        Served {
            net: Mutex::new(net),
            hub: Mutex::new(Hub::new(mode, 5.0)),
            teach,
            save,
            limits: Limits::default(),
            unsaved: AtomicU64::new(0),
        }
    }

    /// The hub whose snapshots show the last digit read.
    pub fn hub(&self) -> MutexGuard<'_, Hub> {
        self.hub.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn net(&self) -> MutexGuard<'_, Network> {
        // A poisoned lock means a request panicked mid-step; the weights are still numbers.
        self.net.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether teaching is allowed.
    pub fn can_teach(&self) -> bool {
        self.teach
    }

    /// Whether saving is allowed.
    pub fn can_save(&self) -> bool {
        self.teach && self.save.is_some()
    }

    /// Where `--save` said taught changes go, if it was given.
    pub fn save_path(&self) -> Option<&Path> {
        self.save.as_deref()
    }

    /// Pictures taught (one per `POST /api/teach`, whatever its repeat) since the start or the
    /// last save.
    pub fn unsaved(&self) -> u64 {
        self.unsaved.load(Ordering::SeqCst)
    }

    /// Reads the number in a PNG or JPEG: `number`, and for each digit its box in the picture,
    /// answer, outputs and the 28×28 picture it saw (`digits`); the first digit's answer also
    /// stands at the top level, as when one digit was read.
    pub fn predict(&self, bytes: &[u8]) -> Result<Value, ServedError> {
        let inputs = self.net().inputs();
        if inputs != 784 {
            return Err(ServedError::NotMnist(inputs));
        }
        let (number, seen, deskewed) = {
            let net = self.net();
            let mut reader = |p: &[u8; 784]| query(&net, p);
            let number =
                read_number_bytes(bytes, self.limits, &mut reader).map_err(|e| match e {
                    NumberError::Prepare(e) => ServedError::Picture(e),
                    e => ServedError::Number(e),
                })?;
            // What the page shows is what the network reads: deskewed if it was trained so.
            let seen: Vec<Vec<u8>> = number
                .digits
                .iter()
                .map(|d| as_read(&net, &d.pixels))
                .collect();
            (number, seen, net.deskews())
        };
        let mut digits = Vec::new();
        let mut text = String::new();
        for (d, seen) in number.digits.iter().zip(&seen) {
            self.hub().show(seen, &d.outputs, None);
            let mut answer = answer_json(&d.outputs, seen, number.inverted);
            answer["box"] = json!(d.bbox);
            text.push(char::from(b'0' + argmax(&d.outputs) as u8));
            digits.push(answer);
        }
        let mut answer = digits.first().cloned().unwrap_or(Value::Null);
        answer
            .as_object_mut()
            .map(|o| o.remove("box"))
            .unwrap_or_default();
        answer["number"] = json!(text);
        answer["deskewed"] = json!(deskewed);
        answer["digits"] = json!(digits);
        answer["size"] = json!([number.source_size.0, number.source_size.1]);
        Ok(answer)
    }

    /// Teaches the model that the picture is `label`, `repeat` times with the book's step;
    /// returns its answers before and after.
    pub fn teach(&self, bytes: &[u8], label: usize, repeat: u32) -> Result<Value, ServedError> {
        let outputs_n = self.net().outputs();
        if label >= outputs_n {
            return Err(ServedError::Label(outputs_n));
        }
        let prepared = self.prepare(bytes)?;
        if let Ok(n) = count_digits_bytes(bytes, self.limits) {
            if n > 1 {
                return Err(ServedError::SeveralDigits(n));
            }
        }
        let (before, after, seen) = {
            let mut net = self.net();
            let before = query(&net, &prepared.pixels);
            for _ in 0..repeat.clamp(1, MAX_REPEAT) {
                crate::teach::step(&mut net, &prepared.pixels, label as u8);
            }
            // Counted under the lock, so a save never misses or double-counts this one.
            self.unsaved.fetch_add(1, Ordering::SeqCst);
            let after = query(&net, &prepared.pixels);
            (before, after, as_read(&net, &prepared.pixels))
        };
        self.hub().show(&seen, &after, Some(label as u8));
        Ok(json!({
            "label": label,
            "repeat": repeat.clamp(1, MAX_REPEAT),
            "before": answer_json(&before, &seen, prepared.inverted),
            "after": answer_json(&after, &seen, prepared.inverted),
        }))
    }

    /// Saves the model (atomically) where `--save` said.
    pub fn save(&self) -> Result<Value, ServedError> {
        let Some(path) = &self.save else {
            return Err(ServedError::Save(PathBuf::new(), "no --save FILE".into()));
        };
        // What this copy holds, read under the same lock as the copy: pictures taught while
        // it is written stay unsaved.
        let (net, taught) = {
            let net = self.net();
            (net.clone(), self.unsaved())
        };
        model::save(&net, path).map_err(|e| ServedError::Save(path.clone(), e.to_string()))?;
        self.unsaved.fetch_sub(taught, Ordering::SeqCst);
        Ok(json!({ "saved": path.display().to_string(), "taught": taught }))
    }

    /// The book's back-query of every digit, each 784 values from 0 (white) to 1 (ink).
    pub fn backquery(&self) -> Value {
        let net = self.net();
        let digits: Vec<Vec<f64>> = (0..net.outputs())
            .map(|d| {
                let mut targets = vec![0.0; net.outputs()];
                targets_into(d as u8, &mut targets);
                // The book's backquery rescales the inputs it finds to 0.01..0.99.
                let v = net.backquery(&targets);
                v.iter().map(|v| round3((v - 0.01) / 0.98)).collect()
            })
            .collect();
        json!({ "inputs": net.inputs(), "digits": digits })
    }

    /// The input weights of the first `count` hidden nodes, each scaled by its own largest
    /// |weight| into −1..1.
    pub fn weights(&self, count: usize) -> Value {
        let net = self.net();
        // wih is (hidden, input): row h is node h's weights from every pixel.
        let tiles: Vec<Vec<f64>> = net
            .wih()
            .row_iter()
            .take(count)
            .map(|r| {
                let largest = r
                    .iter()
                    .fold(0.0f32, |m, w| m.max(w.abs()))
                    .max(f32::MIN_POSITIVE);
                r.iter().map(|w| round3(w / largest)).collect()
            })
            .collect();
        json!({ "inputs": net.inputs(), "hidden": net.hidden(), "tiles": tiles })
    }

    fn prepare(&self, bytes: &[u8]) -> Result<Prepared, ServedError> {
        let inputs = self.net().inputs();
        if inputs != 784 {
            return Err(ServedError::NotMnist(inputs));
        }
        prepare_bytes(bytes, self.limits).map_err(ServedError::Picture)
    }
}

/// The network's outputs for a prepared digit, read as `nnzero predict` reads it
/// ([`crate::infer::test_time`]: twice, as it is and thinner).
fn query(net: &Network, pixels: &[u8]) -> Vec<f32> {
    crate::infer::test_time::read(net, pixels, crate::infer::test_time::Reading::default())
}

/// Three places in −1..1, as f64 so that JSON writes `0.43`, not `0.4300000071525574`.
fn round3(v: f32) -> f64 {
    (f64::from(v.clamp(-1.0, 1.0)) * 1000.0).round() / 1000.0
}

/// One digit's answer: its outputs, and `prepared`, the 28×28 picture as the network read it.
fn answer_json(outputs: &[f32], seen: &[u8], inverted: bool) -> Value {
    let digit = argmax(outputs);
    json!({
        "digit": digit,
        "confidence": round4(outputs.get(digit).copied().unwrap_or(0.0)),
        "outputs": outputs.iter().map(|&v| round4(v)).collect::<Vec<_>>(),
        "prepared": seen,
        "inverted": inverted,
    })
}
