//! `duet export` in its three formats.

use std::collections::BTreeSet;

use automerge::ReadDoc;

use crate::backup::{beside, populated};

#[test]
fn json_export_has_the_view_shapes() {
    let d = populated();
    let v = d.json(&["export", "--format", "json"]);
    // (--json is ignored by export; the format decides.)
    assert_eq!(v["notes"], d.json(&["note", "list"]));
    assert_eq!(v["checkins"], d.json(&["checkin", "list"]));
    assert_eq!(v["boundaries"], d.json(&["boundary", "list", "--all"]));
    let trash = d.json(&["trash"]);
    assert_eq!(v["trash"].as_array().unwrap().len(), 1);
    assert_eq!(v["trash"][0]["id"], trash[0]["id"]);
    // Trashed notes are exported whole.
    let id = trash[0]["id"].as_str().unwrap();
    assert_eq!(v["trash"][0], d.json(&["note", "show", id]));
    assert_eq!(v["journal_id"], d.json(&["status"])["journal_id"]);
}

#[test]
fn markdown_export_is_readable_and_written_privately() {
    let d = populated();
    let out = d.run(&["export", "--format", "markdown"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.is_empty(), "{out:?}");
    let md = out.stdout;
    for needle in [
        "# duet journal",
        "## Notes",
        "#### Weekend plans",
        "Hike on Saturday.",
        "## Trash",
        "Dear you, ❤️",
        "## Check-ins",
        "mood 4/5",
        "the sun",
        "## Boundaries",
        "Quiet mornings until nine",
        "retired",
    ] {
        assert!(md.contains(needle), "{needle} missing:\n{md}");
    }
    let file = beside(&d, "journal.md");
    let out = d.run(&[
        "export",
        "--format",
        "markdown",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.is_empty());
    assert!(out.stderr.contains("NOT encrypted"), "{out:?}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(written.contains("#### Weekend plans"));
}

#[test]
fn automerge_export_loads_with_the_same_notes() {
    let d = populated();
    let file = beside(&d, "journal.automerge");
    d.ok(&[
        "export",
        "--format",
        "automerge",
        "-o",
        file.to_str().unwrap(),
    ]);
    let bytes = std::fs::read(&file).unwrap();
    let doc = automerge::AutoCommit::load(&bytes).expect("a loadable automerge document");
    let (_, notes) = doc.get(automerge::ROOT, "notes").unwrap().unwrap();
    let in_doc: BTreeSet<String> = doc.keys(&notes).collect();
    let mut listed: BTreeSet<String> = BTreeSet::new();
    for n in d.json(&["note", "list"]).as_array().unwrap() {
        listed.insert(n["id"].as_str().unwrap().to_owned());
    }
    for n in d.json(&["trash"]).as_array().unwrap() {
        listed.insert(n["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(in_doc, listed);
    // The journal model reads the same notes from it.
    let journal = duet_journal::Journal::load(&bytes, "reader").unwrap();
    assert_eq!(
        serde_json::to_value(journal.notes(None)).unwrap(),
        d.json(&["note", "list"])
    );
    // To stdout, byte for byte a loadable document too.
    let out = d
        .cmd(&["export", "--format", "automerge"])
        .output()
        .unwrap();
    assert!(out.status.success());
    automerge::AutoCommit::load(&out.stdout).unwrap();
}

/// Titles and bodies cannot change the Markdown document's structure, and every entry
/// carries its id so an export can be matched back to the journal.
#[test]
fn markdown_export_escapes_structure_and_names_ids() {
    let d = crate::harness::Duet::started();
    let id = d.note(
        "# Not a heading *nor bold* [link](x)",
        "## Fake section\n<!-- hide the rest\n\n- item",
    );
    let b = d.ok(&["boundary", "add", "## fake | table"]);
    let md = d.ok(&["export", "--format", "markdown"]);
    assert!(
        md.contains("#### \\# Not a heading \\*nor bold\\* \\[link\\]\\(x\\)"),
        "{md}"
    );
    // The body is quoted, and its raw HTML made harmless.
    assert!(
        md.contains("> ## Fake section\n> &lt;!-- hide the rest\n>\n> - item\n"),
        "{md}"
    );
    assert!(md.contains("#### \\#\\# fake \\| table"), "{md}");
    // No line outside a quote starts a heading the export did not write.
    for line in md.lines().filter(|l| l.starts_with('#')) {
        assert!(
            ["# duet journal", "## ", "### ", "#### "]
                .iter()
                .any(|p| line.starts_with(p)),
            "{line}"
        );
        assert!(!line.contains("Fake section"), "{line}");
    }
    assert!(md.contains(&id), "{md}");
    assert!(md.contains(b.trim()), "{md}");
    let checkin = d.ok(&["checkin", "--mood", "3"]);
    let md = d.ok(&["export", "--format", "markdown"]);
    assert!(md.contains(checkin.trim()), "{md}");
}
