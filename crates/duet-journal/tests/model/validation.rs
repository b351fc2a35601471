//! Refused input, refused documents, and that a refusal leaves the document untouched.

use automerge::{AutoCommit, ObjType, ROOT, ReadDoc, transaction::Transactable};
use duet_journal::{Journal, JournalError, schema};
use duet_proto::{CheckinAdd, PromptAnswer};

use crate::{alice, member, solo, ts};

fn assert_invalid<T: std::fmt::Debug>(what: &str, r: Result<T, JournalError>) {
    assert!(matches!(r, Err(JournalError::Invalid(_))), "{what}: {r:?}");
}

#[test]
fn note_input_is_validated() {
    let mut j = solo();
    let id = j.add_note("ok", "body", &[], ts(1)).expect("add");
    let heads = j.heads();
    let counts = j.counts();

    for title in [
        "",
        "   ",
        "\t",
        "two\nlines",
        "carriage\rreturn",
        "trailing\n",
    ] {
        assert_invalid(title, j.add_note(title, "b", &[], ts(2)));
        assert_invalid(title, j.edit_note(&id, Some(title), None, &[], &[], ts(2)));
    }
    let long = "x".repeat(501);
    assert_invalid("501 chars", j.add_note(&long, "", &[], ts(2)));
    for tag in ["", "two words", "tab\there"] {
        assert_invalid(tag, j.add_note("t", "", &[tag.to_owned()], ts(2)));
        assert_invalid(
            tag,
            j.edit_note(&id, None, None, &[tag.to_owned()], &[], ts(2)),
        );
    }
    assert_eq!(j.heads(), heads, "a refused operation changed the document");
    assert_eq!(j.counts(), counts);
    assert_eq!(j.note(&id).expect("show").title, "ok");

    // The limits themselves are accepted: 500 characters, multi-byte ones included.
    j.add_note(&"é".repeat(500), "", &[], ts(3))
        .expect("500 chars is fine");
}

#[test]
fn checkin_input_is_validated() {
    let mut j = solo();
    let heads = j.heads();
    for mood in [0, 6, 255] {
        let c = CheckinAdd {
            mood: Some(mood),
            ..CheckinAdd::default()
        };
        assert_invalid("mood", j.add_checkin(&c, ts(1)));
    }
    let unknown_prompt = CheckinAdd {
        answers: vec![PromptAnswer {
            prompt_id: "d99".into(),
            text: "an answer".into(),
        }],
        ..CheckinAdd::default()
    };
    assert_invalid("unknown prompt", j.add_checkin(&unknown_prompt, ts(1)));
    let blank_answer = CheckinAdd {
        answers: vec![PromptAnswer {
            prompt_id: "d01".into(),
            text: "  ".into(),
        }],
        ..CheckinAdd::default()
    };
    assert_invalid("blank answer", j.add_checkin(&blank_answer, ts(1)));
    assert_invalid("empty", j.add_checkin(&CheckinAdd::default(), ts(1)));
    let blank_feeling = CheckinAdd {
        mood: Some(3),
        feelings: vec![" ".into()],
        ..CheckinAdd::default()
    };
    assert_invalid("blank feeling", j.add_checkin(&blank_feeling, ts(1)));
    let blank_need = CheckinAdd {
        need: Some("\n".into()),
        ..CheckinAdd::default()
    };
    assert_invalid("blank need", j.add_checkin(&blank_need, ts(1)));
    assert_eq!(j.heads(), heads);
    assert!(j.checkins(None).is_empty());

    for mood in [1, 5] {
        let c = CheckinAdd {
            mood: Some(mood),
            ..CheckinAdd::default()
        };
        j.add_checkin(&c, ts(2))
            .expect("mood at the edge of the range");
    }
    let moods: Vec<Option<u8>> = j.checkins(None).iter().map(|c| c.mood).collect();
    assert_eq!(moods.len(), 2);
    assert!(moods.contains(&Some(1)) && moods.contains(&Some(5)));
}

#[test]
fn boundary_input_is_validated() {
    let mut j = solo();
    let id = j.add_boundary("ask before borrowing", ts(1)).expect("add");
    let heads = j.heads();
    for text in ["", "  ", "\n\t"] {
        assert_invalid(text, j.add_boundary(text, ts(2)));
        assert_invalid(text, j.revise_boundary(&id, text, ts(2)));
    }
    assert_eq!(j.heads(), heads);
    assert_eq!(j.boundaries(true).len(), 1);
    assert_eq!(j.boundary(&id).expect("show").revision, 1);
}

#[test]
fn members_are_validated_and_listed() {
    let mut j = solo();
    assert_invalid(
        "blank person",
        j.upsert_member(&member("c0", "p", " "), ts(1)),
    );
    assert_invalid(
        "blank device name",
        j.upsert_member(
            &duet_journal::Member {
                device_name: String::new(),
                ..alice()
            },
            ts(1),
        ),
    );
    assert_invalid(
        "create",
        Journal::create(&member("c0", "p", ""), ts(1)).map(|_| ()),
    );
    let me = j.me().expect("me");
    assert_eq!(me.added_by.as_deref(), Some(alice().device_id.as_str()));
    assert_eq!(
        Some(duet_journal::Member {
            added_at: None,
            added_by: None,
            ..me
        }),
        Some(alice())
    );
    let renamed = duet_journal::Member {
        person_name: "Alicia".into(),
        ..alice()
    };
    j.upsert_member(&renamed, ts(2)).expect("rename");
    let members = j.members();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0].person_name, "Alicia");
    assert!(members[0].is_self);
}

#[test]
fn foreign_documents_are_refused() {
    // Not automerge at all.
    let garbage = Journal::load(b"definitely not a journal", "d");
    assert!(
        matches!(garbage, Err(JournalError::Automerge(_))),
        "{:?}",
        garbage.err()
    );

    // automerge, but not a duet journal.
    let mut plain = AutoCommit::new();
    plain.put(ROOT, "hello", "world").expect("put");
    let r = Journal::load(&plain.save(), "d");
    assert!(matches!(r, Err(JournalError::Schema(_))), "{:?}", r.err());

    // A journal missing one of its maps.
    let mut partial = AutoCommit::new();
    partial.put(ROOT, schema::SCHEMA, 1_u64).expect("put");
    partial
        .put_object(ROOT, schema::NOTES, ObjType::Map)
        .expect("put");
    let r = Journal::load(&partial.save(), "d");
    assert!(matches!(r, Err(JournalError::Schema(_))), "{:?}", r.err());

    // From a newer duet.
    let mut j = solo();
    j.doc_mut()
        .put(ROOT, schema::SCHEMA, schema::SCHEMA_VERSION + 1)
        .expect("put");
    let r = Journal::load(&j.save(), "d");
    match r {
        Err(JournalError::Schema(msg)) => assert!(msg.contains("upgrade"), "{msg}"),
        other => panic!("expected Schema, got {:?}", other.err()),
    }
}

#[test]
fn saved_chunks_load_concatenated() {
    let mut j = solo();
    j.add_note("one", "1", &[], ts(1)).expect("add");
    let mut bytes = j.save();
    let heads = j.heads();
    j.add_note("two", "2", &[], ts(2)).expect("add");
    j.add_boundary("b", ts(3)).expect("add");
    let chunk = j.save_after(&heads);
    assert!(!chunk.is_empty());
    bytes.extend_from_slice(&chunk);
    let mut loaded = Journal::load(&bytes, "c0").expect("load");
    assert_eq!(loaded.heads(), j.heads());
    assert_eq!(loaded.notes(None), j.notes(None));
    assert_eq!(loaded.boundaries(true), j.boundaries(true));
    assert_eq!(loaded.device_id(), "c0");
    assert_eq!(loaded.me(), None, "the loading device is not a member yet");
    // Entries written by Alice keep her name on the other device.
    assert_eq!(loaded.notes(None)[0].author, "Alice");
}

/// Another implementation (or a corrupted peer) may write an author that is not one of
/// ours; reading the entry must not panic.
#[test]
fn unknown_non_ascii_author_does_not_panic() {
    let mut j = solo();
    let id = j.add_note("t", "b", &[], ts(1)).expect("add");
    let notes = j
        .doc_mut()
        .get(ROOT, schema::NOTES)
        .expect("get")
        .expect("notes map")
        .1;
    let note = j
        .doc_mut()
        .get(&notes, id.as_str())
        .expect("get")
        .expect("note")
        .1;
    j.doc_mut().put(&note, "author", "aéééé").expect("put");
    let n = j.note(&id).expect("show");
    assert_eq!(n.author_id, "aéééé");
    assert!(n.author.starts_with("unknown device"), "{}", n.author);
    assert_eq!(j.notes(None).len(), 1);
}

/// A chunk missing from the middle of the log must be reported, not silently skipped along
/// with every change that depends on it.
#[test]
fn a_gap_in_the_chunk_log_is_refused() {
    let mut j = solo();
    let mut log = vec![j.save()];
    let mut heads = j.heads();
    for i in 0..3 {
        j.add_note(&format!("n{i}"), "", &[], ts(10 + i))
            .expect("add");
        log.push(j.save_after(&heads));
        heads = j.heads();
    }
    let whole: Vec<u8> = log.concat();
    assert_eq!(
        Journal::load(&whole, "x").expect("load").notes(None).len(),
        3
    );
    let gapped: Vec<u8> = [log[0].clone(), log[2].clone(), log[3].clone()].concat();
    match Journal::load(&gapped, "x") {
        Err(duet_journal::JournalError::Schema(m)) => assert!(m.contains("missing"), "{m}"),
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("a log with a gap loaded"),
    }
    // Losing only the newest chunk is indistinguishable from an older save: it loads.
    let truncated: Vec<u8> = log[..3].concat();
    assert_eq!(
        Journal::load(&truncated, "x")
            .expect("load")
            .notes(None)
            .len(),
        2
    );
}
