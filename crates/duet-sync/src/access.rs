//! Only members get in: the allow-list and the endpoint hook that enforces it.

use std::collections::HashSet;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};

use iroh::EndpointId;
use iroh::endpoint::{AfterHandshakeOutcome, Connection, EndpointHooks, VarInt};

use crate::SYNC_ALPN;

/// QUIC close code for "you are not a member of this journal".
pub const NOT_A_MEMBER: u32 = 403;

/// The endpoint ids allowed to replicate: the journal's current members, this device
/// excluded. Shared between the hook and the service that keeps it current.
#[derive(Debug, Clone, Default)]
pub struct MemberGate {
    allowed: Arc<RwLock<HashSet<EndpointId>>>,
    /// Devices of a person who lost the race for the journal's partner slot: refused with
    /// a reason that tells them so.
    shut_out: Arc<RwLock<HashSet<EndpointId>>>,
    /// Unix seconds until which pairing connections are accepted (an invitation is open).
    pairing_until: Arc<AtomicI64>,
}

impl MemberGate {
    /// Replaces the allow-list.
    pub fn set(&self, ids: impl IntoIterator<Item = EndpointId>) {
        if let Ok(mut allowed) = self.allowed.write() {
            *allowed = ids.into_iter().collect();
        }
    }

    /// Replaces the set of shut-out devices.
    pub fn set_shut_out(&self, ids: impl IntoIterator<Item = EndpointId>) {
        if let Ok(mut s) = self.shut_out.write() {
            *s = ids.into_iter().collect();
        }
    }

    fn is_shut_out(&self, id: &EndpointId) -> bool {
        self.shut_out.read().is_ok_and(|s| s.contains(id))
    }

    /// Adds one id (a device that just paired).
    pub fn allow(&self, id: EndpointId) {
        if let Ok(mut allowed) = self.allowed.write() {
            allowed.insert(id);
        }
    }

    /// Accepts pairing connections until `unix_secs` (0: none).
    pub fn open_pairing_until(&self, unix_secs: i64) {
        self.pairing_until.store(unix_secs, Ordering::Relaxed);
    }

    fn pairing_open(&self) -> bool {
        jiff::Timestamp::now().as_second() <= self.pairing_until.load(Ordering::Relaxed)
    }

    /// Whether `id` may replicate.
    pub fn is_allowed(&self, id: &EndpointId) -> bool {
        self.allowed.read().is_ok_and(|a| a.contains(id))
    }
}

impl EndpointHooks for MemberGate {
    /// Runs after TLS has authenticated the remote's endpoint id and before any stream is
    /// accepted: a non-member never gets to send or receive a journal byte. Pairing is open,
    /// because the ticket's secret is what proves an invitation.
    async fn after_handshake<'a>(&'a self, conn: &'a Connection) -> AfterHandshakeOutcome {
        let remote = conn.remote_id();
        // Only connections others open to us: our own dials go only to members anyway.
        let incoming = conn.side() == iroh::endpoint::Side::Server;
        if incoming && conn.alpn() == SYNC_ALPN && self.is_shut_out(&remote) {
            tracing::warn!(remote = %remote.fmt_short(), "refused a device whose person was not admitted to the journal");
            return AfterHandshakeOutcome::Reject {
                error_code: VarInt::from_u32(NOT_A_MEMBER),
                reason: b"this journal already has its two people, and this device's person is not one of them (another device admitted someone else first)".to_vec(),
            };
        }
        if incoming && conn.alpn() == SYNC_ALPN && !self.is_allowed(&remote) {
            tracing::warn!(remote = %remote.fmt_short(), "refused a sync connection from a device that is not a member");
            return AfterHandshakeOutcome::Reject {
                error_code: VarInt::from_u32(NOT_A_MEMBER),
                reason: b"not a member of this journal".to_vec(),
            };
        }
        // Pairing is open only while an invitation is: otherwise nobody has a reason to
        // speak it, and an unauthenticated stranger gets nothing to hold on to.
        if incoming && conn.alpn() == crate::PAIR_ALPN && !self.pairing_open() {
            tracing::info!(remote = %remote.fmt_short(), "refused a pairing connection: no invitation is open");
            return AfterHandshakeOutcome::Reject {
                error_code: VarInt::from_u32(NOT_A_MEMBER),
                reason: b"no invitation is open on this device (it may have restarted or been locked); ask for a new one".to_vec(),
            };
        }
        AfterHandshakeOutcome::Accept
    }
}
