//! duet's network layer: how two partners' daemons find each other, pair, and replicate.
//!
//! - One iroh endpoint per device ([`endpoint::build`]), with a persistent secret key, so a
//!   device's network identity (its endpoint id) is stable. Two ALPNs: [`PAIR_ALPN`] for
//!   redeeming an invitation, [`SYNC_ALPN`] for replication.
//! - Pairing: the inviter hands out a one-line [`Ticket`] (its address, an invitation id, a
//!   one-time secret and the journal as a keyed hash under that secret). The joiner proves
//!   the secret over `duet/pair/2` and checks the answer against the ticket; a device that
//!   already shares a journal only takes an answer from a member of it. Both record each
//!   other and show a [`phrase`] derived from both endpoint ids to compare aloud.
//!   [`invitations`] holds the rules: a day at most, a bounded number of attempts, one
//!   journal of exactly two people.
//! - Only members get in: an endpoint hook ([`access::MemberGate`]) rejects every
//!   `duet/sync/1` connection whose authenticated endpoint id is not a current member, after
//!   the TLS handshake and before any application byte.
//! - Replication is automerge's own sync protocol, one session per connected peer
//!   ([`session`]), pushed on every local commit. The document itself stays in the daemon,
//!   behind the [`Replica`] trait.
//!
//! Nothing here touches the store or keys beyond the endpoint's secret key handed in.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod access;
pub mod endpoint;
mod error;
pub mod invitations;
pub mod phrase;
mod replica;
pub mod service;
pub mod session;
mod ticket;
pub mod wire;

pub use error::{Refusal, SyncError};
pub use invitations::{InvitationInfo, InviteFor, InviteId};
pub use replica::{PeerRecord, Replica, ReplicaError};
pub use service::{PairOutcome, PeerStatus, SyncService};
pub use ticket::{Ticket, TicketError};

/// ALPN of the pairing protocol: redeem a ticket, exchange member records.
pub const PAIR_ALPN: &[u8] = b"duet/pair/2";
/// ALPN of the replication protocol: a hello, then automerge sync messages both ways.
pub const SYNC_ALPN: &[u8] = b"duet/sync/1";

pub use iroh::{EndpointAddr, EndpointId, SecretKey};
