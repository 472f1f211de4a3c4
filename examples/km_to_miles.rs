//! km_to_miles: the talk's first learning machine: one parameter c, refined from its error.
//!
//! A machine turns kilometres into miles with `miles = km × c`. We do not know c, but we have
//! one true example: 100 km is 62.137 miles. Start with a guess, c = 0.5, look at the error,
//! and nudge c; first by hand as the talk does, then with a rule that lets the error choose
//! the size of the nudge: `c += L · error / km`, with a learning rate L = 0.5.
//!
//! `cargo run --example km_to_miles`

use std::io::Write;

/// The one true example: 100 km …
pub const KM: f64 = 100.0;
/// … is 62.137 miles.
pub const MILES: f64 = 62.137;
/// The moderating learning rate of the second part.
pub const LEARNING_RATE: f64 = 0.5;
/// Stop when the answer is off by less than this many miles.
pub const CLOSE_ENOUGH: f64 = 0.01;

/// Where the example ends.
#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    /// The learnt c.
    pub c: f64,
    /// Steps the error-driven rule took.
    pub steps: usize,
}

fn main() {
    run(&mut std::io::stdout().lock());
}

/// Runs the example, writing its steps to `out`.
pub fn run(out: &mut impl Write) -> Outcome {
    let mut say = |line: String| {
        let _ = writeln!(out, "{line}");
    };
    say(format!(
        "The machine: miles = km × c. The truth we know: {KM} km = {MILES} miles."
    ));
    say(String::new());
    say("1. Nudging c by hand, as in the talk".into());
    say(format!(
        "{:>6}  {:>14}  {:>22}",
        "c", "miles = 100·c", "error = 62.137 − miles"
    ));
    let notes = [
        "too small: make c bigger",
        "better, still too small",
        "overshot: the error is negative",
        "a smaller nudge: much better",
    ];
    for (c, note) in [0.5, 0.6, 0.7, 0.61].into_iter().zip(notes) {
        let miles = KM * c;
        say(format!(
            "{c:>6.3}  {miles:>14.3}  {:>22.3}   {note}",
            MILES - miles
        ));
    }
    say(String::new());
    say(format!(
        "2. Letting the error choose the nudge: c += L · error / km, L = {LEARNING_RATE}"
    ));
    say(format!(
        "{:>4}  {:>8}  {:>8}  {:>8}  {:>8}",
        "step", "c", "miles", "error", "nudge"
    ));
    let mut c = 0.5;
    let mut steps = 0;
    loop {
        let miles = KM * c;
        let error = MILES - miles;
        if error.abs() < CLOSE_ENOUGH || steps == 100 {
            say(format!(
                "{steps:>4}  {c:>8.5}  {miles:>8.3}  {error:>8.4}  (off by less than {CLOSE_ENOUGH} miles: stop)"
            ));
            break;
        }
        let nudge = LEARNING_RATE * error / KM;
        say(format!(
            "{steps:>4}  {c:>8.5}  {miles:>8.3}  {error:>8.4}  {nudge:>+8.5}"
        ));
        c += nudge;
        steps += 1;
    }
    say(format!(
        "c = {c:.4}: 1 km is {c:.4} miles (the true factor is 0.62137)"
    ));
    Outcome { c, steps }
}
