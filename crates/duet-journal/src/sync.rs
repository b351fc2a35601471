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
        let mut batch = Vec::new();
        let mut bytes = 0;
        for change in msg.changes.iter().skip(*next) {
            if !batch.is_empty() && bytes + change.len() > SYNC_BATCH_BYTES {
                break;
            }
            *next += 1;
            if change.len() > MAX_SYNC_CHANGE_BYTES {
                continue;
            }
            bytes += change.len();
            batch.push(change.to_vec());
        }
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

    /// Applies a sync message from `peer`. Changes it carries become part of the document
    /// (uncommitted to disk until the caller persists them).
    pub fn sync_receive(&mut self, peer: &str, message: &[u8]) -> Result<(), JournalError> {
        let message = sync::Message::decode(message)
            .map_err(|e| JournalError::Invalid(format!("malformed sync message: {e}")))?;
        let session = self.sync_states.entry(peer.to_owned()).or_default();
        self.doc
            .sync()
            .receive_sync_message(&mut session.state, message)?;
        Ok(())
    }

    /// Forgets what we knew of `peer`'s document, for a new session: automerge's protocol
    /// needs a fresh state per connection (in-flight flags and sent hashes are per session).
    pub fn sync_reset(&mut self, peer: &str) {
        self.sync_states.remove(peer);
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
