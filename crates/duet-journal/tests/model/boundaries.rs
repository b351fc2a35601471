//! Check-ins, and boundaries with their revisions and acknowledgements across devices.

use duet_journal::{JournalError, prompts};
use duet_proto::{BoundaryStatus, CheckinAdd, PromptAnswer};

use crate::{ALICE_DEV, ALICE_DEV2, BOB_DEV, alice2, pair, replica_of, solo, sync, ts};

fn mood(m: u8) -> CheckinAdd {
    CheckinAdd {
        mood: Some(m),
        ..CheckinAdd::default()
    }
}

#[test]
fn checkins_record_everything_and_filter_by_time() {
    let mut j = solo();
    let full = CheckinAdd {
        mood: Some(4),
        feelings: vec!["  calm ".into(), "tired".into()],
        answers: vec![PromptAnswer {
            prompt_id: "d01".into(),
            text: "the sun".into(),
        }],
        need: Some("an early night".into()),
    };
    let first = j.add_checkin(&full, ts(10)).expect("first");
    let second = j.add_checkin(&mood(2), ts(20)).expect("second");
    let third = j
        .add_checkin(
            &CheckinAdd {
                need: Some("a hug".into()),
                ..CheckinAdd::default()
            },
            ts(30),
        )
        .expect("third");

    let all = j.checkins(None);
    let ids: Vec<&str> = all.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, [first.as_str(), second.as_str(), third.as_str()]);
    let c = &all[0];
    assert_eq!(c.mood, Some(4));
    assert_eq!(c.feelings, ["calm", "tired"], "feelings are trimmed");
    assert_eq!(c.answers.len(), 1);
    assert_eq!(c.answers[0].prompt_id, "d01");
    assert_eq!(c.answers[0].text, "the sun");
    let deck_text = prompts::DECK.iter().find(|p| p.id == "d01").map(|p| p.text);
    assert_eq!(c.answers[0].prompt.as_deref(), deck_text);
    assert_eq!(c.need.as_deref(), Some("an early night"));
    assert_eq!(c.author, "Alice");
    assert_eq!(c.author_id, ALICE_DEV);
    assert_eq!(c.created_at, ts(10));
    assert_eq!(all[2].mood, None);
    assert!(all[2].feelings.is_empty() && all[2].answers.is_empty());

    let since = |t| -> Vec<String> { j.checkins(t).into_iter().map(|c| c.id).collect() };
    assert_eq!(since(Some(ts(20))), [second.to_string(), third.to_string()]);
    assert_eq!(since(Some(ts(11))), [second.to_string(), third.to_string()]);
    assert_eq!(since(Some(ts(30))), [third.to_string()]);
    assert!(since(Some(ts(31))).is_empty());
    assert_eq!(since(Some(ts(0))).len(), 3);
    assert_eq!(j.counts().checkins, 3);
}

#[test]
fn boundary_add_revise_retire() {
    let mut j = solo();
    let id = j.add_boundary("no phones at dinner", ts(10)).expect("add");
    let b = j.boundary(&id).expect("show");
    assert_eq!(b.text, "no phones at dinner");
    assert_eq!(b.revision, 1);
    assert_eq!(b.revisions.len(), 1);
    assert_eq!(b.status, BoundaryStatus::Active);
    assert!(!b.acknowledged);
    assert_eq!(b.author, "Alice");
    assert_eq!((b.created_at, b.updated_at), (ts(10), ts(10)));
    assert_eq!(b.retired_at, None);

    j.revise_boundary(&id, "no phones at dinner, except on call", ts(20))
        .expect("revise");
    let b = j.boundary(&id).expect("show");
    assert_eq!(b.text, "no phones at dinner, except on call");
    assert_eq!(b.revision, 2);
    let texts: Vec<(u32, &str)> = b
        .revisions
        .iter()
        .map(|r| (r.revision, r.text.as_str()))
        .collect();
    assert_eq!(
        texts,
        [
            (1, "no phones at dinner"),
            (2, "no phones at dinner, except on call")
        ]
    );
    assert_eq!(b.revisions[1].at, ts(20));
    assert_eq!(b.updated_at, ts(20));
    assert_eq!(b.created_at, ts(10));

    let other = j.add_boundary("knock first", ts(25)).expect("add");
    j.retire_boundary(&id, ts(30)).expect("retire");
    let active: Vec<String> = j.boundaries(false).into_iter().map(|b| b.id).collect();
    assert_eq!(active, [other.to_string()]);
    let all = j.boundaries(true);
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].id, id.as_str());
    assert_eq!(all[0].status, BoundaryStatus::Retired);
    assert_eq!(all[0].retired_at, Some(ts(30)));
    assert_eq!(all[0].revisions.len(), 2, "history is kept");
    assert_eq!(j.counts().boundaries, 2);

    for r in [
        j.revise_boundary(&id, "again", ts(31)),
        j.retire_boundary(&id, ts(31)),
    ] {
        assert!(matches!(r, Err(JournalError::Invalid(_))), "{r:?}");
    }
}

#[test]
fn own_boundary_cannot_be_acknowledged_alone() {
    let mut j = solo();
    let id = j.add_boundary("knock first", ts(1)).expect("add");
    let heads = j.heads();
    match j.ack_boundary(&id, ts(2)) {
        Err(JournalError::NotAllowed(msg)) => assert!(msg.contains("pair"), "{msg}"),
        other => panic!("expected NotAllowed, got {other:?}"),
    }
    assert_eq!(j.heads(), heads);
    assert!(!j.boundary(&id).expect("show").acknowledged);
}

#[test]
fn partner_acknowledges_and_revision_resets() {
    let (mut a, mut b) = pair();
    let id = a
        .add_boundary("ask before inviting guests", ts(10))
        .expect("add");
    sync(&mut a, &mut b);
    assert!(!b.boundary(&id).expect("show on b").acknowledged);

    // Alice, now partnered, still cannot acknowledge her own boundary.
    match a.ack_boundary(&id, ts(11)) {
        Err(JournalError::NotAllowed(msg)) => assert!(msg.contains("own"), "{msg}"),
        other => panic!("expected NotAllowed, got {other:?}"),
    }
    // Bob cannot change Alice's boundary.
    for r in [
        b.revise_boundary(&id, "mine now", ts(12)),
        b.retire_boundary(&id, ts(12)),
    ] {
        assert!(matches!(r, Err(JournalError::NotAllowed(_))), "{r:?}");
    }

    b.ack_boundary(&id, ts(13)).expect("bob acks");
    b.ack_boundary(&id, ts(14))
        .expect("acking twice is harmless");
    sync(&mut a, &mut b);
    for j in [&a, &b] {
        let v = j.boundary(&id).expect("show");
        assert!(v.acknowledged);
        assert_eq!(v.revisions[0].acks.len(), 1);
        assert_eq!(v.revisions[0].acks[0].by_id, BOB_DEV);
        assert_eq!(v.revisions[0].acks[0].by, "Bob");
        assert_eq!(v.revisions[0].acks[0].at, ts(13));
        assert_eq!(v.updated_at, ts(13));
    }

    a.revise_boundary(&id, "ask a day before inviting guests", ts(20))
        .expect("revise");
    sync(&mut a, &mut b);
    for j in [&a, &b] {
        let v = j.boundary(&id).expect("show");
        assert!(
            !v.acknowledged,
            "a new revision needs a new acknowledgement"
        );
        assert_eq!(v.revision, 2);
        assert!(v.revisions[1].acks.is_empty());
        assert_eq!(v.revisions[0].acks.len(), 1, "the old ack stays in history");
    }

    b.ack_boundary(&id, ts(21)).expect("ack revision 2");
    sync(&mut a, &mut b);
    assert!(a.boundary(&id).expect("show").acknowledged);
    assert_eq!(a.boundary(&id).expect("show").revisions[1].acks.len(), 1);

    // Once retired, it cannot be acknowledged any more.
    a.retire_boundary(&id, ts(30)).expect("retire");
    sync(&mut a, &mut b);
    let r = b.ack_boundary(&id, ts(31));
    assert!(matches!(r, Err(JournalError::Invalid(_))), "{r:?}");
}

#[test]
fn partner_boundary_acknowledged_by_alice() {
    let (mut a, mut b) = pair();
    let id = b
        .add_boundary("quiet mornings", ts(10))
        .expect("bob's boundary");
    sync(&mut a, &mut b);
    assert!(matches!(
        b.ack_boundary(&id, ts(11)),
        Err(JournalError::NotAllowed(_))
    ));
    a.ack_boundary(&id, ts(12)).expect("alice acks");
    sync(&mut a, &mut b);
    let v = b.boundary(&id).expect("show");
    assert!(v.acknowledged);
    assert_eq!(v.author, "Bob");
    assert_eq!(v.revisions[0].acks[0].by, "Alice");
}

#[test]
fn second_device_of_the_same_person_cannot_ack_but_can_revise() {
    let (mut a, mut b) = pair();
    let id = a.add_boundary("call if late", ts(10)).expect("add");
    let mut a2 = replica_of(&mut a, &alice2(), ts(11));
    sync(&mut a, &mut a2);
    sync(&mut a2, &mut b);

    let heads = a2.heads();
    match a2.ack_boundary(&id, ts(12)) {
        Err(JournalError::NotAllowed(msg)) => assert!(msg.contains("own"), "{msg}"),
        other => panic!("expected NotAllowed, got {other:?}"),
    }
    assert_eq!(a2.heads(), heads);
    assert!(!a2.boundary(&id).expect("show").acknowledged);

    a2.revise_boundary(&id, "text if late", ts(13))
        .expect("same person, other device");
    sync(&mut a2, &mut a);
    let v = a.boundary(&id).expect("show");
    assert_eq!(v.text, "text if late");
    assert_eq!(v.revisions[1].text, "text if late");
    assert_eq!(v.author_id, ALICE_DEV);
    assert_eq!(a.members().len(), 3);
    assert!(a.members().iter().any(|m| m.device_id == ALICE_DEV2));
}

#[test]
fn concurrent_ack_and_revise_leaves_revision_unacknowledged() {
    let (mut a, mut b) = pair();
    let id = a.add_boundary("no surprises", ts(10)).expect("add");
    sync(&mut a, &mut b);
    a.revise_boundary(&id, "no big surprises", ts(20))
        .expect("revise");
    b.ack_boundary(&id, ts(21)).expect("ack of revision 1");
    sync(&mut a, &mut b);
    for j in [&a, &b] {
        let v = j.boundary(&id).expect("show");
        assert_eq!(v.revision, 2);
        assert!(!v.acknowledged, "the ack was for the old wording");
        assert_eq!(v.revisions[0].acks.len(), 1);
    }
    assert_eq!(a.boundary(&id).ok(), b.boundary(&id).ok());
}
