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
use crate::replica::{PeerRecord, Replica};
use crate::session::{self, SessionEvents};
use crate::wire::{Control, FrameStream, MemberInfo};
use crate::{PAIR_ALPN, SYNC_ALPN, SyncError, Ticket, phrase};

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

/// The result of redeeming a ticket.
#[derive(Debug, Clone)]
pub struct PairOutcome {
    /// The inviter.
    pub inviter: MemberInfo,
    /// The journal joined.
    pub journal_id: String,
    /// Words to compare with the inviter.
    pub phrase: String,
}

struct Invite {
    secret: [u8; 32],
    expires_at: i64,
    /// The device that redeemed it: the same device may redeem it again (a retry after a
    /// lost answer), no other may.
    redeemed_by: Option<EndpointId>,
    same_person: Option<String>,
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
    invites: Mutex<Vec<Invite>>,
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

fn ct_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    // Compare every byte, whatever the first difference, so timing tells nothing.
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
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
        Ok(self
            .replica
            .members()
            .await?
            .into_iter()
            .filter(|r| !r.is_self && !r.removed)
            .filter_map(|r| {
                let id = r.endpoint_id.as_deref()?.parse::<EndpointId>().ok()?;
                (id != self.endpoint.id()).then_some((id, r))
            })
            .collect())
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
        let _ = self.replica.reset(key).await;
        conn.close(0u32.into(), b"bye");
        match &ended.result {
            Ok(()) => tracing::info!(peer = %peer.fmt_short(), "sync session ended"),
            Err(e) => tracing::warn!(peer = %peer.fmt_short(), error = %e, "sync session failed"),
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
        let Ok(records) = self.peer_records().await else {
            return;
        };
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

    async fn accept_pair(self: Arc<Self>, conn: Connection) -> Result<(), SyncError> {
        let (mut stream, request) = accept_first(&conn, "the pairing request").await?;
        let Control::PairRequest {
            secret,
            journal_id,
            member,
            addr,
        } = request
        else {
            return Err(SyncError::Protocol("expected a pairing request".into()));
        };
        let peer = conn.remote_id();
        let verdict = self
            .redeem(&secret, &journal_id, peer)
            .and_then(|same_person| self.check_joiner(&member, peer).map(|()| same_person));
        let same_person = match verdict {
            Ok(same_person) => same_person,
            Err(reason) => {
                tracing::warn!(remote = %conn.remote_id().fmt_short(), %reason, "refused a pairing attempt");
                stream
                    .send(&crate::wire::Frame::Control(Control::Refuse { reason }))
                    .await?;
                let _ = tokio::time::timeout(Duration::from_secs(2), conn.closed()).await;
                return Ok(());
            }
        };
        let mut joined = member.clone();
        if let Some(p) = &same_person {
            joined.person_id = p.clone();
        }
        let recorded = self
            .replica
            .upsert_member(PeerRecord {
                member: joined,
                endpoint_id: Some(peer.to_string()),
                addrs: addr.ip_addrs().map(ToString::to_string).collect(),
                removed: false,
                is_self: false,
            })
            .await;
        if let Err(e) = recorded {
            // Say why, and let the same ticket be tried again.
            self.unredeem(&secret);
            let reason = format!("the inviting device could not record the pairing: {e}");
            stream
                .send(&crate::wire::Frame::Control(Control::Refuse { reason }))
                .await?;
            return Err(e.into());
        }
        self.gate.allow(peer);
        lock(&self.peers).entry(peer).or_default().addr = Some(addr);
        tracing::info!(peer = %peer.fmt_short(), "paired a new device");
        stream
            .send(&crate::wire::Frame::Control(Control::PairAccept {
                member: self.me(),
                journal_id: self.journal_id(),
                same_person,
            }))
            .await?;
        // Let the joiner read the answer before the connection goes.
        let _ = tokio::time::timeout(Duration::from_secs(5), conn.closed()).await;
        self.refresh().await;
        Ok(())
    }

    /// Checks a ticket's secret: valid, unused, unexpired. Marks it used.
    fn redeem(
        &self,
        secret: &[u8; 32],
        journal_id: &str,
        by: EndpointId,
    ) -> Result<Option<String>, String> {
        if journal_id != self.journal_id() {
            return Err("this invitation is for a different journal".into());
        }
        let now = Timestamp::now().as_second();
        let mut invites = lock(&self.invites);
        // Forget invitations long past their expiry, secrets included.
        invites.retain(|i| now <= i.expires_at + 3600);
        let Some(invite) = invites.iter_mut().find(|i| ct_eq(&i.secret, secret)) else {
            return Err(
                "this invitation is not valid: it was changed, or the inviting daemon restarted or was locked since (invitations live in its memory); ask for a new one"
                    .into(),
            );
        };
        if invite.redeemed_by.is_some_and(|r| r != by) {
            return Err(
                "this invitation was already used: ask for a new one with `duet invite`".into(),
            );
        }
        if now > invite.expires_at {
            return Err("this invitation has expired: ask for a new one with `duet invite`".into());
        }
        invite.redeemed_by = Some(by);
        let same_person = invite.same_person.clone();
        drop(invites);
        self.publish_invitations();
        Ok(same_person)
    }

    /// Refuses a joiner that claims the device id of another device (a copied home, or ours).
    fn check_joiner(&self, member: &MemberInfo, peer: EndpointId) -> Result<(), String> {
        if member.device_id == self.me().device_id {
            return Err("that device is a copy of this one (same device id): run `duet init` on it with a fresh --home".into());
        }
        Ok(()).and_then(|()| {
            let taken = lock(&self.known_devices)
                .get(&member.device_id)
                .is_some_and(|ep| *ep != peer);
            if taken {
                Err("another device already uses that device id (a copied home?): run `duet init` on it with a fresh --home".into())
            } else {
                Ok(())
            }
        })
    }

    /// Makes an invitation redeemable again after its pairing failed half-way.
    fn unredeem(&self, secret: &[u8; 32]) {
        if let Some(i) = lock(&self.invites)
            .iter_mut()
            .find(|i| ct_eq(&i.secret, secret))
        {
            i.redeemed_by = None;
        }
        self.publish_invitations();
    }

    /// Tells the gate until when pairing connections may come in: the latest expiry of an
    /// invitation not yet redeemed (redeemed ones stay open a little for retries).
    fn publish_invitations(&self) {
        let until = lock(&self.invites)
            .iter()
            .map(|i| {
                if i.redeemed_by.is_some() {
                    i.expires_at.min(Timestamp::now().as_second() + 60)
                } else {
                    i.expires_at
                }
            })
            .max()
            .unwrap_or(0);
        self.gate.open_pairing_until(until);
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
            invites: Mutex::new(Vec::new()),
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
            })
            .await?;
        // Know the members before accepting anything: a member reconnecting right after a
        // restart must not be refused as a stranger.
        inner.refresh().await;
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

    /// Creates a one-time invitation valid for `valid_for`.
    pub fn invite(&self, valid_for: Duration, same_person: Option<String>) -> Ticket {
        let mut secret = [0u8; 32];
        rand::Rng::fill(&mut rand::rngs::OsRng, &mut secret);
        let expires_at = Timestamp::now().as_second()
            + i64::try_from(valid_for.as_secs()).unwrap_or(i64::MAX / 2);
        lock(&self.inner.invites).push(Invite {
            secret,
            expires_at,
            redeemed_by: None,
            same_person: same_person.clone(),
        });
        self.inner.publish_invitations();
        Ticket {
            inviter: self.inner.endpoint.addr(),
            journal_id: self.inner.journal_id(),
            secret,
            expires_at,
            same_person,
        }
    }

    /// Redeems a ticket: proves the secret to the inviter, adopts its journal, records it as
    /// a member and starts syncing with it.
    pub async fn pair(&self, ticket: &str) -> Result<PairOutcome, SyncError> {
        // The inviter decides expiry; a few minutes of slack here absorb clock skew.
        let ticket = Ticket::decode(ticket, Timestamp::now().as_second() - 300)?;
        // Joining another journal merges this device's document into it: fine for a device
        // that has only ever held its own entries, a leak for one that shares a journal
        // with someone (their entries would travel to the new journal's members).
        if ticket.journal_id != self.inner.journal_id() {
            let others = self
                .inner
                .replica
                .members()
                .await?
                .into_iter()
                .filter(|m| !m.is_self)
                .count();
            if others > 0 {
                return Err(SyncError::Refused(format!(
                    "this device already shares a journal with {others} other device(s); joining another journal would carry their entries into it. Use a new home for it (`duet --home DIR init`)"
                )));
            }
        }
        let inviter = ticket.inviter.id;
        if inviter == self.inner.endpoint.id() {
            return Err(SyncError::Refused(
                "this is this device's own invitation: redeem it on the other device".into(),
            ));
        }
        let (conn, mut stream) = open(
            &self.inner.endpoint,
            ticket.inviter.clone(),
            PAIR_ALPN,
            "reaching the inviting device",
        )
        .await?;
        let me = self.inner.me();
        stream
            .send(&crate::wire::Frame::Control(Control::PairRequest {
                secret: ticket.secret,
                journal_id: ticket.journal_id.clone(),
                member: me.clone(),
                addr: self.inner.endpoint.addr(),
            }))
            .await?;
        let answer = tokio::time::timeout(DIAL_TIMEOUT, stream.recv_control())
            .await
            .map_err(|_| SyncError::Timeout("waiting for the inviting device".into()))?
            .map_err(|e| refusal(&conn).unwrap_or(e))?;
        conn.close(0u32.into(), b"paired");
        let (member, journal_id, same_person) = match answer {
            Control::PairAccept {
                member,
                journal_id,
                same_person,
            } => (member, journal_id, same_person),
            Control::Refuse { reason } => return Err(SyncError::Refused(reason)),
            other => return Err(SyncError::Protocol(format!("unexpected {other:?}"))),
        };
        self.inner
            .replica
            .adopt_journal(journal_id.clone(), same_person.clone())
            .await?;
        if let Ok(mut j) = self.inner.journal_id.write() {
            j.clone_from(&journal_id);
        }
        if let Some(p) = same_person {
            let me = {
                let Ok(mut m) = self.inner.me.write() else {
                    return Err(SyncError::Protocol("state lock poisoned".into()));
                };
                m.person_id = p;
                m.person_name.clone_from(&member.person_name);
                m.clone()
            };
            self.inner
                .replica
                .upsert_member(PeerRecord {
                    member: me,
                    endpoint_id: Some(self.inner.endpoint.id().to_string()),
                    addrs: self
                        .inner
                        .endpoint
                        .addr()
                        .ip_addrs()
                        .map(ToString::to_string)
                        .collect(),
                    removed: false,
                    is_self: true,
                })
                .await?;
        }
        self.inner
            .replica
            .upsert_member(PeerRecord {
                member: member.clone(),
                endpoint_id: Some(inviter.to_string()),
                addrs: ticket.inviter.ip_addrs().map(ToString::to_string).collect(),
                removed: false,
                is_self: false,
            })
            .await?;
        self.inner.gate.allow(inviter);
        lock(&self.inner.peers).entry(inviter).or_default().addr = Some(ticket.inviter);
        self.inner.refresh().await;
        Ok(PairOutcome {
            inviter: member,
            journal_id,
            phrase: phrase::phrase(&self.inner.endpoint.id(), &inviter),
        })
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
