//! Bounded sync messages (issue 9): however far two replicas diverged, every sync message
//! carries at most `SYNC_BATCH_BYTES` of changes, or a single larger change, and the replicas
//! still converge through automerge's protocol.

use automerge::sync::{Have, Message, MessageVersion};
use duet_journal::{APPLY_BATCH_BYTES, Journal, SYNC_BATCH_BYTES};
use rand::{Rng, SeedableRng};

use crate::{BOB_DEV, pair, ts};

/// Room for a message's heads, need and have (a bloom filter of ~1.2 bytes per change).
const HEADER_ALLOWANCE: usize = 64 * 1024;

/// Random, incompressible text: automerge compresses changes, so repeated characters would
/// make a "large" divergence small on the wire.
fn text(rng: &mut impl Rng, len: usize) -> String {
    (0..len)
        .map(|_| char::from(rng.sample(rand::distributions::Alphanumeric)))
        .collect()
}

/// `notes` notes of 1 KiB of random text on `j`, then one of `big` bytes.
fn diverge(j: &mut Journal, who: &str, rng: &mut impl Rng, notes: usize, big: usize) {
    for i in 0..notes {
        let body = text(rng, 1024);
        j.add_note(&format!("{who} {i}"), &body, &[], ts(10))
            .expect("add note");
    }
    let body = text(rng, big);
    j.add_note(&format!("{who} big"), &body, &[], ts(11))
        .expect("add big note");
}

/// Everything `j` has to say to `key` right now, as a session's writer sends it.
fn drain(j: &mut Journal, key: &str) -> Vec<Vec<u8>> {
    std::iter::from_fn(|| j.sync_generate(key)).collect()
}

#[derive(Default)]
struct Traffic {
    rounds: usize,
    messages: usize,
    /// The largest message that carried more than one change.
    max_batched: usize,
    /// The largest message of all.
    max: usize,
    /// The largest single change sent.
    max_change: usize,
}

impl Traffic {
    fn deliver(&mut self, msgs: Vec<Vec<u8>>, to: &mut Journal, key: &str) {
        for m in msgs {
            let decoded = Message::decode(&m).expect("a valid message");
            self.messages += 1;
            self.max = self.max.max(m.len());
            if decoded.changes.len() > 1 {
                self.max_batched = self.max_batched.max(m.len());
            }
            let biggest = decoded.changes.iter().map(<[u8]>::len).max();
            self.max_change = self.max_change.max(biggest.unwrap_or(0));
            to.sync_receive(key, &m).expect("receive");
        }
    }
}

/// Runs the protocol until both sides are quiet: each sends everything it can, then reads
/// everything that arrived (full duplex). `a` knows `b` as `b_key`, `b` knows `a` as `a_key`.
fn settle(a: &mut Journal, b_key: &str, b: &mut Journal, a_key: &str) -> Traffic {
    let mut t = Traffic::default();
    loop {
        let to_b = drain(a, b_key);
        let to_a = drain(b, a_key);
        if to_b.is_empty() && to_a.is_empty() {
            return t;
        }
        t.deliver(to_b, b, a_key);
        t.deliver(to_a, a, b_key);
        t.rounds += 1;
        assert!(t.rounds < 100, "the sync protocol did not settle");
    }
}

#[test]
fn a_divergence_of_megabytes_both_ways_converges_in_bounded_messages() {
    let (mut a, mut b) = pair();
    let mut rng = rand::rngs::StdRng::seed_from_u64(9);
    diverge(&mut a, "alice", &mut rng, 1_500, 3 * 1024 * 1024);
    diverge(&mut b, "bob", &mut rng, 1_500, 3 * 1024 * 1024);
    assert_ne!(a.heads(), b.heads());

    let t = settle(&mut a, "b", &mut b, "a");
    eprintln!(
        "{} messages in {} rounds, largest batch {} bytes, largest message {} bytes",
        t.messages, t.rounds, t.max_batched, t.max
    );
    assert_eq!(a.heads(), b.heads(), "the replicas did not converge");
    assert_eq!(a.notes(None), b.notes(None));
    assert_eq!(a.notes(None).len(), 3_002);
    // Batched messages stay within the budget; the one bigger message is a single change.
    assert!(t.max_batched > SYNC_BATCH_BYTES / 2, "{}", t.max_batched);
    assert!(
        t.max_batched <= SYNC_BATCH_BYTES + HEADER_ALLOWANCE,
        "a batch of {} bytes",
        t.max_batched
    );
    assert!(t.max <= t.max_change + HEADER_ALLOWANCE, "{}", t.max);
    // ~1.5 MB of small changes each way cannot fit in fewer than this many batches.
    assert!(t.messages >= 6, "{} messages", t.messages);
}

/// The changes in an encoded sync message, and their total size.
fn changes_of(m: &[u8]) -> (usize, usize) {
    let decoded = Message::decode(m).expect("a valid message");
    let bytes = decoded.changes.iter().map(<[u8]>::len).sum();
    (decoded.changes.len(), bytes)
}

#[test]
fn a_large_message_applies_in_parts_and_a_crash_keeps_the_parts_applied() {
    const NOTES: usize = 600;
    let (mut a, mut b) = pair();
    let mut rng = rand::rngs::StdRng::seed_from_u64(4);
    diverge(&mut a, "alice", &mut rng, NOTES - 1, 1024);
    // Every change Bob lacks in one message, as automerge's generator sends them (built by
    // hand: the generator's bloom filter may, rarely, leave one out for a later round).
    let base = b.heads();
    let message = Message {
        heads: a.heads(),
        need: Vec::new(),
        have: vec![Have::default()],
        changes: a
            .doc_mut()
            .get_changes(&base)
            .iter()
            .map(|c| c.raw_bytes().to_vec())
            .collect::<Vec<_>>()
            .into(),
        flags: None,
        version: MessageVersion::V1,
    }
    .encode();
    let (count, bytes) = changes_of(&message);
    assert_eq!(count, NOTES);
    assert!(bytes > 2 * APPLY_BATCH_BYTES, "{bytes}");

    let parts = Journal::sync_split(message.clone(), APPLY_BATCH_BYTES).expect("split");
    assert!(parts.len() >= 3, "{} parts", parts.len());
    let mut total = 0;
    for p in &parts {
        let (n, bytes) = changes_of(p);
        assert!(
            n == 1 || bytes <= APPLY_BATCH_BYTES,
            "{n} changes, {bytes} bytes"
        );
        total += n;
    }
    assert_eq!(total, NOTES, "every change in exactly one part");

    // Applying the parts one by one is applying the message.
    let before = b.save();
    let mut whole = Journal::load(&before, BOB_DEV).expect("load");
    whole
        .sync_receive("a", &message)
        .expect("receive the whole message");
    let mut stepwise = Journal::load(&before, BOB_DEV).expect("load");
    for p in &parts {
        stepwise.sync_receive("a", p).expect("receive a part");
    }
    assert_eq!(stepwise.heads(), whole.heads());
    assert_eq!(stepwise.heads(), a.heads());

    // A crash after the first part keeps it: what was saved holds its notes, and a new
    // session brings the rest.
    b.sync_receive("a", &parts[0])
        .expect("receive the first part");
    let kept = b.notes(None).len();
    let mut restarted = Journal::load(&b.save(), BOB_DEV).expect("load after the crash");
    assert_eq!(restarted.notes(None).len(), kept);
    assert!(kept > 0 && kept < NOTES, "{kept} notes kept");
    a.sync_reset("b");
    settle(&mut a, "b2", &mut restarted, "a2");
    assert_eq!(restarted.heads(), a.heads());
}
