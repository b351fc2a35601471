//! Replication state: one automerge sync state per peer, and the messages it produces.
//!
//! The sync protocol itself is automerge's; this module only keeps a [`sync::State`] per
//! peer next to the document, so the daemon's engine can run it without another lock.

use automerge::sync::{self, SyncDoc};

use crate::{Journal, JournalError};

impl Journal {
    /// The next sync message for `peer`, or `None` when there is nothing to say.
    pub fn sync_generate(&mut self, peer: &str) -> Option<Vec<u8>> {
        let state = self.sync_states.entry(peer.to_owned()).or_default();
        self.doc
            .sync()
            .generate_sync_message(state)
            .map(sync::Message::encode)
    }

    /// Applies a sync message from `peer`. Changes it carries become part of the document
    /// (uncommitted to disk until the caller persists them).
    pub fn sync_receive(&mut self, peer: &str, message: &[u8]) -> Result<(), JournalError> {
        let message = sync::Message::decode(message)
            .map_err(|e| JournalError::Invalid(format!("malformed sync message: {e}")))?;
        let before = self.newer_schema();
        let state = self.sync_states.entry(peer.to_owned()).or_default();
        self.doc.sync().receive_sync_message(state, message)?;
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

    /// Whether `peer` has told us its heads and they equal ours.
    pub fn sync_in_sync(&mut self, peer: &str) -> bool {
        let ours = self.doc.get_heads();
        self.sync_states
            .get(peer)
            .and_then(|s| s.their_heads.as_ref())
            .is_some_and(|theirs| {
                let mut a = theirs.clone();
                let mut b = ours;
                a.sort();
                b.sort();
                a == b
            })
    }
}
