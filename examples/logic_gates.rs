//! logic_gates: one node learns AND and OR but not XOR; a hidden layer learns XOR too.
//!
//! One sigmoid node draws one straight dividing line through the inputs. AND and OR each
//! split the four corners of the unit square with one line; XOR (true when exactly one input
//! is) needs two, so one node cannot learn it however long it trains. A network with a
//! hidden layer can.
//!
//! The numbers follow the book: 0.01 for false and 0.99 for true, inputs and targets alike.
//! The book's network has no bias weights, so a third input fixed at 1.0 plays the bias (its
//! weight moves the line away from the origin). The single node is a 1×3 weight matrix
//! trained with the library's own layer kernels (`nnzero::net::layer`); the XOR network is an
//! `nnzero::Network`, 3 inputs, 4 hidden nodes, 1 output.
//!
//! `cargo run --example logic_gates`

use std::io::Write;

use nnzero::net::layer::{forward, gradient_in_place, update};
use nnzero::Network;

/// False and true, as the book writes them.
const F: f32 = 0.01;
const T: f32 = 0.99;

/// The four input rows: (x1, x2, bias input 1.0).
pub const INPUTS: [[f32; 3]; 4] = [[F, F, 1.0], [F, T, 1.0], [T, F, 1.0], [T, T, 1.0]];

/// A truth table: the target for each row of [`INPUTS`].
#[derive(Debug, Clone, Copy)]
pub struct Gate {
    /// Its name.
    pub name: &'static str,
    /// Targets for (0,0), (0,1), (1,0), (1,1).
    pub targets: [f32; 4],
}

/// AND, OR and XOR.
pub const GATES: [Gate; 3] = [
    Gate {
        name: "AND",
        targets: [F, F, F, T],
    },
    Gate {
        name: "OR",
        targets: [F, T, T, T],
    },
    Gate {
        name: "XOR",
        targets: [F, T, T, F],
    },
];

/// Passes over the four rows.
pub const EPOCHS: usize = 10_000;
/// The single node's learning rate.
pub const NODE_LR: f32 = 0.5;
/// The XOR network's hidden nodes, learning rate and seed.
pub const NET: (usize, f32, u64) = (4, 0.5, 1);

/// One sigmoid node with three inputs: `o = σ(w · x)`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Node {
    /// (1 output, 3 inputs): the weights of x1, x2 and the bias input.
    pub w: [f32; 3],
}

impl Node {
    /// The node's output for `x`.
    pub fn query(&self, x: &[f32; 3]) -> f32 {
        let mut o = [0.0];
        forward(&self.w, x, &mut o);
        o[0]
    }

    /// The book's update for one example: `w += lr · (t − o) · o · (1 − o) · xᵀ`.
    pub fn train(&mut self, x: &[f32; 3], target: f32, lr: f32) {
        let mut o = [0.0];
        forward(&self.w, x, &mut o);
        let mut error = [target - o[0]];
        gradient_in_place(lr, &mut error, &o);
        update(&mut self.w, &error, x);
    }
}

/// How one gate went.
#[derive(Debug, Clone)]
pub struct Learnt {
    /// The gate's name, with "(network)" for the hidden-layer network.
    pub name: String,
    /// The outputs for the four rows after training.
    pub outputs: [f32; 4],
    /// Rows right: output on the target's side of 0.5.
    pub right: usize,
}

/// Where the example ends: the single node on each gate, then the network on XOR.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// AND, OR, XOR with one node.
    pub node: Vec<Learnt>,
    /// XOR with a hidden layer.
    pub network: Learnt,
}

fn main() {
    run(&mut std::io::stdout().lock());
}

fn right(outputs: &[f32; 4], targets: &[f32; 4]) -> usize {
    outputs
        .iter()
        .zip(targets)
        .filter(|(o, t)| (**o > 0.5) == (**t > 0.5))
        .count()
}

fn table(out: &mut impl Write, targets: &[f32; 4], outputs: &[f32; 4]) {
    let _ = writeln!(out, "   x1    x2   target   output");
    for ((x, t), o) in INPUTS.iter().zip(targets).zip(outputs) {
        let bit = |v: f32| if v > 0.5 { 1 } else { 0 };
        let mark = if bit(*o) == bit(*t) {
            ""
        } else {
            "   ← wrong"
        };
        let _ = writeln!(
            out,
            "    {}     {}       {}    {o:.3}{mark}",
            bit(x[0]),
            bit(x[1]),
            bit(*t)
        );
    }
}

/// Runs the example, writing its steps to `out`.
pub fn run(out: &mut impl Write) -> Outcome {
    let _ = writeln!(
        out,
        "One node, three inputs (x1, x2 and a constant 1.0 for the bias), learning rate \
         {NODE_LR}, {EPOCHS} passes over the truth table, weights starting at 0."
    );
    let mut node_results = Vec::new();
    for gate in &GATES {
        let mut node = Node::default();
        for _ in 0..EPOCHS {
            for (x, &t) in INPUTS.iter().zip(&gate.targets) {
                node.train(x, t, NODE_LR);
            }
        }
        let outputs = INPUTS.map(|x| node.query(&x));
        let ok = right(&outputs, &gate.targets);
        let [w1, w2, b] = node.w;
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{}: weights x1 {w1:.3}, x2 {w2:.3}, bias {b:.3}; {ok} of 4 right ({}%)",
            gate.name,
            ok * 25
        );
        table(out, &gate.targets, &outputs);
        if ok < 4 {
            let _ = writeln!(
                out,
                "  Stuck: the outputs hover near 0.5. XOR's true rows sit on opposite corners, \
                 and no single straight line puts (0,1) and (1,0) on one side with (0,0) and \
                 (1,1) on the other."
            );
        }
        node_results.push(Learnt {
            name: gate.name.to_string(),
            outputs,
            right: ok,
        });
    }

    let (hidden, lr, seed) = NET;
    let xor = &GATES[2];
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "XOR with a hidden layer: nnzero::Network 3-{hidden}-1 (x1, x2, bias), learning rate \
         {lr}, seed {seed}"
    );
    let mut net = Network::new(3, hidden, 1, lr, seed);
    let outputs_of = |net: &Network| INPUTS.map(|x| net.query(&x)[0]);
    for epoch in 0..=EPOCHS {
        if [0, 100, 1000, 2000, 5000, EPOCHS].contains(&epoch) {
            let o = outputs_of(&net);
            let _ = writeln!(
                out,
                "  after {epoch:>5} passes: outputs {:.3} {:.3} {:.3} {:.3}",
                o[0], o[1], o[2], o[3]
            );
        }
        if epoch < EPOCHS {
            for (x, &t) in INPUTS.iter().zip(&xor.targets) {
                net.train(x, &[t]);
            }
        }
    }
    let outputs = outputs_of(&net);
    let ok = right(&outputs, &xor.targets);
    let _ = writeln!(out, "XOR (network): {ok} of 4 right ({}%)", ok * 25);
    table(out, &xor.targets, &outputs);
    let _ = writeln!(
        out,
        "Two layers: the hidden nodes each draw a line, and the output node combines them."
    );
    Outcome {
        node: node_results,
        network: Learnt {
            name: "XOR (network)".into(),
            outputs,
            right: ok,
        },
    }
}
