//! What strangers can send before they are anyone, on the stable toolchain: random and
//! mutated tickets and pairing frames never panic, and a pairing request is admitted only
//! with its invitation's own secret. The coverage-guided versions of these live in
//! `fuzz/` (nightly); these keep the property in every `cargo test`.

use std::time::Duration;

use duet_sync::invitations::{Invitations, InviteFor};
use duet_sync::wire::{Control, Frame};
use duet_sync::{EndpointAddr, Ticket};
use proptest::prelude::*;

fn real_ticket() -> String {
    let secret = [9u8; 32];
    Ticket {
        inviter: EndpointAddr::new(iroh::SecretKey::from_bytes(&[3u8; 32]).public()),
        invite_id: duet_sync::InviteId::from_bytes([5; 8]),
        journal_tag: Ticket::journal_tag(&secret, "journal"),
        secret,
        expires_at: 2_000_000_000,
        invite_for: InviteFor::PartnerDevice,
    }
    .encode()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_text_as_a_ticket_is_refused_or_round_trips(text in "\\PC{0,300}") {
        if let Ok(t) = Ticket::decode(&text, 0) {
            prop_assert_eq!(Ticket::decode(&t.encode(), 0).unwrap(), t);
        }
    }

    #[test]
    fn a_mutated_ticket_is_refused_or_round_trips(pos in 0usize..400, byte in any::<u8>()) {
        let mut bytes = real_ticket().into_bytes();
        let i = pos % bytes.len();
        bytes[i] = byte;
        if let Ok(text) = String::from_utf8(bytes)
            && let Ok(t) = Ticket::decode(&text, 0)
        {
            prop_assert_eq!(Ticket::decode(&t.encode(), 0).unwrap(), t);
        }
    }

    #[test]
    fn any_frame_is_decoded_or_refused_and_never_admits_without_the_secret(
        data in proptest::collection::vec(any::<u8>(), 0..600),
    ) {
        if let Ok(Frame::Control(Control::PairRequest { invite_id, secret, .. })) = Frame::decode(&data) {
            let mut r = Invitations::default();
            let (id, real, _) = r.open(InviteFor::Partner, Duration::from_secs(60), 100);
            let ok = r.redeem(&invite_id, &secret, "x", 101).is_ok();
            prop_assert!(!ok || (invite_id == id && secret == real));
        }
    }
}
