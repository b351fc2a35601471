//! Sync sessions: dialing a member (with jittered backoff), accepting one, and running the
//! session on the connection until it ends.

use std::sync::Arc;
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use iroh::endpoint::{Connection, ConnectionError};
use iroh::{EndpointAddr, EndpointId, TransportAddr};

use super::{DIAL_TIMEOUT, Inner, accept_first, lock, open, refusal, state_key};
use crate::replica::{PeerRecord, Replica};
use crate::session;
use crate::wire::{Control, FrameStream};
use crate::{Refusal, SYNC_ALPN, SyncError};

/// Backoff between failed dials: doubling from the first to the last, each wait stretched by
/// a random part of itself so that devices that failed together do not retry in lockstep.
const BACKOFF_MIN: Duration = Duration::from_millis(500);
const BACKOFF_MAX: Duration = Duration::from_secs(60);

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

impl<R: Replica> Inner<R> {
    /// Runs a session on a connection whose hello exchange is done, until it ends. Whether
    /// it made progress, and the error that ended it, are returned, so a dialer can back off
    /// instead of retrying at once.
    pub(super) async fn serve(
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
    pub(super) async fn dial(
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
            Ok(Ok(Control::Refuse { reason })) => return Err(Refusal::ByPeer(reason).into()),
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
    pub(super) async fn dialer(self: Arc<Self>, peer: EndpointId) {
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

    pub(super) async fn accept_sync(self: Arc<Self>, conn: Connection) -> Result<(), SyncError> {
        let (mut stream, hello) = accept_first(&conn, "the hello").await?;
        let Control::SyncHello { journal_id, addr } = hello else {
            return Err(SyncError::Protocol("expected a hello".into()));
        };
        if journal_id != self.journal_id() {
            let refusal = Refusal::DifferentJournal;
            stream
                .send(&crate::wire::Frame::Control(Control::Refuse {
                    reason: refusal.to_string(),
                }))
                .await?;
            return Err(refusal.into());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_stays_bounded() {
        let waits: Vec<Duration> = backoff().take(40).collect();
        assert_eq!(waits.len(), 40, "the backoff never runs out");
        assert!(
            waits[0] >= BACKOFF_MIN && waits[0] <= BACKOFF_MIN * 2,
            "{:?}",
            waits[0]
        );
        assert!(waits.iter().all(|w| *w <= BACKOFF_MAX * 2), "{waits:?}");
        // It reaches the ceiling, and two runs do not retry in lockstep.
        assert!(waits[20..].iter().all(|w| *w >= BACKOFF_MAX));
        let other: Vec<Duration> = backoff().take(40).collect();
        assert_ne!(waits, other, "jitter");
    }
}
