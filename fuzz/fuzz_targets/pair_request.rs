//! The inviter's side of the pairing handshake, fed any frame a stranger could send: the
//! frame decoder never panics, and a pairing request is admitted only with the invitation's
//! own id and secret, within its attempts, once.

#![no_main]

use std::time::Duration;

use duet_sync::invitations::{InviteFor, Invitations};
use duet_sync::wire::{Control, Frame};
use libfuzzer_sys::fuzz_target;

const NOW: i64 = 1_800_000_000;

fuzz_target!(|data: &[u8]| {
    let Ok(frame) = Frame::decode(data) else {
        return;
    };
    let Frame::Control(Control::PairRequest {
        invite_id, secret, ..
    }) = frame
    else {
        return;
    };
    let mut registry = Invitations::default();
    let (id, real_secret, _) = registry.open(InviteFor::Partner, Duration::from_secs(600), NOW);
    // Every attempt a stranger makes with what it sent.
    for n in 0..8 {
        let admitted = registry.redeem(&invite_id, &secret, "stranger", NOW + n).is_ok();
        if admitted {
            assert!(invite_id == id && secret == real_secret, "admitted without the secret");
        }
    }
    // The genuine joiner is then either admitted or told why, never confused.
    let _ = registry.redeem(&id, &real_secret, "joiner", NOW + 9);
    let _ = registry.pairing_until(NOW + 10);
});
