//! `nnzero sweep`: the book's tuning experiments. Trains over a list of learning rates, hidden
//! layer sizes or epoch counts (one list at a time, the rest fixed), for one or more seeds, and
//! draws test accuracy against the swept value, with a CSV of the figures.
//!
//! An epoch sweep trains once, for the largest count, and scores the test set after every
//! epoch: the accuracy after 3 epochs of a 10-epoch run is the accuracy of a 3-epoch run.
//!
//! The runs are independent, so they train side by side, one per core (each on the cores
//! left over, if there are more cores than runs). Each run's model is the one it would be
//! alone; its seconds are those it took sharing the machine.

use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use clap::Args;
use nnzero::format::atomic_save::check_writable;

use crate::charts::line::{LineChart, Series};
use crate::curve::{limit_note, EpochLog};
use crate::error::CliError;
use crate::train::{positive_f32, train, TrainArgs};

/// Options of `nnzero sweep`.
#[derive(Args, Debug)]
#[command(
    after_help = "Give one of --lr, --hidden, --epochs two or more values; the others \
take one value each or their defaults (lr 0.1, 200 hidden nodes, 5 epochs).\n\
Example: nnzero sweep --lr 0.01,0.05,0.1,0.2,0.3 --epochs 1 --limit 10000"
)]
pub struct SweepArgs {
    /// Learning rates, e.g. 0.01,0.05,0.1,0.2,0.3.
    #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = positive_f32)]
    pub lr: Vec<f32>,
    /// Hidden layer sizes, e.g. 10,50,100,200,300.
    #[arg(long, value_name = "LIST", value_delimiter = ',',
          value_parser = clap::value_parser!(u32).range(1..=65536))]
    pub hidden: Vec<u32>,
    /// Epoch counts, e.g. 1,2,5,7,10 (one run of the largest, scored after each epoch).
    #[arg(long, value_name = "LIST", value_delimiter = ',',
          value_parser = clap::value_parser!(u32).range(1..=10000))]
    pub epochs: Vec<u32>,
    /// Seeds: every value is trained once with each.
    #[arg(long, value_name = "LIST", value_delimiter = ',', default_value = "1")]
    pub seeds: Vec<u64>,
    /// Train on the first N samples of the training set only (a quick sweep).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub limit: Option<u64>,
    /// Training blob [default: the bundled MNIST training set].
    #[arg(long, value_name = "BLOB")]
    pub train: Option<PathBuf>,
    /// Test blob [default: the bundled MNIST test set].
    #[arg(long, value_name = "BLOB")]
    pub test: Option<PathBuf>,
    /// The chart, .png or .svg [default: sweep-lr.png, sweep-hidden.png or sweep-epochs.png].
    #[arg(short, long, value_name = "FILE", value_parser = crate::charts::picture_path)]
    pub output: Option<PathBuf>,
    /// The figures as CSV: param,value,seed,accuracy,seconds [default: the chart's path with
    /// .csv].
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
}

/// The parameter being swept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param {
    /// `--lr`.
    Lr,
    /// `--hidden`.
    Hidden,
    /// `--epochs`.
    Epochs,
}

impl Param {
    /// The name in the CSV, the default file name and the flag.
    pub fn name(self) -> &'static str {
        match self {
            Param::Lr => "lr",
            Param::Hidden => "hidden",
            Param::Epochs => "epochs",
        }
    }

    /// The axis label.
    fn axis(self) -> &'static str {
        match self {
            Param::Lr => "learning rate",
            Param::Hidden => "hidden nodes",
            Param::Epochs => "epochs",
        }
    }
}

impl fmt::Display for Param {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One measurement: `param` = `value` trained with `seed`.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// The swept value as written (`0.05`, `200`).
    pub value: String,
    /// The seed.
    pub seed: u64,
    /// Fraction of the test set right.
    pub accuracy: f64,
    /// Training time in seconds (test passes not included).
    pub seconds: f64,
}

impl Point {
    fn x(&self) -> f64 {
        self.value.parse().unwrap_or(f64::NAN)
    }
}

/// What to sweep and over which values (sorted, without duplicates), from the arguments.
pub fn plan(args: &SweepArgs) -> Result<(Param, Vec<String>), CliError> {
    let lists = [
        (Param::Lr, args.lr.len()),
        (Param::Hidden, args.hidden.len()),
        (Param::Epochs, args.epochs.len()),
    ];
    let swept: Vec<Param> = lists
        .iter()
        .filter(|(_, n)| *n > 1)
        .map(|(p, _)| *p)
        .collect();
    let param = match swept[..] {
        [p] => p,
        [] => {
            return Err(CliError::Usage(
                "nothing to sweep: give --lr, --hidden or --epochs a list of two or more \
                 values, e.g. --lr 0.05,0.1,0.2"
                    .into(),
            ))
        }
        _ => {
            let names: Vec<String> = swept.iter().map(|p| format!("--{p}")).collect();
            return Err(CliError::Usage(format!(
                "sweep one parameter at a time: {} each have several values",
                names.join(" and ")
            )));
        }
    };
    let mut values: Vec<(f64, String)> = match param {
        Param::Lr => args.lr.iter().map(|v| (*v as f64, v.to_string())).collect(),
        Param::Hidden => args
            .hidden
            .iter()
            .map(|v| (*v as f64, v.to_string()))
            .collect(),
        Param::Epochs => args
            .epochs
            .iter()
            .map(|v| (*v as f64, v.to_string()))
            .collect(),
    };
    values.sort_by(|a, b| a.0.total_cmp(&b.0));
    values.dedup_by(|a, b| a.1 == b.1);
    if args.seeds.is_empty() {
        return Err(CliError::Usage("--seeds needs at least one seed".into()));
    }
    Ok((param, values.into_iter().map(|v| v.1).collect()))
}

/// The training options of one run: defaults, then the fixed values, then `value`.
fn run_args(args: &SweepArgs, param: Param, value: &str, seed: u64) -> TrainArgs {
    let mut t = TrainArgs::defaults();
    t.train = args.train.clone();
    t.test = args.test.clone();
    t.limit = args.limit;
    t.seed = seed;
    if let [lr] = args.lr[..] {
        t.lr = lr;
    }
    if let [hidden] = args.hidden[..] {
        t.hidden = Some(hidden);
    }
    if let [epochs] = args.epochs[..] {
        t.epochs = epochs;
    }
    // The values were parsed by clap from these very strings, so they parse again.
    match param {
        Param::Lr => t.lr = value.parse().unwrap_or(t.lr),
        Param::Hidden => t.hidden = value.parse().ok().or(t.hidden),
        Param::Epochs => t.epochs = value.parse().unwrap_or(t.epochs),
    }
    t
}

/// Runs `nnzero sweep`.
pub fn run(args: &SweepArgs) -> Result<(), CliError> {
    let (param, values) = plan(args)?;
    let chart_path = args.output.clone().unwrap_or_else(|| default_chart(param));
    let csv_path = args
        .csv
        .clone()
        .unwrap_or_else(|| chart_path.with_extension("csv"));
    if csv_path == chart_path {
        return Err(CliError::Usage(format!(
            "the chart and the CSV would both be {}",
            chart_path.display()
        )));
    }
    for path in [&chart_path, &csv_path] {
        check_writable(path).map_err(|e| CliError::Save(path.clone(), e))?;
    }

    // An epoch sweep is one run per seed, as long as the longest.
    let runs: Vec<&str> = match param {
        Param::Epochs => values.last().map(String::as_str).into_iter().collect(),
        _ => values.iter().map(String::as_str).collect(),
    };
    let plan: Vec<(u64, &str)> = args
        .seeds
        .iter()
        .flat_map(|&seed| runs.iter().map(move |&value| (seed, value)))
        .collect();
    let total = plan.len();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let jobs = cores.min(total).max(1);
    let threads = (cores / jobs).max(1) as u32;
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    type Outcome = Result<(EpochLog, String), CliError>;
    let outcomes: Mutex<Vec<Option<Outcome>>> = Mutex::new((0..total).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total || failed.load(Ordering::Relaxed) {
                    return;
                }
                let (seed, value) = plan[i];
                let mut t = run_args(args, param, value, seed);
                t.threads = Some(threads);
                eprintln!(
                    "sweep: run {} of {total}: {param} {value}, seed {seed}",
                    i + 1
                );
                let mut log = EpochLog::default();
                let outcome = train(&t, &mut log).map(|net| {
                    let shape = match param {
                        Param::Hidden => format!("{}-h-{}", net.inputs(), net.outputs()),
                        _ => format!("{}-{}-{}", net.inputs(), net.hidden(), net.outputs()),
                    };
                    (log, shape)
                });
                failed.fetch_or(outcome.is_err(), Ordering::Relaxed);
                if let Ok(mut all) = outcomes.lock() {
                    all[i] = Some(outcome);
                }
            });
        }
    });
    let outcomes = outcomes.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut points = Vec::new();
    let mut shape = String::new();
    for (&(seed, value), outcome) in plan.iter().zip(outcomes) {
        let Some(outcome) = outcome else { continue }; // not run after another failed
        let (log, run_shape) = outcome?;
        shape = run_shape;
        if param == Param::Epochs {
            for v in &values {
                let epoch: u32 = v.parse().unwrap_or(0);
                if let Some(e) = log.epochs.iter().find(|e| e.epoch == epoch) {
                    points.push(Point {
                        value: v.clone(),
                        seed,
                        accuracy: e.accuracy,
                        seconds: log.time_until(epoch).as_secs_f64(),
                    });
                }
            }
        } else if let Some(last) = log.epochs.last() {
            points.push(Point {
                value: value.to_string(),
                seed,
                accuracy: last.accuracy,
                seconds: log
                    .epochs
                    .iter()
                    .map(|e| e.took)
                    .sum::<Duration>()
                    .as_secs_f64(),
            });
        }
    }

    nnzero::format::atomic_save::write(&csv_path, csv(param, &points).as_bytes())
        .map_err(|e| CliError::Save(csv_path.clone(), e))?;
    let fixed = run_args(args, param, &values[0], args.seeds[0]);
    crate::charts::save(
        &chart(param, &points, &args.seeds, &fixed, &shape),
        &chart_path,
    )?;

    let w = param.axis().len();
    println!(
        "{:>w$}  {:>6}  {:>9}  {:>8}",
        param.axis(),
        "seed",
        "accuracy",
        "seconds"
    );
    for p in &points {
        println!(
            "{:>w$}  {:>6}  {:>8.2}%  {:>8.1}",
            p.value,
            p.seed,
            100.0 * p.accuracy,
            p.seconds
        );
    }
    println!("wrote {} and {}", chart_path.display(), csv_path.display());
    Ok(())
}

/// The figures as CSV: `param,value,seed,accuracy,seconds`, accuracy as a fraction.
pub fn csv(param: Param, points: &[Point]) -> String {
    let mut out = String::from("param,value,seed,accuracy,seconds\n");
    for p in points {
        out.push_str(&format!(
            "{param},{},{},{:.4},{:.3}\n",
            p.value, p.seed, p.accuracy, p.seconds
        ));
    }
    out
}

/// Accuracy against the swept value: a line per seed, and their mean when there are several.
pub fn chart(
    param: Param,
    points: &[Point],
    seeds: &[u64],
    fixed: &TrainArgs,
    shape: &str,
) -> LineChart {
    let mut series: Vec<Series> = seeds
        .iter()
        .map(|&seed| Series {
            name: format!("seed {seed}"),
            points: points
                .iter()
                .filter(|p| p.seed == seed)
                .map(|p| (p.x(), 100.0 * p.accuracy))
                .collect(),
        })
        .collect();
    if seeds.len() > 1 {
        let mut xs: Vec<f64> = points.iter().map(Point::x).collect();
        xs.sort_by(f64::total_cmp);
        xs.dedup();
        let mean = xs
            .iter()
            .map(|&x| {
                let at: Vec<f64> = points
                    .iter()
                    .filter(|p| p.x() == x)
                    .map(|p| 100.0 * p.accuracy)
                    .collect();
                (x, at.iter().sum::<f64>() / at.len() as f64)
            })
            .collect();
        series.push(Series {
            name: format!("mean of {} seeds", seeds.len()),
            points: mean,
        });
    }
    let mut recipe = Vec::new();
    match param {
        Param::Hidden => recipe.push("h hidden nodes".into()),
        _ => recipe.push(format!("{} hidden nodes", fixed.hidden())),
    }
    if param != Param::Lr {
        recipe.push(format!("learning rate {}", fixed.lr));
    }
    if param != Param::Epochs {
        let s = if fixed.epochs == 1 { "" } else { "s" };
        recipe.push(format!("{} epoch{s}", fixed.epochs));
    }
    let seeds_note = match seeds {
        [seed] => format!("seed {seed}"),
        _ => format!(
            "seeds {}",
            seeds
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    LineChart {
        title: format!("Test accuracy against {}", param.axis()),
        subtitle: format!(
            "{shape}: {}, {seeds_note}{}",
            recipe.join(", "),
            limit_note(fixed.limit)
        ),
        x_label: param.axis().into(),
        y_label: "test accuracy (%)".into(),
        series,
    }
}

/// Where a sweep's chart goes unless `--output` says otherwise.
pub fn default_chart(param: Param) -> PathBuf {
    PathBuf::from(format!("sweep-{param}.png"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: SweepArgs,
    }

    fn parse(argv: &[&str]) -> SweepArgs {
        let mut all = vec!["sweep"];
        all.extend_from_slice(argv);
        Cli::try_parse_from(all).unwrap().args
    }

    #[test]
    fn exactly_one_list_is_swept() {
        let (p, v) = plan(&parse(&["--lr", "0.3,0.1,0.01,0.1", "--epochs", "1"])).unwrap();
        assert_eq!(
            (p, v),
            (Param::Lr, vec!["0.01".into(), "0.1".into(), "0.3".into()])
        );
        let (p, v) = plan(&parse(&["--epochs", "10,1,2"])).unwrap();
        assert_eq!(
            (p, v),
            (Param::Epochs, vec!["1".into(), "2".into(), "10".into()])
        );
        assert!(matches!(
            plan(&parse(&["--lr", "0.1"])),
            Err(CliError::Usage(_))
        ));
        assert!(matches!(
            plan(&parse(&["--lr", "0.1,0.2", "--hidden", "10,20"])),
            Err(CliError::Usage(m)) if m.contains("--lr and --hidden")
        ));
    }

    #[test]
    fn runs_take_the_fixed_values_and_the_swept_one() {
        let args = parse(&["--hidden", "10,50", "--lr", "0.2", "--limit", "500"]);
        let t = run_args(&args, Param::Hidden, "50", 7);
        assert_eq!(
            (t.hidden(), t.lr, t.epochs, t.seed, t.limit),
            (50, 0.2, 5, 7, Some(500))
        );
        assert_eq!(t.save, PathBuf::from("model.nnz"));
        assert!(t.plot.is_none());
    }

    #[test]
    fn csv_and_chart_hold_every_point() {
        let points: Vec<Point> = [("0.1", 1, 0.95), ("0.2", 1, 0.94), ("0.1", 2, 0.96)]
            .iter()
            .map(|&(v, seed, accuracy)| Point {
                value: v.into(),
                seed,
                accuracy,
                seconds: 1.5,
            })
            .collect();
        let text = csv(Param::Lr, &points);
        assert_eq!(
            text,
            "param,value,seed,accuracy,seconds\nlr,0.1,1,0.9500,1.500\nlr,0.2,1,0.9400,1.500\n\
             lr,0.1,2,0.9600,1.500\n"
        );
        let args = parse(&["--lr", "0.1,0.2", "--seeds", "1,2"]);
        let fixed = run_args(&args, Param::Lr, "0.1", 1);
        let c = chart(Param::Lr, &points, &args.seeds, &fixed, "784-200-10");
        assert_eq!(c.series.len(), 3);
        let mean = &c.series[2];
        assert_eq!(mean.points[0].0, 0.1);
        assert!((mean.points[0].1 - 95.5).abs() < 1e-9);
        assert_eq!(mean.points[1], (0.2, 94.0));
        assert_eq!(
            c.subtitle,
            "784-200-10: 200 hidden nodes, 5 epochs, seeds 1, 2"
        );
        assert_eq!(default_chart(Param::Lr), PathBuf::from("sweep-lr.png"));
    }
}
