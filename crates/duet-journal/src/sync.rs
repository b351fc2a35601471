//! Replication state: one automerge sync state per peer, and the messages it produces, in
//! bounded batches.
//!
//! The sync protocol is automerge's (heads, need, have with bloom filters); this module keeps
//! a [`sync::State`] per session next to the document, so the daemon's engine can run it
//! without another lock, and bounds what one message carries. automerge 0.12's
//! `generate_sync_message` puts every change the peer lacks into one message, or the whole
//! document (`save()`) as one chunk when the peer lacks more than a third of it. Both make a
//! message as large as the divergence, which a frame limit can refuse forever and which a
//! receiver must apply in one go. So:
//!
//! - the peer's "V2 messages" capability is never used: automerge then sends changes one
//!   chunk per change (a V1 change list), never `save()`, whatever the divergence;
//! - a message whose changes exceed [`SYNC_BATCH_BYTES`] is sent as several messages, each
//!   with at most that many bytes of changes (a single larger change goes alone), all
//!   carrying the same heads; the first and the last also carry automerge's `need` and
//!   `have`, so the peer both starts answering at once and ends up with an accurate picture;
//! - a change over [`MAX_SYNC_CHANGE_BYTES`] is never sent, rather than sending a frame the
//!   peer must refuse, again and again, on every reconnect.
//!
//! See `docs/decisions/007-bounded-sync-messages.md`.

use std::collections::HashMap;

use automerge::sync::{self, Capability, SyncDoc};

use crate::{Journal, JournalError};

/// The most change bytes one sync message carries, unless a single change is larger.
pub const SYNC_BATCH_BYTES: usize = 1024 * 1024;

/// The largest change ever sent: below the 64 MiB frame limit of the sync wire with room for
/// the message's heads, need and have. Entries are far smaller (one request to the daemon is
/// itself at most 64 MiB of JSON, and its change compresses), so this only guards against a
/// peer refusing the same frame forever.
pub const MAX_SYNC_CHANGE_BYTES: usize = 60 * 1024 * 1024;

/// The most change bytes applied in one go when a received message is split
/// ([`Journal::sync_split`]): applying costs time in proportion to the operations applied,
/// and the engine serves nothing else meanwhile.
pub const APPLY_BATCH_BYTES: usize = 256 * 1024;

/// The end (exclusive) of the batch of `changes` that starts at `start`: as many changes as
/// fit in `budget` bytes, and always at least one.
fn batch_end(changes: &sync::ChunkList, start: usize, budget: usize) -> usize {
    let mut bytes = 0;
    let mut end = start;
    for change in changes.iter().skip(start) {
        if end > start && bytes + change.len() > budget {
            break;
        }
        bytes += change.len();
        end += 1;
    }
    end
}

/// One session's sync state, plus what is left of a message too big to send at once.
#[derive(Default)]
pub(crate) struct SyncSession {
    state: sync::State,
    /// automerge's message, and the index of its first change not yet sent.
    pending: Option<(sync::Message, usize)>,
}

/// The sessions of one journal, by the sync layer's key.
pub(crate) type SyncSessions = HashMap<String, SyncSession>;

impl SyncSession {
    /// The next batch of the pending message, if one is pending.
    fn next_batch(&mut self) -> Option<sync::Message> {
        let (msg, next) = self.pending.as_mut()?;
        let first = *next == 0;
        let end = batch_end(&msg.changes, *next, SYNC_BATCH_BYTES);
        let batch: Vec<Vec<u8>> = msg
            .changes
            .iter()
            .skip(*next)
            .take(end - *next)
            .filter(|c| c.len() <= MAX_SYNC_CHANGE_BYTES)
            .map(<[u8]>::to_vec)
            .collect();
        *next = end;
        let last = *next >= msg.changes.len();
        let (need, have) = if first || last {
            (msg.need.clone(), msg.have.clone())
        } else {
            (Vec::new(), Vec::new())
        };
        let out = sync::Message {
            heads: msg.heads.clone(),
            need,
            have,
            changes: batch.into(),
            flags: msg.flags,
            version: sync::MessageVersion::V1,
        };
        if last {
            self.pending = None;
        }
        Some(out)
    }
}

impl Journal {
    /// The next sync message for `peer`, or `None` when there is nothing to say. Its changes
    /// total at most [`SYNC_BATCH_BYTES`] (or one larger change): a large divergence takes
    /// several calls, each answered at once.
    pub fn sync_generate(&mut self, peer: &str) -> Option<Vec<u8>> {
        let session = self.sync_states.entry(peer.to_owned()).or_default();
        if let Some(batch) = session.next_batch() {
            return Some(batch.encode());
        }
        // Without the V2 capability automerge never sends `save()`, and lists changes one
        // chunk each, which is what lets them be batched.
        if let Some(caps) = &mut session.state.their_capabilities {
            caps.retain(|c| *c != Capability::MessageV2);
        }
        let msg = self.doc.sync().generate_sync_message(&mut session.state)?;
        let bytes: usize = msg.changes.iter().map(<[u8]>::len).sum();
        let oversized = msg.changes.iter().any(|c| c.len() > MAX_SYNC_CHANGE_BYTES);
        if bytes <= SYNC_BATCH_BYTES && !oversized {
            return Some(msg.encode());
        }
        session.pending = Some((msg, 0));
        session.next_batch().map(sync::Message::encode)
    }

    /// Splits a received sync message into messages of at most `budget` change bytes each (a
    /// single larger change alone), so the caller can apply a large one in steps, each made
    /// durable, serving other work between them: applying is the same as applying the whole
    /// message at once. Each part keeps the message's heads, need and have. A message that
    /// is small, or holds a whole document (one chunk), comes back as it is.
    pub fn sync_split(message: Vec<u8>, budget: usize) -> Result<Vec<Vec<u8>>, JournalError> {
        let msg = sync::Message::decode(&message)
            .map_err(|e| JournalError::Invalid(format!("malformed sync message: {e}")))?;
        let bytes: usize = msg.changes.iter().map(<[u8]>::len).sum();
        if bytes <= budget || msg.changes.len() < 2 {
            return Ok(vec![message]);
        }
        let mut parts = Vec::new();
        let mut start = 0;
        while start < msg.changes.len() {
            let end = batch_end(&msg.changes, start, budget);
            let changes: Vec<Vec<u8>> = msg
                .changes
                .iter()
                .skip(start)
                .take(end - start)
                .map(<[u8]>::to_vec)
                .collect();
            parts.push(
                sync::Message {
                    heads: msg.heads.clone(),
                    need: msg.need.clone(),
                    have: msg.have.clone(),
                    changes: changes.into(),
                    flags: msg.flags,
                    version: msg.version.clone(),
                }
                .encode(),
            );
            start = end;
        }
        Ok(parts)
    }

    /// Applies a sync message from `peer`. Changes it carries become part of the document
    /// (uncommitted to disk until the caller persists them).
    pub fn sync_receive(&mut self, peer: &str, message: &[u8]) -> Result<(), JournalError> {
        let message = sync::Message::decode(message)
            .map_err(|e| JournalError::Invalid(format!("malformed sync message: {e}")))?;
        let before = self.newer_schema();
        let session = self.sync_states.entry(peer.to_owned()).or_default();
        self.doc
            .sync()
            .receive_sync_message(&mut session.state, message)?;
        // Changes of a newer schema must not stay: the caller (the daemon's engine) reloads
        // the document from disk on this error, so they are neither kept nor persisted, and
        // the store keeps opening with this build.
        if let Some(found) = self.newer_schema().filter(|v| Some(*v) > before) {
            return Err(JournalError::NewerSchema {
                found,
                supported: crate::schema::SCHEMA_VERSION,
            });
        }
        Ok(())
    }

    /// Forgets what we knew of `peer`'s document, for a new session: automerge's protocol
    /// needs a fresh state per connection (in-flight flags and sent hashes are per session).
    pub fn sync_reset(&mut self, peer: &str) {
        self.sync_states.remove(peer);
    }

    /// Starts the session `peer` from what an earlier session with the same device left
    /// (`saved`, from [`Journal::sync_saved_state`]): the heads both sides had in common.
    /// Reconnecting then exchanges what changed since, not a summary of the whole history.
    /// Unreadable or absent saved state starts fresh, which is always correct, only bigger.
    pub fn sync_resume(&mut self, peer: &str, saved: Option<&[u8]>) {
        let state = saved
            .and_then(|b| sync::State::decode(b).ok())
            .unwrap_or_default();
        self.sync_states.insert(
            peer.to_owned(),
            SyncSession {
                state,
                pending: None,
            },
        );
    }

    /// What session `peer` should leave for the next session with the same device: its
    /// shared heads, encoded by automerge for exactly this purpose (per-connection flags are
    /// not kept).
    pub fn sync_saved_state(&self, peer: &str) -> Option<Vec<u8>> {
        self.sync_states.get(peer).map(|s| s.state.encode())
    }

    /// Whether `peer` has told us its heads and they equal ours.
    pub fn sync_in_sync(&mut self, peer: &str) -> bool {
        let ours = self.doc.get_heads();
        self.sync_states
            .get(peer)
            .and_then(|s| s.state.their_heads.as_ref())
            .is_some_and(|theirs| {
                let mut a = theirs.clone();
                let mut b = ours;
                a.sort();
                b.sort();
                a == b
            })
    }
}
