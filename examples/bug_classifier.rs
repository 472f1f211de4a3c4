//! bug_classifier: the talk's ladybirds and caterpillars, told apart by a line y = A·x.
//!
//! Bugs are measured by width (x) and length (y). A ladybird is 3.0 wide and 1.0 long, a
//! caterpillar 1.0 wide and 3.0 long. A line through the origin, `y = A·x`, divides them:
//! caterpillars above it, ladybirds below. Start with A = 0.25 and learn from each example,
//! aiming a little beside it (target y = 1.1 for the ladybird, 2.9 for the caterpillar): the
//! error is E = target − A·x and the change ΔA = E / x.
//!
//! First the naive update, which moves the line all the way to each example in turn, so it
//! only remembers the last one; then the same with a learning rate L = 0.5, which moderates
//! each update and ends with a line between both bugs.
//!
//! `cargo run --example bug_classifier`

use std::io::Write;

/// A training example.
#[derive(Debug, Clone, Copy)]
pub struct Bug {
    /// What it is.
    pub name: &'static str,
    /// x.
    pub width: f64,
    /// y.
    pub length: f64,
    /// The y the line should have at x = width: just beside the bug.
    pub target: f64,
}

/// The talk's two examples, in the order it trains on them.
pub const BUGS: [Bug; 2] = [
    Bug {
        name: "ladybird",
        width: 3.0,
        length: 1.0,
        target: 1.1,
    },
    Bug {
        name: "caterpillar",
        width: 1.0,
        length: 3.0,
        target: 2.9,
    },
];

/// The slope the talk starts from.
pub const START: f64 = 0.25;
/// The moderating learning rate.
pub const LEARNING_RATE: f64 = 0.5;

/// Where the example ends.
#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    /// A after the naive updates.
    pub naive: f64,
    /// A after the moderated updates.
    pub moderated: f64,
}

fn main() {
    run(&mut std::io::stdout().lock());
}

/// What the line `y = a·x` says a bug is: above the line, a caterpillar; below, a ladybird.
pub fn classify(a: f64, bug: &Bug) -> &'static str {
    if bug.length > a * bug.width {
        "caterpillar"
    } else {
        "ladybird"
    }
}

/// One pass over the examples with updates `ΔA = rate · E / x`; writes each step.
fn learn(out: &mut impl Write, rate: f64) -> f64 {
    let mut a = START;
    let _ = writeln!(out, "start: A = {a:.4}");
    for bug in &BUGS {
        let (x, t) = (bug.width, bug.target);
        let y = a * x;
        let e = t - y;
        let delta = rate * e / x;
        let _ = writeln!(
            out,
            "{} (width {x:.1}, length {:.1}), target y = {t}:",
            bug.name, bug.length
        );
        let _ = writeln!(out, "  y = A·x = {a:.4} × {x:.1} = {y:.4}");
        let _ = writeln!(out, "  E = target − y = {t} − {y:.4} = {e:.4}");
        if rate == 1.0 {
            let _ = writeln!(out, "  ΔA = E / x = {e:.4} / {x:.1} = {delta:.4}");
        } else {
            let _ = writeln!(
                out,
                "  ΔA = L · (E / x) = {rate} × ({e:.4} / {x:.1}) = {delta:.4}"
            );
        }
        a += delta;
        let _ = writeln!(out, "  A = {a:.4}");
    }
    a
}

/// Writes which side of `y = a·x` each bug is on, and how far from it.
fn verdict(out: &mut impl Write, a: f64) {
    for bug in &BUGS {
        let line = a * bug.width;
        let side = if bug.length > line { "above" } else { "below" };
        let seen = classify(a, bug);
        let mark = if seen == bug.name { "right" } else { "WRONG" };
        let _ = writeln!(
            out,
            "  {:<11} (width {:.1}, length {:.1}): the line is at y = {line:.4}, the bug {:.4} {side} it: \
             a {seen} ({mark})",
            bug.name,
            bug.width,
            bug.length,
            (bug.length - line).abs()
        );
    }
}

/// Runs the example, writing its steps to `out`.
pub fn run(out: &mut impl Write) -> Outcome {
    let _ = writeln!(
        out,
        "Dividing line y = A·x: caterpillars above it, ladybirds below."
    );
    let _ = writeln!(out);
    let _ = writeln!(out, "1. The naive update: ΔA = E / x");
    let naive = learn(out, 1.0);
    let last = BUGS[BUGS.len() - 1];
    let _ = writeln!(
        out,
        "The line y = {naive:.4}·x passes exactly through ({:.1}, {}), the last example's \
         target: each update threw away the one before, so it fits only the last example.",
        last.width, last.target
    );
    verdict(out, naive);
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "2. Moderated by a learning rate: ΔA = L · (E / x), L = {LEARNING_RATE}"
    );
    let moderated = learn(out, LEARNING_RATE);
    let _ = writeln!(
        out,
        "The line y = {moderated:.4}·x keeps something of every example and runs between them:"
    );
    verdict(out, moderated);
    Outcome { naive, moderated }
}
