//! One fully populated example of every request, response and view, named for the golden
//! file. Option fields are `Some` in one example and `None` in another wherever a type has
//! them.

use duet_proto::*;

use crate::fixtures::*;
use crate::{Example, Wire, tag_of};

/// Every request, each with a case name (empty when there is only one example).
pub fn requests() -> Vec<(&'static str, Request)> {
    use Request as R;
    vec![
        (
            "",
            R::Hello(Hello {
                version: PROTOCOL_VERSION,
                client: s("duet 0.1.0"),
            }),
        ),
        ("", R::Status),
        (
            "",
            R::Unlock(Unlock {
                passphrase: s(UNLOCK_PASSPHRASE),
            }),
        ),
        ("", R::Shutdown),
        (
            "",
            R::NoteAdd(NoteAdd {
                title: s("Trip"),
                body: s("Line one\nline two"),
                tags: vec![s("travel")],
            }),
        ),
        ("all", R::NoteList(NoteList { tag: None })),
        (
            "tag",
            R::NoteList(NoteList {
                tag: Some(s("travel")),
            }),
        ),
        ("", R::NoteShow(id("0190f1"))),
        (
            "replace",
            R::NoteEdit(NoteEdit {
                id: s("0190f1"),
                title: Some(s("New title")),
                body: Some(BodyEdit::Replace(s("Whole new body"))),
                add_tags: vec![s("todo")],
                remove_tags: vec![s("travel")],
            }),
        ),
        (
            "append",
            R::NoteEdit(NoteEdit {
                id: s(NOTE_ID),
                title: None,
                body: Some(BodyEdit::Append(s("\nOne more line"))),
                add_tags: Vec::new(),
                remove_tags: Vec::new(),
            }),
        ),
        (
            "tags_only",
            R::NoteEdit(NoteEdit {
                id: s(NOTE_ID),
                title: None,
                body: None,
                add_tags: vec![s("done")],
                remove_tags: Vec::new(),
            }),
        ),
        ("", R::NoteRm(id(NOTE_ID))),
        ("", R::NoteRestore(id("0190f1c2"))),
        ("", R::Trash),
        (
            "full",
            R::CheckinAdd(CheckinAdd {
                mood: Some(4),
                feelings: vec![s("calm"), s("tired")],
                answers: vec![PromptAnswer {
                    prompt_id: s("d03"),
                    text: s("The sunset."),
                }],
                need: Some(s("a quiet evening")),
            }),
        ),
        ("empty", R::CheckinAdd(CheckinAdd::default())),
        ("all", R::CheckinList(CheckinList { since: None })),
        (
            "since",
            R::CheckinList(CheckinList {
                since: Some(ts(-86_400)),
            }),
        ),
        ("", R::Prompts),
        (
            "",
            R::BoundaryAdd(BoundaryAdd {
                text: s("No phones at dinner."),
            }),
        ),
        (
            "active",
            R::BoundaryList(BoundaryList {
                include_retired: false,
            }),
        ),
        (
            "all",
            R::BoundaryList(BoundaryList {
                include_retired: true,
            }),
        ),
        ("", R::BoundaryShow(id(BOUNDARY_ID))),
        (
            "",
            R::BoundaryRevise(BoundaryRevise {
                id: s("0190"),
                text: s("No phones at dinner, please."),
            }),
        ),
        ("", R::BoundaryRetire(id(BOUNDARY_ID))),
        ("", R::BoundaryAck(id(BOUNDARY_ID))),
        (
            "",
            R::Invite(Invite {
                expires_secs: 86_400,
                same_person: false,
                partner_device: true,
            }),
        ),
        ("", R::InviteList),
        ("", R::InviteCancel(id("3f9a"))),
        ("", R::Pair(Pair { ticket: s(TICKET) })),
        ("", R::Peers),
        ("", R::Unpair(id("ben-phone"))),
        (
            "",
            R::Sync(SyncNow {
                wait: true,
                timeout_ms: 30_000,
            }),
        ),
        ("recipients", R::BackupCreate(backup_create(false))),
        ("passphrase", R::BackupCreate(backup_create(true))),
        (
            "deliver",
            R::BackupCreate(BackupCreate {
                deliver: true,
                ..backup_create(false)
            }),
        ),
        ("", R::ExportEntries),
        ("", R::ExportDocument),
        ("", R::KeyShow),
        ("", R::Lock),
    ]
}

/// Every response, each with a case name (empty when there is only one example).
pub fn responses() -> Vec<(&'static str, Response)> {
    use Response as R;
    vec![
        (
            "",
            R::Hello(HelloReply {
                version: PROTOCOL_VERSION,
                daemon_version: s("0.1.0"),
                pid: 4242,
                locked: false,
                home: Some(s("/home/ana/.local/share/duet")),
            }),
        ),
        ("", R::Done),
        ("", R::Created(Created { id: s(NOTE_ID) })),
        ("unlocked", R::Status(status(false))),
        ("locked", R::Status(status(true))),
        ("", R::Note(note(false))),
        (
            "",
            R::Notes(Listing {
                items: vec![note(false), note(true)],
                short_ids: vec![s("0190a3f2c"), s("0190a3f2d")],
            }),
        ),
        (
            "",
            R::Checkins(Listing::new(vec![checkin(true), checkin(false)])),
        ),
        ("", R::Boundary(boundary(false))),
        (
            "",
            R::Boundaries(Listing::new(vec![boundary(false), boundary(true)])),
        ),
        ("", R::Trash(Listing::new(vec![trash_item()]))),
        (
            "",
            R::Prompts(PromptDeck {
                today: vec![prompt(false)],
                all: vec![prompt(false), prompt(true)],
            }),
        ),
        (
            "",
            R::Error(WireError::new(ErrorCode::NotFound, "no note matches 0190")),
        ),
        ("", R::Invitation(invitation())),
        (
            "",
            R::Paired(Paired {
                journal_id: s(JOURNAL_ID),
                person_name: s("Ana"),
                device_name: s("ana-laptop"),
                phrase: s(PHRASE),
            }),
        ),
        ("", R::Peers(Listing::new(vec![peer(true), peer(false)]))),
        (
            "",
            R::Synced(SyncReport {
                synced: vec![peer(true)],
                unreachable: vec![peer(false)],
            }),
        ),
        ("", R::BackupCreated(backup())),
        (
            "",
            R::BackupSealed(SealedBackup {
                backup: backup(),
                sealed_base64: s("YWdlLWVuY3J5cHRpb24ub3JnL3YxCg=="),
            }),
        ),
        ("", R::Export(export())),
        (
            "",
            R::Document(DocumentBytes {
                automerge_base64: s("hW9KgwAAAAA="),
            }),
        ),
        ("with_endpoint", R::Key(key(true))),
        ("no_endpoint", R::Key(key(false))),
        (
            "",
            R::Invitations(Listing::new(vec![
                invitation_view(true),
                invitation_view(false),
            ])),
        ),
    ]
}

fn named(kind: &str, name: &str, case: &str, value: impl Wire + 'static) -> Example {
    let name = if case.is_empty() {
        format!("{kind}.{name}")
    } else {
        format!("{kind}.{name}/{case}")
    };
    Example {
        name,
        value: Box::new(value),
    }
}

/// Every error code (the enum is `#[non_exhaustive]`, so this list is kept by hand).
pub const ERROR_CODES: [ErrorCode; 12] = [
    ErrorCode::NotFound,
    ErrorCode::Ambiguous,
    ErrorCode::InvalidInput,
    ErrorCode::NotAllowed,
    ErrorCode::Locked,
    ErrorCode::BadPassphrase,
    ErrorCode::VersionMismatch,
    ErrorCode::Storage,
    ErrorCode::ShuttingDown,
    ErrorCode::Network,
    ErrorCode::Ticket,
    ErrorCode::Internal,
];

/// Every example, in golden-file order.
pub fn all() -> Vec<Example> {
    let mut out = Vec::new();
    for (case, r) in requests() {
        out.push(named("request", &tag_of(&r), case, r));
    }
    for (case, r) in responses() {
        out.push(named("response", &tag_of(&r), case, r));
    }
    for code in ERROR_CODES {
        let name = serde_json::to_value(code).expect("serialises");
        out.push(named(
            "error_code",
            name.as_str().expect("a string"),
            "",
            code,
        ));
    }
    out.extend([
        named("view", "NoteView", "live", note(false)),
        named("view", "NoteView", "trashed", note(true)),
        named("view", "FieldConflict", "", note(false).conflicts.remove(0)),
        named("view", "AnswerView", "known", answer(true)),
        named("view", "AnswerView", "unknown", answer(false)),
        named("view", "CheckinView", "full", checkin(true)),
        named("view", "CheckinView", "minimal", checkin(false)),
        named("view", "BoundaryStatus", "active", BoundaryStatus::Active),
        named("view", "BoundaryStatus", "retired", BoundaryStatus::Retired),
        named(
            "view",
            "AckView",
            "",
            boundary(false).revisions[1].acks[0].clone(),
        ),
        named(
            "view",
            "BoundaryRevisionView",
            "",
            boundary(false).revisions.remove(1),
        ),
        named("view", "BoundaryView", "active", boundary(false)),
        named("view", "BoundaryView", "retired", boundary(true)),
        named("view", "TrashItemView", "", trash_item()),
        named("view", "PromptKind", "daily", PromptKind::Daily),
        named("view", "PromptKind", "weekly", PromptKind::Weekly),
        named("view", "PromptView", "daily", prompt(false)),
        named("view", "PromptView", "weekly", prompt(true)),
        named("view", "MemberView", "self", member(true)),
        named("view", "MemberView", "other", member(false)),
        named("view", "PeerView", "connected", peer(true)),
        named("view", "PeerView", "unreachable", peer(false)),
        named("view", "Counts", "", counts()),
        named("view", "StatusView", "unlocked", status(false)),
        named("view", "StatusView", "locked", status(true)),
        named("view", "BackupView", "", backup()),
        named("view", "RestoreView", "", restore()),
        named("view", "ExportView", "", export()),
        named("view", "KeyView", "with_endpoint", key(true)),
        named("view", "KeyView", "no_endpoint", key(false)),
    ]);
    out
}
