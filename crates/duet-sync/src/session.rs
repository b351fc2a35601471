//! One replication session with one peer over one connection: a hello each way, then
//! automerge sync messages until either side goes away. Changes are pushed as soon as the
//! local document changes, not on a timer.
//!
//! The session is full duplex: a reader applies what arrives while a writer sends what the
//! replica has to say, and neither waits on the other. A session that awaited its own sends
//! before reading again deadlocked as soon as both peers had more to send than a QUIC stream
//! window (~1.25 MB): each blocked writing while neither read (issue 9).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use iroh::EndpointId;
use iroh::endpoint::Connection;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::SyncError;
use crate::replica::Replica;
use crate::wire::{Frame, FrameReader, FrameStream, FrameWriter};

/// Callbacks into the service's bookkeeping, so the session stays free of its locks.
pub(crate) trait SessionEvents: Send + Sync {
    /// Something arrived from the peer.
    fn seen(&self, peer: &EndpointId);
    /// The peer now has our heads.
    fn synced(&self, peer: &EndpointId);
    /// Sync-message bytes went out or came in.
    fn traffic(&self, peer: &EndpointId, sent: usize, received: usize);
}

/// A session that moves nothing for this long while the two documents differ is torn down,
/// so the dialer tries a fresh connection: a connection can stay "up" while nothing flows.
pub(crate) const STALL_AFTER: Duration = Duration::from_secs(30);

/// How a session ended.
#[derive(Debug)]
pub(crate) struct Ended {
    /// Whether it made progress: changes moved (a sync message beyond the opening one each
    /// way, which carries none) or the peer was seen in sync. A session that ends without
    /// progress is a failure however long it lasted, so a bad peer is not redialled in a
    /// tight loop.
    pub(crate) progressed: bool,
    /// Why it ended.
    pub(crate) result: Result<(), SyncError>,
}

/// When the session last moved anything, and whether it ever did.
struct Progress {
    start: Instant,
    /// Milliseconds after `start` of the last sign of progress.
    last_ms: AtomicU64,
    sent: AtomicU64,
    received: AtomicU64,
    synced: AtomicBool,
    /// Milliseconds after `start` when the sync state was last saved (`u64::MAX`: never).
    saved_ms: AtomicU64,
}

/// How often an in-sync session saves its sync state while it runs (it also saves when it
/// ends).
const SAVE_EVERY: Duration = Duration::from_secs(30);

impl Progress {
    fn new() -> Self {
        Self {
            start: Instant::now(),
            last_ms: AtomicU64::new(0),
            sent: AtomicU64::new(0),
            received: AtomicU64::new(0),
            synced: AtomicBool::new(false),
            saved_ms: AtomicU64::new(u64::MAX),
        }
    }

    /// Whether the session should save its sync state now; if so, notes that it did.
    fn due_to_save(&self) -> bool {
        let now = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        let last = self.saved_ms.load(Ordering::Relaxed);
        let every = u64::try_from(SAVE_EVERY.as_millis()).unwrap_or(u64::MAX);
        if last != u64::MAX && now.saturating_sub(last) < every {
            return false;
        }
        self.saved_ms.store(now, Ordering::Relaxed);
        true
    }

    /// Bytes moved or changes applied: the session is alive.
    fn touch(&self) {
        let now = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(now, Ordering::Relaxed);
    }

    fn idle(&self) -> Duration {
        self.start
            .elapsed()
            .saturating_sub(Duration::from_millis(self.last_ms.load(Ordering::Relaxed)))
    }

    fn made(&self) -> bool {
        self.synced.load(Ordering::Relaxed)
            || self.sent.load(Ordering::Relaxed) > 1
            || self.received.load(Ordering::Relaxed) > 1
    }
}

/// What both halves of a session share.
struct Ctx<'a, R> {
    replica: &'a R,
    events: &'a dyn SessionEvents,
    peer_id: EndpointId,
    /// The session's sync-state key.
    peer: String,
    progress: Progress,
}

/// Runs the sync loop on an established, hello'd stream until the peer leaves, the session
/// is cancelled (replaced by a newer connection, peer removed, shutdown), or an error.
///
/// `state_key` names this session's automerge sync state. It is per session, not per peer:
/// two connections to one peer can overlap for a moment (a simultaneous dial, a reconnect
/// before the old connection timed out), and a shared state would let the doomed one
/// consume messages the surviving one needed.
///
/// Cancellation ends the session at once, even while a send waits for the peer's flow
/// control: the half that was sending is dropped, and the caller closes the connection. So
/// does `stall_after` ([`STALL_AFTER`] outside tests) without progress while the documents
/// differ.
pub(crate) async fn run<R: Replica>(
    replica: &R,
    events: &dyn SessionEvents,
    conn: &Connection,
    stream: FrameStream,
    cancel: CancellationToken,
    state_key: &str,
    stall_after: Duration,
) -> Ended {
    let ctx = Ctx {
        replica,
        events,
        peer_id: conn.remote_id(),
        peer: state_key.to_owned(),
        progress: Progress::new(),
    };
    let result = run_halves(&ctx, stream, cancel, stall_after).await;
    Ended {
        progressed: ctx.progress.made(),
        result,
    }
}

async fn run_halves<R: Replica>(
    ctx: &Ctx<'_, R>,
    stream: FrameStream,
    cancel: CancellationToken,
    stall_after: Duration,
) -> Result<(), SyncError> {
    ctx.replica
        .resume(ctx.peer.clone(), ctx.peer_id.to_string())
        .await?;
    let (reader, writer) = stream.split();
    // Wakes the writer after each applied message: the reply (or the next batch) may be due.
    let received = Notify::new();
    tokio::select! {
        // Cancellation first: a session ended (peer removed, replaced) sends nothing more.
        // The reader before the watchdog: an apply that just finished counts as progress.
        biased;
        () = cancel.cancelled() => Ok(()),
        r = read_half(ctx, reader, &received) => r,
        r = write_half(ctx, writer, &received) => r,
        r = watchdog(ctx, stall_after) => r,
    }
}

/// Ends the session when nothing moved for `stall_after` while the peer lacks our heads or
/// we lack its.
async fn watchdog<R: Replica>(ctx: &Ctx<'_, R>, stall_after: Duration) -> Result<(), SyncError> {
    let mut tick = tokio::time::interval((stall_after / 4).max(Duration::from_millis(10)));
    loop {
        tick.tick().await;
        if ctx.progress.idle() < stall_after {
            continue;
        }
        let in_sync = ctx.replica.in_sync(ctx.peer.clone()).await?;
        // Asked again after the engine answered: an apply it was busy with is progress.
        if !in_sync && ctx.progress.idle() >= stall_after {
            return Err(SyncError::Timeout(format!(
                "nothing moved for {} s while the devices differ",
                stall_after.as_secs_f32()
            )));
        }
    }
}

/// Applies every message the peer sends until it finishes the stream.
async fn read_half<R: Replica>(
    ctx: &Ctx<'_, R>,
    mut reader: FrameReader,
    received: &Notify,
) -> Result<(), SyncError> {
    loop {
        match reader.recv().await? {
            Some(Frame::Sync(msg)) => {
                tracing::trace!(bytes = msg.len(), "received sync message");
                ctx.progress.received.fetch_add(1, Ordering::Relaxed);
                ctx.progress.touch();
                ctx.events.seen(&ctx.peer_id);
                // Counted on arrival, so a session cut short still accounts for it.
                ctx.events.traffic(&ctx.peer_id, 0, msg.len());
                ctx.replica.receive(ctx.peer.clone(), msg).await?;
                ctx.progress.touch();
                received.notify_one();
                if ctx.replica.in_sync(ctx.peer.clone()).await? {
                    ctx.progress.synced.store(true, Ordering::Relaxed);
                    ctx.events.synced(&ctx.peer_id);
                    // In sync: a good point to remember the shared heads, in case this
                    // session ends by a crash rather than cleanly (at most every
                    // SAVE_EVERY: each save is a durable write).
                    if ctx.progress.due_to_save() {
                        ctx.replica
                            .save_state(ctx.peer.clone(), ctx.peer_id.to_string())
                            .await?;
                    }
                }
            }
            Some(Frame::Control(c)) => {
                return Err(SyncError::Protocol(format!("unexpected {c:?} mid-session")));
            }
            None => return Ok(()),
        }
    }
}

/// Sends what the replica has to say at the start, after every local change and after every
/// message received, until the change feed closes (the engine stopped).
async fn write_half<R: Replica>(
    ctx: &Ctx<'_, R>,
    mut writer: FrameWriter,
    received: &Notify,
) -> Result<(), SyncError> {
    let mut changes = ctx.replica.changes();
    changes.mark_unchanged();
    loop {
        flush(ctx, &mut writer).await?;
        tokio::select! {
            changed = changes.changed() => {
                if changed.is_err() {
                    return Ok(());
                }
            }
            () = received.notified() => {}
        }
    }
}

/// Sends every message the replica has for the peer until it has nothing more to say.
async fn flush<R: Replica>(ctx: &Ctx<'_, R>, writer: &mut FrameWriter) -> Result<(), SyncError> {
    while let Some(msg) = ctx.replica.generate(ctx.peer.clone()).await? {
        tracing::trace!(bytes = msg.len(), "sending sync message");
        let len = msg.len();
        writer.send(&Frame::Sync(msg)).await?;
        ctx.progress.sent.fetch_add(1, Ordering::Relaxed);
        ctx.progress.touch();
        ctx.events.traffic(&ctx.peer_id, len, 0);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
