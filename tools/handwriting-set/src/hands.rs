//! Digits drawn with a pen, programmatically: each digit is a few strokes (lines and arcs)
//! in a unit box, and every "hand" moves the points, bends the loops and picks its own
//! variant (a 1 with or without a flag, an open or closed 4, a 7 with a bar…).
//!
//! Coordinates: x to the right, y down, the digit's box is 0..1 × 0..1. Angles are in
//! degrees, measured clockwise on screen from "east": −90° is the top of a circle.

use handwriting_set::rng::Rng;

/// A stroke: the pen's path, as points in the unit box.
pub type Stroke = Vec<(f32, f32)>;

/// One hand's way of writing: how much it jitters and which variants it prefers.
#[derive(Debug, Clone, Copy)]
pub struct Hand {
    jitter: f32,
    roundness: f32,
    flag_one: bool,
    base_one: bool,
    open_four: bool,
    bar_seven: bool,
    curved_nine: bool,
}

impl Hand {
    /// A random hand.
    pub fn random(rng: &mut Rng) -> Self {
        Hand {
            jitter: rng.range(0.01, 0.04),
            roundness: rng.range(0.85, 1.15),
            flag_one: rng.chance(0.7),
            base_one: rng.chance(0.2),
            open_four: rng.chance(0.4),
            bar_seven: rng.chance(0.2),
            curved_nine: rng.chance(0.5),
        }
    }

    /// The strokes of `digit` in this hand, with fresh jitter from `rng`.
    pub fn digit(&self, digit: u8, rng: &mut Rng) -> Vec<Stroke> {
        let r = self.roundness;
        let mut strokes: Vec<Stroke> = match digit {
            0 => vec![arc((0.5, 0.5), (0.3 * r, 0.46), -100.0, 268.0)],
            1 => {
                let mut s = vec![];
                let mut main = vec![(0.53, 0.04), (0.5, 0.96)];
                if self.flag_one {
                    main.insert(0, (0.3, 0.24));
                }
                s.push(main);
                if self.base_one {
                    s.push(vec![(0.3, 0.96), (0.72, 0.96)]);
                }
                s
            }
            2 => {
                let mut s = arc((0.5, 0.3), (0.3 * r, 0.26), 200.0, 395.0);
                s.extend([(0.17, 0.95), (0.86, 0.95)]);
                vec![s]
            }
            3 => {
                let mut s = arc((0.47, 0.27), (0.26 * r, 0.23), 200.0, 448.0);
                s.extend(arc((0.47, 0.72), (0.31 * r, 0.25), -95.0, 160.0));
                vec![s]
            }
            4 => {
                if self.open_four {
                    vec![
                        vec![(0.2, 0.04), (0.14, 0.6), (0.88, 0.6)],
                        vec![(0.66, 0.04), (0.66, 0.97)],
                    ]
                } else {
                    vec![
                        vec![(0.62, 0.03), (0.1, 0.66), (0.9, 0.66)],
                        vec![(0.66, 0.3), (0.66, 0.97)],
                    ]
                }
            }
            5 => {
                let mut down = vec![(0.3, 0.05), (0.26, 0.45)];
                down.extend(arc((0.5, 0.68), (0.3 * r, 0.27), 215.0, 520.0));
                vec![down, vec![(0.3, 0.05), (0.8, 0.04)]]
            }
            6 => {
                let mut s = vec![(0.7, 0.04), (0.47, 0.18), (0.3, 0.42), (0.24, 0.7)];
                s.extend(arc((0.5, 0.72), (0.26 * r, 0.24), 180.0, 540.0));
                vec![s]
            }
            7 => {
                let mut s = vec![vec![(0.14, 0.06), (0.86, 0.06), (0.4, 0.96)]];
                if self.bar_seven {
                    s.push(vec![(0.36, 0.5), (0.78, 0.5)]);
                }
                s
            }
            8 => {
                let mut s = arc((0.5, 0.27), (0.22 * r, 0.22), 90.0, 450.0);
                s.extend(arc((0.5, 0.72), (0.28 * r, 0.25), -90.0, 270.0));
                vec![s]
            }
            _ => {
                let mut s = arc((0.45, 0.3), (0.26 * r, 0.24), 0.0, 360.0);
                if self.curved_nine {
                    s.extend([(0.7, 0.55), (0.64, 0.8), (0.48, 0.96)]);
                } else {
                    s.push((0.68, 0.97));
                }
                vec![s]
            }
        };
        // Every point drifts a little, differently each time the digit is written.
        for stroke in &mut strokes {
            for p in stroke.iter_mut() {
                p.0 += rng.range(-self.jitter, self.jitter);
                p.1 += rng.range(-self.jitter, self.jitter);
            }
        }
        strokes
    }
}

/// Points along an elliptical arc from angle `from` to `to` (degrees, clockwise on screen).
fn arc(c: (f32, f32), r: (f32, f32), from: f32, to: f32) -> Stroke {
    let steps = (((to - from).abs() / 10.0).ceil() as usize).max(2);
    (0..=steps)
        .map(|k| {
            let a = (from + (to - from) * k as f32 / steps as f32).to_radians();
            (c.0 + r.0 * a.cos(), c.1 + r.1 * a.sin())
        })
        .collect()
}

/// Coverage mask (0..1) of `strokes` drawn with a round pen `pen` wide (in mask pixels), on
/// a `size`×`size` mask in which the unit box spans the middle 80 %.
pub fn rasterise(strokes: &[Stroke], size: usize, pen: f32) -> Vec<f32> {
    let scale = size as f32 * 0.8;
    let offset = size as f32 * 0.1;
    let segments: Vec<((f32, f32), (f32, f32))> = strokes
        .iter()
        .flat_map(|s| s.windows(2).map(|w| (w[0], w[1])))
        .map(|(a, b)| {
            (
                (a.0 * scale + offset, a.1 * scale + offset),
                (b.0 * scale + offset, b.1 * scale + offset),
            )
        })
        .collect();
    let mut mask = vec![0.0; size * size];
    for y in 0..size {
        for x in 0..size {
            let p = (x as f32 + 0.5, y as f32 + 0.5);
            let d = segments
                .iter()
                .map(|&(a, b)| distance(p, a, b))
                .fold(f32::INFINITY, f32::min);
            mask[y * size + x] = (pen / 2.0 - d + 0.5).clamp(0.0, 1.0);
        }
    }
    mask
}

/// Distance from `p` to the segment `a`–`b`.
fn distance(p: (f32, f32), a: (f32, f32), b: (f32, f32)) -> f32 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (qx, qy) = (a.0 + t * dx, a.1 + t * dy);
    ((p.0 - qx).powi(2) + (p.1 - qy).powi(2)).sqrt()
}
