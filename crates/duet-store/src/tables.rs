//! Table definitions. A table's name carries its version: a change of key or value layout
//! gets a new name and a numbered migration, never a silent reinterpretation.

use redb::TableDefinition;

/// The store format this build writes. Stores with a higher format are refused.
pub const FORMAT_VERSION: u32 = 1;

/// Store metadata.
/// key: name (see the `META_*` consts) -> value: bytes, plaintext unless noted.
pub(crate) const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta-1");

/// `META` key: the store format version, u32 little-endian.
pub(crate) const META_FORMAT: &str = "format";
/// `META` key: the data key, sealed to the device's age recipient (a binary age file).
pub(crate) const META_DATA_KEY: &str = "data_key";
/// `META` key: the journal id, 32 ASCII hex digits (not secret; names the journal).
pub(crate) const META_JOURNAL_ID: &str = "journal_id";

/// Document chunks.
/// key: (document name, sequence number) -> value: sealed chunk (see `duet_crypto::DataKey::seal`),
/// associated data `chunk_aad(document, sequence)`.
pub(crate) const CHUNKS: TableDefinition<(&str, u64), &[u8]> = TableDefinition::new("chunks-1");

/// Small sealed records that are not part of any document (e.g. open invitations, whose
/// secrets must survive a restart but never replicate).
/// key: record name -> value: sealed bytes, associated data `record_aad(name)`.
pub(crate) const RECORDS: TableDefinition<&str, &[u8]> = TableDefinition::new("records-1");

/// The associated data that binds a record to its name, so records cannot be swapped.
pub(crate) fn record_aad(name: &str) -> Vec<u8> {
    let mut aad = b"duet/records-1/".to_vec();
    aad.extend_from_slice(name.as_bytes());
    aad
}

/// The associated data that binds a chunk to its place.
pub(crate) fn chunk_aad(doc: &str, seq: u64) -> Vec<u8> {
    let mut aad = b"duet/chunks-1/".to_vec();
    aad.extend_from_slice(doc.as_bytes());
    aad.push(0);
    aad.extend_from_slice(&seq.to_be_bytes());
    aad
}
