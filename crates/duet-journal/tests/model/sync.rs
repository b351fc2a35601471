//! Bounded sync messages (issue 9): however far two replicas diverged, every sync message
//! carries at most `SYNC_BATCH_BYTES` of changes, or a single larger change, and the replicas
//! still converge through automerge's protocol.

use automerge::sync::Message;
use duet_journal::{Journal, SYNC_BATCH_BYTES};
use rand::{Rng, SeedableRng};

use crate::{pair, ts};

/// Room for a message's heads, need and have (a bloom filter of ~1.2 bytes per change).
const HEADER_ALLOWANCE: usize = 64 * 1024;

/// Random, incompressible text: automerge compresses changes, so repeated characters would
/// make a "large" divergence small on the wire.
fn text(rng: &mut impl Rng, len: usize) -> String {
    (0..len)
        .map(|_| char::from(rng.sample(rand::distributions::Alphanumeric)))
        .collect()
}

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

#[test]
fn a_divergence_of_megabytes_both_ways_converges_in_bounded_messages() {
    let (mut a, mut b) = pair();
    let mut rng = rand::rngs::StdRng::seed_from_u64(9);
    diverge(&mut a, "alice", &mut rng, 1_500, 3 * 1024 * 1024);
    diverge(&mut b, "bob", &mut rng, 1_500, 3 * 1024 * 1024);
    assert_ne!(a.heads(), b.heads());

    // Both sides send everything they can, then read everything that arrived: full duplex.
    let mut t = Traffic::default();
    let mut rounds = 0;
    loop {
        let to_b = drain(&mut a, "b");
        let to_a = drain(&mut b, "a");
        if to_b.is_empty() && to_a.is_empty() {
            break;
        }
        t.deliver(to_b, &mut b, "a");
        t.deliver(to_a, &mut a, "b");
        rounds += 1;
        assert!(rounds < 100, "the sync protocol did not settle");
    }

    eprintln!(
        "{} messages in {rounds} rounds, largest batch {} bytes, largest message {} bytes",
        t.messages, t.max_batched, t.max
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
