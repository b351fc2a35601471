//! One fully populated example of every request, response and view, with fixed ids and
//! timestamps so the golden file is stable. Option fields are `Some` in one example and
//! `None` in another wherever a type has them.

use duet_proto::*;
use jiff::Timestamp;

use crate::{Example, Wire, tag_of};

/// The secrets of the examples, which must never show in `Debug` output.
pub const UNLOCK_PASSPHRASE: &str = "correct horse battery staple";
pub const BACKUP_PASSPHRASE: &str = "tr0ub4dor&3-backup";
pub const TICKET: &str = "duetticket1-s3cr3t-9f86d081884c7d659a2feaa0c55ad015";

const NOTE_ID: &str = "0190f1c2a3b47c5d8e9f0a1b2c3d4e5f";
const NOTE_ID_2: &str = "0190f1c2a3b47c5d8e9f0a1b2c3d4e60";
const CHECKIN_ID: &str = "0190f1c2a3b47c5d8e9f0a1b2c3d4e61";
const BOUNDARY_ID: &str = "0190f1c2a3b47c5d8e9f0a1b2c3d4e62";
const JOURNAL_ID: &str = "0190f1c0000070008000000000000001";
const DEVICE_A: &str = "0190f1c0000070008000000000000a0a";
const DEVICE_B: &str = "0190f1c0000070008000000000000b0b";
const PERSON_A: &str = "0190f1c000007000800000000000aaaa";
const PERSON_B: &str = "0190f1c000007000800000000000bbbb";
const ENDPOINT_A: &str = "ae58ff8833241ac82d6ff7611046ed67b5072d142c588d0063e942d9a75502b6";
const ENDPOINT_B: &str = "1e6a1f1c2b0d4c8e9a7b3d5f6e8c0a2b4d6f8e0c2a4b6d8f0e2c4a6b8d0f2e4a";
const RECIPIENT: &str = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";
const PHRASE: &str = "harbor-violet-seven-anchor";

/// A fixed instant, `secs` seconds after 2023-11-14T22:13:20Z.
pub fn ts(secs: i64) -> Timestamp {
    Timestamp::from_second(1_700_000_000 + secs).expect("in range")
}

fn s(v: &str) -> String {
    v.to_owned()
}

fn id(v: &str) -> EntryRef {
    EntryRef { id: s(v) }
}

pub fn note(deleted: bool) -> NoteView {
    NoteView {
        id: s(if deleted { NOTE_ID_2 } else { NOTE_ID }),
        title: s("Trip to Lisbon"),
        body: s("Book the train.\n\tPack \"light\" — ünïcode ✓"),
        tags: vec![s("travel"), s("plans")],
        author: s("Ana"),
        author_id: s(DEVICE_A),
        created_at: ts(0),
        // A fractional second, to pin how sub-second instants are written.
        updated_at: Timestamp::new(1_700_000_060, 250_000_000).expect("in range"),
        deleted_at: deleted.then(|| ts(120)),
        conflicts: if deleted {
            Vec::new()
        } else {
            vec![FieldConflict {
                field: s("title"),
                other_values: vec![s("Lisbon trip"), s("Portugal")],
            }]
        },
    }
}

pub fn answer(known: bool) -> AnswerView {
    AnswerView {
        prompt_id: s(if known { "d03" } else { "x99" }),
        prompt: known.then(|| s("What made you smile today?")),
        text: s("The sunset on the walk home."),
    }
}

pub fn checkin(full: bool) -> CheckinView {
    CheckinView {
        id: s(CHECKIN_ID),
        author: s("Ben"),
        author_id: s(DEVICE_B),
        created_at: ts(300),
        mood: full.then_some(4),
        feelings: if full {
            vec![s("calm"), s("tired")]
        } else {
            Vec::new()
        },
        answers: if full {
            vec![answer(true), answer(false)]
        } else {
            Vec::new()
        },
        need: full.then(|| s("a quiet evening")),
    }
}

pub fn boundary(retired: bool) -> BoundaryView {
    let ack = AckView {
        by: s("Ben"),
        by_id: s(DEVICE_B),
        at: ts(700),
    };
    BoundaryView {
        id: s(BOUNDARY_ID),
        text: s("No phones at dinner, please."),
        author: s("Ana"),
        author_id: s(DEVICE_A),
        status: if retired {
            BoundaryStatus::Retired
        } else {
            BoundaryStatus::Active
        },
        created_at: ts(500),
        updated_at: ts(800),
        revision: 2,
        acknowledged: true,
        retired_at: retired.then(|| ts(900)),
        revisions: vec![
            BoundaryRevisionView {
                revision: 1,
                text: s("No phones at dinner."),
                at: ts(500),
                acks: Vec::new(),
            },
            BoundaryRevisionView {
                revision: 2,
                text: s("No phones at dinner, please."),
                at: ts(600),
                acks: vec![ack],
            },
        ],
    }
}

fn trash_item() -> TrashItemView {
    TrashItemView {
        id: s(NOTE_ID_2),
        kind: s("note"),
        title: s("Old list"),
        deleted_at: ts(120),
    }
}

fn prompt(weekly: bool) -> PromptView {
    if weekly {
        PromptView {
            id: s("w01"),
            kind: PromptKind::Weekly,
            text: s("How are we, really?"),
        }
    } else {
        PromptView {
            id: s("d03"),
            kind: PromptKind::Daily,
            text: s("What made you smile today?"),
        }
    }
}

fn member(is_self: bool) -> MemberView {
    MemberView {
        device_id: s(if is_self { DEVICE_A } else { DEVICE_B }),
        device_name: s(if is_self { "ana-laptop" } else { "ben-phone" }),
        person_id: s(if is_self { PERSON_A } else { PERSON_B }),
        person_name: s(if is_self { "Ana" } else { "Ben" }),
        is_self,
        endpoint_id: is_self.then(|| s(ENDPOINT_A)),
    }
}

pub fn peer(connected: bool) -> PeerView {
    PeerView {
        device_id: s(DEVICE_B),
        device_name: s("ben-phone"),
        person_name: s("Ben"),
        endpoint_id: s(ENDPOINT_B),
        connected,
        last_seen: connected.then(|| ts(1000)),
        last_synced: connected.then(|| ts(990)),
        in_sync: connected,
        last_error: (!connected).then(|| s("timed out after 5s")),
        phrase: s(PHRASE),
    }
}

fn counts() -> Counts {
    Counts {
        notes: 12,
        trash: 1,
        checkins: 30,
        boundaries: 3,
    }
}

fn status(locked: bool) -> StatusView {
    StatusView {
        pid: 4242,
        uptime_secs: 3600,
        started_at: ts(-3600),
        daemon_version: s("0.1.0"),
        home: s("/home/ana/.local/share/duet"),
        journal_id: s(JOURNAL_ID),
        locked,
        device_id: Some(s(DEVICE_A)),
        device_name: (!locked).then(|| s("ana-laptop")),
        person_name: (!locked).then(|| s("Ana")),
        counts: (!locked).then(counts),
        members: if locked {
            Vec::new()
        } else {
            vec![member(true), member(false)]
        },
        endpoint_id: (!locked).then(|| s(ENDPOINT_A)),
        network_error: locked.then(|| s("the journal is locked")),
        peers: if locked { Vec::new() } else { vec![peer(true)] },
        unsynced: !locked,
    }
}

fn backup() -> BackupView {
    BackupView {
        path: s("/home/ana/backups/duet-2023-11-14.age"),
        format: 1,
        journal_id: s(JOURNAL_ID),
        created_at: ts(1200),
        created_by_device: s(DEVICE_A),
        counts: counts(),
        size_bytes: 48_213,
        document_bytes: 40_960,
        encrypted_to: s("recipients"),
    }
}

fn restore() -> RestoreView {
    RestoreView {
        home: s("/home/ana/duet-restored"),
        journal_id: s(JOURNAL_ID),
        device_id: s(DEVICE_B),
        recipient: s(RECIPIENT),
        counts: counts(),
        passphrase: true,
    }
}

fn export() -> ExportView {
    ExportView {
        journal_id: s(JOURNAL_ID),
        exported_at: ts(1300),
        notes: vec![note(false)],
        trash: vec![note(true)],
        checkins: vec![checkin(true), checkin(false)],
        boundaries: vec![boundary(false), boundary(true)],
    }
}

fn key(with_endpoint: bool) -> KeyView {
    KeyView {
        device_id: s(DEVICE_A),
        recipient: s(RECIPIENT),
        passphrase_protected: with_endpoint,
        endpoint_id: with_endpoint.then(|| s(ENDPOINT_A)),
    }
}

pub fn backup_create(passphrase: bool) -> BackupCreate {
    BackupCreate {
        path: s("/home/ana/backups/duet.age"),
        recipients: if passphrase {
            Vec::new()
        } else {
            vec![s(RECIPIENT)]
        },
        passphrase: passphrase.then(|| s(BACKUP_PASSPHRASE)),
    }
}

pub fn invitation() -> Invitation {
    Invitation {
        ticket: s(TICKET),
        expires_at: ts(86_400),
    }
}

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
            }),
        ),
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
            }),
        ),
        (
            "",
            R::Checkins(Listing {
                items: vec![checkin(true), checkin(false)],
            }),
        ),
        ("", R::Boundary(boundary(false))),
        (
            "",
            R::Boundaries(Listing {
                items: vec![boundary(false), boundary(true)],
            }),
        ),
        (
            "",
            R::Trash(Listing {
                items: vec![trash_item()],
            }),
        ),
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
        (
            "",
            R::Peers(Listing {
                items: vec![peer(true), peer(false)],
            }),
        ),
        (
            "",
            R::Synced(SyncReport {
                synced: vec![peer(true)],
                unreachable: vec![peer(false)],
            }),
        ),
        ("", R::BackupCreated(backup())),
        ("", R::Export(export())),
        (
            "",
            R::Document(DocumentBytes {
                automerge_base64: s("hW9KgwAAAAA="),
            }),
        ),
        ("with_endpoint", R::Key(key(true))),
        ("no_endpoint", R::Key(key(false))),
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
