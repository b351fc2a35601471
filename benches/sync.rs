//! Replication benchmarks: the numbers in docs/benchmarks.md, "Replication".
//!
//! Run: `cargo build --release && cargo bench --bench sync` (`DUET_BENCH_QUICK=1` for a
//! smoke run with small counts). Everything runs on loopback with relays off.
//!
//! 1. Latency from `note add` on one device to the note being readable on the other, two
//!    real daemons connected over iroh on loopback.
//! 2. After each side wrote N notes offline: time and sync-message bytes for the two daemons
//!    to converge, next to (a) automerge's in-memory merge of the same two documents and
//!    (b) automerge's sync protocol run in memory between them.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use duet_journal::{Journal, Member};
use duet_proto::{Client, EntryRef, Home, NoteAdd, Request, Response};
use jiff::Timestamp;

fn quick() -> bool {
    std::env::var_os("DUET_BENCH_QUICK").is_some()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

struct Device {
    home: Home,
    duet: std::path::PathBuf,
    duetd: std::path::PathBuf,
}

impl Device {
    fn new(dir: &Path, name: &str, bins: &Path) -> Self {
        let d = Self {
            home: Home::new(dir.join(name)),
            duet: bins.join("duet"),
            duetd: bins.join("duetd"),
        };
        d.run(&["init", "--name", name, "--no-passphrase"]);
        d
    }

    fn run(&self, args: &[&str]) -> String {
        let out = Command::new(&self.duet)
            .args(args)
            .env("DUET_HOME", self.home.root())
            .env("DUET_DAEMON_BIN", &self.duetd)
            .env("DUET_RELAY", "disabled")
            .env("DUET_LISTEN", "127.0.0.1")
            .env("DUET_NO_LOCAL_DISCOVERY", "true")
            .stdin(Stdio::null())
            .output()
            .expect("duet");
        assert!(out.status.success(), "duet {args:?}: {out:?}");
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    async fn client(&self) -> Client {
        Client::connect(&self.home.socket().expect("socket"), "bench")
            .await
            .expect("connect")
    }
}

async fn add(c: &mut Client, title: String) -> String {
    match c
        .call(&Request::NoteAdd(NoteAdd {
            title,
            body: "a body of text, a sentence or two long, like most notes people write.".into(),
            tags: vec![],
        }))
        .await
        .expect("add")
    {
        Response::Created(c) => c.id,
        other => panic!("{other:?}"),
    }
}

async fn latency(a: &Device, b: &Device) {
    let n = if quick() { 10 } else { 200 };
    let (mut ca, mut cb) = (a.client().await, b.client().await);
    let mut samples = Vec::with_capacity(n);
    for i in 0..n {
        let t = Instant::now();
        let id = add(&mut ca, format!("latency {i}")).await;
        loop {
            let seen = cb
                .call(&Request::NoteShow(EntryRef { id: id.clone() }))
                .await
                .is_ok();
            if seen {
                break;
            }
            assert!(t.elapsed() < Duration::from_secs(10), "never arrived");
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
        samples.push(t.elapsed());
    }
    samples.sort();
    println!(
        "note add on A -> readable on B (connected, loopback): n={n} p50={:.2?} p99={:.2?} max={:.2?}",
        percentile(&samples, 0.5),
        percentile(&samples, 0.99),
        samples[samples.len() - 1]
    );
}

async fn converge(a: &Device, b: &Device, n: usize) {
    b.run(&["daemon", "stop"]);
    let mut ca = a.client().await;
    for i in 0..n {
        add(&mut ca, format!("a offline {i}")).await;
    }
    drop(ca);
    a.run(&["daemon", "stop"]);
    b.run(&["daemon", "start"]);
    let mut cb = b.client().await;
    for i in 0..n {
        add(&mut cb, format!("b offline {i}")).await;
    }
    drop(cb);
    let t = Instant::now();
    a.run(&["daemon", "start"]);
    a.run(&["sync", "--wait", "--timeout", "600s"]);
    b.run(&["sync", "--wait", "--timeout", "600s"]);
    let elapsed = t.elapsed();
    let peers: serde_json::Value =
        serde_json::from_str(&a.run(&["peers", "--json"])).expect("json");
    let sent = peers[0]["bytes_sent"].as_u64().unwrap_or(0);
    let received = peers[0]["bytes_received"].as_u64().unwrap_or(0);
    let count_a: serde_json::Value =
        serde_json::from_str(&a.run(&["status", "--json"])).expect("json");
    let count_b: serde_json::Value =
        serde_json::from_str(&b.run(&["status", "--json"])).expect("json");
    assert_eq!(count_a["counts"], count_b["counts"]);
    println!(
        "daemons converge after {n}+{n} offline notes: {elapsed:.2?} (A's daemon start included), sync bytes on the wire {} KiB (A sent {} KiB, received {} KiB), {} notes each side",
        (sent + received) / 1024,
        sent / 1024,
        received / 1024,
        count_a["counts"]["notes"]
    );
}

fn member(device: &str, person: &str) -> Member {
    Member {
        device_id: device.into(),
        device_name: device.into(),
        person_id: person.into(),
        person_name: person.into(),
        ..Member::default()
    }
}

fn in_memory(n: usize) {
    let now = Timestamp::now();
    let mut a = Journal::create(&member("a", "pa"), now).expect("create");
    let mut b = Journal::load(&a.save(), "b").expect("load");
    b.upsert_member(&member("b", "pb"), now).expect("member");
    a.doc_mut().merge(b.doc_mut()).expect("merge");
    b.doc_mut().merge(a.doc_mut()).expect("merge");
    let base = a.heads();
    for i in 0..n {
        a.add_note(
            &format!("a offline {i}"),
            "a body of text, a sentence or two long, like most notes people write.",
            &[],
            now,
        )
        .expect("add");
        b.add_note(
            &format!("b offline {i}"),
            "a body of text, a sentence or two long, like most notes people write.",
            &[],
            now,
        )
        .expect("add");
    }
    let (a_bytes, b_bytes) = (a.save(), b.save());

    let (mut ma, mut mb) = (
        Journal::load(&a_bytes, "a").expect("load"),
        Journal::load(&b_bytes, "b").expect("load"),
    );
    let t = Instant::now();
    ma.doc_mut().merge(mb.doc_mut()).expect("merge");
    mb.doc_mut().merge(ma.doc_mut()).expect("merge");
    let merge = t.elapsed();
    assert_eq!(ma.heads(), mb.heads());
    // What each side wrote offline, in automerge's change encoding.
    let changes = a.save_after(&base).len() + b.save_after(&base).len();

    let (mut sa, mut sb) = (
        Journal::load(&a_bytes, "a").expect("load"),
        Journal::load(&b_bytes, "b").expect("load"),
    );
    let t = Instant::now();
    let (mut bytes, mut rounds) = (0usize, 0usize);
    loop {
        rounds += 1;
        let to_b = sa.sync_generate("b");
        if let Some(m) = &to_b {
            bytes += m.len();
            sb.sync_receive("a", m).expect("receive");
        }
        let to_a = sb.sync_generate("a");
        if let Some(m) = &to_a {
            bytes += m.len();
            sa.sync_receive("b", m).expect("receive");
        }
        if to_b.is_none() && to_a.is_none() {
            break;
        }
    }
    let protocol = t.elapsed();
    assert_eq!(sa.heads(), sb.heads());
    println!(
        "in memory, {n}+{n} offline notes: automerge merge both ways {merge:.2?}; automerge sync protocol {protocol:.2?}, {} KiB in {rounds} rounds (the changes alone: {} KiB)",
        bytes / 1024,
        changes / 1024
    );
}

fn main() {
    let exe = std::env::current_exe().expect("exe");
    let bins = exe
        .parent()
        .and_then(Path::parent)
        .expect("target dir")
        .to_owned();
    if !bins.join("duet").exists() {
        eprintln!("build the binaries first: cargo build --release");
        std::process::exit(1);
    }
    let n = if quick() { 200 } else { 5_000 };
    in_memory(n);
    let dir = tempfile::tempdir_in("/tmp").expect("tempdir");
    let a = Device::new(dir.path(), "a", &bins);
    let b = Device::new(dir.path(), "b", &bins);
    a.run(&["daemon", "start"]);
    b.run(&["daemon", "start"]);
    let ticket = a.run(&["invite"]);
    b.run(&["pair", &ticket]);
    b.run(&["sync", "--wait", "--timeout", "30s"]);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(latency(&a, &b));
    rt.block_on(converge(&a, &b, n));
    a.run(&["daemon", "stop"]);
    b.run(&["daemon", "stop"]);
}
