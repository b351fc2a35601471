//! Fitting into the system: man pages for every command, systemd readiness, and the example
//! unit checked by systemd's own verifier.

use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::harness::{DUETD, Duet};

fn man_dir(d: &Duet) -> std::path::PathBuf {
    let dir = d.home.parent().unwrap().join("man").join("man1");
    let out = d.run(&["man", "--dir", dir.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{out:?}");
    dir
}

#[test]
fn man_dir_writes_a_page_per_subcommand_and_for_duetd() {
    let d = Duet::new();
    let dir = man_dir(&d);
    for page in [
        "duet.1",
        "duet-note.1",
        "duet-note-add.1",
        "duet-backup-restore.1",
        "duet-man.1",
        "duetd.1",
        "duetd-init.1",
        "duetd-restore.1",
    ] {
        let text =
            std::fs::read_to_string(dir.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(
            text.starts_with(".ie") || text.contains(".TH"),
            "{page}: {text}"
        );
    }
    // Each page the top page promises is there: one per subcommand.
    let count = std::fs::read_dir(&dir).unwrap().count();
    assert!(count > 40, "{count} pages");
    // `man` finds them, where man is installed.
    if Command::new("man")
        .arg("-w")
        .arg("man")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        let out = Command::new("man")
            .args(["-w", "duet-note-add", "duetd"])
            .env("MANPATH", dir.parent().unwrap())
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    }
}

/// `Type=notify`: the daemon says READY=1 on `NOTIFY_SOCKET` once its socket answers, and
/// STOPPING=1 when it stops.
#[test]
fn the_daemon_tells_systemd_when_it_is_ready_and_stopping() {
    let d = Duet::initialised();
    let path = d.home.parent().unwrap().join("notify");
    let sock = UnixDatagram::bind(&path).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let out: crate::harness::Out = d
        .cmd(&["daemon", "start"])
        .env("NOTIFY_SOCKET", &path)
        .output()
        .unwrap()
        .into();
    assert_eq!(out.code, 0, "{out:?}");
    let mut buf = [0u8; 512];
    let n = sock.recv(&mut buf).expect("a READY=1 message");
    let msg = String::from_utf8_lossy(&buf[..n]).into_owned();
    assert!(msg.contains("READY=1"), "{msg}");
    // Ready means ready: a request works at once.
    d.ok(&["note", "list"]);
    d.stop();
    let n = sock.recv(&mut buf).expect("a STOPPING=1 message");
    assert!(String::from_utf8_lossy(&buf[..n]).contains("STOPPING=1"));
}

/// `systemd-analyze verify examples/duetd.service` passes, with the unit's binary and man page
/// present (its `ExecStart` pointed at the built duetd, its man page from `duet man --dir`).
#[test]
fn the_example_unit_passes_systemd_analyze_verify() {
    let unit_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/duetd.service");
    let unit = std::fs::read_to_string(&unit_path).unwrap();
    assert!(unit.contains("\nType=notify\n"), "{unit}");
    if Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: systemd-analyze is not installed");
        return;
    }
    let d = Duet::new();
    let man = man_dir(&d);
    let copy = d.home.parent().unwrap().join("duetd.service");
    std::fs::write(&copy, unit.replace("%h/.cargo/bin/duetd", DUETD)).unwrap();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&copy)
        .env("MANPATH", man.parent().unwrap())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
