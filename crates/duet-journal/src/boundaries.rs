//! Boundaries: stated by one partner, acknowledged by the other, revisable, retirable, with
//! their whole history kept.
//!
//! Each revision is an element of a list and carries its own acknowledgements, so a revision
//! needs a fresh acknowledgement and the history shows who acknowledged which wording.

use automerge::{ObjId, ObjType, ReadDoc, ScalarValue, transaction::Transactable};
use duet_proto::{AckView, BoundaryRevisionView, BoundaryStatus, BoundaryView};
use jiff::Timestamp;

use crate::{EntryId, EntryKind, Journal, JournalError, ids, read, schema};

const ACTIVE: &str = "active";
const RETIRED: &str = "retired";

impl Journal {
    /// States a boundary and returns its id.
    pub fn add_boundary(&mut self, text: &str, now: Timestamp) -> Result<EntryId, JournalError> {
        crate::journal::non_blank("a boundary", text)?;
        crate::journal::within_cap("a boundary", text.len())?;
        let id = EntryId::generate(now);
        let map = self.root_map(schema::BOUNDARIES);
        let b = self.doc.put_object(&map, id.as_str(), ObjType::Map)?;
        self.doc.put(&b, "author", self.device_id.as_str())?;
        let t = ScalarValue::Timestamp(read::ms(now));
        self.doc.put(&b, "created_at", t.clone())?;
        self.doc.put(&b, "updated_at", t)?;
        self.doc.put(&b, "status", ACTIVE)?;
        let revisions = self.doc.put_object(&b, "revisions", ObjType::List)?;
        self.push_revision(&revisions, 0, text, now)?;
        self.commit("boundary add", now);
        Ok(id)
    }

    fn push_revision(
        &mut self,
        revisions: &ObjId,
        index: usize,
        text: &str,
        now: Timestamp,
    ) -> Result<(), JournalError> {
        let rev = self.doc.insert_object(revisions, index, ObjType::Map)?;
        self.doc.put(&rev, "text", text)?;
        self.doc.put(&rev, "by", self.device_id.as_str())?;
        self.doc
            .put(&rev, "at", ScalarValue::Timestamp(read::ms(now)))?;
        self.doc.put_object(&rev, "acks", ObjType::Map)?;
        Ok(())
    }

    /// The short forms of `listed` boundary ids, unique among every boundary, retired ones
    /// included: everything [`Journal::resolve_boundary`] resolves against.
    pub fn short_boundary_ids<'a>(&self, listed: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        let all: Vec<String> = self.doc.keys(self.root_map(schema::BOUNDARIES)).collect();
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        duet_proto::short_ids(listed, &all)
    }

    /// The id of the boundary that `prefix` names uniquely.
    pub fn resolve_boundary(&self, prefix: &str) -> Result<EntryId, JournalError> {
        ids::resolve(
            &self.doc,
            &self.root_map(schema::BOUNDARIES),
            EntryKind::Boundary,
            prefix,
        )
    }

    fn boundary_obj(&self, id: &EntryId) -> Result<ObjId, JournalError> {
        read::obj(&self.doc, &self.root_map(schema::BOUNDARIES), id.as_str()).ok_or_else(|| {
            JournalError::NotFound {
                kind: "boundary",
                prefix: id.to_string(),
            }
        })
    }

    /// Refuses unless this device belongs to the person who stated the boundary.
    fn require_own(&self, b: &ObjId, verb: &str) -> Result<(), JournalError> {
        let author = read::string(&self.doc, b, "author").unwrap_or_default();
        if author != self.device_id && self.person_of(&author) != self.person_of(&self.device_id) {
            return Err(JournalError::NotAllowed(format!(
                "only {} can {verb} this boundary: it is theirs",
                self.person_name(&author)
            )));
        }
        Ok(())
    }

    fn require_active(&self, b: &ObjId, id: &EntryId) -> Result<(), JournalError> {
        if read::string(&self.doc, b, "status").as_deref() == Some(RETIRED) {
            return Err(JournalError::Invalid(format!("boundary {id} is retired")));
        }
        Ok(())
    }

    /// Rewords a boundary. The new revision starts unacknowledged.
    pub fn revise_boundary(
        &mut self,
        id: &EntryId,
        text: &str,
        now: Timestamp,
    ) -> Result<(), JournalError> {
        crate::journal::non_blank("a boundary", text)?;
        crate::journal::within_cap("a boundary", text.len())?;
        let b = self.boundary_obj(id)?;
        self.require_own(&b, "revise")?;
        self.require_active(&b, id)?;
        let revisions = match read::obj(&self.doc, &b, "revisions") {
            Some(r) => r,
            None => self.doc.put_object(&b, "revisions", ObjType::List)?,
        };
        let end = self.doc.length(&revisions);
        self.push_revision(&revisions, end, text, now)?;
        self.doc
            .put(&b, "updated_at", ScalarValue::Timestamp(read::ms(now)))?;
        self.commit("boundary revise", now);
        Ok(())
    }

    /// Retires a boundary; it stays in the history.
    pub fn retire_boundary(&mut self, id: &EntryId, now: Timestamp) -> Result<(), JournalError> {
        let b = self.boundary_obj(id)?;
        self.require_own(&b, "retire")?;
        self.require_active(&b, id)?;
        let t = ScalarValue::Timestamp(read::ms(now));
        self.doc.put(&b, "status", RETIRED)?;
        self.doc.put(&b, "retired_at", t.clone())?;
        self.doc.put(&b, "updated_at", t)?;
        self.commit("boundary retire", now);
        Ok(())
    }

    /// Acknowledges the current revision of the partner's boundary. Acknowledging a revision
    /// twice is harmless.
    pub fn ack_boundary(&mut self, id: &EntryId, now: Timestamp) -> Result<(), JournalError> {
        let b = self.boundary_obj(id)?;
        let author = read::string(&self.doc, &b, "author").unwrap_or_default();
        let mine = self.person_of(&self.device_id);
        if author == self.device_id || (mine.is_some() && self.person_of(&author) == mine) {
            let partnered = self
                .members()
                .iter()
                .any(|m| Some(&m.person_id) != mine.as_ref());
            return Err(JournalError::NotAllowed(if partnered {
                "this is your own boundary: only your partner can acknowledge it, from their device"
                    .into()
            } else {
                "only your partner can acknowledge a boundary, from their own device; pair with them first".into()
            }));
        }
        self.require_active(&b, id)?;
        let revisions = read::obj(&self.doc, &b, "revisions")
            .ok_or_else(|| JournalError::Schema(format!("boundary {id} has no revisions")))?;
        let last = self
            .doc
            .length(&revisions)
            .checked_sub(1)
            .ok_or_else(|| JournalError::Schema(format!("boundary {id} has no revisions")))?;
        let rev = match self.doc.get(&revisions, last) {
            Ok(Some((automerge::Value::Object(_), rev))) => rev,
            _ => return Err(JournalError::Schema(format!("boundary {id} is malformed"))),
        };
        let acks = match read::obj(&self.doc, &rev, "acks") {
            Some(a) => a,
            None => self.doc.put_object(&rev, "acks", ObjType::Map)?,
        };
        if read::int(&self.doc, &acks, &self.device_id).is_some() {
            return Ok(());
        }
        let t = ScalarValue::Timestamp(read::ms(now));
        self.doc.put(&acks, self.device_id.as_str(), t.clone())?;
        self.doc.put(&b, "updated_at", t)?;
        self.commit("boundary ack", now);
        Ok(())
    }

    /// One boundary with its history.
    pub fn boundary(&self, id: &EntryId) -> Result<BoundaryView, JournalError> {
        let b = self.boundary_obj(id)?;
        Ok(self.boundary_view(id.as_str(), &b))
    }

    /// Boundaries oldest first; retired ones only when asked.
    pub fn boundaries(&self, include_retired: bool) -> Vec<BoundaryView> {
        let map = self.root_map(schema::BOUNDARIES);
        let entries: Vec<(String, ObjId)> = self
            .doc
            .map_range(&map, ..)
            .map(|i| (i.key.clone().into_owned(), i.id()))
            .collect();
        entries
            .into_iter()
            .map(|(id, obj)| self.boundary_view(&id, &obj))
            .filter(|b| include_retired || b.status == BoundaryStatus::Active)
            .collect()
    }

    fn boundary_view(&self, id: &str, b: &ObjId) -> BoundaryView {
        let author_id = read::string(&self.doc, b, "author").unwrap_or_default();
        let author_person = self.person_of(&author_id);
        let created_at = read::time(&self.doc, b, "created_at").unwrap_or_default();
        let revisions: Vec<BoundaryRevisionView> = read::obj(&self.doc, b, "revisions")
            .map(|list| {
                self.doc
                    .list_range(&list, ..)
                    .enumerate()
                    .map(|(i, item)| {
                        let rev = item.id();
                        let acks = read::obj(&self.doc, &rev, "acks")
                            .map(|acks| {
                                self.doc
                                    .map_range(&acks, ..)
                                    .filter_map(|a| {
                                        let at = a.value.into_value().as_i64()?;
                                        Some(AckView {
                                            by: self.person_name(&a.key),
                                            by_id: a.key.into_owned(),
                                            at: Timestamp::from_millisecond(at).ok()?,
                                        })
                                    })
                                    .collect()
                            })
                            .unwrap_or_default();
                        BoundaryRevisionView {
                            revision: u32::try_from(i + 1).unwrap_or(u32::MAX),
                            text: read::string(&self.doc, &rev, "text").unwrap_or_default(),
                            at: read::time(&self.doc, &rev, "at").unwrap_or(created_at),
                            acks,
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        let current = revisions.last();
        let acknowledged = current.is_some_and(|r| {
            r.acks
                .iter()
                .any(|a| self.person_of(&a.by_id) != author_person || author_person.is_none())
        });
        BoundaryView {
            id: id.to_owned(),
            text: current.map(|r| r.text.clone()).unwrap_or_default(),
            author: self.person_name(&author_id),
            author_id,
            status: match read::string(&self.doc, b, "status").as_deref() {
                Some(RETIRED) => BoundaryStatus::Retired,
                _ => BoundaryStatus::Active,
            },
            created_at,
            updated_at: read::time(&self.doc, b, "updated_at").unwrap_or(created_at),
            revision: current.map_or(0, |r| r.revision),
            acknowledged,
            retired_at: read::time(&self.doc, b, "retired_at"),
            revisions,
        }
    }
}
