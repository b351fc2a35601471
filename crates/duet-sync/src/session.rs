//! One replication session with one peer over one connection: a hello each way, then
//! automerge sync messages until either side goes away. Changes are pushed as soon as the
//! local document changes, not on a timer.

use iroh::EndpointId;
use iroh::endpoint::Connection;
use tokio_util::sync::CancellationToken;

use crate::SyncError;
use crate::replica::Replica;
use crate::wire::{Frame, FrameStream};

/// Sends every message the replica has for `peer` until it has nothing more to say.
/// Returns the number of message bytes sent.
async fn flush<R: Replica>(
    replica: &R,
    peer: &str,
    stream: &mut FrameStream,
) -> Result<usize, SyncError> {
    let mut sent = 0;
    while let Some(msg) = replica.generate(peer.to_owned()).await? {
        tracing::trace!(bytes = msg.len(), "sending sync message");
        sent += msg.len();
        stream.send(&Frame::Sync(msg)).await?;
    }
    Ok(sent)
}

/// Callbacks into the service's bookkeeping, so the session stays free of its locks.
pub(crate) trait SessionEvents: Send + Sync {
    /// Something arrived from the peer.
    fn seen(&self, peer: &EndpointId);
    /// The peer now has our heads.
    fn synced(&self, peer: &EndpointId);
    /// Sync-message bytes went out or came in.
    fn traffic(&self, peer: &EndpointId, sent: usize, received: usize);
}

/// Runs the sync loop on an established, hello'd stream until the peer leaves, the session
/// is cancelled (replaced by a newer connection, peer removed, shutdown), or an error.
///
/// `state_key` names this session's automerge sync state. It is per session, not per peer:
/// two connections to one peer can overlap for a moment (a simultaneous dial, a reconnect
/// before the old connection timed out), and a shared state would let the doomed one
/// consume messages the surviving one needed.
pub(crate) async fn run<R: Replica>(
    replica: &R,
    events: &dyn SessionEvents,
    conn: &Connection,
    mut stream: FrameStream,
    cancel: CancellationToken,
    state_key: &str,
) -> Result<(), SyncError> {
    let peer_id = conn.remote_id();
    let peer = state_key.to_owned();
    replica.reset(peer.clone()).await?;
    let mut changes = replica.changes();
    changes.mark_unchanged();
    let sent = flush(replica, &peer, &mut stream).await?;
    events.traffic(&peer_id, sent, 0);
    loop {
        tokio::select! {
            // Cancellation first: a session ended (peer removed, replaced) sends nothing more.
            biased;
            _ = cancel.cancelled() => break,
            changed = changes.changed() => {
                if changed.is_err() {
                    break;
                }
                let sent = flush(replica, &peer, &mut stream).await?;
                events.traffic(&peer_id, sent, 0);
            }
            frame = stream.recv() => match frame? {
                Some(Frame::Sync(msg)) => {
                    tracing::trace!(bytes = msg.len(), "received sync message");
                    events.seen(&peer_id);
                    // Counted on arrival, so a session cut short still accounts for it.
                    events.traffic(&peer_id, 0, msg.len());
                    replica.receive(peer.clone(), msg).await?;
                    let sent = flush(replica, &peer, &mut stream).await?;
                    events.traffic(&peer_id, sent, 0);
                    if replica.in_sync(peer.clone()).await? {
                        events.synced(&peer_id);
                    }
                }
                Some(Frame::Control(c)) => {
                    return Err(SyncError::Protocol(format!("unexpected {c:?} mid-session")));
                }
                None => break,
            },
        }
    }
    Ok(())
}
