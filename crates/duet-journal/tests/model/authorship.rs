//! Authenticating changes by their device's signed head: a device writing as another is not
//! authenticated on any replica, a genuine change relayed through a third replica is.

use automerge::{AutoCommit, ObjId, ROOT, ReadDoc};
use duet_journal::authorship::{Authentication, SignedHead, actor_for_key};
use duet_journal::{EntryId, Journal};

use super::{bob, member, replica_of, solo, sync, ts};

const ALICE_KEY: [u8; 32] = [0xA1; 32];
const BOB_KEY: [u8; 32] = [0xB0; 32];

/// The device's latest change, as it would sign it.
fn signed_head(j: &mut Journal) -> SignedHead {
    let change = j
        .doc_mut()
        .get_last_local_change()
        .expect("a local change")
        .clone();
    SignedHead {
        actor: change.actor_id().clone(),
        seq: change.seq(),
        hash: change.hash(),
    }
}

fn note_obj(doc: &AutoCommit, id: &EntryId) -> ObjId {
    let (_, notes) = doc.get(ROOT, "notes").unwrap().unwrap();
    let (_, note) = doc.get(&notes, id.to_string()).unwrap().unwrap();
    note
}

#[test]
fn a_device_writing_as_another_is_not_authenticated_anywhere() {
    let mut alice = solo();
    alice.doc_mut().set_actor(actor_for_key(&ALICE_KEY));
    let from_alice = alice.add_note("from alice", "", &[], ts(1)).unwrap();
    let mut bob = replica_of(&mut alice, &bob(), ts(2));
    bob.doc_mut().set_actor(actor_for_key(&BOB_KEY));
    let from_bob = bob.add_note("from bob", "", &[], ts(3)).unwrap();
    sync(&mut alice, &mut bob);
    let alice_head = signed_head(&mut alice);
    let bob_head = signed_head(&mut bob);

    // A modified client on Bob's device writes a note under Alice's actor id.
    let mut forger = Journal::load(&bob.save(), "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1").unwrap();
    forger.doc_mut().set_actor(actor_for_key(&ALICE_KEY));
    let forged = forger
        .add_note("claims to be alice", "", &[], ts(4))
        .unwrap();

    // Carol's replica gets Alice's note only through Bob (a relay), and the forgery.
    let carol_member = member("c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1", "person-bob", "Bob");
    let mut carol = replica_of(&mut bob, &carol_member, ts(5));
    carol.doc_mut().merge(forger.doc_mut()).unwrap();

    for j in [&mut alice, &mut bob, &mut carol] {
        j.doc_mut().merge(forger.doc_mut()).unwrap();
        let doc = j.doc_mut();
        let heads = [alice_head.clone(), bob_head.clone()];
        let mut auth = Authentication::new(doc, heads);
        let (a, b, f) = (
            note_obj(doc, &from_alice),
            note_obj(doc, &from_bob),
            note_obj(doc, &forged),
        );
        assert!(auth.is_authentic(doc, &a), "alice's note, relayed or not");
        assert!(auth.is_authentic(doc, &b));
        assert!(!auth.is_authentic(doc, &f), "the forgery is not alice's");
        assert!(auth.is_authentic(doc, &ROOT));
    }

    // A head that lies about its change covers nothing.
    let doc = carol.doc_mut();
    let lie = SignedHead {
        seq: alice_head.seq + 1,
        ..alice_head.clone()
    };
    let mut auth = Authentication::new(doc, [lie]);
    assert_eq!(auth.signed_seq(&alice_head.actor), None);
    let a = note_obj(doc, &from_alice);
    assert!(!auth.is_authentic(doc, &a));
}

/// The limit written down in decision 008: once a forgery holds Alice's next sequence
/// number, Alice's genuine change with that number cannot join that replica.
#[test]
fn a_forged_sequence_number_blocks_the_genuine_change_where_it_arrived_first() {
    let mut alice = solo();
    alice.doc_mut().set_actor(actor_for_key(&ALICE_KEY));
    let mut bob = replica_of(&mut alice, &bob(), ts(1));
    sync(&mut alice, &mut bob);
    bob.doc_mut().set_actor(actor_for_key(&ALICE_KEY));
    bob.add_note("forged", "", &[], ts(2)).unwrap();
    alice.add_note("genuine", "", &[], ts(2)).unwrap();
    let err = bob.doc_mut().merge(alice.doc_mut());
    assert!(
        err.is_err(),
        "a duplicate (actor, seq) is refused by automerge"
    );
}
