//! A temp home with a daemon, and helpers to run `duet` against it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

pub const DUET: &str = env!("CARGO_BIN_EXE_duet");
pub const DUETD: &str = env!("CARGO_BIN_EXE_duetd");

/// The result of one `duet` run.
#[derive(Debug)]
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Out {
    fn from(o: Output) -> Self {
        Self {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

/// A temp duet home. Dropping it stops (or kills) its daemon.
pub struct Duet {
    _dir: tempfile::TempDir,
    pub home: PathBuf,
    /// Environment overrides for every command (e.g. a device in its own network namespace).
    env: Vec<(String, String)>,
}

impl Duet {
    /// An empty home (not initialised).
    pub fn new() -> Self {
        // Short paths: a Unix socket path must fit in 108 bytes.
        let dir = tempfile::Builder::new()
            .prefix("duet")
            .tempdir_in("/tmp")
            .unwrap();
        let home = dir.path().join("h");
        Self {
            _dir: dir,
            home,
            env: Vec::new(),
        }
    }

    /// A running device of `name` whose commands (and so its daemon) see `env` on top of
    /// the defaults.
    pub fn person_with_env(name: &str, device: &str, env: &[(&str, &str)]) -> Self {
        let mut d = Self::new();
        d.env = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        d.ok(&[
            "init",
            "--name",
            name,
            "--device-name",
            device,
            "--no-passphrase",
        ]);
        d.ok(&["daemon", "start"]);
        d
    }

    /// A home initialised without a passphrase, daemon not started.
    pub fn initialised() -> Self {
        let d = Self::new();
        d.ok(&[
            "init",
            "--name",
            "Alice",
            "--device-name",
            "alices-laptop",
            "--no-passphrase",
        ]);
        d
    }

    /// An initialised home with its daemon running.
    pub fn started() -> Self {
        let d = Self::initialised();
        d.ok(&["daemon", "start"]);
        d
    }

    /// A running device of `name`.
    pub fn person(name: &str, device: &str) -> Self {
        Self::person_with_env(name, device, &[])
    }

    /// Invites `other` and has it redeem the ticket; returns the phrase `other` printed.
    pub fn pair(&self, other: &Duet) -> String {
        let ticket = self.ok(&["invite"]);
        other.ok(&["pair", ticket.trim()]).trim().to_owned()
    }

    /// `duet sync --wait`, which must succeed.
    pub fn synced(&self) {
        self.ok(&["sync", "--wait", "--timeout", "30s"]);
    }

    /// Stops the daemon.
    pub fn stop(&self) {
        self.ok(&["daemon", "stop"]);
    }

    /// Starts the daemon with one extra environment variable (test hooks of debug builds).
    #[track_caller]
    pub fn start_with_env(&self, key: &str, value: &str) {
        let out: Out = self
            .cmd(&["daemon", "start"])
            .env(key, value)
            .output()
            .unwrap()
            .into();
        assert_eq!(out.code, 0, "daemon start with {key}: {out:?}");
    }

    /// Starts the daemon.
    pub fn start(&self) {
        self.ok(&["daemon", "start"]);
    }

    /// Starts the daemon of a home whose journal takes long to open (megabytes of notes in a
    /// debug build on a busy machine can outlast `daemon start`'s 20 s): waits up to `limit`
    /// for it to answer.
    pub fn start_slow(&self, limit: std::time::Duration) {
        let out = self.run(&["daemon", "start"]);
        if out.code == 0 {
            return;
        }
        assert!(out.stderr.contains("did not answer"), "{out:?}");
        let deadline = std::time::Instant::now() + limit;
        while self.run(&["daemon", "status"]).code != 0 {
            assert!(std::time::Instant::now() < deadline, "duetd never answered");
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(DUET);
        c.args(args)
            .env("DUET_HOME", &self.home)
            .env("DUET_DAEMON_BIN", DUETD)
            .env("NO_COLOR", "1")
            .env("DUET_TEST_SCRYPT_WORK_FACTOR", "10")
            // No internet here: no relays, no DNS lookup, no mDNS, loopback only.
            .env("DUET_RELAY", "disabled")
            .env("DUET_LISTEN", "127.0.0.1")
            .env("DUET_NO_LOCAL_DISCOVERY", "true")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null());
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }

    pub fn run(&self, args: &[&str]) -> Out {
        self.cmd(args).output().unwrap().into()
    }

    /// Runs with `input` on stdin.
    pub fn run_with_stdin(&self, args: &[&str], input: &[u8]) -> Out {
        feed(self.cmd(args), input)
    }

    /// Runs another program (a shell, `unshare`, ...) with this home's environment and
    /// `input` on stdin.
    pub fn run_program(&self, program: &str, args: &[&str], input: &[u8]) -> Out {
        let mut c = Command::new(program);
        c.args(args);
        for (k, v) in self.cmd(&[]).get_envs() {
            match v {
                Some(v) => c.env(k, v),
                None => c.env_remove(k),
            };
        }
        feed(c, input)
    }

    /// Runs `sh -c SCRIPT` with this home's environment and `input` on stdin.
    pub fn run_shell(&self, script: &str, input: &[u8]) -> Out {
        self.run_program("sh", &["-c", script], input)
    }

    /// Runs, asserts success, returns stdout.
    #[track_caller]
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(out.code, 0, "duet {args:?} failed: {out:?}");
        assert!(!out.stderr.contains("panicked"), "{out:?}");
        out.stdout
    }

    /// Runs, asserts the exit code, asserts a one-line error without a panic, returns it.
    #[track_caller]
    pub fn fails(&self, args: &[&str], code: i32) -> Out {
        let out = self.run(args);
        assert_eq!(out.code, code, "duet {args:?}: {out:?}");
        assert!(!out.stderr.contains("panicked"), "{out:?}");
        if code == 1 {
            assert_eq!(
                out.stderr.trim_end().lines().count(),
                1,
                "not one line: {out:?}"
            );
            assert!(out.stderr.starts_with("error: "), "{out:?}");
        }
        out
    }

    /// Runs with `--json`, asserts success and parses stdout.
    #[track_caller]
    pub fn json(&self, args: &[&str]) -> Value {
        let mut a = args.to_vec();
        a.push("--json");
        let out = self.ok(&a);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
    }

    /// Creates a note, returns its id.
    pub fn note(&self, title: &str, body: &str) -> String {
        let id = self.ok(&["note", "add", title, "--body", body]);
        let id = id.trim().to_owned();
        assert_eq!(id.len(), 32, "{id}");
        id
    }

    /// The sorted device ids of the journal's members, as `duet status --json` lists them.
    pub fn member_ids(&self) -> Vec<String> {
        self.status_members("device_id")
    }

    /// One field of every member in `duet status --json`, sorted and deduplicated.
    pub fn status_members(&self, field: &str) -> Vec<String> {
        let mut m: Vec<String> = self.json(&["status"])["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m[field].as_str().unwrap().to_owned())
            .collect();
        m.sort();
        m.dedup();
        m
    }

    pub fn pid(&self) -> i32 {
        self.json(&["status"])["pid"].as_i64().unwrap() as i32
    }

    pub fn socket(&self) -> PathBuf {
        self.home.join("duetd.sock")
    }

    /// Every regular file under the home.
    pub fn files(&self) -> Vec<PathBuf> {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.is_file() {
                    out.push(p);
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.home, &mut out);
        out
    }
}

impl Drop for Duet {
    fn drop(&mut self) {
        if self.socket().exists() {
            let _ = self.cmd(&["daemon", "stop"]).output();
        }
        // A daemon that did not stop (or was never asked) must not outlive the test.
        if let Ok(pid) = std::fs::read_to_string(self.home.join("duetd.lock"))
            && let Ok(pid) = pid.trim().parse::<i32>()
            && let Ok(f) = std::fs::File::open(self.home.join("duetd.lock"))
            && f.try_lock_shared().is_err()
        {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
}

/// Runs `c` with `input` on stdin and collects its output.
fn feed(mut c: Command, input: &[u8]) -> Out {
    use std::io::Write;
    let mut child = c
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap().into()
}

/// The shortest prefix of `a` that `b` does not share.
pub fn distinguishing_prefix(a: &str, b: &str) -> String {
    let common = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    a[..common + 1].to_owned()
}
