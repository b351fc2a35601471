//! `duet doctor` on a healthy home (exit 0) and on broken ones (each finding named).

use std::os::unix::fs::PermissionsExt;

use serde_json::Value;

use crate::harness::Duet;

fn findings<'a>(v: &'a Value, check: &str) -> Vec<&'a Value> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == check)
        .collect()
}

fn status_of(v: &Value, check: &str) -> Vec<String> {
    findings(v, check)
        .iter()
        .map(|f| f["status"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_healthy_home_passes_and_says_so() {
    let d = Duet::started();
    let text = d.ok(&["doctor"]);
    assert!(text.contains("All is well."), "{text}");
    let v = d.json(&["doctor"]);
    assert_eq!(v["healthy"], true, "{v:#}");
    for check in [
        "home",
        "keys",
        "config",
        "disk",
        "store",
        "daemon",
        "network",
        "clock",
        "invitations",
    ] {
        let s = status_of(&v, check);
        assert!(!s.is_empty(), "{check} not checked: {v:#}");
        assert!(!s.iter().any(|s| s == "problem"), "{check}: {v:#}");
    }
    // A plain key is worth a note, not a failure.
    assert!(status_of(&v, "keys").contains(&"note".to_owned()), "{v:#}");

    // An open invitation is a note with its fix; still healthy.
    d.ok(&["invite"]);
    let v = d.json(&["doctor"]);
    assert_eq!(v["healthy"], true, "{v:#}");
    let inv = findings(&v, "invitations");
    assert_eq!(inv[0]["status"], "note", "{v:#}");
    assert!(
        inv[0]["fix"]
            .as_str()
            .unwrap()
            .contains("duet invite --cancel"),
        "{v:#}"
    );

    // Stopped, the store itself is opened and checked.
    d.stop();
    let v = d.run(&["doctor", "--json"]);
    assert_eq!(v.code, 1, "{v:?}");
    let v: Value = serde_json::from_str(&v.stdout).unwrap();
    let store = findings(&v, "store");
    assert_eq!(store[0]["status"], "ok", "{v:#}");
    assert!(
        store[0]["finding"]
            .as_str()
            .unwrap()
            .contains("every chunk authenticates"),
        "{v:#}"
    );
    let daemon = findings(&v, "daemon");
    assert_eq!(daemon[0]["status"], "problem");
    assert_eq!(daemon[0]["fix"], "duet daemon start");
}

#[test]
fn a_broken_home_names_each_problem_and_its_fix() {
    let d = Duet::initialised();
    let set = |p: &std::path::Path, mode| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    set(&d.home, 0o755);
    set(&d.home.join("keys/device.key"), 0o644);
    std::fs::write(d.home.join("config.toml"), "not = = toml").unwrap();
    let out = d.run(&["doctor"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(!out.stderr.contains("panicked"), "{out:?}");
    assert!(out.stdout.contains("Something needs fixing"), "{out:?}");
    let v: Value = serde_json::from_str(&d.run(&["doctor", "--json"]).stdout).unwrap();
    assert_eq!(v["healthy"], false);
    for (check, fix) in [
        ("home", "chmod 700"),
        ("keys", "chmod 600"),
        ("config", "fix the line"),
        ("daemon", "duet daemon start"),
    ] {
        let f = findings(&v, check);
        assert!(
            f.iter()
                .any(|f| f["status"] == "problem" && f["fix"].as_str().unwrap().contains(fix)),
            "{check}: {v:#}"
        );
    }

    // A damaged store, in an otherwise sound home.
    let d = Duet::initialised();
    let store = d.home.join("journal.redb");
    let bytes = std::fs::read(&store).unwrap();
    std::fs::write(&store, &bytes[..bytes.len() / 2]).unwrap();
    let v: Value = serde_json::from_str(&d.run(&["doctor", "--json"]).stdout).unwrap();
    let f = findings(&v, "store");
    assert_eq!(f[0]["status"], "problem", "{v:#}");
    assert!(
        f[0]["fix"].as_str().unwrap().contains("backup restore"),
        "{v:#}"
    );

    // No home at all.
    let d = Duet::new();
    let out = d.run(&["doctor"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains("does not exist"), "{out:?}");
}
