//! Integration tests of the journal model: one test binary, one module per concern.

mod authorship;
mod boundaries;
mod lifecycle;
mod merge;
mod people;
mod props;
mod sync;
mod unicode;
mod validation;

use duet_journal::{Journal, Member};
use jiff::Timestamp;

/// An instant `secs` seconds after a fixed point in 2026, so every test is deterministic.
fn ts(secs: i64) -> Timestamp {
    Timestamp::from_second(1_780_000_000 + secs).expect("a valid timestamp")
}

const ALICE_DEV: &str = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";
const ALICE_DEV2: &str = "a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2";
const BOB_DEV: &str = "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1";

fn member(device_id: &str, person_id: &str, person_name: &str) -> Member {
    Member {
        device_id: device_id.to_owned(),
        device_name: format!("{person_name}'s device"),
        person_id: person_id.to_owned(),
        person_name: person_name.to_owned(),
        ..Member::default()
    }
}

fn alice() -> Member {
    member(ALICE_DEV, "person-alice", "Alice")
}

fn alice2() -> Member {
    member(ALICE_DEV2, "person-alice", "Alice")
}

fn bob() -> Member {
    member(BOB_DEV, "person-bob", "Bob")
}

/// A journal created by Alice's device.
fn solo() -> Journal {
    Journal::create(&alice(), ts(0)).expect("create")
}

/// A second replica of `j`, for another device, already registered as a member.
fn replica_of(j: &mut Journal, m: &Member, now: Timestamp) -> Journal {
    let bytes = j.save();
    let mut other = Journal::load(&bytes, &m.device_id).expect("load");
    other.upsert_member(m, now).expect("upsert member");
    other
}

/// Merges both ways, so both replicas hold every change of either.
fn sync(a: &mut Journal, b: &mut Journal) {
    a.doc_mut().merge(b.doc_mut()).expect("merge b into a");
    b.doc_mut().merge(a.doc_mut()).expect("merge a into b");
    assert_eq!(a.heads(), b.heads(), "replicas did not converge");
}

/// Alice's journal and a replica of it on Bob's device, in sync.
fn pair() -> (Journal, Journal) {
    let mut a = solo();
    let mut b = replica_of(&mut a, &bob(), ts(1));
    sync(&mut a, &mut b);
    (a, b)
}
