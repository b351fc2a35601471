//! Who wrote what: which changes of the document are authenticated by their device's
//! signature (design: `docs/decisions/008-signed-changes.md`).
//!
//! Every change is accepted into the CRDT (refusing one would block its dependents and stall
//! sync), so authenticity is decided when reading. A device writes with an actor id derived
//! from its signing key ([`actor_for_key`]) and signs only its *latest* change; since an
//! automerge document holds at most one change per `(actor, seq)`, and every change of an
//! actor depends on the actor's earlier ones, that one signature covers all of the device's
//! changes up to it. This module keeps no keys and verifies no signatures: the caller hands
//! in [`SignedHead`]s it has verified, and gets back which ops they cover.
//!
//! Not wired into the reads yet: the daemon does not sign, and views do not filter. This is
//! the core the next step builds on, tested on its own.

use std::collections::HashMap;

use automerge::{ActorId, AutoCommit, ChangeHash, ObjId};

use crate::schema;

/// The context string of the actor-id derivation (BLAKE3 `derive_key`).
const ACTOR_CONTEXT: &str = "duet actor v1";

/// The actor id a device writes with: the first 16 bytes of
/// `BLAKE3-derive_key("duet actor v1", signing public key)`. Anyone can map an actor to the
/// member whose key hashes to it; nobody can write as that actor *and* sign.
pub fn actor_for_key(public_key: &[u8; 32]) -> ActorId {
    let key = blake3::derive_key(ACTOR_CONTEXT, public_key);
    ActorId::from(&key[..16])
}

/// A device's verified claim: its changes up to `seq`, the last of which hashes to `hash`,
/// are its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHead {
    /// The device's actor id.
    pub actor: ActorId,
    /// The sequence number of its latest signed change.
    pub seq: u64,
    /// That change's hash.
    pub hash: ChangeHash,
}

/// The context that starts every signed-head message, so a signature made for a head is
/// valid for nothing else (a backup, a pairing proof).
const HEAD_CONTEXT: &[u8] = b"duet change sig v1";

impl SignedHead {
    /// The bytes a device signs for this head in `journal_id`:
    /// `"duet change sig v1" ‖ len(journal id) ‖ journal id ‖ actor (16) ‖ seq (u64 BE) ‖
    /// hash (32)`. Binding the journal means a head cannot be replayed into another journal.
    pub fn message(&self, journal_id: &str) -> Vec<u8> {
        let actor = self.actor.to_bytes();
        let mut m = Vec::with_capacity(HEAD_CONTEXT.len() + 8 + journal_id.len() + 56);
        m.extend_from_slice(HEAD_CONTEXT);
        m.extend_from_slice(&(journal_id.len() as u64).to_be_bytes());
        m.extend_from_slice(journal_id.as_bytes());
        m.extend_from_slice(actor);
        m.extend_from_slice(&self.seq.to_be_bytes());
        m.extend_from_slice(self.hash.as_ref());
        m
    }
}

/// Which changes of one document are authenticated, given the signed heads known so far.
#[derive(Debug, Clone, Default)]
pub struct Authentication {
    /// Per actor, the highest sequence number a signed head covers.
    signed: HashMap<ActorId, u64>,
    /// Per change hash, its actor and sequence number (filled as ops are looked up).
    seen: HashMap<ChangeHash, (ActorId, u64)>,
}

impl Authentication {
    /// Builds the authentication of `doc` from verified signed heads. A head whose change
    /// the document does not hold yet, or that names another actor or sequence number than
    /// its change, covers nothing (it may be honoured later, once the change has arrived).
    pub fn new(doc: &mut AutoCommit, heads: impl IntoIterator<Item = SignedHead>) -> Self {
        let mut auth = Self::default();
        for head in heads {
            let Some(meta) = doc.get_change_meta_by_hash(&head.hash) else {
                continue;
            };
            if *meta.actor != head.actor || meta.seq != head.seq {
                continue;
            }
            let best = auth.signed.entry(head.actor).or_insert(0);
            *best = (*best).max(head.seq);
        }
        auth
    }

    /// The highest sequence number signed for `actor`, if any.
    pub fn signed_seq(&self, actor: &ActorId) -> Option<u64> {
        self.signed.get(actor).copied()
    }

    /// Whether the op with id `op` was written by a change its actor's device signed for.
    /// The root object and the genesis change, identical in every journal, are authentic.
    pub fn is_authentic(&mut self, doc: &mut AutoCommit, op: &ObjId) -> bool {
        let Some(hash) = doc.hash_for_opid(op) else {
            return *op == automerge::ROOT;
        };
        let (actor, seq) = match self.seen.get(&hash) {
            Some(found) => found.clone(),
            None => {
                let Some(meta) = doc.get_change_meta_by_hash(&hash) else {
                    return false;
                };
                let found = (meta.actor.into_owned(), meta.seq);
                self.seen.insert(hash, found.clone());
                found
            }
        };
        if actor == ActorId::from(schema::GENESIS_ACTOR.as_slice()) {
            return true;
        }
        self.signed.get(&actor).is_some_and(|signed| seq <= *signed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_messages_bind_journal_actor_seq_and_hash() {
        let head = SignedHead {
            actor: actor_for_key(&[1; 32]),
            seq: 7,
            hash: ChangeHash([9; 32]),
        };
        let m = head.message("j1");
        assert!(m.starts_with(HEAD_CONTEXT));
        assert_ne!(m, head.message("j2"));
        assert_ne!(
            m,
            SignedHead {
                seq: 8,
                ..head.clone()
            }
            .message("j1")
        );
        assert_ne!(
            m,
            SignedHead {
                hash: ChangeHash([8; 32]),
                ..head.clone()
            }
            .message("j1")
        );
        // The journal id is length-prefixed: no two (journal, actor) splits collide.
        assert_ne!(head.message("j1a"), head.message("j1"));
    }

    #[test]
    fn actors_are_stable_and_distinct_per_key() {
        assert_eq!(actor_for_key(&[1; 32]), actor_for_key(&[1; 32]));
        assert_ne!(actor_for_key(&[1; 32]), actor_for_key(&[2; 32]));
        assert_eq!(actor_for_key(&[1; 32]).to_bytes().len(), 16);
    }
}
