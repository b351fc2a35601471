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
    /// This device or the other refused (bad, used or expired ticket; not a member; other
    /// journal).
    #[error(transparent)]
    Refused(#[from] Refusal),
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

/// Why a pairing or a session was refused, by this device or by the other. Each message is
/// one line for a person and says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// The other device said no, with its reason (sent as a `refuse` message).
    #[error("{0}")]
    ByPeer(String),
    /// The other device closed the connection on purpose (the member gate), with its reason.
    #[error("the other device refused: {0}")]
    Closed(String),
    /// The ticket is this device's own.
    #[error("this is this device's own invitation: redeem it on the other device")]
    OwnInvitation,
    /// This device shares a journal and the inviter is not one of its members.
    #[error(
        "this device already shares a journal with {others} other device(s), and this invitation comes from a device outside it: joining would carry your journal to it. To start another journal, use a new home (`duet --home DIR init`)"
    )]
    InviterOutsideJournal {
        /// How many other devices share this device's journal.
        others: usize,
    },
    /// The ticket is for another journal than the one this device shares.
    #[error("this invitation is for another journal than the one this device shares")]
    OtherJournal,
    /// The inviter's answer does not match its ticket.
    #[error("the inviting device's answer does not match its ticket ({0}); nothing was changed")]
    AnswerMismatch(&'static str),
    /// An invitation may not stay open that long.
    #[error("an invitation can stay open for 24 hours at most")]
    TooLong,
    /// No open invitation matches what `--cancel` named.
    #[error("{0}")]
    NoSuchInvitation(String),
    /// The other device keeps another journal (a sync hello for the wrong journal).
    #[error("the other device keeps a different journal (did it join another one?)")]
    DifferentJournal,
}
