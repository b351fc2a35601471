//! `duetd passphrase set|change|remove`: rewraps the device key file, offline; and
//! `duetd key-rotate`: replaces the device key and the data key, offline.
//!
//! Only the key file changes. The store's data key is sealed to the device's age
//! *recipient*, which a passphrase does not change, so the journal is not touched and a
//! running daemon carries on (a locked one takes the new passphrase at its next unlock).

use std::os::unix::fs::PermissionsExt;

use anyhow::{Context, bail};
use duet_crypto::{DeviceKey, KeyError, KeyFileKind};
use duet_proto::Home;

use crate::init::{Passphrase, read_passphrase};

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
    crate::init::write_device_key(&path, &key, new.as_ref(), duet_proto::Overwrite::Replace)?;
    tracing::info!(?action, "device key rewrapped");
    Ok(())
}

/// What `rotate` did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RotateReport {
    /// The new device key's age recipient.
    pub recipient: String,
    /// Whether the new key file is protected by a passphrase (the same one as before).
    pub passphrase: bool,
    /// Where the old key file is kept, for backups made to it.
    pub old_key: String,
}

/// `duetd key-rotate`: a new device key and a new data key, the store re-sealed under them
/// and the endpoint key re-sealed to the new device key, offline (the daemon must be
/// stopped). A passphrase-protected key keeps its passphrase, read from `passphrase`.
///
/// Every new file is built in a private staging directory first; then the old store and
/// keys are moved aside and the new ones moved in, each a rename inside the home. A crash
/// during the switch leaves both complete sets on disk (`.rotate-*` and `replaced-*`), never
/// a key without its store. Once the new set is in place the old store is deleted and the
/// old key kept in `replaced-*/keys/` (see the end of the function for why).
pub fn rotate(home: &Home, passphrase: &Passphrase) -> anyhow::Result<RotateReport> {
    if !home.is_initialised() {
        bail!(
            "no journal in {}: create one with `duet init --name NAME`",
            home.root().display()
        );
    }
    let _lock = crate::lockfile::DaemonLock::acquire(&home.lock_file(), home.root())
        .context("stop duetd before rotating its key (`duet daemon stop`)")?;
    let pass = match DeviceKey::file_kind(&home.device_key())? {
        KeyFileKind::Plain => None,
        KeyFileKind::Passphrase => Some(read_passphrase(passphrase)?.ok_or_else(|| {
            crate::backup::NeedsKeyPassphrase(home.device_key().display().to_string())
        })?),
    };
    let old = DeviceKey::read(&home.device_key(), pass.as_ref()).map_err(|e| match e {
        KeyError::WrongPassphrase => anyhow::anyhow!("wrong passphrase"),
        other => other.into(),
    })?;
    let new = DeviceKey::generate();

    let staging = tempfile::Builder::new()
        .prefix(".rotate-")
        .permissions(std::fs::Permissions::from_mode(0o700))
        .tempdir_in(home.root())
        .with_context(|| {
            format!(
                "cannot create a staging directory in {}",
                home.root().display()
            )
        })?;
    let staged_keys = staging.path().join("keys");
    crate::init::private_dir(&staged_keys)?;
    {
        let store = duet_store::Store::open(&home.store(), &old)?;
        store.reseal_into(&staging.path().join("journal.redb"), &new)?;
    }
    let staged_store = staging.path().join("journal.redb");
    std::fs::set_permissions(&staged_store, std::fs::Permissions::from_mode(0o600))?;
    crate::init::write_device_key(
        &staged_keys.join("device.key"),
        &new,
        pass.as_ref(),
        duet_proto::Overwrite::Refuse,
    )?;
    // Every other secret of the device is an age file in keys/ sealed to the device key
    // (`DeviceKey::seal_secret`): the endpoint key today, any later one too. Each is opened
    // with the old key and sealed to the new one; the secrets themselves do not change.
    for entry in std::fs::read_dir(home.keys_dir())
        .with_context(|| format!("cannot read {}", home.keys_dir().display()))?
    {
        let path = entry?.path();
        if path.extension().is_none_or(|e| e != "age") {
            continue;
        }
        let sealed =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let secret = old
            .open_secret(&sealed)
            .with_context(|| format!("cannot open {}", path.display()))?;
        let name = path.file_name().unwrap_or_default();
        crate::init::write_private(&staged_keys.join(name), &new.seal_secret(&secret)?)?;
    }
    std::fs::File::open(staging.path())?.sync_all()?;

    // The switch: old aside, new in. Each step is a rename within the home. From here on
    // neither directory may be deleted on an error (`keep`): one of them holds the only
    // complete set, and the error message names both.
    let staging = staging.keep();
    let aside = tempfile::Builder::new()
        .prefix(crate::backup::REPLACED_PREFIX)
        .permissions(std::fs::Permissions::from_mode(0o700))
        .tempdir_in(home.root())?
        .keep();
    let switch = || -> std::io::Result<()> {
        std::fs::rename(home.store(), aside.join("journal.redb"))?;
        std::fs::rename(home.keys_dir(), aside.join("keys"))?;
        std::fs::rename(staging.join("keys"), home.keys_dir())?;
        std::fs::rename(staging.join("journal.redb"), home.store())?;
        std::fs::File::open(home.root())?.sync_all()
    };
    switch().with_context(|| {
        format!(
            "the key rotation stopped half-way: the old journal.redb and keys/ are in {}, the new ones in {}; move one complete pair back into {}",
            aside.display(),
            staging.display(),
            home.root().display()
        )
    })?;
    tracing::info!("device key and data key rotated");
    // The old store is what the rotation retires: delete it. The old key is kept, beside
    // it, because backups made for this device open only with it; it opens nothing in the
    // home any more, and the person deletes it once new backups exist.
    for path in [aside.join("journal.redb"), staging.clone()] {
        let removed = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        if let Err(e) = removed {
            tracing::warn!(path = %path.display(), error = %e, "cannot remove");
        }
    }
    Ok(RotateReport {
        recipient: new.recipient_string(),
        passphrase: pass.is_some(),
        old_key: aside.join("keys").join("device.key").display().to_string(),
    })
}
