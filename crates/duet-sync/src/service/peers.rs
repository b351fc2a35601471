//! The service's view of each member: its session slot (with the duplicate-connection rule),
//! what `duet peers` shows, and `duet sync --wait`.

use std::sync::atomic::Ordering;
use std::time::Duration;

use iroh::{EndpointAddr, EndpointId};
use jiff::Timestamp;
use tokio_util::sync::CancellationToken;

use super::{Inner, SyncService, lock, state_key};
use crate::replica::Replica;
use crate::session::SessionEvents;
use crate::wire::MemberInfo;
use crate::{SyncError, phrase};

/// Two connections to one peer opened this close together are a simultaneous dial: keep the
/// one the lower endpoint id opened. Otherwise the newer one wins (the older is likely dead).
const SIMULTANEOUS: Duration = Duration::from_secs(2);

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

pub(super) struct ActiveSession {
    pub(super) id: u64,
    pub(super) started: std::time::Instant,
    pub(super) dialed_by_lower: bool,
    pub(super) cancel: CancellationToken,
}

#[derive(Default)]
pub(super) struct PeerState {
    pub(super) session: Option<ActiveSession>,
    pub(super) addr: Option<EndpointAddr>,
    pub(super) last_seen: Option<Timestamp>,
    pub(super) last_synced: Option<Timestamp>,
    pub(super) last_error: Option<String>,
    /// The dial generation of the last dial attempt that failed.
    pub(super) failed_gen: Option<u64>,
    pub(super) dialer: bool,
    pub(super) bytes_sent: u64,
    pub(super) bytes_received: u64,
}

/// The duplicate-connection rule: whether a session already up with a peer is kept over a
/// new connection. Two connections opened within [`SIMULTANEOUS`] of each other are a
/// simultaneous dial, and both sides keep the one the lower endpoint id opened; otherwise the
/// newer connection wins (the older one is likely dead).
fn keeps_existing(
    existing_dialed_by_lower: bool,
    new_dialed_by_lower: bool,
    age: Duration,
) -> bool {
    existing_dialed_by_lower && !new_dialed_by_lower && age < SIMULTANEOUS
}

impl<R: Replica> Inner<R> {
    /// Claims the peer's session slot for a new connection, or refuses it.
    pub(super) fn register(
        &self,
        peer: EndpointId,
        dialer: EndpointId,
    ) -> Option<(u64, CancellationToken)> {
        let lower = dialer == peer.min(self.endpoint.id());
        let mut peers = lock(&self.peers);
        // Checked under the peers lock, which `refresh` takes after updating the gate: a
        // device removed while its connection was being set up never gets a session.
        if !self.gate.is_allowed(&peer) {
            return None;
        }
        let st = peers.entry(peer).or_default();
        if let Some(active) = &st.session {
            if keeps_existing(active.dialed_by_lower, lower, active.started.elapsed()) {
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

    pub(super) fn unregister(&self, peer: &EndpointId, id: u64) {
        if let Some(st) = lock(&self.peers).get_mut(peer)
            && st.session.as_ref().is_some_and(|s| s.id == id)
        {
            st.session = None;
        }
    }

    /// The sync-state key of the peer's current session, if it has one.
    pub(super) fn current_key(&self, peer: &EndpointId) -> Option<String> {
        lock(&self.peers)
            .get(peer)
            .and_then(|s| s.session.as_ref())
            .map(|s| state_key(peer, s.id))
    }

    pub(super) fn connected(&self, peer: &EndpointId) -> bool {
        lock(&self.peers)
            .get(peer)
            .is_some_and(|s| s.session.is_some())
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

impl<R: Replica> SyncService<R> {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_simultaneous_dial_keeps_the_lower_ids_connection_on_both_sides() {
        let now = Duration::from_millis(100);
        // The lower id's connection is up; the higher id's arrives at once: keep the first.
        assert!(keeps_existing(true, false, now));
        // The higher id's connection is up; the lower id's arrives: the new one replaces it.
        assert!(!keeps_existing(false, true, now));
        // Both from the same side (a redial): the newer wins.
        assert!(!keeps_existing(true, true, now));
        assert!(!keeps_existing(false, false, now));
        // Long after: not a simultaneous dial, the newer wins whoever opened it.
        assert!(!keeps_existing(true, false, SIMULTANEOUS + now));
    }
}
