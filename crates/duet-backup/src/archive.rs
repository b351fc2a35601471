//! The plaintext of a backup: a tar archive of the manifest and the document.

use std::collections::BTreeMap;
use std::io::Read;

use sha2::{Digest, Sha256};

use crate::{BackupError, Manifest, MemberEntry};

/// The manifest's path in the archive. It is the first member, so `tar tf` shows it first.
pub const MANIFEST_MEMBER: &str = "manifest.json";
/// The saved automerge document's path in the archive.
pub const DOCUMENT_MEMBER: &str = "journal.automerge";

/// No member of a backup may be larger than this: a hostile archive must not make the
/// reader allocate without bound. Far above any journal people write by hand.
const MAX_MEMBER_BYTES: u64 = 4 * 1024 * 1024 * 1024;

/// A decrypted and fully checked backup.
#[derive(Debug)]
pub struct Backup {
    /// The manifest, mapped to the current version.
    pub manifest: Manifest,
    /// The saved automerge document, checked against the manifest's checksum.
    pub document: Vec<u8>,
}

/// SHA-256 as 64 lowercase hex digits.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

fn append(
    builder: &mut tar::Builder<&mut Vec<u8>>,
    name: &str,
    bytes: &[u8],
    mtime: u64,
) -> Result<(), BackupError> {
    let mut header = tar::Header::new_ustar();
    header.set_size(bytes.len() as u64);
    header.set_mode(0o600);
    header.set_mtime(mtime);
    header.set_entry_type(tar::EntryType::Regular);
    builder.append_data(&mut header, name, bytes)?;
    Ok(())
}

/// The archive: the manifest (with the document's entry filled in), then the document.
pub(crate) fn build(
    mut manifest: Manifest,
    document: &[u8],
) -> Result<(Vec<u8>, Manifest), BackupError> {
    manifest.members = vec![MemberEntry {
        name: DOCUMENT_MEMBER.to_owned(),
        size: document.len() as u64,
        sha256: sha256_hex(document),
    }];
    let mtime = u64::try_from(manifest.created_at.as_second()).unwrap_or(0);
    let mut out = Vec::with_capacity(document.len() + 4096);
    {
        let mut builder = tar::Builder::new(&mut out);
        append(&mut builder, MANIFEST_MEMBER, &manifest.to_json(), mtime)?;
        append(&mut builder, DOCUMENT_MEMBER, document, mtime)?;
        builder.finish()?;
    }
    Ok((out, manifest))
}

/// Reads and checks an archive: a manifest this build understands, every listed member
/// present with the right size and checksum, and nothing else.
pub(crate) fn parse(tar_bytes: &[u8]) -> Result<Backup, BackupError> {
    let not_backup = |why: String| BackupError::NotABackup(why);
    let mut archive = tar::Archive::new(tar_bytes);
    let mut members: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let entries = archive
        .entries()
        .map_err(|_| not_backup("the decrypted content is not a tar archive".into()))?;
    for entry in entries {
        let mut entry =
            entry.map_err(|_| not_backup("the decrypted content is not a tar archive".into()))?;
        let name = entry
            .path()
            .map_err(|_| not_backup("a member has an unreadable name".into()))?
            .to_string_lossy()
            .into_owned();
        if entry.header().entry_type() != tar::EntryType::Regular {
            return Err(not_backup(format!("{name} is not a regular file")));
        }
        let size = entry.size();
        if size > MAX_MEMBER_BYTES {
            return Err(not_backup(format!("{name} is implausibly large")));
        }
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        entry
            .by_ref()
            .take(MAX_MEMBER_BYTES)
            .read_to_end(&mut bytes)
            .map_err(|_| not_backup(format!("{name} is cut short")))?;
        if members.insert(name.clone(), bytes).is_some() {
            return Err(not_backup(format!("{name} appears twice")));
        }
    }
    let manifest_bytes = members
        .remove(MANIFEST_MEMBER)
        .ok_or_else(|| not_backup(format!("it has no {MANIFEST_MEMBER}")))?;
    let manifest = Manifest::parse(&manifest_bytes)?;
    if manifest.member(DOCUMENT_MEMBER).is_none() {
        return Err(not_backup(format!(
            "its manifest does not list {DOCUMENT_MEMBER}"
        )));
    }
    for entry in &manifest.members {
        let bytes = members
            .get(&entry.name)
            .ok_or_else(|| not_backup(format!("{} is missing", entry.name)))?;
        if bytes.len() as u64 != entry.size || sha256_hex(bytes) != entry.sha256 {
            return Err(BackupError::ChecksumMismatch {
                member: entry.name.clone(),
            });
        }
    }
    if let Some(extra) = members.keys().find(|n| manifest.member(n).is_none()) {
        return Err(not_backup(format!(
            "{extra} is in the archive but not in its manifest"
        )));
    }
    let document = members.remove(DOCUMENT_MEMBER).unwrap_or_default();
    Ok(Backup { manifest, document })
}
