//! Starting, stopping and asking after `duetd`, and the commands that run `duetd` directly
//! (`init`) or hand it a secret (`unlock`).

use std::fs::OpenOptions;
use std::io::{IsTerminal, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use duet_proto::{Client, ClientError, Home, Request, Response, Unlock};

use crate::UsageError;
use crate::args::{InitArgs, UnlockArgs};
use crate::clean::{errln, outln};

/// How long `daemon start` and `daemon stop` wait for the daemon.
const WAIT: Duration = Duration::from_secs(20);

/// The `duetd` binary: `DUET_DAEMON_BIN`, else the one next to this `duet`, else `PATH`.
fn duetd_path() -> PathBuf {
    if let Some(p) = std::env::var_os("DUET_DAEMON_BIN") {
        return p.into();
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|d| d.join("duetd")))
        .filter(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("duetd"))
}

async fn running(home: &Home) -> anyhow::Result<Option<Client>> {
    match Client::connect(&home.socket()?, "duet daemon").await {
        Ok(c) => Ok(Some(c)),
        Err(ClientError::NotRunning) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Starts `duetd` in the background and waits until it answers. Returns its pid.
pub(crate) async fn start(home: &Home) -> anyhow::Result<u32> {
    if !home.is_initialised() {
        bail!(
            "no journal in {}: create one with `duet init --name NAME`",
            home.root().display()
        );
    }
    // The home's lock says for certain whether a daemon is there: the kernel releases it
    // even on SIGKILL. Only when someone holds it is the socket worth asking. After a crash
    // the socket file stays behind, and probing it can fail in ways that mean nothing (a
    // reset from a listener that died with a connection in its backlog): a start after a
    // crash must not trip over that.
    if lock_held(home) {
        let pid = match running(home).await {
            Ok(Some(c)) => Some(c.hello().pid),
            _ => lock_holder(home),
        };
        bail!(
            "duetd is already running for {} (pid {})",
            home.root().display(),
            pid.map_or_else(|| "unknown".to_owned(), |p| p.to_string())
        );
    }
    let log_path = home.log_file();
    let log = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(&log_path)
        .with_context(|| format!("cannot open {}", log_path.display()))?;
    let log_len = log.metadata().map(|m| m.len()).unwrap_or(0);
    let mut child = Command::new(duetd_path())
        .arg("--home")
        .arg(home.root())
        .arg("run")
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        // Its own process group: a Ctrl-C in this terminal must not reach the daemon.
        .process_group(0)
        .spawn()
        .with_context(|| format!("cannot run {}", duetd_path().display()))?;
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(status) = child.try_wait()? {
            let why = last_error(&log_path, log_len)
                .unwrap_or_else(|| format!("it exited with {status}"));
            bail!("duetd did not start: {why} (log: {})", log_path.display());
        }
        // Not listening yet, or a stale socket: keep waiting.
        if let Ok(Some(c)) = running(home).await {
            return Ok(c.hello().pid);
        }
        if Instant::now() > deadline {
            bail!(
                "duetd did not answer within {}s (log: {})",
                WAIT.as_secs(),
                log_path.display()
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The daemon's own last error line in its log, written after `from`.
fn last_error(log: &std::path::Path, from: u64) -> Option<String> {
    let text = std::fs::read(log).ok()?;
    let start = usize::try_from(from).ok()?.min(text.len());
    String::from_utf8_lossy(&text[start..])
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("duetd: error: ").map(str::to_owned))
}

/// Asks the daemon to stop and waits until it has released the home. Returns its pid, or
/// `None` if it was not running.
pub(crate) async fn stop(home: &Home) -> anyhow::Result<Option<u32>> {
    let pid = match Client::connect(&home.socket()?, "duet daemon").await {
        Ok(mut client) => {
            let pid = client.hello().pid;
            client.call(&Request::Shutdown).await?;
            pid
        }
        Err(ClientError::NotRunning) => return Ok(None),
        // A daemon of another protocol version will not take our requests, but it still
        // finishes its writes on SIGTERM: this is how an upgrade restarts the old daemon.
        Err(ClientError::Daemon(e)) if e.code == duet_proto::ErrorCode::VersionMismatch => {
            let pid = lock_holder(home).ok_or_else(|| {
                anyhow::anyhow!("duetd speaks another protocol version and its pid is unknown")
            })?;
            nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(i32::try_from(pid)?),
                nix::sys::signal::Signal::SIGTERM,
            )
            .with_context(|| format!("cannot signal duetd (pid {pid})"))?;
            pid
        }
        Err(e) => return Err(e.into()),
    };
    let deadline = Instant::now() + WAIT;
    // The daemon holds an exclusive lock on the lock file until its process is gone (even
    // as an unreaped zombie, its files are closed): once a shared lock succeeds, it is done.
    while Instant::now() < deadline {
        if let Ok(f) = std::fs::File::open(home.lock_file())
            && f.try_lock_shared().is_ok()
        {
            return Ok(Some(pid));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    bail!("duetd (pid {pid}) did not stop within {}s", WAIT.as_secs())
}

/// Whether a daemon holds the home's lock (a shared lock cannot be had). No lock file, no
/// daemon.
fn lock_held(home: &Home) -> bool {
    std::fs::File::open(home.lock_file()).is_ok_and(|f| f.try_lock_shared().is_err())
}

/// The pid recorded in the lock file, if a daemon holds the lock.
fn lock_holder(home: &Home) -> Option<u32> {
    let f = std::fs::File::open(home.lock_file()).ok()?;
    if f.try_lock_shared().is_ok() {
        return None;
    }
    std::fs::read_to_string(home.lock_file())
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// The daemon's status, or `None` if it is not running.
pub(crate) async fn status(home: &Home) -> anyhow::Result<Option<duet_proto::StatusView>> {
    let Some(mut client) = running(home).await? else {
        return Ok(None);
    };
    match client.call(&Request::Status).await? {
        Response::Status(s) => Ok(Some(s)),
        _ => bail!("duetd sent an unexpected answer to status"),
    }
}

fn ask_passphrase(prompt: &str) -> anyhow::Result<String> {
    rpassword::prompt_password(prompt).context("cannot read the passphrase from the terminal")
}

/// Runs `duetd init`. Returns the new journal's id.
pub(crate) fn init(home: &Home, args: &InitArgs) -> anyhow::Result<String> {
    let mut cmd = duetd(home);
    cmd.arg("init").arg("--name").arg(&args.name);
    if let Some(d) = &args.device_name {
        cmd.arg("--device-name").arg(d);
    }
    args.net.push(&mut cmd);
    let mut typed: Option<zeroize::Zeroizing<String>> = None;
    if args.no_passphrase {
        cmd.arg("--no-passphrase");
    } else if let Some(f) = &args.passphrase_file {
        cmd.arg("--passphrase-file").arg(f);
    } else if std::io::stdin().is_terminal() {
        let first = ask_passphrase("Passphrase for this device's key (empty for none): ")?;
        if first.is_empty() {
            cmd.arg("--no-passphrase");
        } else {
            if ask_passphrase("Repeat the passphrase: ")? != first {
                bail!("the passphrases did not match");
            }
            cmd.arg("--passphrase-stdin");
            typed = Some(zeroize::Zeroizing::new(format!("{first}\n")));
        }
    } else {
        return Err(UsageError(
            "no terminal to ask for a passphrase: pass --no-passphrase or --passphrase-file FILE"
                .into(),
        )
        .into());
    }
    run_duetd(cmd, typed.as_ref().map(|t| t.as_str()))
}

/// Runs a `duetd` offline subcommand built in `cmd`, writing `stdin` (passphrases, one per
/// line) to its standard input. Returns its stdout, or its own `duetd: error:` line as the
/// error.
pub(crate) fn run_duetd(mut cmd: Command, stdin: Option<&str>) -> anyhow::Result<String> {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {}", duetd_path().display()))?;
    // Dropping the pipe closes it, so duetd never waits for more input.
    if let Some(mut pipe) = child.stdin.take()
        && let Some(text) = stdin
    {
        pipe.write_all(text.as_bytes())
            .context("cannot hand the passphrase to duetd")?;
    }
    let out = child.wait_with_output()?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let line = err
            .lines()
            .rev()
            .find_map(|l| l.strip_prefix("duetd: error: "))
            .unwrap_or("duetd failed");
        if out.status.code() == Some(NEEDS_PASSPHRASE_EXIT) {
            return Err(NeedsPassphrase(line.to_owned()).into());
        }
        bail!("{line}");
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// `duetd`'s exit code when a key file it was to open needs a passphrase it was not given.
const NEEDS_PASSPHRASE_EXIT: i32 = 3;

/// `duetd` needed a key's passphrase that it was not given (its message says which key).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct NeedsPassphrase(pub(crate) String);

/// A `duetd --home HOME` command, ready for a subcommand.
pub(crate) fn duetd(home: &Home) -> Command {
    let mut cmd = Command::new(duetd_path());
    cmd.arg("--home").arg(home.root());
    cmd
}

/// `duet man --dir DIR`: every page of duet's (one per subcommand, as clap_mangen names them:
/// `duet-note-add.1`), then duetd's, written by `duetd man --dir` since duetd owns its command
/// line. Lists the pages on stdout.
pub(crate) fn man_pages(dir: &std::path::Path) -> anyhow::Result<()> {
    use clap::CommandFactory;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    clap_mangen::generate_to(crate::Cli::command(), dir)
        .with_context(|| format!("cannot write man pages into {}", dir.display()))?;
    let mut cmd = Command::new(duetd_path());
    cmd.arg("man").arg("--dir").arg(dir);
    run_duetd(cmd, None)?;
    let mut pages: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                (n.starts_with("duet-") || n.starts_with("duetd") || n == "duet.1")
                    && n.ends_with(".1")
            })
        })
        .collect();
    pages.sort();
    for p in &pages {
        outln!("{}", p.display())?;
    }
    errln!(
        "Wrote {} pages. If {} is not where `man` looks, add its parent to MANPATH.",
        pages.len(),
        dir.display()
    );
    Ok(())
}

/// Asks for a passphrase on the terminal, without echo.
pub(crate) fn ask_secret(prompt: &str) -> anyhow::Result<zeroize::Zeroizing<String>> {
    ask_passphrase(prompt).map(zeroize::Zeroizing::new)
}

/// Hands the passphrase to a locked daemon.
pub(crate) async fn unlock(home: &Home, args: &UnlockArgs) -> anyhow::Result<()> {
    let passphrase = match &args.passphrase_file {
        Some(f) => std::fs::read_to_string(f)
            .with_context(|| format!("cannot read passphrase file {}", f.display()))?
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned(),
        None if std::io::stdin().is_terminal() => ask_passphrase("Passphrase: ")?,
        None => {
            return Err(UsageError(
                "no terminal to ask for the passphrase: pass --passphrase-file FILE".into(),
            )
            .into());
        }
    };
    crate::connect::call(home, Request::Unlock(Unlock { passphrase })).await?;
    Ok(())
}
