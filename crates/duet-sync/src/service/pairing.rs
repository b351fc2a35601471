//! Pairing: issuing invitations, the inviter's side of redeeming one, and the joiner's.
//!
//! What must hold, whoever sends what:
//! - The inviter records a joiner only for an open, unexpired invitation whose secret it
//!   proves, within [`crate::invitations::MAX_ATTEMPTS`] attempts, as the person the
//!   invitation is for; a partner only while the journal has one person.
//! - The joiner takes an answer only if it names the journal the ticket's keyed hash names,
//!   and, when this device already shares a journal, only from a device that is a member of
//!   it. So a stranger holding an old ticket cannot make a partner join the stranger.

use std::sync::Arc;
use std::time::Duration;

use iroh::EndpointId;
use iroh::endpoint::Connection;
use jiff::Timestamp;

use super::{DIAL_TIMEOUT, Inner, SyncService, accept_first, lock, open, refusal};
use crate::invitations::{InvitationInfo, InviteFor, MAX_LIFETIME};
use crate::replica::{PeerRecord, Replica};
use crate::wire::{Control, Frame, FrameStream, MemberInfo, PersonInfo};
use crate::{PAIR_ALPN, Refusal, SyncError, Ticket, phrase};

/// The result of redeeming a ticket.
#[derive(Debug, Clone)]
pub struct PairOutcome {
    /// The inviter.
    pub inviter: MemberInfo,
    /// The journal joined.
    pub journal_id: String,
    /// Words to compare with the inviter.
    pub phrase: String,
}

fn now() -> i64 {
    Timestamp::now().as_second()
}

async fn refuse(
    stream: &mut FrameStream,
    conn: &Connection,
    reason: String,
) -> Result<(), SyncError> {
    stream
        .send(&Frame::Control(Control::Refuse { reason }))
        .await?;
    // Let the joiner read the refusal before the connection goes.
    let _ = tokio::time::timeout(Duration::from_secs(2), conn.closed()).await;
    Ok(())
}

impl<R: Replica> Inner<R> {
    /// Restores the invitations saved before a restart and opens the gate for them.
    pub(super) async fn load_invitations(&self) {
        match self.replica.load_invitations().await {
            Ok(Some(bytes)) => {
                *lock(&self.invites) = crate::invitations::Invitations::from_bytes(&bytes);
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "could not read the saved invitations"),
        }
        self.publish_invitations().await;
    }

    /// Persists the registry (sealed by the replica) and tells the gate until when pairing
    /// connections may come in.
    async fn publish_invitations(&self) {
        let (bytes, until) = {
            let mut invites = lock(&self.invites);
            invites.prune(now());
            (invites.to_bytes(), invites.pairing_until(now()))
        };
        self.gate.open_pairing_until(until);
        if let Err(e) = self.replica.save_invitations(bytes).await {
            tracing::warn!(error = %e, "could not save the invitations");
        }
    }

    /// Refuses a joiner that claims the device id of another device (a copied home, or ours).
    fn check_joiner(&self, member: &MemberInfo, peer: EndpointId) -> Result<(), String> {
        if member.device_id == self.me().device_id {
            return Err("that device is a copy of this one (same device id): run `duet init` on it with a fresh --home".into());
        }
        let taken = lock(&self.known_devices)
            .get(&member.device_id)
            .is_some_and(|ep| *ep != peer);
        if taken {
            return Err("another device already uses that device id (a copied home?): run `duet init` on it with a fresh --home".into());
        }
        Ok(())
    }

    /// The inviter's side: checks the request, records the joiner, answers.
    pub(super) async fn accept_pair(self: Arc<Self>, conn: Connection) -> Result<(), SyncError> {
        let (mut stream, request) = accept_first(&conn, "the pairing request").await?;
        let Control::PairRequest {
            invite_id,
            secret,
            member,
            addr,
        } = request
        else {
            return Err(SyncError::Protocol("expected a pairing request".into()));
        };
        let peer = conn.remote_id();
        let verdict = lock(&self.invites).redeem(&invite_id, &secret, &peer.to_string(), now());
        self.publish_invitations().await;
        let invite_for = match verdict
            .map_err(|e| e.to_string())
            .and_then(|f| self.check_joiner(&member, peer).map(|()| f))
        {
            Ok(f) => f,
            Err(reason) => {
                tracing::warn!(remote = %peer.fmt_short(), %invite_id, %reason, "refused a pairing attempt");
                return refuse(&mut stream, &conn, reason).await;
            }
        };
        // The person the joiner becomes: ours, the partner's, or its own as the partner.
        let person = match self.replica.check_invite(invite_for).await {
            Ok(p) => p,
            Err(e) => {
                lock(&self.invites).reopen(&invite_id);
                self.publish_invitations().await;
                return refuse(&mut stream, &conn, e.to_string()).await;
            }
        };
        let mut joined = member.clone();
        if let Some(p) = &person {
            joined.person_id.clone_from(&p.person_id);
            joined.person_name.clone_from(&p.person_name);
        }
        let recorded = self
            .replica
            .admit(
                PeerRecord {
                    member: joined,
                    endpoint_id: Some(peer.to_string()),
                    addrs: addr.ip_addrs().map(ToString::to_string).collect(),
                    removed: false,
                    is_self: false,
                    admitted: true,
                },
                invite_for,
            )
            .await;
        if let Err(e) = recorded {
            // Say why, and let the same ticket be tried again.
            lock(&self.invites).reopen(&invite_id);
            self.publish_invitations().await;
            let reason = format!("the inviting device could not record the pairing: {e}");
            refuse(&mut stream, &conn, reason).await?;
            return Err(e.into());
        }
        if invite_for == InviteFor::Partner {
            let n = lock(&self.invites).cancel_all(
                InviteFor::Partner,
                "the journal now has its two people",
                now(),
            );
            if n > 0 {
                tracing::info!(cancelled = n, "cancelled other partner invitations");
            }
            self.publish_invitations().await;
        }
        self.gate.allow(peer);
        lock(&self.peers).entry(peer).or_default().addr = Some(addr);
        tracing::info!(peer = %peer.fmt_short(), kind = invite_for.as_str(), "paired a new device");
        stream
            .send(&Frame::Control(Control::PairAccept {
                member: self.me(),
                journal_id: self.journal_id(),
                person,
            }))
            .await?;
        // Let the joiner read the answer before the connection goes.
        let _ = tokio::time::timeout(Duration::from_secs(5), conn.closed()).await;
        self.refresh().await;
        Ok(())
    }

    /// The joiner's checks before it connects: this device may only join a journal it does
    /// not share yet, or be re-paired by a member of the one it shares.
    async fn check_inviter(&self, ticket: &Ticket) -> Result<Vec<PeerRecord>, SyncError> {
        let inviter = ticket.inviter.id;
        if inviter == self.endpoint.id() {
            return Err(Refusal::OwnInvitation.into());
        }
        let records = self.replica.members().await?;
        let others = records.iter().filter(|m| !m.is_self).count();
        if others == 0 {
            return Ok(records);
        }
        let inviter_is_member = records.iter().any(|m| {
            !m.is_self && !m.removed && m.endpoint_id.as_deref() == Some(&inviter.to_string())
        });
        if !inviter_is_member {
            return Err(Refusal::InviterOutsideJournal { others }.into());
        }
        if !ticket.names_journal(&self.journal_id()) {
            return Err(Refusal::OtherJournal.into());
        }
        Ok(records)
    }

    /// The joiner's checks of the answer: the journal the ticket names, an inviter record
    /// that is its own, and a person that fits the invitation.
    fn check_answer(
        &self,
        ticket: &Ticket,
        records: &[PeerRecord],
        member: &MemberInfo,
        journal_id: &str,
        person: Option<&PersonInfo>,
    ) -> Result<(), SyncError> {
        let refused = |why: &'static str| Err(Refusal::AnswerMismatch(why).into());
        if !ticket.names_journal(journal_id) {
            return refused("another journal");
        }
        if member.device_id == self.me().device_id {
            return refused("it claims to be this device");
        }
        let inviter = ticket.inviter.id.to_string();
        if records.iter().any(|r| {
            r.member.device_id == member.device_id
                && r.endpoint_id.as_deref().is_some_and(|e| e != inviter)
        }) {
            return refused("it claims the identity of another device");
        }
        match (ticket.invite_for, person) {
            (InviteFor::Partner, None) => Ok(()),
            (InviteFor::SamePerson | InviteFor::PartnerDevice, Some(_)) => Ok(()),
            _ => refused("the answer is for another kind of invitation"),
        }
    }
}

impl<R: Replica> SyncService<R> {
    /// Opens an invitation valid for `valid_for` (at most a day) for `invite_for`. Refused
    /// when the journal cannot take that device (a partner once both people are in).
    pub async fn invite(
        &self,
        valid_for: Duration,
        invite_for: InviteFor,
    ) -> Result<Ticket, SyncError> {
        if valid_for > MAX_LIFETIME {
            return Err(Refusal::TooLong.into());
        }
        self.inner.replica.check_invite(invite_for).await?;
        let (invite_id, secret, expires_at) =
            lock(&self.inner.invites).open(invite_for, valid_for, now());
        self.inner.publish_invitations().await;
        Ok(Ticket {
            inviter: self.inner.endpoint.addr(),
            invite_id,
            journal_tag: Ticket::journal_tag(&secret, &self.inner.journal_id()),
            secret,
            expires_at,
            invite_for,
        })
    }

    /// Every invitation of the last week, newest first.
    pub fn invitations(&self) -> Vec<InvitationInfo> {
        lock(&self.inner.invites).list(now())
    }

    /// Cancels the open invitation whose id starts with `prefix`.
    pub async fn cancel_invitation(&self, prefix: &str) -> Result<crate::InviteId, SyncError> {
        let id = lock(&self.inner.invites)
            .cancel(prefix, "cancelled on this device", now())
            .map_err(Refusal::NoSuchInvitation)?;
        self.inner.publish_invitations().await;
        tracing::info!(%id, "invitation cancelled");
        Ok(id)
    }

    /// Redeems a ticket: proves the secret to the inviter, checks its answer against the
    /// ticket, adopts its journal, records it as a member and starts syncing with it.
    pub async fn pair(&self, ticket: &str) -> Result<PairOutcome, SyncError> {
        // The inviter decides expiry; a few minutes of slack here absorb clock skew.
        let ticket = Ticket::decode(ticket, now() - 300)?;
        let records = self.inner.check_inviter(&ticket).await?;
        let inviter = ticket.inviter.id;
        let (conn, mut stream) = open(
            &self.inner.endpoint,
            ticket.inviter.clone(),
            PAIR_ALPN,
            "reaching the inviting device",
        )
        .await?;
        let me = self.inner.me();
        stream
            .send(&Frame::Control(Control::PairRequest {
                invite_id: ticket.invite_id,
                secret: ticket.secret,
                member: me.clone(),
                addr: self.inner.endpoint.addr(),
            }))
            .await?;
        let answer = tokio::time::timeout(DIAL_TIMEOUT, stream.recv_control())
            .await
            .map_err(|_| SyncError::Timeout("waiting for the inviting device".into()))?
            .map_err(|e| refusal(&conn).unwrap_or(e))?;
        conn.close(0u32.into(), b"paired");
        let (member, journal_id, person) = match answer {
            Control::PairAccept {
                member,
                journal_id,
                person,
            } => (member, journal_id, person),
            Control::Refuse { reason } => return Err(Refusal::ByPeer(reason).into()),
            other => return Err(SyncError::Protocol(format!("unexpected {other:?}"))),
        };
        self.inner
            .check_answer(&ticket, &records, &member, &journal_id, person.as_ref())?;
        self.inner
            .replica
            .adopt_journal(journal_id.clone(), person.clone())
            .await?;
        if let Ok(mut j) = self.inner.journal_id.write() {
            j.clone_from(&journal_id);
        }
        if let Some(p) = person {
            let Ok(mut m) = self.inner.me.write() else {
                return Err(SyncError::Protocol("state lock poisoned".into()));
            };
            m.person_id = p.person_id;
            m.person_name = p.person_name;
        }
        self.inner
            .replica
            .upsert_member(PeerRecord {
                member: member.clone(),
                endpoint_id: Some(inviter.to_string()),
                addrs: ticket.inviter.ip_addrs().map(ToString::to_string).collect(),
                removed: false,
                is_self: false,
                admitted: true,
            })
            .await?;
        self.inner.gate.allow(inviter);
        lock(&self.inner.peers).entry(inviter).or_default().addr = Some(ticket.inviter);
        self.inner.refresh().await;
        Ok(PairOutcome {
            inviter: member,
            journal_id,
            phrase: phrase::phrase(&self.inner.endpoint.id(), &inviter),
        })
    }
}
