//! Resume, do not restart: after a restart, reconnecting moves bytes in proportion to what
//! changed, not to the history.

use duet_crypto::DeviceKey;
use duet_journal::Journal;
use duet_store::{JOURNAL_DOC, Store};

use crate::harness::Duet;

/// Writes `n` notes straight into a stopped device's store, as one appended chunk: a journal
/// with a long history, built in a second instead of `n` CLI runs.
fn add_notes_offline(d: &Duet, n: usize) {
    let config = std::fs::read_to_string(d.home.join("config.toml")).unwrap();
    let device_id = config
        .lines()
        .find_map(|l| l.strip_prefix("device_id = "))
        .unwrap()
        .trim_matches('"')
        .to_owned();
    let key = DeviceKey::read(&d.home.join("keys/device.key"), None).unwrap();
    let store = Store::open(&d.home.join("journal.redb"), &key).unwrap();
    let mut journal = Journal::load(&store.load(JOURNAL_DOC).unwrap(), &device_id).unwrap();
    let before = journal.heads();
    let now = jiff::Timestamp::now();
    for i in 0..n {
        journal
            .add_note(&format!("history {i}"), &format!("body {i}"), &[], now)
            .unwrap();
    }
    store
        .append(JOURNAL_DOC, &journal.save_after(&before))
        .unwrap();
}

fn traffic(d: &Duet) -> (u64, u64) {
    let peers = d.json(&["peers"]);
    let p = &peers.as_array().unwrap()[0];
    (
        p["bytes_sent"].as_u64().unwrap(),
        p["bytes_received"].as_u64().unwrap(),
    )
}

#[test]
fn a_reconnect_after_a_restart_moves_bytes_for_the_new_note_not_the_history() {
    let a = Duet::person("Alice", "laptop");
    a.stop();
    add_notes_offline(&a, 10_000);
    a.start();
    let b = Duet::person("Bob", "phone");
    a.pair(&b);
    b.synced();
    a.synced();
    assert_eq!(
        b.json(&["note", "list"]).as_array().unwrap().len(),
        10_000,
        "the history arrived"
    );

    // Bob's daemon restarts (its byte counters start again at zero); Alice writes one note.
    b.stop();
    b.start();
    let id = a.note("one more", "after the restart");
    b.synced();
    a.synced();
    assert_eq!(b.json(&["note", "show", &id])["body"], "after the restart");
    let (sent, received) = traffic(&b);
    eprintln!("reconnect after one new note over 10,000: sent {sent} B, received {received} B");
    assert!(
        sent + received < 8 * 1024,
        "a reconnect moved {sent} + {received} bytes"
    );
}
