//! The daemon's shared state: who it is, whether the journal is unlocked, and shutdown.

use duet_crypto::{DeviceKey, KeyFileKind, SecretString};
use duet_proto::{ErrorCode, Home, StatusView, WireError};
use duet_store::Store;
use jiff::Timestamp;
use tokio::sync::RwLock;
use tokio_util::sync::CancellationToken;

use duet_sync::SyncService;
use duet_sync::access::MemberGate;
use duet_sync::endpoint::NetConfig;
use duet_sync::wire::MemberInfo;

use crate::config::{Config, SharedConfig};
use crate::engine::{Engine, EngineThread};
use crate::replica::EngineReplica;

/// Everything a connection needs. Shared behind an `Arc`.
pub struct Daemon {
    home: Home,
    config: SharedConfig,
    started_at: Timestamp,
    /// The journal's state, behind one lock, so the engine, its thread, the sync service and
    /// the network's error always change together. The lock is tokio's, which cannot be
    /// poisoned: a panic elsewhere never makes the state read as something it is not.
    state: RwLock<State>,
    /// Serialises unlock attempts without holding `state` during the slow part, so
    /// `status` keeps answering while a passphrase is being checked.
    opening: tokio::sync::Mutex<()>,
    shutdown: CancellationToken,
}

/// What [`Daemon::state`] guards.
struct State {
    phase: Phase,
    /// The device's age recipient (public, not secret), learnt when the key is first read,
    /// so backups can be encrypted to it without keeping the identity in memory. It outlives
    /// a `lock`.
    recipient: Option<String>,
}

/// Where the journal stands.
enum Phase {
    /// The daemon has not opened the journal yet (it waits for `unlock` when the key has a
    /// passphrase).
    NotOpened,
    /// It was open and has been closed: by `duet lock`, or for shutdown.
    Locked,
    /// Open: the engine and its thread, and the network if it started.
    Unlocked(Box<Open>),
}

/// An open journal.
struct Open {
    engine: Engine,
    /// Taken by `close` to wait for the last batch.
    thread: EngineThread,
    /// `None` while the network starts, or if it did not (then `network_error` says why).
    sync: Option<Network>,
    network_error: Option<String>,
}

fn locked_error() -> WireError {
    WireError::new(
        ErrorCode::Locked,
        "the journal is locked: run `duet unlock` to give the passphrase",
    )
}

/// The sync service as the daemon runs it (not named `Sync`: that would shadow the standard
/// marker trait).
pub type Network = SyncService<EngineReplica>;

impl Daemon {
    /// A daemon for `home`, locked until [`Daemon::open`] succeeds.
    pub fn new(home: Home, config: Config) -> Self {
        Self {
            config: SharedConfig::new(home.config(), config),
            home,
            started_at: Timestamp::now(),
            state: RwLock::new(State {
                phase: Phase::NotOpened,
                recipient: None,
            }),
            opening: tokio::sync::Mutex::new(()),
            shutdown: CancellationToken::new(),
        }
    }

    /// The home served.
    pub fn home(&self) -> &Home {
        &self.home
    }

    /// Cancelled when the daemon should stop.
    pub fn shutdown_token(&self) -> &CancellationToken {
        &self.shutdown
    }

    /// Whether the device key file needs a passphrase.
    pub fn key_is_protected(&self) -> Result<bool, WireError> {
        DeviceKey::file_kind(&self.home.device_key())
            .map(|k| k == KeyFileKind::Passphrase)
            .map_err(|e| WireError::new(ErrorCode::Storage, e.to_string()))
    }

    /// Reads the device key (with `passphrase` if it is protected), opens the store and
    /// starts the engine. Doing it again once open is a no-op.
    pub async fn open(&self, passphrase: Option<SecretString>) -> Result<(), WireError> {
        let _opening = self.opening.lock().await;
        if !self.is_locked().await {
            return Ok(());
        }
        let key_path = self.home.device_key();
        let endpoint_key_path = self.home.endpoint_key();
        let store_path = self.home.store();
        let device_id = self.config().device_id;
        // scrypt and the store's first load are slow and blocking: keep them off the runtime.
        let started = tokio::task::spawn_blocking(move || {
            let key = DeviceKey::read(&key_path, passphrase.as_ref()).map_err(|e| match e {
                duet_crypto::KeyError::WrongPassphrase => {
                    WireError::new(ErrorCode::BadPassphrase, "wrong passphrase")
                }
                duet_crypto::KeyError::NeedsPassphrase => WireError::new(
                    ErrorCode::Locked,
                    "the journal is locked: run `duet unlock`",
                ),
                other => WireError::new(ErrorCode::Storage, other.to_string()),
            })?;
            let recipient = key.recipient_string();
            let store = Store::open(&store_path, &key)
                .map_err(|e| WireError::new(ErrorCode::Storage, e.to_string()))?;
            let secret = endpoint_secret(&key, &endpoint_key_path)
                .map_err(|e| WireError::new(ErrorCode::Storage, e))?;
            // The identity is dropped (and zeroized) here; only the store's data key stays.
            drop(key);
            Engine::start(store, &device_id)
                .map(|started| (started, secret, recipient))
                .map_err(|e| WireError::new(ErrorCode::Storage, e.to_string()))
        })
        .await
        .map_err(|e| damaged_or_failed(&self.home, e))??;
        let ((handle, thread), secret, recipient) = started;
        {
            let mut state = self.state.write().await;
            state.recipient = Some(recipient);
            state.phase = Phase::Unlocked(Box::new(Open {
                engine: handle.clone(),
                thread,
                sync: None,
                network_error: None,
            }));
        }
        tracing::info!("journal open");
        simulate_newer_schema(&handle).await;
        // The journal works offline: a network that will not start is reported, not fatal.
        let started = self.start_sync(handle, secret).await;
        let unused = {
            let mut state = self.state.write().await;
            match (&mut state.phase, started) {
                (Phase::Unlocked(open), Ok(sync)) => {
                    tracing::info!(endpoint = %sync.endpoint_id(), "network up");
                    open.sync = Some(sync);
                    None
                }
                (Phase::Unlocked(open), Err(e)) => {
                    tracing::error!(error = %e, "network did not start; the journal works offline");
                    open.network_error = Some(e);
                    None
                }
                // Closed (shutdown) while the network started: stop it again.
                (_, Ok(sync)) => Some(sync),
                (_, Err(_)) => None,
            }
        };
        if let Some(sync) = unused {
            sync.shutdown().await;
        }
        Ok(())
    }

    async fn start_sync(&self, engine: Engine, secret: iroh::SecretKey) -> Result<Network, String> {
        let config = self.config();
        let net = NetConfig {
            relay: config.relay.parse()?,
            listen: config.listen,
            port: config.port,
            local_discovery: config.local_discovery,
        };
        let me = engine
            .read(|j| Ok(j.me()))
            .await
            .map_err(|e| e.to_string())?
            .ok_or("this device is not in its own members list")?;
        let gate = MemberGate::default();
        // Fall back step by step rather than run offline: first without local discovery
        // (mDNS needs multicast, which some networks lack), then on any free port.
        let mut attempts = vec![net.clone()];
        if net.local_discovery {
            attempts.push(NetConfig {
                local_discovery: false,
                ..net.clone()
            });
        }
        if net.port != 0 {
            attempts.push(NetConfig {
                local_discovery: false,
                port: 0,
                ..net.clone()
            });
        }
        let mut last_error = String::new();
        let mut endpoint = None;
        for attempt in &attempts {
            match duet_sync::endpoint::build(secret.clone(), attempt, gate.clone()).await {
                Ok(ep) => {
                    endpoint = Some(ep);
                    break;
                }
                Err(e) => {
                    tracing::warn!(error = %e, port = attempt.port, local_discovery = attempt.local_discovery, "network start failed; trying a fallback");
                    last_error = e.to_string();
                }
            }
        }
        let endpoint = endpoint.ok_or(last_error)?;
        // Remember the port: peers that know this device's address find it again after a
        // restart even without relays or local discovery.
        if config.port == 0
            && let Some(port) = endpoint
                .bound_sockets()
                .first()
                .map(std::net::SocketAddr::port)
            && let Err(e) = self.config.update(|c| c.port = port)
        {
            tracing::warn!(error = %e, "cannot remember the listening port");
        }
        let replica = EngineReplica {
            engine,
            config: self.config.clone(),
        };
        let info = MemberInfo {
            device_id: me.device_id,
            device_name: me.device_name,
            person_id: me.person_id,
            person_name: me.person_name,
        };
        SyncService::start(endpoint, gate, replica, info, config.journal_id)
            .await
            .map_err(|e| e.to_string())
    }

    /// The current config (pairing may have changed the journal id since start).
    pub fn config(&self) -> Config {
        self.config.get()
    }

    /// The sync service, or an error saying why there is none.
    pub async fn sync(&self) -> Result<Network, WireError> {
        match &self.state.read().await.phase {
            Phase::Unlocked(open) => open.sync.clone().ok_or_else(|| {
                let why = open
                    .network_error
                    .clone()
                    .unwrap_or_else(|| "the network is not running".into());
                WireError::new(ErrorCode::Network, why)
            }),
            Phase::NotOpened | Phase::Locked => Err(locked_error()),
        }
    }

    /// The engine, or a `Locked` error.
    pub async fn engine(&self) -> Result<Engine, WireError> {
        match &self.state.read().await.phase {
            Phase::Unlocked(open) => Ok(open.engine.clone()),
            Phase::NotOpened | Phase::Locked => Err(locked_error()),
        }
    }

    /// Whether the journal is locked (not opened yet, or closed).
    pub async fn is_locked(&self) -> bool {
        !matches!(self.state.read().await.phase, Phase::Unlocked(_))
    }

    /// Stops the engine and waits until its last batch is on disk, even if engine handles
    /// are still held by connections that did not finish in time.
    pub async fn close(&self) {
        // Take it out first: holding the lock through the shutdown would stall `status`.
        let phase = std::mem::replace(&mut self.state.write().await.phase, Phase::Locked);
        let Phase::Unlocked(open) = phase else {
            return;
        };
        let Open {
            engine,
            thread,
            sync,
            ..
        } = *open;
        if let Some(sync) = sync {
            sync.shutdown().await;
        }
        drop(engine);
        let _ = tokio::task::spawn_blocking(move || thread.stop()).await;
    }

    /// Drops the journal and the data key from memory (after the last batch is on disk),
    /// until the next `unlock`. Only meaningful for a passphrase-protected key: with a plain
    /// key anyone who can read the home can open the journal anyway, so this refuses.
    pub async fn lock(&self) -> Result<(), WireError> {
        if !self.key_is_protected()? {
            return Err(WireError::new(
                ErrorCode::NotAllowed,
                "the device key has no passphrase, so locking would protect nothing: set one with `duet passphrase set`",
            ));
        }
        let _opening = self.opening.lock().await;
        self.close().await;
        tracing::info!("journal locked");
        Ok(())
    }

    /// This device's age recipient: remembered from the last unlock, or read from a plain
    /// key file. A protected key that was never unlocked gives a `locked` error.
    pub async fn recipient(&self) -> Result<String, WireError> {
        if let Some(r) = self.state.read().await.recipient.clone() {
            return Ok(r);
        }
        let path = self.home.device_key();
        let recipient = tokio::task::spawn_blocking(move || {
            DeviceKey::read(&path, None).map(|k| k.recipient_string())
        })
        .await
        .map_err(|e| WireError::new(ErrorCode::Internal, format!("key task failed: {e}")))?
        .map_err(|e| match e {
            duet_crypto::KeyError::NeedsPassphrase => WireError::new(
                ErrorCode::Locked,
                "the journal is locked: run `duet unlock` to give the passphrase",
            ),
            other => WireError::new(ErrorCode::Storage, other.to_string()),
        })?;
        self.state.write().await.recipient = Some(recipient.clone());
        Ok(recipient)
    }

    /// The status view, filled in as far as the lock state allows.
    pub async fn status(&self) -> StatusView {
        let now = Timestamp::now();
        let mut view = StatusView {
            pid: std::process::id(),
            uptime_secs: u64::try_from(now.duration_since(self.started_at).as_secs()).unwrap_or(0),
            started_at: self.started_at,
            daemon_version: env!("CARGO_PKG_VERSION").to_owned(),
            home: self.home.root().display().to_string(),
            journal_id: self.config().journal_id,
            locked: true,
            device_id: Some(self.config().device_id),
            device_name: None,
            person_name: None,
            counts: None,
            members: Vec::new(),
            endpoint_id: None,
            network_error: match &self.state.read().await.phase {
                Phase::Unlocked(open) => open.network_error.clone(),
                Phase::NotOpened | Phase::Locked => None,
            },
            peers: Vec::new(),
            unsynced: false,
            device_changes: Vec::new(),
            shut_out: None,
        };
        if let Ok(sync) = self.sync().await {
            view.endpoint_id = Some(sync.endpoint_id().to_string());
            if let Ok(peers) = sync.peers().await {
                view.peers = peers.into_iter().map(crate::handlers::peer_view).collect();
                view.unsynced = view.peers.iter().any(|p| p.connected && !p.in_sync);
            }
        }
        if let Ok(engine) = self.engine().await {
            let since = now - jiff::SignedDuration::from_hours(30 * 24);
            let snapshot = engine
                .read(move |j| {
                    let shut_out = j.shut_out().then(|| {
                        "this journal already has its two people, and another device admitted them before this one joined: this device no longer syncs. Start a journal of your own with `duet --home DIR init`, or ask to be invited again".to_owned()
                    });
                    let added = j.additions();
                    Ok((
                        j.me(),
                        j.counts(),
                        j.members(),
                        j.device_changes(since),
                        shut_out,
                        added,
                    ))
                })
                .await;
            if let Ok((me, counts, members, changes, shut_out, added)) = snapshot {
                crate::handlers::enrich_peers(&mut view.peers, &added);
                view.device_changes = changes;
                view.shut_out = shut_out;
                view.locked = false;
                view.device_name = me.as_ref().map(|m| m.device_name.clone());
                view.person_name = me.map(|m| m.person_name);
                view.counts = Some(counts);
                view.members = members;
            }
        }
        view
    }
}

/// Debug builds only: `DUET_TEST_WRITE_SCHEMA=N` makes this daemon write schema version N,
/// as a newer duet would, so tests can show how an older peer parks such changes.
async fn simulate_newer_schema(engine: &Engine) {
    if !cfg!(debug_assertions) {
        return;
    }
    let Some(version) = std::env::var("DUET_TEST_WRITE_SCHEMA")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    else {
        return;
    };
    if let Err(e) = engine
        .write(move |j, now| j.write_schema_version(version, now))
        .await
    {
        tracing::warn!(error = %e, "could not write the test schema version");
    }
}

/// The device's network secret key: unsealed from its file, or created (and sealed) for a
/// home made before the network existed.
fn endpoint_secret(key: &DeviceKey, path: &std::path::Path) -> Result<iroh::SecretKey, String> {
    match std::fs::read(path) {
        Ok(sealed) => {
            let bytes = key.open_secret(&sealed).map_err(|e| e.to_string())?;
            let bytes: [u8; 32] = bytes
                .as_slice()
                .try_into()
                .map_err(|_| "the endpoint key file is damaged".to_owned())?;
            Ok(iroh::SecretKey::from_bytes(&bytes))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let secret = iroh::SecretKey::generate();
            let sealed = key
                .seal_secret(&secret.to_bytes())
                .map_err(|e| e.to_string())?;
            crate::init::write_private(path, &sealed).map_err(|e| e.to_string())?;
            Ok(secret)
        }
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// What to say when opening the journal did not finish. A panic there comes from redb (or
/// automerge) meeting a store file it cannot make sense of: redb 4 panics on some damaged
/// files instead of returning an error. It is caught here, at the task boundary, and said
/// plainly, with the way back. The panic's own message goes to the log by the panic hook.
fn damaged_or_failed(home: &Home, e: tokio::task::JoinError) -> WireError {
    if e.is_panic() {
        tracing::error!(error = %e, "opening the store panicked");
        WireError::new(
            ErrorCode::Storage,
            format!(
                "the store {} is damaged and cannot be read (details in duetd.log); restore the journal from a backup with `duet backup restore FILE --home NEW_DIR` (or `--force` over this home)",
                home.store().display()
            ),
        )
    } else {
        WireError::new(
            ErrorCode::Internal,
            format!("opening the journal did not finish: {e}"),
        )
    }
}
