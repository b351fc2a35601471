//! Hangs and misleading errors: a socket that never answers, a socket of another home, a
//! damaged store, oversized entries, an empty `DUET_HOME`, a bad `config.toml`.

use std::io::Write;
use std::os::unix::net::UnixListener;

use crate::harness::Duet;

#[test]
fn a_socket_that_never_answers_times_out_clearly() {
    let d = Duet::initialised();
    let listener = UnixListener::bind(d.socket()).unwrap();
    // Accept and hold every connection, answering nothing.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming() {
            held.push(s);
        }
    });
    let e = d.fails(&["note", "list"], 1);
    assert!(e.stderr.contains("did not answer within"), "{e:?}");
    std::fs::remove_file(d.socket()).unwrap();
}

#[test]
fn a_socket_leading_to_another_homes_daemon_is_refused() {
    let other = Duet::started();
    let d = Duet::initialised();
    std::os::unix::fs::symlink(other.socket(), d.socket()).unwrap();
    let e = d.fails(&["note", "add", "meant for my own journal"], 1);
    assert!(e.stderr.contains("another home"), "{e:?}");
    assert_eq!(other.json(&["note", "list"]), serde_json::json!([]));
    std::fs::remove_file(d.socket()).unwrap();
    // A home reached through a symlinked directory is still the same home.
    let link = other.home.parent().unwrap().join("alias");
    std::os::unix::fs::symlink(&other.home, &link).unwrap();
    let out = other
        .cmd(&["--home", link.to_str().unwrap(), "note", "list"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
}

#[test]
fn a_damaged_store_says_so_and_names_the_way_back() {
    let d = Duet::started();
    for k in 0..3 {
        d.note(&format!("n{k}"), "body");
    }
    d.stop();
    let store = d.home.join("journal.redb");
    let mut bytes = std::fs::read(&store).unwrap();
    // Damage the pages, keep the header: the kind of damage redb panics on.
    for b in bytes.iter_mut().skip(4096).step_by(7) {
        *b = 0xa5;
    }
    std::fs::write(&store, &bytes).unwrap();
    let e = d.fails(&["daemon", "start"], 1);
    assert!(e.stderr.contains("is damaged"), "{e:?}");
    assert!(e.stderr.contains("duet backup restore"), "{e:?}");
    assert!(!e.stderr.contains("panicked"), "{e:?}");
    assert_eq!(
        std::fs::read(&store).unwrap(),
        bytes,
        "the store was modified"
    );
}

#[test]
fn entries_are_capped_at_16_mib_with_a_clear_message() {
    let d = Duet::started();
    let big = d.home.parent().unwrap().join("big.txt");
    let mut f = std::fs::File::create(&big).unwrap();
    let chunk = vec![b'a'; 1024 * 1024];
    for _ in 0..17 {
        f.write_all(&chunk).unwrap();
    }
    drop(f);
    let e = d.fails(
        &[
            "note",
            "add",
            "too big",
            "--body-file",
            big.to_str().unwrap(),
        ],
        2,
    );
    assert!(e.stderr.contains("at most 16 MiB"), "{e:?}");
    let id = d.note("small", "x");
    let e = d.fails(
        &["note", "edit", &id, "--body-file", big.to_str().unwrap()],
        2,
    );
    assert!(e.stderr.contains("at most 16 MiB"), "{e:?}");
    assert_eq!(d.json(&["note", "list"]).as_array().unwrap().len(), 1);
}

#[test]
fn an_empty_duet_home_counts_as_unset() {
    let d = Duet::new();
    let data = d.home.parent().unwrap().join("xdg");
    let out = d
        .cmd(&["note", "list"])
        .env("DUET_HOME", "")
        .env("XDG_DATA_HOME", &data)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("no journal in {}", data.join("duet").display())),
        "{stderr}"
    );
}

#[test]
fn a_bad_config_names_line_and_column_once() {
    let d = Duet::initialised();
    let config = d.home.join("config.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    let lines = text.lines().count();
    text.push_str("relay = \"disabled\"\n");
    std::fs::write(&config, text).unwrap();
    let e = d.fails(&["daemon", "start"], 1);
    assert!(
        e.stderr.contains(&format!("config.toml:{}:1:", lines + 1)),
        "{e:?}"
    );
    assert_eq!(e.stderr.matches("duplicate key").count(), 1, "{e:?}");
}
