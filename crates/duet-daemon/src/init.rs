//! Creating a home: directories, device key, config and a store holding a new journal.

use std::fs;
use std::io::BufRead;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use duet_crypto::{DeviceKey, SecretString};
use duet_journal::{Journal, Member};
use duet_proto::Home;
use duet_store::{JOURNAL_DOC, Store};

use crate::config::Config;

/// Where the passphrase for a new device key comes from.
#[derive(Debug, Clone)]
pub enum Passphrase {
    /// No passphrase: the key file is a plain age identity, protected by file permissions.
    None,
    /// The first line of a file.
    File(PathBuf),
    /// The first line of standard input (how `duet init` passes a typed passphrase).
    Stdin,
}

/// What `init` needs to know.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// The person's display name.
    pub person_name: String,
    /// The device's name; the host name when `None`.
    pub device_name: Option<String>,
    /// Where the passphrase comes from.
    pub passphrase: Passphrase,
    /// Network settings.
    pub net: NetOptions,
}

/// A device's network settings, chosen at `init` and kept in its config.
#[derive(Debug, Clone)]
pub struct NetOptions {
    /// `default`, `disabled` or a relay URL.
    pub relay: String,
    /// A fixed UDP port, or 0.
    pub port: u16,
    /// The address to listen on.
    pub listen: std::net::IpAddr,
    /// mDNS discovery on the local network.
    pub local_discovery: bool,
}

impl Default for NetOptions {
    fn default() -> Self {
        Self {
            relay: "default".into(),
            port: 0,
            listen: std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
            local_discovery: true,
        }
    }
}

/// What `init` created.
#[derive(Debug, Clone)]
pub struct InitReport {
    /// The new journal's id.
    pub journal_id: String,
    /// This device's id.
    pub device_id: String,
}

/// A new random id in the same 32-hex-digit form as entry ids.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

/// Reads a passphrase: the first line of the file or stdin, without its line ending.
pub fn read_passphrase(source: &Passphrase) -> anyhow::Result<Option<SecretString>> {
    let line = match source {
        Passphrase::None => return Ok(None),
        Passphrase::File(path) => {
            let text = fs::read_to_string(path)
                .with_context(|| format!("cannot read passphrase file {}", path.display()))?;
            text.lines().next().unwrap_or_default().to_owned()
        }
        Passphrase::Stdin => {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("cannot read the passphrase from stdin")?;
            line.trim_end_matches(['\n', '\r']).to_owned()
        }
    };
    if line.is_empty() {
        bail!("the passphrase is empty");
    }
    Ok(Some(SecretString::from(line)))
}

/// The scrypt work factor override for tests (see [`crate::SCRYPT_WORK_FACTOR_ENV`]).
/// Release builds ignore it, so a stray variable can never weaken a real user's key.
pub fn work_factor() -> Option<u8> {
    if !cfg!(debug_assertions) {
        return None;
    }
    std::env::var(crate::SCRYPT_WORK_FACTOR_ENV)
        .ok()
        .and_then(|v| v.parse().ok())
}

/// Creates a directory (and parents) and makes it private (0700).
pub fn private_dir(path: &Path) -> std::io::Result<()> {
    fs::create_dir_all(path)?;
    fs::set_permissions(path, fs::Permissions::from_mode(0o700))
}

/// Writes a home's file with mode 0600 atomically (the one helper the CLI uses too).
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    duet_proto::write_private_atomic(path, bytes, duet_proto::Overwrite::Replace)
}

/// Writes the device key file, never over an existing one unless `overwrite` says so (only
/// a passphrase change, which keeps the same identity, replaces it). `init` and `restore`
/// refuse: the key is the only thing that opens its store, and a replaced key loses the
/// journal for good.
pub(crate) fn write_device_key(
    path: &Path,
    key: &DeviceKey,
    passphrase: Option<&SecretString>,
    overwrite: duet_proto::Overwrite,
) -> anyhow::Result<()> {
    let bytes = key.file_bytes(passphrase, work_factor())?;
    duet_proto::write_private_atomic(path, &bytes, overwrite).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            anyhow::anyhow!(
                "{} already exists; refusing to replace a device key (it is the only key that opens its journal)",
                path.display()
            )
        } else {
            anyhow::anyhow!("cannot write {}: {e}", path.display())
        }
    })
}

/// Refuses to go on when the home holds a device key but no store: the key is the only way
/// into that store, wherever it went, so it must not be replaced by a new one.
pub(crate) fn refuse_orphan_key(home: &Home) -> anyhow::Result<()> {
    if home.device_key().exists() && !home.store().exists() {
        bail!(
            "{} holds a device key but no journal.redb; refusing to replace the only key that opens that journal: if the store was moved, move it back to {}; if it is gone for good, move {} out of the home first",
            home.root().display(),
            home.store().display(),
            home.keys_dir().display()
        );
    }
    Ok(())
}

/// What an interrupted `init` or a stopped daemon may leave in a home without a store.
const HOME_LEFTOVERS: &[&str] = &[
    "keys",
    "config.toml",
    "config.tmp",
    "duetd.log",
    "duetd.lock",
    "duetd.sock",
    "journal.redb.partial",
];

/// `init` makes the home private (0700) and fills it; it must not do that to a directory that
/// holds something else (say, `--home ~`).
pub(crate) fn refuse_foreign_dir(root: &Path) -> anyhow::Result<()> {
    let Ok(entries) = fs::read_dir(root) else {
        return Ok(());
    };
    for entry in entries {
        let name = entry?.file_name();
        // `write_private`'s temporary files, left by a crash: `.config.toml.XXXXXX.tmp`.
        // And the dated copies a forced restore keeps (`replaced-…`).
        let temp = name.to_str().is_some_and(|n| {
            (n.starts_with(".config.toml.") && n.ends_with(".tmp"))
                || n.starts_with(crate::backup::REPLACED_PREFIX)
        });
        if !temp && !HOME_LEFTOVERS.iter().any(|l| name == *l) {
            bail!(
                "{} is not empty and is not a duet home; choose a new directory for --home",
                root.display()
            );
        }
    }
    Ok(())
}

/// The host name, or a generic device name when there is none.
pub(crate) fn host_name() -> String {
    nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .filter(|h| !h.trim().is_empty())
        .unwrap_or_else(|| "this device".to_owned())
}

/// The config of a new device (init or restore).
pub(crate) fn new_config(
    device_id: String,
    person_id: String,
    journal_id: String,
    net: &NetOptions,
) -> Config {
    Config {
        device_id,
        person_id,
        journal_id,
        relay: net.relay.clone(),
        port: net.port,
        listen: net.listen,
        local_discovery: net.local_discovery,
    }
}

/// This device's member record: its ids from `config`, its name (the host name when none is
/// given), the person's name.
pub(crate) fn local_member(
    config: &Config,
    device_name: Option<&str>,
    person_name: &str,
) -> Member {
    Member {
        device_id: config.device_id.clone(),
        device_name: device_name
            .filter(|d| !d.trim().is_empty())
            .map_or_else(host_name, str::to_owned),
        person_id: config.person_id.clone(),
        person_name: person_name.trim().to_owned(),
        ..Member::default()
    }
}

/// Writes a complete home: private directories, the device key, `config.toml`, and a store
/// whose chunk 0 is a full save of `journal`. The store is built under a temporary name and
/// renamed into place last, so the home counts as initialised only once everything else is
/// there. Used by `init` and by `restore` (which may replace an existing home's files).
pub(crate) fn write_home(
    home: &Home,
    key: &DeviceKey,
    passphrase: Option<&SecretString>,
    config: &Config,
    journal: &mut Journal,
) -> anyhow::Result<()> {
    private_dir(home.root()).with_context(|| format!("cannot create {}", home.root().display()))?;
    private_dir(&home.keys_dir())
        .with_context(|| format!("cannot create {}", home.keys_dir().display()))?;
    let tmp_store = home.store().with_extension("redb.partial");
    let _ = fs::remove_file(&tmp_store);
    {
        let store = Store::create(&tmp_store, key, &config.journal_id)?;
        store.append(JOURNAL_DOC, &journal.save())?;
    }
    fs::set_permissions(&tmp_store, fs::Permissions::from_mode(0o600))?;
    write_device_key(
        &home.device_key(),
        key,
        passphrase,
        duet_proto::Overwrite::Refuse,
    )?;
    // A new network identity too (a restored home is a new device), sealed to the device
    // key like every other secret.
    let endpoint_secret = iroh::SecretKey::generate();
    let sealed = key.seal_secret(&endpoint_secret.to_bytes())?;
    write_private(&home.endpoint_key(), &sealed)
        .with_context(|| format!("cannot write {}", home.endpoint_key().display()))?;
    config.save(&home.config())?;
    fs::rename(&tmp_store, home.store())?;
    fs::File::open(home.root())?.sync_all()?;
    Ok(())
}

/// Creates the home. Refuses if it already holds a journal or a device key (a key without a
/// store is either a moved store's only key or an interrupted `init`; which one cannot be
/// told, so the person decides). The store is created last, so a home counts as
/// initialised only once everything else is in place.
pub fn init(home: &Home, opts: &InitOptions) -> anyhow::Result<InitReport> {
    if home.store().exists() {
        bail!(
            "{} already holds a journal; use another --home, or remove it to start over",
            home.root().display()
        );
    }
    refuse_orphan_key(home)?;
    if opts.person_name.trim().is_empty() {
        bail!("--name must not be empty");
    }
    refuse_foreign_dir(home.root())?;
    opts.net
        .relay
        .parse::<duet_sync::endpoint::RelayChoice>()
        .map_err(|e| anyhow::anyhow!("--relay: {e}"))?;
    let passphrase = read_passphrase(&opts.passphrase)?;
    // Check the socket path fits before creating anything.
    home.socket()?;
    let key = DeviceKey::generate();
    let config = new_config(new_id(), new_id(), new_id(), &opts.net);
    let me = local_member(&config, opts.device_name.as_deref(), &opts.person_name);
    let mut journal = Journal::create(&me, jiff::Timestamp::now())?;
    write_home(home, &key, passphrase.as_ref(), &config, &mut journal)?;
    let journal_id = config.journal_id.clone();
    Ok(InitReport {
        journal_id,
        device_id: config.device_id,
    })
}
