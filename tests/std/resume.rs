//! Checkpoints and resume from the outside: a run killed anywhere (SIGKILL, Ctrl-C, SIGTERM)
//! and resumed ends with the same model bytes as one never interrupted; checkpoints of other
//! runs, damaged checkpoints and a second training on the same files are refused; a full
//! disk, a read-only or vanished directory and a closed stdout lose nothing.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common;
use common::{
    assert_ok, assert_one_line_error, assert_usage_error, nnzero, stderr, stdout, subset,
    wait_blocked_writing,
};

/// A directory with a small training set (2,000 images) and test set (200).
fn data_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    subset(dir.path(), "train.blob", 2000, false);
    subset(dir.path(), "test.blob", 200, true);
    dir
}

/// A small quick run on `data_dir`'s sets, saving to `save`.
fn args<'a>(save: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec![
        "train",
        "--train",
        "train.blob",
        "--test",
        "test.blob",
        "--hidden",
        "48",
        "--epochs",
        "3",
        "--save",
        save,
    ];
    a.extend_from_slice(extra);
    a
}

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_nnzero"));
    c.args(args).current_dir(dir);
    c
}

/// A small pseudo-random generator for the kill moments (the test prints its seed).
struct Lcg(u64);
impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// Kills a run 20 times at random moments (SIGKILL), resumes it each time, and checks the
/// final model against an uninterrupted run's, byte for byte.
fn killed_twenty_times_ends_identical(extra: &[&str]) {
    let dir = data_dir();
    let d = dir.path();
    let mut reference = args("ref.nnz", extra);
    reference.extend(["--checkpoint-every", "50"]);
    // Progress lines (seen with `--nocapture`): the whole test takes a while.
    eprintln!("resume {extra:?}: the uninterrupted reference run");
    let started = Instant::now();
    assert_ok(&nnzero(d, &reference));
    let full = started.elapsed();

    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let mut rng = Lcg(seed);
    // Checkpoints every 50 images: many of the kills land in or near a checkpoint write.
    let resumed = args("m.nnz", extra);
    let mut resumed = resumed.clone();
    resumed.extend(["--checkpoint-every", "50", "--resume"]);
    let (mut kills, mut finished_early, mut mid_write) = (0, 0, 0);
    while kills < 20 {
        let mut child = command(d, &resumed)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Somewhere in the first 40 % of a whole run: twenty of them get through it.
        let at = Duration::from_micros(rng.below(full.as_micros() as u64 * 2 / 5 + 1));
        std::thread::sleep(at);
        if child.try_wait().unwrap().is_some() {
            finished_early += 1;
            assert!(
                finished_early < 50,
                "the run keeps finishing before the kill"
            );
            fs::remove_file(d.join("m.nnz")).unwrap();
            continue;
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        kills += 1;
        eprintln!("resume {extra:?}: SIGKILL {kills}/20 after {at:?}");
        // A kill in the middle of a save leaves its temporary file (the next save removes it).
        mid_write += fs::read_dir(d)
            .unwrap()
            .any(|e| e.unwrap().file_name().to_string_lossy().contains(".tmp-"))
            as u32;
    }
    let o = nnzero(d, &resumed);
    assert_ok(&o);
    assert_eq!(
        fs::read(d.join("m.nnz")).unwrap(),
        fs::read(d.join("ref.nnz")).unwrap(),
        "killed 20 times (seed {seed}) and resumed, the model differs: {}",
        stderr(&o)
    );
    // No checkpoint, temporary or lock file is left.
    let mut left: Vec<_> = fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(left, ["m.nnz", "ref.nnz", "test.blob", "train.blob"]);
    eprintln!(
        "20 SIGKILLs (seed {seed}), {mid_write} of them during a save, {finished_early} runs \
         finished first: identical"
    );
}

#[test]
fn a_run_killed_twenty_times_ends_with_the_same_bytes() {
    killed_twenty_times_ends_identical(&[]);
}

#[test]
fn an_augmented_rotated_run_killed_twenty_times_ends_with_the_same_bytes() {
    killed_twenty_times_ends_identical(&["--augment", "--rotate", "10", "--limit", "700"]);
}

/// Sends `signals` to a run once its second checkpoint is written (so its first is `.prev`);
/// returns its output.
fn signalled(d: &Path, args: &[&str], signals: &[&str]) -> std::process::Output {
    let child = command(d, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let ckpt = d.join("m.nnz.ckpt.prev");
    let start = Instant::now();
    while !ckpt.exists() {
        assert!(start.elapsed() < Duration::from_secs(60), "no checkpoint");
        std::thread::sleep(Duration::from_millis(5));
    }
    for s in signals {
        let ok = Command::new("kill")
            .args([*s, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
    }
    child.wait_with_output().unwrap()
}

#[test]
fn ctrl_c_and_sigterm_write_a_checkpoint_say_how_to_resume_and_resume_exactly() {
    let dir = data_dir();
    let d = dir.path();
    assert_ok(&nnzero(d, &args("ref.nnz", &[])));
    let slow = args("m.nnz", &["--checkpoint-every", "5"]);
    for (signal, code) in [("-INT", 130), ("-TERM", 143)] {
        let _ = fs::remove_file(d.join("m.nnz"));
        let o = signalled(d, &slow, &[signal]);
        assert_eq!(o.status.code(), Some(code), "{}", stderr(&o));
        let err = stderr(&o);
        let how = err
            .lines()
            .find_map(|l| l.strip_prefix("to go on: "))
            .unwrap_or_else(|| panic!("no resume command: {err}"));
        assert!(how.ends_with("--resume"), "{how}");
        assert!(err.contains("checkpoint written to m.nnz.ckpt"), "{err}");
        assert!(!d.join("m.nnz").exists());
        // Without --resume the checkpoint is not thrown away.
        let o = nnzero(d, &slow);
        assert_one_line_error(&o, "holds the checkpoint of an interrupted run");
        let o = nnzero(d, &args("m.nnz", &["--resume"]));
        assert_ok(&o);
        assert!(stderr(&o).contains("resuming from m.nnz.ckpt: epoch 1/3"));
        assert_eq!(
            fs::read(d.join("m.nnz")).unwrap(),
            fs::read(d.join("ref.nnz")).unwrap()
        );
        assert!(!d.join("m.nnz.ckpt").exists());
    }
    // A second Ctrl-C exits at once; the checkpoint on disk is a whole one.
    let _ = fs::remove_file(d.join("m.nnz"));
    let o = signalled(d, &slow, &["-INT", "-INT"]);
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    assert_ok(&nnzero(d, &args("m.nnz", &["--resume"])));
    assert_eq!(
        fs::read(d.join("m.nnz")).unwrap(),
        fs::read(d.join("ref.nnz")).unwrap()
    );
}

#[test]
fn a_second_ctrl_c_exits_at_once_and_the_last_checkpoint_stands() {
    use std::io::Write;
    let dir = data_dir();
    let d = dir.path();
    assert_ok(&nnzero(d, &args("ref.nnz", &[])));
    // stdout is a pipe that nobody reads, kept full: the run blocks writing epoch 1's line,
    // where a first Ctrl-C cannot stop it (that waits for the current image to finish).
    let (reader, mut writer) = std::io::pipe().unwrap();
    let child_out = writer.try_clone().unwrap();
    let filler = std::thread::spawn(move || {
        let block = [b'#'; 4096];
        while writer.write_all(&block).is_ok() {}
    });
    let mut child = command(d, &args("m.nnz", &["--checkpoint-every", "5"]))
        .stdout(child_out)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_blocked_writing(child.id());
    let last = fs::read(d.join("m.nnz.ckpt")).unwrap();
    let kill = |child: &std::process::Child| {
        let ok = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
    };
    kill(&child);
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the first Ctrl-C ended the run while it could not stop"
    );
    kill(&child);
    // At once: a minute is far more than it could take, and keeps a broken build from
    // hanging the test.
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("the second Ctrl-C did not end the run");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let o = child.wait_with_output().unwrap();
    drop(reader);
    filler.join().unwrap();
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    // No checkpoint written after the signals, no message about one.
    let err = stderr(&o);
    assert!(
        !err.contains("stopped by") && !err.contains("to go on"),
        "{err}"
    );
    assert_eq!(fs::read(d.join("m.nnz.ckpt")).unwrap(), last);
    assert!(!d.join("m.nnz").exists());
    let o = nnzero(d, &args("m.nnz", &["--resume"]));
    assert_ok(&o);
    assert!(stderr(&o).contains("resuming from m.nnz.ckpt: epoch 1/3, image 1995 of 2000"));
    assert_eq!(
        fs::read(d.join("m.nnz")).unwrap(),
        fs::read(d.join("ref.nnz")).unwrap()
    );
}

/// Stops a run after its first checkpoint with Ctrl-C.
fn interrupted(d: &Path, extra: &[&str]) {
    let mut a = args("m.nnz", extra);
    a.extend(["--checkpoint-every", "5"]);
    let o = signalled(d, &a, &["-INT"]);
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
}

#[test]
fn a_checkpoint_of_another_recipe_or_other_data_is_refused_saying_what_differs() {
    let dir = data_dir();
    let d = dir.path();
    interrupted(d, &[]);
    let mut a = args("m.nnz", &["--resume", "--seed", "2"]);
    a[6] = "30"; // --hidden
    let o = nnzero(d, &a);
    assert_one_line_error(
        &o,
        "cannot resume from m.nnz.ckpt: it is of another run: --hidden 30 here, 48 in the \
         checkpoint; --seed 2 here, 1 in the checkpoint",
    );
    subset(d, "other.blob", 1999, false);
    let mut a = args("m.nnz", &["--resume"]);
    a[2] = "other.blob";
    let o = nnzero(d, &a);
    assert_one_line_error(&o, "training set other.blob (1999 images of 28×28");
    // The same images with every label moved on by one: the same size, other data. The
    // fingerprint once hashed the blob's own checksum too and was the same for both.
    let bytes = fs::read(d.join("train.blob")).unwrap();
    let shifted = nnzero::format::blob::BlobReader::new(&bytes[..]).unwrap();
    let h = *shifted.header();
    let mut w = nnzero::format::blob::BlobWriter::new(Vec::new(), h).unwrap();
    let mut reader = shifted;
    let mut pixels = vec![0u8; h.pixels()];
    while let Some(label) = reader.next_into(&mut pixels).unwrap() {
        w.push((label + 1) % 10, &pixels).unwrap();
    }
    fs::write(d.join("shifted.blob"), w.finish().unwrap()).unwrap();
    let mut a = args("m.nnz", &["--resume"]);
    a[2] = "shifted.blob";
    let o = nnzero(d, &a);
    assert_one_line_error(&o, "training set shifted.blob (2000 images of 28×28");
    // Refusing touched nothing: the right command still resumes.
    assert_ok(&nnzero(d, &args("m.nnz", &["--resume"])));
}

/// The digits `--augment` mixes in are part of the training data: a checkpoint of a run
/// without the Semeion and Swiss digits (one made before they existed) resumes only without
/// them.
#[test]
fn a_checkpoint_of_another_mix_is_refused_and_resumes_with_its_flags() {
    let dir = data_dir();
    let d = dir.path();
    interrupted(d, &["--augment", "--no-semeion", "--no-swiss"]);
    for other in [
        &["--augment"][..],
        &["--augment", "--no-swiss"],
        &["--augment", "--no-semeion"],
    ] {
        let o = nnzero(d, &args("m.nnz", &[other, &["--resume"]].concat()));
        assert_one_line_error(
            &o,
            "cannot resume from m.nnz.ckpt: it is of another run: training set",
        );
    }
    assert_ok(&nnzero(
        d,
        &args(
            "m.nnz",
            &["--augment", "--no-semeion", "--no-swiss", "--resume"],
        ),
    ));
}

#[test]
fn a_damaged_checkpoint_is_refused_and_the_previous_one_used() {
    let dir = data_dir();
    let d = dir.path();
    assert_ok(&nnzero(d, &args("ref.nnz", &[])));
    interrupted(d, &[]);
    let ckpt = d.join("m.nnz.ckpt");
    let prev = d.join("m.nnz.ckpt.prev");
    assert!(
        prev.exists(),
        "a stop after several checkpoints keeps the one before"
    );
    let good = fs::read(&ckpt).unwrap();
    let good_prev = fs::read(&prev).unwrap();
    // A flipped byte in the newest: the previous one is used, and the model is the same.
    let mut bad = good.clone();
    bad[1000] ^= 0x40;
    fs::write(&ckpt, &bad).unwrap();
    // The run that goes on from .prev never keeps the damaged one as its .prev: stopped after
    // its first new checkpoint, .prev is the good one it resumed from.
    let child = command(d, &args("m.nnz", &["--resume", "--checkpoint-every", "5"]))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while fs::read(&ckpt).is_ok_and(|now| now == bad || now == good_prev) || !ckpt.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no new checkpoint"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let ok = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    let kept = nnzero::run::checkpoint::load(&prev);
    assert!(kept.is_ok(), "{kept:?}");
    nnzero::run::checkpoint::load(&ckpt).unwrap();
    fs::write(&ckpt, &bad).unwrap();
    fs::write(&prev, &good_prev).unwrap();
    let o = nnzero(d, &args("m.nnz", &["--resume"]));
    assert_ok(&o);
    assert!(
        stderr(&o).contains("m.nnz.ckpt is unusable (checkpoint is corrupt: checksum"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        fs::read(d.join("m.nnz")).unwrap(),
        fs::read(d.join("ref.nnz")).unwrap()
    );
    // Truncated at a few lengths with no good .prev: one line, nothing trained.
    fs::remove_file(d.join("m.nnz")).unwrap();
    for len in [0, 3, 13, 14, 100, good.len() / 2, good.len() - 1] {
        fs::write(&ckpt, &good[..len]).unwrap();
        fs::write(&prev, &good[..len / 2]).unwrap();
        let o = nnzero(d, &args("m.nnz", &["--resume"]));
        assert_one_line_error(&o, "cannot resume from m.nnz.ckpt: ");
        assert!(!d.join("m.nnz").exists());
    }
}

#[test]
fn a_second_training_on_the_same_model_or_checkpoint_is_refused() {
    let dir = data_dir();
    let d = dir.path();
    let held = nnzero::run::RunLock::acquire(&[&d.join("m.nnz")]).unwrap();
    let o = nnzero(d, &args("m.nnz", &["--checkpoint", "other.ckpt"]));
    assert_one_line_error(&o, "m.nnz is in use by another nnzero run");
    drop(held);
    let held = nnzero::run::RunLock::acquire(&[&d.join("shared.ckpt")]).unwrap();
    let o = nnzero(d, &args("m.nnz", &["--checkpoint", "shared.ckpt"]));
    assert_one_line_error(&o, "shared.ckpt is in use by another nnzero run");
    drop(held);
    assert!(!d.join("m.nnz").exists());
    // Two real processes: the second refuses while the first trains, the first finishes.
    let first = command(d, &args("m.nnz", &["--checkpoint-every", "5"]))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    while !d.join("m.nnz.ckpt").exists() {
        std::thread::sleep(Duration::from_millis(5));
    }
    let o = nnzero(d, &args("m.nnz", &[]));
    assert_one_line_error(&o, "m.nnz is in use by another nnzero run");
    let first = first.wait_with_output().unwrap();
    assert!(first.status.success(), "{}", stderr(&first));
}

#[test]
fn clashing_paths_are_refused_before_training() {
    let dir = data_dir();
    let d = dir.path();
    for (extra, what) in [
        (vec!["--checkpoint", "./m.nnz"], "--save and --checkpoint"),
        (
            vec!["--plot", "m.nnz.ckpt.png", "--checkpoint", "m.nnz.ckpt.png"],
            "--plot and --checkpoint",
        ),
    ] {
        let o = nnzero(d, &args("m.nnz", &extra));
        assert_usage_error(&o);
        assert!(stderr(&o).contains(what), "{}", stderr(&o));
    }
    for save in ["train.blob", "test.blob"] {
        let o = nnzero(d, &args(save, &[]));
        assert_usage_error(&o);
        assert!(stderr(&o).contains("are the same file"), "{}", stderr(&o));
    }
    let o = nnzero(d, &args("same.png", &["--plot", "./same.png"]));
    assert_usage_error(&o);
    assert!(
        stderr(&o).contains("--save and --plot are the same file (same.png)"),
        "{}",
        stderr(&o)
    );
    let mut left: Vec<_> = fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(left, ["test.blob", "train.blob"]);
}

#[test]
fn a_closed_or_full_stdout_does_not_lose_the_model() {
    let dir = data_dir();
    let d = dir.path();
    assert_ok(&nnzero(d, &args("ref.nnz", &[])));
    // Broken pipe: read the first line, then close the pipe (`| head -1`).
    let mut child = command(d, &args("m.nnz", &[]))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::BufRead;
        let mut first = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(first.starts_with("epoch 1/3"), "{first}");
    }
    let o = child.wait_with_output().unwrap();
    assert_one_line_error(&o, "cannot write output: Broken pipe");
    assert!(stderr(&o).contains("the model was saved to m.nnz"));
    assert_eq!(
        fs::read(d.join("m.nnz")).unwrap(),
        fs::read(d.join("ref.nnz")).unwrap()
    );
    // > /dev/full and 2> /dev/full.
    let full = || {
        fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap()
    };
    fs::remove_file(d.join("m.nnz")).unwrap();
    let o = command(d, &args("m.nnz", &[]))
        .stdout(full())
        .output()
        .unwrap();
    assert_one_line_error(&o, "cannot write output: No space left on device");
    assert_eq!(
        fs::read(d.join("m.nnz")).unwrap(),
        fs::read(d.join("ref.nnz")).unwrap()
    );
    fs::remove_file(d.join("m.nnz")).unwrap();
    let o = command(d, &args("m.nnz", &[]))
        .stderr(full())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stdout(&o));
    assert_eq!(
        fs::read(d.join("m.nnz")).unwrap(),
        fs::read(d.join("ref.nnz")).unwrap()
    );
}

#[test]
fn stale_temporaries_of_dead_processes_are_removed() {
    let dir = data_dir();
    let d = dir.path();
    // A pid that cannot be running (above the kernel's maximum), and this test's own.
    fs::write(d.join("m.nnz.tmp-4294967"), b"half a model").unwrap();
    let live = format!("m.nnz.tmp-{}", std::process::id());
    fs::write(d.join(&live), b"someone's save in progress").unwrap();
    let mut a = args("m.nnz", &[]);
    a[8] = "1"; // --epochs
    assert_ok(&nnzero(d, &a));
    assert!(!d.join("m.nnz.tmp-4294967").exists());
    assert!(d.join(&live).exists());
}

/// Runs `script` with `sh` in a private mount namespace (so it can mount a tmpfs), with
/// `$NNZERO` the program and `$DATA` the data directory. `None` when that is not possible
/// (not root): the caller says so and skips.
fn in_mount_namespace(script: &str, data: &Path) -> Option<std::process::Output> {
    let probe = Command::new("unshare")
        .args(["--mount", "true"])
        .stderr(Stdio::null())
        .status();
    if !matches!(probe, Ok(s) if s.success()) {
        eprintln!("SKIPPED: needs root for unshare --mount and a tmpfs (CI runs as root)");
        return None;
    }
    let out = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-ec", script])
        .env("NNZERO", env!("CARGO_BIN_EXE_nnzero"))
        .env("DATA", data)
        .output()
        .unwrap();
    Some(out)
}

#[test]
fn a_disk_that_fills_up_mid_run_keeps_the_last_checkpoint_and_resumes_exactly() {
    let dir = data_dir();
    let d = dir.path();
    // 40 epochs of 2000 samples: long enough (about half a second here) that the filler
    // lands mid-run even on a loaded machine. With 3 epochs the run could finish first.
    let mut r = args("ref.nnz", &[]);
    r[8] = "40"; // --epochs
    assert_ok(&nnzero(d, &r));
    // 48 hidden nodes: a checkpoint is about 153 kB. Room for all at the start; then a filler
    // takes the rest of the disk while the run goes on.
    let script = r#"
        mkdir -p "$DATA/disk" && mount -t tmpfs -o size=1m tmpfs "$DATA/disk"
        cd "$DATA"
        A="train --train train.blob --test test.blob --hidden 48 --epochs 40 --save disk/m.nnz --checkpoint-every 5"
        "$NNZERO" $A > out1 2> err1 & pid=$!
        while [ ! -e disk/m.nnz.ckpt.prev ] && kill -0 $pid 2>/dev/null; do sleep 0.01; done
        # Paused while the disk fills, so the run cannot reach its end in between, and not in
        # the middle of a checkpoint: a filler that leaves room for three files (checkpoint,
        # previous, temporary) would let every later save through.
        kill -STOP $pid 2>/dev/null || true
        while ls disk | grep -q tmp-; do
            kill -CONT $pid; sleep 0.002; kill -STOP $pid 2>/dev/null || true
        done
        dd if=/dev/zero of=disk/filler bs=4k 2>/dev/null || true
        kill -CONT $pid 2>/dev/null || true
        wait $pid && echo "exit 0" || echo "exit $?"
        ls disk > listing
        rm disk/filler
        "$NNZERO" $A --resume > out2 2> err2
        cp disk/m.nnz m.nnz
        # Too small to start: refused before training, saying how much is needed.
        umount disk && mount -t tmpfs -o size=200k tmpfs disk
        "$NNZERO" $A > out3 2> err3 || echo "small: exit $?"
    "#;
    let Some(o) = in_mount_namespace(script, d) else {
        return;
    };
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let read = |n: &str| fs::read_to_string(d.join(n)).unwrap();
    let err1 = read("err1");
    assert!(stdout(&o).starts_with("exit 1\n"), "{}{err1}", stdout(&o));
    let line = err1
        .lines()
        .find(|l| l.starts_with("error"))
        .unwrap_or_else(|| panic!("no error line in:\n{err1}\nout1:\n{}", read("out1")));
    assert!(
        line.contains("cannot write checkpoint disk/m.nnz.ckpt: No space left on device")
            // Epoch 1 on a quiet machine; a busy one may have gone further before the filler.
            && line.contains("the last checkpoint (epoch ")
            && line.contains(") stands: make room and add --resume to go on"),
        "{line}"
    );
    eprintln!("disk full: {line}");
    let listing = read("listing");
    assert!(
        listing.contains("m.nnz.ckpt\n") && !listing.contains("tmp-"),
        "{listing}"
    );
    assert_eq!(
        fs::read(d.join("m.nnz")).unwrap(),
        fs::read(d.join("ref.nnz")).unwrap()
    );
    let err3 = read("err3");
    assert!(stdout(&o).contains("small: exit 1"), "{err3}");
    assert!(err3.contains("only "), "{err3}");
    eprintln!("too small: {}", err3.lines().last().unwrap());
}

#[test]
fn a_disk_that_fills_up_during_the_final_save_keeps_the_checkpoint_and_the_old_model() {
    let dir = data_dir();
    let d = dir.path();
    assert_ok(&nnzero(d, &args("ref.nnz", &[])));
    // The user's model from an earlier run, which this run is to replace.
    let mut a = args("old.nnz", &[]);
    a[8] = "1"; // --epochs
    assert_ok(&nnzero(d, &a));
    // The model goes to a small disk of its own (a USB stick), the checkpoints to another.
    // Both have room at the start; a filler takes the rest of the model's disk while the run
    // trains, so every checkpoint is written and the final save is the one that fails.
    let script = r#"
        mkdir -p "$DATA/disk" "$DATA/usb"
        mount -t tmpfs -o size=1m tmpfs "$DATA/disk"
        mount -t tmpfs -o size=512k tmpfs "$DATA/usb"
        cd "$DATA"
        cp old.nnz usb/m.nnz
        A="train --train train.blob --test test.blob --hidden 48 --epochs 3 --save usb/m.nnz --checkpoint disk/m.ckpt --checkpoint-every 5"
        "$NNZERO" $A > out1 2> err1 & pid=$!
        # After the first epoch's checkpoint, two epochs before the final save; paused while
        # the filler is written so a busy machine cannot reach the save in between.
        while [ ! -e disk/m.ckpt ] && kill -0 $pid 2>/dev/null; do sleep 0.002; done
        kill -STOP $pid 2>/dev/null || true
        dd if=/dev/zero of=usb/filler bs=4k 2>/dev/null || true
        kill -CONT $pid 2>/dev/null || true
        wait $pid && echo "exit 0" || echo "exit $?"
        ls disk usb > listing
        cp usb/m.nnz after.nnz
        # Still full: refused before anything is written, saying how much room is needed.
        "$NNZERO" $A --resume > out2 2> err2 || echo "still full: exit $?"
        ls disk > listing2
        rm usb/filler
        "$NNZERO" $A --resume > out3 2> err3
        cp usb/m.nnz m.nnz
        ls disk usb > listing3
    "#;
    let Some(o) = in_mount_namespace(script, d) else {
        return;
    };
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let read = |n: &str| fs::read_to_string(d.join(n)).unwrap();
    let err1 = read("err1");
    assert!(stdout(&o).contains("exit 1"), "{}{err1}", stdout(&o));
    // All three epochs trained and scored, then one error line.
    assert_eq!(read("out1").lines().count(), 3, "{}", read("out1"));
    let lines: Vec<_> = err1.lines().filter(|l| l.starts_with("error")).collect();
    assert_eq!(lines.len(), 1, "{err1}");
    assert!(!err1.contains("panicked"), "{err1}");
    assert!(
        lines[0].starts_with("error: cannot save usb/m.nnz: No space left on device")
            && lines[0].ends_with(
                "the trained run stands in disk/m.ckpt: make room and run the same command \
                 with --resume to save it"
            ),
        "{}",
        lines[0]
    );
    eprintln!("final save on a full disk: {}", lines[0]);
    // The user's old model is untouched, no half-written model or temporary is left, the
    // checkpoints stand.
    assert_eq!(
        fs::read(d.join("after.nnz")).unwrap(),
        fs::read(d.join("old.nnz")).unwrap()
    );
    let listing = read("listing");
    assert_eq!(
        listing, "disk:\nm.ckpt\nm.ckpt.prev\n\nusb:\nfiller\nm.nnz\n",
        "{listing}"
    );
    // Resuming on a disk still full is refused before it writes anything.
    assert!(
        stdout(&o).contains("still full: exit 1"),
        "{}",
        read("err2")
    );
    let err2 = read("err2");
    assert!(
        err2.lines()
            .last()
            .unwrap()
            .starts_with("error: cannot save usb/m.nnz: needs ")
            && err2.contains("resuming from disk/m.ckpt: all 3 epochs trained"),
        "{err2}"
    );
    assert_eq!(read("listing2"), "m.ckpt\nm.ckpt.prev\n");
    // With room made, --resume saves the model of the run, byte for byte, and tidies up.
    let err3 = read("err3");
    assert!(
        err3.contains("resuming from disk/m.ckpt: all 3 epochs trained"),
        "{err3}"
    );
    assert_eq!(
        fs::read(d.join("m.nnz")).unwrap(),
        fs::read(d.join("ref.nnz")).unwrap()
    );
    assert_eq!(read("listing3"), "disk:\n\nusb:\nm.nnz\n");
}

#[test]
fn a_read_only_directory_is_refused_before_training() {
    let dir = data_dir();
    let d = dir.path();
    let script = r#"
        mkdir -p "$DATA/ro" && mount -t tmpfs -o ro tmpfs "$DATA/ro"
        cd "$DATA"
        "$NNZERO" train --train train.blob --test test.blob --hidden 48 --save ro/m.nnz 2> err || echo "exit $?"
    "#;
    let Some(o) = in_mount_namespace(script, d) else {
        return;
    };
    assert!(stdout(&o).contains("exit 1"), "{}", stderr(&o));
    let err = fs::read_to_string(d.join("err")).unwrap();
    assert!(
        err.starts_with("error: cannot save ro/m.nnz: Read-only file system"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

/// The run's directory (model and checkpoints) renamed away mid-run: made again, the run goes
/// on and saves its model there. It used to end the run with one line, the run lost.
#[test]
fn a_directory_that_vanishes_mid_run_is_made_again() {
    let dir = data_dir();
    let d = dir.path();
    fs::create_dir(d.join("sub")).unwrap();
    let child = command(d, &args("sub/m.nnz", &["--checkpoint-every", "5"]))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    while !d.join("sub/m.nnz.ckpt").exists() {
        std::thread::sleep(Duration::from_millis(5));
    }
    // Renamed away in one step: removing it file by file races with the checkpoints the run
    // keeps writing into it (ENOTEMPTY).
    fs::rename(d.join("sub"), d.join("gone")).unwrap();
    let o = child.wait_with_output().unwrap();
    assert_ok(&o);
    assert!(
        stderr(&o).contains("the checkpoint directory sub was gone"),
        "{}",
        stderr(&o)
    );
    assert!(d.join("sub/m.nnz").exists() && d.join("gone").exists());
}

/// The checkpoint directory removed while the run trains (a cleaner, a mistaken `rm -r`): the
/// network is in memory, so the run makes the directory again, says so, and ends with the
/// model it would have saved anyway. It used to give up, the whole run lost.
#[test]
fn a_checkpoint_directory_removed_mid_run_is_made_again() {
    let dir = data_dir();
    let d = dir.path();
    // 40 epochs (about half a second here): the pause below lands long before the end.
    let mut r = args("ref.nnz", &[]);
    r[8] = "40"; // --epochs
    assert_ok(&nnzero(d, &r));
    fs::create_dir(d.join("ck")).unwrap();
    let mut a = args("m.nnz", &["--checkpoint", "ck/m.ckpt"]);
    a[8] = "40";
    let mut child = command(d, &a)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    {
        use std::io::BufRead;
        out.read_line(&mut first).unwrap();
    }
    // Paused after epoch 1 (39 to go), so the directory goes before the next checkpoint.
    let pid = child.id().to_string();
    let signal = |s: &str| Command::new("kill").args([s, &pid]).status().unwrap();
    signal("-STOP");
    fs::remove_dir_all(d.join("ck")).unwrap();
    signal("-CONT");
    let rest = std::thread::spawn(move || std::io::read_to_string(out).unwrap());
    let o = child.wait_with_output().unwrap();
    let (err, stdout_rest) = (stderr(&o), rest.join().unwrap());
    assert!(o.status.success(), "{first}{stdout_rest}{err}");
    assert!(
        err.contains("the checkpoint directory ck was gone") && err.contains("made it again"),
        "{err}"
    );
    assert_eq!(
        fs::read(d.join("m.nnz")).unwrap(),
        fs::read(d.join("ref.nnz")).unwrap()
    );
}

/// A run killed on a nearly full disk resumes: its checkpoint and `.prev` are already there
/// and are replaced, not added to, so it needs room for one more checkpoint and the model, not
/// three more. And when the disk fills before the resumed run's first checkpoint, the advice
/// is that the checkpoint it resumed from stands, not to start again.
#[test]
fn a_killed_run_on_a_nearly_full_disk_resumes_and_is_told_its_checkpoint_stands() {
    let dir = data_dir();
    let d = dir.path();
    let script = r#"
        mkdir -p "$DATA/disk" && mount -t tmpfs -o size=1m tmpfs "$DATA/disk"
        cd "$DATA"
        A="train --train train.blob --test test.blob --hidden 48 --epochs 40 --save disk/m.nnz"
        "$NNZERO" $A --checkpoint-every 5 > out1 2> err1 & pid=$!
        while [ ! -e disk/m.nnz.ckpt.prev ] && kill -0 $pid 2>/dev/null; do sleep 0.01; done
        kill -STOP $pid
        while ls disk | grep -q tmp-; do kill -CONT $pid; sleep 0.002; kill -STOP $pid; done
        kill -KILL $pid; wait $pid || true
        # Leave 400 kB: a checkpoint (about 153 kB) and the model, not three checkpoints more.
        avail=$(df -k --output=avail disk | tail -1)
        dd if=/dev/zero of=disk/filler bs=1k count=$((avail - 400)) 2>/dev/null
        # Its first checkpoint 20,000 samples in: paused as soon as it trains (the line comes
        # once the room is checked), the disk filled.
        "$NNZERO" $A --resume --checkpoint-every 20000 > out2 2> err2 & pid=$!
        while ! grep -q "checkpoints go to" err2 && kill -0 $pid 2>/dev/null; do sleep 0.002; done
        kill -STOP $pid 2>/dev/null || true
        dd if=/dev/zero of=disk/filler2 bs=4k 2>/dev/null || true
        kill -CONT $pid 2>/dev/null || true
        wait $pid && echo "exit 0" || echo "exit $?"
        ls disk > listing
    "#;
    let Some(o) = in_mount_namespace(script, d) else {
        return;
    };
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let err2 = fs::read_to_string(d.join("err2")).unwrap();
    assert!(stdout(&o).starts_with("exit 1"), "{}{err2}", stdout(&o));
    assert!(!err2.contains("only "), "refused before training: {err2}");
    let line = err2.lines().find(|l| l.starts_with("error")).unwrap_or("");
    assert!(
        line.contains("No space left on device")
            && line.contains("the last checkpoint (epoch ")
            && line.contains(") stands: make room and add --resume to go on"),
        "{err2}"
    );
    let listing = fs::read_to_string(d.join("listing")).unwrap();
    assert!(listing.contains("m.nnz.ckpt\n"), "{listing}");
}

/// The line announcing the checkpoints says how often they come: it said "every minute" even
/// with `--checkpoint-every`.
#[test]
fn the_checkpoint_line_says_how_often() {
    let dir = data_dir();
    let d = dir.path();
    let mut a = args("m.nnz", &["--checkpoint-every", "500"]);
    a[8] = "1"; // --epochs
    let o = nnzero(d, &a);
    assert_ok(&o);
    let err = stderr(&o);
    assert!(
        err.contains("every 500 images and at each epoch's end") && !err.contains("every minute"),
        "{err}"
    );
    let o = nnzero(d, &args("n.nnz", &[]));
    assert!(stderr(&o).contains("every minute and at each epoch's end"));
}
