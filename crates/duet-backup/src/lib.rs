//! duet's backup file format, and nothing else.
//!
//! A backup is a **standard age file** (`age-encryption.org/v1`) whose plaintext is a plain
//! **tar archive** holding two members:
//!
//! - `manifest.json`: the [`Manifest`]: format version, journal id, creation time, entry
//!   counts, and the size and SHA-256 of every other member;
//! - `journal.automerge`: the journal as one saved automerge document.
//!
//! So a backup opens with the reference tools alone (`age -d -i device.key FILE | tar x`),
//! and duet checks it end to end: age authenticates every byte (a truncated or altered file
//! fails to decrypt), and the manifest's checksums tie the members together.
//!
//! This crate is deliberately small and synchronous: no tokio, no store, no automerge. The
//! daemon hands it document bytes and keys; loading the document is the caller's business.
//! The layout is documented in `docs/backup-format.md`.

#![cfg_attr(not(test), deny(clippy::unwrap_used))]

mod archive;
mod crypt;
mod error;
mod manifest;

pub use archive::{Backup, DOCUMENT_MEMBER, MANIFEST_MEMBER};
pub use crypt::{Opener, Sealer};
pub use error::BackupError;
pub use manifest::{FORMAT_VERSION, Manifest, MemberEntry};

use std::io::Read;

/// Builds a backup of `document` described by `manifest` (its member list is filled in
/// here) and encrypts it as an age file. Returns the encrypted bytes.
pub fn seal(
    manifest: Manifest,
    document: &[u8],
    sealer: &Sealer,
) -> Result<(Vec<u8>, Manifest), BackupError> {
    let (tar, manifest) = archive::build(manifest, document)?;
    let sealed = crypt::encrypt(&tar, sealer)?;
    Ok((sealed, manifest))
}

/// Decrypts and checks a backup: age authentication, tar structure, manifest version and
/// every member's size and checksum. Never returns a partially checked backup.
pub fn open(sealed: &[u8], opener: &Opener<'_>) -> Result<Backup, BackupError> {
    let mut plain = crypt::decrypt(sealed, opener)?;
    let mut tar = Vec::new();
    plain
        .read_to_end(&mut tar)
        .map_err(|_| BackupError::Damaged)?;
    archive::parse(&tar)
}

#[cfg(test)]
mod tests;
