//! The members list: which devices belong to the journal and whose they are.

use automerge::{ObjType, ReadDoc, transaction::Transactable};
use duet_proto::MemberView;
use jiff::Timestamp;

use crate::{Journal, JournalError, read, schema};

/// A device of the journal and the person it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The device's id (32 hex digits).
    pub device_id: String,
    /// The device's name, e.g. its hostname.
    pub device_name: String,
    /// The id of the person; one person may have several devices.
    pub person_id: String,
    /// The person's display name.
    pub person_name: String,
}

impl Journal {
    /// Adds a device to the members list, or updates its names.
    pub fn upsert_member(&mut self, m: &Member, now: Timestamp) -> Result<(), JournalError> {
        crate::journal::non_blank("a device name", &m.device_name)?;
        crate::journal::non_blank("a name", &m.person_name)?;
        let members = self.root_map(schema::MEMBERS);
        let entry = match read::obj(&self.doc, &members, &m.device_id) {
            Some(e) => e,
            None => {
                let e = self.doc.put_object(&members, &m.device_id, ObjType::Map)?;
                self.doc.put(
                    &e,
                    "added_at",
                    automerge::ScalarValue::Timestamp(read::ms(now)),
                )?;
                e
            }
        };
        self.doc
            .put(&entry, "device_name", m.device_name.as_str())?;
        self.doc.put(&entry, "person_id", m.person_id.as_str())?;
        self.doc
            .put(&entry, "person_name", m.person_name.as_str())?;
        self.commit("member upsert", now);
        Ok(())
    }

    /// One member by device id.
    pub fn member(&self, device_id: &str) -> Option<Member> {
        let members = self.root_map(schema::MEMBERS);
        let entry = read::obj(&self.doc, &members, device_id)?;
        Some(Member {
            device_id: device_id.to_owned(),
            device_name: read::string(&self.doc, &entry, "device_name").unwrap_or_default(),
            person_id: read::string(&self.doc, &entry, "person_id").unwrap_or_default(),
            person_name: read::string(&self.doc, &entry, "person_name").unwrap_or_default(),
        })
    }

    /// This device's member record.
    pub fn me(&self) -> Option<Member> {
        self.member(&self.device_id)
    }

    /// Every member, ordered by device id.
    pub fn members(&self) -> Vec<MemberView> {
        let members = self.root_map(schema::MEMBERS);
        self.doc
            .map_range(&members, ..)
            .filter_map(|item| self.member(&item.key))
            .map(|m| MemberView {
                is_self: m.device_id == self.device_id,
                device_id: m.device_id,
                device_name: m.device_name,
                person_id: m.person_id,
                person_name: m.person_name,
            })
            .collect()
    }

    /// The person id of a device, if it is a member.
    pub(crate) fn person_of(&self, device_id: &str) -> Option<String> {
        self.member(device_id).map(|m| m.person_id)
    }
}
