//! [`Run`]: a training run that owns all of its state and steps through it, so it can be
//! stopped after any record, written to a checkpoint, and resumed to the same bits.
//!
//! The state is the weights, the epoch and the record within it, the learning rate (a function
//! of the epoch), the augmentations' random stream (a function of the position: the run
//! replays it to the position on resume) and the epoch log. Nothing else carries over from one
//! record to the next: the trainer's deferred update is applied whenever the run pauses, which
//! gives the same bits as applying it with the next record (see [`crate::trainer`]).

use std::time::{Duration, Instant};

use nalgebra::DMatrix;

use crate::augment::{warp, Affine, AugmentRanges, Augmenter};
use crate::dataset::{Dataset, DatasetError, Fingerprint, Stream};
use crate::eval::evaluate;
use crate::mnist::{scale_image, targets_into};
use crate::Network;

use super::checkpoint::{Checkpoint, Position};
use super::recipe::AUGMENT_SEED_MIX;
use super::{EpochRecord, Observer, Recipe};

/// What can stop a run from starting, resuming or going on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// A dataset could not be read.
    #[error(transparent)]
    Dataset(#[from] DatasetError),
    /// The data do not fit the recipe or each other.
    #[error("{0}")]
    Mismatch(String),
    /// A checkpoint is of another run: the line says what differs.
    #[error("the checkpoint is of another run: {0}")]
    NotThisRun(String),
}

/// What [`Run::run_until`] stopped at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The stop condition said so, in the middle of an epoch.
    Paused,
    /// This epoch ended (and was scored); more follow.
    EpochEnded(u32),
    /// The last epoch ended: the run is finished.
    Finished,
}

/// A training run: a [`Recipe`] on a training and a test set.
pub struct Run {
    recipe: Recipe,
    train: Dataset,
    test: Dataset,
    train_id: Fingerprint,
    test_id: Fingerprint,
    net: Network,
    /// Records per epoch.
    samples: u64,
    side: usize,
    pos: Position,
    log: Vec<EpochRecord>,
    augmenter: Option<Augmenter>,
    /// The training set, read up to `pos.record`; opened when an epoch (or a resume) starts.
    stream: Option<Stream>,
    /// Whether observers have heard of the epoch in progress.
    announced: bool,
    /// Set by a resume until observers have been told.
    resumed: bool,
    inputs: Vec<f32>,
    targets: Vec<f32>,
    variant: Vec<u8>,
    scratch: Vec<u8>,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Run")
            .field("recipe", &self.recipe)
            .field("position", &self.pos)
            .finish_non_exhaustive()
    }
}

impl Run {
    /// A new run of `recipe`: checks that the data fit together and are intact (reading each
    /// once in full), and draws the initial weights.
    pub fn new(recipe: Recipe, train: Dataset, test: Dataset) -> Result<Run, RunError> {
        let (th, sh) = (train.header(), test.header());
        let classes = th.classes.max(sh.classes) as usize;
        // Before reading the data or drawing a weight: a header's image size times the hidden
        // nodes must fit a Pi's memory (a 2048×2048 blob of 8 KB would need 3.2 GB).
        crate::model::check_budget(th.pixels(), recipe.hidden as usize, classes)
            .map_err(|e| RunError::Mismatch(e.to_string()))?;
        let (train_id, test_id) = check_data(&recipe, &train, &test)?;
        let net = Network::new(
            th.pixels(),
            recipe.hidden as usize,
            classes,
            recipe.lr,
            recipe.seed,
        );
        let pos = Position {
            epoch: 1,
            record: 0,
            done: 0,
            took: Duration::ZERO,
        };
        Ok(Run::assemble(
            recipe,
            train,
            test,
            train_id,
            test_id,
            net,
            pos,
            vec![],
            false,
        ))
    }

    /// Goes on from checkpoint `c`, which must be of this recipe on these data; the error
    /// says what differs.
    pub fn resume(
        recipe: Recipe,
        train: Dataset,
        test: Dataset,
        c: Checkpoint,
    ) -> Result<Run, RunError> {
        let mut differs = recipe.differences(&c.recipe);
        let (train_id, test_id) = check_data(&recipe, &train, &test)?;
        if train_id != c.train {
            differs.push(format!(
                "training set {} ({train_id}), the checkpoint's was {}",
                train.name(),
                c.train
            ));
        }
        if test_id != c.test {
            differs.push(format!(
                "test set {} ({test_id}), the checkpoint's was {}",
                test.name(),
                c.test
            ));
        }
        if !differs.is_empty() {
            return Err(RunError::NotThisRun(differs.join("; ")));
        }
        let (th, sh) = (train.header(), test.header());
        let classes = th.classes.max(sh.classes) as u32;
        let samples = samples_of(&recipe, &train);
        if c.inputs as usize != th.pixels()
            || c.outputs != classes
            || c.position.record >= samples.max(1) && c.position.epoch <= recipe.epochs
        {
            return Err(RunError::NotThisRun(
                "its sizes or position do not fit these data".into(),
            ));
        }
        let hidden = recipe.hidden as usize;
        let wih = DMatrix::from_vec(hidden, c.inputs as usize, c.wih);
        let who = DMatrix::from_vec(c.outputs as usize, hidden, c.who);
        let net = Network::from_weights(wih, who, c.lr, recipe.seed);
        let mut run = Run::assemble(
            recipe, train, test, train_id, test_id, net, c.position, c.log, true,
        );
        // The augmentations are a stream of draws, a fixed number per record: replay it to
        // where the run stopped (a few million draws at most, milliseconds).
        if let Some(aug) = run.augmenter.as_mut() {
            let records = (u64::from(c.position.epoch) - 1) * samples + c.position.record;
            for _ in 0..records * u64::from(recipe.augment_copies) {
                aug.next_map();
            }
        }
        Ok(run)
    }

    #[allow(clippy::too_many_arguments)]
    fn assemble(
        recipe: Recipe,
        train: Dataset,
        test: Dataset,
        train_id: Fingerprint,
        test_id: Fingerprint,
        net: Network,
        pos: Position,
        log: Vec<EpochRecord>,
        resumed: bool,
    ) -> Run {
        let pixels = train.header().pixels();
        let samples = samples_of(&recipe, &train);
        let augmenter = (recipe.augment_copies > 0)
            .then(|| Augmenter::new(recipe.seed ^ AUGMENT_SEED_MIX, AugmentRanges::HANDWRITING));
        Run {
            side: train.header().rows as usize,
            inputs: vec![0.0; net.inputs()],
            targets: vec![0.0; net.outputs()],
            variant: vec![0; pixels],
            scratch: vec![0; pixels],
            recipe,
            train,
            test,
            train_id,
            test_id,
            net,
            samples,
            pos,
            log,
            augmenter,
            stream: None,
            announced: false,
            resumed,
        }
    }

    /// The recipe.
    pub fn recipe(&self) -> &Recipe {
        &self.recipe
    }

    /// The network as trained so far.
    pub fn network(&self) -> &Network {
        &self.net
    }

    /// Records (training images) per epoch.
    pub fn records_per_epoch(&self) -> u64 {
        self.samples
    }

    /// Training samples per epoch: records times their copies.
    pub fn samples_per_epoch(&self) -> u64 {
        self.samples * self.recipe.copies()
    }

    /// Where the run is.
    pub fn position(&self) -> Position {
        self.pos
    }

    /// The epochs finished so far.
    pub fn log(&self) -> &[EpochRecord] {
        &self.log
    }

    /// The training set.
    pub fn train_set(&self) -> &Dataset {
        &self.train
    }

    /// The test set.
    pub fn test_set(&self) -> &Dataset {
        &self.test
    }

    /// Whether every epoch has been trained.
    pub fn is_finished(&self) -> bool {
        self.pos.epoch > self.recipe.epochs
    }

    /// Everything needed to go on from here, to the same bits.
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            recipe: self.recipe,
            train: self.train_id,
            test: self.test_id,
            position: self.pos,
            log: self.log.clone(),
            inputs: self.net.inputs() as u32,
            outputs: self.net.outputs() as u32,
            lr: self.net.learning_rate(),
            wih: self.net.wih().as_slice().to_vec(),
            who: self.net.who().as_slice().to_vec(),
        }
    }

    /// Trains one record (the image and its copies), or scores the epoch that just ended.
    pub fn step(&mut self, observers: &mut [&mut dyn Observer]) -> Result<Status, RunError> {
        self.run_until(observers, |_| true)
    }

    /// Trains record after record, telling `observers`, until the epoch ends or `stop` (asked
    /// after every record but an epoch's last) says to pause. At an epoch's end the network
    /// is scored on the test set and the epoch logged.
    pub fn run_until(
        &mut self,
        observers: &mut [&mut dyn Observer],
        mut stop: impl FnMut(&Position) -> bool,
    ) -> Result<Status, RunError> {
        if self.is_finished() {
            return Ok(Status::Finished);
        }
        let (epoch, epochs) = (self.pos.epoch, self.recipe.epochs);
        if !self.announced {
            if self.resumed {
                for o in observers.iter_mut() {
                    o.resumed(epoch, self.pos.done, &self.log);
                }
                self.resumed = false;
            }
            let total = self.samples_per_epoch();
            for o in observers.iter_mut() {
                o.epoch_start(epoch, epochs, total);
            }
            self.announced = true;
        }
        self.net.set_learning_rate(self.recipe.learning_rate(epoch));
        if self.stream.is_none() {
            let mut stream = self.train.stream()?;
            for _ in 0..self.pos.record {
                stream.next_record()?;
            }
            self.stream = Some(stream);
        }

        let started = Instant::now();
        let Run {
            recipe,
            net,
            samples,
            side,
            pos,
            augmenter,
            stream,
            inputs,
            targets,
            variant,
            scratch,
            ..
        } = self;
        let stream = stream.as_mut().expect("opened above");
        let mut trainer = net.trainer();
        let mut step = |pixels: &[u8], label: u8, done: &mut u64| {
            scale_image(pixels, inputs);
            targets_into(label, targets);
            let outputs = trainer.train(inputs, targets);
            for o in observers.iter_mut() {
                o.sample(epoch, *done, label, pixels, outputs);
            }
            *done += 1;
        };
        let mut paused = false;
        while pos.record < *samples {
            let Some((label, pixels)) = stream.next_record()? else {
                break;
            };
            step(pixels, label, &mut pos.done);
            if let Some(degrees) = recipe.rotate {
                for angle in [degrees, -degrees] {
                    warp(pixels, variant, *side, &Affine::rotation(angle));
                    step(variant, label, &mut pos.done);
                }
            }
            if let Some(aug) = augmenter.as_mut() {
                for _ in 0..recipe.augment_copies {
                    aug.augment(pixels, variant, scratch, *side);
                    step(variant, label, &mut pos.done);
                }
            }
            pos.record += 1;
            if pos.record < *samples && stop(pos) {
                paused = true;
                break;
            }
        }
        trainer.finish();
        pos.took += started.elapsed();
        if paused {
            return Ok(Status::Paused);
        }

        let took = pos.took;
        let score = evaluate(net, &self.test)?;
        self.log.push(EpochRecord {
            epoch,
            correct: score.correct(),
            total: score.total(),
            took,
        });
        for o in observers.iter_mut() {
            o.epoch_end(epoch, &score, took);
        }
        self.stream = None;
        self.announced = false;
        self.pos = Position {
            epoch: epoch + 1,
            record: 0,
            done: 0,
            took: Duration::ZERO,
        };
        Ok(if self.is_finished() {
            Status::Finished
        } else {
            Status::EpochEnded(epoch)
        })
    }

    /// Runs every remaining epoch without pausing.
    pub fn run_to_end(&mut self, observers: &mut [&mut dyn Observer]) -> Result<(), RunError> {
        while self.run_until(observers, |_| false)? != Status::Finished {}
        Ok(())
    }

    /// The trained network, recording the learning rate the run was asked for (not the last
    /// step of a schedule).
    pub fn into_network(self) -> Network {
        let mut net = self.net;
        net.set_learning_rate(self.recipe.lr);
        net
    }
}

/// Records per epoch.
fn samples_of(recipe: &Recipe, train: &Dataset) -> u64 {
    let len = train.len() as u64;
    recipe.limit.map_or(len, |n| n.min(len))
}

/// Checks that the data fit the recipe and each other, and reads each in full (a corrupt blob
/// is only caught at its checksum, at the end: better now than after an hour of training).
fn check_data(
    recipe: &Recipe,
    train: &Dataset,
    test: &Dataset,
) -> Result<(Fingerprint, Fingerprint), RunError> {
    let (th, sh) = (train.header(), test.header());
    if th.pixels() != sh.pixels() {
        return Err(RunError::Mismatch(format!(
            "training images are {}×{} but test images {}×{}",
            th.rows, th.cols, sh.rows, sh.cols
        )));
    }
    if train.is_empty() {
        return Err(RunError::Mismatch(format!(
            "{} holds no samples",
            train.name()
        )));
    }
    if (recipe.rotate.is_some() || recipe.augment_copies > 0) && th.rows != th.cols {
        return Err(RunError::Mismatch(format!(
            "--rotate and --augment need square images, {} holds {}×{}",
            train.name(),
            th.rows,
            th.cols
        )));
    }
    Ok((train.fingerprint()?, test.fingerprint()?))
}
