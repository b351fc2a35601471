//! Errors as data: what the daemon sends when a request fails.

use serde::{Deserialize, Serialize};

/// Why a request failed, stable across versions so scripts and the CLI's exit codes can rely
/// on it. New codes may be added; clients treat unknown ones as [`ErrorCode::Internal`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// No entry matches the given id or prefix.
    NotFound,
    /// More than one entry matches the given id prefix.
    Ambiguous,
    /// The request was well formed but its content is not acceptable (empty title, mood 9...).
    InvalidInput,
    /// The action is not allowed for this device (e.g. acknowledging one's own boundary).
    NotAllowed,
    /// The journal is locked: its device key is passphrase-protected and not yet unlocked.
    Locked,
    /// The passphrase given to unlock the journal was wrong.
    BadPassphrase,
    /// The two sides speak different protocol versions.
    VersionMismatch,
    /// The store could not read or write; the request had no effect.
    Storage,
    /// The daemon is shutting down and takes no new work.
    ShuttingDown,
    /// Networking failed: the other device is unreachable or the network is down.
    Network,
    /// An invitation ticket is malformed, expired, used, or refused.
    Ticket,
    /// A bug or an unexpected state in the daemon.
    #[serde(other)]
    Internal,
}

/// A failed request as it crosses the wire: a stable code and a one-line human message that
/// never contains key material.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireError {
    /// What kind of failure this is.
    pub code: ErrorCode,
    /// One line, meant for the person at the terminal.
    pub message: String,
}

impl WireError {
    /// A wire error with the given code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for WireError {}
