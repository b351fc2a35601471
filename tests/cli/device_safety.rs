//! Nothing lost, nothing leaked on the device: the only key is never replaced, a forced
//! restore keeps what it replaces, a home open to others is refused, and a start after a
//! crash always works.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::backup::beside;
use crate::harness::{DUET, Duet};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn init_args() -> [&'static str; 6] {
    [
        "init",
        "--name",
        "Alice",
        "--device-name",
        "laptop",
        "--no-passphrase",
    ]
}

/// `backup restore FILE --identity KEY --no-passphrase [--force]`.
fn restore_args<'a>(file: &'a Path, key: &'a Path, force: bool) -> Vec<&'a str> {
    let mut args = vec![
        "backup",
        "restore",
        s(file),
        "--identity",
        s(key),
        "--no-passphrase",
    ];
    if force {
        args.push("--force");
    }
    args
}

#[test]
fn init_refuses_to_replace_the_key_of_a_moved_store() {
    let d = Duet::started();
    let id = d.note("Only copy", "opened by one key");
    d.stop();
    let key = std::fs::read(d.home.join("keys/device.key")).unwrap();
    let moved = beside(&d, "moved.redb");
    std::fs::rename(d.home.join("journal.redb"), &moved).unwrap();

    let out = d.fails(&init_args(), 1);
    assert!(
        out.stderr.contains("refusing to replace the only key"),
        "{out:?}"
    );
    assert!(out.stderr.contains("move it back"), "{out:?}");
    assert_eq!(out.stderr.trim().lines().count(), 1, "{out:?}");
    assert_eq!(std::fs::read(d.home.join("keys/device.key")).unwrap(), key);
    assert!(!d.home.join("journal.redb").exists());

    // A restore without --force refuses the same way.
    let backup_src = Duet::started();
    let file = beside(&backup_src, "b.age");
    backup_src.ok(&["backup", "create", s(&file)]);
    let src_key = backup_src.home.join("keys/device.key");
    let out = d.fails(&restore_args(&file, &src_key, false), 1);
    assert!(
        out.stderr.contains("refusing to replace the only key"),
        "{out:?}"
    );
    assert_eq!(std::fs::read(d.home.join("keys/device.key")).unwrap(), key);

    // Moved back, the journal opens with its own key.
    std::fs::rename(&moved, d.home.join("journal.redb")).unwrap();
    d.start();
    assert_eq!(d.json(&["note", "show", &id])["body"], "opened by one key");
}

#[test]
fn a_forced_restore_keeps_what_it_replaces_and_says_where() {
    let src = Duet::started();
    src.note("From the backup", "b");
    let file = beside(&src, "b.age");
    src.ok(&["backup", "create", s(&file)]);
    let src_key = src.home.join("keys/device.key");

    let d = Duet::started();
    let mine = d.note("Written here", "not in the backup");
    d.stop();
    let key = std::fs::read(d.home.join("keys/device.key")).unwrap();
    let store = std::fs::read(d.home.join("journal.redb")).unwrap();

    let out = d.run(&restore_args(&file, &src_key, true));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("are kept in"), "{out:?}");
    let kept: Vec<PathBuf> = std::fs::read_dir(&d.home)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("replaced-")
        })
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    let kept = &kept[0];
    assert!(out.stderr.contains(s(kept)), "{out:?}");
    let mode = std::fs::metadata(kept).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
    // The old key and store, byte for byte, and the new ones beside them.
    assert_eq!(std::fs::read(kept.join("keys/device.key")).unwrap(), key);
    assert_eq!(std::fs::read(kept.join("journal.redb")).unwrap(), store);
    assert!(kept.join("config.toml").exists());
    assert_ne!(std::fs::read(d.home.join("keys/device.key")).unwrap(), key);

    // The copy is a home of its own: the replaced journal still opens there.
    let old = duet_in(kept);
    let started = old(&["daemon", "start"]);
    assert_eq!(started.status.code(), Some(0), "{started:?}");
    let shown = old(&["note", "show", &mine, "--json"]);
    assert!(
        String::from_utf8_lossy(&shown.stdout).contains("not in the backup"),
        "{shown:?}"
    );
    old(&["daemon", "stop"]);

    // A second forced restore keeps a second copy, and --json names it.
    let v = d.json(&restore_args(&file, &src_key, true));
    let second = v["replaced"].as_str().unwrap();
    assert_ne!(second, s(kept));
    assert!(Path::new(second).join("keys/device.key").exists());
}

/// A `duet` runner for another home, with the harness's offline environment.
fn duet_in(home: &Path) -> impl Fn(&[&str]) -> std::process::Output + '_ {
    move |args| {
        std::process::Command::new(DUET)
            .args(args)
            .env("DUET_HOME", home)
            .env("DUET_DAEMON_BIN", crate::harness::DUETD)
            .env("DUET_RELAY", "disabled")
            .env("DUET_LISTEN", "127.0.0.1")
            .env("DUET_NO_LOCAL_DISCOVERY", "true")
            .output()
            .unwrap()
    }
}

#[test]
fn the_daemon_refuses_a_home_other_users_can_reach() {
    let d = Duet::initialised();
    for mode in [0o755, 0o750, 0o707, 0o777] {
        std::fs::set_permissions(&d.home, std::fs::Permissions::from_mode(mode)).unwrap();
        let out = d.fails(&["daemon", "start"], 1);
        assert!(out.stderr.contains("open to other users"), "{out:?}");
        assert!(
            out.stderr
                .contains(&format!("chmod 700 {}", d.home.display())),
            "{out:?}"
        );
        assert!(!d.socket().exists());
    }
    std::fs::set_permissions(&d.home, std::fs::Permissions::from_mode(0o700)).unwrap();
    d.start();
    let mode = std::fs::symlink_metadata(d.socket())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    // No staging directory of the private bind is left behind.
    let stray: Vec<_> = std::fs::read_dir(&d.home)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".s"))
        .collect();
    assert!(stray.is_empty(), "{stray:?}");
}

/// A crashed daemon leaves its socket behind; whatever a probe of it does (here it accepts
/// and hangs up at once, as a dying listener's backlog does), `daemon start` must succeed.
#[test]
fn a_start_after_a_crash_ignores_the_stale_socket() {
    let d = Duet::started();
    let id = d.note("Before the crash", "x");
    for _ in 0..3 {
        let pid = d.pid();
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        )
        .unwrap();
        wait_unlocked(&d.home);
        assert!(d.socket().exists());
        d.start();
    }
    d.stop();

    // A stale socket that answers and hangs up.
    let _ = std::fs::remove_file(d.socket());
    let stale = std::os::unix::net::UnixListener::bind(d.socket()).unwrap();
    // Until the new daemon's socket replaces it, every probe is hung up on at once.
    let hangup = std::thread::spawn(move || {
        while let Ok((conn, _)) = stale.accept() {
            drop(conn);
        }
    });
    d.start();
    assert_eq!(d.json(&["note", "show", &id])["title"], "Before the crash");
    drop(hangup);
}

fn wait_unlocked(home: &Path) {
    for _ in 0..500 {
        if std::fs::File::open(home.join("duetd.lock"))
            .unwrap()
            .try_lock_shared()
            .is_ok()
        {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("the killed daemon still holds its lock");
}

#[test]
fn key_rotate_reseals_everything_under_new_keys_and_keeps_the_old_key_aside() {
    let d = Duet::started();
    let id = d.note("Survives rotation", "sealed twice");
    let endpoint_before = d.json(&["key", "show"])["endpoint_id"].clone();
    let recipient_before = d.json(&["key", "show"])["recipient"].clone();
    // The daemon must be stopped.
    let out = d.fails(&["key", "rotate"], 1);
    assert!(out.stderr.contains("stop duetd"), "{out:?}");
    d.stop();
    let old_key = std::fs::read(d.home.join("keys/device.key")).unwrap();

    let v = d.json(&["key", "rotate"]);
    assert_ne!(v["recipient"], recipient_before);
    assert_eq!(v["passphrase"], false);
    let kept = PathBuf::from(v["old_key"].as_str().unwrap());
    assert_eq!(std::fs::read(&kept).unwrap(), old_key);
    // Only the old key is kept, not the old store; no staging is left.
    let aside = kept.parent().unwrap().parent().unwrap();
    assert!(!aside.join("journal.redb").exists());
    let names: Vec<String> = std::fs::read_dir(&d.home)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names.iter().any(|n| n.starts_with(".rotate-")),
        "{names:?}"
    );

    // The old key opens nothing; the new one opens the same journal.
    let old = duet_crypto::DeviceKey::read(&kept, None).unwrap();
    assert!(duet_store::Store::open(&d.home.join("journal.redb"), &old).is_err());
    d.start();
    assert_eq!(d.json(&["note", "show", &id])["body"], "sealed twice");
    let shown = d.json(&["key", "show"]);
    assert_eq!(shown["recipient"], v["recipient"]);
    // The network identity is the same endpoint, re-sealed.
    assert_eq!(shown["endpoint_id"], endpoint_before);
}

#[test]
fn key_rotate_keeps_the_passphrase() {
    let d = Duet::started();
    let id = d.note("Protected", "still");
    let pass = beside(&d, "pass");
    std::fs::write(&pass, "rotate me\n").unwrap();
    d.ok(&["passphrase", "set", "--new-passphrase-file", s(&pass)]);
    d.stop();
    // No terminal and no file: a usage error, nothing changed.
    let key = std::fs::read(d.home.join("keys/device.key")).unwrap();
    let out = d.fails(&["key", "rotate"], 2);
    assert!(out.stderr.contains("--passphrase-file"), "{out:?}");
    assert_eq!(std::fs::read(d.home.join("keys/device.key")).unwrap(), key);

    let v = d.json(&["key", "rotate", "--passphrase-file", s(&pass)]);
    assert_eq!(v["passphrase"], true);
    d.start();
    assert_eq!(d.json(&["status"])["locked"], true);
    d.ok(&["unlock", "--passphrase-file", s(&pass)]);
    assert_eq!(d.json(&["note", "show", &id])["body"], "still");
}
