//! The people register: two people, each with any number of devices, decided the same way
//! on every replica.

use duet_journal::{Admission, Journal};

use super::{alice2, bob, member, replica_of, solo, sync, ts};

fn carol() -> duet_journal::Member {
    member("c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1", "person-carol", "Carol")
}

fn people_names(j: &Journal) -> Vec<String> {
    let mut p: Vec<String> = j.members().into_iter().map(|m| m.person_name).collect();
    p.sort();
    p.dedup();
    p
}

#[test]
fn a_partner_fills_the_journal_and_a_third_person_is_refused() {
    let mut a = solo();
    assert!(a.check_admission(Admission::PartnerDevice).is_err());
    assert!(a.check_admission(Admission::Partner).is_ok());
    a.admit(&bob(), Admission::Partner, ts(1)).expect("bob");
    assert_eq!(a.people().admitted, ["person-alice", "person-bob"]);
    let e = a.check_admission(Admission::Partner).unwrap_err();
    assert!(e.to_string().contains("two people"), "{e}");
    assert!(a.admit(&carol(), Admission::Partner, ts(2)).is_err());
    // Another device of Alice's, and a new device of Bob's, are fine.
    a.admit(&alice2(), Admission::SamePerson, ts(3))
        .expect("alice2");
    let partner = a
        .check_admission(Admission::PartnerDevice)
        .expect("partner device")
        .expect("bob's person");
    assert_eq!(partner.person_id, "person-bob");
    let bob2 = member("b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2", "person-bob", "Bob");
    a.admit(&bob2, Admission::PartnerDevice, ts(4))
        .expect("bob2");
    // A device that does not take the person the invitation is for is refused.
    let wrong = member("b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3", "person-carol", "Carol");
    assert!(a.admit(&wrong, Admission::PartnerDevice, ts(5)).is_err());
    assert_eq!(a.members().len(), 4);
}

#[test]
fn a_third_persons_record_arriving_by_sync_is_not_a_member() {
    let mut a = solo();
    a.admit(&bob(), Admission::Partner, ts(1)).expect("bob");
    let mut b = replica_of(&mut a, &bob(), ts(2));
    // A modified client writes Carol's record directly, bypassing the register.
    b.upsert_member(&carol(), ts(3)).expect("raw upsert");
    sync(&mut a, &mut b);
    for j in [&a, &b] {
        assert_eq!(people_names(j), ["Alice", "Bob"]);
        let c = j.member(&carol().device_id).expect("the record is there");
        assert!(!j.is_admitted(&c));
    }
}

#[test]
fn two_devices_admitting_different_partners_resolve_identically() {
    let mut a1 = solo();
    let mut a2 = replica_of(&mut a1, &alice2(), ts(1));
    sync(&mut a1, &mut a2);
    // Apart, each of Alice's devices admits someone else.
    a1.admit(&bob(), Admission::Partner, ts(2)).expect("bob");
    a2.admit(&carol(), Admission::Partner, ts(2))
        .expect("carol");
    let mut b = replica_of(&mut a1, &bob(), ts(3));
    let mut c = replica_of(&mut a2, &carol(), ts(3));
    sync(&mut a1, &mut a2);
    sync(&mut a1, &mut b);
    sync(&mut a2, &mut c);
    let winner = a1.people();
    assert_eq!(winner.admitted.len(), 2);
    assert_eq!(winner.shut_out.len(), 1);
    for j in [&a2, &b, &c] {
        assert_eq!(j.people(), winner);
    }
    let loser_is_bob = winner.shut_out[0] == "person-bob";
    assert_eq!(b.shut_out(), loser_is_bob);
    assert_eq!(c.shut_out(), !loser_is_bob);
    assert!(!a1.shut_out() && !a2.shut_out());
    // Slots are never freed: nobody can be admitted as a partner any more.
    assert!(a1.check_admission(Admission::Partner).is_err());
}

#[test]
fn a_sync_message_that_raises_the_schema_is_refused_by_name() {
    use duet_journal::JournalError;
    let mut a = solo();
    let mut b = replica_of(&mut a, &bob(), ts(1));
    sync(&mut a, &mut b);
    b.write_schema_version(2, ts(2)).expect("newer write");
    let mut refused = false;
    for _ in 0..10 {
        if let Some(m) = b.sync_generate("a") {
            match a.sync_receive("b", &m) {
                Err(JournalError::NewerSchema {
                    found: 2,
                    supported: 1,
                }) => {
                    refused = true;
                    break;
                }
                Err(e) => panic!("{e}"),
                Ok(()) => {}
            }
        }
        if let Some(m) = a.sync_generate("b") {
            b.sync_receive("a", &m).expect("b receives");
        }
    }
    assert!(refused, "the newer change is named as such");
}
