//! Two and three real daemons on loopback (relays off), paired and replicating through the
//! real CLI.

use serde_json::Value;

use crate::harness::Duet;

fn notes(d: &Duet) -> Value {
    d.json(&["note", "list"])
}

fn body(d: &Duet, id: &str) -> String {
    d.json(&["note", "show", id])["body"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn members(d: &Duet) -> Vec<String> {
    let mut m: Vec<String> = d.json(&["status"])["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["device_id"].as_str().unwrap().to_owned())
        .collect();
    m.sort();
    m
}

#[test]
fn offline_writes_and_concurrent_edits_merge() {
    let a = Duet::person("Alice", "laptop");
    let b = Duet::person("Bob", "phone");
    let n = a.note("Plans", "one two three");
    let m = a.note("Same spot", "[]");
    let b_own = b.note("Bob had this before pairing", "kept");
    let phrase = a.pair(&b);
    assert_eq!(phrase.split(' ').count(), 5);
    b.synced();
    a.synced();
    // The joiner's own entry was merged in, not dropped.
    assert_eq!(a.json(&["note", "show", &b_own])["body"], "kept");
    // Both sides show the same verification phrase.
    assert_eq!(a.json(&["peers"])[0]["phrase"], phrase.as_str());

    // Bob offline; Alice edits the start of one note and inside the brackets of another.
    b.stop();
    a.ok(&["note", "edit", &n, "--body", "zero one two three"]);
    a.ok(&["note", "edit", &m, "--body", "[alice]"]);
    let na = a.note("Alice offline", "a");
    // Alice offline; Bob edits the end of the first note and the same spot of the second.
    a.stop();
    b.start();
    b.ok(&["note", "edit", &n, "--body", "one two three four"]);
    b.ok(&["note", "edit", &m, "--body", "[bob]"]);
    let nb = b.note("Bob offline", "b");
    a.start();
    a.synced();
    b.synced();

    assert_eq!(notes(&a), notes(&b));
    assert_eq!(body(&a, &n), "zero one two three four");
    let same_spot = body(&a, &m);
    assert!(
        same_spot.contains("alice") && same_spot.contains("bob"),
        "{same_spot}"
    );
    assert!(
        same_spot.starts_with('[') && same_spot.ends_with(']'),
        "{same_spot}"
    );
    assert_eq!(a.json(&["note", "show", &nb])["body"], "b");
    assert_eq!(b.json(&["note", "show", &na])["body"], "a");

    // Restart both: still identical, still in sync.
    a.stop();
    b.stop();
    a.start();
    b.start();
    a.synced();
    assert_eq!(notes(&a), notes(&b));
    assert_eq!(members(&a), members(&b));
}

#[test]
fn changes_push_while_connected_and_conflicts_are_visible() {
    let a = Duet::person("Alice", "laptop");
    let b = Duet::person("Bob", "phone");
    a.pair(&b);
    b.synced();
    // Pushed on commit: visible on the other device without asking it to sync.
    let id = a.note("pushed", "now");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while b.run(&["note", "show", &id]).code != 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the note never arrived"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }

    // Concurrent title changes: one winner everywhere, the other value shown.
    b.stop();
    a.ok(&["note", "edit", &id, "--title", "Alice's title"]);
    a.stop();
    b.start();
    b.ok(&["note", "edit", &id, "--title", "Bob's title"]);
    a.start();
    a.synced();
    b.synced();
    let on_a = a.json(&["note", "show", &id]);
    let on_b = b.json(&["note", "show", &id]);
    assert_eq!(on_a, on_b);
    let winner = on_a["title"].as_str().unwrap();
    let loser = on_a["conflicts"][0]["other_values"][0].as_str().unwrap();
    assert_eq!(on_a["conflicts"][0]["field"], "title");
    let mut both = [winner, loser];
    both.sort_unstable();
    assert_eq!(both, ["Alice's title", "Bob's title"]);
    assert!(
        a.ok(&["note", "show", &id])
            .contains("changed concurrently")
    );

    // Deleted on one side while edited on the other: in the trash, with the edit.
    b.stop();
    a.ok(&["note", "rm", &id]);
    a.stop();
    b.start();
    b.ok(&["note", "edit", &id, "--append", " + bob's edit"]);
    a.start();
    a.synced();
    b.synced();
    assert_eq!(b.json(&["trash"])[0]["id"], id.as_str());
    a.ok(&["note", "restore", &id]);
    a.synced();
    assert_eq!(body(&b, &id), "now + bob's edit");
}

#[test]
fn three_devices_and_a_second_device_of_the_same_person() {
    let a = Duet::person("Alice", "laptop");
    let b = Duet::person("Bob", "phone");
    let c = Duet::person("Bob", "tablet");
    a.pair(&b);
    b.synced();
    // Bob's tablet is invited by Bob's phone, as one of Bob's devices.
    let ticket = b.ok(&["invite", "--same-person"]);
    c.ok(&["pair", ticket.trim()]);
    c.synced();
    b.synced();
    a.synced();
    let all = members(&a);
    assert_eq!(all.len(), 3);
    assert_eq!(members(&b), all);
    assert_eq!(members(&c), all);

    // Alice writes and syncs with Bob's phone, then goes away: the tablet gets her note
    // through the phone.
    let boundary = a.ok(&["boundary", "add", "no phones at dinner"]);
    let boundary = boundary.trim();
    let id = a.note("from alice", "via bob");
    a.synced();
    a.stop();
    c.synced();
    assert_eq!(body(&c, &id), "via bob");

    // The tablet is Bob's: it may acknowledge Alice's boundary, and Bob's phone may not
    // acknowledge a boundary the tablet states.
    c.ok(&["boundary", "ack", boundary]);
    let own = c.ok(&["boundary", "add", "Sunday mornings are slow"]);
    c.synced();
    let e = b.fails(&["boundary", "ack", own.trim()], 1);
    assert!(e.stderr.contains("your own boundary"), "{e:?}");
    a.start();
    a.synced();
    assert_eq!(
        a.json(&["boundary", "show", boundary])["acknowledged"],
        true
    );
}

#[test]
fn bad_tickets_are_refused_and_change_nothing() {
    let a = Duet::person("Alice", "laptop");
    let b = Duet::person("Bob", "phone");
    let c = Duet::person("Carol", "desk");
    let before_a = members(&a);
    let before_c = members(&c);

    // Damaged in copying.
    let ticket = a.ok(&["invite"]);
    let ticket = ticket.trim();
    let mid = ticket.len() / 2;
    let flipped = if &ticket[mid..=mid] == "a" { "b" } else { "a" };
    let damaged = format!("{}{flipped}{}", &ticket[..mid], &ticket[mid + 1..]);
    let e = c.fails(&["pair", &damaged], 1);
    assert!(e.stderr.contains("not a duet invitation"), "{e:?}");

    // A well-formed ticket with a forged secret.
    let now = jiff::Timestamp::now().as_second();
    let mut forged = duet_sync::Ticket::decode(ticket, now).unwrap();
    forged.secret[0] ^= 1;
    let e = c.fails(&["pair", &forged.encode()], 1);
    assert!(e.stderr.contains("not valid"), "{e:?}");

    // Used once, refused the second time.
    b.ok(&["pair", ticket]);
    let e = c.fails(&["pair", ticket], 1);
    assert!(e.stderr.contains("already used"), "{e:?}");

    // Expired.
    let short = a.ok(&["invite", "--same-person", "--expires", "1s"]);
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let e = c.fails(&["pair", short.trim()], 1);
    assert!(e.stderr.contains("expired"), "{e:?}");

    // Garbage.
    c.fails(&["pair", "hello"], 1);

    assert_eq!(members(&c), before_c);
    let after_a = members(&a);
    assert_eq!(after_a.len(), before_a.len() + 1, "only Bob joined");
    assert!(
        !after_a.iter().any(|m| before_c.contains(m)),
        "Carol must not be a member"
    );
}

#[test]
fn an_unpaired_device_is_refused() {
    let a = Duet::person("Alice", "laptop");
    let b = Duet::person("Bob", "phone");
    a.pair(&b);
    b.synced();
    let peers = a.json(&["peers"]);
    assert_eq!(peers[0]["connected"], true);
    for f in [
        "device_id",
        "device_name",
        "person_name",
        "endpoint_id",
        "connected",
        "last_seen",
        "last_synced",
        "in_sync",
        "phrase",
    ] {
        assert!(peers[0].get(f).is_some(), "peer lacks {f}: {peers}");
    }
    let bob = peers[0]["device_id"].as_str().unwrap().to_owned();
    a.ok(&["unpair", &bob[..10]]);
    assert_eq!(a.json(&["peers"]).as_array().unwrap().len(), 0);
    let secret = a.note("after unpairing", "not for bob");
    // Bob still lists Alice, but Alice's gate refuses him before any journal byte.
    let e = b.fails(&["sync", "--wait", "--timeout", "15s"], 1);
    assert!(
        e.stderr.contains("could be reached") || e.stderr.contains("timed out"),
        "{e:?}"
    );
    assert_eq!(b.run(&["note", "show", &secret]).code, 1);
    assert_eq!(a.json(&["peers"]).as_array().unwrap().len(), 0);
}

#[test]
fn pairing_guards_a_shared_journal() {
    let a = Duet::person("Alice", "laptop");
    let b = Duet::person("Bob", "phone");
    let c = Duet::person("Carol", "desk");
    a.pair(&b);
    b.synced();

    // Bob already shares a journal with Alice: joining Carol's would carry Alice's entries
    // to Carol. Refused, and nothing changes on either side.
    let ticket = c.ok(&["invite"]);
    let e = b.fails(&["pair", ticket.trim()], 1);
    assert!(e.stderr.contains("already shares a journal"), "{e:?}");
    assert_eq!(members(&c).len(), 1);
    assert_eq!(members(&b).len(), 2);

    let d = Duet::person("Dan", "tablet");
    // A ticket can come on stdin, out of argv and shell history.
    let ticket = c.ok(&["invite"]);
    let out = d.run_with_stdin(&["pair", "-"], ticket.as_bytes());
    assert_eq!(out.code, 0, "{out:?}");
    d.synced();
    assert_eq!(members(&c), members(&d));
}

/// Random, incompressible text: automerge compresses changes, so repeated characters would
/// never fill a QUIC stream window and a test built on them could not fail.
fn random_text(rng: &mut impl rand::Rng, len: usize) -> String {
    (0..len)
        .map(|_| char::from(rng.sample(rand::distributions::Alphanumeric)))
        .collect()
}

/// Writes `count` notes of `size` random bytes on `d`, from a few CLI processes at once (the
/// engine group-commits them), plus one note of `big` random bytes from a file. Returns the
/// big note's id.
fn write_apart(d: &Duet, who: &str, count: usize, size: usize, big: usize) -> String {
    const WRITERS: usize = 4;
    std::thread::scope(|s| {
        for w in 0..WRITERS {
            s.spawn(move || {
                let mut rng = rand::thread_rng();
                for i in (w..count).step_by(WRITERS) {
                    let body = random_text(&mut rng, size);
                    d.ok(&["note", "add", &format!("{who} {i}"), "--body", &body]);
                }
            });
        }
    });
    let file = d.home.with_file_name(format!("{who}-big.txt"));
    std::fs::write(&file, random_text(&mut rand::thread_rng(), big)).unwrap();
    let id = d.ok(&[
        "note",
        "add",
        &format!("{who} big"),
        "--body-file",
        file.to_str().unwrap(),
    ]);
    id.trim().to_owned()
}

/// The stall of issue 9: two devices that each hold far more than a QUIC stream window
/// (~1.25 MB) the other lacks must still converge. Before full-duplex sessions both sides
/// blocked writing their backlog while neither read, forever.
#[test]
fn large_divergence_both_ways_converges() {
    const NOTES: usize = 3_000;
    const NOTE_BYTES: usize = 1024;
    const BIG_BYTES: usize = 4 * 1024 * 1024;
    let a = Duet::person("Alice", "laptop");
    let b = Duet::person("Bob", "phone");
    a.pair(&b);
    b.synced();
    a.synced();
    let shared = notes(&a).as_array().unwrap().len();

    b.stop();
    let started = std::time::Instant::now();
    let big_a = write_apart(&a, "alice", NOTES, NOTE_BYTES, BIG_BYTES);
    a.stop();
    b.start();
    let big_b = write_apart(&b, "bob", NOTES, NOTE_BYTES, BIG_BYTES);
    eprintln!("wrote 2 x {NOTES} notes in {:?}", started.elapsed());

    a.start_slow(std::time::Duration::from_secs(120));
    let started = std::time::Instant::now();
    let expected = shared + 2 * (NOTES + 1);
    // Generous: the test is that they converge at all, not how fast.
    let deadline = started + std::time::Duration::from_secs(600);
    loop {
        let (on_a, on_b) = (notes(&a), notes(&b));
        if on_a.as_array().unwrap().len() == expected && on_a == on_b {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no convergence after 600 s: Alice has {}, Bob {} of {expected} notes; peers: {} / {}",
            on_a.as_array().unwrap().len(),
            on_b.as_array().unwrap().len(),
            a.json(&["peers"]),
            b.json(&["peers"]),
        );
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
    eprintln!("converged in {:?}", started.elapsed());
    assert_eq!(body(&a, &big_b).len(), BIG_BYTES);
    assert_eq!(body(&b, &big_a), body(&a, &big_a));
    // And still replicating afterwards, both ways.
    let after = b.note("after", "small");
    b.synced();
    assert_eq!(body(&a, &after), "small");
}
