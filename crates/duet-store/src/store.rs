//! The store itself.

use std::path::{Path, PathBuf};

use duet_crypto::{DataKey, DeviceKey};
use redb::{Database, ReadableDatabase, ReadableTable};

use crate::StoreError;
use crate::tables::{
    CHUNKS, FORMAT_VERSION, META, META_DATA_KEY, META_FORMAT, META_JOURNAL_ID, RECORDS, chunk_aad,
    record_aad,
};

/// The name of the shared journal document in the chunk log. Later documents (e.g. private
/// drafts that never replicate) get names of their own.
pub const JOURNAL_DOC: &str = "journal";

/// Sizes of a document's chunk log, to decide when to compact.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreStats {
    /// How many chunks the log holds.
    pub chunks: usize,
    /// Their total sealed size in bytes.
    pub bytes: u64,
}

/// An open store: the redb database and its unsealed data key. Holding it holds redb's
/// exclusive lock on the file.
pub struct Store {
    db: Database,
    key: DataKey,
    journal_id: String,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .field("journal_id", &self.journal_id)
            .finish_non_exhaustive()
    }
}

fn open_error(path: &Path, e: redb::DatabaseError) -> StoreError {
    match e {
        redb::DatabaseError::DatabaseAlreadyOpen => StoreError::InUse {
            path: path.to_owned(),
        },
        redb::DatabaseError::Storage(redb::StorageError::Corrupted(reason)) => {
            StoreError::Corrupt {
                path: path.to_owned(),
                reason,
            }
        }
        other => StoreError::Database {
            path: path.to_owned(),
            source: other,
        },
    }
}

impl Store {
    /// Creates a new store for `journal_id` with a fresh data key sealed to `device`.
    /// Refuses if a file is already at `path`.
    pub fn create(path: &Path, device: &DeviceKey, journal_id: &str) -> Result<Self, StoreError> {
        if path.exists() {
            return Err(StoreError::Exists {
                path: path.to_owned(),
            });
        }
        let db = Database::create(path).map_err(|e| open_error(path, e))?;
        let key = DataKey::generate();
        let wrapped = key.wrap(device)?;
        let txn = db.begin_write()?;
        {
            let mut meta = txn.open_table(META)?;
            meta.insert(META_FORMAT, FORMAT_VERSION.to_le_bytes().as_slice())?;
            meta.insert(META_DATA_KEY, wrapped.as_slice())?;
            meta.insert(META_JOURNAL_ID, journal_id.as_bytes())?;
            txn.open_table(CHUNKS)?;
        }
        txn.commit()?;
        Ok(Self {
            db,
            key,
            journal_id: journal_id.to_owned(),
            path: path.to_owned(),
        })
    }

    /// Opens an existing store, unsealing its data key with `device`. Never creates or
    /// rewrites anything: a damaged or foreign file is reported, not replaced.
    pub fn open(path: &Path, device: &DeviceKey) -> Result<Self, StoreError> {
        if !path.exists() {
            return Err(StoreError::Missing {
                path: path.to_owned(),
            });
        }
        let db = Database::open(path).map_err(|e| open_error(path, e))?;
        let corrupt = |reason: &str| StoreError::Corrupt {
            path: path.to_owned(),
            reason: reason.to_owned(),
        };
        let txn = db.begin_read()?;
        let meta = match txn.open_table(META) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => {
                return Err(corrupt("it has no duet metadata"));
            }
            Err(e) => return Err(e.into()),
        };
        let format = meta
            .get(META_FORMAT)?
            .and_then(|v| <[u8; 4]>::try_from(v.value()).ok())
            .map(u32::from_le_bytes)
            .ok_or_else(|| corrupt("no format version"))?;
        if format > FORMAT_VERSION {
            return Err(StoreError::NewerFormat {
                found: format,
                supported: FORMAT_VERSION,
            });
        }
        let wrapped = meta
            .get(META_DATA_KEY)?
            .map(|v| v.value().to_vec())
            .ok_or_else(|| corrupt("no data key"))?;
        let journal_id = meta
            .get(META_JOURNAL_ID)?
            .and_then(|v| String::from_utf8(v.value().to_vec()).ok())
            .ok_or_else(|| corrupt("no journal id"))?;
        drop(meta);
        drop(txn);
        let key = DataKey::unwrap(&wrapped, device)?;
        Ok(Self {
            db,
            key,
            journal_id,
            path: path.to_owned(),
        })
    }

    /// The id of the journal this store holds.
    pub fn journal_id(&self) -> &str {
        &self.journal_id
    }

    /// Records that this store now keeps another journal (after pairing adopted it).
    pub fn set_journal_id(&mut self, journal_id: &str) -> Result<(), StoreError> {
        let txn = self.db.begin_write()?;
        txn.open_table(META)?
            .insert(META_JOURNAL_ID, journal_id.as_bytes())?;
        txn.commit()?;
        self.journal_id = journal_id.to_owned();
        Ok(())
    }

    /// The store file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every chunk of `doc`, unsealed, concatenated in order: the bytes to load the document
    /// from. Empty if the document has no chunks.
    pub fn load(&self, doc: &str) -> Result<Vec<u8>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(CHUNKS)?;
        let mut out = Vec::new();
        for entry in table.range((doc, 0u64)..=(doc, u64::MAX))? {
            let (k, v) = entry?;
            let (_, seq) = k.value();
            let plain = self
                .key
                .open(&chunk_aad(doc, seq), v.value())
                .map_err(|_| StoreError::Tampered {
                    doc: doc.to_owned(),
                    seq,
                })?;
            out.extend_from_slice(&plain);
        }
        Ok(out)
    }

    fn next_seq(
        table: &impl ReadableTable<(&'static str, u64), &'static [u8]>,
        doc: &str,
    ) -> Result<u64, StoreError> {
        let last = table
            .range((doc, 0u64)..=(doc, u64::MAX))?
            .next_back()
            .transpose()?
            .map(|(k, _)| k.value().1);
        Ok(last.map_or(0, |s| s + 1))
    }

    /// Appends a chunk to `doc`'s log in one durable transaction.
    pub fn append(&self, doc: &str, chunk: &[u8]) -> Result<(), StoreError> {
        let txn = self.db.begin_write()?;
        {
            let mut table = txn.open_table(CHUNKS)?;
            let seq = Self::next_seq(&table, doc)?;
            let sealed = self.key.seal(&chunk_aad(doc, seq), chunk);
            table.insert((doc, seq), sealed.as_slice())?;
        }
        txn.commit()?;
        Ok(())
    }

    /// Replaces `doc`'s whole log with one snapshot, atomically: a crash leaves either the old
    /// log or the new snapshot, never neither.
    pub fn compact(&self, doc: &str, snapshot: &[u8]) -> Result<(), StoreError> {
        let txn = self.db.begin_write()?;
        {
            let mut table = txn.open_table(CHUNKS)?;
            // Sequence numbers keep growing, so the snapshot never reuses a sealed location.
            let seq = Self::next_seq(&table, doc)?;
            table.retain_in((doc, 0u64)..(doc, seq), |_, _| false)?;
            let sealed = self.key.seal(&chunk_aad(doc, seq), snapshot);
            table.insert((doc, seq), sealed.as_slice())?;
        }
        txn.commit()?;
        Ok(())
    }

    /// Stores a small sealed record under `name` in one durable transaction, replacing any
    /// earlier one. `None` deletes it.
    pub fn put_record(&self, name: &str, value: Option<&[u8]>) -> Result<(), StoreError> {
        let txn = self.db.begin_write()?;
        {
            let mut table = txn.open_table(RECORDS)?;
            match value {
                Some(v) => {
                    let sealed = self.key.seal(&record_aad(name), v);
                    table.insert(name, sealed.as_slice())?;
                }
                None => {
                    table.remove(name)?;
                }
            }
        }
        txn.commit()?;
        Ok(())
    }

    /// The record stored under `name`, unsealed, if there is one.
    pub fn record(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = match txn.open_table(RECORDS) {
            Ok(t) => t,
            // Stores written before records existed have no such table: no records.
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let Some(sealed) = table.get(name)? else {
            return Ok(None);
        };
        self.key
            .open(&record_aad(name), sealed.value())
            .map(Some)
            .map_err(|_| StoreError::Tampered {
                doc: format!("record {name}"),
                seq: 0,
            })
    }

    /// Copies this store into a new one at `path` whose fresh data key is sealed to
    /// `device`: every chunk and record is opened with the old data key and sealed with the
    /// new one at the same location, in one transaction, so the log keeps its shape. This is
    /// how a key rotation retires both the old device key and the old data key. Refuses if a
    /// file is already at `path`; a record or chunk that fails authentication stops it.
    pub fn reseal_into(&self, path: &Path, device: &DeviceKey) -> Result<Store, StoreError> {
        let new = Store::create(path, device, &self.journal_id)?;
        let read = self.db.begin_read()?;
        let write = new.db.begin_write()?;
        {
            let chunks = read.open_table(CHUNKS)?;
            let mut out = write.open_table(CHUNKS)?;
            for entry in chunks.iter()? {
                let (k, v) = entry?;
                let (doc, seq) = k.value();
                let aad = chunk_aad(doc, seq);
                let plain = self
                    .key
                    .open(&aad, v.value())
                    .map_err(|_| StoreError::Tampered {
                        doc: doc.to_owned(),
                        seq,
                    })?;
                out.insert((doc, seq), new.key.seal(&aad, &plain).as_slice())?;
            }
            match read.open_table(RECORDS) {
                Ok(records) => {
                    let mut out = write.open_table(RECORDS)?;
                    for entry in records.iter()? {
                        let (k, v) = entry?;
                        let name = k.value();
                        let aad = record_aad(name);
                        let plain =
                            self.key
                                .open(&aad, v.value())
                                .map_err(|_| StoreError::Tampered {
                                    doc: format!("record {name}"),
                                    seq: 0,
                                })?;
                        out.insert(name, new.key.seal(&aad, &plain).as_slice())?;
                    }
                }
                Err(redb::TableError::TableDoesNotExist(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        write.commit()?;
        Ok(new)
    }

    /// How many chunks `doc`'s log holds and their size.
    pub fn stats(&self, doc: &str) -> Result<StoreStats, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(CHUNKS)?;
        let mut stats = StoreStats::default();
        for entry in table.range((doc, 0u64)..=(doc, u64::MAX))? {
            let (_, v) = entry?;
            stats.chunks += 1;
            stats.bytes += v.value().len() as u64;
        }
        Ok(stats)
    }
}

#[cfg(test)]
mod tests;
