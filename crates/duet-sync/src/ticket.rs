//! Invitation tickets: one line a person can paste, carrying what the joiner needs to reach
//! the inviter and prove it was invited.

use data_encoding::BASE32_NOPAD;
use iroh::EndpointAddr;
use serde::{Deserialize, Serialize};

/// Prefix of every ticket, with the ticket format version.
const PREFIX: &str = "duet1";

/// Why a ticket cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum TicketError {
    /// Not a duet ticket at all, or damaged in copying.
    #[error("this is not a duet invitation ticket (damaged in copying?)")]
    Malformed,
    /// Past its expiry time.
    #[error("this invitation has expired: ask for a new one with `duet invite`")]
    Expired,
}

/// What an invitation carries. The secret is the only credential: anyone holding the ticket
/// before it is used or expires can join, so it is shown once and should travel privately.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    /// The inviter's endpoint id and the addresses it had when inviting.
    pub inviter: EndpointAddr,
    /// The journal being joined.
    pub journal_id: String,
    /// The one-time secret (32 random bytes).
    pub secret: [u8; 32],
    /// Unix seconds after which the inviter refuses the ticket.
    pub expires_at: i64,
    /// Set when the invitation is for another device of the inviter's own person, whose id
    /// the joiner adopts.
    pub same_person: Option<String>,
}

impl std::fmt::Debug for Ticket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ticket")
            .field("inviter", &self.inviter.id)
            .field("journal_id", &self.journal_id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl Ticket {
    /// The one-line form: `duet1` followed by base32 of the JSON encoding and a 4-byte
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
        let body = text
            .trim()
            .strip_prefix(PREFIX)
            .ok_or(TicketError::Malformed)?;
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
        Ticket {
            inviter: EndpointAddr::new(iroh::SecretKey::generate().public()),
            journal_id: "j".into(),
            secret: [7; 32],
            expires_at: 1000,
            same_person: None,
        }
    }

    #[test]
    fn round_trip() {
        let t = ticket();
        let s = t.encode();
        assert!(s.starts_with("duet1"));
        assert_eq!(Ticket::decode(&s, 999).unwrap(), t);
        assert_eq!(Ticket::decode(&format!("  {s}\n"), 999).unwrap(), t);
    }

    #[test]
    fn damage_and_expiry_are_told_apart() {
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
    }

    #[test]
    fn debug_hides_the_secret() {
        assert!(!format!("{:?}", ticket()).contains("7, 7"));
    }
}
