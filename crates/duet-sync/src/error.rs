//! Why a network operation failed.

/// A pairing or sync operation failed. Messages never contain secrets or journal content.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// The iroh endpoint could not be created.
    #[error("cannot start networking: {0}")]
    Bind(String),
    /// Could not reach the peer.
    #[error("cannot reach the other device: {0}")]
    Connect(String),
    /// The connection broke or the peer broke the protocol.
    #[error("connection failed: {0}")]
    Protocol(String),
    /// The other device refused (bad, used or expired ticket; not a member; other journal).
    #[error("{0}")]
    Refused(String),
    /// The invitation is no longer valid.
    #[error("{0}")]
    Ticket(#[from] crate::TicketError),
    /// The local journal refused an operation.
    #[error("{0}")]
    Replica(#[from] crate::ReplicaError),
    /// Timed out.
    #[error("timed out: {0}")]
    Timeout(String),
}
