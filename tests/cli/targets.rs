//! Files the user names (`backup create FILE`, `export -o FILE`): never inside the home,
//! never over an existing file without `--force`, and written by the CLI in the user's own
//! view of the file system.

use std::path::Path;
use std::process::Command;

use crate::backup::beside;
use crate::harness::{DUET, Duet};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn targets_inside_the_home_are_refused_and_nothing_changes() {
    let d = Duet::started();
    d.note("Keep me", "safe");
    let store = d.home.join("journal.redb");
    let key = d.home.join("keys/device.key");
    let key_before = std::fs::read(&key).unwrap();
    let store_len = std::fs::metadata(&store).unwrap().len();
    // A symlink outside the home that points into it is the home too.
    let link = beside(&d, "k");
    std::os::unix::fs::symlink(d.home.join("keys"), &link).unwrap();
    let via_link = link.join("device.key");
    for target in [&store, &key, &via_link, &d.home.join("new.age")] {
        for force in [false, true] {
            let mut args = vec!["backup", "create", s(target)];
            let mut export = vec!["export", "--format", "json", "-o", s(target)];
            if force {
                args.push("--force");
                export.push("--force");
            }
            let out = d.fails(&args, 2);
            assert!(out.stderr.contains("inside the duet home"), "{out:?}");
            let out = d.fails(&export, 2);
            assert!(out.stderr.contains("inside the duet home"), "{out:?}");
        }
    }
    assert!(!d.home.join("new.age").exists());
    assert_eq!(std::fs::read(&key).unwrap(), key_before);
    assert_eq!(std::fs::metadata(&store).unwrap().len(), store_len);
    // Relative paths are judged from the current directory.
    let out = d
        .cmd(&["export", "--format", "json", "-o", "config.toml"])
        .current_dir(&d.home)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert_eq!(d.json(&["note", "list"])[0]["title"], "Keep me");
}

#[test]
fn an_existing_file_is_replaced_only_with_force() {
    let d = Duet::started();
    d.note("One", "");
    let backup = beside(&d, "b.age");
    let export = beside(&d, "e.json");
    for f in [&backup, &export] {
        std::fs::write(f, "precious").unwrap();
    }
    let out = d.fails(&["backup", "create", s(&backup)], 2);
    assert!(out.stderr.contains("already exists"), "{out:?}");
    assert!(out.stderr.contains("--force"), "{out:?}");
    let out = d.fails(&["export", "--format", "json", "-o", s(&export)], 2);
    assert!(out.stderr.contains("already exists"), "{out:?}");
    for f in [&backup, &export] {
        assert_eq!(std::fs::read_to_string(f).unwrap(), "precious");
    }
    d.ok(&["backup", "create", s(&backup), "--force"]);
    d.ok(&["export", "--format", "json", "-o", s(&export), "--force"]);
    assert_eq!(
        d.json(&["backup", "verify", s(&backup)])["counts"]["notes"],
        1
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&export).unwrap()).unwrap();
    assert_eq!(v["notes"][0]["title"], "One");
    // A fresh name needs no --force.
    d.ok(&["backup", "create", s(&beside(&d, "fresh.age"))]);
}

/// What systemd's `PrivateTmp=true` does to a daemon, turned around: the CLI runs in a mount
/// namespace with its own directory the daemon cannot see. The backup and the export must
/// appear there, so they are written by the CLI, not by the daemon.
#[test]
fn files_are_written_in_the_clis_view_of_the_file_system() {
    let probe = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "true"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("skipped: cannot create a mount namespace here");
        return;
    }
    let d = Duet::started();
    d.note("Private tmp", "");
    let dir = beside(&d, "private");
    std::fs::create_dir(&dir).unwrap();
    let script = format!(
        "mount -t tmpfs none {dir} && {DUET} backup create {dir}/b.age && \
         {DUET} export --format json -o {dir}/e.json && \
         {DUET} backup verify {dir}/b.age --json && test -s {dir}/e.json",
        dir = s(&dir)
    );
    let out = d.run_program(
        "unshare",
        &["--mount", "--propagation", "private", "sh", "-c", &script],
        b"",
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("\"notes\": 1"), "{out:?}");
    // Outside the namespace the directory is still empty: the daemon wrote nothing there.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
}
