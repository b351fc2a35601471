//! Short ids: whatever a list prints, `show` resolves to that entry, even for entries written
//! in the same millisecond (UUIDv7 ids start with the time) and across the notes and trash.

use std::collections::BTreeSet;

use crate::harness::Duet;

/// The first word of every line: the short id.
fn first_words(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn listed_short_ids_resolve_across_notes_and_trash() {
    let d = Duet::started();
    // Written together, many land in one batch and share their timestamp digits.
    let children: Vec<_> = (0..24)
        .map(|k| {
            d.cmd(&["note", "add", &format!("n{k}")])
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let ids: Vec<String> = children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            assert!(out.status.success());
            String::from_utf8(out.stdout).unwrap().trim().to_owned()
        })
        .collect();
    for id in ids.iter().step_by(2) {
        d.ok(&["note", "rm", id]);
    }
    let listed = first_words(&d.ok(&["note", "list"]));
    let trashed = first_words(&d.ok(&["trash"]));
    assert_eq!(listed.len(), 12);
    assert_eq!(trashed.len(), 12);
    let mut seen = BTreeSet::new();
    for short in listed.iter().chain(&trashed) {
        assert!(short.len() >= 8, "{short}");
        let full = d.json(&["note", "show", short])["id"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(full.starts_with(short.as_str()));
        assert!(seen.insert(full));
    }
    assert_eq!(seen, ids.into_iter().collect());
}

#[test]
fn listed_boundary_ids_resolve_among_retired_ones_too() {
    let d = Duet::started();
    let mut ids = Vec::new();
    for k in 0..6 {
        ids.push(
            d.ok(&["boundary", "add", &format!("b{k}")])
                .trim()
                .to_owned(),
        );
    }
    for id in ids.iter().step_by(2) {
        d.ok(&["boundary", "retire", id]);
    }
    for short in first_words(&d.ok(&["boundary", "list"])) {
        let full = d.json(&["boundary", "show", &short])["id"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(full.starts_with(&short), "{short} {full}");
        assert_eq!(d.json(&["boundary", "show", &short])["status"], "active");
    }
}
