//! `manifest.json`: what a backup holds, and how older manifest versions map forward.

use duet_proto::Counts;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::BackupError;

/// The backup format this build writes, and the newest it reads. Bump it on any change a
/// reader of the previous version could misread, and add a mapping in [`Manifest::parse`].
pub const FORMAT_VERSION: u32 = 1;

/// One member of the archive, as the manifest records it, so a reader can check it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberEntry {
    /// The member's path in the tar archive.
    pub name: String,
    /// Its length in bytes.
    pub size: u64,
    /// Its SHA-256, as 64 lowercase hex digits.
    pub sha256: String,
}

/// What a backup holds: enough to check it and to say what is in it without loading it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The backup format version ([`FORMAT_VERSION`] when written by this build).
    pub format: u32,
    /// The id of the journal backed up.
    pub journal_id: String,
    /// When the snapshot was taken.
    pub created_at: Timestamp,
    /// The device that made the backup; on restore, the new device joins as its person.
    pub created_by_device: String,
    /// The duet version that wrote it, for diagnosis only.
    pub duet_version: String,
    /// Entry counts at the snapshot, to show before restoring.
    pub counts: Counts,
    /// Every member of the archive except the manifest itself.
    pub members: Vec<MemberEntry>,
}

/// Only the version field, read first so an unknown layout is refused by number rather than
/// by a confusing parse error.
#[derive(Deserialize)]
struct VersionProbe {
    format: u32,
}

impl Manifest {
    /// Reads a manifest of any version this build understands and maps it to the current
    /// [`Manifest`]. A newer version is refused with [`BackupError::NewerFormat`]; version 0
    /// or a retired version with [`BackupError::UnsupportedFormat`].
    pub fn parse(bytes: &[u8]) -> Result<Self, BackupError> {
        let probe: VersionProbe = serde_json::from_slice(bytes)
            .map_err(|_| BackupError::NotABackup("manifest.json has no format version".into()))?;
        match probe.format {
            // The current version. A future version 2 adds an arm here that parses a
            // `ManifestV1` (kept as its own struct) and converts it, so old backups restore.
            1 => serde_json::from_slice::<Manifest>(bytes)
                .map_err(|e| BackupError::NotABackup(format!("manifest.json is malformed: {e}"))),
            n if n > FORMAT_VERSION => Err(BackupError::NewerFormat {
                found: n,
                supported: FORMAT_VERSION,
            }),
            n => Err(BackupError::UnsupportedFormat(n)),
        }
    }

    /// The manifest as written into the archive (pretty JSON, a trailing newline).
    pub fn to_json(&self) -> Vec<u8> {
        // Serialising plain strings, numbers and timestamps cannot fail.
        let mut out = serde_json::to_vec_pretty(self).unwrap_or_default();
        out.push(b'\n');
        out
    }

    /// The entry for `name`, if the manifest lists it.
    pub fn member(&self, name: &str) -> Option<&MemberEntry> {
        self.members.iter().find(|m| m.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_checked_before_the_layout() {
        assert!(matches!(
            Manifest::parse(br#"{"format": 99, "whatever": true}"#),
            Err(BackupError::NewerFormat {
                found: 99,
                supported: 1
            })
        ));
        assert!(matches!(
            Manifest::parse(br#"{"format": 0}"#),
            Err(BackupError::UnsupportedFormat(0))
        ));
        assert!(matches!(
            Manifest::parse(b"[1,2]"),
            Err(BackupError::NotABackup(_))
        ));
        assert!(matches!(
            Manifest::parse(br#"{"format": 1}"#),
            Err(BackupError::NotABackup(_))
        ));
    }
}
