//! Small typed readers over automerge values, so the entry modules read like the schema.

use automerge::{AutoCommit, ObjId, ObjType, ReadDoc, Value};
use jiff::Timestamp;

pub(crate) fn obj(doc: &AutoCommit, parent: &ObjId, key: &str) -> Option<ObjId> {
    match doc.get(parent, key) {
        Ok(Some((Value::Object(_), id))) => Some(id),
        _ => None,
    }
}

pub(crate) fn string(doc: &AutoCommit, parent: &ObjId, key: &str) -> Option<String> {
    match doc.get(parent, key) {
        Ok(Some((Value::Object(ObjType::Text), id))) => doc.text(&id).ok(),
        Ok(Some((v, _))) => v.as_str().map(str::to_owned),
        _ => None,
    }
}

pub(crate) fn int(doc: &AutoCommit, parent: &ObjId, key: &str) -> Option<i64> {
    match doc.get(parent, key) {
        Ok(Some((v, _))) => v.as_i64(),
        _ => None,
    }
}

pub(crate) fn time(doc: &AutoCommit, parent: &ObjId, key: &str) -> Option<Timestamp> {
    int(doc, parent, key).and_then(|ms| Timestamp::from_millisecond(ms).ok())
}

/// Every string of a list, skipping anything that is not a string.
pub(crate) fn strings(doc: &AutoCommit, parent: &ObjId, key: &str) -> Vec<String> {
    let Some(list) = obj(doc, parent, key) else {
        return Vec::new();
    };
    doc.list_range(&list, ..)
        .filter_map(|item| item.value.into_value().as_str().map(str::to_owned))
        .collect()
}

/// The values of a register that lost to the winner of a concurrent write.
pub(crate) fn losing_strings(doc: &AutoCommit, parent: &ObjId, key: &str) -> Vec<String> {
    match doc.get_all(parent, key) {
        Ok(all) if all.len() > 1 => {
            let winner = doc.get(parent, key).ok().flatten().map(|(_, id)| id);
            all.into_iter()
                .filter(|(_, id)| Some(id) != winner.as_ref())
                .filter_map(|(v, _)| v.as_str().map(str::to_owned))
                .collect()
        }
        _ => Vec::new(),
    }
}

/// Milliseconds since the epoch, the unit timestamps are stored in.
pub(crate) fn ms(t: Timestamp) -> i64 {
    t.as_millisecond()
}
