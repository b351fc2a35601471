//! `duet`, the command-line client, as a library.
//!
//! The CLI depends on the protocol crate alone: it never opens the store or touches keys.
//! Everything goes through the daemon's socket, except `init`, which runs `duetd init` (the
//! daemon binary owns key and store creation), and `daemon start`, which spawns `duetd`.
//!
//! Exit codes: 0 success, 1 runtime error (one line on stderr), 2 usage error.

mod args;
mod connect;
mod daemon_ctl;
mod demo;
mod input;
mod pairing;
mod print;
mod run;

use std::process::ExitCode;

use clap::Parser;

pub use args::Cli;

/// An error in how the command was used (exit code 2), as opposed to one that happened
/// while doing it (exit code 1).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// The `duet` binary: parses arguments, runs the command, prints an error as one line.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run::run(cli) {
        Ok(code) => code,
        // A reader that went away (`duet note list | head`) is not an error worth a word.
        Err(e)
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            let mut stderr = anstream::stderr();
            let red = anstyle::Style::new()
                .bold()
                .fg_color(Some(anstyle::AnsiColor::Red.into()));
            let message = format!("{e:#}").replace('\n', " ");
            let _ = std::io::Write::write_fmt(
                &mut stderr,
                format_args!("{red}error:{red:#} {message}\n"),
            );
            if e.downcast_ref::<UsageError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
