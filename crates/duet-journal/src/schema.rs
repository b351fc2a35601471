//! The document layout: key names, the schema version and the genesis change.
//!
//! `docs/journal-schema.md` describes the same layout for people and other implementations;
//! keep the two in step.

use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, ObjType, ROOT, transaction::CommitOptions};

/// The schema version this build writes and understands. A document with a higher version
/// is refused rather than misread.
pub const SCHEMA_VERSION: u64 = 1;

/// Root key: the schema version (uint).
pub const SCHEMA: &str = "schema";
/// Root key: map of note id -> note.
pub const NOTES: &str = "notes";
/// Root key: map of check-in id -> check-in.
pub const CHECKINS: &str = "checkins";
/// Root key: map of boundary id -> boundary.
pub const BOUNDARIES: &str = "boundaries";
/// Root key: map of device id -> member.
pub const MEMBERS: &str = "members";

/// Root key: the person id in the people register's first slot (string; see `people.rs`).
/// Not created by the genesis change: a scalar register, written once when a partner is
/// first admitted, so concurrent writes resolve to one deterministic winner.
pub const PERSON_1: &str = "person_1";
/// Root key: the person id in the people register's second slot, the partner.
pub const PERSON_2: &str = "person_2";

/// The maps the genesis change creates under the root, in this order.
pub const ROOT_MAPS: [&str; 4] = [NOTES, CHECKINS, BOUNDARIES, MEMBERS];

/// The actor of the genesis change. Fixed, with a fixed time and message, so that the
/// genesis change has the same hash in every duet journal ever created: documents that share
/// it merge without their root maps conflicting (two independently created `notes` maps
/// would otherwise hide one another's entries).
pub(crate) const GENESIS_ACTOR: &[u8; 16] = b"duet-genesis-v1\0";

/// A document holding only the genesis change, with a fresh random actor for what follows.
pub fn genesis() -> AutoCommit {
    let mut doc = AutoCommit::new().with_actor(ActorId::from(GENESIS_ACTOR));
    // These cannot fail on a fresh document with valid keys; if automerge ever disagrees, the
    // journal's load-time schema check reports it instead of a panic here.
    let _ = doc.put(ROOT, SCHEMA, SCHEMA_VERSION);
    for key in ROOT_MAPS {
        let _ = doc.put_object(ROOT, key, ObjType::Map);
    }
    doc.commit_with(
        CommitOptions::default()
            .with_message("duet genesis")
            .with_time(0),
    );
    doc.set_actor(ActorId::random());
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn genesis_is_the_same_everywhere() {
        let mut a = genesis();
        let mut b = genesis();
        assert_eq!(a.get_heads(), b.get_heads());
        assert_ne!(a.get_actor(), b.get_actor());
    }
}
