//! Why a key could not be read, written or used.

use std::path::PathBuf;

/// A device key or data key could not be loaded, unwrapped or stored. Messages name the file
/// and what to do, never key material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The key file is passphrase-protected and no passphrase was given.
    #[error("the device key is protected by a passphrase; unlock it with `duet unlock`")]
    NeedsPassphrase,
    /// The passphrase did not decrypt the key file.
    #[error("wrong passphrase")]
    WrongPassphrase,
    /// The file is not an age identity file this build can read.
    #[error("{} is not a duet device key file", path.display())]
    NotAKeyFile {
        /// The file.
        path: PathBuf,
    },
    /// A passphrase-protected key file is damaged (its age header or payload is unreadable).
    #[error("the device key file is damaged")]
    CorruptKeyFile,
    /// The data key is sealed to a different device key.
    #[error("this device key cannot open the store's data key (the store belongs to another key)")]
    WrongKey,
    /// The sealed data key is damaged.
    #[error("the store's sealed data key is damaged")]
    CorruptDataKey,
    /// Reading or writing a key file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// age refused to encrypt (should not happen with valid recipients).
    #[error("could not encrypt key material: {0}")]
    Encrypt(String),
}

/// A sealed record could not be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    /// The record was altered, truncated, moved to another key, or sealed with another key.
    #[error("a sealed record failed authentication (altered, moved, or sealed with another key)")]
    Authentication,
    /// The record is shorter than a header or from an unknown sealing version.
    #[error("a sealed record is malformed")]
    Malformed,
}
