//! [`Run`]: a training run that owns all of its state and steps through it, so it can be
//! stopped after any record, written to a checkpoint, and resumed to the same bits.
//!
//! The state is the weights, the epoch and the record within it, the learning rate (a function
//! of the epoch), the augmentations' random stream (a function of the position: the run
//! replays it to the position on resume) and the epoch log. Nothing else carries over from one
//! record to the next: the trainer's deferred update is applied whenever the run pauses, which
//! gives the same bits as applying it with the next record (see [`crate::net::trainer`]).

use std::time::{Duration, Instant};

use nalgebra::DMatrix;

use crate::augment::{warp, Affine, Augmenter};
use crate::dataset::pipeline::{default_producers, Pipeline};
use crate::dataset::{Dataset, DatasetError, Fingerprint};
use crate::digits::mnist::targets_into;
use crate::infer::eval::evaluate;
use crate::parallel::{default_threads_for, ParallelTrainer};
use crate::Network;

use super::checkpoint::{self, Checkpoint, CheckpointError, CheckpointView, Position};
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
    /// The network, trained on one or more threads; synced (every update applied) whenever
    /// the run is paused.
    trainer: ParallelTrainer,
    /// Records per epoch.
    samples: u64,
    side: usize,
    pos: Position,
    log: Vec<EpochRecord>,
    /// The epoch's samples from `pos.record` on, decoded and copied ahead on threads of
    /// their own; started when an epoch (or a resume) starts.
    feed: Option<Pipeline>,
    /// Whether observers have heard of the epoch in progress.
    announced: bool,
    /// Set by a resume until observers have been told.
    resumed: bool,
    targets: Vec<f32>,
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
        crate::format::model::check_budget(th.pixels(), recipe.hidden as usize, classes)
            .map_err(|e| RunError::Mismatch(e.to_string()))?;
        let [(train_id, _), (test_id, _)] = check_data(&recipe, &train, &test)?;
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
        let [(train_id, train_old), (test_id, test_old)] = check_data(&recipe, &train, &test)?;
        // A checkpoint written before the fingerprint covered the data holds the old one,
        // which tells only the size apart: such a checkpoint resumes as it always did.
        if train_id != c.train && train_old != c.train {
            differs.push(format!(
                "training set {} ({train_id}), the checkpoint's was {}",
                train.name(),
                c.train
            ));
        }
        if test_id != c.test && test_old != c.test {
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
        // The augmentations are a function of the position: nothing to replay.
        Ok(Run::assemble(
            recipe, train, test, train_id, test_id, net, c.position, c.log, true,
        ))
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
        let mut net = net;
        // The model records it: `predict` and the test scoring deskew as training did.
        net.set_deskew(recipe.deskew);
        let samples = samples_of(&recipe, &train);
        let augmented = recipe.augment_copies as usize;
        Run {
            side: train.header().rows as usize,
            targets: vec![0.0; net.outputs()],
            trainer: ParallelTrainer::new(
                net,
                default_threads_for(recipe.hidden as usize, rotations(&recipe), augmented),
            ),
            recipe,
            train,
            test,
            train_id,
            test_id,
            samples,
            pos,
            log,
            feed: None,
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
        self.trainer
            .synced()
            .unwrap_or_else(|| unreachable!("the run syncs its trainer whenever it pauses"))
    }

    /// The threads training: the calling one and `threads − 1` more (see
    /// [`crate::parallel`]); the weights are the same, bit for bit, whatever the count.
    pub fn threads(&self) -> usize {
        self.trainer.threads()
    }

    /// The run, training on `threads` threads from now on (the default is
    /// [`default_threads_for`]); the weights are the same for every count.
    pub fn with_threads(self, threads: usize) -> Run {
        let net = self.trainer.into_network();
        Run {
            trainer: ParallelTrainer::new(net, threads),
            ..self
        }
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

    /// Everything needed to go on from here, to the same bits, as an owned copy (the
    /// weights copied): [`checkpoint_view`](Self::checkpoint_view) to write it.
    pub fn checkpoint(&self) -> Checkpoint {
        let v = self.checkpoint_view();
        Checkpoint {
            recipe: v.recipe,
            train: v.train,
            test: v.test,
            position: v.position,
            log: v.log.to_vec(),
            inputs: v.inputs,
            outputs: v.outputs,
            lr: v.lr,
            wih: v.wih.to_vec(),
            who: v.who.to_vec(),
        }
    }

    /// Everything needed to go on from here, borrowed from the run: the weights are the
    /// network's own, so writing it ([`checkpoint::save`]) makes no copy of them.
    pub fn checkpoint_view(&self) -> CheckpointView<'_> {
        let net = self.network();
        CheckpointView {
            recipe: self.recipe,
            train: self.train_id,
            test: self.test_id,
            position: self.pos,
            log: &self.log,
            inputs: net.inputs() as u32,
            outputs: net.outputs() as u32,
            lr: net.learning_rate(),
            wih: net.wih().as_slice(),
            who: net.who().as_slice(),
        }
    }

    /// Writes the run's checkpoint to `path` atomically, streaming the weights from the
    /// network (see [`checkpoint::save`]).
    pub fn save_checkpoint(&self, path: &std::path::Path) -> Result<(), CheckpointError> {
        checkpoint::save(self.checkpoint_view(), path)
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
        self.trainer
            .set_learning_rate(self.recipe.learning_rate(epoch));
        if self.feed.is_none() {
            let copier = self.copier(epoch);
            let copies = self.recipe.copies() as usize;
            let (start, end) = (self.pos.record, self.samples);
            let augmented = self.recipe.augment_copies as usize;
            let producers = default_producers(rotations(&self.recipe), augmented);
            let feed =
                Pipeline::spawn_from(&self.train, epoch, start, end, copies, producers, copier)?;
            self.feed = Some(feed);
        }

        let started = Instant::now();
        let Run {
            recipe,
            trainer,
            samples,
            pos,
            feed,
            targets,
            side,
            ..
        } = self;
        // With copies, the producers pass each record on deskewed (their copies are made
        // from it so); without, the record itself is deskewed here.
        let (deskew, side) = (
            recipe.deskew && feed.as_ref().is_some_and(|f| f.producers() == 0),
            *side,
        );
        let mut upright = vec![0u8; if deskew { side * side } else { 0 }];
        let feed = feed
            .as_mut()
            .unwrap_or_else(|| unreachable!("started above"));
        let copies = recipe.copies();
        let mut step = |pixels: &[u8], label: u8, done: &mut u64, original: bool| {
            let pixels = if deskew && original {
                crate::digits::deskew::deskew(pixels, &mut upright, side);
                &upright[..]
            } else {
                pixels
            };
            targets_into(label, targets);
            // Scaled to inputs by each training thread (`scale_image`).
            let outputs = trainer.train_pixels(pixels, targets);
            for o in observers.iter_mut() {
                o.sample(epoch, *done, label, pixels, outputs);
            }
            *done += 1;
        };
        let mut paused = false;
        'records: while pos.record < *samples {
            // The record, then its copies: the rotations, the augmented ones.
            for copy in 0..copies {
                let Some((label, pixels)) = feed.next_sample()? else {
                    break 'records;
                };
                step(pixels, label, &mut pos.done, copy == 0);
            }
            pos.record += 1;
            if pos.record < *samples && stop(pos) {
                paused = true;
                break;
            }
        }
        let net = trainer.network(); // every update applied: the run may be looked at
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
        self.feed = None;
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

    /// What makes the copies of epoch `epoch`'s records, on the pipeline's thread: copies 1
    /// and 2 are `--rotate`'s (+deg, −deg), the rest `--augment`'s, each a function of (seed,
    /// epoch, record, copy) alone.
    fn copier(
        &self,
        epoch: u32,
    ) -> impl FnMut(u64, usize, u8, &[u8], &mut [u8]) + Clone + Send + 'static {
        let (rotate, side) = (self.recipe.rotate, self.side);
        let first_augmented = 1 + 2 * usize::from(rotate.is_some());
        let mut augmenter = (self.recipe.augment_copies > 0).then(|| {
            Augmenter::new(
                self.recipe.seed ^ AUGMENT_SEED_MIX,
                Recipe::AUGMENT_RANGES,
                side,
            )
        });
        // With deskew, the copies are made from the record stood upright, once per record.
        let deskew = self.recipe.deskew;
        let mut upright = (vec![0u8; if deskew { side * side } else { 0 }], None);
        move |index: u64, copy: usize, label: u8, src: &[u8], out: &mut [u8]| {
            let src = if deskew {
                let (buf, of) = &mut upright;
                if *of != Some(index) {
                    crate::digits::deskew::deskew(src, buf, side);
                    *of = Some(index);
                }
                &buf[..]
            } else {
                src
            };
            match (rotate, augmenter.as_mut()) {
                // The record itself, upright if the run deskews.
                _ if copy == 0 => out.copy_from_slice(src),
                (Some(degrees), _) if copy < first_augmented => {
                    let angle = if copy == 1 { degrees } else { -degrees };
                    warp(src, out, side, &Affine::rotation(angle));
                }
                (_, Some(aug)) => {
                    let copy = (copy - first_augmented) as u32;
                    aug.augment_digit(epoch, index, copy, label, src, out);
                }
                (_, None) => unreachable!("a copy beyond the recipe's"),
            }
        }
    }

    /// Runs every remaining epoch without pausing.
    pub fn run_to_end(&mut self, observers: &mut [&mut dyn Observer]) -> Result<(), RunError> {
        while self.run_until(observers, |_| false)? != Status::Finished {}
        Ok(())
    }

    /// The trained network, recording the learning rate the run was asked for (not the last
    /// step of a schedule).
    pub fn into_network(self) -> Network {
        let mut net = self.trainer.into_network();
        net.set_learning_rate(self.recipe.lr);
        net
    }
}

/// Rotated copies per record (`--rotate`: +deg and −deg).
fn rotations(recipe: &Recipe) -> usize {
    2 * usize::from(recipe.rotate.is_some())
}

/// Records per epoch.
fn samples_of(recipe: &Recipe, train: &Dataset) -> u64 {
    let len = train.len() as u64;
    recipe.limit.map_or(len, |n| n.min(len))
}

/// Checks that the data fit the recipe and each other, and reads each in full (a corrupt blob
/// is only caught at its checksum, at the end: better now than after an hour of training).
/// Returns each set's fingerprint and its fingerprint as old checkpoints hold it
/// ([`Dataset::fingerprints`]).
fn check_data(
    recipe: &Recipe,
    train: &Dataset,
    test: &Dataset,
) -> Result<[(Fingerprint, Fingerprint); 2], RunError> {
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
    if (recipe.rotate.is_some() || recipe.augment_copies > 0 || recipe.deskew) && th.rows != th.cols
    {
        return Err(RunError::Mismatch(format!(
            "--rotate, --augment and deskewing need square images, {} holds {}×{}",
            train.name(),
            th.rows,
            th.cols
        )));
    }
    Ok([train.fingerprints()?, test.fingerprints()?])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::infer::eval::Confusion;
    use crate::run::checkpoint::{decode, encode_to};

    /// Writes down what observers are told, as a chart and a progress bar would use it.
    #[derive(Default)]
    struct Recorder {
        /// The accuracy curve: (epoch, accuracy), earlier epochs first.
        curve: Vec<(u32, f64)>,
        /// Every call, in order.
        calls: Vec<String>,
        /// The last sample index seen, per epoch.
        last_sample: Option<(u32, u64)>,
    }

    impl Observer for Recorder {
        fn resumed(&mut self, epoch: u32, done: u64, log: &[EpochRecord]) {
            self.curve = log.iter().map(|e| (e.epoch, e.accuracy())).collect();
            self.calls
                .push(format!("resumed {epoch} {done} {}", log.len()));
        }
        fn epoch_start(&mut self, epoch: u32, epochs: u32, samples: u64) {
            self.calls.push(format!("start {epoch}/{epochs} {samples}"));
        }
        fn sample(&mut self, epoch: u32, index: u64, _: u8, _: &[u8], _: &[f32]) {
            self.last_sample = Some((epoch, index));
        }
        fn epoch_end(&mut self, epoch: u32, score: &Confusion, _: Duration) {
            self.curve.push((epoch, score.accuracy()));
            self.calls.push(format!("end {epoch}"));
        }
    }

    /// A deskewing run trains on other pictures than a plain one (so its weights differ), its
    /// model says it deskews, and the observers see the pictures as trained: upright.
    #[test]
    fn a_deskewing_run_trains_on_upright_pictures_and_its_model_says_so() {
        let (train, test) = crate::run::tiny_sets(12, 5);
        let model = |deskew: bool| {
            let recipe = Recipe {
                hidden: 6,
                epochs: 1,
                augment_copies: 1,
                deskew,
                ..Recipe::BOOK
            };
            let mut run = Run::new(recipe, train.clone(), test.clone()).unwrap();
            run.run_to_end(&mut []).unwrap();
            run.into_network()
        };
        let (plain, upright) = (model(false), model(true));
        assert!(!plain.deskews() && upright.deskews());
        assert_ne!(plain.wih(), upright.wih());
        let bytes = crate::format::model::encode(&upright);
        assert_eq!(bytes[4], 2, "a deskewing model is version 2");
        assert!(crate::format::model::decode(&bytes).unwrap().deskews());
    }

    #[test]
    fn a_run_resumed_from_its_streamed_checkpoint_goes_on_to_the_same_bits_and_curve() {
        let (train, test) = crate::run::tiny_sets(25, 10);
        for recipe in [
            Recipe {
                hidden: 9,
                epochs: 3,
                ..Recipe::BOOK
            },
            Recipe {
                hidden: 9,
                epochs: 3,
                rotate: Some(10.0),
                augment_copies: 1,
                ..Recipe::BOOK
            },
            Recipe {
                hidden: 9,
                epochs: 3,
                augment_copies: 1,
                deskew: true,
                ..Recipe::BOOK
            },
        ] {
            let mut whole = Run::new(recipe, train.clone(), test.clone()).unwrap();
            let mut seen = Recorder::default();
            whole.run_to_end(&mut [&mut seen]).unwrap();
            let reference = crate::format::model::encode(&whole.into_network());
            // Stopped in epoch 1, early in epoch 2, in the middle of epoch 3 (`stop` is asked
            // after every record but an epoch's last: 24 times an epoch).
            for stop_at in [7, 24 + 2, 2 * 24 + 13] {
                let mut run = Run::new(recipe, train.clone(), test.clone()).unwrap();
                let mut n = 0;
                loop {
                    let status = run.run_until(&mut [], |_| {
                        n += 1;
                        n == stop_at
                    });
                    match status.unwrap() {
                        Status::Paused => break,
                        Status::Finished => panic!("never stopped"),
                        Status::EpochEnded(_) => {}
                    }
                }
                let mut file = Vec::new();
                encode_to(&run.checkpoint_view(), &mut file).unwrap();
                drop(run);
                let c = decode(&file).unwrap();
                let (epoch, done) = (c.position.epoch, c.position.done);
                let mut resumed = Run::resume(recipe, train.clone(), test.clone(), c).unwrap();
                let mut after = Recorder::default();
                resumed.run_to_end(&mut [&mut after]).unwrap();
                assert_eq!(
                    crate::format::model::encode(&resumed.into_network()),
                    reference,
                    "{recipe:?} stopped after {stop_at} records"
                );
                // Told where the run was first; the curve holds every epoch, as the whole
                // run's does; the samples count on from where the run stopped.
                assert_eq!(
                    after.calls[..2],
                    [
                        format!("resumed {epoch} {done} {}", epoch - 1),
                        format!("start {epoch}/3 {}", 25 * recipe.copies())
                    ]
                );
                assert_eq!(after.curve, seen.curve);
                assert_eq!(after.last_sample, Some((3, 25 * recipe.copies() - 1)));
            }
        }
    }
}
