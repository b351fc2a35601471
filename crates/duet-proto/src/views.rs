//! What the daemon shows: the read-side shapes of journal entries.
//!
//! These structs are both the wire format of responses and the `--json` output of the CLI, so
//! field names here are a public contract (see `docs/cli.md`). Add fields freely; never rename
//! or remove one without a protocol version bump and a note in the changelog.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// A note: a title, a body both partners can edit, and tags.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteView {
    /// The note's full id (32 hex digits of a UUIDv7).
    pub id: String,
    /// The title (a single value; concurrent changes keep one winner, see `conflicts`).
    pub title: String,
    /// The body text, merged character by character across devices.
    pub body: String,
    /// Free-form tags, in the order they were added.
    pub tags: Vec<String>,
    /// The display name of the person who wrote the note.
    pub author: String,
    /// The device id of the author.
    pub author_id: String,
    /// When the note was created.
    pub created_at: Timestamp,
    /// When the note was last changed.
    pub updated_at: Timestamp,
    /// Set when the note is in the trash.
    pub deleted_at: Option<Timestamp>,
    /// Fields that were changed concurrently on two devices: the value shown above won, and
    /// these are the values that lost. Empty in the usual case.
    pub conflicts: Vec<FieldConflict>,
}

/// A field with concurrent values: shown so that a concurrent edit is never silently dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldConflict {
    /// The field's name, e.g. `title`.
    pub field: String,
    /// The concurrent values that did not win.
    pub other_values: Vec<String>,
}

/// One answer to a prompt of the deck.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerView {
    /// The prompt's id in the deck (e.g. `d03`).
    pub prompt_id: String,
    /// The prompt's text, when the id is in this version's deck.
    pub prompt: Option<String>,
    /// What was answered.
    pub text: String,
}

/// A check-in: how someone is, at a moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckinView {
    /// The check-in's full id.
    pub id: String,
    /// The display name of the person checking in.
    pub author: String,
    /// The device id of the author.
    pub author_id: String,
    /// When the check-in was made.
    pub created_at: Timestamp,
    /// Mood on a 1 (low) to 5 (high) scale, if given.
    pub mood: Option<u8>,
    /// A few words for how it feels.
    pub feelings: Vec<String>,
    /// Answers to prompts of the deck.
    pub answers: Vec<AnswerView>,
    /// What the author needs, if they said.
    pub need: Option<String>,
}

/// Whether a boundary is in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BoundaryStatus {
    /// In force.
    Active,
    /// Withdrawn by its author; kept for history.
    Retired,
}

/// Someone's acknowledgement of one revision of a boundary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AckView {
    /// The display name of the person who acknowledged.
    pub by: String,
    /// Their device id.
    pub by_id: String,
    /// When.
    pub at: Timestamp,
}

/// One revision of a boundary's wording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoundaryRevisionView {
    /// 1 for the original wording, counting up.
    pub revision: u32,
    /// The wording of this revision.
    pub text: String,
    /// When this revision was written.
    pub at: Timestamp,
    /// Acknowledgements of exactly this revision.
    pub acks: Vec<AckView>,
}

/// A boundary: something one partner needs, acknowledged by the other, revisable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoundaryView {
    /// The boundary's full id.
    pub id: String,
    /// The current wording (that of the latest revision).
    pub text: String,
    /// The display name of the person whose boundary it is.
    pub author: String,
    /// The device id of the author.
    pub author_id: String,
    /// In force or retired.
    pub status: BoundaryStatus,
    /// When the boundary was first stated.
    pub created_at: Timestamp,
    /// When it last changed (revised, acknowledged or retired).
    pub updated_at: Timestamp,
    /// The number of the current revision.
    pub revision: u32,
    /// Whether the partner has acknowledged the current revision.
    pub acknowledged: bool,
    /// When it was retired, if it was.
    pub retired_at: Option<Timestamp>,
    /// Every revision, oldest first.
    pub revisions: Vec<BoundaryRevisionView>,
}

/// An entry in the trash, restorable with `duet note restore`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrashItemView {
    /// The entry's full id.
    pub id: String,
    /// What kind of entry (`note`).
    pub kind: String,
    /// Its title.
    pub title: String,
    /// When it was moved to the trash.
    pub deleted_at: Timestamp,
}

/// How often a prompt is meant to be asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PromptKind {
    /// A short daily question.
    Daily,
    /// A deeper "how are we?" question for a weekly check-in.
    Weekly,
}

/// A prompt of the built-in deck.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromptView {
    /// Stable id, used in `duet checkin --answer ID=TEXT`.
    pub id: String,
    /// Daily or weekly.
    pub kind: PromptKind,
    /// The question.
    pub text: String,
}

/// A device that belongs to the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    /// The device's id.
    pub device_id: String,
    /// The device's name.
    pub device_name: String,
    /// The id of the person the device belongs to.
    pub person_id: String,
    /// The person's display name.
    pub person_name: String,
    /// Whether this is the device answering.
    pub is_self: bool,
    /// The device's network identity (iroh endpoint id), once known.
    pub endpoint_id: Option<String>,
}

/// A paired device, as `duet peers` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerView {
    /// The device's id.
    pub device_id: String,
    /// The device's name.
    pub device_name: String,
    /// Whose device it is.
    pub person_name: String,
    /// Its network identity.
    pub endpoint_id: String,
    /// Whether a sync session with it is up.
    pub connected: bool,
    /// Last time anything arrived from it (since this daemon started).
    pub last_seen: Option<Timestamp>,
    /// Last time it was known to have all of this device's changes.
    pub last_synced: Option<Timestamp>,
    /// Whether it has this device's current heads (known only while connected).
    pub in_sync: bool,
    /// Why the last attempt to reach it failed, if it did.
    pub last_error: Option<String>,
    /// The verification phrase of this pairing, to compare aloud.
    pub phrase: String,
    /// Sync-message bytes sent to it since this daemon started.
    #[serde(default)]
    pub bytes_sent: u64,
    /// Sync-message bytes received from it since this daemon started.
    #[serde(default)]
    pub bytes_received: u64,
    /// When it joined the journal.
    #[serde(default)]
    pub added_at: Option<Timestamp>,
    /// Who added it (the person's name), when known.
    #[serde(default)]
    pub added_by: Option<String>,
}

/// A device added to or removed from the journal recently, so that neither partner's
/// devices change without the other being told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceChange {
    /// When.
    pub at: Timestamp,
    /// `added` or `removed`.
    pub action: String,
    /// The device's name.
    pub device_name: String,
    /// Whose device it is.
    pub person_name: String,
    /// Who added or removed it (a person's name), when known.
    pub by: Option<String>,
}

/// An invitation, as `duet invite --list` shows it. Never carries the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationView {
    /// Its id (16 hex digits), for `--cancel`.
    pub id: String,
    /// Whom it admits: `partner`, `same-person` or `partner-device`.
    pub invite_for: String,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it stops (or stopped) working.
    pub expires_at: Timestamp,
    /// Pairing attempts it has seen.
    pub attempts: u32,
    /// `open`, `used`, `expired` or `cancelled`.
    pub state: String,
    /// Why it was cancelled, or the endpoint id of the device that used it.
    pub detail: Option<String>,
}

/// How many entries of each kind the journal holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Notes not in the trash.
    pub notes: usize,
    /// Notes in the trash.
    pub trash: usize,
    /// Check-ins.
    pub checkins: usize,
    /// Boundaries, active or retired.
    pub boundaries: usize,
}

/// The state of the daemon and its journal, for `duet status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusView {
    /// The daemon's process id.
    pub pid: u32,
    /// Seconds since the daemon started.
    pub uptime_secs: u64,
    /// When the daemon started.
    pub started_at: Timestamp,
    /// The daemon's version.
    pub daemon_version: String,
    /// The home directory the daemon serves.
    pub home: String,
    /// The journal's id.
    pub journal_id: String,
    /// Whether the journal is locked (passphrase not yet given). When locked, the names,
    /// counts and members below are unknown (`null` / empty); the device id is known.
    pub locked: bool,
    /// This device's id.
    pub device_id: Option<String>,
    /// This device's name.
    pub device_name: Option<String>,
    /// The name of the person this device belongs to.
    pub person_name: Option<String>,
    /// Entry counts.
    pub counts: Option<Counts>,
    /// Every device of the journal, this one included.
    pub members: Vec<MemberView>,
    /// This device's network identity, once the network is up.
    #[serde(default)]
    pub endpoint_id: Option<String>,
    /// Why the network is not up, if it is not.
    #[serde(default)]
    pub network_error: Option<String>,
    /// The paired devices and their connection state.
    #[serde(default)]
    pub peers: Vec<PeerView>,
    /// Whether some connected device does not yet have all of this device's changes.
    #[serde(default)]
    pub unsynced: bool,
    /// Devices added or removed in the last 30 days, newest first.
    #[serde(default)]
    pub device_changes: Vec<DeviceChange>,
    /// Set when this device's person lost the race for the journal's partner slot: why it
    /// no longer syncs.
    #[serde(default)]
    pub shut_out: Option<String>,
}

/// What a backup holds: printed by `duet backup create`, `verify` and `restore`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupView {
    /// The backup file.
    pub path: String,
    /// The backup format version.
    pub format: u32,
    /// The id of the journal in the backup.
    pub journal_id: String,
    /// When the snapshot was taken.
    pub created_at: Timestamp,
    /// The device that made it.
    pub created_by_device: String,
    /// Entry counts at the snapshot.
    pub counts: Counts,
    /// The size of the backup file in bytes.
    pub size_bytes: u64,
    /// The size of the automerge document inside, in bytes.
    pub document_bytes: u64,
    /// `"recipients"` (age X25519 keys) or `"passphrase"` (age scrypt).
    pub encrypted_to: String,
}

/// A new home made from a backup, printed by `duet backup restore`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreView {
    /// The home created.
    pub home: String,
    /// The journal's id (from the backup).
    pub journal_id: String,
    /// The new device's id.
    pub device_id: String,
    /// The new device's age recipient (public key).
    pub recipient: String,
    /// What the restored journal holds.
    pub counts: Counts,
    /// Whether the new device key is protected by a passphrase.
    pub passphrase: bool,
    /// Where a forced restore moved the journal, keys and config it replaced (a dated
    /// directory inside the home); absent when nothing was replaced. Since version 1 (added
    /// with the key-safety work).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced: Option<String>,
}

/// Every entry of the journal at one instant: the shape of `duet export --format json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportView {
    /// The journal's id.
    pub journal_id: String,
    /// When the snapshot was taken.
    pub exported_at: Timestamp,
    /// Notes not in the trash, oldest first (as `duet note list --json`).
    pub notes: Vec<NoteView>,
    /// Notes in the trash, whole (as `duet note show --json`), most recently deleted first.
    pub trash: Vec<NoteView>,
    /// Every check-in, oldest first (as `duet checkin list --json`).
    pub checkins: Vec<CheckinView>,
    /// Every boundary, retired ones too, oldest first (as `duet boundary list --all --json`).
    pub boundaries: Vec<BoundaryView>,
}

/// This device's keys and ids, for `duet key show`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyView {
    /// This device's id.
    pub device_id: String,
    /// The device's age recipient (`age1...`): give it to whoever should be able to make
    /// backups this device can open.
    pub recipient: String,
    /// Whether the device key file is protected by a passphrase.
    pub passphrase_protected: bool,
    /// The device's network (iroh endpoint) id; `null` while the network is not running.
    pub endpoint_id: Option<String>,
}

/// One finding of `duet doctor`: what was checked, how it stands, and how to fix it. Printed
/// by `duetd doctor` (the offline checks, as a JSON array) and by `duet doctor --json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoctorFinding {
    /// The area checked: `home`, `keys`, `config`, `store`, `disk`, `daemon`, `network`,
    /// `peer`, `clock` or `invitations`.
    pub check: String,
    /// `ok`; `problem` (something to fix: `duet doctor` then exits 1); or `note` (worth
    /// knowing, not wrong).
    pub status: String,
    /// What was found, in plain words.
    pub finding: String,
    /// How to fix it, when there is something to do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl DoctorFinding {
    /// A check that passed.
    pub fn ok(check: &str, finding: impl Into<String>) -> Self {
        Self {
            check: check.to_owned(),
            status: "ok".to_owned(),
            finding: finding.into(),
            fix: None,
        }
    }

    /// Something to fix, and how.
    pub fn problem(check: &str, finding: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            check: check.to_owned(),
            status: "problem".to_owned(),
            finding: finding.into(),
            fix: Some(fix.into()),
        }
    }

    /// Worth knowing, not wrong; `fix` says what to do if it is not what you meant.
    pub fn note(check: &str, finding: impl Into<String>, fix: Option<String>) -> Self {
        Self {
            check: check.to_owned(),
            status: "note".to_owned(),
            finding: finding.into(),
            fix,
        }
    }

    /// Whether this finding makes `duet doctor` fail.
    pub fn is_problem(&self) -> bool {
        self.status == "problem"
    }
}
