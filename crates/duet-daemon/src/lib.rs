//! `duetd`, the duet daemon, as a library.
//!
//! The daemon is the only process that touches a home's keys and store. It owns the journal
//! document through an [`engine::Engine`] (one thread, writes group-committed durably before
//! any reply), and serves the CLI over a Unix socket ([`server::run`]). The thin `duetd`
//! binary calls [`main`]; tests call [`server::run`] directly with a listener they bound.
//!
//! `duetd init`, `duetd restore`, `duetd backup-verify` and `duetd passphrase` are here too,
//! because keys and stores are the daemon's business: the CLI runs these offline
//! subcommands rather than linking the store or the crypto.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod args;
pub mod backup;
pub mod config;
pub mod doctor;
pub mod engine;
mod handlers;
pub mod init;
pub mod keys;
mod lockfile;
mod logging;
pub mod replica;
pub mod server;
mod socket;
pub mod state;

use std::process::ExitCode;

use clap::Parser;

/// Environment variable that lowers age's scrypt work factor (log2 N) for passphrase-protected
/// keys. Only for tests: the default (auto-tuned to about a second) is what protects a stolen
/// key file.
pub const SCRYPT_WORK_FACTOR_ENV: &str = "DUET_TEST_SCRYPT_WORK_FACTOR";

/// The `duetd` binary: parses its arguments, runs the command, and turns an error into one
/// line on stderr and exit code 1.
pub fn main() -> ExitCode {
    let args = args::Args::parse();
    match args::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("duetd: error: {e:#}");
            if e.downcast_ref::<backup::NeedsKeyPassphrase>().is_some() {
                ExitCode::from(backup::NEEDS_PASSPHRASE_EXIT)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
