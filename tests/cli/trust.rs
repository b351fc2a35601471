//! Who can join: the attacks that once worked, replayed against real daemons, and the rules
//! of a journal for exactly two people.

use serde_json::Value;

use crate::harness::Duet;

fn members(d: &Duet) -> Vec<String> {
    d.member_ids()
}

fn journal_id(d: &Duet) -> String {
    d.json(&["status"])["journal_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn person_names(d: &Duet) -> Vec<String> {
    d.status_members("person_name")
}

/// Replays the attack that let a stranger in: holding one old, used ticket, the stranger
/// set the journal id in a fresh home and got a partner to redeem the stranger's own
/// invitation. Now the ticket does not carry the id, and even a stranger who knows it is
/// refused, because a device that shares a journal only takes answers from its members.
#[test]
fn a_stranger_with_an_old_ticket_cannot_get_in() {
    let a = Duet::person("Alice", "laptop");
    let b = Duet::person("Bob", "phone");
    let old_ticket = a.ok(&["invite"]);
    b.ok(&["pair", old_ticket.trim()]);
    b.synced();
    let secret = a.note("only for bob", "the stranger must never read this");
    a.synced();
    let before_a = members(&a);
    let before_b = members(&b);
    assert_eq!(before_a, before_b);
    let journal = journal_id(&a);

    // The used ticket no longer names the journal.
    assert!(!old_ticket.contains(&journal));
    let now = jiff::Timestamp::now().as_second();
    let decoded = duet_sync::Ticket::decode(old_ticket.trim(), now).unwrap();
    let json = serde_json::to_string(&decoded).unwrap();
    assert!(!json.contains(&journal), "{json}");
    assert!(decoded.names_journal(&journal));

    // The strongest stranger knows the journal id anyway, and sets it in a fresh home.
    let s = Duet::person("Stranger", "evil");
    s.stop();
    let config = s.home.join("config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let own = journal_id_in(&text);
    std::fs::write(&config, text.replace(&own, &journal)).unwrap();
    s.start();
    let lure = s.ok(&["invite"]);

    // Either partner who redeems the stranger's invitation is refused before anything is
    // exchanged, and says why.
    for partner in [&b, &a] {
        let e = partner.fails(&["pair", lure.trim()], 1);
        assert!(
            e.stderr.contains("outside it") || e.stderr.contains("already shares a journal"),
            "{e:?}"
        );
    }
    // Re-redeeming the old ticket gets the stranger nothing either.
    let e = s.fails(&["pair", old_ticket.trim()], 1);
    assert!(!e.stderr.is_empty());

    assert_eq!(members(&a), before_a);
    assert_eq!(members(&b), before_b);
    assert_eq!(s.run(&["note", "show", &secret]).code, 1);
    a.synced();
    b.synced();
    assert_eq!(members(&a), before_a);
    assert_eq!(s.run(&["note", "show", &secret]).code, 1);
}

fn journal_id_in(config: &str) -> String {
    let line = config
        .lines()
        .find(|l| l.starts_with("journal_id"))
        .expect("journal_id in config.toml");
    line.split('"').nth(1).unwrap().to_owned()
}

#[test]
fn a_journal_is_for_two_people_each_with_any_number_of_devices() {
    let a = Duet::person("Alice", "laptop");
    let b = Duet::person("Bob", "phone");
    let c = Duet::person("Carol", "desk");
    // No partner yet: a partner-device invitation makes no sense.
    let e = a.fails(&["invite", "--partner-device"], 1);
    assert!(e.stderr.contains("no partner yet"), "{e:?}");
    a.pair(&b);
    b.synced();
    a.synced();

    // Once both are in, nobody can invite a third person, on either side.
    for d in [&a, &b] {
        let e = d.fails(&["invite"], 1);
        assert!(e.stderr.contains("two people"), "{e:?}");
    }
    assert_eq!(c.json(&["status"])["members"].as_array().unwrap().len(), 1);

    // Alice invites a new device of Bob's: it joins as Bob.
    let b2 = Duet::person("Bobby", "new-phone");
    let t = a.ok(&["invite", "--partner-device"]);
    b2.ok(&["pair", t.trim()]);
    b2.synced();
    a.synced();
    b.synced();
    assert_eq!(person_names(&b2), ["Alice", "Bob"]);
    assert_eq!(b2.json(&["status"])["person_name"], "Bob");
    // Bob's own boundary can be acknowledged by Alice, and Bob's new device counts as Bob.
    let own = b2.ok(&["boundary", "add", "quiet mornings"]);
    b2.synced();
    a.synced();
    let e = b.fails(&["boundary", "ack", own.trim()], 1);
    assert!(e.stderr.contains("your own"), "{e:?}");
    a.ok(&["boundary", "ack", own.trim()]);

    // Bob is told that Alice added a device of his, in status and peers.
    b.synced();
    let status = b.json(&["status"]);
    let changes = status["device_changes"].as_array().unwrap();
    assert!(
        changes.iter().any(|c| c["action"] == "added"
            && c["device_name"] == "new-phone"
            && c["by"] == "Alice"),
        "{status}"
    );
    let text = b.ok(&["status"]);
    assert!(
        text.contains("Alice added a device of Bob's: new-phone"),
        "{text}"
    );
    let peers = b.json(&["peers"]);
    let new_phone = peers
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["device_name"] == "new-phone")
        .unwrap();
    assert_eq!(new_phone["added_by"], "Alice");
    assert!(new_phone["added_at"].is_string());
    let all = members(&a);
    assert_eq!(all.len(), 3);
    assert_eq!(members(&b), all);
    assert_eq!(members(&b2), all);
}

/// Two devices of the first person each admit someone different while they cannot reach
/// each other. When everything meets, every device agrees on the one partner; the other
/// is shut out, told so, and reads nothing written after.
#[test]
fn the_partner_slot_race_resolves_the_same_way_everywhere() {
    let a1 = Duet::person("Alice", "laptop");
    let a2 = Duet::person("Alice", "phone");
    let t = a1.ok(&["invite", "--same-person"]);
    a2.ok(&["pair", t.trim()]);
    a2.synced();
    a1.synced();

    let b = Duet::person("Bob", "phone");
    let c = Duet::person("Carol", "desk");
    // Alice's phone is away while her laptop admits Bob.
    a2.stop();
    a1.pair(&b);
    b.synced();
    b.stop();
    a1.stop();
    // Alice's laptop and Bob are away while her phone admits Carol.
    a2.start();
    a2.pair(&c);
    c.synced();
    // Everyone meets.
    a1.start();
    b.start();
    for _ in 0..3 {
        for d in [&a1, &a2] {
            d.run(&["sync", "--wait", "--timeout", "10s"]);
        }
    }
    let winner_members = members(&a1);
    assert_eq!(members(&a2), winner_members, "Alice's devices agree");
    let names = person_names(&a1);
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"Alice".to_owned()));
    let (winner, loser) = if names.contains(&"Bob".to_owned()) {
        (&b, &c)
    } else {
        (&c, &b)
    };
    winner.run(&["sync", "--wait", "--timeout", "10s"]);
    assert_eq!(members(winner), winner_members, "the partner agrees");
    assert!(winner.json(&["status"])["shut_out"].is_null());

    // The loser is told, either by its own copy of the register or by the refusal.
    let told = (0..40).any(|_| {
        loser.run(&["sync", "--wait", "--timeout", "2s"]);
        let status = loser.json(&["status"]);
        let refused = loser.json(&["peers"]).as_array().unwrap().iter().any(|p| {
            p["last_error"]
                .as_str()
                .is_some_and(|e| e.contains("two people"))
        });
        !status["shut_out"].is_null() || refused
    });
    assert!(told, "the device that lost the slot is told why");

    // What Alice writes now reaches the partner, never the shut-out device.
    let after = a1.note("after the race", "for the partner only");
    a1.run(&["sync", "--wait", "--timeout", "10s"]);
    winner.run(&["sync", "--wait", "--timeout", "10s"]);
    assert_eq!(
        winner.json(&["note", "show", &after])["body"],
        "for the partner only"
    );
    loser.run(&["sync", "--wait", "--timeout", "3s"]);
    assert_eq!(loser.run(&["note", "show", &after]).code, 1);
}

#[test]
fn invitations_last_a_day_at_most_survive_restarts_and_can_be_cancelled() {
    let a = Duet::person("Alice", "laptop");
    let b = Duet::person("Bob", "phone");
    let e = a.fails(&["invite", "--expires", "25h"], 2);
    assert!(e.stderr.contains("24 hours"), "{e:?}");

    // An invitation made before a restart still works after it.
    let kept = a.json(&["invite", "--same-person"]);
    let cancelled = a.json(&["invite", "--same-person"]);
    a.stop();
    a.start();
    let list = a.json(&["invite", "--list"]);
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");
    for i in list.as_array().unwrap() {
        assert_eq!(i["state"], "open");
        assert!(i.get("ticket").is_none() && !i.to_string().contains("secret"));
    }
    let id = cancelled["id"].as_str().unwrap();
    a.ok(&["invite", "--cancel", &id[..8]]);
    let e = a.fails(&["invite", "--cancel", id], 1);
    assert!(e.stderr.contains("not open"), "{e:?}");
    let a2 = Duet::person("Alice", "tablet");
    let e = a2.fails(&["pair", cancelled["ticket"].as_str().unwrap()], 1);
    assert!(e.stderr.contains("cancelled"), "{e:?}");
    a2.ok(&["pair", kept["ticket"].as_str().unwrap()]);
    a2.synced();
    assert_eq!(a2.json(&["status"])["person_name"], "Alice");

    let list: Value = a.json(&["invite", "--list"]);
    let state = |id: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .unwrap()["state"]
            .clone()
    };
    assert_eq!(state(kept["id"].as_str().unwrap()), "used");
    assert_eq!(state(id), "cancelled");
    let text = a.ok(&["invite", "--list"]);
    assert!(text.contains("cancelled on this device"), "{text}");
    drop(b);
}

#[test]
fn an_invitation_takes_a_bounded_number_of_attempts() {
    let a = Duet::person("Alice", "laptop");
    let b = Duet::person("Bob", "phone");
    let inv = a.json(&["invite"]);
    let ticket = inv["ticket"].as_str().unwrap();
    let now = jiff::Timestamp::now().as_second();
    let mut forged = duet_sync::Ticket::decode(ticket, now).unwrap();
    forged.secret[0] ^= 1;
    let forged = forged.encode();
    for _ in 0..5 {
        let e = b.fails(&["pair", &forged], 1);
        assert!(e.stderr.contains("not valid"), "{e:?}");
    }
    // The genuine ticket comes too late: the invitation was cancelled.
    let e = b.fails(&["pair", ticket], 1);
    assert!(e.stderr.contains("cancelled"), "{e:?}");
    let list = a.json(&["invite", "--list"]);
    assert_eq!(list[0]["state"], "cancelled");
    assert_eq!(list[0]["attempts"], 6);
    assert_eq!(members(&a).len(), 1);
    assert_eq!(members(&b).len(), 1);
}

#[test]
fn the_verification_phrase_carries_fifty_bits_and_says_how_to_use_it() {
    let a = Duet::person("Alice", "laptop");
    let b = Duet::person("Bob", "phone");
    let ticket = a.ok(&["invite"]);
    let out = b.run(&["pair", ticket.trim()]);
    assert_eq!(out.code, 0, "{out:?}");
    let phrase = out.stdout.trim();
    assert_eq!(phrase.split(' ').count(), 5, "5 words of 11 bits: {phrase}");
    assert!(out.stderr.contains("channel you trust"), "{out:?}");
    b.synced();
    assert_eq!(a.json(&["peers"])[0]["phrase"], phrase);
}

/// A panic while applying a partner's message (here injected, in a debug build) ends that
/// session with an error naming the peer; the daemon keeps serving, nothing acknowledged is
/// lost, and once the cause is gone the devices converge.
#[test]
fn a_panic_applying_a_message_leaves_the_daemon_serving() {
    let a = Duet::person("Alice", "laptop");
    let b = Duet::person("Bob", "phone");
    a.pair(&b);
    b.synced();
    a.synced();
    b.stop();
    b.start_with_env("DUET_TEST_PANIC_ON_RECEIVE", "1");
    let from_alice = a.note("from alice", "arrives later");
    // Bob's daemon keeps answering and writing while every message from Alice panics.
    for i in 0..5 {
        a.run(&["sync", "--wait", "--timeout", "2s"]);
        let own = b.note(&format!("bob {i}"), "still writing");
        assert_eq!(b.json(&["note", "show", &own])["body"], "still writing");
    }
    assert_eq!(b.run(&["note", "show", &from_alice]).code, 1);
    let log = std::fs::read_to_string(b.home.join("duetd.log")).unwrap();
    assert!(log.contains("injected panic"), "the panic is logged");
    assert!(log.contains("sync session failed"), "{log}");
    let status = b.json(&["status"]);
    assert_eq!(status["locked"], false);
    // Without the fault, the devices converge with nothing lost.
    b.stop();
    b.start();
    b.synced();
    a.synced();
    assert_eq!(
        b.json(&["note", "show", &from_alice])["body"],
        "arrives later"
    );
    assert_eq!(
        a.json(&["note", "list"]).as_array().unwrap().len(),
        b.json(&["note", "list"]).as_array().unwrap().len()
    );
}

/// A partner whose duet is newer writes changes of a higher schema. This device does not
/// keep them (they would make its store unreadable to it), says why, keeps serving and
/// keeps opening its store.
#[test]
fn changes_from_a_newer_duet_are_parked_and_the_store_still_opens() {
    let a = Duet::person("Alice", "laptop");
    let b = Duet::person("Bob", "phone");
    a.pair(&b);
    b.synced();
    let before = a.note("before the upgrade", "shared");
    a.synced();
    // Alice's device becomes "newer": it writes schema 2 when it opens the journal.
    a.stop();
    a.start_with_env("DUET_TEST_WRITE_SCHEMA", "2");
    let newer = a.note("after the upgrade", "from a newer duet");
    let told = (0..30).any(|_| {
        b.run(&["sync", "--wait", "--timeout", "2s"]);
        b.json(&["peers"]).as_array().unwrap().iter().any(|p| {
            p["last_error"]
                .as_str()
                .is_some_and(|e| e.contains("newer"))
        })
    });
    assert!(
        told,
        "Bob is told Alice's duet is newer: {}",
        b.ok(&["peers"])
    );
    assert_eq!(b.run(&["note", "show", &newer]).code, 1);
    // Bob's journal keeps working and its store keeps opening.
    let own = b.note("bob still writes", "fine");
    b.stop();
    b.start();
    assert_eq!(b.json(&["note", "show", &own])["body"], "fine");
    assert_eq!(b.json(&["note", "show", &before])["body"], "shared");
    assert_eq!(b.json(&["status"])["locked"], false);
}
