//! The sync service: the endpoint's accept side (pairing, sessions), one dialer per member
//! that keeps a session up with backoff, invitations, and the status `duet peers` shows.

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use iroh::endpoint::Connection;
use iroh::protocol::{AcceptError, ProtocolHandler, Router};
use iroh::{Endpoint, EndpointAddr, EndpointId};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::access::MemberGate;
use crate::invitations::Invitations;
use crate::replica::{PeerRecord, Replica};

use crate::wire::{Control, FrameStream, MemberInfo};
use crate::{PAIR_ALPN, SYNC_ALPN, SyncError};

mod pairing;
mod peers;
mod sessions;

pub use pairing::PairOutcome;
use peers::PeerState;
pub use peers::PeerStatus;

/// How long a dial may take before it counts as failed.
const DIAL_TIMEOUT: Duration = Duration::from_secs(10);
struct Inner<R> {
    endpoint: Endpoint,
    replica: R,
    gate: MemberGate,
    me: RwLock<MemberInfo>,
    journal_id: RwLock<String>,
    invites: Mutex<Invitations>,
    peers: Mutex<HashMap<EndpointId, PeerState>>,
    /// Device id -> endpoint id of current members, to refuse a joiner reusing one.
    known_devices: Mutex<HashMap<String, EndpointId>>,
    dial_gen: watch::Sender<u64>,
    shutdown: CancellationToken,
    tasks: TaskTracker,
    next_session: AtomicU64,
}

/// The running network side of a daemon. Cheap to clone.
pub struct SyncService<R: Replica> {
    inner: Arc<Inner<R>>,
    router: Router,
}

impl<R: Replica> Clone for SyncService<R> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            router: self.router.clone(),
        }
    }
}

/// The other side's reason, when it closed the connection on purpose (the member gate cuts a
/// non-member off right after the handshake): clearer than the stream error that follows.
fn refusal(conn: &Connection) -> Option<SyncError> {
    conn.close_reason()
        .map(|reason| crate::Refusal::Closed(reason.to_string()).into())
}

/// Dials `addr` on `alpn` (within the dial timeout, `what` naming it in the error) and opens
/// the one stream both protocols use.
async fn open(
    endpoint: &Endpoint,
    addr: EndpointAddr,
    alpn: &[u8],
    what: &str,
) -> Result<(Connection, FrameStream), SyncError> {
    let conn = tokio::time::timeout(DIAL_TIMEOUT, endpoint.connect(addr, alpn))
        .await
        .map_err(|_| SyncError::Timeout(what.to_owned()))?
        .map_err(|e| SyncError::Connect(e.to_string()))?;
    let (send, recv) = conn
        .open_bi()
        .await
        .map_err(|e| SyncError::Protocol(e.to_string()))?;
    Ok((conn, FrameStream::new(send, recv)))
}

/// Accepts the stream a peer opened and reads its first control message (`what`, for the
/// timeout's message).
async fn accept_first(conn: &Connection, what: &str) -> Result<(FrameStream, Control), SyncError> {
    let first = async {
        let (send, recv) = conn
            .accept_bi()
            .await
            .map_err(|e| SyncError::Protocol(e.to_string()))?;
        // Nothing is known of the peer yet: a small frame limit until its first message.
        let mut stream = FrameStream::with_limit(send, recv, crate::wire::CONTROL_FRAME_BYTES);
        let first = stream.recv_control().await?;
        stream.set_limit(crate::wire::MAX_FRAME_BYTES);
        Ok::<_, SyncError>((stream, first))
    };
    tokio::time::timeout(DIAL_TIMEOUT, first)
        .await
        .map_err(|_| SyncError::Timeout(format!("waiting for {what}")))?
}

/// The sync-state key of one session with one peer.
fn state_key(peer: &EndpointId, session: u64) -> String {
    format!("{peer}/{session}")
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl<R: Replica> Inner<R> {
    fn journal_id(&self) -> String {
        self.journal_id
            .read()
            .map(|j| j.clone())
            .unwrap_or_default()
    }

    fn me(&self) -> MemberInfo {
        self.me
            .read()
            .map(|m| m.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    fn dial_gen(&self) -> u64 {
        *self.dial_gen.borrow()
    }

    /// Members other than this device that have paired and are not removed.
    async fn peer_records(&self) -> Result<Vec<(EndpointId, PeerRecord)>, SyncError> {
        Ok(self.peers_of(self.replica.members().await?))
    }

    /// Of `records`, the admitted members other than this device that have paired and are
    /// not removed, with their endpoint ids.
    fn peers_of(&self, records: Vec<PeerRecord>) -> Vec<(EndpointId, PeerRecord)> {
        records
            .into_iter()
            .filter(|r| !r.is_self && !r.removed && r.admitted)
            .filter_map(|r| {
                let id = r.endpoint_id.as_deref()?.parse::<EndpointId>().ok()?;
                (id != self.endpoint.id()).then_some((id, r))
            })
            .collect()
    }

    /// Brings the gate and the dialers in line with the members list.
    async fn refresh(self: &Arc<Self>) {
        let Ok(all) = self.replica.members().await else {
            return;
        };
        let mut records = self.peers_of(all.clone());
        // A device whose own person lost the partner slot stops replicating altogether.
        if all.iter().any(|r| r.is_self && !r.admitted) {
            records.clear();
        }
        self.gate.set_shut_out(
            all.iter()
                .filter(|r| !r.admitted && !r.is_self)
                .filter_map(|r| r.endpoint_id.as_deref()?.parse::<EndpointId>().ok()),
        );
        self.gate.set(records.iter().map(|(id, _)| *id));
        *lock(&self.known_devices) = records
            .iter()
            .map(|(id, r)| (r.member.device_id.clone(), *id))
            .collect();
        // A removal that arrived by sync ends the session with that device too.
        for (id, st) in lock(&self.peers).iter_mut() {
            if !records.iter().any(|(r, _)| r == id)
                && let Some(s) = st.session.take()
            {
                tracing::info!(peer = %id.fmt_short(), "no longer a member: closing its session");
                s.cancel.cancel();
            }
        }
        for (id, _) in records {
            let start = {
                let mut peers = lock(&self.peers);
                let st = peers.entry(id).or_default();
                !std::mem::replace(&mut st.dialer, true)
            };
            if start {
                self.tasks.spawn(self.clone().dialer(id));
            }
        }
    }

    /// Watches the document: members may have changed (a pairing elsewhere, an unpair).
    async fn manager(self: Arc<Self>) {
        let mut changes = self.replica.changes();
        loop {
            self.refresh().await;
            tokio::select! {
                _ = self.shutdown.cancelled() => break,
                r = changes.changed() => if r.is_err() { break },
                _ = tokio::time::sleep(Duration::from_secs(30)) => {}
            }
        }
    }
}
struct SyncHandler<R: Replica>(Arc<Inner<R>>);
struct PairHandler<R: Replica>(Arc<Inner<R>>);

impl<R: Replica> std::fmt::Debug for SyncHandler<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SyncHandler")
    }
}
impl<R: Replica> std::fmt::Debug for PairHandler<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PairHandler")
    }
}

impl<R: Replica> ProtocolHandler for SyncHandler<R> {
    async fn accept(&self, connection: Connection) -> Result<(), AcceptError> {
        if let Err(e) = self.0.clone().accept_sync(connection).await {
            tracing::debug!(error = %e, "incoming sync connection ended");
        }
        Ok(())
    }
}

impl<R: Replica> ProtocolHandler for PairHandler<R> {
    async fn accept(&self, connection: Connection) -> Result<(), AcceptError> {
        if let Err(e) = self.0.clone().accept_pair(connection).await {
            tracing::warn!(error = %e, "pairing failed");
        }
        Ok(())
    }
}

impl<R: Replica> SyncService<R> {
    /// Starts serving on a bound endpoint (see [`crate::endpoint::build`], whose gate must be
    /// `gate`), keeping sessions up with every member.
    pub async fn start(
        endpoint: Endpoint,
        gate: MemberGate,
        replica: R,
        me: MemberInfo,
        journal_id: String,
    ) -> Result<Self, SyncError> {
        let inner = Arc::new(Inner {
            endpoint: endpoint.clone(),
            replica,
            gate,
            me: RwLock::new(me.clone()),
            journal_id: RwLock::new(journal_id),
            invites: Mutex::new(Invitations::default()),
            peers: Mutex::new(HashMap::new()),
            known_devices: Mutex::new(HashMap::new()),
            dial_gen: watch::channel(0).0,
            shutdown: CancellationToken::new(),
            tasks: TaskTracker::new(),
            next_session: AtomicU64::new(1),
        });
        // Tell the other devices how to reach this one (replicates with the members list).
        inner
            .replica
            .upsert_member(PeerRecord {
                member: me,
                endpoint_id: Some(endpoint.id().to_string()),
                addrs: endpoint
                    .addr()
                    .ip_addrs()
                    .map(ToString::to_string)
                    .collect(),
                removed: false,
                is_self: true,
                admitted: true,
            })
            .await?;
        // Know the members and the open invitations before accepting anything: a member
        // reconnecting right after a restart must not be refused as a stranger, nor a joiner
        // holding an invitation made before it.
        inner.refresh().await;
        inner.load_invitations().await;
        let router = Router::builder(endpoint)
            .accept(PAIR_ALPN, PairHandler(inner.clone()))
            .accept(SYNC_ALPN, SyncHandler(inner.clone()))
            .spawn();
        inner.tasks.spawn(inner.clone().manager());
        Ok(Self { inner, router })
    }

    /// This device's endpoint id.
    pub fn endpoint_id(&self) -> EndpointId {
        self.inner.endpoint.id()
    }

    /// This device's current addresses.
    pub fn addr(&self) -> EndpointAddr {
        self.inner.endpoint.addr()
    }

    /// Asks every dialer to try now, skipping its backoff.
    pub fn sync_now(&self) {
        self.inner.dial_gen.send_modify(|g| *g += 1);
    }

    /// Stops every session and closes the endpoint.
    pub async fn shutdown(&self) {
        self.inner.shutdown.cancel();
        self.inner.tasks.close();
        let _ = tokio::time::timeout(Duration::from_secs(5), self.inner.tasks.wait()).await;
        let _ = self.router.shutdown().await;
    }
}
