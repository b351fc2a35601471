//! Crash cycles: a real `duetd` under concurrent writers through the real `duet` binary,
//! SIGKILLed at a random moment, restarted, and checked: every write the CLI acknowledged is
//! there, and the store opens. Shared by the short run in the suite (`tests/cli`) and the
//! long mode (`cargo bench --bench torture -- --cycles 1000`).

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What a run measured.
#[derive(Debug, Default, Clone)]
pub struct Report {
    /// Kill-and-restart cycles completed.
    pub cycles: usize,
    /// Writes the CLI reported done.
    pub acknowledged: usize,
    /// Acknowledged writes missing after a restart (must be 0).
    pub lost: usize,
    /// `duet daemon start` runs that failed (must be 0).
    pub failed_starts: usize,
    /// The first failure of each kind, to say what went wrong.
    pub failures: Vec<String>,
}

/// The binaries and the home a run uses.
pub struct Rig {
    /// The `duet` binary.
    pub duet: PathBuf,
    /// The `duetd` binary.
    pub duetd: PathBuf,
    /// The home (created by the run).
    pub home: PathBuf,
}

impl Rig {
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(&self.duet);
        c.args(args)
            .env("DUET_HOME", &self.home)
            .env("DUET_DAEMON_BIN", &self.duetd)
            .env("NO_COLOR", "1")
            .env("DUET_RELAY", "disabled")
            .env("DUET_LISTEN", "127.0.0.1")
            .env("DUET_NO_LOCAL_DISCOVERY", "true")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null());
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("cannot run duet")
    }

    fn daemon_pid(&self) -> Option<i32> {
        std::fs::read_to_string(self.home.join("duetd.lock"))
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    fn lock_free(&self) -> bool {
        std::fs::File::open(self.home.join("duetd.lock"))
            .map(|f| f.try_lock_shared().is_ok())
            .unwrap_or(true)
    }
}

/// A small deterministic generator (xorshift64*), so a failing run can be repeated by seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Runs `cycles` crash cycles with `writers` concurrent writers. `progress` is called after
/// each cycle.
pub fn run(
    rig: &Rig,
    cycles: usize,
    writers: usize,
    seed: u64,
    mut progress: impl FnMut(&Report),
) -> Report {
    let init = rig.run(&[
        "init",
        "--name",
        "Torture",
        "--device-name",
        "rig",
        "--no-passphrase",
    ]);
    assert!(init.status.success(), "init failed: {init:?}");
    let mut rng = Rng(seed | 1);
    let mut report = Report::default();
    // Acknowledged (id, title) pairs not yet checked after a restart, and all of them.
    let mut unchecked: Vec<(String, String)> = Vec::new();
    let mut all: Vec<(String, String)> = Vec::new();
    let rig = Arc::new(Rig {
        duet: rig.duet.clone(),
        duetd: rig.duetd.clone(),
        home: rig.home.clone(),
    });
    for cycle in 0..cycles {
        let started = rig.run(&["daemon", "start"]);
        if !started.status.success() {
            report.failed_starts += 1;
            report.failures.push(format!(
                "cycle {cycle}: daemon start: {}",
                String::from_utf8_lossy(&started.stderr).trim()
            ));
            // A second try tells a flaky start from a store that no longer opens.
            let again = rig.run(&["daemon", "start"]);
            assert!(
                again.status.success(),
                "cycle {cycle}: the store no longer opens: {again:?}"
            );
        }
        check(&rig, &mut unchecked, &mut report, cycle);
        if cycle % 100 == 99 || cycle + 1 == cycles {
            let mut everything = all.clone();
            check(&rig, &mut everything, &mut report, cycle);
        }

        let stop = Arc::new(AtomicBool::new(false));
        let acked = Arc::new(Mutex::new(Vec::new()));
        let handles: Vec<_> = (0..writers)
            .map(|w| {
                let (rig, stop, acked) = (rig.clone(), stop.clone(), acked.clone());
                std::thread::spawn(move || {
                    let mut i = 0;
                    while !stop.load(Ordering::Relaxed) {
                        let title = format!("c{cycle} w{w} n{i}");
                        let body = format!("{title} {}", "x".repeat(200 * (i % 7)));
                        let out = rig.run(&["note", "add", &title, "--body", &body]);
                        if !out.status.success() {
                            // The daemon died under us: an unacknowledged write.
                            break;
                        }
                        let id = String::from_utf8_lossy(&out.stdout).trim().to_owned();
                        acked.lock().unwrap().push((id, title));
                        i += 1;
                    }
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(rng.below(300)));
        if let Some(pid) = rig.daemon_pid() {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        for _ in 0..1000 {
            if rig.lock_free() {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        stop.store(true, Ordering::Relaxed);
        for h in handles {
            h.join().expect("a writer panicked");
        }
        let new = std::mem::take(&mut *acked.lock().unwrap());
        report.acknowledged += new.len();
        unchecked.extend(new.iter().cloned());
        all.extend(new);
        report.cycles = cycle + 1;
        progress(&report);
    }
    // The last cycle's writes, after one more restart.
    let started = rig.run(&["daemon", "start"]);
    assert!(started.status.success(), "final start: {started:?}");
    check(&rig, &mut unchecked, &mut report, cycles);
    let _ = rig.run(&["daemon", "stop"]);
    report
}

/// Checks that every acknowledged note in `pending` is there with its title, and empties it.
fn check(rig: &Rig, pending: &mut Vec<(String, String)>, report: &mut Report, cycle: usize) {
    if pending.is_empty() {
        return;
    }
    let out = rig.run(&["note", "list", "--json"]);
    assert!(out.status.success(), "cycle {cycle}: note list: {out:?}");
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).expect("note list JSON");
    let present: std::collections::HashMap<&str, &str> = list
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|n| Some((n["id"].as_str()?, n["title"].as_str()?)))
        .collect();
    for (id, title) in pending.drain(..) {
        if present.get(id.as_str()) != Some(&title.as_str()) {
            report.lost += 1;
            if report.lost <= 5 {
                report.failures.push(format!(
                    "cycle {cycle}: acknowledged note {id} ({title}) is missing"
                ));
            }
        }
    }
}

/// A fresh private directory for a run's home, short enough for the socket path.
pub fn home_dir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::Builder::new()
        .prefix("duet-torture")
        .tempdir_in("/tmp")
        .expect("temp dir");
    let home = dir.path().join("h");
    (dir, home)
}
