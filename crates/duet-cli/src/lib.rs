//! `duet`, the command-line client, as a library.
//!
//! The CLI depends on the protocol crate alone: it never opens the store or touches keys.
//! Everything goes through the daemon's socket, except `init`, `backup verify`,
//! `backup restore` and `passphrase`, which run offline `duetd` subcommands (the daemon
//! binary owns keys and stores), and `daemon start`, which spawns `duetd`.
//!
//! Exit codes: 0 success, 1 runtime error (one line on stderr), 2 usage error.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod args;
mod backup;
mod clean;
mod connect;
mod daemon_ctl;
mod demo;
mod doctor;
mod export;
mod input;
mod keys;
mod pairing;
mod print;
mod progress;
mod run;
mod target;

use std::process::ExitCode;

use clap::Parser;

pub use args::Cli;

/// An error in how the command was used (exit code 2), as opposed to one that happened
/// while doing it (exit code 1).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Whether the error is our stdout being closed: an `io::Error` of kind `BrokenPipe` that did
/// not come from talking to the daemon.
fn stdout_closed(e: &anyhow::Error) -> bool {
    let from_daemon = e
        .chain()
        .any(|c| c.downcast_ref::<duet_proto::ClientError>().is_some());
    !from_daemon
        && e.chain().any(|c| {
            let io = c.downcast_ref::<std::io::Error>().map(std::io::Error::kind);
            let json = c
                .downcast_ref::<serde_json::Error>()
                .and_then(serde_json::Error::io_error_kind);
            io.or(json) == Some(std::io::ErrorKind::BrokenPipe)
        })
}

/// Whether the error is about what the user gave (exit 2): our own usage checks, and the
/// daemon's `invalid_input` answers (a tag of two words, an over-long title, a body over the
/// entry cap), wherever the check happened to run.
fn is_usage(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<UsageError>().is_some()
            || matches!(
                c.downcast_ref::<duet_proto::ClientError>(),
                Some(duet_proto::ClientError::Daemon(w)) if w.code == duet_proto::ErrorCode::InvalidInput
            )
    })
}

/// The `duet` binary: parses arguments, runs the command, prints an error as one line.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run::run(cli) {
        Ok(code) => code,
        // A reader of our stdout that went away (`duet note list | head`) is not worth a
        // word. Only stdout: a broken pipe to the daemon is a failed request and must say so.
        Err(e) if stdout_closed(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let mut stderr = anstream::stderr();
            let red = anstyle::Style::new()
                .bold()
                .fg_color(Some(anstyle::AnsiColor::Red.into()));
            // A message may quote the journal or a file: never let it drive the terminal.
            let message = clean::line(&format!("{e:#}").replace('\n', " ")).into_owned();
            let _ = std::io::Write::write_fmt(
                &mut stderr,
                format_args!("{red}error:{red:#} {message}\n"),
            );
            if is_usage(&e) {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
