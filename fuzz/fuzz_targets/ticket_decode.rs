//! Any text pasted as a ticket: decoding never panics, and what decodes re-encodes to a
//! ticket that decodes to the same thing.

#![no_main]

use duet_sync::Ticket;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(ticket) = Ticket::decode(text, 0) {
        let again = Ticket::decode(&ticket.encode(), 0).expect("a decoded ticket re-encodes");
        assert_eq!(again, ticket);
        // The keyed journal hash never matches a journal it was not made for by accident of
        // decoding: checking is total, whatever the bytes.
        let _ = ticket.names_journal("");
    }
});
