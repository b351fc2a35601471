//! The command line, as clap types. Command, flag and `--json` names are a public contract
//! (docs/cli.md): scripts depend on them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// duet: a private, serverless journal for two.
///
/// Notes, check-ins and boundaries live encrypted on your own devices and are kept by a
/// background daemon, duetd. This command talks to it over a local socket.
#[derive(Debug, Parser)]
#[command(name = "duet", version, propagate_version = true, max_term_width = 100)]
#[command(after_help = "Start here:
  duet init --name Sam --no-passphrase
  duet daemon start
  duet note add \"Things I want you to know\" --body \"...\"
  duet checkin --mood 4 --feeling calm

Environment: DUET_HOME (home directory), NO_COLOR (no colour).")]
pub struct Cli {
    /// The duet home directory [env: DUET_HOME, empty counts as unset] [default: the platform's data dir, e.g. ~/.local/share/duet]
    #[arg(long, global = true, value_name = "DIR")]
    pub home: Option<PathBuf>,
    /// Print machine-readable JSON instead of text
    #[arg(long, global = true)]
    pub json: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Every top-level command.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create this device's home: a device key and an empty journal
    #[command(after_help = "Examples:
  duet init --name Sam --no-passphrase
  duet init --name Sam --passphrase-file ~/.duet-pass
  duet init --name Sam            # asks for a passphrase on a terminal")]
    Init(InitArgs),
    /// Start, stop or inspect the background daemon (duetd)
    #[command(subcommand)]
    Daemon(DaemonCommand),
    /// Show the device, the journal and the daemon
    #[command(after_help = "Examples:
  duet status
  duet status --json | jq .pid")]
    Status,
    /// Give the passphrase to a daemon whose device key is protected
    #[command(after_help = "Examples:
  duet unlock
  duet unlock --passphrase-file ~/.duet-pass")]
    Unlock(UnlockArgs),
    /// Shared notes: plans, memories, things you want the other to know
    #[command(subcommand)]
    Note(NoteCommand),
    /// Notes in the trash, restorable with `duet note restore ID`
    #[command(after_help = "Examples:
  duet trash
  duet trash --json | jq '.[].id'")]
    Trash,
    /// Record how you are, or list check-ins
    #[command(args_conflicts_with_subcommands = true)]
    #[command(after_help = "Examples:
  duet checkin                       # on a terminal: asks today's prompts
  duet checkin --mood 4 --feeling calm --feeling tired --need \"an early night\"
  duet checkin --answer d03=\"at breakfast\"
  duet checkin list --since 7d")]
    Checkin(CheckinArgs),
    /// List the deck of check-in prompts, and today's
    #[command(after_help = "Examples:
  duet prompts
  duet prompts --json | jq -r '.today[].text'")]
    Prompts,
    /// Boundaries: what you need, acknowledged by your partner
    #[command(subcommand)]
    Boundary(BoundaryCommand),
    /// Invite another device: prints a one-time ticket to give it
    #[command(after_help = "Examples:
  duet invite                        # your partner; valid 10 minutes (24 hours at most)
  duet invite --expires 1h --wait    # wait until it is used, then show the phrase
  duet invite --same-person          # for another device of your own
  duet invite --partner-device       # for a new device of your partner's
  duet invite --list                 # what became of recent invitations
  duet invite --cancel 3f9a          # cancel an open one (any unique id prefix)
A journal is for two people. Once your partner is in, only --same-person and
--partner-device invitations can be made.")]
    Invite(InviteArgs),
    /// Join the journal of the device that printed TICKET
    #[command(after_help = "Examples:
  duet pair duet2mfrgg...
  duet pair - < ticket.txt           # keeps the ticket out of shell history
Compare the words it prints with the ones `duet peers` shows on the other device.")]
    Pair {
        /// The ticket `duet invite` printed on the other device (`-`: read it from stdin)
        ticket: String,
    },
    /// List paired devices: connected, last seen, last synced
    #[command(after_help = "Examples:
  duet peers
  duet peers --json | jq '.[] | select(.connected)'")]
    Peers,
    /// Check this device: home, keys, config, store, free space, daemon, network, peers,
    /// clock and invitations; say what is wrong and how to fix it (exit 1 if anything is)
    #[command(after_help = "Examples:
  duet doctor
  duet doctor --json | jq '.findings[] | select(.status == \"problem\")'")]
    Doctor,
    /// Remove a paired device and stop syncing with it
    #[command(after_help = "Examples:
  duet unpair 01a2b3c4            # device id prefix, endpoint id prefix or device name")]
    Unpair {
        /// The device's id, endpoint id (any unique prefix) or name
        id: String,
    },
    /// Sync with every reachable paired device now
    #[command(after_help = "Examples:
  duet sync
  duet sync --wait --timeout 30s   # exit 0 once every reachable device has your changes")]
    Sync(SyncArgs),
    /// Encrypted backups: create one, check one, or restore one into a new home
    #[command(subcommand)]
    Backup(BackupCommand),
    /// Export the journal as JSON, Markdown or the raw automerge document (plaintext!)
    #[command(after_help = "Examples:
  duet export --format markdown -o journal.md
  duet export --format json | jq '.notes[].title'
  duet export --format automerge -o journal.automerge

An export is NOT encrypted: anyone who can read the file can read the journal.
For an encrypted copy use `duet backup create`.")]
    Export(ExportArgs),
    /// Set, change or remove the passphrase protecting this device's key
    #[command(subcommand)]
    Passphrase(PassphraseCommand),
    /// This device's public key and ids
    #[command(subcommand)]
    Key(KeyCommand),
    /// Make the daemon drop its keys and the journal from memory until `duet unlock`
    #[command(after_help = "Examples:
  duet lock                 # leaving the computer; `duet unlock` to open again

Only meaningful when the device key has a passphrase (`duet passphrase set`).")]
    Lock,
    /// Print a shell completion script
    #[command(after_help = "Examples:
  duet completions bash > ~/.local/share/bash-completion/completions/duet
  duet completions zsh > ~/.zfunc/_duet")]
    Completions {
        /// The shell
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), or write every page (duet, duet-SUBCOMMAND, duetd) into DIR
    #[command(after_help = "Examples:
  duet man | man -l -
  duet man --dir ~/.local/share/man/man1    # then `man duet-note-add`, `man duetd`")]
    Man {
        /// Write duet.1, one page per subcommand (duet-note.1, duet-note-add.1, ...) and
        /// duetd's pages into DIR, and list them
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Run a scripted session against a throwaway home, to see duet work
    #[command(after_help = "Examples:
  duet demo
  cargo run --release -- demo")]
    Demo(DemoArgs),
}

/// `duet init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Your name, as your partner will see it
    #[arg(long)]
    pub name: String,
    /// This device's name [default: the host name]
    #[arg(long, value_name = "NAME")]
    pub device_name: Option<String>,
    /// Keep the device key without a passphrase (protected by file permissions only)
    #[arg(long, conflicts_with = "passphrase_file")]
    pub no_passphrase: bool,
    /// Protect the device key with the passphrase in the first line of FILE
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
    /// The new home's network settings.
    #[command(flatten)]
    pub net: NetArgs,
}

/// A new home's network settings, kept in its `config.toml` (`init` and `backup restore`).
#[derive(Debug, Args)]
pub struct NetArgs {
    /// Relays for reaching devices behind NATs: default (n0's public relays), disabled, or a relay URL
    #[arg(
        long,
        env = "DUET_RELAY",
        default_value = "default",
        value_name = "default|disabled|URL"
    )]
    pub relay: String,
    /// A fixed UDP port, so this device's address stays the same across restarts [default: any]
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// The address to listen on
    #[arg(
        long,
        env = "DUET_LISTEN",
        default_value = "0.0.0.0",
        value_name = "IP"
    )]
    pub listen: std::net::IpAddr,
    /// Do not look for paired devices on the local network (mDNS)
    #[arg(long, env = "DUET_NO_LOCAL_DISCOVERY", value_parser = clap::builder::BoolishValueParser::new())]
    pub no_local_discovery: bool,
}

impl NetArgs {
    /// Passes the settings on to `duetd init` or `duetd restore`.
    pub(crate) fn push(&self, cmd: &mut std::process::Command) {
        cmd.arg("--relay")
            .arg(&self.relay)
            .arg("--port")
            .arg(self.port.to_string())
            .arg("--listen")
            .arg(self.listen.to_string());
        if self.no_local_discovery {
            cmd.arg("--no-local-discovery");
        }
    }
}

/// `duet invite`.
#[derive(Debug, Args)]
pub struct InviteArgs {
    /// How long the ticket stays valid (e.g. 30s, 10m, 2h; 24h at most)
    #[arg(long, default_value = "10m", value_parser = parse_invite_lifetime)]
    pub expires: std::time::Duration,
    /// The invited device is another device of yours (it shares your name and boundaries)
    #[arg(long, conflicts_with = "partner_device")]
    pub same_person: bool,
    /// The invited device is a new device of your partner's (e.g. after they lost theirs)
    #[arg(long)]
    pub partner_device: bool,
    /// List the invitations of the last week and what became of each, instead of inviting
    #[arg(long, conflicts_with_all = ["cancel", "wait", "same_person", "partner_device"])]
    pub list: bool,
    /// Cancel the open invitation with this id (from --list), instead of inviting
    #[arg(long, value_name = "ID", conflicts_with_all = ["wait", "same_person", "partner_device"])]
    pub cancel: Option<String>,
    /// Wait until the ticket is used, then print the verification phrase
    #[arg(long)]
    pub wait: bool,
}

/// `duet sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Wait until every reachable device has this device's changes
    #[arg(long)]
    pub wait: bool,
    /// How long to wait (e.g. 30s, 10m)
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub timeout: std::time::Duration,
}

/// Parses durations like `30s`, `10m`, `2h`, `1h30m`.
pub(crate) fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let d: jiff::SignedDuration = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a duration: use e.g. 30s, 10m or 2h"))?;
    std::time::Duration::try_from(d)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("'{s}' must be a positive duration"))
}

/// An invitation's lifetime: a duration of at most 24 hours.
fn parse_invite_lifetime(s: &str) -> Result<std::time::Duration, String> {
    let d = parse_duration(s)?;
    if d > std::time::Duration::from_secs(24 * 3600) {
        return Err(format!(
            "'{s}' is too long: an invitation can stay open for 24 hours at most"
        ));
    }
    Ok(d)
}

/// `duet unlock`.
#[derive(Debug, Args)]
pub struct UnlockArgs {
    /// Read the passphrase from the first line of FILE instead of asking
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
}

/// `duet daemon ...`.
#[derive(Debug, Subcommand)]
pub enum DaemonCommand {
    /// Start duetd in the background; returns once it answers
    #[command(after_help = "Examples:
  duet daemon start
  DUET_HOME=~/other-journal duet daemon start")]
    Start,
    /// Ask duetd to finish its writes and exit
    #[command(after_help = "Examples:
  duet daemon stop")]
    Stop,
    /// Say whether duetd is running (exit code 1 if not)
    #[command(after_help = "Examples:
  duet daemon status || duet daemon start")]
    Status,
}

/// `duet note ...`.
#[derive(Debug, Subcommand)]
pub enum NoteCommand {
    /// Write a new note and print its id
    #[command(after_help = "Examples:
  duet note add \"Weekend plans\" --body \"Hike on Saturday?\"
  duet note add \"Letter\" --body-file letter.txt --tag letters
  echo \"from a pipe\" | duet note add \"Piped\" --body -
  id=$(duet note add \"Groceries\")")]
    Add {
        /// The title (one line)
        title: String,
        /// The body text (`-`: read it from standard input) [default: empty]
        #[arg(long, conflicts_with = "body_file")]
        body: Option<String>,
        /// Read the body from FILE (`-` for standard input)
        #[arg(long, value_name = "FILE")]
        body_file: Option<PathBuf>,
        /// Attach a tag (repeatable)
        #[arg(long = "tag", value_name = "TAG")]
        tags: Vec<String>,
    },
    /// List notes, oldest first
    #[command(after_help = "Examples:
  duet note list
  duet note list --tag plans --json | jq '.[].title'")]
    List {
        /// Only notes with this tag
        #[arg(long)]
        tag: Option<String>,
    },
    /// Show one note (any unique prefix of its id works)
    #[command(after_help = "Examples:
  duet note show 019a3f")]
    Show {
        /// The note's id or a unique prefix of it
        id: String,
    },
    /// Change a note's title, body or tags
    #[command(after_help = "Examples:
  duet note edit 019a3f --append \"PS: bring snacks\"
  duet note edit 019a3f --body-file draft.txt
  duet note edit 019a3f --title \"New title\" --tag later")]
    Edit {
        /// The note's id or a unique prefix of it
        id: String,
        /// A new title
        #[arg(long)]
        title: Option<String>,
        /// Replace the body with TEXT (`-`: standard input), merged as a minimal diff
        #[arg(long, group = "body_change")]
        body: Option<String>,
        /// Replace the body with the contents of FILE (`-` for standard input)
        #[arg(long, value_name = "FILE", group = "body_change")]
        body_file: Option<PathBuf>,
        /// Add TEXT at the end of the body
        #[arg(long, value_name = "TEXT", group = "body_change")]
        append: Option<String>,
        /// Add a tag (repeatable)
        #[arg(long = "tag", value_name = "TAG")]
        tags: Vec<String>,
        /// Remove a tag (repeatable)
        #[arg(long = "untag", value_name = "TAG")]
        untags: Vec<String>,
    },
    /// Move a note to the trash (restorable)
    #[command(after_help = "Examples:
  duet note rm 01a2b3c4d5
  duet trash")]
    Rm {
        /// The note's id or a unique prefix of it
        id: String,
    },
    /// Bring a note back from the trash
    #[command(after_help = "Examples:
  duet note restore 01a2b3c4d5")]
    Restore {
        /// The note's id or a unique prefix of it
        id: String,
    },
}

/// `duet checkin [flags] | duet checkin list`.
#[derive(Debug, Args)]
pub struct CheckinArgs {
    /// `list`, or nothing to record a check-in.
    #[command(subcommand)]
    pub command: Option<CheckinCommand>,
    /// Mood from 1 (low) to 5 (high)
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=5))]
    pub mood: Option<u8>,
    /// A word for how you feel (repeatable)
    #[arg(long = "feeling", value_name = "WORD")]
    pub feelings: Vec<String>,
    /// Answer a prompt of the deck: PROMPT_ID=TEXT (repeatable; see `duet prompts`)
    #[arg(long = "answer", value_name = "PROMPT_ID=TEXT", value_parser = parse_answer)]
    pub answers: Vec<(String, String)>,
    /// What you need right now
    #[arg(long)]
    pub need: Option<String>,
}

fn parse_answer(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((id, text)) if !id.trim().is_empty() => Ok((id.trim().to_owned(), text.to_owned())),
        _ => Err("expected PROMPT_ID=TEXT, e.g. d03=\"at breakfast\"".to_owned()),
    }
}

/// `duet checkin list`.
#[derive(Debug, Subcommand)]
pub enum CheckinCommand {
    /// List check-ins, oldest first
    #[command(after_help = "Examples:
  duet checkin list
  duet checkin list --since 2026-11-01
  duet checkin list --since 7d --json")]
    List {
        /// Only since DATE: YYYY-MM-DD, an RFC 3339 time, today, yesterday, or an age like 7d or 12h
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
    },
}

/// `duet boundary ...`.
#[derive(Debug, Subcommand)]
pub enum BoundaryCommand {
    /// State a boundary; your partner acknowledges it
    #[command(after_help = "Examples:
  duet boundary add \"I need half an hour to myself after work\"")]
    Add {
        /// The boundary, in your words
        text: String,
    },
    /// List active boundaries
    #[command(after_help = "Examples:
  duet boundary list
  duet boundary list --all --json")]
    List {
        /// Include retired boundaries
        #[arg(long)]
        all: bool,
    },
    /// Show one boundary with its revisions and acknowledgements
    #[command(after_help = "Examples:
  duet boundary show 01a2b3c4d5")]
    Show {
        /// The boundary's id or a unique prefix of it
        id: String,
    },
    /// Reword your boundary; your partner acknowledges the new wording
    #[command(after_help = "Examples:
  duet boundary revise 01a2b3c4d5 \"An hour to myself after work\"")]
    Revise {
        /// The boundary's id or a unique prefix of it
        id: String,
        /// The new wording
        text: String,
    },
    /// Withdraw your boundary (it stays in the history)
    #[command(after_help = "Examples:
  duet boundary retire 01a2b3c4d5")]
    Retire {
        /// The boundary's id or a unique prefix of it
        id: String,
    },
    /// Acknowledge your partner's boundary, as currently worded
    #[command(after_help = "Examples:
  duet boundary ack 01a2b3c4d5")]
    Ack {
        /// The boundary's id or a unique prefix of it
        id: String,
    },
}

/// `duet demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the demo's home directory instead of deleting it
    #[arg(long)]
    pub keep: bool,
}

/// `duet backup ...`.
#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Write an encrypted backup of the journal (the daemon keeps running)
    #[command(after_help = "Examples:
  duet backup create ~/duet-2026-11-22.age
  duet backup create b.age --recipient age1...    # also openable by that key
  duet backup create b.age --passphrase-file ~/.backup-pass

The file is a standard age file (open it with `age -d -i keys/device.key FILE | tar t`).
By default only this device's key opens it: keep a copy of keys/device.key somewhere safe,
add --recipient for a key kept elsewhere, or use --passphrase-file.")]
    Create {
        /// The backup file to write (outside the home; an existing file needs --force)
        file: PathBuf,
        /// Replace FILE if it exists (atomically)
        #[arg(long)]
        force: bool,
        /// Also encrypt to this age recipient (age1..., repeatable)
        #[arg(long = "recipient", value_name = "AGE_PUBLIC_KEY")]
        recipients: Vec<String>,
        /// Encrypt to the passphrase in the first line of FILE instead of to keys
        #[arg(long, value_name = "FILE", conflicts_with = "recipients")]
        passphrase_file: Option<PathBuf>,
    },
    /// Decrypt a backup, check it completely, and say what it holds (no daemon needed)
    #[command(after_help = "Examples:
  duet backup verify b.age
  duet backup verify b.age --identity old-device.key
  duet backup verify b.age --passphrase-file ~/.backup-pass --json")]
    Verify {
        /// The backup file
        file: PathBuf,
        #[command(flatten)]
        open: BackupOpenArgs,
    },
    /// Create a new home from a backup (new device key and id; your partner pairs again)
    #[command(after_help = "Examples:
  duet --home ~/duet-restored backup restore b.age --identity old-device.key --no-passphrase
  duet --home ~/duet backup restore b.age --passphrase-file ~/.backup-pass --force")]
    Restore {
        /// The backup file
        file: PathBuf,
        #[command(flatten)]
        open: BackupOpenArgs,
        /// Replace the journal already in the home (it is lost unless you backed it up)
        #[arg(long)]
        force: bool,
        /// Your name [default: that of the person whose device made the backup]
        #[arg(long)]
        name: Option<String>,
        /// This device's name [default: the host name]
        #[arg(long, value_name = "NAME")]
        device_name: Option<String>,
        /// Keep the new device key without a passphrase
        #[arg(long, conflicts_with = "new_passphrase_file")]
        no_passphrase: bool,
        /// Protect the new device key with the passphrase in the first line of FILE
        #[arg(long, value_name = "FILE")]
        new_passphrase_file: Option<PathBuf>,
        /// The new home's network settings.
        #[command(flatten)]
        net: NetArgs,
    },
}

/// What opens a backup.
#[derive(Debug, Args)]
pub struct BackupOpenArgs {
    /// An age identity file that opens the backup, plain or protected by a passphrase (asked
    /// on a terminal, or --passphrase-file) [default: this home's device key]
    #[arg(long, value_name = "FILE")]
    pub identity: Option<PathBuf>,
    /// The backup's passphrase, in the first line of FILE; with --identity, that key file's
    /// passphrase instead
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
}

/// The formats of `duet export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// One JSON object: notes, trash, checkins and boundaries, in the --json shapes
    Json,
    /// One readable Markdown document, grouped by kind and date
    Markdown,
    /// The raw automerge document (binary), loadable by any automerge implementation
    Automerge,
}

/// `duet export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The format
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// Write to FILE (mode 0600, outside the home) instead of standard output
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace FILE if it exists (atomically)
    #[arg(long, requires = "output")]
    pub force: bool,
}

/// `duet passphrase ...`.
#[derive(Debug, Subcommand)]
pub enum PassphraseCommand {
    /// Protect the device key with a passphrase
    #[command(after_help = "Examples:
  duet passphrase set                       # asks on the terminal
  duet passphrase set --new-passphrase-file ~/.duet-pass")]
    Set {
        /// The new passphrase, in the first line of FILE
        #[arg(long, value_name = "FILE")]
        new_passphrase_file: Option<PathBuf>,
    },
    /// Change the device key's passphrase
    #[command(after_help = "Examples:
  duet passphrase change                    # asks on the terminal
  duet passphrase change --passphrase-file old.txt --new-passphrase-file new.txt")]
    Change {
        /// The current passphrase, in the first line of FILE
        #[arg(long, value_name = "FILE")]
        passphrase_file: Option<PathBuf>,
        /// The new passphrase, in the first line of FILE
        #[arg(long, value_name = "FILE")]
        new_passphrase_file: Option<PathBuf>,
    },
    /// Remove the passphrase (the key is then protected by file permissions only)
    #[command(after_help = "Examples:
  duet passphrase remove --passphrase-file ~/.duet-pass")]
    Remove {
        /// The current passphrase, in the first line of FILE
        #[arg(long, value_name = "FILE")]
        passphrase_file: Option<PathBuf>,
    },
}

/// `duet key ...`.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Print this device's age recipient (public key) and device id
    #[command(after_help = "Examples:
  duet key show
  duet backup create extra.age --recipient \"$(duet key show --json | jq -r .recipient)\"")]
    Show,
    /// Replace the device key and the data key, and re-seal the store under them (stop the
    /// daemon first)
    #[command(after_help = "Examples:
  duet daemon stop && duet key rotate && duet daemon start
  duet key rotate --passphrase-file ~/.duet-pass   # a protected key keeps its passphrase")]
    Rotate {
        /// The device key's current passphrase, in the first line of FILE (it stays the
        /// passphrase of the new key)
        #[arg(long, value_name = "FILE")]
        passphrase_file: Option<PathBuf>,
    },
}
