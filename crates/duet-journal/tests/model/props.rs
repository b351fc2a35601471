//! Property: however operations and merges interleave on 2-3 replicas, once every replica
//! has every change they all show exactly the same journal, and nothing added is lost.

use duet_journal::{EntryId, Journal, JournalError, Member};
use duet_proto::{BodyEdit, BoundaryStatus, CheckinAdd, MemberView};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

use crate::{alice, alice2, bob, replica_of, ts};

#[derive(Debug, Clone)]
enum Op {
    AddNote {
        r: usize,
        title: String,
        body: String,
    },
    Replace {
        r: usize,
        note: usize,
        body: String,
    },
    Append {
        r: usize,
        note: usize,
        text: String,
    },
    Title {
        r: usize,
        note: usize,
        title: String,
    },
    Tags {
        r: usize,
        note: usize,
        add: Vec<String>,
        remove: Vec<String>,
    },
    Trash {
        r: usize,
        note: usize,
    },
    Restore {
        r: usize,
        note: usize,
    },
    Checkin {
        r: usize,
        mood: u8,
    },
    AddBoundary {
        r: usize,
        text: String,
    },
    Revise {
        r: usize,
        boundary: usize,
        text: String,
    },
    Ack {
        r: usize,
        boundary: usize,
    },
    Retire {
        r: usize,
        boundary: usize,
    },
    Merge {
        into: usize,
        from: usize,
        both_ways: bool,
    },
}

/// Short texts from a small alphabet, so concurrent edits overlap and conflict often.
fn text() -> impl Strategy<Value = String> {
    let pieces = vec![
        "a",
        "b",
        "ab",
        " ",
        "\n",
        "é",
        "e\u{301}",
        "👍",
        "👍🏽",
        "👩‍❤️‍👨",
        "ש",
        "مر",
        "x",
    ];
    prop::collection::vec(prop::sample::select(pieces), 0..8).prop_map(|v| v.concat())
}

fn title() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["Alpha", "Beta", "Gamma", "שלום", "🎉 party"]).prop_map(String::from)
}

fn tags() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(
        prop::sample::select(vec!["x", "y", "z"]).prop_map(String::from),
        0..3,
    )
}

fn op() -> impl Strategy<Value = Op> {
    let r = 0..3_usize;
    let i = 0..8_usize;
    prop_oneof![
        3 => (r.clone(), title(), text()).prop_map(|(r, title, body)| Op::AddNote { r, title, body }),
        4 => (r.clone(), i.clone(), text()).prop_map(|(r, note, body)| Op::Replace { r, note, body }),
        2 => (r.clone(), i.clone(), text()).prop_map(|(r, note, text)| Op::Append { r, note, text }),
        2 => (r.clone(), i.clone(), title()).prop_map(|(r, note, title)| Op::Title { r, note, title }),
        1 => (r.clone(), i.clone(), tags(), tags())
            .prop_map(|(r, note, add, remove)| Op::Tags { r, note, add, remove }),
        1 => (r.clone(), i.clone()).prop_map(|(r, note)| Op::Trash { r, note }),
        1 => (r.clone(), i.clone()).prop_map(|(r, note)| Op::Restore { r, note }),
        1 => (r.clone(), 1..=5_u8).prop_map(|(r, mood)| Op::Checkin { r, mood }),
        2 => (r.clone(), title()).prop_map(|(r, text)| Op::AddBoundary { r, text }),
        1 => (r.clone(), i.clone(), title()).prop_map(|(r, boundary, text)| Op::Revise { r, boundary, text }),
        3 => (r.clone(), i.clone()).prop_map(|(r, boundary)| Op::Ack { r, boundary }),
        1 => (r.clone(), i).prop_map(|(r, boundary)| Op::Retire { r, boundary }),
        6 => (r.clone(), r, any::<bool>())
            .prop_map(|(into, from, both_ways)| Op::Merge { into, from, both_ways }),
    ]
}

/// Merges replica `from` into replica `into`.
fn merge(reps: &mut [Journal], into: usize, from: usize) {
    if into == from {
        return;
    }
    let (lo, hi) = reps.split_at_mut(into.max(from));
    let (a, b) = if into < from {
        (&mut lo[into], &mut hi[0])
    } else {
        (&mut hi[0], &mut lo[from])
    };
    a.doc_mut().merge(b.doc_mut()).expect("merge");
}

/// Runs automerge's sync protocol between two replicas until neither has more to say. The
/// per-peer states persist across sync points, like a long-lived session.
fn exchange(reps: &mut [Journal], x: usize, y: usize) {
    if x == y {
        return;
    }
    let (lo, hi) = reps.split_at_mut(x.max(y));
    let (a, b) = if x < y {
        (&mut lo[x], &mut hi[0])
    } else {
        (&mut hi[0], &mut lo[y])
    };
    let (a_key, b_key) = (format!("peer-{y}"), format!("peer-{x}"));
    for _ in 0..100 {
        let to_b = a.sync_generate(&a_key);
        if let Some(m) = &to_b {
            b.sync_receive(&b_key, m).expect("b receives");
        }
        let to_a = b.sync_generate(&b_key);
        if let Some(m) = &to_a {
            a.sync_receive(&a_key, m).expect("a receives");
        }
        if to_b.is_none() && to_a.is_none() {
            assert_eq!(
                a.heads(),
                b.heads(),
                "the sync protocol went quiet before converging"
            );
            return;
        }
    }
    panic!("the sync protocol did not settle in 100 rounds");
}

fn pick(ids: &[EntryId], i: usize) -> Option<EntryId> {
    (!ids.is_empty()).then(|| ids[i % ids.len()].clone())
}

/// What an operation on note `id` should return on replica `j`, given what `j` holds.
fn expect_note(j: &Journal, id: &EntryId, needs_trashed: Option<bool>) -> &'static str {
    match (j.note(id), needs_trashed) {
        (Err(_), _) => "not found",
        (Ok(_), None) => "ok",
        (Ok(n), Some(want)) if n.deleted_at.is_some() == want => "ok",
        (Ok(_), Some(_)) => "invalid",
    }
}

/// What revise/retire (`own: true`) or ack (`own: false`) should return on replica `j`.
fn expect_boundary(j: &Journal, id: &EntryId, person: &str, own: bool) -> &'static str {
    let Ok(b) = j.boundary(id) else {
        return "not found";
    };
    let author_person = j.member(&b.author_id).map(|m| m.person_id);
    let same = author_person.as_deref() == Some(person);
    if same != own {
        "not allowed"
    } else if b.status == BoundaryStatus::Retired {
        "invalid"
    } else {
        "ok"
    }
}

fn outcome(r: Result<(), JournalError>) -> Result<&'static str, String> {
    match r {
        Ok(()) => Ok("ok"),
        Err(JournalError::NotFound { .. }) => Ok("not found"),
        Err(JournalError::Invalid(_)) => Ok("invalid"),
        Err(JournalError::NotAllowed(_)) => Ok("not allowed"),
        Err(e) => Err(e.to_string()),
    }
}

fn members_of(j: &Journal) -> Vec<MemberView> {
    let mut m = j.members();
    for v in &mut m {
        v.is_self = false;
    }
    m
}

fn run(n: usize, ops: &[Op]) -> Result<(), TestCaseError> {
    let people: Vec<Member> = vec![alice(), bob(), alice2()];
    let mut first =
        Journal::create(&people[0], ts(0)).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let mut reps = vec![];
    for m in &people[1..n] {
        reps.push(replica_of(&mut first, m, ts(1)));
    }
    reps.insert(0, first);

    let (mut notes, mut bounds, mut checkins) = (Vec::new(), Vec::new(), 0_usize);
    for (step, op) in ops.iter().enumerate() {
        let now = ts(10 + step as i64);
        let (r, expected, got) = match op {
            Op::Merge {
                into,
                from,
                both_ways,
            } => {
                if *both_ways {
                    // A sync point over automerge's sync protocol, as the daemons run it.
                    exchange(&mut reps, into % n, from % n);
                } else {
                    merge(&mut reps, into % n, from % n);
                }
                continue;
            }
            Op::AddNote { r, title, body } => {
                let id = reps[r % n].add_note(title, body, &[], now);
                notes.push(id.map_err(|e| TestCaseError::fail(e.to_string()))?);
                continue;
            }
            Op::Checkin { r, mood } => {
                let c = CheckinAdd {
                    mood: Some(*mood),
                    ..CheckinAdd::default()
                };
                reps[r % n]
                    .add_checkin(&c, now)
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                checkins += 1;
                continue;
            }
            Op::AddBoundary { r, text } => {
                let id = reps[r % n].add_boundary(text, now);
                bounds.push(id.map_err(|e| TestCaseError::fail(e.to_string()))?);
                continue;
            }
            Op::Replace { r, note, body }
            | Op::Append {
                r,
                note,
                text: body,
            } => {
                let Some(id) = pick(&notes, *note) else {
                    continue;
                };
                let j = &mut reps[r % n];
                let edit = if matches!(op, Op::Replace { .. }) {
                    BodyEdit::Replace(body.clone())
                } else {
                    BodyEdit::Append(body.clone())
                };
                let want = expect_note(j, &id, None);
                (r, want, j.edit_note(&id, None, Some(&edit), &[], &[], now))
            }
            Op::Title { r, note, title } => {
                let Some(id) = pick(&notes, *note) else {
                    continue;
                };
                let j = &mut reps[r % n];
                let want = expect_note(j, &id, None);
                (r, want, j.edit_note(&id, Some(title), None, &[], &[], now))
            }
            Op::Tags {
                r,
                note,
                add,
                remove,
            } => {
                let Some(id) = pick(&notes, *note) else {
                    continue;
                };
                let j = &mut reps[r % n];
                let want = if add.is_empty() && remove.is_empty() {
                    "invalid"
                } else {
                    expect_note(j, &id, None)
                };
                (r, want, j.edit_note(&id, None, None, add, remove, now))
            }
            Op::Trash { r, note } | Op::Restore { r, note } => {
                let Some(id) = pick(&notes, *note) else {
                    continue;
                };
                let j = &mut reps[r % n];
                let trash = matches!(op, Op::Trash { .. });
                let want = expect_note(j, &id, Some(!trash));
                let got = if trash {
                    j.trash_note(&id, now)
                } else {
                    j.restore_note(&id, now)
                };
                (r, want, got)
            }
            Op::Revise { r, boundary, .. }
            | Op::Ack { r, boundary }
            | Op::Retire { r, boundary } => {
                let Some(id) = pick(&bounds, *boundary) else {
                    continue;
                };
                let person = people[r % n].person_id.clone();
                let j = &mut reps[r % n];
                let own = !matches!(op, Op::Ack { .. });
                let want = expect_boundary(j, &id, &person, own);
                let got = match op {
                    Op::Revise { text, .. } => j.revise_boundary(&id, text, now),
                    Op::Ack { .. } => j.ack_boundary(&id, now),
                    _ => j.retire_boundary(&id, now),
                };
                (r, want, got)
            }
        };
        let got = outcome(got).map_err(TestCaseError::fail)?;
        prop_assert_eq!(
            got,
            expected,
            "step {} on replica {}: {:?}",
            step,
            r % n,
            op
        );
    }

    // Full exchange: everything into replica 0, then replica 0 into every other.
    for i in 1..n {
        merge(&mut reps, 0, i);
    }
    for i in 1..n {
        merge(&mut reps, i, 0);
    }
    let (head, rest) = reps.split_at_mut(1);
    let a = &mut head[0];
    for b in rest.iter_mut() {
        prop_assert_eq!(a.heads(), b.heads());
        prop_assert_eq!(a.notes(None), b.notes(None));
        prop_assert_eq!(a.trash(), b.trash());
        prop_assert_eq!(a.checkins(None), b.checkins(None));
        prop_assert_eq!(a.boundaries(true), b.boundaries(true));
        prop_assert_eq!(a.counts(), b.counts());
        prop_assert_eq!(members_of(a), members_of(b));
        for id in &notes {
            prop_assert_eq!(a.note(id).ok(), b.note(id).ok());
        }
    }

    // Nothing added was lost, and the merged journal survives save/load unchanged.
    let counts = a.counts();
    prop_assert_eq!(counts.notes + counts.trash, notes.len());
    prop_assert_eq!(counts.checkins, checkins);
    prop_assert_eq!(counts.boundaries, bounds.len());
    prop_assert_eq!(a.members().len(), n);
    for id in &notes {
        prop_assert!(a.note(id).is_ok(), "note {} lost", id);
    }
    let loaded =
        Journal::load(&a.save(), a.device_id()).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(loaded.notes(None), a.notes(None));
    prop_assert_eq!(loaded.trash(), a.trash());
    prop_assert_eq!(loaded.boundaries(true), a.boundaries(true));
    Ok(())
}

proptest! {
    // Failures are kept in crates/duet-journal/proptest-regressions/ (cargo runs tests from
    // the package directory), replayed first on every later run.
    #![proptest_config(ProptestConfig {
        cases: 64,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/model-props.txt",
        ))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn replicas_converge(n in 2..=3_usize, ops in prop::collection::vec(op(), 1..60)) {
        run(n, &ops)?;
    }
}
