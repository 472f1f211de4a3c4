//! The talk's examples reach the outcomes the talk shows.
//!
//! Each example keeps its work in a `pub fn run(out) -> Outcome` that its `main` calls with
//! stdout. This file compiles the very same source files as modules (`#[path]`) and calls
//! `run` with a buffer, so the test checks both the outcome and what the example prints,
//! without a subprocess or a guess at where cargo put the example binaries. (Their `main`s
//! are unused here, hence the `allow(dead_code)`.)

#[allow(dead_code)]
#[path = "../../examples/km_to_miles.rs"]
mod km_to_miles;

#[allow(dead_code)]
#[path = "../../examples/bug_classifier.rs"]
mod bug_classifier;

#[allow(dead_code)]
#[path = "../../examples/logic_gates.rs"]
mod logic_gates;

#[allow(dead_code)]
#[path = "../../examples/mnist_in_a_few_lines.rs"]
mod mnist_in_a_few_lines;

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).expect("UTF-8 output")
}

#[test]
fn km_to_miles_converges_to_0_6214() {
    let mut out = Vec::new();
    let outcome = km_to_miles::run(&mut out);
    let out = text(out);
    assert!((outcome.c - 0.6214).abs() < 0.001, "c = {}", outcome.c);
    assert!((outcome.c - 0.62137).abs() < 1e-4, "c = {}", outcome.c);
    assert!(
        outcome.steps > 3 && outcome.steps < 20,
        "{} steps",
        outcome.steps
    );
    // The talk's hand nudges: 0.7 overshoots.
    assert!(out.contains("0.700") && out.contains("-7.863"), "{out}");
    // One printed line per step of the rule, plus the stopping line.
    let steps = out
        .lines()
        .skip_while(|l| !l.starts_with("2."))
        .skip(1)
        .filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()))
        .count();
    assert_eq!(steps, outcome.steps + 1, "{out}");
}

#[test]
fn bug_classifier_forgets_with_the_naive_update_and_separates_with_a_learning_rate() {
    use bug_classifier::{classify, BUGS};
    let mut out = Vec::new();
    let outcome = bug_classifier::run(&mut out);
    let out = text(out);
    // The talk's figures: naive 0.25 → 0.3667 → 2.9; moderated 0.25 → 0.3083 → 1.6042.
    assert!(
        out.contains("A = 0.3667") && out.contains("A = 0.3083"),
        "{out}"
    );
    assert!(
        (outcome.naive - 2.9).abs() < 1e-9,
        "naive A = {}",
        outcome.naive
    );
    assert!(
        (outcome.moderated - 1.6042).abs() < 1e-4,
        "moderated A = {}",
        outcome.moderated
    );
    // The naive line goes through the last example's target: it fits only that one.
    let last = BUGS[1];
    assert!((outcome.naive * last.width - last.target).abs() < 1e-9);
    // The moderated line separates both bugs, each well clear of it.
    for bug in &BUGS {
        assert_eq!(classify(outcome.moderated, bug), bug.name);
        let margin = (bug.length - outcome.moderated * bug.width).abs();
        assert!(margin > 1.0, "{} only {margin} from the line", bug.name);
    }
    assert!(!out.contains("WRONG"), "{out}");
}

#[test]
fn logic_gates_one_node_learns_and_or_but_not_xor_a_network_learns_xor() {
    let mut out = Vec::new();
    let outcome = logic_gates::run(&mut out);
    let out = text(out);
    let by_name = |name: &str| {
        outcome
            .node
            .iter()
            .find(|l| l.name == name)
            .unwrap_or_else(|| panic!("{name} missing"))
    };
    assert_eq!(by_name("AND").right, 4, "{out}");
    assert_eq!(by_name("OR").right, 4, "{out}");
    let xor = by_name("XOR");
    assert!(xor.right < 4, "{out}");
    // Stuck: every output close to 0.5, nowhere near the targets.
    assert!(
        xor.outputs.iter().all(|o| (o - 0.5).abs() < 0.1),
        "{:?}",
        xor.outputs
    );
    assert!(out.contains("Stuck"), "{out}");
    assert_eq!(outcome.network.right, 4, "{out}");
    let targets = logic_gates::GATES[2].targets;
    for (o, t) in outcome.network.outputs.iter().zip(targets) {
        assert!((o - t).abs() < 0.2, "{:?}", outcome.network.outputs);
    }
}

/// The whole recipe: 5 epochs over 60,000 images (about 15 s with the test profile).
#[test]
fn mnist_in_a_few_lines_reaches_97_percent() {
    let mut out = Vec::new();
    let accuracy = mnist_in_a_few_lines::recipe(&mut out).expect("bundled MNIST");
    let out = text(out);
    assert_eq!(out.lines().count(), 5, "{out}");
    assert!(accuracy >= 0.97, "{out}");
    // Same maths, same order, same seed as `nnzero train`: the README's 97.33 %.
    assert!(out.ends_with("epoch 5: test accuracy 97.33%\n"), "{out}");
}
