//! What the CLI asks of the daemon.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// A request from a client. The first request on every connection must be
/// [`Request::Hello`]; the daemon answers anything else first with a version error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Request {
    /// Since version 1. Opens a connection: both sides check the protocol version.
    Hello(Hello),
    /// Since version 1. The daemon's and the journal's state.
    Status,
    /// Since version 1. Give the passphrase of a locked device key.
    Unlock(Unlock),
    /// Since version 1. Ask the daemon to finish in-flight writes and exit.
    Shutdown,
    /// Since version 1. Create a note.
    NoteAdd(NoteAdd),
    /// Since version 1. Notes not in the trash, oldest first.
    NoteList(NoteList),
    /// Since version 1. One note, by id or unique id prefix (in the trash too).
    NoteShow(EntryRef),
    /// Since version 1. Change a note's title, body or tags.
    NoteEdit(NoteEdit),
    /// Since version 1. Move a note to the trash.
    NoteRm(EntryRef),
    /// Since version 1. Bring a note back from the trash.
    NoteRestore(EntryRef),
    /// Since version 1. What is in the trash.
    Trash,
    /// Since version 1. Record a check-in.
    CheckinAdd(CheckinAdd),
    /// Since version 1. Check-ins, oldest first.
    CheckinList(CheckinList),
    /// Since version 1. The prompt deck and today's prompts.
    Prompts,
    /// Since version 1. State a boundary.
    BoundaryAdd(BoundaryAdd),
    /// Since version 1. Boundaries, oldest first.
    BoundaryList(BoundaryList),
    /// Since version 1. One boundary with its history.
    BoundaryShow(EntryRef),
    /// Since version 1. Reword a boundary; the partner must acknowledge the new revision.
    BoundaryRevise(BoundaryRevise),
    /// Since version 1. Withdraw a boundary (kept in history).
    BoundaryRetire(EntryRef),
    /// Since version 1. Acknowledge the partner's boundary, at its current revision.
    BoundaryAck(EntryRef),
    /// Since version 1. Create a one-time invitation ticket for another device.
    Invite(Invite),
    /// Since version 1. Redeem an invitation ticket: join the inviter's journal.
    Pair(Pair),
    /// Since version 1. The paired devices and their connection state.
    Peers,
    /// Since version 1. Remove a paired device (by device id, endpoint id prefix or name).
    Unpair(EntryRef),
    /// Since version 1. Sync with every reachable member now, optionally waiting.
    Sync(SyncNow),
    /// Since version 1. Write an encrypted backup of a consistent snapshot of the journal.
    BackupCreate(BackupCreate),
    /// Since version 1. Every entry, from one consistent snapshot, for `duet export`.
    ExportEntries,
    /// Since version 1. The whole automerge document, for `duet export --format automerge`.
    ExportDocument,
    /// Since version 1. This device's public key and ids.
    KeyShow,
    /// Since version 1. Drop the keys and the journal from memory until `unlock`.
    Lock,
    /// Since version 1 (added with two-person journals). The invitations of the last week
    /// and what became of each.
    InviteList,
    /// Since version 1 (added with two-person journals). Cancel an open invitation, by id
    /// or unique prefix.
    InviteCancel(EntryRef),
}

/// A new invitation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invite {
    /// How long the ticket stays valid, in seconds.
    pub expires_secs: u64,
    /// The invited device belongs to the same person as this one (a second device).
    pub same_person: bool,
    /// The invited device is a new device of the partner's (e.g. after they lost theirs).
    /// Neither flag: the invitation is for the partner, while the journal has one person.
    #[serde(default)]
    pub partner_device: bool,
}

/// A ticket to redeem.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pair {
    /// The ticket, as `duet invite` printed it. Redacted from `Debug`: it is a credential.
    pub ticket: String,
}

impl std::fmt::Debug for Pair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pair")
            .field("ticket", &"<redacted>")
            .finish()
    }
}

/// Sync now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncNow {
    /// Wait until every reachable member has this device's heads.
    pub wait: bool,
    /// How long to wait, in milliseconds.
    pub timeout_ms: u64,
}

/// Opens a connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    /// The client's [`crate::PROTOCOL_VERSION`].
    pub version: u32,
    /// The client's name and version, for the daemon's log.
    pub client: String,
}

/// The passphrase of a locked device key.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unlock {
    /// The passphrase. Never logged: this type's `Debug` redacts it.
    pub passphrase: String,
}

impl std::fmt::Debug for Unlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Unlock")
            .field("passphrase", &"<redacted>")
            .finish()
    }
}

/// Names an entry by its full id or a unique prefix of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryRef {
    /// Full id or unique prefix (at least one hex digit); for `unpair`, also an endpoint id
    /// prefix or a device name.
    pub id: String,
}

/// A new note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteAdd {
    /// The title; must not be blank.
    pub title: String,
    /// The body (may be empty).
    pub body: String,
    /// Tags to attach.
    pub tags: Vec<String>,
}

/// Which notes to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteList {
    /// Only notes with this tag.
    pub tag: Option<String>,
}

/// How to change a note's body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", content = "text", rename_all = "snake_case")]
pub enum BodyEdit {
    /// Make the body this text. Applied as a minimal diff against the current body, so a
    /// concurrent edit elsewhere in the body survives.
    Replace(String),
    /// Add this text at the end of the body.
    Append(String),
}

/// A change to a note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteEdit {
    /// The note, by id or prefix.
    pub id: String,
    /// A new title.
    pub title: Option<String>,
    /// A change to the body.
    pub body: Option<BodyEdit>,
    /// Tags to add.
    pub add_tags: Vec<String>,
    /// Tags to remove.
    pub remove_tags: Vec<String>,
}

/// An answer to one prompt of the deck.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromptAnswer {
    /// The prompt's id.
    pub prompt_id: String,
    /// The answer.
    pub text: String,
}

/// A new check-in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckinAdd {
    /// Mood, 1 to 5.
    pub mood: Option<u8>,
    /// Feeling words.
    pub feelings: Vec<String>,
    /// Answers to prompts.
    pub answers: Vec<PromptAnswer>,
    /// A stated need.
    pub need: Option<String>,
}

/// Which check-ins to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckinList {
    /// Only check-ins made at or after this instant.
    pub since: Option<Timestamp>,
}

/// A new boundary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoundaryAdd {
    /// Its wording; must not be blank.
    pub text: String,
}

/// Which boundaries to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoundaryList {
    /// Include retired boundaries.
    pub include_retired: bool,
}

/// A new wording for a boundary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoundaryRevise {
    /// The boundary, by id or prefix.
    pub id: String,
    /// The new wording.
    pub text: String,
}

/// Where and to whom to write a backup.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupCreate {
    /// The absolute path of the backup file to write (replaced atomically if it exists).
    pub path: String,
    /// Extra age recipients (`age1...`), besides this device. Empty for this device alone.
    pub recipients: Vec<String>,
    /// Encrypt to this passphrase instead of to keys. Never logged: `Debug` redacts it.
    pub passphrase: Option<String>,
    /// Since version 1, added after its first release (additive). Send the sealed backup back
    /// in [`crate::Response::BackupSealed`] instead of writing `path`, so the file is written
    /// by the client: a daemon under systemd's `PrivateTmp=` would write `/tmp/...` where the
    /// user never sees it. A daemon that predates the field ignores it and writes `path`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deliver: bool,
}

impl std::fmt::Debug for BackupCreate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackupCreate")
            .field("path", &self.path)
            .field("recipients", &self.recipients)
            .field(
                "passphrase",
                &self.passphrase.as_ref().map(|_| "<redacted>"),
            )
            .field("deliver", &self.deliver)
            .finish()
    }
}
