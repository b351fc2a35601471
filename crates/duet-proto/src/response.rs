//! What the daemon answers.

use serde::{Deserialize, Serialize};

use crate::{
    BackupView, BoundaryView, CheckinView, ExportView, KeyView, NoteView, PromptView, StatusView,
    TrashItemView, WireError,
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
    /// Since version 1. A backup was written.
    BackupCreated(BackupView),
    /// Since version 1. Every entry of the journal.
    Export(ExportView),
    /// Since version 1. The saved automerge document.
    Document(DocumentBytes),
    /// Since version 1. This device's public key and ids.
    Key(KeyView),
}

/// The saved automerge document, base64-encoded (standard alphabet, padded) because frames
/// are JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentBytes {
    /// The bytes of `automerge::AutoCommit::save`, in base64.
    pub automerge_base64: String,
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
}

/// The built-in prompt deck.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromptDeck {
    /// Today's prompts: one daily, and the weekly one on the weekly day.
    pub today: Vec<PromptView>,
    /// The whole deck.
    pub all: Vec<PromptView>,
}
