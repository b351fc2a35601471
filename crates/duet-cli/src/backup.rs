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
use crate::daemon_ctl::{ask_secret, duetd, run_duetd};
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

fn open_args(cmd: &mut std::process::Command, open: &BackupOpenArgs) {
    if let Some(id) = &open.identity {
        cmd.arg("--identity").arg(id);
    }
    if let Some(f) = &open.passphrase_file {
        cmd.arg("--passphrase-file").arg(f);
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
            let mut cmd = duetd(home);
            cmd.arg("backup-verify").arg(&file);
            open_args(&mut cmd, &open);
            let out = {
                let _spinner = Spinner::start("Checking the backup");
                run_duetd(cmd, None)?
            };
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
            open_args(&mut cmd, &open);
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
            let out = {
                let _spinner = Spinner::start("Restoring the backup");
                run_duetd(cmd, typed.as_ref().map(|t| t.as_str()))?
            };
            let v: RestoreView =
                serde_json::from_str(&out).context("duetd sent an unexpected answer to restore")?;
            if json {
                print::json(&v)?;
            } else {
                outln!("{}", line(&v.journal_id))?;
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
