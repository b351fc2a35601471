//! Notes from creation to trash and back, and naming entries by id prefix.

use duet_journal::{EntryId, JournalError};
use duet_proto::{BodyEdit, Counts};

use crate::{ALICE_DEV, solo, ts};

fn tags(t: &[&str]) -> Vec<String> {
    t.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn add_list_and_show_notes() {
    let mut j = solo();
    let first = j
        .add_note(
            "Groceries",
            "milk\neggs",
            &tags(&["home", "todo", "home"]),
            ts(10),
        )
        .expect("add first");
    let second = j
        .add_note("Trip ideas", "", &tags(&["travel"]), ts(20))
        .expect("add second");
    assert_ne!(first, second);
    assert_eq!(first.as_str().len(), 32);

    let all = j.notes(None);
    let ids: Vec<&str> = all.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, [first.as_str(), second.as_str()], "oldest first");

    let n = j.note(&first).expect("show");
    assert_eq!(n.title, "Groceries");
    assert_eq!(n.body, "milk\neggs");
    assert_eq!(n.tags, ["home", "todo"], "duplicate tags are stored once");
    assert_eq!(n.author, "Alice");
    assert_eq!(n.author_id, ALICE_DEV);
    assert_eq!(n.created_at, ts(10));
    assert_eq!(n.updated_at, ts(10));
    assert_eq!(n.deleted_at, None);
    assert!(n.conflicts.is_empty());
    assert_eq!(j.note(&second).expect("show").body, "");

    let travel = j.notes(Some("travel"));
    assert_eq!(travel.len(), 1);
    assert_eq!(travel[0].id, second.as_str());
    assert!(j.notes(Some("nope")).is_empty());
    assert_eq!(
        j.counts(),
        Counts {
            notes: 2,
            trash: 0,
            checkins: 0,
            boundaries: 0
        }
    );
}

#[test]
fn edit_title_body_and_tags() {
    let mut j = solo();
    let id = j
        .add_note("Draft", "line one", &tags(&["a", "b", "c"]), ts(10))
        .expect("add");

    j.edit_note(&id, Some("Final"), None, &[], &[], ts(11))
        .expect("title");
    let n = j.note(&id).expect("show");
    assert_eq!(n.title, "Final");
    assert_eq!(n.body, "line one");
    assert_eq!(n.updated_at, ts(11));
    assert_eq!(n.created_at, ts(10));

    let replace = BodyEdit::Replace("line ONE, rewritten".into());
    j.edit_note(&id, None, Some(&replace), &[], &[], ts(12))
        .expect("replace");
    assert_eq!(j.note(&id).expect("show").body, "line ONE, rewritten");

    let append = BodyEdit::Append("\nline two".into());
    j.edit_note(&id, None, Some(&append), &[], &[], ts(13))
        .expect("append");
    assert_eq!(
        j.note(&id).expect("show").body,
        "line ONE, rewritten\nline two"
    );

    j.edit_note(&id, None, None, &tags(&["d", "a"]), &tags(&["b"]), ts(14))
        .expect("tags");
    let n = j.note(&id).expect("show");
    assert_eq!(
        n.tags,
        ["a", "c", "d"],
        "b removed, d appended, a not doubled"
    );
    assert_eq!(n.updated_at, ts(14));

    // Removing and re-adding in one edit moves the tag to the end.
    j.edit_note(&id, None, None, &tags(&["a"]), &tags(&["a", "zzz"]), ts(15))
        .expect("tags again");
    assert_eq!(j.note(&id).expect("show").tags, ["c", "d", "a"]);

    // An edit that changes nothing is refused and leaves the document alone.
    let heads = j.heads();
    let err = j.edit_note(&id, None, None, &[], &[], ts(16));
    assert!(matches!(err, Err(JournalError::Invalid(_))), "{err:?}");
    assert_eq!(j.heads(), heads);
    assert_eq!(j.note(&id).expect("show").updated_at, ts(15));
}

#[test]
fn trash_and_restore() {
    let mut j = solo();
    let keep = j.add_note("Keep", "k", &[], ts(1)).expect("add");
    let a = j.add_note("Old A", "body a", &[], ts(2)).expect("add");
    let b = j.add_note("Old B", "body b", &[], ts(3)).expect("add");

    j.trash_note(&a, ts(10)).expect("trash a");
    j.trash_note(&b, ts(20)).expect("trash b");
    let listed: Vec<String> = j.notes(None).into_iter().map(|n| n.id).collect();
    assert_eq!(listed, [keep.to_string()]);

    let trash = j.trash();
    assert_eq!(trash.len(), 2);
    assert_eq!(trash[0].id, b.as_str(), "most recently deleted first");
    assert_eq!(trash[0].title, "Old B");
    assert_eq!(trash[0].kind, "note");
    assert_eq!(trash[0].deleted_at, ts(20));
    assert_eq!(trash[1].id, a.as_str());
    assert_eq!(trash[1].deleted_at, ts(10));
    assert_eq!(j.counts().notes, 1);
    assert_eq!(j.counts().trash, 2);

    // A trashed note can still be shown and found by prefix.
    let shown = j.note(&a).expect("show trashed");
    assert_eq!(shown.deleted_at, Some(ts(10)));
    assert_eq!(shown.body, "body a");
    assert_eq!(j.resolve_note(a.as_str()).expect("resolve"), a);

    let again = j.trash_note(&a, ts(11));
    assert!(matches!(again, Err(JournalError::Invalid(_))), "{again:?}");
    let not_trashed = j.restore_note(&keep, ts(11));
    assert!(
        matches!(not_trashed, Err(JournalError::Invalid(_))),
        "{not_trashed:?}"
    );

    j.restore_note(&a, ts(30)).expect("restore");
    let back = j.note(&a).expect("show");
    assert_eq!(back.deleted_at, None);
    assert_eq!(back.updated_at, ts(30));
    assert_eq!(back.body, "body a");
    let listed: Vec<String> = j.notes(None).into_iter().map(|n| n.id).collect();
    assert_eq!(listed, [keep.to_string(), a.to_string()]);
    assert_eq!(j.trash().len(), 1);

    // Trash again after a restore works.
    j.trash_note(&a, ts(40)).expect("trash again");
    assert_eq!(j.trash()[0].id, a.as_str());
    assert_eq!(j.trash()[0].deleted_at, ts(40));
}

#[test]
fn operations_on_unknown_ids_are_not_found() {
    let mut j = solo();
    let ghost = EntryId::generate(ts(5));
    for err in [
        j.note(&ghost).map(|_| ()),
        j.trash_note(&ghost, ts(6)),
        j.restore_note(&ghost, ts(6)),
        j.edit_note(&ghost, Some("t"), None, &[], &[], ts(6)),
        j.boundary(&ghost).map(|_| ()),
        j.ack_boundary(&ghost, ts(6)),
    ] {
        assert!(matches!(err, Err(JournalError::NotFound { .. })), "{err:?}");
    }
}

/// The length of the common prefix of two ids.
fn common_len(a: &EntryId, b: &EntryId) -> usize {
    a.as_str()
        .bytes()
        .zip(b.as_str().bytes())
        .take_while(|(x, y)| x == y)
        .count()
}

#[test]
fn prefix_resolution() {
    let mut j = solo();
    // Same millisecond: the ids share at least their 12-digit timestamp prefix.
    let x = j.add_note("x", "", &[], ts(100)).expect("add");
    let y = j.add_note("y", "", &[], ts(100)).expect("add");
    let later = j.add_note("z", "", &[], ts(5_000_000)).expect("add");
    let common = common_len(&x, &y);
    assert!(common >= 12, "{x} {y}");

    // Just long enough to tell x from y is unique.
    let unique = &x.as_str()[..=common];
    assert_eq!(j.resolve_note(unique).expect("unique"), x);
    assert_eq!(j.resolve_note(&y.as_str()[..=common]).expect("unique"), y);
    assert_eq!(j.resolve_note(x.as_str()).expect("full id"), x);

    // The shared prefix is ambiguous, and says which ids match.
    let shared = &x.as_str()[..common];
    match j.resolve_note(shared) {
        Err(JournalError::Ambiguous {
            kind,
            prefix,
            count,
            candidates,
        }) => {
            assert_eq!(kind, "note");
            assert_eq!(prefix, shared);
            assert_eq!(count, 2);
            assert!(candidates.contains(&x.to_string()));
            assert!(candidates.contains(&y.to_string()));
        }
        other => panic!("expected Ambiguous, got {other:?}"),
    }
    // A prefix common to all three notes counts them all.
    let all = &x.as_str()[..common_len(&x, &later)];
    assert!(
        matches!(
            j.resolve_note(all),
            Err(JournalError::Ambiguous { count: 3, .. })
        ),
        "{:?}",
        j.resolve_note(all)
    );

    // Unknown hex is NotFound; anything else is BadId.
    let unknown = j.resolve_note("ffff");
    assert!(
        matches!(&unknown, Err(JournalError::NotFound { kind: "note", prefix }) if prefix == "ffff"),
        "{unknown:?}"
    );
    for bad in ["xyz", "", "   ", "01g", "-", &"a".repeat(33), "0x1"] {
        let r = j.resolve_note(bad);
        assert!(matches!(r, Err(JournalError::BadId(_))), "{bad:?}: {r:?}");
    }

    // A pasted hyphenated, uppercase UUID works, and so does a hyphenated prefix.
    let s = later.as_str().to_uppercase();
    let hyphenated = format!(
        "{}-{}-{}-{}-{}",
        &s[..8],
        &s[8..12],
        &s[12..16],
        &s[16..20],
        &s[20..]
    );
    assert_eq!(j.resolve_note(&hyphenated).expect("hyphenated"), later);
    assert_eq!(
        j.resolve_note(&format!("  {hyphenated}\n"))
            .expect("trimmed"),
        later
    );
    let z_unique = common_len(&later, &x) + 1;
    let upper_prefix = &s[..z_unique.max(10)];
    assert_eq!(
        j.resolve_note(&format!("{}-{}", &upper_prefix[..8], &upper_prefix[8..]))
            .expect("hyphenated prefix"),
        later
    );

    // Boundaries resolve in their own map.
    let bnd = j
        .add_boundary("no phones at dinner", ts(7))
        .expect("boundary");
    assert_eq!(
        j.resolve_boundary(&bnd.as_str()[..20]).expect("resolve"),
        bnd
    );
    let miss = j.resolve_boundary(&x.as_str()[..20]);
    assert!(
        matches!(
            miss,
            Err(JournalError::NotFound {
                kind: "boundary",
                ..
            })
        ),
        "{miss:?}"
    );
}
