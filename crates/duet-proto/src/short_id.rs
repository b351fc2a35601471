//! Short ids: how lists show an id so that `show` and friends resolve it.

/// The fewest hex digits a short id has. UUIDv7 ids start with a millisecond timestamp, so
/// fewer would clash for anything written the same day.
pub const MIN_SHORT_ID: usize = 8;

/// The shortest prefix of each of `listed`, at least [`MIN_SHORT_ID`] digits, that no other
/// id of `all` shares. `all` is everything a prefix can resolve to (for notes: the trash too),
/// not just what is listed, so a printed short id never turns out ambiguous. Ids in `listed`
/// missing from `all` are judged against their would-be neighbours.
pub fn short_ids<'a>(listed: impl IntoIterator<Item = &'a str>, all: &[&str]) -> Vec<String> {
    let mut sorted: Vec<&str> = all.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let common = |a: &str, b: &str| a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    listed
        .into_iter()
        .map(|id| {
            let (before, after) = match sorted.binary_search(&id) {
                Ok(i) => (i.checked_sub(1), i + 1),
                Err(i) => (i.checked_sub(1), i),
            };
            let shared = before
                .map(|b| common(sorted[b], id))
                .into_iter()
                .chain(sorted.get(after).map(|a| common(a, id)))
                .max()
                .unwrap_or(0);
            let len = (shared + 1).max(MIN_SHORT_ID);
            match id.char_indices().nth(len) {
                Some((end, _)) => id[..end].to_owned(),
                None => id.to_owned(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_among_all_and_at_least_eight() {
        let all = [
            "0123456789a1",
            "0123456789b2",
            "fedcba987654",
            "0123456789a0ff",
        ];
        let listed = ["0123456789a1", "0123456789b2", "fedcba987654"];
        assert_eq!(
            short_ids(listed, &all),
            vec!["0123456789a1", "0123456789b", "fedcba98"]
        );
        // An id shorter than the minimum is shown whole; odd characters never split.
        assert_eq!(
            short_ids(["abc", "é€é€é€é€é€"], &["abc"]),
            vec!["abc", "é€é€é€é€"]
        );
    }
}
