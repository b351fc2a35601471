//! Foundation benchmarks: the numbers in docs/benchmarks.md.
//!
//! Run: `cargo bench --bench foundation` (release build; a few seconds).
//! Set `DUET_BENCH_QUICK=1` for a fast smoke run with small counts.
//!
//! 1. `duet note add` wall time (a full CLI process, connect, durable write) next to spawning
//!    a trivial binary (`true`), so process start-up cost is visible separately.
//! 2. Socket request latency p50/p99 against an in-process daemon: a read (`status`) and a
//!    durable write (`note add`).
//! 3. Store open time with 10,000 entries: unseal the data key, read and unseal the chunk
//!    log, load the automerge document (what the daemon does at start).

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use duet_daemon::{config::Config, init, server, state::Daemon};
use duet_proto::{Client, Home, NoteAdd, Request};

fn quick() -> bool {
    std::env::var_os("DUET_BENCH_QUICK").is_some()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn summary(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
    println!(
        "{name:<44} n={:<6} mean={:>9.1?} p50={:>9.1?} p99={:>9.1?}",
        samples.len(),
        mean,
        percentile(&samples, 0.5),
        percentile(&samples, 0.99)
    );
}

fn new_home(dir: &Path) -> Home {
    let home = Home::new(dir.join("h"));
    init::init(
        &home,
        &init::InitOptions {
            person_name: "Bench".into(),
            device_name: Some("bench".into()),
            passphrase: init::Passphrase::None,
            net: init::NetOptions {
                relay: "disabled".into(),
                listen: std::net::Ipv4Addr::LOCALHOST.into(),
                local_discovery: false,
                ..Default::default()
            },
        },
    )
    .expect("init");
    home
}

fn cli_wall_time(bin_dir: &Path) {
    let n = if quick() { 5 } else { 100 };
    let trivial: Vec<Duration> = (0..n)
        .map(|_| {
            let t = Instant::now();
            Command::new("true").status().expect("true");
            t.elapsed()
        })
        .collect();
    summary("spawn `true`", trivial);

    let dir = tempfile::tempdir_in("/tmp").expect("tempdir");
    let home = new_home(dir.path());
    let duet = bin_dir.join("duet");
    let run = |args: &[&str]| {
        let out = Command::new(&duet)
            .args(args)
            .env("DUET_HOME", home.root())
            .env("DUET_DAEMON_BIN", bin_dir.join("duetd"))
            .stdin(Stdio::null())
            .output()
            .expect("duet");
        assert!(out.status.success(), "{out:?}");
    };
    run(&["daemon", "start"]);
    let add: Vec<Duration> = (0..n)
        .map(|i| {
            let t = Instant::now();
            run(&[
                "note",
                "add",
                &format!("note {i}"),
                "--body",
                "a short body",
            ]);
            t.elapsed()
        })
        .collect();
    summary("`duet note add` (process + durable write)", add);
    let list: Vec<Duration> = (0..n.min(20))
        .map(|_| {
            let t = Instant::now();
            run(&["note", "list", "--json"]);
            t.elapsed()
        })
        .collect();
    summary(&format!("`duet note list --json` ({n} notes)"), list);
    run(&["daemon", "stop"]);
}

async fn socket_latency() {
    let n = if quick() { 50 } else { 2000 };
    let dir = tempfile::tempdir_in("/tmp").expect("tempdir");
    let home = new_home(dir.path());
    let config = Config::load(&home.config()).expect("config");
    let daemon = Arc::new(Daemon::new(home.clone(), config));
    daemon.open(None).await.expect("open");
    let socket = home.socket().expect("socket");
    let listener = tokio::net::UnixListener::bind(&socket).expect("bind");
    let server = tokio::spawn(server::run(listener, daemon.clone()));

    let mut client = Client::connect(&socket, "bench").await.expect("connect");
    let mut reads = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        client.call(&Request::Status).await.expect("status");
        reads.push(t.elapsed());
    }
    summary("socket round trip: status (in-process)", reads);
    let mut writes = Vec::with_capacity(n);
    for i in 0..n {
        let req = Request::NoteAdd(NoteAdd {
            title: format!("n{i}"),
            body: "body".into(),
            tags: vec![],
        });
        let t = Instant::now();
        client.call(&req).await.expect("add");
        writes.push(t.elapsed());
    }
    summary("socket round trip: note add (durable)", writes);

    // 32 concurrent clients: group commit folds their writes into shared fsyncs.
    let per = if quick() { 5 } else { 50 };
    let t = Instant::now();
    let tasks: Vec<_> = (0..32)
        .map(|c| {
            let socket = socket.clone();
            tokio::spawn(async move {
                let mut client = Client::connect(&socket, "bench").await.expect("connect");
                for i in 0..per {
                    let req = Request::NoteAdd(NoteAdd {
                        title: format!("c{c} n{i}"),
                        body: String::new(),
                        tags: vec![],
                    });
                    client.call(&req).await.expect("add");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("client");
    }
    let elapsed = t.elapsed();
    println!(
        "{:<44} {} writes in {:.1?} = {:.0} writes/s",
        "32 concurrent clients, durable note add",
        32 * per,
        elapsed,
        f64::from(32 * per) / elapsed.as_secs_f64()
    );
    drop(client);
    daemon.shutdown_token().cancel();
    server.await.expect("server");
}

async fn store_open_time() {
    let entries = if quick() { 500 } else { 10_000 };
    let dir = tempfile::tempdir_in("/tmp").expect("tempdir");
    let home = new_home(dir.path());
    let config = Config::load(&home.config()).expect("config");
    {
        let daemon = Daemon::new(home.clone(), config.clone());
        daemon.open(None).await.expect("open");
        let engine = daemon.engine().await.expect("engine");
        for i in 0..entries {
            engine
                .write(move |j, now| j.add_note(&format!("note {i}"), "a body of text", &[], now))
                .await
                .expect("add");
        }
        daemon.close().await;
    }
    let size = std::fs::metadata(home.store()).expect("store").len();
    let mut samples = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let key = duet_crypto::DeviceKey::read(&home.device_key(), None).expect("key");
        let store = duet_store::Store::open(&home.store(), &key).expect("store");
        let bytes = store.load(duet_store::JOURNAL_DOC).expect("load");
        let journal = duet_journal::Journal::load(&bytes, &config.device_id).expect("journal");
        assert_eq!(journal.counts().notes, entries);
        samples.push(t.elapsed());
    }
    summary(
        &format!(
            "open store + load journal ({entries} notes, {} KiB)",
            size / 1024
        ),
        samples,
    );
}

fn main() {
    // `cargo bench` passes `--bench`; the binaries sit next to this bench's directory.
    let exe = std::env::current_exe().expect("exe");
    let bin_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target dir")
        .to_owned();
    if !bin_dir.join("duet").exists() {
        eprintln!("build the binaries first: cargo build --release");
        std::process::exit(1);
    }
    cli_wall_time(&bin_dir);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(socket_latency());
    rt.block_on(store_open_time());
}
