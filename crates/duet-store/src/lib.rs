//! duet's encrypted store: automerge document chunks, sealed record by record, in one redb
//! file.
//!
//! The store knows nothing of automerge: it keeps, per named document, an ordered log of
//! opaque byte chunks (a full save followed by incremental saves). Loading concatenates them;
//! compaction atomically replaces the log with one snapshot. Every chunk is sealed with the
//! store's [`duet_crypto::DataKey`], bound to its table, document and sequence number.
//!
//! redb is the only storage engine in duet, and this crate is the only one that imports it.
//! Every write is one durable redb transaction (fsync on commit): when a method returns `Ok`,
//! the bytes survive a crash.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod error;
mod store;
mod tables;

pub use error::StoreError;
pub use store::{JOURNAL_DOC, Store, StoreStats};
pub use tables::FORMAT_VERSION;
