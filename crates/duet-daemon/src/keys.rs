//! `duetd passphrase set|change|remove`: rewraps the device key file, offline.
//!
//! Only the key file changes. The store's data key is sealed to the device's age
//! *recipient*, which a passphrase does not change, so the journal is not touched and a
//! running daemon carries on (a locked one takes the new passphrase at its next unlock).

use anyhow::{Context, bail};
use duet_crypto::{DeviceKey, KeyError, KeyFileKind};
use duet_proto::Home;

use crate::init::{Passphrase, read_passphrase, work_factor};

/// What to do to the key file's passphrase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PassphraseAction {
    /// Protect a plain key file with a passphrase.
    Set,
    /// Replace the passphrase of a protected key file.
    Change,
    /// Make a protected key file plain again.
    Remove,
}

/// Rewraps `home`'s device key as `action` says. `old` and `new` are read only when the
/// action needs them, old first (so both may come from stdin, one line each).
pub fn rewrap(
    home: &Home,
    action: PassphraseAction,
    old: &Passphrase,
    new: &Passphrase,
) -> anyhow::Result<()> {
    let path = home.device_key();
    if !home.is_initialised() {
        bail!(
            "no journal in {}: create one with `duet init --name NAME`",
            home.root().display()
        );
    }
    let kind = DeviceKey::file_kind(&path)?;
    match (action, kind) {
        (PassphraseAction::Set, KeyFileKind::Passphrase) => {
            bail!("the device key already has a passphrase: use `duet passphrase change`")
        }
        (PassphraseAction::Change | PassphraseAction::Remove, KeyFileKind::Plain) => {
            bail!("the device key has no passphrase: use `duet passphrase set`")
        }
        _ => {}
    }
    let old = match kind {
        KeyFileKind::Plain => None,
        KeyFileKind::Passphrase => Some(
            read_passphrase(old)
                .context("the current passphrase")?
                .ok_or_else(|| anyhow::anyhow!("the current passphrase is needed"))?,
        ),
    };
    let key = DeviceKey::read(&path, old.as_ref()).map_err(|e| match e {
        KeyError::WrongPassphrase => anyhow::anyhow!("wrong passphrase"),
        other => other.into(),
    })?;
    let new = match action {
        PassphraseAction::Remove => None,
        PassphraseAction::Set | PassphraseAction::Change => Some(
            read_passphrase(new)
                .context("the new passphrase")?
                .ok_or_else(|| anyhow::anyhow!("the new passphrase is needed"))?,
        ),
    };
    key.write(&path, new.as_ref(), work_factor())?;
    tracing::info!(?action, "device key rewrapped");
    Ok(())
}
