//! `duetd`'s own command line.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use duet_proto::Home;

use crate::backup::{OpenWith, RestoreOptions};
use crate::init::{InitOptions, Passphrase};
use crate::keys::PassphraseAction;

/// duetd: the duet journal daemon.
///
/// Usually started by `duet daemon start`; run it directly to keep it in the foreground
/// (logs on stderr, filtered by RUST_LOG or DUET_LOG).
#[derive(Debug, Parser)]
#[command(name = "duetd", version)]
pub(crate) struct Args {
    /// The duet home directory [env: DUET_HOME; an empty value counts as unset]
    #[arg(long, global = true, value_name = "DIR")]
    home: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

/// A new home's network settings (init and restore).
#[derive(Debug, clap::Args)]
struct NetArgs {
    /// Relays: default, disabled, or a relay URL.
    #[arg(long, env = "DUET_RELAY", default_value = "default")]
    relay: String,
    /// A fixed UDP port to listen on (0: any, remembered at first start).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// The address to listen on.
    #[arg(long, env = "DUET_LISTEN", default_value = "0.0.0.0")]
    listen: std::net::IpAddr,
    /// Do not look for devices on the local network.
    #[arg(long, env = "DUET_NO_LOCAL_DISCOVERY", value_parser = clap::builder::BoolishValueParser::new())]
    no_local_discovery: bool,
}

impl NetArgs {
    fn options(self) -> crate::init::NetOptions {
        crate::init::NetOptions {
            relay: self.relay,
            port: self.port,
            listen: self.listen,
            local_discovery: !self.no_local_discovery,
        }
    }
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
        #[command(flatten)]
        net: NetArgs,
    },
    /// Decrypt and check a backup; print what it holds as JSON (run by `duet backup verify`).
    BackupVerify {
        /// The backup file.
        file: PathBuf,
        #[command(flatten)]
        open: OpenArgs,
    },
    /// Create a home from a backup; print it as JSON (run by `duet backup restore`).
    Restore {
        /// The backup file.
        file: PathBuf,
        #[command(flatten)]
        open: OpenArgs,
        /// Replace the journal already in the home.
        #[arg(long)]
        force: bool,
        /// Your name [default: that of the person whose device made the backup].
        #[arg(long)]
        name: Option<String>,
        /// This device's name (default: the host name).
        #[arg(long)]
        device_name: Option<String>,
        /// Store the new device key without a passphrase.
        #[arg(long, conflicts_with_all = ["new_passphrase_file", "new_passphrase_stdin"])]
        no_passphrase: bool,
        /// Protect the new device key with the first line of this file.
        #[arg(long, value_name = "FILE", conflicts_with = "new_passphrase_stdin")]
        new_passphrase_file: Option<PathBuf>,
        /// Protect the new device key with the first line of standard input.
        #[arg(long)]
        new_passphrase_stdin: bool,
        #[command(flatten)]
        net: NetArgs,
    },
    /// Print duetd's man page, or write it and one per subcommand into DIR (run by `duet man
    /// --dir`).
    Man {
        /// Write duetd.1 and duetd-SUBCOMMAND.1 here instead of printing duetd.1.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Set, change or remove the device key's passphrase (run by `duet passphrase`).
    Passphrase {
        /// set, change or remove.
        #[arg(value_parser = ["set", "change", "remove"])]
        action: String,
        /// The current passphrase: the first line of this file.
        #[arg(long, value_name = "FILE")]
        passphrase_file: Option<PathBuf>,
        /// The new passphrase: the first line of this file.
        #[arg(long, value_name = "FILE")]
        new_passphrase_file: Option<PathBuf>,
        /// Read the passphrases needed from standard input, one line each, current first.
        #[arg(long, conflicts_with_all = ["passphrase_file", "new_passphrase_file"])]
        stdin: bool,
    },
    /// Check the home without a daemon: permissions, key files, config, free space and the
    /// store (run by `duet doctor`). Prints the findings as a JSON array.
    Doctor,
    /// Replace the device key and the data key and re-seal the store (run by `duet key
    /// rotate`; the daemon must be stopped). Prints a JSON report.
    KeyRotate {
        /// The key's current passphrase (kept for the new key): the first line of this file.
        #[arg(long, value_name = "FILE")]
        passphrase_file: Option<PathBuf>,
        /// Read the current passphrase from the first line of standard input.
        #[arg(long, conflicts_with = "passphrase_file")]
        passphrase_stdin: bool,
    },
}

/// What opens a backup.
#[derive(Debug, clap::Args)]
struct OpenArgs {
    /// An age identity file that can open the backup, plain or passphrase-protected
    /// [default: this home's device key].
    #[arg(long, value_name = "FILE")]
    identity: Option<PathBuf>,
    /// The first line of this file is the backup's passphrase; with --identity, the
    /// passphrase of that key file instead.
    #[arg(long, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
    /// Read the passphrase of the key file (--identity, or this home's device key) from the
    /// first line of standard input (how `duet` hands over a typed one).
    #[arg(long, conflicts_with = "passphrase_file")]
    identity_passphrase_stdin: bool,
}

impl OpenArgs {
    fn open_with(self) -> OpenWith {
        let key_passphrase = |file: Option<PathBuf>| match (self.identity_passphrase_stdin, file) {
            (true, _) => Passphrase::Stdin,
            (false, Some(f)) => Passphrase::File(f),
            (false, None) => Passphrase::None,
        };
        match (self.identity, self.passphrase_file) {
            (Some(id), file) => OpenWith::Identity(id, key_passphrase(file)),
            (None, Some(f)) => OpenWith::Passphrase(Passphrase::File(f)),
            (None, None) => OpenWith::HomeKey(key_passphrase(None)),
        }
    }
}

/// duetd's man pages, from the same clap definition as its `--help`.
fn man(dir: Option<&std::path::Path>) -> anyhow::Result<()> {
    use clap::CommandFactory;
    let cmd = Args::command();
    match dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            clap_mangen::generate_to(cmd, dir)
                .with_context(|| format!("cannot write man pages into {}", dir.display()))
        }
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(cmd).render(&mut page)?;
            std::io::Write::write_all(&mut std::io::stdout(), &page)?;
            Ok(())
        }
    }
}

fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string(value)?);
    Ok(())
}

pub(crate) fn run(args: Args) -> anyhow::Result<()> {
    if let Some(Command::Man { dir }) = args.command {
        // Needs no home.
        return man(dir.as_deref());
    }
    let home = Home::resolve(args.home)?;
    match args.command.unwrap_or(Command::Run) {
        Command::Man { dir } => man(dir.as_deref()),
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
            net,
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
                    net: net.options(),
                },
            )?;
            println!("{}", report.journal_id);
            Ok(())
        }
        Command::BackupVerify { file, open } => {
            print_json(&crate::backup::verify(&home, &file, &open.open_with())?)
        }
        Command::Restore {
            file,
            open,
            force,
            name,
            device_name,
            no_passphrase,
            new_passphrase_file,
            new_passphrase_stdin,
            net,
        } => {
            let passphrase = match (no_passphrase, new_passphrase_file, new_passphrase_stdin) {
                (true, _, _) => Passphrase::None,
                (false, Some(file), _) => Passphrase::File(file),
                (false, None, true) => Passphrase::Stdin,
                (false, None, false) => anyhow::bail!(
                    "choose --no-passphrase, --new-passphrase-file FILE or --new-passphrase-stdin"
                ),
            };
            let report = crate::backup::restore(
                &home,
                &RestoreOptions {
                    file,
                    open_with: open.open_with(),
                    force,
                    person_name: name,
                    device_name,
                    passphrase,
                    net: net.options(),
                },
            )?;
            print_json(&report)
        }
        Command::Passphrase {
            action,
            passphrase_file,
            new_passphrase_file,
            stdin,
        } => {
            let action = match action.as_str() {
                "set" => PassphraseAction::Set,
                "change" => PassphraseAction::Change,
                _ => PassphraseAction::Remove,
            };
            let source = |file: Option<PathBuf>| match (file, stdin) {
                (Some(f), _) => Passphrase::File(f),
                (None, true) => Passphrase::Stdin,
                (None, false) => Passphrase::None,
            };
            crate::keys::rewrap(
                &home,
                action,
                &source(passphrase_file),
                &source(new_passphrase_file),
            )
        }
        Command::Doctor => print_json(&crate::doctor::check(&home)),
        Command::KeyRotate {
            passphrase_file,
            passphrase_stdin,
        } => {
            let source = match (passphrase_file, passphrase_stdin) {
                (Some(f), _) => Passphrase::File(f),
                (None, true) => Passphrase::Stdin,
                (None, false) => Passphrase::None,
            };
            print_json(&crate::keys::rotate(&home, &source)?)
        }
    }
}
