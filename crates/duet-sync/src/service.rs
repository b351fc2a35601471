//! The sync service: the endpoint's accept side (pairing, sessions), one dialer per member
//! that keeps a session up with backoff, invitations, and the status `duet peers` shows.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use iroh::TransportAddr;
use iroh::endpoint::{Connection, ConnectionError};
use iroh::protocol::{AcceptError, ProtocolHandler, Router};
use iroh::{Endpoint, EndpointAddr, EndpointId};
use jiff::Timestamp;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::access::MemberGate;
use crate::invitations::Invitations;
use crate::replica::{PeerRecord, Replica};
use crate::session::{self, SessionEvents};
use crate::wire::{Control, FrameStream, MemberInfo};
use crate::{PAIR_ALPN, SYNC_ALPN, SyncError, phrase};

mod pairing;

pub use pairing::PairOutcome;

/// How long a dial may take before it counts as failed.
const DIAL_TIMEOUT: Duration = Duration::from_secs(10);
/// Backoff between failed dials: doubling from the first to the last, each wait stretched by
/// a random part of itself so that devices that failed together do not retry in lockstep.
const BACKOFF_MIN: Duration = Duration::from_millis(500);
const BACKOFF_MAX: Duration = Duration::from_secs(60);
/// Two connections to one peer opened this close together are a simultaneous dial: keep the
/// one the lower endpoint id opened. Otherwise the newer one wins (the older is likely dead).
const SIMULTANEOUS: Duration = Duration::from_secs(2);

/// A fresh backoff: an endless sequence of waits, from [`BACKOFF_MIN`] up to twice
/// [`BACKOFF_MAX`] with jitter.
fn backoff() -> impl Iterator<Item = Duration> + Send {
    ExponentialBuilder::new()
        .with_min_delay(BACKOFF_MIN)
        .with_max_delay(BACKOFF_MAX)
        .with_factor(2.0)
        .with_jitter()
        .without_max_times()
        .build()
}

/// Whether the peer closed `conn` as a duplicate of a connection it keeps (the
/// simultaneous-dial rule): not a failure, the other connection carries the sync.
fn closed_as_duplicate(conn: &Connection) -> bool {
    matches!(conn.close_reason(), Some(ConnectionError::ApplicationClosed(c)) if c.reason.as_ref() == b"duplicate")
}

/// What `duet peers` and `duet status` show of a member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerStatus {
    /// The member.
    pub member: MemberInfo,
    /// Its endpoint id.
    pub endpoint_id: String,
    /// A session is up.
    pub connected: bool,
    /// Last time anything arrived from it.
    pub last_seen: Option<Timestamp>,
    /// Last time it was known to have all our changes.
    pub last_synced: Option<Timestamp>,
    /// Whether it has our current heads (only known while connected).
    pub in_sync: bool,
    /// Why the last dial failed, if it did.
    pub last_error: Option<String>,
    /// The verification phrase of this pairing.
    pub phrase: String,
    /// Sync-message bytes sent to it since start.
    pub bytes_sent: u64,
    /// Sync-message bytes received from it since start.
    pub bytes_received: u64,
}

struct ActiveSession {
    id: u64,
    started: std::time::Instant,
    dialed_by_lower: bool,
    cancel: CancellationToken,
}

#[derive(Default)]
struct PeerState {
    session: Option<ActiveSession>,
    addr: Option<EndpointAddr>,
    last_seen: Option<Timestamp>,
    last_synced: Option<Timestamp>,
    last_error: Option<String>,
    /// The dial generation of the last dial attempt that failed.
    failed_gen: Option<u64>,
    dialer: bool,
    bytes_sent: u64,
    bytes_received: u64,
}

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

fn addrs_of(record: &PeerRecord, id: EndpointId) -> EndpointAddr {
    EndpointAddr::from_parts(
        id,
        record
            .addrs
            .iter()
            .filter_map(|a| a.parse().ok())
            .map(TransportAddr::Ip),
    )
}

/// The other side's reason, when it closed the connection on purpose (the member gate cuts a
/// non-member off right after the handshake): clearer than the stream error that follows.
fn refusal(conn: &Connection) -> Option<SyncError> {
    conn.close_reason()
        .map(|reason| SyncError::Refused(format!("the other device refused: {reason}")))
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

    /// Claims the peer's session slot for a new connection, or refuses it.
    fn register(&self, peer: EndpointId, dialer: EndpointId) -> Option<(u64, CancellationToken)> {
        let lower = dialer == peer.min(self.endpoint.id());
        let mut peers = lock(&self.peers);
        // Checked under the peers lock, which `refresh` takes after updating the gate: a
        // device removed while its connection was being set up never gets a session.
        if !self.gate.is_allowed(&peer) {
            return None;
        }
        let st = peers.entry(peer).or_default();
        if let Some(active) = &st.session {
            if active.dialed_by_lower && !lower && active.started.elapsed() < SIMULTANEOUS {
                return None;
            }
            active.cancel.cancel();
        }
        let id = self.next_session.fetch_add(1, Ordering::Relaxed);
        let cancel = self.shutdown.child_token();
        st.session = Some(ActiveSession {
            id,
            started: std::time::Instant::now(),
            dialed_by_lower: lower,
            cancel: cancel.clone(),
        });
        st.last_error = None;
        st.last_seen = Some(Timestamp::now());
        Some((id, cancel))
    }

    fn unregister(&self, peer: &EndpointId, id: u64) {
        if let Some(st) = lock(&self.peers).get_mut(peer)
            && st.session.as_ref().is_some_and(|s| s.id == id)
        {
            st.session = None;
        }
    }

    /// The sync-state key of the peer's current session, if it has one.
    fn current_key(&self, peer: &EndpointId) -> Option<String> {
        lock(&self.peers)
            .get(peer)
            .and_then(|s| s.session.as_ref())
            .map(|s| state_key(peer, s.id))
    }

    fn connected(&self, peer: &EndpointId) -> bool {
        lock(&self.peers)
            .get(peer)
            .is_some_and(|s| s.session.is_some())
    }

    /// Runs a session on a connection whose hello exchange is done, until it ends. Whether
    /// it made progress, and the error that ended it, are returned, so a dialer can back off
    /// instead of retrying at once.
    async fn serve(
        &self,
        conn: Connection,
        stream: FrameStream,
        dialer: EndpointId,
    ) -> session::Ended {
        let peer = conn.remote_id();
        let Some((id, cancel)) = self.register(peer, dialer) else {
            tracing::debug!(peer = %peer.fmt_short(), "dropping a duplicate or no longer allowed connection");
            conn.close(0u32.into(), b"duplicate");
            // The session that won carries the sync: nothing failed.
            return session::Ended {
                progressed: true,
                result: Ok(()),
            };
        };
        tracing::info!(peer = %peer.fmt_short(), "sync session up");
        let key = state_key(&peer, id);
        let mut ended = session::run(
            &self.replica,
            self,
            &conn,
            stream,
            cancel,
            &key,
            session::STALL_AFTER,
        )
        .await;
        if ended.result.is_err() && closed_as_duplicate(&conn) {
            tracing::debug!(peer = %peer.fmt_short(), "the peer kept its other connection");
            ended = session::Ended {
                progressed: true,
                result: Ok(()),
            };
        }
        self.unregister(&peer, id);
        if let Err(e) = self.replica.save_state(key.clone(), peer.to_string()).await {
            tracing::debug!(peer = %peer.fmt_short(), error = %e, "could not save the sync state");
        }
        let _ = self.replica.reset(key).await;
        conn.close(0u32.into(), b"bye");
        match &ended.result {
            Ok(()) => tracing::info!(peer = %peer.fmt_short(), "sync session ended"),
            Err(e) => {
                tracing::warn!(peer = %peer.fmt_short(), error = %e, "sync session failed");
                // Whichever side dialed, `duet peers` says why the session ended.
                if let Some(st) = lock(&self.peers).get_mut(&peer) {
                    st.last_error = Some(e.to_string());
                }
            }
        }
        ended
    }

    /// Dials `peer` once and runs the session; returns when it ends or the dial fails.
    async fn dial(
        self: &Arc<Self>,
        peer: EndpointId,
        record: &PeerRecord,
    ) -> Result<(), SyncError> {
        let addr = lock(&self.peers)
            .get(&peer)
            .and_then(|s| s.addr.clone())
            .map(|mut a| {
                a.addrs.extend(addrs_of(record, peer).addrs);
                a
            })
            .unwrap_or_else(|| addrs_of(record, peer));
        let (conn, mut stream) = open(&self.endpoint, addr, SYNC_ALPN, "connecting").await?;
        stream
            .send(&crate::wire::Frame::Control(Control::SyncHello {
                journal_id: self.journal_id(),
                addr: self.endpoint.addr(),
            }))
            .await?;
        match tokio::time::timeout(DIAL_TIMEOUT, stream.recv_control()).await {
            Err(_) => return Err(SyncError::Timeout("waiting for the hello".into())),
            // The peer already has a connection with us, and keeps it.
            Ok(Err(_)) if closed_as_duplicate(&conn) => return Ok(()),
            Ok(Err(e)) => return Err(refusal(&conn).unwrap_or(e)),
            Ok(Ok(Control::SyncHello { addr, .. })) => {
                lock(&self.peers).entry(peer).or_default().addr = Some(addr);
            }
            Ok(Ok(Control::Refuse { reason })) => return Err(SyncError::Refused(reason)),
            Ok(Ok(other)) => {
                return Err(SyncError::Protocol(format!("unexpected {other:?}")));
            }
        }
        let ended = self.serve(conn, stream, self.endpoint.id()).await;
        match ended.result {
            _ if ended.progressed => Ok(()),
            // However long it lasted, a session that moved nothing is a failure: back off.
            Err(e) => Err(e),
            Ok(()) => Err(SyncError::Protocol(
                "the session ended before anything was exchanged".into(),
            )),
        }
    }

    /// Keeps a session up with `peer` while it is a member: dials when there is none, backs
    /// off after failures, and dials at once when asked (`duet sync`).
    async fn dialer(self: Arc<Self>, peer: EndpointId) {
        let mut gen_rx = self.dial_gen.subscribe();
        let mut backoff = backoff();
        loop {
            if self.shutdown.is_cancelled() {
                break;
            }
            let record = match self.peer_records().await {
                Ok(records) => records
                    .into_iter()
                    .find(|(id, _)| *id == peer)
                    .map(|(_, r)| r),
                // A transient failure to read the members (the engine busy or reloading)
                // must not end the dialer for good: try again later.
                Err(e) => {
                    tracing::debug!(peer = %peer.fmt_short(), error = %e, "cannot list members");
                    let wait = backoff.next().unwrap_or(BACKOFF_MAX);
                    tokio::select! {
                        _ = self.shutdown.cancelled() => break,
                        _ = tokio::time::sleep(wait) => {}
                    }
                    continue;
                }
            };
            let Some(record) = record else { break };
            // Mark every request seen so far as handled by this round: one arriving during
            // the dial below wakes the wait that follows it.
            gen_rx.borrow_and_update();
            let wait = if self.connected(&peer) {
                backoff = self::backoff();
                Duration::from_secs(5)
            } else {
                let gen_at_start = self.dial_gen();
                let dialed = tokio::select! {
                    _ = self.shutdown.cancelled() => break,
                    r = self.dial(peer, &record) => r,
                };
                match dialed {
                    Ok(()) => {
                        backoff = self::backoff();
                        Duration::from_millis(200)
                    }
                    Err(e) => {
                        tracing::debug!(peer = %peer.fmt_short(), error = %e, "dial failed");
                        // A session the peer opened meanwhile is up: the error is stale.
                        if let Some(st) = lock(&self.peers).get_mut(&peer)
                            && st.session.is_none()
                        {
                            st.last_error = Some(e.to_string());
                            st.failed_gen = Some(gen_at_start);
                        }
                        backoff.next().unwrap_or(BACKOFF_MAX)
                    }
                }
            };
            tokio::select! {
                _ = self.shutdown.cancelled() => break,
                _ = tokio::time::sleep(wait) => {}
                _ = gen_rx.changed() => backoff = self::backoff(),
            }
        }
        if let Some(st) = lock(&self.peers).get_mut(&peer) {
            st.dialer = false;
            if let Some(s) = st.session.take() {
                s.cancel.cancel();
            }
        }
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

    async fn accept_sync(self: Arc<Self>, conn: Connection) -> Result<(), SyncError> {
        let (mut stream, hello) = accept_first(&conn, "the hello").await?;
        let Control::SyncHello { journal_id, addr } = hello else {
            return Err(SyncError::Protocol("expected a hello".into()));
        };
        if journal_id != self.journal_id() {
            let reason =
                "the other device keeps a different journal (did it join another one?)".to_owned();
            stream
                .send(&crate::wire::Frame::Control(Control::Refuse {
                    reason: reason.clone(),
                }))
                .await?;
            return Err(SyncError::Refused(reason));
        }
        let peer = conn.remote_id();
        lock(&self.peers).entry(peer).or_default().addr = Some(addr);
        stream
            .send(&crate::wire::Frame::Control(Control::SyncHello {
                journal_id,
                addr: self.endpoint.addr(),
            }))
            .await?;
        self.serve(conn, stream, peer).await.result
    }
}

impl<R: Replica> SessionEvents for Inner<R> {
    fn seen(&self, peer: &EndpointId) {
        lock(&self.peers).entry(*peer).or_default().last_seen = Some(Timestamp::now());
    }
    fn synced(&self, peer: &EndpointId) {
        lock(&self.peers).entry(*peer).or_default().last_synced = Some(Timestamp::now());
    }
    fn traffic(&self, peer: &EndpointId, sent: usize, received: usize) {
        let mut peers = lock(&self.peers);
        let st = peers.entry(*peer).or_default();
        st.bytes_sent += sent as u64;
        st.bytes_received += received as u64;
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

    /// Ends the session with a device that is no longer a member.
    pub async fn disconnect(&self, endpoint_id: &str) {
        if let Ok(id) = endpoint_id.parse::<EndpointId>()
            && let Some(st) = lock(&self.inner.peers).get_mut(&id)
            && let Some(s) = st.session.take()
        {
            s.cancel.cancel();
        }
        self.inner.refresh().await;
    }

    /// Every paired member's status.
    pub async fn peers(&self) -> Result<Vec<PeerStatus>, SyncError> {
        let records = self.inner.peer_records().await?;
        let mut out = Vec::with_capacity(records.len());
        for (id, r) in records {
            let in_sync = match self.inner.current_key(&id) {
                Some(key) => self.inner.replica.in_sync(key).await.unwrap_or(false),
                None => false,
            };
            let peers = lock(&self.inner.peers);
            let st = peers.get(&id);
            out.push(PeerStatus {
                member: r.member,
                endpoint_id: id.to_string(),
                connected: st.is_some_and(|s| s.session.is_some()),
                last_seen: st.and_then(|s| s.last_seen),
                last_synced: st.and_then(|s| s.last_synced),
                in_sync,
                last_error: st.and_then(|s| s.last_error.clone()),
                phrase: phrase::phrase(&self.inner.endpoint.id(), &id),
                bytes_sent: st.map_or(0, |s| s.bytes_sent),
                bytes_received: st.map_or(0, |s| s.bytes_received),
            });
        }
        Ok(out)
    }

    /// Dials every member now, then waits until each reachable one has our heads. Members
    /// that could not be reached count as unreachable, not as a failure; the result lists
    /// both. Fails only on timeout.
    pub async fn sync_and_wait(
        &self,
        timeout: Duration,
    ) -> Result<(Vec<PeerStatus>, Vec<PeerStatus>), SyncError> {
        self.sync_now();
        let gen_asked = self.inner.dial_gen();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let peers = self.peers().await?;
            let (mut synced, mut unreachable, mut pending) = (Vec::new(), Vec::new(), 0);
            for p in peers {
                let failed_since = p
                    .endpoint_id
                    .parse::<EndpointId>()
                    .ok()
                    .and_then(|id| lock(&self.inner.peers).get(&id).and_then(|s| s.failed_gen))
                    .is_some_and(|g| g >= gen_asked);
                if p.connected && p.in_sync {
                    synced.push(p);
                } else if !p.connected && failed_since {
                    unreachable.push(p);
                } else {
                    pending += 1;
                }
            }
            if pending == 0 {
                return Ok((synced, unreachable));
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(SyncError::Timeout(format!(
                    "{pending} device(s) still not in sync after {}s",
                    timeout.as_secs()
                )));
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Stops every session and closes the endpoint.
    pub async fn shutdown(&self) {
        self.inner.shutdown.cancel();
        self.inner.tasks.close();
        let _ = tokio::time::timeout(Duration::from_secs(5), self.inner.tasks.wait()).await;
        let _ = self.router.shutdown().await;
    }
}
