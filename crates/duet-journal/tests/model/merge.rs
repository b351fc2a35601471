//! What happens when two devices change the journal at the same time.

use duet_journal::Journal;
use duet_proto::{BodyEdit, FieldConflict};

use crate::{alice, bob, pair, sync, ts};

fn replace(s: &str) -> BodyEdit {
    BodyEdit::Replace(s.to_owned())
}

#[test]
fn concurrent_body_edits_at_different_places_both_survive() {
    let (mut a, mut b) = pair();
    let id = a
        .add_note(
            "n",
            "The quick brown fox jumps over the lazy dog.",
            &[],
            ts(10),
        )
        .expect("add");
    sync(&mut a, &mut b);
    a.edit_note(
        &id,
        None,
        Some(&replace(
            "The very quick brown fox jumps over the lazy dog.",
        )),
        &[],
        &[],
        ts(11),
    )
    .expect("edit a");
    b.edit_note(
        &id,
        None,
        Some(&replace(
            "The quick brown fox jumps over the lazy, sleepy dog.",
        )),
        &[],
        &[],
        ts(12),
    )
    .expect("edit b");
    sync(&mut a, &mut b);
    let want = "The very quick brown fox jumps over the lazy, sleepy dog.";
    assert_eq!(a.note(&id).expect("a").body, want);
    assert_eq!(b.note(&id).expect("b").body, want);
    assert_eq!(a.note(&id).ok(), b.note(&id).ok());
}

#[test]
fn concurrent_edits_at_the_same_place_keep_both_insertions() {
    let (mut a, mut b) = pair();
    let id = a.add_note("n", "hello world", &[], ts(10)).expect("add");
    sync(&mut a, &mut b);
    a.edit_note(
        &id,
        None,
        Some(&replace("hello big world")),
        &[],
        &[],
        ts(11),
    )
    .expect("a");
    b.edit_note(
        &id,
        None,
        Some(&replace("hello small world")),
        &[],
        &[],
        ts(12),
    )
    .expect("b");
    sync(&mut a, &mut b);
    let body = a.note(&id).expect("a").body;
    assert_eq!(body, b.note(&id).expect("b").body);
    assert!(body.contains("big "), "{body:?}");
    assert!(body.contains("small "), "{body:?}");
    assert!(
        body.starts_with("hello ") && body.ends_with("world"),
        "{body:?}"
    );
    assert_eq!(body.len(), "hello big small world".len(), "{body:?}");

    // Two appends at the end: both kept, each in one piece.
    a.edit_note(
        &id,
        None,
        Some(&BodyEdit::Append(" [from a]".into())),
        &[],
        &[],
        ts(13),
    )
    .expect("a");
    b.edit_note(
        &id,
        None,
        Some(&BodyEdit::Append(" [from b]".into())),
        &[],
        &[],
        ts(14),
    )
    .expect("b");
    sync(&mut a, &mut b);
    let body = a.note(&id).expect("a").body;
    assert_eq!(body, b.note(&id).expect("b").body);
    assert!(
        body.contains(" [from a]") && body.contains(" [from b]"),
        "{body:?}"
    );
}

#[test]
fn concurrent_title_changes_pick_one_winner_and_show_the_other() {
    let (mut a, mut b) = pair();
    let id = a.add_note("Original", "", &[], ts(10)).expect("add");
    sync(&mut a, &mut b);
    a.edit_note(&id, Some("Alpha"), None, &[], &[], ts(11))
        .expect("a");
    b.edit_note(&id, Some("Beta"), None, &[], &[], ts(12))
        .expect("b");
    sync(&mut a, &mut b);
    let (na, nb) = (a.note(&id).expect("a"), b.note(&id).expect("b"));
    assert_eq!(na, nb);
    assert_eq!(na.title, b.notes(None)[0].title);
    let loser = match na.title.as_str() {
        "Alpha" => "Beta",
        "Beta" => "Alpha",
        other => panic!("unexpected title {other:?}"),
    };
    assert_eq!(
        na.conflicts,
        [FieldConflict {
            field: "title".into(),
            other_values: vec![loser.into()],
        }]
    );

    // A later title change settles the conflict everywhere.
    b.edit_note(&id, Some("Gamma"), None, &[], &[], ts(13))
        .expect("settle");
    sync(&mut a, &mut b);
    let na = a.note(&id).expect("a");
    assert_eq!(na.title, "Gamma");
    assert!(na.conflicts.is_empty());
    assert_eq!(Some(na), b.note(&id).ok());
}

#[test]
fn trash_on_one_side_and_edit_on_the_other() {
    let (mut a, mut b) = pair();
    let id = a
        .add_note("n", "first line", &["x".into()], ts(10))
        .expect("add");
    sync(&mut a, &mut b);
    a.trash_note(&id, ts(11)).expect("trash on a");
    b.edit_note(
        &id,
        Some("renamed"),
        Some(&BodyEdit::Append("\nsecond line".into())),
        &["y".into()],
        &[],
        ts(12),
    )
    .expect("edit on b");
    sync(&mut a, &mut b);
    for j in [&a, &b] {
        assert!(j.notes(None).is_empty(), "the trash wins");
        let trash = j.trash();
        assert_eq!(trash.len(), 1);
        assert_eq!(trash[0].id, id.as_str());
        assert_eq!(trash[0].title, "renamed");
        assert_eq!(trash[0].deleted_at, ts(11));
    }
    b.restore_note(&id, ts(13)).expect("restore on b");
    sync(&mut a, &mut b);
    for j in [&a, &b] {
        let notes = j.notes(None);
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].body, "first line\nsecond line");
        assert_eq!(notes[0].title, "renamed");
        assert_eq!(notes[0].tags, ["x", "y"]);
        assert!(j.trash().is_empty());
    }
}

#[test]
fn concurrent_trash_and_tags_converge() {
    let (mut a, mut b) = pair();
    let id = a.add_note("n", "", &["x".into()], ts(10)).expect("add");
    sync(&mut a, &mut b);
    a.trash_note(&id, ts(11)).expect("a");
    b.trash_note(&id, ts(12)).expect("b");
    sync(&mut a, &mut b);
    assert_eq!(a.trash(), b.trash());
    assert_eq!(a.trash().len(), 1);
    a.restore_note(&id, ts(13))
        .expect("restore once restores for both");
    sync(&mut a, &mut b);
    assert_eq!(b.notes(None).len(), 1);

    // Both add the same tag and one removes another: no duplicates, same on both sides.
    a.edit_note(&id, None, None, &["t".into()], &["x".into()], ts(14))
        .expect("a");
    b.edit_note(&id, None, None, &["t".into()], &[], ts(15))
        .expect("b");
    sync(&mut a, &mut b);
    assert_eq!(a.note(&id).expect("a").tags, ["t"]);
    assert_eq!(a.note(&id).ok(), b.note(&id).ok());
}

#[test]
fn independently_created_journals_merge_without_loss() {
    let mut a = Journal::create(&alice(), ts(0)).expect("a");
    let mut b = Journal::create(&bob(), ts(0)).expect("b");
    let na = a.add_note("from a", "aaa", &[], ts(10)).expect("a note");
    let nb = b.add_note("from b", "bbb", &[], ts(20)).expect("b note");
    let ca = a
        .add_checkin(
            &duet_proto::CheckinAdd {
                mood: Some(3),
                ..Default::default()
            },
            ts(11),
        )
        .expect("a checkin");
    let bb = b.add_boundary("b's boundary", ts(21)).expect("b boundary");
    sync(&mut a, &mut b);
    for j in [&a, &b] {
        let notes: Vec<(String, String)> =
            j.notes(None).into_iter().map(|n| (n.id, n.body)).collect();
        assert_eq!(
            notes,
            [
                (na.to_string(), "aaa".to_owned()),
                (nb.to_string(), "bbb".to_owned())
            ]
        );
        assert_eq!(j.checkins(None).len(), 1);
        assert_eq!(j.checkins(None)[0].id, ca.as_str());
        assert_eq!(j.boundaries(true).len(), 1);
        assert_eq!(j.boundaries(true)[0].id, bb.as_str());
        assert_eq!(j.members().len(), 2);
        assert_eq!(j.notes(None)[1].author, "Bob");
    }
    // And each keeps working on the merged document.
    let again = a
        .add_note("after", "", &[], ts(30))
        .expect("add after merge");
    sync(&mut a, &mut b);
    assert_eq!(b.note(&again).expect("b sees it").title, "after");
    assert_eq!(b.counts().notes, 3);
}
