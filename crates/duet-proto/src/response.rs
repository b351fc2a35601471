//! What the daemon answers.

use serde::{Deserialize, Serialize};

use crate::{
    BackupView, BoundaryView, CheckinView, ExportView, InvitationView, KeyView, NoteView, PeerView,
    PromptView, StatusView, TrashItemView, WireError,
};

/// The daemon's answer to one [`crate::Request`]. Every request gets exactly one response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Response {
    /// Since version 1. The answer to `Hello`.
    Hello(HelloReply),
    /// Since version 1. The request succeeded and has nothing to show.
    Done,
    /// Since version 1. An entry was created and durably stored.
    Created(Created),
    /// Since version 1. The daemon's state.
    Status(StatusView),
    /// Since version 1. One note.
    Note(NoteView),
    /// Since version 1. Several notes.
    Notes(Listing<NoteView>),
    /// Since version 1. Several check-ins.
    Checkins(Listing<CheckinView>),
    /// Since version 1. One boundary.
    Boundary(BoundaryView),
    /// Since version 1. Several boundaries.
    Boundaries(Listing<BoundaryView>),
    /// Since version 1. The trash.
    Trash(Listing<TrashItemView>),
    /// Since version 1. The prompt deck.
    Prompts(PromptDeck),
    /// Since version 1. The request failed; nothing changed.
    Error(WireError),
    /// Since version 1. A new invitation.
    Invitation(Invitation),
    /// Since version 1. A ticket was redeemed.
    Paired(Paired),
    /// Since version 1. The paired devices.
    Peers(Listing<PeerView>),
    /// Since version 1. The outcome of a sync.
    Synced(SyncReport),
    /// Since version 1. A backup was written.
    BackupCreated(BackupView),
    /// Since version 1. Every entry of the journal.
    Export(ExportView),
    /// Since version 1. The saved automerge document.
    Document(DocumentBytes),
    /// Since version 1. This device's public key and ids.
    Key(KeyView),
    /// Since version 1, added after its first release (additive): the answer to a
    /// `backup_create` with `deliver`, carrying the encrypted file for the client to write.
    BackupSealed(SealedBackup),
    /// Since version 1 (added with two-person journals). The invitations of the last week.
    Invitations(Listing<InvitationView>),
}

/// A new invitation.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    /// The one-line ticket to give the other device (a credential until used or expired).
    pub ticket: String,
    /// When it stops working.
    pub expires_at: jiff::Timestamp,
    /// Its id, for `duet invite --list` and `--cancel` (not secret).
    #[serde(default)]
    pub id: String,
    /// Whom it admits: `partner`, `same-person` or `partner-device`.
    #[serde(default)]
    pub invite_for: String,
}

impl std::fmt::Debug for Invitation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invitation")
            .field("id", &self.id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// A redeemed invitation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paired {
    /// The journal joined.
    pub journal_id: String,
    /// The inviter's name.
    pub person_name: String,
    /// The inviter's device name.
    pub device_name: String,
    /// Words to compare aloud with the inviter's `duet peers`.
    pub phrase: String,
}

/// What a sync reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncReport {
    /// Members that now have this device's heads.
    pub synced: Vec<PeerView>,
    /// Members that could not be reached.
    pub unreachable: Vec<PeerView>,
}

/// The saved automerge document, base64-encoded (standard alphabet, padded) because frames
/// are JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentBytes {
    /// The bytes of `automerge::AutoCommit::save`, in base64.
    pub automerge_base64: String,
}

/// An encrypted backup for the client to write where the user asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedBackup {
    /// What the backup holds; `size_bytes` is the length of the sealed bytes.
    pub backup: BackupView,
    /// The age file, in base64. It is encrypted, so it may be logged by size but is never
    /// useful to print.
    pub sealed_base64: String,
}

/// The daemon's side of the handshake.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelloReply {
    /// The daemon's [`crate::PROTOCOL_VERSION`].
    pub version: u32,
    /// The daemon's package version.
    pub daemon_version: String,
    /// The daemon's process id.
    pub pid: u32,
    /// Whether the journal is locked.
    pub locked: bool,
    /// Since version 1, added after its first release (additive): the home the daemon
    /// serves, symlinks resolved. The client checks it against the directory of the socket
    /// it dialled, so a `duetd.sock` that leads to another home's daemon is refused. Absent
    /// from an older daemon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home: Option<String>,
}

/// The id of a newly created entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Created {
    /// The full id.
    pub id: String,
}

/// A list of items (a struct, so the tagged enum can carry it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listing<T> {
    /// The items, in the order the request defines.
    pub items: Vec<T>,
    /// Since version 1, added after its first release (additive): for notes, the trash and
    /// boundaries, each item's shortest id prefix (at least 8 digits) that is unique among
    /// everything the id can resolve to, not only the items listed. Empty from an older
    /// daemon, and for other lists.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub short_ids: Vec<String>,
}

impl<T> Listing<T> {
    /// A listing without short ids.
    pub fn new(items: Vec<T>) -> Self {
        Self {
            items,
            short_ids: Vec::new(),
        }
    }
}

/// The built-in prompt deck.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromptDeck {
    /// Today's prompts: one daily, and the weekly one on the weekly day.
    pub today: Vec<PromptView>,
    /// The whole deck.
    pub all: Vec<PromptView>,
}
