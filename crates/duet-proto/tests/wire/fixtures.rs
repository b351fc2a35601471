//! The building blocks of the examples: fixed ids, fixed instants, and fully populated views.
//! Each builder with a flag gives the `Some` case of the view's optional fields one way and
//! the `None` case the other.

use duet_proto::*;
use jiff::Timestamp;

/// The secrets of the examples, which must never show in `Debug` output.
pub const UNLOCK_PASSPHRASE: &str = "correct horse battery staple";
pub const BACKUP_PASSPHRASE: &str = "tr0ub4dor&3-backup";
pub const TICKET: &str = "duetticket1-s3cr3t-9f86d081884c7d659a2feaa0c55ad015";

pub const NOTE_ID: &str = "0190f1c2a3b47c5d8e9f0a1b2c3d4e5f";
pub const NOTE_ID_2: &str = "0190f1c2a3b47c5d8e9f0a1b2c3d4e60";
pub const CHECKIN_ID: &str = "0190f1c2a3b47c5d8e9f0a1b2c3d4e61";
pub const BOUNDARY_ID: &str = "0190f1c2a3b47c5d8e9f0a1b2c3d4e62";
pub const JOURNAL_ID: &str = "0190f1c0000070008000000000000001";
pub const DEVICE_A: &str = "0190f1c0000070008000000000000a0a";
pub const DEVICE_B: &str = "0190f1c0000070008000000000000b0b";
pub const PERSON_A: &str = "0190f1c000007000800000000000aaaa";
pub const PERSON_B: &str = "0190f1c000007000800000000000bbbb";
pub const ENDPOINT_A: &str = "ae58ff8833241ac82d6ff7611046ed67b5072d142c588d0063e942d9a75502b6";
pub const ENDPOINT_B: &str = "1e6a1f1c2b0d4c8e9a7b3d5f6e8c0a2b4d6f8e0c2a4b6d8f0e2c4a6b8d0f2e4a";
pub const RECIPIENT: &str = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";
pub const PHRASE: &str = "harbor-violet-seven-anchor";

/// A fixed instant, `secs` seconds after 2023-11-14T22:13:20Z.
pub fn ts(secs: i64) -> Timestamp {
    Timestamp::from_second(1_700_000_000 + secs).expect("in range")
}

pub fn s(v: &str) -> String {
    v.to_owned()
}

pub fn id(v: &str) -> EntryRef {
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

pub fn trash_item() -> TrashItemView {
    TrashItemView {
        id: s(NOTE_ID_2),
        kind: s("note"),
        title: s("Old list"),
        deleted_at: ts(120),
    }
}

pub fn prompt(weekly: bool) -> PromptView {
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

pub fn member(is_self: bool) -> MemberView {
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
        bytes_sent: if connected { 18_432 } else { 0 },
        bytes_received: if connected { 9_216 } else { 0 },
        added_at: connected.then(|| ts(-86_400)),
        added_by: connected.then(|| s("Ana")),
    }
}

pub fn invitation_view(open: bool) -> InvitationView {
    InvitationView {
        id: s("3f9a1c2b4d5e6f70"),
        invite_for: s(if open { "partner" } else { "same-person" }),
        created_at: ts(-600),
        expires_at: ts(0),
        attempts: if open { 0 } else { 6 },
        state: s(if open { "open" } else { "cancelled" }),
        detail: (!open).then(|| s("more than 5 pairing attempts")),
    }
}

pub fn counts() -> Counts {
    Counts {
        notes: 12,
        trash: 1,
        checkins: 30,
        boundaries: 3,
    }
}

pub fn status(locked: bool) -> StatusView {
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
        device_changes: if locked {
            Vec::new()
        } else {
            vec![DeviceChange {
                at: ts(-86_400),
                action: s("added"),
                device_name: s("ben-tablet"),
                person_name: s("Ben"),
                by: Some(s("Ana")),
            }]
        },
        shut_out: None,
    }
}

pub fn backup() -> BackupView {
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

pub fn restore() -> RestoreView {
    RestoreView {
        home: s("/home/ana/duet-restored"),
        journal_id: s(JOURNAL_ID),
        device_id: s(DEVICE_B),
        recipient: s(RECIPIENT),
        counts: counts(),
        passphrase: true,
        replaced: None,
    }
}

pub fn export() -> ExportView {
    ExportView {
        journal_id: s(JOURNAL_ID),
        exported_at: ts(1300),
        notes: vec![note(false)],
        trash: vec![note(true)],
        checkins: vec![checkin(true), checkin(false)],
        boundaries: vec![boundary(false), boundary(true)],
    }
}

pub fn key(with_endpoint: bool) -> KeyView {
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
        deliver: false,
    }
}

pub fn invitation() -> Invitation {
    Invitation {
        ticket: s(TICKET),
        expires_at: ts(86_400),
        id: s("3f9a1c2b4d5e6f70"),
        invite_for: s("partner"),
    }
}
