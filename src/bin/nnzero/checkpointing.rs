//! `nnzero train`'s checkpoints: where they go, the lock that keeps a second training away,
//! starting or resuming, and the loop that writes one every minute, at each epoch's end and
//! when Ctrl-C or SIGTERM asks the run to stop.

use std::path::{Path, PathBuf};
use std::time::Instant;

use std::time::Duration;

use nnzero::format::atomic_save::{check_space, check_writable, human_bytes, parent_dir};
use nnzero::run::checkpoint::{self, CheckpointError};
use nnzero::run::{Observer, Position, Recipe, Run, RunLock, Status};

use crate::data::{open_pair, start, Mixes};
use crate::error::CliError;
use crate::signals::Signals;

/// Checkpoints every minute unless --checkpoint-every says otherwise: a Pi loses at most a
/// minute's work, and a desktop spends a small fraction of its time writing them
/// (`docs/lab/2026-11-30-checkpoints.md`).
pub const CHECKPOINT_INTERVAL: Duration = Duration::from_secs(60);

/// The files named on the command line.
#[derive(Debug, Clone, Copy)]
pub struct Files<'a> {
    /// --save.
    pub save: &'a Path,
    /// --plot.
    pub plot: Option<&'a Path>,
    /// --checkpoint.
    pub checkpoint: Option<&'a Path>,
    /// --train.
    pub train: Option<&'a Path>,
    /// --test.
    pub test: Option<&'a Path>,
}

/// The files a training run writes.
#[derive(Debug)]
pub struct Paths {
    /// The model.
    pub save: PathBuf,
    /// The checkpoint (the previous one is `FILE.prev`).
    pub checkpoint: PathBuf,
}

impl Paths {
    /// The paths of `args`, refused when two of them are the same file, and checked to be
    /// writable before any work.
    pub fn new(args: Files) -> Result<Paths, CliError> {
        let checkpoint = args.checkpoint.map(Path::to_path_buf).unwrap_or_else(|| {
            let mut name = args.save.as_os_str().to_os_string();
            name.push(".ckpt");
            PathBuf::from(name)
        });
        let prev = checkpoint::previous_path(&checkpoint);
        let mut named: Vec<(&str, &Path)> = vec![("--save", args.save)];
        named.extend(args.plot.map(|p| ("--plot", p)));
        named.push(("--checkpoint", &checkpoint));
        named.push(("--checkpoint's .prev", &prev));
        named.extend(args.train.map(|p| ("--train", p)));
        named.extend(args.test.map(|p| ("--test", p)));
        for (i, (a, pa)) in named.iter().enumerate() {
            for (b, pb) in &named[i + 1..] {
                if identity(pa) == identity(pb) && (*a, *b) != ("--train", "--test") {
                    return Err(CliError::Usage(format!(
                        "{a} and {b} are the same file ({}): one would overwrite the other",
                        pa.display()
                    )));
                }
            }
        }
        // Fail now, not after an hour of training, if a file cannot be written.
        for p in [Some(args.save), args.plot, Some(&checkpoint)]
            .into_iter()
            .flatten()
        {
            check_writable(p).map_err(|e| CliError::Save(p.to_path_buf(), e))?;
        }
        Ok(Paths {
            save: args.save.to_path_buf(),
            checkpoint,
        })
    }

    /// Locks the model and the checkpoint against a second training.
    pub fn lock(&self) -> Result<RunLock, CliError> {
        Ok(RunLock::acquire(&[&self.save, &self.checkpoint])?)
    }

    /// Says how much room the model and the checkpoints take and how often a checkpoint is
    /// written (`every` images, or every minute), and refuses to start when the filesystem
    /// does not have the room.
    pub fn check_space(&self, run: &Run, every: Option<u64>) -> Result<(), CliError> {
        let net = run.network();
        let weights = 4 * (net.hidden() as u64 * (net.inputs() + net.outputs()) as u64);
        // The model's header and checksum; the checkpoint's recipe, position and epoch log.
        let (model, ckpt) = (
            weights + 64,
            weights + 256 + 20 * run.recipe().epochs as u64,
        );
        // A checkpoint, its .prev and the next one being written, less what a resumed run's
        // checkpoint and .prev already hold (they are replaced, not added to; the one being
        // written needs room of its own whatever is there); the model's temporary copy.
        let len = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
        let there = len(&self.checkpoint) + len(&checkpoint::previous_path(&self.checkpoint));
        let (model_needs, ckpt_needs) = (model, (3 * ckpt).saturating_sub(there).max(ckpt));
        let err = |p: &Path, e| CliError::Save(p.to_path_buf(), e);
        if same_dir(&self.save, &self.checkpoint) {
            check_space(&self.save, model_needs + ckpt_needs).map_err(|e| err(&self.save, e))?;
        } else {
            check_space(&self.save, model_needs).map_err(|e| err(&self.save, e))?;
            check_space(&self.checkpoint, ckpt_needs).map_err(|e| err(&self.checkpoint, e))?;
        }
        // Said once the room is there (a refusal is one line that gives the sizes itself), so
        // this line also tells a script watching stderr that training is about to start.
        crate::progress::warn(format_args!(
            "checkpoints go to {} (about {} each, {}); the model is about {}",
            self.checkpoint.display(),
            human_bytes(ckpt),
            match every {
                Some(n) => format!("every {n} images and at each epoch's end"),
                None => "every minute and at each epoch's end".into(),
            },
            human_bytes(model)
        ));
        Ok(())
    }
}

fn same_dir(a: &Path, b: &Path) -> bool {
    let dir = |p: &Path| parent_dir(p).canonicalize().ok();
    dir(a).is_some() && dir(a) == dir(b)
}

/// What a path names, so `m.nnz`, `./m.nnz` and a symlink to it compare equal.
fn identity(p: &Path) -> PathBuf {
    if let Ok(full) = p.canonicalize() {
        return full;
    }
    match (parent_dir(p).canonicalize(), p.file_name()) {
        (Ok(dir), Some(name)) => dir.join(name),
        _ => p.to_path_buf(),
    }
}

/// A new run of `recipe`, or with `resume` the run of the newest good checkpoint (on the
/// named data, with the bundled digits of `mixes` mixed in: [`open_pair`]).
pub fn start_or_resume(
    resume: bool,
    recipe: Recipe,
    train: &Option<PathBuf>,
    test: &Option<PathBuf>,
    mixes: Mixes,
    paths: &Paths,
) -> Result<Run, CliError> {
    let path = &paths.checkpoint;
    let prev = checkpoint::previous_path(path);
    if !resume {
        if path.exists() || prev.exists() {
            return Err(CliError::Mismatch(format!(
                "{} holds the checkpoint of an interrupted run: add --resume to go on from it, \
                 or remove it to start again",
                path.display()
            )));
        }
        return start(recipe, train, test, mixes);
    }
    let (c, from, passed_over) = match checkpoint::load_newest(path) {
        Ok(found) => found,
        Err(CheckpointError::Io(e))
            if e.kind() == std::io::ErrorKind::NotFound && !prev.exists() =>
        {
            crate::progress::warn(format_args!(
                "no checkpoint at {}: starting from the beginning",
                path.display()
            ));
            return start(recipe, train, test, mixes);
        }
        Err(e) => {
            return Err(CliError::Checkpoint(format!(
                "cannot resume from {}: {e}, and {} holds no good checkpoint either",
                path.display(),
                prev.display()
            )))
        }
    };
    if let Some(e) = passed_over {
        crate::progress::warn(format_args!(
            "{} is unusable ({e}); going on from the previous checkpoint, {}",
            path.display(),
            from.display()
        ));
    }
    let (train, test) = open_pair(train, test, mixes)?;
    let run = Run::resume(recipe, train, test, c).map_err(|e| match e {
        nnzero::run::RunError::NotThisRun(why) => CliError::Checkpoint(format!(
            "cannot resume from {}: it is of another run: {why}",
            from.display()
        )),
        other => other.into(),
    })?;
    if from != *path {
        // The good one goes back in place of the damaged one, so the next save cannot rename
        // the damaged one over it.
        checkpoint::promote_previous(path).map_err(|e| {
            CliError::Checkpoint(format!(
                "cannot put {} back in place of {}: {e}",
                from.display(),
                path.display()
            ))
        })?;
    }
    crate::progress::warn(format_args!(
        "resuming from {}: {}",
        from.display(),
        describe(&run, run.position())
    ));
    Ok(run)
}

/// "epoch 2/5, image 3000 of 60000" (or "all 5 epochs trained").
fn describe(run: &Run, p: Position) -> String {
    let epochs = run.recipe().epochs;
    if p.epoch > epochs {
        format!("all {epochs} epochs trained")
    } else {
        format!(
            "epoch {}/{epochs}, image {} of {}",
            p.epoch,
            p.record,
            run.records_per_epoch()
        )
    }
}

/// Trains to the end, writing a checkpoint every `every` images (or every minute), at every
/// epoch's end, and when a signal asks the run to stop (then returns
/// [`CliError::Interrupted`]).
pub fn train_with_checkpoints(
    run: &mut Run,
    observers: &mut [&mut dyn Observer],
    paths: &Paths,
    every: Option<u64>,
    signals: &Signals,
) -> Result<(), CliError> {
    // A resumed run's checkpoint stands until a new one is written.
    let at = run.position();
    let mut last_good = (at.epoch > 1 || at.done > 0).then(|| describe(run, at));
    loop {
        let (mut since, last) = (0u64, Instant::now());
        let status = run.run_until(observers, |_| {
            since += 1;
            signals.stop()
                || match every {
                    Some(n) => since >= n,
                    None => last.elapsed() >= CHECKPOINT_INTERVAL,
                }
        })?;
        let dir = parent_dir(&paths.checkpoint);
        let saved = run.save_checkpoint(&paths.checkpoint).or_else(|e| {
            if dir.exists() {
                return Err(e);
            }
            // The directory was removed under the run: the network is in memory, so make
            // the directory again and go on, saying what was lost.
            std::fs::create_dir_all(dir).map_err(CheckpointError::Io)?;
            run.save_checkpoint(&paths.checkpoint)?;
            crate::progress::warn(format_args!(
                "the checkpoint directory {} was gone (and the checkpoints in it): made it \
                 again and wrote the checkpoint there",
                dir.display()
            ));
            Ok(())
        });
        saved.map_err(|e| {
            if !dir.exists() {
                // Not even that: keep the network as the model before giving up.
                let kept = match nnzero::format::model::save(run.network(), &paths.save) {
                    Ok(()) => format!("the network so far is saved to {}", paths.save.display()),
                    Err(m) => format!("nor could the model be saved ({m})"),
                };
                return CliError::Checkpoint(format!(
                    "cannot write checkpoint {}: its directory {} is gone and cannot be made \
                     again ({e}); {kept}",
                    paths.checkpoint.display(),
                    dir.display()
                ));
            }
            CliError::Checkpoint(format!(
                "cannot write checkpoint {}: {e}; {}",
                paths.checkpoint.display(),
                match &last_good {
                    Some(at) => format!(
                        "the last checkpoint ({at}) stands: make room and add --resume to go on"
                    ),
                    None => "no checkpoint was written: make room and start again".into(),
                }
            ))
        })?;
        last_good = Some(describe(run, run.position()));
        if let Some((signal, code)) = signals.caught() {
            return Err(CliError::Interrupted {
                code,
                message: format!(
                    "stopped by {signal} at {}; checkpoint written to {}\nto go on: {}",
                    describe(run, run.position()),
                    paths.checkpoint.display(),
                    resume_command()
                ),
            });
        }
        if status == Status::Finished {
            return Ok(());
        }
    }
}

/// This command line with `--resume` added.
fn resume_command() -> String {
    let mut words: Vec<String> = std::env::args().map(|a| shell_quote(&a)).collect();
    if !words.iter().any(|w| w == "--resume") {
        if words.len() == 1 {
            words.push("train".into());
        }
        words.push("--resume".into());
    }
    words.join(" ")
}

fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}
