//! The members list: which devices belong to the journal, whose they are, and how to reach
//! them.
//!
//! It replicates like everything else, so a device invited by any member becomes known to
//! all. Each device keeps its own record's network fields (endpoint id, last known
//! addresses) current; removal is a tombstone (`removed_at`) so entries written by a removed
//! device keep their author's name.

use automerge::{ObjType, ReadDoc, ScalarValue, transaction::Transactable};
use duet_proto::{DeviceChange, MemberView};
use jiff::Timestamp;

use crate::{Journal, JournalError, read, schema};

/// A device of the journal and the person it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Member {
    /// The device's id (32 hex digits).
    pub device_id: String,
    /// The device's name, e.g. its hostname.
    pub device_name: String,
    /// The id of the person; one person may have several devices.
    pub person_id: String,
    /// The person's display name.
    pub person_name: String,
    /// The device's iroh endpoint id (its network identity), once it has one.
    pub endpoint_id: Option<String>,
    /// The device's last known direct addresses (`ip:port`), as it last reported them.
    pub addrs: Vec<String>,
    /// When the device was removed from the journal, if it was.
    pub removed_at: Option<Timestamp>,
    /// When the device was added (its record first written).
    pub added_at: Option<Timestamp>,
    /// The device that added it: itself for the device that started the journal, else the
    /// inviting device.
    pub added_by: Option<String>,
    /// The device that removed it, if it was removed.
    pub removed_by: Option<String>,
}

impl Journal {
    /// Adds a device to the members list, or updates its names and network identity. A
    /// removed device that is added again is restored.
    pub fn upsert_member(&mut self, m: &Member, now: Timestamp) -> Result<(), JournalError> {
        crate::journal::non_blank("a device name", &m.device_name)?;
        crate::journal::non_blank("a name", &m.person_name)?;
        let members = self.root_map(schema::MEMBERS);
        let entry = match read::obj(&self.doc, &members, &m.device_id) {
            Some(e) => e,
            None => {
                let e = self.doc.put_object(&members, &m.device_id, ObjType::Map)?;
                self.doc
                    .put(&e, "added_at", ScalarValue::Timestamp(read::ms(now)))?;
                self.doc.put(&e, "added_by", self.device_id.as_str())?;
                e
            }
        };
        let put_if_changed = |j: &mut Self, key: &str, value: &str| -> Result<(), JournalError> {
            if read::string(&j.doc, &entry, key).as_deref() != Some(value) {
                j.doc.put(&entry, key, value)?;
            }
            Ok(())
        };
        put_if_changed(self, "device_name", &m.device_name)?;
        put_if_changed(self, "person_id", &m.person_id)?;
        put_if_changed(self, "person_name", &m.person_name)?;
        if let Some(ep) = &m.endpoint_id {
            put_if_changed(self, "endpoint_id", ep)?;
        }
        if !m.addrs.is_empty() && read::strings(&self.doc, &entry, "addrs") != m.addrs {
            let list = self.doc.put_object(&entry, "addrs", ObjType::List)?;
            for (i, a) in m.addrs.iter().enumerate() {
                self.doc.insert(&list, i, a.as_str())?;
            }
        }
        if read::int(&self.doc, &entry, "removed_at").is_some() {
            self.doc.delete(&entry, "removed_at")?;
            self.doc.delete(&entry, "removed_by")?;
        }
        self.commit("member upsert", now);
        Ok(())
    }

    /// Marks a device as removed: it is no longer synced with, and entries it wrote keep
    /// their author.
    pub fn remove_member(&mut self, device_id: &str, now: Timestamp) -> Result<(), JournalError> {
        let members = self.root_map(schema::MEMBERS);
        let entry =
            read::obj(&self.doc, &members, device_id).ok_or_else(|| JournalError::NotFound {
                kind: "member",
                prefix: device_id.to_owned(),
            })?;
        if device_id == self.device_id {
            return Err(JournalError::NotAllowed(
                "this device cannot remove itself".into(),
            ));
        }
        self.doc
            .put(&entry, "removed_at", ScalarValue::Timestamp(read::ms(now)))?;
        self.doc
            .put(&entry, "removed_by", self.device_id.as_str())?;
        self.commit("member remove", now);
        Ok(())
    }

    /// The device id of the member that `prefix` names (a device id or endpoint id prefix,
    /// or a device name), among members that are not removed.
    pub fn resolve_member(&self, prefix: &str) -> Result<Member, JournalError> {
        let p = prefix.trim().to_ascii_lowercase();
        if p.is_empty() {
            return Err(JournalError::BadId(prefix.to_owned()));
        }
        let found: Vec<Member> = self
            .all_members()
            .into_iter()
            .filter(|m| m.removed_at.is_none() && m.device_id != self.device_id)
            .filter(|m| {
                m.device_id.starts_with(&p)
                    || m.endpoint_id.as_deref().is_some_and(|e| e.starts_with(&p))
                    || m.device_name.eq_ignore_ascii_case(prefix.trim())
            })
            .collect();
        match found.len() {
            0 => Err(JournalError::NotFound {
                kind: "member",
                prefix: prefix.to_owned(),
            }),
            1 => Ok(found.into_iter().next().unwrap_or_default()),
            n => Err(JournalError::Ambiguous {
                kind: "member",
                prefix: prefix.to_owned(),
                count: n,
                candidates: found.into_iter().map(|m| m.device_id).take(5).collect(),
            }),
        }
    }

    /// One member by device id, removed or not.
    pub fn member(&self, device_id: &str) -> Option<Member> {
        let members = self.root_map(schema::MEMBERS);
        let entry = read::obj(&self.doc, &members, device_id)?;
        Some(Member {
            device_id: device_id.to_owned(),
            device_name: read::string(&self.doc, &entry, "device_name").unwrap_or_default(),
            person_id: read::string(&self.doc, &entry, "person_id").unwrap_or_default(),
            person_name: read::string(&self.doc, &entry, "person_name").unwrap_or_default(),
            endpoint_id: read::string(&self.doc, &entry, "endpoint_id"),
            addrs: read::strings(&self.doc, &entry, "addrs"),
            removed_at: read::time(&self.doc, &entry, "removed_at"),
            added_at: read::time(&self.doc, &entry, "added_at"),
            added_by: read::string(&self.doc, &entry, "added_by"),
            removed_by: read::string(&self.doc, &entry, "removed_by"),
        })
    }

    /// This device's member record.
    pub fn me(&self) -> Option<Member> {
        self.member(&self.device_id)
    }

    /// Every member record, removed ones included, ordered by device id.
    pub fn all_members(&self) -> Vec<Member> {
        let members = self.root_map(schema::MEMBERS);
        self.doc
            .map_range(&members, ..)
            .filter_map(|item| self.member(&item.key))
            .collect()
    }

    /// Members that are not removed and whose person belongs to the journal, as views.
    pub fn members(&self) -> Vec<MemberView> {
        let people = self.people();
        self.all_members()
            .into_iter()
            .filter(|m| m.removed_at.is_none() && people.admits(&m.person_id))
            .map(|m| MemberView {
                is_self: m.device_id == self.device_id,
                device_id: m.device_id,
                device_name: m.device_name,
                person_id: m.person_id,
                person_name: m.person_name,
                endpoint_id: m.endpoint_id,
            })
            .collect()
    }

    /// Devices added or removed since `since`, newest first, with who did it: so neither
    /// partner's devices change without the other being told. The devices that started
    /// the journal (added by themselves) are not news.
    pub fn device_changes(&self, since: Timestamp) -> Vec<DeviceChange> {
        let mut out = Vec::new();
        for m in self.all_members() {
            let by = |d: &Option<String>| d.as_deref().map(|d| self.person_name(d));
            if let Some(at) = m.added_at
                && at >= since
                && m.added_by.as_deref() != Some(m.device_id.as_str())
            {
                out.push(DeviceChange {
                    at,
                    action: "added".into(),
                    device_name: m.device_name.clone(),
                    person_name: m.person_name.clone(),
                    by: by(&m.added_by),
                });
            }
            if let Some(at) = m.removed_at
                && at >= since
            {
                out.push(DeviceChange {
                    at,
                    action: "removed".into(),
                    device_name: m.device_name.clone(),
                    person_name: m.person_name.clone(),
                    by: by(&m.removed_by),
                });
            }
        }
        out.sort_by_key(|c| std::cmp::Reverse(c.at));
        out
    }

    /// For every device: its id, when it was added and the name of the person who added it
    /// (what `duet peers` shows next to each device).
    pub fn additions(&self) -> Vec<(String, Option<Timestamp>, Option<String>)> {
        self.all_members()
            .into_iter()
            .map(|m| {
                let by = m.added_by.as_deref().map(|d| self.person_name(d));
                (m.device_id, m.added_at, by)
            })
            .collect()
    }

    /// The person id of a device, if it is a member.
    pub(crate) fn person_of(&self, device_id: &str) -> Option<String> {
        self.member(device_id).map(|m| m.person_id)
    }
}
