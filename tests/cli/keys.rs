//! Passphrase set/change/remove, key show, lock and unlock.

use crate::backup::beside;
use crate::harness::Duet;

fn write(d: &Duet, name: &str, text: &str) -> String {
    let p = beside(d, name);
    std::fs::write(&p, format!("{text}\n")).unwrap();
    p.to_str().unwrap().to_owned()
}

fn restart(d: &Duet) {
    d.ok(&["daemon", "stop"]);
    d.ok(&["daemon", "start"]);
}

#[test]
fn passphrase_set_change_remove_round_trip() {
    let d = Duet::started();
    let id = d.note("Kept", "through every rewrap");
    let (p1, p2, bad) = (
        write(&d, "p1", "first pass"),
        write(&d, "p2", "second pass"),
        write(&d, "bad", "not it"),
    );
    let store_before = std::fs::read(d.home.join("journal.redb")).unwrap();

    // No terminal and no flags: a usage error.
    d.fails(&["passphrase", "set"], 2);
    d.fails(&["passphrase", "change", "--passphrase-file", &p1], 2);
    d.fails(&["passphrase", "remove"], 2);
    // Nothing to change or remove yet.
    d.fails(&["passphrase", "remove", "--passphrase-file", &p1], 1);

    d.ok(&["passphrase", "set", "--new-passphrase-file", &p1]);
    let key = std::fs::read_to_string(d.home.join("keys/device.key")).unwrap();
    assert!(
        key.starts_with("-----BEGIN AGE ENCRYPTED FILE-----"),
        "{key}"
    );
    // The journal itself was not touched, and the running daemon carries on.
    assert_eq!(
        std::fs::read(d.home.join("journal.redb")).unwrap(),
        store_before
    );
    assert_eq!(
        d.json(&["note", "show", &id])["body"],
        "through every rewrap"
    );
    d.fails(&["passphrase", "set", "--new-passphrase-file", &p2], 1);
    restart(&d);
    assert_eq!(d.json(&["status"])["locked"], true);
    d.fails(&["unlock", "--passphrase-file", &p2], 1);
    d.ok(&["unlock", "--passphrase-file", &p1]);

    let out = d.fails(
        &[
            "passphrase",
            "change",
            "--passphrase-file",
            &bad,
            "--new-passphrase-file",
            &p2,
        ],
        1,
    );
    assert!(out.stderr.contains("wrong passphrase"), "{out:?}");
    d.ok(&[
        "passphrase",
        "change",
        "--passphrase-file",
        &p1,
        "--new-passphrase-file",
        &p2,
    ]);
    restart(&d);
    d.fails(&["unlock", "--passphrase-file", &p1], 1);
    d.ok(&["unlock", "--passphrase-file", &p2]);
    assert_eq!(
        d.json(&["note", "show", &id])["body"],
        "through every rewrap"
    );

    d.fails(&["passphrase", "remove", "--passphrase-file", &p1], 1);
    d.ok(&["passphrase", "remove", "--passphrase-file", &p2]);
    let key = std::fs::read_to_string(d.home.join("keys/device.key")).unwrap();
    assert!(key.contains("AGE-SECRET-KEY-1"));
    restart(&d);
    assert_eq!(d.json(&["status"])["locked"], false);
    assert_eq!(
        d.json(&["note", "show", &id])["body"],
        "through every rewrap"
    );
}

#[test]
fn key_show_prints_the_recipient_and_device_id() {
    let d = Duet::started();
    let k = d.json(&["key", "show"]);
    let file = std::fs::read_to_string(d.home.join("keys/device.key")).unwrap();
    let recipient = k["recipient"].as_str().unwrap();
    assert!(recipient.starts_with("age1"));
    assert!(
        file.contains(&format!("# public key: {recipient}")),
        "{file}"
    );
    assert_eq!(k["device_id"], d.json(&["status"])["device_id"]);
    assert_eq!(k["passphrase_protected"], false);
    assert_eq!(k["endpoint_id"], d.json(&["status"])["endpoint_id"]);
    assert_eq!(k["endpoint_id"].as_str().unwrap().len(), 64);
    let text = d.ok(&["key", "show"]);
    assert!(
        text.contains(recipient) && text.contains("device id"),
        "{text}"
    );
}

#[test]
fn lock_drops_the_journal_until_unlock() {
    let d = Duet::started();
    // A plain key: locking would protect nothing, and says so.
    let out = d.fails(&["lock"], 1);
    assert!(out.stderr.contains("no passphrase"), "{out:?}");

    let id = d.note("Before lock", "still here after");
    let p = write(&d, "p", "lock pass");
    d.ok(&["passphrase", "set", "--new-passphrase-file", &p]);
    d.ok(&["lock"]);
    let status = d.json(&["status"]);
    assert_eq!(status["locked"], true);
    assert!(status["counts"].is_null());
    let out = d.fails(&["note", "list"], 1);
    assert!(out.stderr.contains("locked"), "{out:?}");
    let out = d.fails(
        &["backup", "create", beside(&d, "b.age").to_str().unwrap()],
        1,
    );
    assert!(out.stderr.contains("locked"), "{out:?}");
    // Locking again is fine; the key is still known (it is public).
    d.ok(&["lock"]);
    assert!(d.json(&["key", "show"])["recipient"].is_string());
    d.fails(
        &["unlock", "--passphrase-file", &write(&d, "w", "wrong")],
        1,
    );
    d.ok(&["unlock", "--passphrase-file", &p]);
    assert_eq!(d.json(&["note", "show", &id])["body"], "still here after");
    d.note("After unlock", "");
    assert_eq!(d.json(&["note", "list"]).as_array().unwrap().len(), 2);
}
