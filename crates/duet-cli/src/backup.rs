//! `duet backup create | verify | restore`.
//!
//! `create` asks the running daemon, which takes the snapshot and writes the file. `verify`
//! and `restore` need no daemon: they run `duetd backup-verify` and `duetd restore`, because
//! the CLI never handles keys or the store itself.

use std::io::IsTerminal;
use std::path::Path;

use anyhow::Context;
use base64::Engine as _;
use duet_proto::{BackupCreate, BackupView, Counts, Home, Request, Response, RestoreView};
use zeroize::Zeroizing;

use crate::UsageError;
use crate::args::{BackupCommand, BackupOpenArgs};
use crate::clean::{errln, line, outln};
use crate::connect::call;
use crate::daemon_ctl::{NeedsPassphrase, ask_secret, duetd, run_duetd};
use crate::print;
use crate::progress::Spinner;
use crate::target::Target;

/// The first line of a passphrase file, held so it is wiped when dropped.
pub(crate) fn first_line(path: &Path) -> anyhow::Result<Zeroizing<String>> {
    let text = Zeroizing::new(
        std::fs::read_to_string(path)
            .with_context(|| format!("cannot read passphrase file {}", path.display()))?,
    );
    let line = Zeroizing::new(text.lines().next().unwrap_or_default().to_owned());
    if line.is_empty() {
        return Err(UsageError(format!("the passphrase in {} is empty", path.display())).into());
    }
    Ok(line)
}

/// "2 notes, 1 in the trash, 3 check-ins and 1 boundary".
pub(crate) fn counts_phrase(c: &Counts) -> String {
    let n = |k: usize, one: &str, many: &str| format!("{k} {}", if k == 1 { one } else { many });
    format!(
        "{}, {} in the trash, {} and {}",
        n(c.notes, "note", "notes"),
        c.trash,
        n(c.checkins, "check-in", "check-ins"),
        n(c.boundaries, "boundary", "boundaries")
    )
}

fn open_args(
    cmd: &mut std::process::Command,
    open: &BackupOpenArgs,
    key_passphrase_on_stdin: bool,
) {
    if let Some(id) = &open.identity {
        cmd.arg("--identity").arg(id);
    }
    if let Some(f) = &open.passphrase_file {
        cmd.arg("--passphrase-file").arg(f);
    }
    if key_passphrase_on_stdin {
        cmd.arg("--identity-passphrase-stdin");
    }
}

/// A copy of a prepared `duetd` command (program and arguments), to run it again.
fn clone_command(cmd: &std::process::Command) -> std::process::Command {
    let mut copy = std::process::Command::new(cmd.get_program());
    copy.args(cmd.get_args());
    copy
}

/// What goes on `duetd`'s standard input: the key's passphrase as a line, then `rest`.
fn lines(key: Option<&str>, rest: Option<&str>) -> Zeroizing<String> {
    let mut text = Zeroizing::new(String::new());
    if let Some(k) = key {
        text.push_str(k);
        text.push('\n');
    }
    text.push_str(rest.unwrap_or_default());
    text
}

/// Runs `duetd` through `run`, first without a key passphrase. If the key that opens the
/// backup turns out to be protected and no passphrase was given, asks for it on the terminal
/// and runs again with it; without a terminal, says how to give it (a usage error).
fn with_key_passphrase(
    open: &BackupOpenArgs,
    run: impl Fn(Option<&str>) -> anyhow::Result<String>,
) -> anyhow::Result<String> {
    match run(None) {
        Err(e) if e.downcast_ref::<NeedsPassphrase>().is_some() => {
            if open.passphrase_file.is_some() || !std::io::stdin().is_terminal() {
                return Err(UsageError(e.to_string()).into());
            }
            let key = open.identity.as_deref().map_or_else(
                || "this device's key".to_owned(),
                |p| p.display().to_string(),
            );
            let typed = ask_secret(&format!("Passphrase for {key}: "))?;
            run(Some(typed.as_str()))
        }
        other => other,
    }
}

/// Runs a `duet backup` command.
pub(crate) async fn run(home: &Home, json: bool, command: BackupCommand) -> anyhow::Result<()> {
    match command {
        BackupCommand::Create {
            file,
            force,
            recipients,
            passphrase_file,
        } => {
            let target = Target::check(home, &file, force)?;
            let passphrase = passphrase_file.as_deref().map(first_line).transpose()?;
            let extra = recipients.len();
            let request = Request::BackupCreate(BackupCreate {
                path: target.path().display().to_string(),
                recipients,
                passphrase: passphrase.as_ref().map(|p| p.to_string()),
                deliver: true,
            });
            let v = {
                let _spinner = Spinner::start("Writing the backup");
                match call(home, request).await? {
                    Response::BackupSealed(s) => {
                        let sealed = base64::engine::general_purpose::STANDARD
                            .decode(s.sealed_base64)
                            .context("duetd sent a malformed backup")?;
                        target.write(&sealed)?;
                        s.backup
                    }
                    // A daemon from before `deliver` wrote the file itself.
                    Response::BackupCreated(v) => v,
                    _ => anyhow::bail!("duetd sent an unexpected answer to backup create"),
                }
            };
            if json {
                print::json(&v)?;
            } else {
                let to = if v.encrypted_to == "passphrase" {
                    "a passphrase".to_owned()
                } else if extra == 0 {
                    "this device's key".to_owned()
                } else {
                    format!("this device's key and {extra} other recipient(s)")
                };
                errln!(
                    "Backed up {} to {} ({} bytes), encrypted to {to}.",
                    counts_phrase(&v.counts),
                    v.path,
                    v.size_bytes
                );
            }
        }
        BackupCommand::Verify { file, open } => {
            let out = with_key_passphrase(&open, |key| {
                let mut cmd = duetd(home);
                cmd.arg("backup-verify").arg(&file);
                open_args(&mut cmd, &open, key.is_some());
                let stdin = lines(key, None);
                let _spinner = Spinner::start("Checking the backup");
                run_duetd(cmd, (!stdin.is_empty()).then_some(stdin.as_str()))
            })?;
            let v: BackupView = serde_json::from_str(&out)
                .context("duetd sent an unexpected answer to backup-verify")?;
            if json {
                print::json(&v)?;
            } else {
                print_backup(&v)?;
            }
        }
        BackupCommand::Restore {
            file,
            open,
            force,
            name,
            device_name,
            no_passphrase,
            new_passphrase_file,
            net,
        } => {
            let mut cmd = duetd(home);
            cmd.arg("restore").arg(&file);
            net.push(&mut cmd);
            if force {
                cmd.arg("--force");
            }
            if let Some(n) = &name {
                cmd.arg("--name").arg(n);
            }
            if let Some(d) = &device_name {
                cmd.arg("--device-name").arg(d);
            }
            let mut typed = None;
            if no_passphrase {
                cmd.arg("--no-passphrase");
            } else if let Some(f) = &new_passphrase_file {
                cmd.arg("--new-passphrase-file").arg(f);
            } else if std::io::stdin().is_terminal() {
                let first = ask_secret("Passphrase for the new device key (empty for none): ")?;
                if first.is_empty() {
                    cmd.arg("--no-passphrase");
                } else {
                    if *ask_secret("Repeat the passphrase: ")? != *first {
                        anyhow::bail!("the passphrases did not match");
                    }
                    cmd.arg("--new-passphrase-stdin");
                    typed = Some(Zeroizing::new(format!("{}\n", *first)));
                }
            } else {
                return Err(UsageError(
                    "no terminal to ask for a passphrase: pass --no-passphrase or --new-passphrase-file FILE"
                        .into(),
                )
                .into());
            }
            let out = with_key_passphrase(&open, |key| {
                let mut cmd = clone_command(&cmd);
                open_args(&mut cmd, &open, key.is_some());
                // duetd reads the key's passphrase first, then the new one.
                let stdin = lines(key, typed.as_ref().map(|t| t.as_str()));
                let _spinner = Spinner::start("Restoring the backup");
                run_duetd(cmd, (!stdin.is_empty()).then_some(stdin.as_str()))
            })?;
            let v: RestoreView =
                serde_json::from_str(&out).context("duetd sent an unexpected answer to restore")?;
            if json {
                print::json(&v)?;
            } else {
                outln!("{}", line(&v.journal_id))?;
                if let Some(dir) = &v.replaced {
                    errln!(
                        "The journal, keys and config this home held before are kept in {}.",
                        line(dir)
                    );
                }
                errln!(
                    "Restored {} into {} as a new device ({}). Your partner needs to pair with it again. Next: `duet daemon start`.",
                    counts_phrase(&v.counts),
                    v.home,
                    v.device_id
                );
            }
        }
    }
    Ok(())
}

fn print_backup(v: &BackupView) -> anyhow::Result<()> {
    let encrypted = if v.encrypted_to == "passphrase" {
        "to a passphrase"
    } else {
        "to age recipients"
    };
    outln!("Backup OK: {}", line(&v.path))?;
    outln!("  journal    {}", line(&v.journal_id))?;
    outln!(
        "  created    {} by device {}",
        v.created_at,
        line(&v.created_by_device)
    )?;
    outln!("  format     {}", v.format)?;
    outln!("  encrypted  {encrypted}")?;
    outln!("  holds      {}", counts_phrase(&v.counts))?;
    outln!(
        "  size       {} bytes (document {} bytes)",
        v.size_bytes,
        v.document_bytes
    )?;
    Ok(())
}
