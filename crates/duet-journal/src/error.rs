//! Why a journal operation failed.

/// An operation on the journal was refused or the document is not a duet journal.
///
/// The messages are one line and name what the user can do about it; they never include
/// entry contents, since they may end up in logs.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JournalError {
    /// No entry of this kind has an id starting with the prefix.
    #[error("no {kind} matches '{prefix}'")]
    NotFound {
        /// What was looked for.
        kind: &'static str,
        /// The id or prefix given.
        prefix: String,
    },
    /// Several entries match the prefix.
    #[error("'{prefix}' matches {count} {kind}s ({}); give more of the id", candidates.join(", "))]
    Ambiguous {
        /// What was looked for.
        kind: &'static str,
        /// The prefix given.
        prefix: String,
        /// How many entries matched.
        count: usize,
        /// A few of the matching ids.
        candidates: Vec<String>,
    },
    /// The id is not made of hex digits.
    #[error("'{0}' is not an id: ids are hex digits (any unique prefix works)")]
    BadId(String),
    /// The input is not acceptable (blank title, mood out of range...).
    #[error("{0}")]
    Invalid(String),
    /// This device may not do that (e.g. acknowledge its own person's boundary).
    #[error("{0}")]
    NotAllowed(String),
    /// The document is not a duet journal, or is from a newer duet.
    #[error("{0}")]
    Schema(String),
    /// A peer sent changes written by a newer duet (a higher schema version). They were not
    /// kept: applying them would make the journal unreadable to this build.
    #[error(
        "the other device's duet is newer (journal schema {found}; this one understands {supported}): upgrade duet here to keep syncing with it"
    )]
    NewerSchema {
        /// The schema version the changes carry.
        found: u64,
        /// Ours.
        supported: u64,
    },
    /// automerge refused an operation or could not load the bytes.
    #[error("journal document error: {0}")]
    Automerge(#[from] automerge::AutomergeError),
}
