//! Nothing a user wrote is stored in plaintext; keys and socket are private; passphrases lock.

use std::os::unix::fs::PermissionsExt;

use crate::harness::Duet;

const MARKER: &str = "zq7MARKERxv3";

#[test]
fn marker_appears_in_no_file_under_the_home() {
    let d = Duet::new();
    let name = format!("Name{MARKER}");
    d.ok(&[
        "init",
        "--name",
        &name,
        "--device-name",
        &format!("dev{MARKER}"),
        "--no-passphrase",
    ]);
    d.ok(&["daemon", "start"]);
    let id = d.note(&format!("title {MARKER}"), &format!("body {MARKER} body"));
    d.ok(&["note", "edit", &id, "--append", MARKER, "--tag", MARKER]);
    d.ok(&["checkin", "--feeling", MARKER, "--need", MARKER]);
    d.ok(&["boundary", "add", MARKER]);
    let big = format!("{MARKER} ").repeat(5000);
    d.note("big", &big);
    // Reads work, so the marker really is in the journal.
    assert!(d.ok(&["note", "show", &id]).contains(MARKER));
    d.ok(&["daemon", "stop"]);
    let files = d.files();
    assert!(files.iter().any(|f| f.ends_with("journal.redb")));
    assert!(files.iter().any(|f| f.ends_with("duetd.log")));
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        assert!(
            !bytes.windows(MARKER.len()).any(|w| w == MARKER.as_bytes()),
            "{} contains the marker in plaintext",
            f.display()
        );
    }
}

fn mode(p: &std::path::Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn home_keys_socket_and_store_are_private() {
    let d = Duet::started();
    assert_eq!(mode(&d.home), 0o700);
    assert_eq!(mode(&d.home.join("keys")), 0o700);
    assert_eq!(mode(&d.home.join("keys/device.key")), 0o600);
    assert_eq!(mode(&d.home.join("journal.redb")), 0o600);
    assert_eq!(mode(&d.home.join("config.toml")), 0o600);
    assert_eq!(mode(&d.home.join("duetd.log")), 0o600);
    assert_eq!(mode(&d.socket()), 0o600);
}

#[test]
fn passphrase_protected_device_starts_locked() {
    let d = Duet::new();
    let pass = d.home.with_file_name("pass");
    let wrong = d.home.with_file_name("wrong");
    std::fs::write(&pass, "correct horse battery\n").unwrap();
    std::fs::write(&wrong, "incorrect\n").unwrap();
    d.ok(&[
        "init",
        "--name",
        "Alice",
        "--passphrase-file",
        pass.to_str().unwrap(),
    ]);
    let key = std::fs::read_to_string(d.home.join("keys/device.key")).unwrap();
    assert!(!key.contains("AGE-SECRET-KEY"), "key stored in plaintext");
    d.ok(&["daemon", "start"]);
    let s = d.json(&["status"]);
    assert_eq!(s["locked"], true);
    assert!(s["counts"].is_null());
    let e = d.fails(&["note", "list"], 1);
    assert!(e.stderr.contains("duet unlock"), "{e:?}");
    d.fails(&["unlock"], 2);
    let e = d.fails(&["unlock", "--passphrase-file", wrong.to_str().unwrap()], 1);
    assert!(e.stderr.contains("wrong passphrase"), "{e:?}");
    d.ok(&["unlock", "--passphrase-file", pass.to_str().unwrap()]);
    let id = d.note("now open", "");
    assert_eq!(d.json(&["status"])["locked"], false);
    // Restarting locks it again; the note is still there once unlocked.
    d.ok(&["daemon", "stop"]);
    d.ok(&["daemon", "start"]);
    assert_eq!(d.json(&["status"])["locked"], true);
    d.ok(&["unlock", "--passphrase-file", pass.to_str().unwrap()]);
    assert_eq!(d.json(&["note", "show", &id])["title"], "now open");
}
