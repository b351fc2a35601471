//! `duetd`'s own command line.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use duet_proto::Home;

use crate::init::{InitOptions, Passphrase};

/// duetd: the duet journal daemon.
///
/// Usually started by `duet daemon start`; run it directly to keep it in the foreground
/// (logs on stderr, filtered by RUST_LOG or DUET_LOG).
#[derive(Debug, Parser)]
#[command(name = "duetd", version)]
pub(crate) struct Args {
    /// The duet home directory.
    #[arg(long, global = true, env = "DUET_HOME", value_name = "DIR")]
    home: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the journal in the foreground (the default).
    Run,
    /// Create a home: device key, store and an empty journal (run by `duet init`).
    Init {
        /// Your name, as your partner will see it.
        #[arg(long)]
        name: String,
        /// This device's name (default: the host name).
        #[arg(long)]
        device_name: Option<String>,
        /// Store the device key without a passphrase.
        #[arg(long, conflicts_with_all = ["passphrase_file", "passphrase_stdin"])]
        no_passphrase: bool,
        /// Read the passphrase from the first line of this file.
        #[arg(long, value_name = "FILE", conflicts_with = "passphrase_stdin")]
        passphrase_file: Option<PathBuf>,
        /// Read the passphrase from the first line of standard input.
        #[arg(long)]
        passphrase_stdin: bool,
        /// Relays: default, disabled, or a relay URL.
        #[arg(long, env = "DUET_RELAY", default_value = "default")]
        relay: String,
        /// A fixed UDP port to listen on (0: any).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// The address to listen on.
        #[arg(long, default_value = "0.0.0.0")]
        listen: std::net::IpAddr,
        /// Do not look for devices on the local network.
        #[arg(long)]
        no_local_discovery: bool,
    },
}

pub(crate) fn run(args: Args) -> anyhow::Result<()> {
    let home = Home::resolve(args.home)?;
    match args.command.unwrap_or(Command::Run) {
        Command::Run => {
            crate::logging::init();
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .context("cannot start the async runtime")?;
            runtime.block_on(crate::server::serve_home(home))
        }
        Command::Init {
            name,
            device_name,
            no_passphrase,
            passphrase_file,
            passphrase_stdin,
            relay,
            port,
            listen,
            no_local_discovery,
        } => {
            let passphrase = match (no_passphrase, passphrase_file, passphrase_stdin) {
                (true, _, _) => Passphrase::None,
                (false, Some(file), _) => Passphrase::File(file),
                (false, None, true) => Passphrase::Stdin,
                (false, None, false) => anyhow::bail!(
                    "choose --no-passphrase, --passphrase-file FILE or --passphrase-stdin"
                ),
            };
            let report = crate::init::init(
                &home,
                &InitOptions {
                    person_name: name,
                    device_name,
                    passphrase,
                    net: crate::init::NetOptions {
                        relay,
                        port,
                        listen,
                        local_discovery: !no_local_discovery,
                    },
                },
            )?;
            println!("{}", report.journal_id);
            Ok(())
        }
    }
}
