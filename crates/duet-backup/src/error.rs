//! Why a backup could not be written or read.

/// A backup could not be built, encrypted, decrypted or checked. Every message is one line,
/// says what to do where it can, and never contains key material or journal content.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackupError {
    /// The file is not an age file at all (or its age header is damaged beyond parsing).
    #[error("this is not a duet backup (not an age-encrypted file, or its header is damaged)")]
    NotAgeFile,
    /// The file is an age file, but not from this age version (unknown header format).
    #[error("this age file uses a format this duet does not understand")]
    UnknownAgeFormat,
    /// None of the identities given can decrypt the file.
    #[error(
        "none of the given identities can open this backup (wrong --identity, or the backup was made for other keys)"
    )]
    WrongIdentity,
    /// The passphrase did not decrypt the file.
    #[error("wrong passphrase for this backup")]
    WrongPassphrase,
    /// The file is encrypted to a passphrase, and identities were given.
    #[error("this backup is protected by a passphrase: pass --passphrase-file FILE")]
    NeedsPassphrase,
    /// The file is encrypted to keys, and a passphrase was given.
    #[error("this backup is encrypted to keys, not a passphrase: pass --identity FILE")]
    NeedsIdentity,
    /// The passphrase-encrypted file demands more scrypt work than this machine allows.
    #[error("this backup's passphrase encryption demands too much work to open here")]
    ExcessiveWork,
    /// Authentication failed after the header, or the file ends early: altered or truncated.
    #[error("the backup is damaged or truncated (it failed authentication)")]
    Damaged,
    /// The decrypted content is not a duet backup archive.
    #[error("this is not a duet backup: {0}")]
    NotABackup(String),
    /// The backup is from a newer duet.
    #[error(
        "this backup uses format version {found}, newer than this duet understands ({supported}); upgrade duet to restore it"
    )]
    NewerFormat {
        /// The version in the manifest.
        found: u32,
        /// The newest version this build reads.
        supported: u32,
    },
    /// The backup's format version is one this build no longer reads.
    #[error("this backup uses format version {0}, which this duet cannot read")]
    UnsupportedFormat(u32),
    /// A member's content does not match the manifest's checksum or size.
    #[error("the backup is damaged: {member} does not match its checksum")]
    ChecksumMismatch {
        /// The member's name.
        member: String,
    },
    /// age refused to encrypt (an invalid recipient set).
    #[error("cannot encrypt the backup: {0}")]
    Encrypt(String),
    /// Writing the archive or the file failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}
