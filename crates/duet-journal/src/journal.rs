//! The journal document and the operations every entry kind shares.

use automerge::{AutoCommit, ChangeHash, ObjId, ROOT, ReadDoc, transaction::CommitOptions};
use duet_proto::Counts;
use jiff::Timestamp;

use crate::{JournalError, Member, read, schema};

/// One journal: an automerge document plus the identity of the device working on it.
///
/// Every mutating method validates its input first, then applies the change and commits it
/// as one automerge change, so a refused operation leaves the document untouched.
pub struct Journal {
    pub(crate) doc: AutoCommit,
    pub(crate) device_id: String,
    /// Automerge sync states, one per replication session (keyed by the sync layer).
    pub(crate) sync_states: crate::sync::SyncSessions,
}

impl Journal {
    /// A new journal whose first member is this device.
    pub fn create(me: &Member, now: Timestamp) -> Result<Self, JournalError> {
        let mut journal = Self {
            doc: schema::genesis(),
            device_id: me.device_id.clone(),
            sync_states: Default::default(),
        };
        journal.upsert_member(me, now)?;
        Ok(journal)
    }

    /// Loads a journal saved by [`Journal::save`] (or a concatenation of saved chunks),
    /// checking that it is a duet journal this build understands.
    pub fn load(bytes: &[u8], device_id: &str) -> Result<Self, JournalError> {
        let doc = AutoCommit::load(bytes)?;
        // automerge quietly queues changes whose dependencies are absent; for a document read
        // back from our own store that means a chunk is missing, and continuing would drop
        // every change queued behind the gap (and a later compaction would make it final).
        let missing = doc.get_missing_deps(&[]);
        if !missing.is_empty() {
            return Err(JournalError::Schema(format!(
                "the journal is missing {} change(s) that later changes depend on: the store is incomplete or damaged",
                missing.len()
            )));
        }
        let journal = Self {
            doc,
            device_id: device_id.to_owned(),
            sync_states: Default::default(),
        };
        journal.check_schema()?;
        Ok(journal)
    }

    /// The highest schema version any current value of the root `schema` register claims, if
    /// it is newer than this build's (concurrent writes are all looked at, not only the
    /// winner).
    pub(crate) fn newer_schema(&self) -> Option<u64> {
        use automerge::ReadDoc as _;
        self.doc
            .get_all(ROOT, schema::SCHEMA)
            .ok()?
            .into_iter()
            .filter_map(|(v, _)| v.as_scalar().and_then(|s| s.as_u64()))
            .max()
            .filter(|v| *v > schema::SCHEMA_VERSION)
    }

    /// Test support: writes `version` into the root `schema` register, as a newer duet would.
    #[doc(hidden)]
    pub fn write_schema_version(
        &mut self,
        version: u64,
        now: Timestamp,
    ) -> Result<(), JournalError> {
        use automerge::transaction::Transactable as _;
        self.doc.put(ROOT, schema::SCHEMA, version)?;
        self.commit("schema upgrade", now);
        Ok(())
    }

    fn check_schema(&self) -> Result<(), JournalError> {
        let version = read::int(&self.doc, &ROOT, schema::SCHEMA)
            .ok_or_else(|| JournalError::Schema("this document is not a duet journal".into()))?;
        let version = u64::try_from(version).unwrap_or(u64::MAX);
        if version > schema::SCHEMA_VERSION {
            return Err(JournalError::Schema(format!(
                "this journal uses schema version {version}, newer than this duet understands ({}); upgrade duet",
                schema::SCHEMA_VERSION
            )));
        }
        for key in schema::ROOT_MAPS {
            if read::obj(&self.doc, &ROOT, key).is_none() {
                return Err(JournalError::Schema(format!(
                    "this document is not a duet journal (no '{key}' map)"
                )));
            }
        }
        Ok(())
    }

    /// The device this journal writes as.
    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    /// The whole document, compacted.
    pub fn save(&mut self) -> Vec<u8> {
        self.doc.save()
    }

    /// The changes since `heads`, for incremental persistence (and later, sync).
    pub fn save_after(&mut self, heads: &[ChangeHash]) -> Vec<u8> {
        self.doc.save_after(heads)
    }

    /// The current heads of the document.
    pub fn heads(&mut self) -> Vec<ChangeHash> {
        self.doc.get_heads()
    }

    /// Direct access to the automerge document, for the sync layer.
    pub fn doc_mut(&mut self) -> &mut AutoCommit {
        &mut self.doc
    }

    /// How many entries of each kind the journal holds.
    pub fn counts(&self) -> Counts {
        let (mut notes, mut trash) = (0, 0);
        let notes_map = self.root_map(schema::NOTES);
        for item in self.doc.map_range(&notes_map, ..) {
            let id = item.id();
            if read::int(&self.doc, &id, "deleted_at").is_some() {
                trash += 1;
            } else {
                notes += 1;
            }
        }
        Counts {
            notes,
            trash,
            checkins: self.doc.length(self.root_map(schema::CHECKINS)),
            boundaries: self.doc.length(self.root_map(schema::BOUNDARIES)),
        }
    }

    /// One of the root maps. They exist in every loaded journal (checked at load), so a
    /// missing one can only be a bug; ROOT stands in, and reads of it find nothing.
    pub(crate) fn root_map(&self, key: &str) -> ObjId {
        read::obj(&self.doc, &ROOT, key).unwrap_or(ROOT)
    }

    /// Commits the pending operations as one change. The message names the operation and
    /// never carries content.
    pub(crate) fn commit(&mut self, what: &str, now: Timestamp) {
        self.doc.commit_with(
            CommitOptions::default()
                .with_message(what)
                .with_time(now.as_second()),
        );
    }

    /// The display name of the person behind a device id.
    pub(crate) fn person_name(&self, device_id: &str) -> String {
        self.member(device_id)
            .map(|m| m.person_name)
            .unwrap_or_else(|| {
                // By characters, not bytes: a foreign document's id need not be ASCII.
                let short: String = device_id.chars().take(8).collect();
                format!("unknown device {short}")
            })
    }
}

/// Rejects text larger than [`duet_proto::MAX_ENTRY_BYTES`], naming the field: the cap
/// keeps every accepted entry sendable to the partner (one sync change) and readable back.
pub(crate) fn within_cap(field: &str, bytes: usize) -> Result<(), JournalError> {
    if bytes > duet_proto::MAX_ENTRY_BYTES {
        return Err(JournalError::Invalid(format!(
            "{field} would be {:.1} MiB; an entry holds at most {} MiB",
            bytes as f64 / (1024.0 * 1024.0),
            duet_proto::MAX_ENTRY_BYTES / (1024 * 1024)
        )));
    }
    Ok(())
}

/// Rejects blank text, naming the field.
pub(crate) fn non_blank(field: &str, value: &str) -> Result<(), JournalError> {
    if value.trim().is_empty() {
        return Err(JournalError::Invalid(format!("{field} must not be empty")));
    }
    Ok(())
}
