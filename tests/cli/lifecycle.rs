//! The full note, check-in and boundary lifecycles through the CLI, and restarts.

use crate::harness::{Duet, distinguishing_prefix};

#[test]
fn note_lifecycle_by_prefix() {
    let d = Duet::started();
    let a = d.note("Weekend plans", "Hike on Saturday.");
    let b = d.note("Letter", "Dear you,");
    // A created id is alone on stdout.
    let out = d.run(&["note", "add", "Third", "--body", "x"]);
    assert!(
        out.stdout.ends_with('\n') && out.stdout.trim().len() == 32,
        "{out:?}"
    );
    let c = out.stdout.trim().to_owned();

    let pa = distinguishing_prefix(&a, &b);
    let shown = d.json(&["note", "show", &pa]);
    assert_eq!(shown["id"], a.as_str());
    assert_eq!(shown["title"], "Weekend plans");
    assert_eq!(shown["body"], "Hike on Saturday.");
    assert_eq!(shown["author"], "Alice");

    d.ok(&["note", "edit", &a, "--append", " Bring water."]);
    d.ok(&[
        "note", "edit", &a, "--title", "Weekend", "--tag", "plans", "--tag", "outdoors",
    ]);
    let shown = d.json(&["note", "show", &a]);
    assert_eq!(shown["body"], "Hike on Saturday. Bring water.");
    assert_eq!(shown["title"], "Weekend");
    assert_eq!(shown["tags"], serde_json::json!(["plans", "outdoors"]));
    d.ok(&[
        "note",
        "edit",
        &a,
        "--body",
        "Hike on Sunday. Bring water.",
        "--untag",
        "outdoors",
    ]);
    let shown = d.json(&["note", "show", &a]);
    assert_eq!(shown["body"], "Hike on Sunday. Bring water.");
    assert_eq!(shown["tags"], serde_json::json!(["plans"]));
    assert!(shown["updated_at"].as_str() >= shown["created_at"].as_str());

    let tagged = d.json(&["note", "list", "--tag", "plans"]);
    assert_eq!(tagged.as_array().unwrap().len(), 1);

    d.ok(&["note", "rm", &b]);
    let list = d.json(&["note", "list"]);
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![a.as_str(), c.as_str()]);
    let trash = d.json(&["trash"]);
    assert_eq!(trash[0]["id"], b.as_str());
    assert_eq!(trash[0]["title"], "Letter");
    assert!(d.json(&["note", "show", &b])["deleted_at"].is_string());
    d.fails(&["note", "rm", &b], 2);

    d.ok(&["note", "restore", &b]);
    assert_eq!(d.json(&["note", "list"]).as_array().unwrap().len(), 3);
    assert_eq!(d.json(&["trash"]).as_array().unwrap().len(), 0);
    d.fails(&["note", "restore", &b], 2);
}

#[test]
fn json_shapes_have_the_contract_fields() {
    let d = Duet::started();
    d.note("t", "b");
    let list = d.json(&["note", "list"]);
    let n = &list[0];
    for f in [
        "id",
        "title",
        "body",
        "author",
        "created_at",
        "updated_at",
        "tags",
        "author_id",
        "deleted_at",
        "conflicts",
    ] {
        assert!(n.get(f).is_some(), "note lacks {f}: {n}");
    }
    d.ok(&["checkin", "--mood", "3", "--feeling", "ok"]);
    let c = &d.json(&["checkin", "list"])[0];
    for f in [
        "id",
        "author",
        "author_id",
        "created_at",
        "mood",
        "feelings",
        "answers",
        "need",
    ] {
        assert!(c.get(f).is_some(), "check-in lacks {f}: {c}");
    }
    d.ok(&["boundary", "add", "space after work"]);
    let b = &d.json(&["boundary", "list"])[0];
    for f in [
        "id",
        "text",
        "author",
        "author_id",
        "status",
        "created_at",
        "updated_at",
        "revision",
        "acknowledged",
        "revisions",
    ] {
        assert!(b.get(f).is_some(), "boundary lacks {f}: {b}");
    }
    let created = d.json(&["note", "add", "x"]);
    assert_eq!(created["id"].as_str().unwrap().len(), 32);
    let s = d.json(&["status"]);
    assert!(s["pid"].as_i64().unwrap() > 0);
    assert_eq!(s["counts"]["notes"], 2);
    assert_eq!(s["locked"], false);
    assert_eq!(s["person_name"], "Alice");
    assert_eq!(s["device_name"], "alices-laptop");
}

#[test]
fn global_flags_go_before_or_after_the_subcommand() {
    let d = Duet::started();
    d.note("t", "b");
    let home = d.home.to_str().unwrap();
    let before = d.ok(&["--json", "--home", home, "note", "list"]);
    let after = d.ok(&["note", "list", "--home", home, "--json"]);
    assert_eq!(before, after);
    assert!(before.trim_start().starts_with('['));
}

#[test]
fn bodies_come_from_files_and_pipes() {
    let d = Duet::started();
    let out = d.run_with_stdin(&["note", "add", "Piped", "--body", "-"], b"from a pipe\n");
    assert_eq!(out.code, 0, "{out:?}");
    let id = out.stdout.trim().to_owned();
    assert_eq!(d.json(&["note", "show", &id])["body"], "from a pipe\n");
    let out = d.run_with_stdin(&["note", "add", "Dashed", "--body-file", "-"], b"dash file");
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        d.json(&["note", "show", out.stdout.trim()])["body"],
        "dash file"
    );
    let out = d.run_with_stdin(&["note", "edit", &id, "--body", "-"], b"edited from a pipe");
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(d.json(&["note", "show", &id])["body"], "edited from a pipe");

    let file = d.home.join("body.txt");
    std::fs::write(&file, "from a file").unwrap();
    let id = d.ok(&[
        "note",
        "add",
        "Filed",
        "--body-file",
        file.to_str().unwrap(),
    ]);
    assert_eq!(d.json(&["note", "show", id.trim()])["body"], "from a file");

    let out = d.run_with_stdin(
        &["note", "edit", id.trim(), "--body-file", "-"],
        b"replaced",
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(d.json(&["note", "show", id.trim()])["body"], "replaced");
}

/// `while read l; do duet note add "$l"; done < list` must add one note per line: a note
/// reads standard input only when asked, so it never swallows the rest of the loop's input.
#[test]
fn note_add_leaves_stdin_alone_unless_asked() {
    let d = Duet::started();
    let script = format!(
        "while read -r l; do {} note add \"$l\" >/dev/null || exit 9; done",
        crate::harness::DUET
    );
    let out = d.run_shell(&script, b"one\ntwo\nthree\n");
    assert_eq!(out.code, 0, "{out:?}");
    let notes = d.json(&["note", "list"]);
    let titles: Vec<&str> = notes
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["one", "two", "three"]);
    assert!(notes.as_array().unwrap().iter().all(|n| n["body"] == ""));
}

#[test]
fn checkins_and_prompts() {
    let d = Duet::started();
    let deck = d.json(&["prompts"]);
    let first = deck["all"][0]["id"].as_str().unwrap().to_owned();
    assert!(!deck["today"].as_array().unwrap().is_empty());
    let id = d.ok(&[
        "checkin",
        "--mood",
        "4",
        "--feeling",
        "calm",
        "--feeling",
        "tired",
        "--answer",
        &format!("{first}=the walk home"),
        "--need",
        "an early night",
    ]);
    assert_eq!(id.trim().len(), 32);
    let list = d.json(&["checkin", "list"]);
    let c = &list[0];
    assert_eq!(c["mood"], 4);
    assert_eq!(c["feelings"], serde_json::json!(["calm", "tired"]));
    assert_eq!(c["answers"][0]["prompt_id"], first.as_str());
    assert_eq!(c["answers"][0]["text"], "the walk home");
    assert!(c["answers"][0]["prompt"].is_string());
    assert_eq!(c["need"], "an early night");
    assert_eq!(
        d.json(&["checkin", "list", "--since", "2000-01-01"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        d.json(&["checkin", "list", "--since", "1h"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        d.json(&["checkin", "list", "--since", "2999-01-01"])
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let e = d.fails(&["checkin", "--answer", "zz9=hm"], 2);
    assert!(e.stderr.contains("no prompt 'zz9'"), "{e:?}");
    d.fails(&["checkin"], 2);
}

#[test]
fn boundary_lifecycle_and_single_device_ack() {
    let d = Duet::started();
    let id = d.ok(&["boundary", "add", "Half an hour alone after work"]);
    let id = id.trim();
    let b = d.json(&["boundary", "show", id]);
    assert_eq!(b["revision"], 1);
    assert_eq!(b["status"], "active");
    assert_eq!(b["acknowledged"], false);

    let e = d.fails(&["boundary", "ack", id], 1);
    assert!(e.stderr.contains("partner"), "{e:?}");

    let b = d.json(&["boundary", "revise", id, "An hour alone after work"]);
    assert_eq!(b["revision"], 2);
    assert_eq!(b["text"], "An hour alone after work");
    assert_eq!(b["revisions"][0]["text"], "Half an hour alone after work");

    d.ok(&["boundary", "retire", id]);
    assert_eq!(d.json(&["boundary", "list"]).as_array().unwrap().len(), 0);
    let all = d.json(&["boundary", "list", "--all"]);
    assert_eq!(all[0]["status"], "retired");
    assert!(all[0]["retired_at"].is_string());
    d.fails(&["boundary", "revise", id, "again"], 2);
}

#[test]
fn everything_survives_a_restart() {
    let d = Duet::started();
    let a = d.note("one", "body one");
    d.note("two", "body two");
    d.ok(&["note", "rm", &a]);
    d.ok(&["checkin", "--mood", "2"]);
    d.ok(&["boundary", "add", "no phones at dinner"]);
    let before = (
        d.ok(&["note", "list", "--json"]),
        d.ok(&["trash", "--json"]),
        d.ok(&["checkin", "list", "--json"]),
        d.ok(&["boundary", "list", "--json"]),
    );
    d.ok(&["daemon", "stop"]);
    d.fails(&["note", "list"], 1);
    d.ok(&["daemon", "start"]);
    let after = (
        d.ok(&["note", "list", "--json"]),
        d.ok(&["trash", "--json"]),
        d.ok(&["checkin", "list", "--json"]),
        d.ok(&["boundary", "list", "--json"]),
    );
    assert_eq!(before, after);
}

#[test]
fn daemon_status_start_stop() {
    let d = Duet::initialised();
    let out = d.run(&["daemon", "status"]);
    assert_eq!(out.code, 1);
    assert!(out.stdout.contains("not running"));
    d.ok(&["daemon", "start"]);
    let s = d.json(&["daemon", "status"]);
    assert_eq!(s["running"], true);
    assert_eq!(s["pid"].as_i64().unwrap() as i32, d.pid());
    let e = d.fails(&["daemon", "start"], 1);
    assert!(e.stderr.contains("already running"), "{e:?}");
    d.ok(&["daemon", "stop"]);
    assert!(!d.socket().exists());
    // Stopping a stopped daemon is not an error.
    d.ok(&["daemon", "stop"]);
}

#[test]
fn completions_man_and_help() {
    let d = Duet::new();
    assert!(d.ok(&["completions", "bash"]).contains("duet"));
    assert!(d.ok(&["man"]).contains(".TH"));
    // Every command a person can type has examples in its --help.
    for cmd in [
        "init",
        "daemon start",
        "daemon stop",
        "daemon status",
        "status",
        "unlock",
        "note add",
        "note list",
        "note show",
        "note edit",
        "note rm",
        "note restore",
        "trash",
        "checkin",
        "checkin list",
        "prompts",
        "boundary add",
        "boundary list",
        "boundary show",
        "boundary revise",
        "boundary retire",
        "boundary ack",
        "invite",
        "pair",
        "peers",
        "unpair",
        "sync",
        "backup create",
        "backup verify",
        "backup restore",
        "export",
        "passphrase set",
        "passphrase change",
        "passphrase remove",
        "key show",
        "lock",
        "completions",
        "man",
        "demo",
    ] {
        let mut args: Vec<&str> = cmd.split(' ').collect();
        args.push("--help");
        assert!(
            d.ok(&args).contains("Examples"),
            "`duet {cmd} --help` has no examples"
        );
    }
}

#[test]
/// A broken pipe to the *daemon* is an error instead: see the SIGKILL test.
fn a_reader_that_stops_early_gets_no_error() {
    let d = Duet::started();
    for i in 0..200 {
        d.note(&format!("note {i}"), &"a long body ".repeat(50));
    }
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "'{}' note list --json | head -c 1 >/dev/null",
            crate::harness::DUET
        ))
        .env("DUET_HOME", &d.home)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
