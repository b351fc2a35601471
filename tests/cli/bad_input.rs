//! Bad input, everywhere, as one table: malformed, huge and non-UTF-8 arguments, unknown and
//! ambiguous ids, and homes that are missing, damaged or open to others. Every row must end
//! with a non-zero exit, an `error:` first line (exactly one line for runtime errors), no
//! panic, and the store as it was: byte for byte where nothing runs, and in content where a
//! running daemon answers.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::harness::{Duet, Out, distinguishing_prefix};

/// One row: its name, the arguments, the exit code and a phrase the error must contain.
struct Row {
    name: &'static str,
    args: Vec<OsString>,
    code: i32,
    says: &'static str,
}

fn row(name: &'static str, args: &[&str], code: i32, says: &'static str) -> Row {
    Row {
        name,
        args: args.iter().map(OsString::from).collect(),
        code,
        says,
    }
}

fn check(row: &Row, out: &Out) {
    let name = row.name;
    assert_eq!(out.code, row.code, "{name}: {out:?}");
    assert!(!out.stderr.contains("panicked"), "{name}: {out:?}");
    assert!(out.stderr.starts_with("error"), "{name}: {out:?}");
    if row.code == 1 {
        assert_eq!(
            out.stderr.trim_end().lines().count(),
            1,
            "{name}: not one line: {out:?}"
        );
    }
    assert!(
        out.stderr.to_lowercase().contains(&row.says.to_lowercase()),
        "{name}: expected {:?} in {out:?}",
        row.says
    );
}

fn run(d: &Duet, args: &[OsString]) -> Out {
    d.cmd(&[]).args(args).output().unwrap().into()
}

/// Everything the journal shows, to compare before and after.
fn content(d: &Duet) -> Vec<Value> {
    vec![
        d.json(&["note", "list"]),
        d.json(&["trash"]),
        d.json(&["checkin", "list"]),
        d.json(&["boundary", "list", "--all"]),
    ]
}

#[test]
fn bad_arguments_to_a_running_daemon_change_nothing() {
    let d = Duet::started();
    let a = d.note("first", "body");
    let b = d.note("second", "body");
    d.ok(&["boundary", "add", "Quiet mornings"]);
    let ambiguous = {
        let p = distinguishing_prefix(&a, &b);
        p[..p.len() - 1].to_owned()
    };
    let big_body = d.home.parent().unwrap().join("big.txt");
    std::fs::write(&big_body, vec![b'x'; 17 * 1024 * 1024]).unwrap();
    let garbage_backup = d.home.parent().unwrap().join("garbage.age");
    std::fs::write(&garbage_backup, b"not an age file at all").unwrap();
    let inside_home = d.home.join("inside.age");
    let long = "x".repeat(100_000);
    let before = content(&d);

    let mut rows = vec![
        row("unknown id", &["note", "show", "abc"], 1, "no note matches"),
        row(
            "ambiguous id",
            &["note", "show", &ambiguous],
            1,
            "matches 2 notes",
        ),
        row(
            "malformed id",
            &["note", "show", "not-hex!"],
            2,
            "is not an id",
        ),
        row("empty id", &["note", "show", ""], 2, "id"),
        row("huge id", &["note", "show", &long[..10_000]], 2, "id"),
        row(
            "edit unknown",
            &["note", "edit", "ffff", "--append", "x"],
            1,
            "no note matches",
        ),
        row("rm unknown", &["note", "rm", "ffff"], 1, "no note matches"),
        row(
            "restore unknown",
            &["note", "restore", "ffff"],
            1,
            "matches",
        ),
        row(
            "ack unknown boundary",
            &["boundary", "ack", "ffff"],
            1,
            "matches",
        ),
        row(
            "retire unknown boundary",
            &["boundary", "retire", "abc"],
            1,
            "matches",
        ),
        row("blank title", &["note", "add", "   "], 2, "title"),
        row("two-line title", &["note", "add", "two\nlines"], 2, "title"),
        row("huge title", &["note", "add", &long], 2, "title"),
        row(
            "tag with a space",
            &["note", "add", "t", "--tag", "two words"],
            2,
            "tag",
        ),
        row(
            "body over the cap",
            &[
                "note",
                "add",
                "t",
                "--body-file",
                big_body.to_str().unwrap(),
            ],
            2,
            "MiB",
        ),
        row(
            "missing body file",
            &["note", "add", "t", "--body-file", "/nonexistent/body"],
            1,
            "/nonexistent/body",
        ),
        row("mood out of range", &["checkin", "--mood", "9"], 2, "mood"),
        row(
            "mood not a number",
            &["checkin", "--mood", "abc"],
            2,
            "mood",
        ),
        row(
            "blank feeling",
            &["checkin", "--feeling", " "],
            2,
            "feeling",
        ),
        row(
            "unknown prompt",
            &["checkin", "--answer", "zz99=unknown"],
            2,
            "prompt",
        ),
        row(
            "unreadable --since",
            &["note", "list", "--since", "soonish"],
            2,
            "since",
        ),
        row(
            "unknown command",
            &["frobnicate"],
            2,
            "unrecognized subcommand",
        ),
        row(
            "unknown flag",
            &["note", "list", "--frob"],
            2,
            "unexpected argument",
        ),
        row("missing argument", &["note", "add"], 2, "required"),
        row(
            "export format",
            &["export", "--format", "pdf"],
            2,
            "invalid value",
        ),
        row(
            "not a ticket",
            &["pair", "definitely-not-a-ticket"],
            1,
            "ticket",
        ),
        row(
            "backup into the home",
            &["backup", "create", inside_home.to_str().unwrap()],
            2,
            "home",
        ),
        row(
            "verify a missing backup",
            &["backup", "verify", "/nonexistent/b.age"],
            1,
            "/nonexistent/b.age",
        ),
        row(
            "verify garbage",
            &["backup", "verify", garbage_backup.to_str().unwrap()],
            1,
            "garbage.age",
        ),
        row(
            "recipient that is not age1",
            &["backup", "create", "/tmp/x.age", "--recipient", "bob"],
            2,
            "recipient",
        ),
    ];
    // Arguments that are not UTF-8 at all.
    for (name, args) in [
        ("non-UTF-8 title", vec!["note", "add"]),
        ("non-UTF-8 id", vec!["note", "show"]),
        ("non-UTF-8 tag", vec!["note", "add", "t", "--tag"]),
    ] {
        let mut args: Vec<OsString> = args.into_iter().map(OsString::from).collect();
        args.push(OsString::from_vec(vec![b'a', 0xff, 0xfe, b'z']));
        rows.push(Row {
            name,
            args,
            code: 2,
            says: "UTF-8",
        });
    }
    assert!(rows.len() >= 30, "{}", rows.len());
    for r in &rows {
        check(r, &run(&d, &r.args));
    }
    assert_eq!(content(&d), before, "the journal changed");
}

/// A stopped, initialised home with one note, copied fresh for each row.
struct Template {
    source: Duet,
}

impl Template {
    fn new() -> Self {
        let source = Duet::started();
        source.note("kept", "as it was");
        source.stop();
        Self { source }
    }

    fn copy(&self) -> Duet {
        let d = Duet::new();
        let status = std::process::Command::new("cp")
            .arg("-a")
            .arg(&self.source.home)
            .arg(&d.home)
            .status()
            .unwrap();
        assert!(status.success());
        d
    }
}

/// The files a failed command must not touch, each with a digest of its bytes; with
/// `store_by_content`, the store by its tables' contents instead (redb rewrites its header
/// when it opens a file, even one the daemon then refuses).
fn files(home: &Path, store_by_content: bool) -> Vec<(PathBuf, Option<u64>)> {
    use std::hash::{Hash, Hasher};
    [
        "journal.redb",
        "config.toml",
        "keys/device.key",
        "keys/endpoint.age",
    ]
    .iter()
    .map(|f| {
        let p = home.join(f);
        let bytes = if store_by_content && *f == "journal.redb" {
            Some(store_content(&p))
        } else {
            std::fs::read(&p).ok()
        };
        let digest = bytes.map(|b| {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            b.hash(&mut h);
            h.finish()
        });
        (p, digest)
    })
    .collect()
}

/// Every key and value of the store's metadata and chunk tables, in order.
fn store_content(store: &Path) -> Vec<u8> {
    use redb::{ReadableDatabase, ReadableTable};
    let db = redb::Database::open(store).unwrap();
    let txn = db.begin_read().unwrap();
    let mut out = Vec::new();
    let meta: redb::TableDefinition<&str, &[u8]> = redb::TableDefinition::new("meta-1");
    for e in txn.open_table(meta).unwrap().iter().unwrap() {
        let (k, v) = e.unwrap();
        out.extend_from_slice(k.value().as_bytes());
        out.extend_from_slice(v.value());
    }
    let chunks: redb::TableDefinition<(&str, u64), &[u8]> = redb::TableDefinition::new("chunks-1");
    for e in txn.open_table(chunks).unwrap().iter().unwrap() {
        let (k, v) = e.unwrap();
        out.extend_from_slice(k.value().0.as_bytes());
        out.extend_from_slice(&k.value().1.to_le_bytes());
        out.extend_from_slice(v.value());
    }
    out
}

fn flip(path: &Path, offsets: impl Fn(usize) -> Vec<usize>) {
    let mut bytes = std::fs::read(path).unwrap();
    for at in offsets(bytes.len()) {
        bytes[at] ^= 0x10;
    }
    std::fs::write(path, bytes).unwrap();
}

fn newer_format(store: &Path) {
    let db = redb::Database::open(store).unwrap();
    let txn = db.begin_write().unwrap();
    {
        let table: redb::TableDefinition<&str, &[u8]> = redb::TableDefinition::new("meta-1");
        let mut meta = txn.open_table(table).unwrap();
        meta.insert("format", 99u32.to_le_bytes().as_slice())
            .unwrap();
    }
    txn.commit().unwrap();
}

#[test]
fn broken_homes_are_refused_and_left_as_they_were() {
    let t = Template::new();
    type Setup = fn(&Path);
    let start = ["daemon", "start"];
    let rows: Vec<(&str, Setup, &[&str], &str)> = vec![
        (
            "world-writable home",
            |h| chmod(h, 0o777),
            &start,
            "chmod 700",
        ),
        (
            "group-readable home",
            |h| chmod(h, 0o750),
            &start,
            "chmod 700",
        ),
        ("others can enter", |h| chmod(h, 0o701), &start, "chmod 700"),
        (
            "truncated store",
            |h| truncate(&h.join("journal.redb"), 2),
            &start,
            "journal.redb",
        ),
        (
            "empty store",
            |h| truncate(&h.join("journal.redb"), usize::MAX),
            &start,
            "journal.redb",
        ),
        (
            "bit-flipped store header",
            |h| flip(&h.join("journal.redb"), |_| vec![0, 5]),
            &start,
            "journal.redb",
        ),
        (
            "store from a newer duet",
            |h| newer_format(&h.join("journal.redb")),
            &start,
            "newer",
        ),
        (
            "store is a directory",
            |h| {
                std::fs::remove_file(h.join("journal.redb")).unwrap();
                std::fs::create_dir(h.join("journal.redb")).unwrap();
            },
            &start,
            "journal.redb",
        ),
        (
            "garbage config",
            |h| std::fs::write(h.join("config.toml"), "this is = = not toml [").unwrap(),
            &start,
            "config.toml",
        ),
        (
            "config not UTF-8",
            |h| std::fs::write(h.join("config.toml"), [0xff, 0xfe, 0x00]).unwrap(),
            &start,
            "config.toml",
        ),
        (
            "empty config",
            |h| std::fs::write(h.join("config.toml"), "").unwrap(),
            &start,
            "config.toml",
        ),
        (
            "garbage key file",
            |h| std::fs::write(h.join("keys/device.key"), "hello").unwrap(),
            &start,
            "device key",
        ),
        (
            "another device's key",
            |h| {
                let other = duet_crypto::DeviceKey::generate();
                std::fs::write(
                    h.join("keys/device.key"),
                    other.file_bytes(None, None).unwrap(),
                )
                .unwrap();
            },
            &start,
            "another key",
        ),
        (
            "missing home",
            |h| std::fs::remove_dir_all(h).unwrap(),
            &start,
            "duet init",
        ),
        (
            "init over an orphan key",
            |h| std::fs::remove_file(h.join("journal.redb")).unwrap(),
            &["init", "--name", "A", "--no-passphrase"],
            "only key",
        ),
    ];
    assert!(rows.len() >= 15);
    for (name, setup, args, says) in rows {
        let d = t.copy();
        setup(&d.home);
        // Rows where redb opens the store before the daemon refuses it.
        let by_content = ["store from a newer duet", "another device's key"].contains(&name);
        let before = files(&d.home, by_content);
        let out = d.run(args);
        check(
            &Row {
                name,
                args: Vec::new(),
                code: 1,
                says,
            },
            &out,
        );
        assert!(
            files(&d.home, by_content) == before,
            "{name}: the home changed"
        );
        if d.home.exists() {
            chmod(&d.home, 0o700);
        }
    }
}

fn chmod(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Cuts the file to 1/`div` of its length (`usize::MAX`: to nothing).
fn truncate(p: &Path, div: usize) {
    let bytes = std::fs::read(p).unwrap();
    std::fs::write(p, &bytes[..bytes.len() / div]).unwrap();
}
