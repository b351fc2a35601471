//! Backup and restore benchmarks: the numbers in docs/benchmarks.md ("Backup and restore").
//!
//! Run: `cargo bench --bench backup` (release build). `DUET_BENCH_QUICK=1` runs small counts.
//!
//! For a journal of N notes (10,000 and 100,000), it measures:
//! 1. the snapshot: `Journal::save` (what `backup create` does inside one engine read);
//! 2. `backup create` after the snapshot: tar + manifest + age encryption to the device key,
//!    and the atomic write (temp file, fsync, rename);
//! 3. encrypting the same document bytes with age alone, in memory: the floor for (2);
//! 4. `backup verify`: read, decrypt, check checksums, load the document;
//! 5. `backup restore` into a new home: all of (4), plus a new device key, config and store.

use std::path::Path;
use std::time::{Duration, Instant};

use duet_backup::{FORMAT_VERSION, Manifest, Sealer};
use duet_crypto::DeviceKey;
use duet_daemon::backup::{OpenWith, RestoreOptions};
use duet_daemon::init::Passphrase;
use duet_journal::{Journal, Member};
use duet_proto::Home;
use jiff::Timestamp;

fn quick() -> bool {
    std::env::var_os("DUET_BENCH_QUICK").is_some()
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut samples = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        last = Some(f());
        samples.push(t.elapsed());
    }
    (median(samples), last.expect("at least one run"))
}

fn journal(notes: usize) -> Journal {
    let me = Member {
        device_id: "01a1f7f8300071a09c3e5b6d7f10a2b4".into(),
        device_name: "bench".into(),
        person_id: "01a1f7f83000733f8d2c41e0b9a6c5d1".into(),
        person_name: "Bench".into(),
        ..Member::default()
    };
    let mut j = Journal::create(&me, Timestamp::now()).expect("journal");
    for i in 0..notes {
        j.add_note(
            &format!("note {i}"),
            "a body of text, a sentence or two long, like most notes people write.",
            &[],
            Timestamp::now(),
        )
        .expect("add");
    }
    j
}

fn kib(bytes: u64) -> String {
    format!("{:.0} KiB", bytes as f64 / 1024.0)
}

fn bench(notes: usize, dir: &Path) {
    let runs = 3;
    let t = Instant::now();
    let mut j = journal(notes);
    let built = t.elapsed();
    let (snapshot, doc) = time(runs, || j.save());
    let key = DeviceKey::generate();
    let key_file = dir.join(format!("device-{notes}.key"));
    std::fs::write(&key_file, key.file_bytes(None, None).expect("key bytes")).expect("key file");
    let file = dir.join(format!("backup-{notes}.age"));
    let manifest = Manifest {
        format: FORMAT_VERSION,
        journal_id: "01a1f7f83000726bb2a74de452e6b438".into(),
        created_at: Timestamp::now(),
        created_by_device: "01a1f7f8300071a09c3e5b6d7f10a2b4".into(),
        duet_version: env!("CARGO_PKG_VERSION").into(),
        counts: j.counts(),
        members: Vec::new(),
    };
    let (create, size) = time(runs, || {
        let (sealed, _) = duet_backup::seal(
            manifest.clone(),
            &doc,
            &Sealer::Recipients(vec![key.recipient()]),
        )
        .expect("seal");
        duet_proto::write_private_atomic(&file, &sealed, duet_proto::Overwrite::Replace)
            .expect("write");
        sealed.len()
    });
    let (age_alone, age_size) = time(runs, || {
        age::encrypt(&key.recipient(), &doc).expect("age").len()
    });
    let empty = Home::new(dir.join("none"));
    let (verify, _) = time(runs, || {
        duet_daemon::backup::verify(
            &empty,
            &file,
            &OpenWith::Identity(key_file.clone(), duet_daemon::init::Passphrase::None),
        )
        .expect("verify")
    });
    let mut n = 0;
    let (restore, _) = time(runs, || {
        n += 1;
        let home = Home::new(dir.join(format!("r{notes}-{n}")));
        duet_daemon::backup::restore(
            &home,
            &RestoreOptions {
                file: file.clone(),
                open_with: OpenWith::Identity(
                    key_file.clone(),
                    duet_daemon::init::Passphrase::None,
                ),
                force: false,
                person_name: None,
                device_name: Some("bench".into()),
                passphrase: Passphrase::None,
                net: duet_daemon::init::NetOptions {
                    relay: "disabled".into(),
                    ..Default::default()
                },
            },
        )
        .expect("restore")
    });
    println!(
        "{notes:>7} notes (built in {built:.1?}): document {}, backup file {} (+{} B), age alone {}",
        kib(doc.len() as u64),
        kib(size as u64),
        size - doc.len(),
        kib(age_size as u64)
    );
    println!(
        "          snapshot {snapshot:>9.1?}  create {create:>9.1?}  age alone {age_alone:>9.1?}  verify {verify:>9.1?}  restore {restore:>9.1?}"
    );
}

fn main() {
    let dir = tempfile::tempdir_in("/tmp").expect("tempdir");
    let counts: &[usize] = if quick() {
        &[1_000, 5_000]
    } else {
        &[10_000, 100_000]
    };
    println!("backup and restore (median of 3 runs each)");
    for &n in counts {
        bench(n, dir.path());
    }
}
