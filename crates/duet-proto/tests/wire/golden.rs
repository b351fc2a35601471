//! Round trips, the golden file, and the `type` tags.

use std::collections::BTreeSet;
use std::path::PathBuf;

use duet_proto::{PROTOCOL_VERSION, Request, Response};

use crate::{declared_tags, examples, tag_of};

const UPDATE_VAR: &str = "DUET_UPDATE_GOLDEN";

fn golden_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/messages.txt")
}

/// The golden text: `<name>\t<json>`, one line per example.
fn render() -> String {
    examples::all()
        .iter()
        .map(|e| format!("{}\t{}\n", e.name, e.value.json()))
        .collect()
}

/// `None` when equal; otherwise a description of the first line that differs.
fn first_difference(expected: &str, actual: &str) -> Option<String> {
    if expected == actual {
        return None;
    }
    let (exp, act): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    for i in 0..exp.len().max(act.len()) {
        let (e, a) = (exp.get(i), act.get(i));
        if e != a {
            let name = a.or(e).and_then(|l| l.split('\t').next()).unwrap_or("?");
            return Some(format!(
                "line {} (`{name}`) differs\n  golden: {}\n  actual: {}",
                i + 1,
                e.unwrap_or(&"<no line>"),
                a.unwrap_or(&"<no line>"),
            ));
        }
    }
    Some("the files differ only in line endings or the final newline".to_owned())
}

#[test]
fn golden_messages_match() {
    let actual = render();
    let path = golden_path();
    if std::env::var(UPDATE_VAR).as_deref() == Ok("1") {
        std::fs::create_dir_all(path.parent().expect("has a parent")).expect("create golden dir");
        std::fs::write(&path, &actual).expect("write golden file");
        eprintln!("rewrote {}", path.display());
        return;
    }
    let how_to = format!(
        "If this change to the wire format is deliberate, regenerate the golden file with\n  \
         {UPDATE_VAR}=1 cargo test -p duet-proto --test wire\n\
         review the diff of tests/golden/messages.txt and commit it. A change an older peer could \
         misread also needs a PROTOCOL_VERSION bump (now {PROTOCOL_VERSION}) and a changelog note."
    );
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}\n{how_to}", path.display()));
    if let Some(diff) = first_difference(&expected, &actual) {
        panic!(
            "the wire format changed: {}\n{diff}\n\n{how_to}",
            path.display()
        );
    }
}

#[test]
fn golden_comparison_names_the_first_differing_line() {
    let golden = render();
    assert_eq!(first_difference(&golden, &golden), None);

    let changed = golden.replacen("\"client\":", "\"client_name\":", 1);
    let diff = first_difference(&golden, &changed).expect("a renamed field is a difference");
    assert!(diff.starts_with("line 1 (`request.hello`)"), "{diff}");

    let shorter: String = golden.lines().skip(1).map(|l| format!("{l}\n")).collect();
    assert!(first_difference(&golden, &shorter).is_some());
    let longer = format!("{golden}extra\t{{}}\n");
    let diff = first_difference(&golden, &longer).expect("an extra line is a difference");
    assert!(diff.contains("golden: <no line>"), "{diff}");
    let no_newline = golden.trim_end();
    assert!(first_difference(&golden, no_newline).is_some());
}

#[test]
fn every_example_round_trips() {
    let failures: Vec<String> = examples::all()
        .iter()
        .filter_map(|e| {
            e.value
                .check_round_trip()
                .err()
                .map(|why| format!("{}: {why}", e.name))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn example_names_are_unique() {
    let all = examples::all();
    let mut seen = BTreeSet::new();
    for e in &all {
        assert!(
            seen.insert(e.name.as_str()),
            "duplicate example name {}",
            e.name
        );
        assert!(
            !e.name.contains(['\t', '\n']),
            "bad example name {:?}",
            e.name
        );
    }
    assert!(all.len() > 100, "suspiciously few examples: {}", all.len());
}

fn is_snake_case(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.ends_with('_')
        && !name.contains("__")
}

fn check_tags(enum_name: &str, declared: &[String], exemplified: BTreeSet<String>) {
    for tag in declared {
        assert!(
            is_snake_case(tag),
            "{enum_name} tag `{tag}` is not snake_case"
        );
    }
    let unique: BTreeSet<String> = declared.iter().cloned().collect();
    assert_eq!(
        unique.len(),
        declared.len(),
        "{enum_name} has duplicate tags: {declared:?}"
    );
    let missing: Vec<_> = unique.difference(&exemplified).collect();
    assert!(
        missing.is_empty(),
        "{enum_name} variants without an example: {missing:?}"
    );
    let unknown: Vec<_> = exemplified.difference(&unique).collect();
    assert!(
        unknown.is_empty(),
        "example tags {enum_name} does not declare: {unknown:?}"
    );
}

#[test]
fn request_tags_are_snake_case_unique_and_all_exemplified() {
    let exemplified = examples::requests()
        .iter()
        .map(|(_, r)| tag_of(r))
        .collect();
    check_tags("Request", &declared_tags::<Request>(), exemplified);
}

#[test]
fn response_tags_are_snake_case_unique_and_all_exemplified() {
    let exemplified = examples::responses()
        .iter()
        .map(|(_, r)| tag_of(r))
        .collect();
    check_tags("Response", &declared_tags::<Response>(), exemplified);
}

#[test]
fn snake_case_check_rejects_other_cases() {
    assert!(is_snake_case("note_add"));
    for bad in [
        "NoteAdd",
        "noteAdd",
        "note-add",
        "note__add",
        "_note",
        "note_",
        "",
    ] {
        assert!(!is_snake_case(bad), "{bad:?} accepted");
    }
}

#[test]
fn protocol_version_is_1() {
    assert_eq!(PROTOCOL_VERSION, 1);
}
