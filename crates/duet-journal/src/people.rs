//! The people register: a journal is for exactly two people, each with any number of devices.
//!
//! Two root registers, [`schema::PERSON_1`] and [`schema::PERSON_2`], hold person ids. They
//! are written once each, by the device that first admits a partner: slot 1 takes the
//! inviter's person, slot 2 the partner's. A journal of one person (before anyone was
//! invited as a partner) leaves both empty.
//!
//! Two devices of the first person can each admit someone different while they cannot reach
//! each other. Both then wrote slot 2 concurrently, and automerge keeps one deterministic
//! winner of a concurrent register write (and the others as conflicts), so every device that
//! has seen both writes agrees on who the partner is. The loser's devices are shut out:
//! they are not members, no device dials them or lets them in, and they are told why. Slots
//! are never freed; a person who loses every device comes back with a partner-device
//! invitation, not by taking a slot again.

use automerge::ROOT;
use jiff::Timestamp;

use crate::{Journal, JournalError, Member, read, schema};

/// Who an invitation admits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Another device of the inviting device's person.
    SamePerson,
    /// A new device of the other person of the journal.
    PartnerDevice,
    /// The partner, a second person: only while the journal has one.
    Partner,
}

/// The journal's people as the register resolves them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct People {
    /// The admitted person ids, slot 1 first. Empty while nobody was admitted as a partner
    /// (then every member is of the one person who started the journal).
    pub admitted: Vec<String>,
    /// Person ids that claimed slot 2 concurrently with the winner: their devices are shut
    /// out.
    pub shut_out: Vec<String>,
}

impl People {
    /// Whether a device of `person_id` belongs to the journal.
    pub fn admits(&self, person_id: &str) -> bool {
        self.admitted.is_empty() || self.admitted.iter().any(|p| p == person_id)
    }

    /// Whether both slots are taken.
    pub fn is_full(&self) -> bool {
        self.admitted.len() >= 2
    }
}

impl Journal {
    /// The register as this device currently sees it.
    pub fn people(&self) -> People {
        let mut admitted = Vec::new();
        for key in [schema::PERSON_1, schema::PERSON_2] {
            if let Some(p) = read::string(&self.doc, &ROOT, key) {
                admitted.push(p);
            }
        }
        let mut shut_out: Vec<String> = read::losing_strings(&self.doc, &ROOT, schema::PERSON_2)
            .into_iter()
            .filter(|p| !admitted.contains(p))
            .collect();
        shut_out.sort();
        shut_out.dedup();
        People { admitted, shut_out }
    }

    /// Whether the member's person belongs to the journal (false for a shut-out partner).
    pub fn is_admitted(&self, member: &Member) -> bool {
        self.people().admits(&member.person_id)
    }

    /// The person ids of the journal, from the register, or from the members while the
    /// register is empty.
    fn person_ids(&self) -> Vec<String> {
        let people = self.people();
        if !people.admitted.is_empty() {
            return people.admitted;
        }
        let mut ids: Vec<String> = self
            .all_members()
            .into_iter()
            .map(|m| m.person_id)
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }

    /// Checks whether an invitation of this kind may be issued now, and for a partner
    /// device, returns whose device it will be. Refusals name the reason in plain words.
    pub fn check_admission(&self, kind: Admission) -> Result<Option<Member>, JournalError> {
        let me = self.me().ok_or_else(|| {
            JournalError::NotAllowed("this device is not in its own members list".into())
        })?;
        let people = self.person_ids();
        match kind {
            Admission::SamePerson => Ok(None),
            Admission::Partner => {
                if people.iter().any(|p| *p != me.person_id) {
                    let partner = self.partner_of(&me.person_id);
                    return Err(JournalError::NotAllowed(format!(
                        "this journal already has its two people ({} and {}): invite a new device of yours with --same-person, or of {}'s with --partner-device",
                        me.person_name,
                        partner
                            .as_ref()
                            .map_or("your partner", |m| m.person_name.as_str()),
                        partner
                            .as_ref()
                            .map_or("your partner", |m| m.person_name.as_str()),
                    )));
                }
                Ok(None)
            }
            Admission::PartnerDevice => match self.partner_of(&me.person_id) {
                Some(m) => Ok(Some(m)),
                None => Err(JournalError::NotAllowed(
                    "this journal has no partner yet: invite your partner without --partner-device"
                        .into(),
                )),
            },
        }
    }

    /// A member record of the other person, preferring one that is not removed.
    fn partner_of(&self, person_id: &str) -> Option<Member> {
        let people = self.people();
        let mut others: Vec<Member> = self
            .all_members()
            .into_iter()
            .filter(|m| m.person_id != person_id && people.admits(&m.person_id))
            .collect();
        others.sort_by_key(|m| m.removed_at.is_some());
        others.into_iter().next()
    }

    /// Records a device admitted by an invitation of `kind`, in one change: its member
    /// record, and for a partner, the register's two slots. Refuses what the register does
    /// not allow (a third person), so two pairings racing on one device cannot both win.
    pub fn admit(
        &mut self,
        joiner: &Member,
        kind: Admission,
        now: Timestamp,
    ) -> Result<(), JournalError> {
        let me = self.me().ok_or_else(|| {
            JournalError::NotAllowed("this device is not in its own members list".into())
        })?;
        let expected = match (kind, self.check_admission(kind)?) {
            (Admission::SamePerson, _) => Some(me.person_id.clone()),
            (Admission::PartnerDevice, Some(partner)) => Some(partner.person_id),
            _ => None,
        };
        if let Some(expected) = expected
            && joiner.person_id != expected
        {
            return Err(JournalError::Invalid(
                "the joining device did not take the person the invitation is for".into(),
            ));
        }
        if kind == Admission::Partner {
            if joiner.person_id == me.person_id {
                return Err(JournalError::Invalid(
                    "the joining device claims to be you: use --same-person for your own devices"
                        .into(),
                ));
            }
            if self.people().admitted.is_empty() {
                self.doc_put_register(schema::PERSON_1, &me.person_id)?;
                self.doc_put_register(schema::PERSON_2, &joiner.person_id)?;
            }
        }
        self.upsert_member(joiner, now)
    }

    fn doc_put_register(&mut self, key: &str, person_id: &str) -> Result<(), JournalError> {
        use automerge::transaction::Transactable;
        self.doc.put(ROOT, key, person_id)?;
        Ok(())
    }

    /// Whether this device's own person lost the register race (its devices are shut out).
    pub fn shut_out(&self) -> bool {
        self.me().is_some_and(|m| !self.is_admitted(&m))
    }
}
