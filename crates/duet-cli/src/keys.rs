//! `duet passphrase set | change | remove`, `duet key show` and `duet lock`.
//!
//! Rewrapping the key file is offline work for `duetd passphrase` (the CLI never reads a
//! key); the passphrases are handed to it on a pipe, never in argv.

use std::io::IsTerminal;
use std::path::Path;

use anyhow::{Context, bail};
use duet_proto::{Home, Request, Response};
use zeroize::Zeroizing;

use crate::UsageError;
use crate::args::{KeyCommand, PassphraseCommand};
use crate::backup::first_line;
use crate::clean::{errln, outln};
use crate::connect::call;
use crate::daemon_ctl::{NeedsPassphrase, ask_secret, duetd, run_duetd};
use crate::print;
use crate::progress::Spinner;

/// The passphrase from FILE, else asked on a terminal (twice when `confirm`), else a usage
/// error naming `flag`.
fn passphrase(
    file: Option<&Path>,
    prompt: &str,
    confirm: bool,
    flag: &str,
) -> anyhow::Result<Zeroizing<String>> {
    if let Some(f) = file {
        return first_line(f);
    }
    if !std::io::stdin().is_terminal() {
        return Err(UsageError(format!(
            "no terminal to ask for the passphrase: pass {flag} FILE"
        ))
        .into());
    }
    let first = ask_secret(prompt)?;
    if first.is_empty() {
        return Err(UsageError("the passphrase is empty".into()).into());
    }
    if confirm && *ask_secret("Repeat it: ")? != *first {
        bail!("the passphrases did not match");
    }
    Ok(first)
}

/// Runs `duet passphrase ...`.
pub(crate) fn passphrase_cmd(home: &Home, command: PassphraseCommand) -> anyhow::Result<()> {
    // Check every source before asking anything, so a usage error comes first.
    let (action, old, new, done) = match &command {
        PassphraseCommand::Set {
            new_passphrase_file,
        } => (
            "set",
            None,
            Some(passphrase(
                new_passphrase_file.as_deref(),
                "New passphrase: ",
                true,
                "--new-passphrase-file",
            )?),
            "Passphrase set: the device key is now protected.",
        ),
        PassphraseCommand::Change {
            passphrase_file,
            new_passphrase_file,
        } => {
            if !std::io::stdin().is_terminal()
                && (passphrase_file.is_none() || new_passphrase_file.is_none())
            {
                return Err(UsageError(
                    "no terminal to ask for the passphrases: pass --passphrase-file FILE and --new-passphrase-file FILE".into(),
                )
                .into());
            }
            let old = passphrase(
                passphrase_file.as_deref(),
                "Current passphrase: ",
                false,
                "--passphrase-file",
            )?;
            let new = passphrase(
                new_passphrase_file.as_deref(),
                "New passphrase: ",
                true,
                "--new-passphrase-file",
            )?;
            ("change", Some(old), Some(new), "Passphrase changed.")
        }
        PassphraseCommand::Remove { passphrase_file } => (
            "remove",
            Some(passphrase(
                passphrase_file.as_deref(),
                "Current passphrase: ",
                false,
                "--passphrase-file",
            )?),
            None,
            "Passphrase removed: the device key is protected by file permissions only.",
        ),
    };
    let mut lines = Zeroizing::new(String::new());
    for p in [&old, &new].into_iter().flatten() {
        lines.push_str(p);
        lines.push('\n');
    }
    let mut cmd = duetd(home);
    cmd.arg("passphrase").arg(action).arg("--stdin");
    {
        let _spinner = Spinner::start("Rewrapping the device key");
        run_duetd(cmd, Some(&lines))?;
    }
    errln!("{done}");
    Ok(())
}

/// Runs `duet key ...`.
pub(crate) async fn key_cmd(home: &Home, json: bool, command: KeyCommand) -> anyhow::Result<()> {
    match command {
        KeyCommand::Show => {
            let Response::Key(k) = call(home, Request::KeyShow).await? else {
                bail!("duetd sent an unexpected answer to key show");
            };
            if json {
                print::json(&k)?;
            } else {
                outln!("device id    {}", k.device_id)?;
                outln!("recipient    {}", k.recipient)?;
                outln!(
                    "passphrase   {}",
                    if k.passphrase_protected { "yes" } else { "no" }
                )?;
                outln!(
                    "endpoint id  {}",
                    k.endpoint_id
                        .as_deref()
                        .unwrap_or("(none: sync is not available yet)")
                )?;
            }
        }
        KeyCommand::Rotate { passphrase_file } => rotate(home, json, passphrase_file.as_deref())?,
    }
    Ok(())
}

/// Runs `duetd key-rotate`: first as it is, then, if the key turns out to need a passphrase
/// that was not given, once more with one asked on the terminal.
fn rotate(home: &Home, json: bool, passphrase_file: Option<&Path>) -> anyhow::Result<()> {
    let run = |typed: Option<&str>| {
        let mut cmd = duetd(home);
        cmd.arg("key-rotate");
        if let Some(f) = passphrase_file {
            cmd.arg("--passphrase-file").arg(f);
        } else if typed.is_some() {
            cmd.arg("--passphrase-stdin");
        }
        let line = typed.map(|t| Zeroizing::new(format!("{t}\n")));
        let _spinner = Spinner::start("Rotating the device key");
        run_duetd(cmd, line.as_ref().map(|l| l.as_str()))
    };
    let out = match run(None) {
        Err(e) if e.downcast_ref::<NeedsPassphrase>().is_some() => {
            if passphrase_file.is_some() || !std::io::stdin().is_terminal() {
                return Err(UsageError(
                    "the device key is protected by a passphrase: pass --passphrase-file FILE, or run on a terminal to be asked".into(),
                )
                .into());
            }
            let typed = ask_secret("Passphrase of this device's key: ")?;
            run(Some(typed.as_str()))?
        }
        other => other?,
    };
    let v: serde_json::Value =
        serde_json::from_str(&out).context("duetd sent an unexpected answer to key rotate")?;
    if json {
        print::json(&v)?;
    } else {
        outln!("{}", v["recipient"].as_str().unwrap_or_default())?;
        errln!(
            "Rotated: a new device key and a new data key; the store and the network key are re-sealed under them. The old key, which opens nothing here any more, is kept at {} for backups made to it (`duet backup restore FILE --identity` it); make a new backup, then delete it.",
            v["old_key"].as_str().unwrap_or_default()
        );
    }
    Ok(())
}

/// Runs `duet lock`.
pub(crate) async fn lock(home: &Home) -> anyhow::Result<()> {
    match call(home, Request::Lock).await? {
        Response::Done => {
            errln!(
                "Locked: duetd dropped the keys and the journal from memory. `duet unlock` to resume."
            );
            Ok(())
        }
        _ => bail!("duetd sent an unexpected answer to lock"),
    }
}
