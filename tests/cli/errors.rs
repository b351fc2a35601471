//! Every error path: one clear line on stderr, the right exit code, no panic, no damage.

use crate::harness::{DUETD, Duet, distinguishing_prefix};

#[test]
fn daemon_not_running_says_how_to_start_it() {
    let d = Duet::initialised();
    let e = d.fails(&["note", "list"], 1);
    assert!(e.stderr.contains("duet daemon start"), "{e:?}");
}

#[test]
fn no_journal_says_how_to_create_one() {
    let d = Duet::new();
    let e = d.fails(&["note", "list"], 1);
    assert!(e.stderr.contains("duet init"), "{e:?}");
    let e = d.fails(&["daemon", "start"], 1);
    assert!(e.stderr.contains("duet init"), "{e:?}");
}

#[test]
fn unknown_ambiguous_and_malformed_ids() {
    let d = Duet::started();
    let a = d.note("a", "");
    let b = d.note("b", "");
    let e = d.fails(&["note", "show", "abc"], 1);
    assert_eq!(e.stderr.trim(), "error: no note matches 'abc'");
    let common = &distinguishing_prefix(&a, &b)[..distinguishing_prefix(&a, &b).len() - 1];
    let e = d.fails(&["note", "show", common], 1);
    assert!(e.stderr.contains("matches 2 notes"), "{e:?}");
    // A malformed id is bad input: exit 2, like every validation failure.
    let e = d.fails(&["note", "show", "not-hex!"], 2);
    assert!(e.stderr.contains("is not an id"), "{e:?}");
    d.fails(&["boundary", "ack", "ffff"], 1);
    d.fails(&["note", "edit", "ffff", "--append", "x"], 1);
}

#[test]
fn invalid_input_is_refused_and_changes_nothing() {
    // Validated by the daemon, and still a usage error (exit 2), as clap's checks are.
    let d = Duet::started();
    let e = d.fails(&["note", "add", "   "], 2);
    assert!(e.stderr.contains("title"), "{e:?}");
    d.fails(&["note", "add", "two\nlines"], 2);
    d.fails(&["note", "add", "tagged", "--tag", "two words"], 2);
    d.fails(&["boundary", "add", ""], 2);
    d.fails(&["checkin", "--feeling", " "], 2);
    d.fails(&["checkin", "--answer", "zz99=unknown prompt"], 2);
    let id = d.note("ok", "body");
    d.fails(&["note", "edit", &id, "--title", ""], 2);
    let e = d.fails(&["note", "edit", &id], 2);
    assert!(e.stderr.contains("nothing to change"), "{e:?}");
    assert_eq!(d.json(&["note", "show", &id])["title"], "ok");
    assert_eq!(d.json(&["note", "list"]).as_array().unwrap().len(), 1);
}

#[test]
fn usage_errors_exit_2() {
    let d = Duet::started();
    d.fails(&["note", "add"], 2);
    d.fails(&["checkin", "--mood", "9"], 2);
    d.fails(&["checkin", "--mood", "0"], 2);
    d.fails(&["checkin", "--answer", "no-equals-sign"], 2);
    d.fails(&["note", "edit", "x", "--body", "a", "--append", "b"], 2);
    d.fails(&["frobnicate"], 2);
    d.fails(&["checkin", "list", "--since", "last tuesday"], 2);
}

#[test]
fn init_needs_a_passphrase_choice_without_a_terminal() {
    let d = Duet::new();
    let e = d.fails(&["init", "--name", "Alice"], 2);
    assert!(e.stderr.contains("--no-passphrase"), "{e:?}");
    assert!(!d.home.join("journal.redb").exists());
}

#[test]
fn init_twice_is_refused_and_keeps_the_journal() {
    let d = Duet::started();
    let id = d.note("keep me", "");
    let e = d.fails(&["init", "--name", "Mallory", "--no-passphrase"], 1);
    assert!(e.stderr.contains("already holds a journal"), "{e:?}");
    assert_eq!(d.json(&["note", "show", &id])["title"], "keep me");
}

#[test]
fn two_daemons_never_serve_one_home() {
    let d = Duet::started();
    let out = std::process::Command::new(DUETD)
        .arg("--home")
        .arg(&d.home)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("another duetd"), "{err}");
    // The first daemon is unharmed.
    d.note("still here", "");
}

#[test]
fn corrupt_store_is_reported_not_replaced() {
    let d = Duet::initialised();
    let store = d.home.join("journal.redb");
    let garbage = vec![0x5au8; 64 * 1024];
    std::fs::write(&store, &garbage).unwrap();
    let e = d.fails(&["daemon", "start"], 1);
    assert!(e.stderr.contains("duetd did not start"), "{e:?}");
    assert!(
        std::fs::read(&store).unwrap() == garbage,
        "store was modified"
    );
}

#[test]
fn wrong_device_key_is_reported_and_the_journal_survives() {
    let d = Duet::started();
    let id = d.note("survives", "");
    d.ok(&["daemon", "stop"]);
    let key = d.home.join("keys/device.key");
    let mine = std::fs::read(&key).unwrap();
    let other = Duet::initialised();
    std::fs::copy(other.home.join("keys/device.key"), &key).unwrap();
    let e = d.fails(&["daemon", "start"], 1);
    assert!(
        e.stderr.contains("cannot open the store's data key"),
        "{e:?}"
    );
    std::fs::write(&key, mine).unwrap();
    d.ok(&["daemon", "start"]);
    assert_eq!(d.json(&["note", "show", &id])["title"], "survives");
}

#[test]
fn init_refuses_a_directory_that_is_not_a_duet_home() {
    let d = Duet::new();
    std::fs::create_dir_all(&d.home).unwrap();
    std::fs::write(d.home.join("holiday-photos.txt"), "precious").unwrap();
    let e = d.fails(&["init", "--name", "A", "--no-passphrase"], 1);
    assert!(e.stderr.contains("not a duet home"), "{e:?}");
    assert!(!d.home.join("keys").exists());
}
