//! Invitation tickets: one line a person can paste, carrying what the joiner needs to reach
//! the inviter and prove it was invited.
//!
//! A ticket names its journal only by a keyed hash under the ticket's own secret
//! ([`Ticket::journal_tag`]): a leaked ticket, even a used one, does not reveal the journal
//! id, and the joiner can still check that the inviter's answer is for the journal the
//! ticket was made for.

use data_encoding::BASE32_NOPAD;
use iroh::EndpointAddr;
use serde::{Deserialize, Serialize};

use crate::invitations::{InviteFor, InviteId};

/// Prefix of every ticket, with the ticket format version.
const PREFIX: &str = "duet2";
/// Prefixes of older ticket formats, told apart from damage.
const OLD_PREFIXES: [&str; 1] = ["duet1"];

/// Context of the keyed hash that names the journal in a ticket.
const JOURNAL_TAG_CONTEXT: &[u8] = b"duet ticket journal tag v2";

/// Why a ticket cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum TicketError {
    /// Not a duet ticket at all, or damaged in copying.
    #[error("this is not a duet invitation ticket (damaged in copying?)")]
    Malformed,
    /// A ticket of an older format.
    #[error("this ticket was made by an older duet: ask for a new one with `duet invite`")]
    Outdated,
    /// Past its expiry time.
    #[error("this invitation has expired: ask for a new one with `duet invite`")]
    Expired,
}

/// What an invitation carries. The secret is the only credential: anyone holding the ticket
/// before it is used or expires can try to join, so it is shown once and should travel
/// privately; the verification phrase catches an intercepted one.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    /// The inviter's endpoint id and the addresses it had when inviting.
    pub inviter: EndpointAddr,
    /// Which invitation this is (shown by `duet invite --list`; not secret).
    pub invite_id: InviteId,
    /// The journal, as a keyed hash under `secret` (see [`Ticket::journal_tag`]).
    pub journal_tag: [u8; 32],
    /// The one-time secret (32 random bytes).
    pub secret: [u8; 32],
    /// Unix seconds after which the inviter refuses the ticket.
    pub expires_at: i64,
    /// Whom the invitation admits.
    pub invite_for: InviteFor,
}

impl std::fmt::Debug for Ticket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ticket")
            .field("inviter", &self.inviter.id)
            .field("invite_id", &self.invite_id)
            .field("expires_at", &self.expires_at)
            .field("invite_for", &self.invite_for)
            .finish_non_exhaustive()
    }
}

impl Ticket {
    /// The keyed hash that names `journal_id` in a ticket with this `secret`.
    pub fn journal_tag(secret: &[u8; 32], journal_id: &str) -> [u8; 32] {
        let mut h = blake3::Hasher::new_keyed(secret);
        h.update(JOURNAL_TAG_CONTEXT);
        h.update(journal_id.as_bytes());
        *h.finalize().as_bytes()
    }

    /// Whether this ticket was made for `journal_id` (compared in constant time).
    pub fn names_journal(&self, journal_id: &str) -> bool {
        blake3::Hash::from(Self::journal_tag(&self.secret, journal_id))
            == blake3::Hash::from(self.journal_tag)
    }

    /// The one-line form: the prefix, then base32 of the JSON encoding and a 4-byte
    /// checksum, so a damaged copy is told apart from a refused one.
    pub fn encode(&self) -> String {
        let mut bytes = serde_json::to_vec(self).unwrap_or_default();
        let sum = blake3::hash(&bytes);
        bytes.extend_from_slice(&sum.as_bytes()[..4]);
        format!(
            "{PREFIX}{}",
            BASE32_NOPAD.encode(&bytes).to_ascii_lowercase()
        )
    }

    /// Parses a ticket, checking its checksum and expiry against `now` (unix seconds).
    pub fn decode(text: &str, now: i64) -> Result<Self, TicketError> {
        let text = text.trim();
        let Some(body) = text.strip_prefix(PREFIX) else {
            if OLD_PREFIXES.iter().any(|p| text.starts_with(p)) {
                return Err(TicketError::Outdated);
            }
            return Err(TicketError::Malformed);
        };
        // A ticket is short; refuse to decode megabytes of pasted text.
        if body.len() > 4096 {
            return Err(TicketError::Malformed);
        }
        let bytes = BASE32_NOPAD
            .decode(body.to_ascii_uppercase().as_bytes())
            .map_err(|_| TicketError::Malformed)?;
        if bytes.len() < 5 {
            return Err(TicketError::Malformed);
        }
        let (json, sum) = bytes.split_at(bytes.len() - 4);
        if &blake3::hash(json).as_bytes()[..4] != sum {
            return Err(TicketError::Malformed);
        }
        let ticket: Ticket = serde_json::from_slice(json).map_err(|_| TicketError::Malformed)?;
        if now > ticket.expires_at {
            return Err(TicketError::Expired);
        }
        Ok(ticket)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket() -> Ticket {
        let secret = [7; 32];
        Ticket {
            inviter: EndpointAddr::new(iroh::SecretKey::generate().public()),
            invite_id: InviteId::from_bytes([1; 8]),
            journal_tag: Ticket::journal_tag(&secret, "j"),
            secret,
            expires_at: 1000,
            invite_for: InviteFor::Partner,
        }
    }

    #[test]
    fn round_trip() {
        let t = ticket();
        let s = t.encode();
        assert!(s.starts_with("duet2"));
        assert_eq!(Ticket::decode(&s, 999).unwrap(), t);
        assert_eq!(Ticket::decode(&format!("  {s}\n"), 999).unwrap(), t);
    }

    #[test]
    fn the_journal_id_is_not_in_the_ticket_but_can_be_checked() {
        let journal = "0123456789abcdef0123456789abcdef";
        let secret = [9; 32];
        let t = Ticket {
            journal_tag: Ticket::journal_tag(&secret, journal),
            secret,
            ..ticket()
        };
        let text = t.encode();
        let decoded = BASE32_NOPAD
            .decode(text[5..].to_ascii_uppercase().as_bytes())
            .unwrap();
        assert!(!decoded.windows(8).any(|w| w == &journal.as_bytes()[..8]));
        assert!(t.names_journal(journal));
        assert!(!t.names_journal("0123456789abcdef0123456789abcdee"));
        // The tag depends on the secret: another ticket for the same journal says nothing
        // about this one.
        assert_ne!(
            Ticket::journal_tag(&[1; 32], journal),
            Ticket::journal_tag(&[2; 32], journal)
        );
    }

    #[test]
    fn damage_expiry_and_old_formats_are_told_apart() {
        let s = ticket().encode();
        assert_eq!(Ticket::decode(&s, 1001), Err(TicketError::Expired));
        let mut damaged = s.clone().into_bytes();
        let i = damaged.len() / 2;
        damaged[i] = if damaged[i] == b'a' { b'b' } else { b'a' };
        let damaged = String::from_utf8(damaged).unwrap();
        assert_eq!(Ticket::decode(&damaged, 0), Err(TicketError::Malformed));
        assert_eq!(Ticket::decode("hello", 0), Err(TicketError::Malformed));
        assert_eq!(
            Ticket::decode(&s[..s.len() - 3], 0),
            Err(TicketError::Malformed)
        );
        assert_eq!(
            Ticket::decode("duet1mfrggzdfmztwq2lk", 0),
            Err(TicketError::Outdated)
        );
        let huge = format!("duet2{}", "a".repeat(100_000));
        assert_eq!(Ticket::decode(&huge, 0), Err(TicketError::Malformed));
    }

    #[test]
    fn debug_hides_the_secret() {
        assert!(!format!("{:?}", ticket()).contains("7, 7"));
    }
}
