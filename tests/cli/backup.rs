//! Backups: round trips, consistency under concurrent writes, the standard age format, and
//! every refusal writing nothing.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use age::secrecy::ExposeSecret;
use serde_json::Value;

use crate::harness::Duet;

/// A path next to (not inside) the home.
pub fn beside(d: &Duet, name: &str) -> PathBuf {
    d.home.parent().unwrap().join(name)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A journal with every kind of entry, edited, trashed, revised and retired.
pub fn populated() -> Duet {
    let d = Duet::started();
    let a = d.note("Weekend plans", "Hike on Saturday.\nBring water.");
    d.ok(&[
        "note",
        "edit",
        &a,
        "--append",
        " And snacks.",
        "--tag",
        "plans",
    ]);
    let b = d.note("Letter", "Dear you, ❤️");
    d.note("Groceries", "");
    d.ok(&["note", "rm", &b]);
    d.ok(&[
        "checkin",
        "--mood",
        "4",
        "--feeling",
        "calm",
        "--need",
        "sleep",
    ]);
    d.ok(&["checkin", "--answer", "d01=the sun"]);
    let bd = d.ok(&["boundary", "add", "Quiet mornings"]);
    d.ok(&["boundary", "revise", bd.trim(), "Quiet mornings until nine"]);
    let old = d.ok(&["boundary", "add", "No phones at dinner"]);
    d.ok(&["boundary", "retire", old.trim()]);
    d
}

fn views(d: &Duet) -> Vec<Value> {
    vec![
        d.json(&["note", "list"]),
        d.json(&["checkin", "list"]),
        d.json(&["boundary", "list", "--all"]),
        d.json(&["trash"]),
    ]
}

/// Restores `file` into a fresh home with `extra` flags, starts it, and returns it.
pub fn restored(file: &Path, extra: &[&str]) -> Duet {
    let r = Duet::new();
    let mut args = vec!["backup", "restore", s(file), "--no-passphrase"];
    args.extend_from_slice(extra);
    let id = r.ok(&args);
    assert_eq!(id.trim().len(), 32, "{id}");
    r.ok(&["daemon", "start"]);
    r
}

#[test]
fn backup_then_restore_gives_identical_views() {
    let d = populated();
    let file = beside(&d, "b.age");
    let created = d.json(&["backup", "create", s(&file)]);
    assert_eq!(created["format"], 1);
    assert_eq!(created["counts"]["notes"], 2);
    assert_eq!(created["counts"]["trash"], 1);
    assert_eq!(created["encrypted_to"], "recipients");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    // Verify with the home's own key (the default), text and JSON.
    let text = d.ok(&["backup", "verify", s(&file)]);
    assert!(text.contains("Backup OK"), "{text}");
    let verified = d.json(&["backup", "verify", s(&file)]);
    assert_eq!(verified["journal_id"], created["journal_id"]);
    assert_eq!(verified["counts"], created["counts"]);

    let key = d.home.join("keys/device.key");
    let r = restored(&file, &["--identity", s(&key)]);
    assert_eq!(views(&r), views(&d));
    let (src, dst) = (d.json(&["status"]), r.json(&["status"]));
    assert_eq!(src["journal_id"], dst["journal_id"]);
    assert_ne!(src["device_id"], dst["device_id"]);
    assert_eq!(dst["person_name"], "Alice");
    // The restored device writes as the same person.
    let n = r.note("After restore", "x");
    assert_eq!(r.json(&["note", "show", &n])["author"], "Alice");
}

#[test]
fn restore_refuses_an_existing_journal_unless_forced() {
    let d = populated();
    let file = beside(&d, "b.age");
    d.ok(&["backup", "create", s(&file)]);
    let other = Duet::initialised();
    let key = d.home.join("keys/device.key");
    let before = std::fs::read(other.home.join("config.toml")).unwrap();
    let out = other.fails(
        &[
            "backup",
            "restore",
            s(&file),
            "--identity",
            s(&key),
            "--no-passphrase",
        ],
        1,
    );
    assert!(out.stderr.contains("--force"), "{out:?}");
    assert_eq!(
        std::fs::read(other.home.join("config.toml")).unwrap(),
        before
    );
    // A running daemon blocks even --force.
    other.ok(&["daemon", "start"]);
    let out = other.fails(
        &[
            "backup",
            "restore",
            s(&file),
            "--identity",
            s(&key),
            "--no-passphrase",
            "--force",
        ],
        1,
    );
    assert!(out.stderr.contains("stop duetd"), "{out:?}");
    other.ok(&["daemon", "stop"]);
    other.ok(&[
        "backup",
        "restore",
        s(&file),
        "--identity",
        s(&key),
        "--no-passphrase",
        "--force",
    ]);
    other.ok(&["daemon", "start"]);
    assert_eq!(views(&other), views(&d));
}

#[test]
fn backup_during_concurrent_writes_is_a_consistent_snapshot() {
    let d = Arc::new(Duet::started());
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let body_of = |title: &str| format!("{title} / {}", title.repeat(20));
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (d, acked, stop) = (d.clone(), acked.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut i = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let title = format!("w{w}-n{i}");
                    let id = d.note(&title, &body_of(&title));
                    acked.lock().unwrap().push(id);
                    i += 1;
                }
            })
        })
        .collect();
    let mut backups = Vec::new();
    for k in 0..3 {
        while acked.lock().unwrap().len() < 15 * (k + 1) {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let before: Vec<String> = acked.lock().unwrap().clone();
        let file = beside(&d, &format!("b{k}.age"));
        d.ok(&["backup", "create", s(&file)]);
        backups.push((file, before));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in writers {
        w.join().unwrap();
    }
    let key = d.home.join("keys/device.key");
    for (file, before) in backups {
        let r = restored(&file, &["--identity", s(&key)]);
        let notes = r.json(&["note", "list"]);
        let notes = notes.as_array().unwrap();
        let ids: Vec<&str> = notes.iter().map(|n| n["id"].as_str().unwrap()).collect();
        // Every write acknowledged before the backup was asked for is in it...
        for id in &before {
            assert!(ids.contains(&id.as_str()), "acknowledged {id} missing");
        }
        // ...and every entry in it is whole.
        for n in notes {
            let title = n["title"].as_str().unwrap();
            assert_eq!(n["body"].as_str().unwrap(), body_of(title), "torn {title}");
        }
    }
}

/// An age identity generated by the age crate, written as an identity file.
fn identity_file(dir: &Path) -> (age::x25519::Identity, PathBuf) {
    let id = age::x25519::Identity::generate();
    let path = dir.join("other.key");
    std::fs::write(
        &path,
        format!(
            "# public key: {}\n{}\n",
            id.to_public(),
            id.to_string().expose_secret()
        ),
    )
    .unwrap();
    (id, path)
}

#[test]
fn a_backup_is_a_standard_age_file_holding_a_tar() {
    let d = populated();
    let file = beside(&d, "b.age");
    let (id, id_path) = identity_file(d.home.parent().unwrap());
    d.ok(&[
        "backup",
        "create",
        s(&file),
        "--recipient",
        &id.to_public().to_string(),
    ]);
    let sealed = std::fs::read(&file).unwrap();
    assert!(sealed.starts_with(b"age-encryption.org/v1\n"));
    let plain = age::decrypt(&id, &sealed).expect("the age crate opens it");
    let mut archive = tar::Archive::new(plain.as_slice());
    let mut names = Vec::new();
    let mut manifest = Value::Null;
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().to_string_lossy().into_owned();
        if name == "manifest.json" {
            let mut text = String::new();
            entry.read_to_string(&mut text).unwrap();
            manifest = serde_json::from_str(&text).unwrap();
        }
        names.push(name);
    }
    assert_eq!(names, ["manifest.json", "journal.automerge"]);
    assert_eq!(manifest["format"], 1);
    assert_eq!(manifest["members"][0]["name"], "journal.automerge");
    assert_eq!(manifest["members"][0]["sha256"].as_str().unwrap().len(), 64);
    // The other key opens it through duet too, and so does this device's.
    let r = restored(&file, &["--identity", s(&id_path)]);
    assert_eq!(views(&r), views(&d));
}

/// A tar with a manifest of format 99, encrypted with age to `id`.
fn future_backup(id: &age::x25519::Identity) -> Vec<u8> {
    let manifest = br#"{"format": 99, "journal_id": "x", "members": []}"#;
    let mut tar_bytes = Vec::new();
    {
        let mut b = tar::Builder::new(&mut tar_bytes);
        for (name, bytes) in [
            ("manifest.json", &manifest[..]),
            ("journal.automerge", b"??"),
        ] {
            let mut h = tar::Header::new_ustar();
            h.set_size(bytes.len() as u64);
            h.set_mode(0o600);
            b.append_data(&mut h, name, bytes).unwrap();
        }
        b.finish().unwrap();
    }
    age::encrypt(&id.to_public(), &tar_bytes).unwrap()
}

#[test]
fn damaged_foreign_and_future_backups_are_refused_and_nothing_is_written() {
    let d = populated();
    let dir = d.home.parent().unwrap().to_owned();
    let good = beside(&d, "good.age");
    let key = d.home.join("keys/device.key");
    d.ok(&["backup", "create", s(&good)]);
    let pass = dir.join("pass");
    std::fs::write(&pass, "right one\n").unwrap();
    let wrong_pass = dir.join("wrong-pass");
    std::fs::write(&wrong_pass, "wrong one\n").unwrap();
    let by_pass = beside(&d, "pass.age");
    d.ok(&[
        "backup",
        "create",
        s(&by_pass),
        "--passphrase-file",
        s(&pass),
    ]);
    let (stranger, stranger_key) = identity_file(&dir);

    let bytes = std::fs::read(&good).unwrap();
    let n = bytes.len();
    let mut cases: Vec<(String, Vec<u8>, PathBuf, &str)> = Vec::new();
    cases.push((
        "wrong identity".into(),
        bytes.clone(),
        stranger_key.clone(),
        "",
    ));
    for len in [0, 20, n / 2, n - 1] {
        cases.push((
            format!("truncated to {len}"),
            bytes[..len].to_vec(),
            key.clone(),
            "",
        ));
    }
    for pos in [5, 40, 120, n / 2, n - 20, n - 1] {
        let mut b = bytes.clone();
        b[pos] ^= 0x04;
        cases.push((format!("flipped byte {pos} of {n}"), b, key.clone(), ""));
    }
    cases.push((
        "not a backup".into(),
        b"just some notes\n".to_vec(),
        key.clone(),
        "",
    ));
    cases.push((
        "future format".into(),
        future_backup(&stranger),
        stranger_key.clone(),
        "newer",
    ));
    for (what, content, identity, needle) in cases {
        let file = dir.join("case.age");
        std::fs::write(&file, &content).unwrap();
        let r = Duet::new();
        let out = r.fails(
            &[
                "backup",
                "restore",
                s(&file),
                "--identity",
                s(&identity),
                "--no-passphrase",
            ],
            1,
        );
        assert!(out.stderr.contains(needle), "{what}: {out:?}");
        assert!(!r.home.exists(), "{what}: restore created the home");
        let out = d.fails(
            &["backup", "verify", s(&file), "--identity", s(&identity)],
            1,
        );
        assert!(out.stderr.contains(needle), "{what}: {out:?}");
    }
    // The passphrase backup: a wrong passphrase, and no passphrase at all.
    let r = Duet::new();
    let out = r.fails(
        &[
            "backup",
            "restore",
            s(&by_pass),
            "--passphrase-file",
            s(&wrong_pass),
            "--no-passphrase",
        ],
        1,
    );
    assert!(out.stderr.contains("wrong passphrase"), "{out:?}");
    let out = r.fails(
        &[
            "backup",
            "restore",
            s(&by_pass),
            "--identity",
            s(&key),
            "--no-passphrase",
        ],
        1,
    );
    assert!(out.stderr.contains("--passphrase-file"), "{out:?}");
    assert!(!r.home.exists());
    // The right passphrase restores.
    let r = restored(&by_pass, &["--passphrase-file", s(&pass)]);
    assert_eq!(views(&r), views(&d));
}

#[test]
fn backup_create_refusals() {
    let d = Duet::started();
    let file = beside(&d, "b.age");
    let out = d.fails(
        &["backup", "create", s(&file), "--recipient", "age1nope"],
        2,
    );
    assert!(out.stderr.contains("not an age"), "{out:?}");
    assert!(!file.exists());
    // No daemon: a clear error.
    let stopped = Duet::initialised();
    let out = stopped.fails(&["backup", "create", s(&file)], 1);
    assert!(out.stderr.contains("not running"), "{out:?}");
    // Restore without a passphrase choice and no terminal is a usage error.
    let r = Duet::new();
    r.fails(&["backup", "restore", s(&file)], 2);
}

/// `backup restore` takes `init`'s network flags, and they win over the environment.
#[test]
fn restore_takes_the_network_flags_of_init() {
    let d = Duet::started();
    d.note("net", "");
    let file = beside(&d, "b.age");
    d.ok(&["backup", "create", s(&file)]);
    let key = d.home.join("keys/device.key");
    let r = Duet::new();
    let out = r
        .cmd(&[
            "backup",
            "restore",
            s(&file),
            "--identity",
            s(&key),
            "--no-passphrase",
            "--relay",
            "disabled",
            "--listen",
            "127.0.0.1",
            "--port",
            "0",
            "--no-local-discovery",
        ])
        .env("DUET_RELAY", "default")
        .env("DUET_LISTEN", "0.0.0.0")
        .env_remove("DUET_NO_LOCAL_DISCOVERY")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let config = std::fs::read_to_string(r.home.join("config.toml")).unwrap();
    for line in [
        "relay = \"disabled\"",
        "listen = \"127.0.0.1\"",
        "local_discovery = false",
    ] {
        assert!(config.contains(line), "{line} missing:\n{config}");
    }
    r.ok(&["daemon", "start"]);
    assert_eq!(r.json(&["note", "list"])[0]["title"], "net");
}

/// A passphrase-protected device verifies and restores its own backup with its key as it is:
/// `--identity KEY --passphrase-file FILE`, never a plaintext copy of the key on disk.
#[test]
fn a_protected_key_opens_its_own_backup() {
    let d = Duet::new();
    let pass = beside(&d, "pass.txt");
    std::fs::write(&pass, "correct horse\n").unwrap();
    d.ok(&["init", "--name", "Alice", "--passphrase-file", s(&pass)]);
    d.start();
    d.ok(&["unlock", "--passphrase-file", s(&pass)]);
    d.note("guarded", "body");
    let file = beside(&d, "b.age");
    d.ok(&["backup", "create", s(&file)]);
    let key = d.home.join("keys/device.key");
    // No terminal and no passphrase: a usage error that says how.
    let e = d.fails(&["backup", "verify", s(&file)], 2);
    assert!(e.stderr.contains("protected by a passphrase"), "{e:?}");
    assert!(e.stderr.contains("--passphrase-file"), "{e:?}");
    let e = d.fails(&["backup", "verify", s(&file), "--identity", s(&key)], 2);
    assert!(e.stderr.contains("protected by a passphrase"), "{e:?}");
    // A wrong passphrase is refused.
    let wrong = beside(&d, "wrong.txt");
    std::fs::write(&wrong, "nope\n").unwrap();
    let verify = ["backup", "verify", s(&file), "--identity", s(&key)];
    let e = d.fails(
        &[&verify[..], &["--passphrase-file", s(&wrong)]].concat(),
        1,
    );
    assert!(e.stderr.contains("wrong passphrase"), "{e:?}");
    let v = d.json(&[&verify[..], &["--passphrase-file", s(&pass)]].concat());
    assert_eq!(v["counts"]["notes"], 1);
    let r = restored(
        &file,
        &["--identity", s(&key), "--passphrase-file", s(&pass)],
    );
    assert_eq!(r.json(&["note", "list"])[0]["title"], "guarded");
    // The key on disk is still protected.
    let text = std::fs::read_to_string(&key).unwrap();
    assert!(text.starts_with("-----BEGIN AGE ENCRYPTED FILE-----"));
    // What `duet` does with a typed key passphrase and a typed new one: both on duetd's
    // stdin, the key's first.
    let n = Duet::new();
    let out = n.run_program(
        crate::harness::DUETD,
        &[
            "--home",
            n.home.to_str().unwrap(),
            "restore",
            s(&file),
            "--identity",
            s(&key),
            "--identity-passphrase-stdin",
            "--new-passphrase-stdin",
        ],
        b"correct horse\nnew secret\n",
    );
    assert_eq!(out.code, 0, "{out:?}");
    let new_pass = beside(&n, "new.txt");
    std::fs::write(&new_pass, "new secret\n").unwrap();
    n.start();
    n.ok(&["unlock", "--passphrase-file", s(&new_pass)]);
    assert_eq!(n.json(&["note", "list"])[0]["title"], "guarded");
}
