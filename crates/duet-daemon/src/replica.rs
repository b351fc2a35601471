//! The journal as the sync layer sees it: [`duet_sync::Replica`] over the engine.

use duet_journal::{APPLY_BATCH_BYTES, Admission, Journal, Member};
use duet_sync::wire::{MemberInfo, PersonInfo};
use duet_sync::{InviteFor, PeerRecord, Replica, ReplicaError};
use tokio::sync::watch;

use crate::config::SharedConfig;
use crate::engine::{Engine, EngineError};

/// The engine plus what adopting a journal must also update (the config).
#[derive(Clone)]
pub struct EngineReplica {
    pub(crate) engine: Engine,
    pub(crate) config: SharedConfig,
}

fn err(e: EngineError) -> ReplicaError {
    ReplicaError(e.to_string())
}

/// Debug builds only: makes applying any received sync message panic (tests).
const PANIC_ON_RECEIVE: &str = "DUET_TEST_PANIC_ON_RECEIVE";

/// The store record that holds what the last sync session with a device had in common with
/// it (automerge's encoded sync state: shared heads), so a reconnect resumes.
fn sync_state_record(endpoint: &str) -> String {
    format!("sync-state/{endpoint}")
}

/// The store record that holds the invitations registry (sealed like everything else).
const INVITATIONS_RECORD: &str = "invitations";

fn admission(f: InviteFor) -> Admission {
    match f {
        InviteFor::SamePerson => Admission::SamePerson,
        InviteFor::PartnerDevice => Admission::PartnerDevice,
        InviteFor::Partner => Admission::Partner,
    }
}

fn member_of(r: PeerRecord) -> Member {
    Member {
        device_id: r.member.device_id,
        device_name: r.member.device_name,
        person_id: r.member.person_id,
        person_name: r.member.person_name,
        endpoint_id: r.endpoint_id,
        addrs: r.addrs,
        ..Member::default()
    }
}

fn record(people: &duet_journal::People, m: Member, self_id: &str) -> PeerRecord {
    PeerRecord {
        admitted: people.admits(&m.person_id),
        is_self: m.device_id == self_id,
        member: MemberInfo {
            device_id: m.device_id,
            device_name: m.device_name,
            person_id: m.person_id,
            person_name: m.person_name,
        },
        endpoint_id: m.endpoint_id,
        addrs: m.addrs,
        removed: m.removed_at.is_some(),
    }
}

impl Replica for EngineReplica {
    async fn generate(&self, peer: String) -> Result<Option<Vec<u8>>, ReplicaError> {
        self.engine
            .read(move |j| Ok(j.sync_generate(&peer)))
            .await
            .map_err(err)
    }

    /// A large message is applied in parts of at most [`APPLY_BATCH_BYTES`] of changes, each
    /// its own durable engine job: requests queued meanwhile are served between parts, and a
    /// crash keeps the parts already applied.
    async fn receive(&self, peer: String, message: Vec<u8>) -> Result<(), ReplicaError> {
        let parts = Journal::sync_split(message, APPLY_BATCH_BYTES)
            .map_err(|e| ReplicaError(e.to_string()))?;
        for part in parts {
            let peer = peer.clone();
            self.engine
                .write(move |j, _| {
                    // Tests inject a panic here to prove that one cannot take the daemon
                    // down; release builds ignore the variable.
                    if cfg!(debug_assertions) && std::env::var_os(PANIC_ON_RECEIVE).is_some() {
                        panic!("injected panic while applying a sync message ({PANIC_ON_RECEIVE})");
                    }
                    j.sync_receive(&peer, &part)
                })
                .await
                .map_err(err)?;
        }
        Ok(())
    }

    async fn reset(&self, peer: String) -> Result<(), ReplicaError> {
        self.engine
            .read(move |j| {
                j.sync_reset(&peer);
                Ok(())
            })
            .await
            .map_err(err)
    }

    async fn resume(&self, peer: String, endpoint: String) -> Result<(), ReplicaError> {
        self.engine
            .with_store(move |j, store| {
                // A damaged or missing record only costs a bigger first exchange.
                let saved = store.record(&sync_state_record(&endpoint)).ok().flatten();
                j.sync_resume(&peer, saved.as_deref());
                Ok(())
            })
            .await
            .map_err(err)
    }

    async fn save_state(&self, peer: String, endpoint: String) -> Result<(), ReplicaError> {
        self.engine
            .with_store(move |j, store| {
                if let Some(bytes) = j.sync_saved_state(&peer) {
                    store
                        .put_record(&sync_state_record(&endpoint), Some(&bytes))
                        .map_err(|e| EngineError::Storage(e.to_string()))?;
                }
                Ok(())
            })
            .await
            .map_err(err)
    }

    async fn in_sync(&self, peer: String) -> Result<bool, ReplicaError> {
        self.engine
            .read(move |j| Ok(j.sync_in_sync(&peer)))
            .await
            .map_err(err)
    }

    async fn members(&self) -> Result<Vec<PeerRecord>, ReplicaError> {
        self.engine
            .read(|j| {
                let me = j.device_id().to_owned();
                // The register is read once, not once per member.
                let people = j.people();
                Ok(j.all_members()
                    .into_iter()
                    .map(|m| record(&people, m, &me))
                    .collect())
            })
            .await
            .map_err(err)
    }

    async fn upsert_member(&self, r: PeerRecord) -> Result<(), ReplicaError> {
        let is_self = r.is_self;
        let member = member_of(r);
        self.engine
            .write(move |j, now| {
                // A device that learnt it was removed stays removed: only another member
                // (pairing it again) may bring it back.
                if is_self
                    && j.member(&member.device_id)
                        .is_some_and(|m| m.removed_at.is_some())
                {
                    return Ok(());
                }
                // A record that exists and is the same needs no change (and makes none).
                if j.member(&member.device_id).is_some_and(|m| {
                    m.removed_at.is_none()
                        && m.device_name == member.device_name
                        && m.person_id == member.person_id
                        && m.person_name == member.person_name
                        && m.endpoint_id == member.endpoint_id
                        && (member.addrs.is_empty() || m.addrs == member.addrs)
                }) {
                    return Ok(());
                }
                j.upsert_member(&member, now)
            })
            .await
            .map_err(err)
    }

    async fn check_invite(
        &self,
        invite_for: InviteFor,
    ) -> Result<Option<PersonInfo>, ReplicaError> {
        self.engine
            .read(move |j| {
                let partner = j.check_admission(admission(invite_for))?;
                Ok(match invite_for {
                    InviteFor::Partner => None,
                    InviteFor::PartnerDevice => partner.map(|m| PersonInfo {
                        person_id: m.person_id,
                        person_name: m.person_name,
                    }),
                    InviteFor::SamePerson => j.me().map(|m| PersonInfo {
                        person_id: m.person_id,
                        person_name: m.person_name,
                    }),
                })
            })
            .await
            .map_err(err)
    }

    async fn admit(&self, r: PeerRecord, invite_for: InviteFor) -> Result<(), ReplicaError> {
        let member = member_of(r);
        self.engine
            .write(move |j, now| j.admit(&member, admission(invite_for), now))
            .await
            .map_err(err)
    }

    async fn load_invitations(&self) -> Result<Option<Vec<u8>>, ReplicaError> {
        self.engine
            .with_store(|_, store| {
                store
                    .record(INVITATIONS_RECORD)
                    .map_err(|e| EngineError::Storage(e.to_string()))
            })
            .await
            .map_err(err)
    }

    async fn save_invitations(&self, bytes: Vec<u8>) -> Result<(), ReplicaError> {
        self.engine
            .with_store(move |_, store| {
                store
                    .put_record(INVITATIONS_RECORD, Some(&bytes))
                    .map_err(|e| EngineError::Storage(e.to_string()))
            })
            .await
            .map_err(err)
    }

    async fn adopt_journal(
        &self,
        journal_id: String,
        person: Option<PersonInfo>,
    ) -> Result<(), ReplicaError> {
        let config = self.config.clone();
        self.engine
            .with_store(move |j, store| {
                // The config first (an atomic file replace): it is what the daemon reads
                // the journal id from; then the store's copy; the member change last, so a
                // failure leaves no committed change behind in memory.
                config
                    .update(|c| {
                        c.journal_id.clone_from(&journal_id);
                        if let Some(p) = &person {
                            c.person_id.clone_from(&p.person_id);
                        }
                    })
                    .map_err(|e| EngineError::Storage(e.to_string()))?;
                store
                    .set_journal_id(&journal_id)
                    .map_err(|e| EngineError::Storage(e.to_string()))?;
                if let (Some(p), Some(mut me)) = (&person, j.me()) {
                    me.person_id.clone_from(&p.person_id);
                    me.person_name.clone_from(&p.person_name);
                    j.upsert_member(&me, jiff::Timestamp::now())?;
                }
                Ok(())
            })
            .await
            .map_err(err)
    }

    fn changes(&self) -> watch::Receiver<u64> {
        self.engine.changes()
    }
}
