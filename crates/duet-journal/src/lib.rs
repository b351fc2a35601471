//! The duet journal model: notes, check-ins and boundaries in one automerge document.
//!
//! This crate is pure: it does no I/O and knows nothing of tokio, redb or iroh. It takes the
//! current time as an argument, so every operation is deterministic and testable. The daemon
//! owns a [`Journal`], persists its changes through the store, and (later) syncs it.
//!
//! The document layout is a public format, written down in `docs/journal-schema.md`. Every
//! journal starts from the same deterministic genesis change ([`schema`]), so that any two
//! duet documents merge without their top-level maps conflicting.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod authorship;
mod boundaries;
mod checkins;
mod error;
mod ids;
mod journal;
mod members;
mod notes;
mod people;
pub mod prompts;
mod read;
pub mod schema;
mod sync;

pub use error::JournalError;
pub use ids::{EntryId, EntryKind};
pub use journal::Journal;
pub use members::Member;
pub use people::{Admission, People};
pub use sync::{APPLY_BATCH_BYTES, MAX_SYNC_CHANGE_BYTES, SYNC_BATCH_BYTES};
