//! Backups: `backup create` inside the running daemon, and the offline `duetd backup-verify`
//! and `duetd restore`, which need no daemon.
//!
//! The format itself is `duet-backup`'s business; this module takes the snapshot, picks the
//! keys, and (for restore) turns a checked backup into a new home.

use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{Context, bail};
use base64::Engine as _;
use duet_backup::{BackupError, FORMAT_VERSION, Manifest, Opener, Sealer};
use duet_crypto::age::x25519;
use duet_crypto::{DeviceKey, KeyError, SecretString};
use duet_journal::Journal;
use duet_proto::{
    BackupCreate, BackupView, ErrorCode, Home, Response, RestoreView, SealedBackup, WireError,
};
use jiff::Timestamp;

use crate::engine::{Engine, EngineError};
use crate::init::{Passphrase, new_id, read_passphrase, work_factor};
use crate::state::Daemon;

fn view(path: &Path, manifest: &Manifest, size: u64, passphrase: bool) -> BackupView {
    BackupView {
        path: path.display().to_string(),
        format: manifest.format,
        journal_id: manifest.journal_id.clone(),
        created_at: manifest.created_at,
        created_by_device: manifest.created_by_device.clone(),
        counts: manifest.counts,
        size_bytes: size,
        document_bytes: manifest
            .member(duet_backup::DOCUMENT_MEMBER)
            .map_or(0, |m| m.size),
        encrypted_to: if passphrase {
            "passphrase"
        } else {
            "recipients"
        }
        .to_owned(),
    }
}

/// `backup create`: one consistent snapshot (a single engine read, so every write queued
/// before it is in and none after), then encryption off the engine thread, so concurrent
/// writes carry on meanwhile. With `deliver` (today's CLI) the sealed bytes go back to the
/// client, which writes the file in the user's own view of the file system; without it (an
/// older client) the daemon writes the file itself, never inside its home.
pub(crate) async fn create(
    daemon: &Daemon,
    engine: &Engine,
    req: BackupCreate,
) -> Result<Response, WireError> {
    let invalid = |m: String| WireError::new(ErrorCode::InvalidInput, m);
    let path = PathBuf::from(&req.path);
    if !path.is_absolute() {
        return Err(invalid(format!(
            "the backup path {} is not absolute",
            req.path
        )));
    }
    if !req.deliver && daemon.home().contains(&path) {
        return Err(invalid(format!(
            "{} is inside the duet home; choose a path outside it",
            req.path
        )));
    }
    let deliver = req.deliver;
    let by_passphrase = req.passphrase.is_some();
    let sealer = match req.passphrase {
        Some(_) if !req.recipients.is_empty() => {
            return Err(invalid(
                "a backup is encrypted either to a passphrase or to recipients, not both".into(),
            ));
        }
        Some(p) if p.is_empty() => return Err(invalid("the passphrase is empty".into())),
        Some(p) => Sealer::Passphrase {
            passphrase: SecretString::from(p),
            work_factor: work_factor(),
        },
        None => {
            let own = daemon.recipient().await?;
            let mut recipients = Vec::with_capacity(1 + req.recipients.len());
            for r in std::iter::once(&own).chain(&req.recipients) {
                let parsed = x25519::Recipient::from_str(r.trim()).map_err(|_| {
                    invalid(format!("'{r}' is not an age X25519 recipient (age1...)"))
                })?;
                recipients.push(parsed);
            }
            Sealer::Recipients(recipients)
        }
    };
    let config = daemon.config().clone();
    let (document, manifest) = engine
        .read(move |j| {
            let counts = j.counts();
            Ok((
                j.save(),
                Manifest {
                    format: FORMAT_VERSION,
                    journal_id: config.journal_id,
                    created_at: Timestamp::now(),
                    created_by_device: config.device_id,
                    duet_version: env!("CARGO_PKG_VERSION").to_owned(),
                    counts,
                    members: Vec::new(),
                },
            ))
        })
        .await
        .map_err(|e: EngineError| WireError::new(ErrorCode::Storage, e.to_string()))?;
    tokio::task::spawn_blocking(move || {
        let (sealed, manifest) = duet_backup::seal(manifest, &document, &sealer)
            .map_err(|e| WireError::new(ErrorCode::Internal, e.to_string()))?;
        let backup = view(&path, &manifest, sealed.len() as u64, by_passphrase);
        if deliver {
            tracing::info!(bytes = sealed.len(), "backup sealed for the client");
            return Ok(Response::BackupSealed(SealedBackup {
                backup,
                sealed_base64: base64::engine::general_purpose::STANDARD.encode(&sealed),
            }));
        }
        duet_proto::write_private_atomic(&path, &sealed, duet_proto::Overwrite::Replace).map_err(
            |e| {
                WireError::new(
                    ErrorCode::Storage,
                    format!("cannot write {}: {e}", path.display()),
                )
            },
        )?;
        tracing::info!(bytes = sealed.len(), "backup written");
        Ok(Response::BackupCreated(backup))
    })
    .await
    .map_err(|e| WireError::new(ErrorCode::Internal, format!("backup task failed: {e}")))?
}

/// What opens a backup offline.
#[derive(Debug, Clone)]
pub enum OpenWith {
    /// An age identity file (plain, as `age-keygen` writes, or protected by a passphrase, as
    /// `duet init` writes with one), and where that key's passphrase comes from.
    Identity(PathBuf, Passphrase),
    /// The first line of a file, or of stdin, is the backup's passphrase.
    Passphrase(Passphrase),
    /// The home's own device key, and where its passphrase comes from if it has one.
    HomeKey(Passphrase),
}

/// A key file needs a passphrase and none was given. `duetd` exits with
/// [`NEEDS_PASSPHRASE_EXIT`] for it, so `duet` can ask on the terminal and try again.
#[derive(Debug, thiserror::Error)]
#[error(
    "{0} is protected by a passphrase: give it with --passphrase-file FILE (next to --identity), or run on a terminal to be asked"
)]
pub struct NeedsKeyPassphrase(pub String);

/// `duetd`'s exit code when a key file needs a passphrase that was not given.
pub const NEEDS_PASSPHRASE_EXIT: u8 = 3;

fn read_identity(path: &Path, passphrase: &Passphrase) -> anyhow::Result<Vec<x25519::Identity>> {
    let secret = read_passphrase(passphrase)?;
    match DeviceKey::read(path, secret.as_ref()) {
        Ok(k) => Ok(vec![k.identity().clone()]),
        Err(KeyError::NeedsPassphrase) => {
            Err(NeedsKeyPassphrase(path.display().to_string()).into())
        }
        Err(KeyError::WrongPassphrase) => {
            bail!("wrong passphrase for {}", path.display())
        }
        Err(KeyError::NotAKeyFile { .. }) => {
            bail!("{} is not an age identity file", path.display())
        }
        Err(e) => Err(e.into()),
    }
}

/// Reads, decrypts and fully checks a backup file, then loads its document as a journal.
/// Nothing is written.
fn open_backup(
    home: &Home,
    file: &Path,
    with: &OpenWith,
    device_id: &str,
) -> anyhow::Result<(duet_backup::Backup, Journal, u64, bool)> {
    let sealed = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let identities;
    let passphrase;
    let opener = match with {
        OpenWith::Identity(p, key_passphrase) => {
            identities = read_identity(p, key_passphrase)?;
            Opener::Identities(&identities)
        }
        OpenWith::Passphrase(source) => {
            passphrase =
                read_passphrase(source)?.ok_or_else(|| anyhow::anyhow!("no passphrase given"))?;
            Opener::Passphrase(&passphrase)
        }
        OpenWith::HomeKey(key_passphrase) => {
            if !home.is_initialised() {
                bail!(
                    "no device key in {} to open the backup with: pass --identity FILE or --passphrase-file FILE",
                    home.root().display()
                );
            }
            identities = read_identity(&home.device_key(), key_passphrase)?;
            Opener::Identities(&identities)
        }
    };
    let by_passphrase = matches!(opener, Opener::Passphrase(_));
    let backup = duet_backup::open(&sealed, &opener).map_err(|e| match e {
        // The default identity was not enough: say which flags would help.
        BackupError::WrongIdentity if matches!(with, OpenWith::HomeKey(_)) => anyhow::anyhow!(
            "this device's key cannot open this backup: pass --identity FILE or --passphrase-file FILE"
        ),
        other => anyhow::anyhow!("{}: {other}", file.display()),
    })?;
    let journal = Journal::load(&backup.document, device_id).map_err(|e| {
        anyhow::anyhow!(
            "{}: the backup's document is not a usable duet journal: {e}",
            file.display()
        )
    })?;
    if journal.counts() != backup.manifest.counts {
        tracing::warn!("the backup's counts differ from its document's");
    }
    Ok((backup, journal, sealed.len() as u64, by_passphrase))
}

/// `duetd backup-verify`: decrypts, checks every checksum and loads the document.
pub fn verify(home: &Home, file: &Path, with: &OpenWith) -> anyhow::Result<BackupView> {
    let (backup, journal, size, by_passphrase) = open_backup(home, file, with, "verify")?;
    let mut v = view(file, &backup.manifest, size, by_passphrase);
    // Counts from the loaded document, not just the manifest's claim.
    v.counts = journal.counts();
    Ok(v)
}

/// What `restore` needs to know.
#[derive(Debug, Clone)]
pub struct RestoreOptions {
    /// The backup file.
    pub file: PathBuf,
    /// What opens it.
    pub open_with: OpenWith,
    /// Replace an existing journal in the home.
    pub force: bool,
    /// The person's name for the new device; default: the name of the person whose device
    /// made the backup.
    pub person_name: Option<String>,
    /// The new device's name; default: the host name.
    pub device_name: Option<String>,
    /// The passphrase for the new device key.
    pub passphrase: Passphrase,
    /// The new device's network settings.
    pub net: crate::init::NetOptions,
}

/// `duetd restore`: a new home from a backup. The backup is opened and checked completely
/// before anything is written, so a refused backup leaves no trace. The new home gets a new
/// device key and device id; the journal id and document come from the backup, and the new
/// device joins the journal as the person whose device made the backup.
pub fn restore(home: &Home, opts: &RestoreOptions) -> anyhow::Result<RestoreView> {
    // A device key without a store counts too: it is the only key of a journal somewhere.
    let existing = home.store().exists() || home.device_key().exists();
    if existing && !opts.force {
        if !home.store().exists() {
            crate::init::refuse_orphan_key(home)?;
        }
        bail!(
            "{} already holds a journal; pass --force to replace it (what it holds is kept in a dated copy beside it), or choose another --home",
            home.root().display()
        );
    }
    // Holding the daemon's lock keeps a daemon from starting on the home being replaced.
    let _lock = if existing {
        Some(
            crate::lockfile::DaemonLock::acquire(&home.lock_file(), home.root())
                .context("stop duetd before restoring over its journal (`duet daemon stop`)")?,
        )
    } else {
        None
    };
    if !existing {
        crate::init::refuse_foreign_dir(home.root())?;
    }
    home.socket()?;
    let device_id = new_id();
    let (backup, mut journal, _, _) = open_backup(home, &opts.file, &opts.open_with, &device_id)?;
    let creator = journal.member(&backup.manifest.created_by_device);
    let person_name = opts
        .person_name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .or_else(|| creator.as_ref().map(|c| c.person_name.clone()))
        .ok_or_else(|| anyhow::anyhow!("the backup does not say whose it is: pass --name NAME"))?;
    let passphrase = read_passphrase(&opts.passphrase)?;
    let config = crate::init::new_config(
        device_id,
        creator.map_or_else(new_id, |c| c.person_id),
        backup.manifest.journal_id.clone(),
        &opts.net,
    );
    let me = crate::init::local_member(&config, opts.device_name.as_deref(), &person_name);
    journal.upsert_member(&me, Timestamp::now())?;
    let key = DeviceKey::generate();
    // Everything is checked: move what is replaced aside before writing anything new.
    let replaced = if existing {
        Some(set_aside(home)?)
    } else {
        None
    };
    crate::init::write_home(home, &key, passphrase.as_ref(), &config, &mut journal)?;
    Ok(RestoreView {
        home: home.root().display().to_string(),
        journal_id: config.journal_id,
        device_id: config.device_id,
        recipient: key.recipient_string(),
        counts: journal.counts(),
        passphrase: passphrase.is_some(),
        replaced: replaced.map(|p| p.display().to_string()),
    })
}

/// The name prefix of the dated directories a forced restore keeps replaced files in.
pub(crate) const REPLACED_PREFIX: &str = "replaced-";

/// Moves a home's store, keys and config into a new private directory
/// `<home>/replaced-YYYYMMDD-HHMMSS` and returns it. Each move is a rename inside the home, so
/// nothing is copied and nothing can be half-moved: a crash leaves each file either in place
/// or in the copy, and the copy (key and store together) still opens with `duet` pointed at
/// it as a home.
fn set_aside(home: &Home) -> anyhow::Result<PathBuf> {
    let stamp = Timestamp::now().strftime("%Y%m%d-%H%M%S").to_string();
    let mut dir = home.root().join(format!("{REPLACED_PREFIX}{stamp}"));
    let mut n = 1;
    while dir.exists() {
        n += 1;
        dir = home.root().join(format!("{REPLACED_PREFIX}{stamp}-{n}"));
    }
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(&dir)
        .with_context(|| format!("cannot create {}", dir.display()))?;
    for (from, name) in [
        (home.store(), "journal.redb"),
        (home.keys_dir(), "keys"),
        (home.config(), "config.toml"),
    ] {
        if from.exists() {
            std::fs::rename(&from, dir.join(name))
                .with_context(|| format!("cannot move {} to {}", from.display(), dir.display()))?;
        }
    }
    std::fs::File::open(&dir)?.sync_all()?;
    std::fs::File::open(home.root())?.sync_all()?;
    tracing::info!(dir = %dir.display(), "kept the replaced journal and keys");
    Ok(dir)
}
