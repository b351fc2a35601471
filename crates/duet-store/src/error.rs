//! Why the store could not be opened, read or written.

use std::path::PathBuf;

/// A store operation failed. Nothing was written by a failed operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Another process (another duetd) has the store open.
    #[error("the store {} is in use by another process", path.display())]
    InUse {
        /// The store file.
        path: PathBuf,
    },
    /// `create` found a store already there.
    #[error("a store already exists at {}", path.display())]
    Exists {
        /// The store file.
        path: PathBuf,
    },
    /// `open` found no store.
    #[error("no store at {}", path.display())]
    Missing {
        /// The store file.
        path: PathBuf,
    },
    /// The file is not a duet store, or is damaged beyond what redb repairs.
    #[error("the store {} is damaged or not a duet store: {reason}", path.display())]
    Corrupt {
        /// The store file.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
    /// The store is from a newer duet.
    #[error(
        "the store has format {found}, newer than this duet understands ({supported}); upgrade duet"
    )]
    NewerFormat {
        /// The store's format.
        found: u32,
        /// Ours.
        supported: u32,
    },
    /// The data key could not be opened with this device key.
    #[error(transparent)]
    Key(#[from] duet_crypto::KeyError),
    /// A chunk failed authentication: the file was altered or damaged.
    #[error(
        "a record of document '{doc}' (#{seq}) failed authentication: the store was altered or damaged"
    )]
    Tampered {
        /// The document.
        doc: String,
        /// The chunk's sequence number.
        seq: u64,
    },
    /// redb failed to open the database.
    #[error("cannot open the store {}: {source}", path.display())]
    Database {
        /// The store file.
        path: PathBuf,
        /// redb's reason.
        #[source]
        source: redb::DatabaseError,
    },
    /// redb failed to start a transaction.
    #[error("store transaction failed: {0}")]
    Transaction(#[from] redb::TransactionError),
    /// redb failed to open a table.
    #[error("store table error: {0}")]
    Table(#[from] redb::TableError),
    /// redb failed to read or write.
    #[error("store I/O error: {0}")]
    Storage(#[from] redb::StorageError),
    /// redb failed to commit.
    #[error("store commit failed: {0}")]
    Commit(#[from] redb::CommitError),
}
