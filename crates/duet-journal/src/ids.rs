//! Entry ids: UUIDv7 in 32 hex digits, and resolving a prefix of one.

use std::fmt;

use automerge::{AutoCommit, ObjId, ReadDoc};

use crate::JournalError;

/// The kinds of entry that have ids, for messages and prefix resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A note.
    Note,
    /// A check-in.
    Checkin,
    /// A boundary.
    Boundary,
}

impl EntryKind {
    /// The word used in messages.
    pub fn noun(self) -> &'static str {
        match self {
            EntryKind::Note => "note",
            EntryKind::Checkin => "check-in",
            EntryKind::Boundary => "boundary",
        }
    }
}

/// An entry's id. UUIDv7, so ids sort by creation time and the maps that hold entries list
/// them oldest first; rendered as 32 lowercase hex digits so any prefix is easy to type.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntryId(String);

impl EntryId {
    /// A fresh id for an entry created at `now`. The random part keeps ids unique across
    /// devices writing at the same millisecond.
    pub fn generate(now: jiff::Timestamp) -> Self {
        let millis = u64::try_from(now.as_millisecond()).unwrap_or(0);
        let ts = uuid::Timestamp::from_unix(
            uuid::NoContext,
            millis / 1000,
            u32::try_from((millis % 1000) * 1_000_000).unwrap_or(0),
        );
        Self(uuid::Uuid::new_v7(ts).simple().to_string())
    }

    /// The id as stored and shown.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EntryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Lowercases the input and drops hyphens, so a pasted hyphenated UUID works too.
fn normalise(prefix: &str) -> Result<String, JournalError> {
    let p: String = prefix
        .trim()
        .chars()
        .filter(|c| *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if p.is_empty() || p.len() > 32 || !p.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(JournalError::BadId(prefix.to_owned()));
    }
    Ok(p)
}

/// Finds the one key of `map` that starts with `prefix`.
pub(crate) fn resolve(
    doc: &AutoCommit,
    map: &ObjId,
    kind: EntryKind,
    prefix: &str,
) -> Result<EntryId, JournalError> {
    let p = normalise(prefix)?;
    // Map keys iterate in order, so the matches are one contiguous range from `p` on.
    let matches: Vec<String> = doc
        .map_range(map, p.clone()..)
        .map(|item| item.key.into_owned())
        .take_while(|k| k.starts_with(&p))
        .take(6)
        .collect();
    match matches.len() {
        0 => Err(JournalError::NotFound {
            kind: kind.noun(),
            prefix: prefix.to_owned(),
        }),
        1 => Ok(EntryId(matches.into_iter().next().unwrap_or_default())),
        _ => {
            let count = doc
                .map_range(map, p.clone()..)
                .take_while(|i| i.key.starts_with(&p))
                .count();
            Err(JournalError::Ambiguous {
                kind: kind.noun(),
                prefix: prefix.to_owned(),
                count,
                candidates: matches.into_iter().take(5).collect(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_sort_by_time() {
        let a = EntryId::generate(jiff::Timestamp::from_millisecond(1_000).unwrap());
        let b = EntryId::generate(jiff::Timestamp::from_millisecond(2_000).unwrap());
        assert!(a < b);
        assert_eq!(a.as_str().len(), 32);
    }

    #[test]
    fn normalise_accepts_hyphens_and_case() {
        assert_eq!(normalise("AB-cd").unwrap(), "abcd");
        assert!(normalise("").is_err());
        assert!(normalise("xyz").is_err());
        assert!(normalise(&"a".repeat(33)).is_err());
    }
}
