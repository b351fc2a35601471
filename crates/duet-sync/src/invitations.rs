//! Open invitations: what `duet invite` handed out, what became of each, and the rules a
//! pairing attempt must pass before anything is recorded.
//!
//! The registry is plain data (no I/O, no clock of its own), so its rules are unit-tested
//! directly. The service keeps it behind a lock and persists it, sealed, through the
//! [`crate::Replica`] after every change, so invitations survive a daemon restart.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

/// The longest an invitation may stay open.
pub const MAX_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// How many pairing attempts one invitation accepts before it is cancelled.
pub const MAX_ATTEMPTS: u32 = 5;

/// How long an invitation that ended (used, expired, cancelled) stays in `--list`.
const KEEP_ENDED_SECS: i64 = 7 * 24 * 3600;

/// How long after it was used an invitation still answers its joiner (a retry after a lost
/// answer).
const RETRY_SECS: i64 = 60;

/// Whom an invitation admits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InviteFor {
    /// Another device of the inviter's own person.
    SamePerson,
    /// A new device of the inviter's partner (e.g. after they lost theirs).
    PartnerDevice,
    /// The partner: a second person, only while the journal has one.
    Partner,
}

impl InviteFor {
    /// The word `duet invite --list` shows.
    pub fn as_str(self) -> &'static str {
        match self {
            InviteFor::SamePerson => "same-person",
            InviteFor::PartnerDevice => "partner-device",
            InviteFor::Partner => "partner",
        }
    }
}

/// An invitation's public id: 8 random bytes, shown as 16 hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct InviteId([u8; 8]);

impl InviteId {
    /// A fresh random id.
    pub fn random() -> Self {
        let mut b = [0u8; 8];
        rand::Rng::fill(&mut rand::rngs::OsRng, &mut b);
        Self(b)
    }

    /// An id from its bytes (tests, fixtures).
    pub fn from_bytes(b: [u8; 8]) -> Self {
        Self(b)
    }
}

impl std::fmt::Display for InviteId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&data_encoding::HEXLOWER.encode(&self.0))
    }
}

impl std::fmt::Debug for InviteId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// What became of an invitation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum InviteState {
    /// Waiting for its device.
    Open,
    /// Redeemed by a device (its endpoint id).
    Used {
        /// The joiner's endpoint id.
        by: String,
        /// Unix seconds.
        at: i64,
    },
    /// Cancelled by the user or by the rules (too many attempts, the journal filled up).
    Cancelled {
        /// Why, in plain words.
        reason: String,
        /// Unix seconds.
        at: i64,
    },
}

#[derive(Clone, Serialize, Deserialize)]
struct Invitation {
    id: InviteId,
    /// Wiped (all zeros) once the invitation can no longer be redeemed.
    secret: [u8; 32],
    created_at: i64,
    expires_at: i64,
    invite_for: InviteFor,
    attempts: u32,
    state: InviteState,
}

impl Drop for Invitation {
    fn drop(&mut self) {
        self.secret.zeroize();
    }
}

/// One invitation as `duet invite --list` shows it. Carries no secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationInfo {
    /// Its id.
    pub id: InviteId,
    /// Whom it admits.
    pub invite_for: InviteFor,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub expires_at: i64,
    /// Pairing attempts so far.
    pub attempts: u32,
    /// `open`, `used`, `expired` or `cancelled`.
    pub state: &'static str,
    /// Why it was cancelled, or which device used it.
    pub detail: Option<String>,
}

/// Why a pairing attempt was refused, in words for the joiner.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RedeemError {
    /// No such invitation, or the secret does not match it.
    #[error(
        "this invitation is not valid on the inviting device: it was changed, cancelled, or ended long ago; ask for a new one"
    )]
    Unknown,
    /// Redeemed by another device.
    #[error("this invitation was already used: ask for a new one with `duet invite`")]
    Used,
    /// Past its expiry.
    #[error("this invitation has expired: ask for a new one with `duet invite`")]
    Expired,
    /// Cancelled.
    #[error("this invitation was cancelled on the inviting device ({0}); ask for a new one")]
    Cancelled(String),
}

/// The registry of invitations of one device.
#[derive(Default, Serialize, Deserialize)]
pub struct Invitations {
    items: Vec<Invitation>,
}

impl Invitations {
    /// Restores a registry persisted by [`Invitations::to_bytes`]; anything unreadable is an
    /// empty registry (invitations are short-lived; the user can invite again).
    pub fn from_bytes(bytes: &[u8]) -> Self {
        serde_json::from_slice(bytes).unwrap_or_default()
    }

    /// The persisted form (holds secrets: the caller seals it).
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Opens a new invitation. `lifetime` is capped by the caller at [`MAX_LIFETIME`].
    pub fn open(
        &mut self,
        invite_for: InviteFor,
        lifetime: Duration,
        now: i64,
    ) -> (InviteId, [u8; 32], i64) {
        let mut secret = [0u8; 32];
        rand::Rng::fill(&mut rand::rngs::OsRng, &mut secret);
        let secs = i64::try_from(lifetime.min(MAX_LIFETIME).as_secs()).unwrap_or(0);
        let id = InviteId::random();
        let expires_at = now + secs.max(1);
        self.items.push(Invitation {
            id,
            secret,
            created_at: now,
            expires_at,
            invite_for,
            attempts: 0,
            state: InviteState::Open,
        });
        (id, secret, expires_at)
    }

    /// Checks one pairing attempt by endpoint `by` against invitation `id`. Every attempt
    /// counts; past [`MAX_ATTEMPTS`] the invitation is cancelled. On success the invitation
    /// is marked used by `by` (who may retry for a short while) and says whom it admits.
    pub fn redeem(
        &mut self,
        id: &InviteId,
        secret: &[u8; 32],
        by: &str,
        now: i64,
    ) -> Result<InviteFor, RedeemError> {
        let Some(inv) = self.items.iter_mut().find(|i| i.id == *id) else {
            return Err(RedeemError::Unknown);
        };
        inv.attempts = inv.attempts.saturating_add(1);
        // Compared in constant time; a wiped secret matches nothing real.
        let secret_ok = inv.secret != [0u8; 32]
            && blake3::Hash::from(inv.secret) == blake3::Hash::from(*secret);
        match &inv.state {
            InviteState::Cancelled { reason, .. } => Err(RedeemError::Cancelled(reason.clone())),
            InviteState::Used { by: b, at } if secret_ok && b == by && now <= at + RETRY_SECS => {
                Ok(inv.invite_for)
            }
            InviteState::Used { .. } => Err(RedeemError::Used),
            InviteState::Open if inv.attempts > MAX_ATTEMPTS => {
                let reason = format!("more than {MAX_ATTEMPTS} pairing attempts");
                inv.state = InviteState::Cancelled {
                    reason: reason.clone(),
                    at: now,
                };
                inv.secret.zeroize();
                Err(RedeemError::Cancelled(reason))
            }
            InviteState::Open if !secret_ok => Err(RedeemError::Unknown),
            InviteState::Open if now > inv.expires_at => Err(RedeemError::Expired),
            InviteState::Open => {
                inv.state = InviteState::Used {
                    by: by.to_owned(),
                    at: now,
                };
                Ok(inv.invite_for)
            }
        }
    }

    /// Makes a used invitation open again after its pairing failed half-way.
    pub fn reopen(&mut self, id: &InviteId) {
        if let Some(inv) = self.items.iter_mut().find(|i| i.id == *id)
            && matches!(inv.state, InviteState::Used { .. })
        {
            inv.state = InviteState::Open;
        }
    }

    /// Cancels the open invitations whose id starts with `prefix` (one, or an error naming
    /// how many matched). Returns the id cancelled.
    pub fn cancel(&mut self, prefix: &str, reason: &str, now: i64) -> Result<InviteId, String> {
        let p = prefix.trim().to_ascii_lowercase();
        if p.is_empty() {
            return Err("give the id `duet invite --list` shows".into());
        }
        let matching: Vec<usize> = self
            .items
            .iter()
            .enumerate()
            .filter(|(_, i)| i.id.to_string().starts_with(&p))
            .map(|(n, _)| n)
            .collect();
        let n = match matching.as_slice() {
            [n] => *n,
            [] => return Err(format!("no invitation matches '{prefix}'")),
            many => {
                return Err(format!(
                    "'{prefix}' matches {} invitations; give more of the id",
                    many.len()
                ));
            }
        };
        let inv = &mut self.items[n];
        if inv.state != InviteState::Open || now > inv.expires_at {
            return Err(format!("invitation {} is not open", inv.id));
        }
        inv.state = InviteState::Cancelled {
            reason: reason.to_owned(),
            at: now,
        };
        inv.secret.zeroize();
        Ok(inv.id)
    }

    /// Cancels every open invitation of `kind` (e.g. partner invitations once the journal
    /// has its two people), returning how many.
    pub fn cancel_all(&mut self, kind: InviteFor, reason: &str, now: i64) -> usize {
        let mut n = 0;
        for inv in &mut self.items {
            if inv.invite_for == kind && inv.state == InviteState::Open && now <= inv.expires_at {
                inv.state = InviteState::Cancelled {
                    reason: reason.to_owned(),
                    at: now,
                };
                inv.secret.zeroize();
                n += 1;
            }
        }
        n
    }

    /// Forgets invitations that ended more than a week ago and wipes the secrets of expired
    /// ones. Returns whether anything changed.
    pub fn prune(&mut self, now: i64) -> bool {
        let before = self.items.len();
        self.items.retain(|i| now <= i.expires_at + KEEP_ENDED_SECS);
        let mut changed = self.items.len() != before;
        for inv in &mut self.items {
            if now > inv.expires_at + RETRY_SECS && inv.secret != [0u8; 32] {
                inv.secret.zeroize();
                changed = true;
            }
        }
        changed
    }

    /// Until when pairing connections should be let in (unix seconds; 0: none): the latest
    /// expiry of an open invitation, or a short retry window after one was used.
    pub fn pairing_until(&self, now: i64) -> i64 {
        self.items
            .iter()
            .filter_map(|i| match &i.state {
                InviteState::Open if now <= i.expires_at => Some(i.expires_at),
                InviteState::Used { at, .. } => Some((at + RETRY_SECS).min(i.expires_at)),
                _ => None,
            })
            .max()
            .unwrap_or(0)
    }

    /// Every invitation, newest first, as `--list` shows them.
    pub fn list(&self, now: i64) -> Vec<InvitationInfo> {
        let mut out: Vec<InvitationInfo> = self
            .items
            .iter()
            .map(|i| {
                let (state, detail) = match &i.state {
                    InviteState::Open if now > i.expires_at => ("expired", None),
                    InviteState::Open => ("open", None),
                    InviteState::Used { by, .. } => ("used", Some(by.clone())),
                    InviteState::Cancelled { reason, .. } => ("cancelled", Some(reason.clone())),
                };
                InvitationInfo {
                    id: i.id,
                    invite_for: i.invite_for,
                    created_at: i.created_at,
                    expires_at: i.expires_at,
                    attempts: i.attempts,
                    state,
                    detail,
                }
            })
            .collect();
        out.sort_by_key(|i| std::cmp::Reverse(i.created_at));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_000_000;

    #[test]
    fn lifetime_is_capped_at_a_day() {
        let mut r = Invitations::default();
        let (_, _, exp) = r.open(InviteFor::Partner, Duration::from_secs(7 * 24 * 3600), NOW);
        assert_eq!(exp, NOW + 24 * 3600);
    }

    #[test]
    fn one_use_then_only_its_joiner_may_retry() {
        let mut r = Invitations::default();
        let (id, secret, _) = r.open(InviteFor::Partner, Duration::from_secs(600), NOW);
        assert_eq!(r.redeem(&id, &secret, "bob", NOW), Ok(InviteFor::Partner));
        assert_eq!(
            r.redeem(&id, &secret, "bob", NOW + 1),
            Ok(InviteFor::Partner)
        );
        assert_eq!(
            r.redeem(&id, &secret, "eve", NOW + 2),
            Err(RedeemError::Used)
        );
        assert_eq!(
            r.redeem(&id, &secret, "bob", NOW + RETRY_SECS + 5),
            Err(RedeemError::Used)
        );
    }

    #[test]
    fn expired_wrong_secret_and_unknown_are_refused() {
        let mut r = Invitations::default();
        let (id, secret, exp) = r.open(InviteFor::Partner, Duration::from_secs(600), NOW);
        assert_eq!(
            r.redeem(&id, &[1; 32], "eve", NOW),
            Err(RedeemError::Unknown)
        );
        assert_eq!(
            r.redeem(&InviteId::from_bytes([0; 8]), &secret, "eve", NOW),
            Err(RedeemError::Unknown)
        );
        assert_eq!(
            r.redeem(&id, &secret, "bob", exp + 1),
            Err(RedeemError::Expired)
        );
    }

    #[test]
    fn attempts_are_bounded() {
        let mut r = Invitations::default();
        let (id, secret, _) = r.open(InviteFor::Partner, Duration::from_secs(600), NOW);
        for _ in 0..MAX_ATTEMPTS {
            assert_eq!(
                r.redeem(&id, &[1; 32], "eve", NOW),
                Err(RedeemError::Unknown)
            );
        }
        // The genuine secret no longer helps: the invitation was cancelled.
        assert!(matches!(
            r.redeem(&id, &secret, "bob", NOW),
            Err(RedeemError::Cancelled(_))
        ));
        assert_eq!(r.list(NOW)[0].state, "cancelled");
        assert_eq!(r.pairing_until(NOW), 0);
    }

    #[test]
    fn cancel_by_prefix_and_persist() {
        let mut r = Invitations::default();
        let (id, secret, exp) = r.open(InviteFor::SamePerson, Duration::from_secs(600), NOW);
        assert_eq!(r.pairing_until(NOW), exp);
        let restored = Invitations::from_bytes(&r.to_bytes());
        assert_eq!(restored.list(NOW), r.list(NOW));
        let text = id.to_string();
        assert_eq!(r.cancel(&text[..6], "cancelled by you", NOW), Ok(id));
        assert!(r.cancel(&text, "again", NOW).is_err());
        assert!(matches!(
            r.redeem(&id, &secret, "bob", NOW),
            Err(RedeemError::Cancelled(_))
        ));
        assert_eq!(r.pairing_until(NOW), 0);
        assert!(Invitations::from_bytes(b"garbage").list(NOW).is_empty());
    }

    #[test]
    fn ended_invitations_are_forgotten_after_a_week() {
        let mut r = Invitations::default();
        let (_, _, exp) = r.open(InviteFor::Partner, Duration::from_secs(600), NOW);
        assert!(!r.prune(NOW));
        assert!(r.prune(exp + RETRY_SECS + 1));
        assert_eq!(r.list(exp + 2)[0].state, "expired");
        assert!(r.prune(exp + KEEP_ENDED_SECS + 1));
        assert!(r.list(NOW).is_empty());
    }
}
