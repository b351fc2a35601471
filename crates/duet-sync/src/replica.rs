//! What the network layer needs from the journal, which lives in the daemon's engine.

use std::future::Future;

use tokio::sync::watch;

use crate::InviteFor;
use crate::wire::{MemberInfo, PersonInfo};

/// The journal refused or failed an operation the network asked for.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct ReplicaError(pub String);

/// A member as the network layer sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerRecord {
    /// Who.
    pub member: MemberInfo,
    /// Its endpoint id, if it has paired.
    pub endpoint_id: Option<String>,
    /// Its last known direct addresses.
    pub addrs: Vec<String>,
    /// Whether it was removed.
    pub removed: bool,
    /// Whether it is this device.
    pub is_self: bool,
    /// Whether its person is one of the journal's two people. A device of a person who lost
    /// the race for the partner slot is shut out: never dialled, never let in.
    pub admitted: bool,
}

/// The journal, as replication uses it. Implemented by the daemon over its engine, so every
/// received change is persisted before the next message is generated.
pub trait Replica: Clone + Send + Sync + 'static {
    /// The next automerge sync message for the session `peer` (its sync-state key), if any.
    fn generate(
        &self,
        peer: String,
    ) -> impl Future<Output = Result<Option<Vec<u8>>, ReplicaError>> + Send;
    /// Applies and durably stores a sync message from `peer`.
    fn receive(
        &self,
        peer: String,
        message: Vec<u8>,
    ) -> impl Future<Output = Result<(), ReplicaError>> + Send;
    /// Starts the sync state named `peer` (a session starting) from what the last session
    /// with device `endpoint` saved, so a reconnect moves only what changed since.
    fn resume(
        &self,
        peer: String,
        endpoint: String,
    ) -> impl Future<Output = Result<(), ReplicaError>> + Send;
    /// Saves what session `peer` knows in common with device `endpoint`, durably, for the
    /// next session (after a restart too). May skip saving if it saved very recently.
    fn save_state(
        &self,
        peer: String,
        endpoint: String,
    ) -> impl Future<Output = Result<(), ReplicaError>> + Send;
    /// Forgets the sync state named `peer` (a session ending).
    fn reset(&self, peer: String) -> impl Future<Output = Result<(), ReplicaError>> + Send;
    /// Whether `peer` has our heads.
    fn in_sync(&self, peer: String) -> impl Future<Output = Result<bool, ReplicaError>> + Send;
    /// Every member record.
    fn members(&self) -> impl Future<Output = Result<Vec<PeerRecord>, ReplicaError>> + Send;
    /// Adds or updates a member (pairing, or a device's own network identity).
    fn upsert_member(
        &self,
        record: PeerRecord,
    ) -> impl Future<Output = Result<(), ReplicaError>> + Send;
    /// Checks that an invitation of this kind may be issued now (a partner invitation only
    /// while the journal has one person) and names the person a joining device becomes
    /// (`None` for the partner, who stays themselves).
    fn check_invite(
        &self,
        invite_for: InviteFor,
    ) -> impl Future<Output = Result<Option<PersonInfo>, ReplicaError>> + Send;
    /// Records a device that redeemed an invitation of this kind, in one durable change
    /// with what the people register needs; refuses what the register does not allow.
    fn admit(
        &self,
        record: PeerRecord,
        invite_for: InviteFor,
    ) -> impl Future<Output = Result<(), ReplicaError>> + Send;
    /// Switches this device to the journal it joined, as `person` when it joined as a
    /// device of a person already there.
    fn adopt_journal(
        &self,
        journal_id: String,
        person: Option<PersonInfo>,
    ) -> impl Future<Output = Result<(), ReplicaError>> + Send;
    /// The invitations registry as last saved (sealed at rest by the implementation).
    fn load_invitations(
        &self,
    ) -> impl Future<Output = Result<Option<Vec<u8>>, ReplicaError>> + Send;
    /// Saves the invitations registry durably; it holds secrets, so it must be sealed.
    fn save_invitations(
        &self,
        bytes: Vec<u8>,
    ) -> impl Future<Output = Result<(), ReplicaError>> + Send;
    /// Ticks whenever the document changed (a local write or a received change).
    fn changes(&self) -> watch::Receiver<u64>;
}
