//! Real partitions: each daemon in its own Linux network namespace, joined to the others
//! through a bridge in a hub namespace, links cut and restored at random (seeded) while every
//! device writes. At the end every acknowledged write is on every device.
//!
//! Needs root and `ip netns` (as on this project's machines); skips with a message where it
//! cannot create a namespace. The addresses are those of this test's own namespaces
//! (10.231.N.0/24), which no traffic leaves. `DUET_PARTITION_CYCLES` (default 4) and
//! `DUET_PARTITION_SEED` (default: time-based, printed) set the run; the long mode for figures
//! is `DUET_PARTITION_CYCLES=200 cargo test --test cli partition -- --nocapture`.

use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crate::harness::{DUETD, Duet};

/// Runs `ip` with `args`, returning whether it succeeded.
fn ip(args: &[&str]) -> bool {
    Command::new("ip")
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

#[track_caller]
fn must_ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "ip {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A hub namespace with a bridge, and one namespace per device wired to it. Deleted on drop.
struct Lab {
    prefix: String,
    subnet: u32,
    devices: usize,
    wrappers: tempfile::TempDir,
}

impl Lab {
    /// `None` when namespaces cannot be made here.
    fn new(devices: usize) -> Option<Self> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let prefix = format!("dp{}x{n}", std::process::id() % 100_000);
        let hub = format!("{prefix}h");
        if !ip(&["netns", "add", &hub]) {
            eprintln!("skipping: cannot create a network namespace here (needs root and ip netns)");
            return None;
        }
        let lab = Self {
            subnet: (std::process::id() % 200) + n + 20,
            prefix,
            devices,
            wrappers: tempfile::tempdir().unwrap(),
        };
        must_ip(&["-n", &hub, "link", "add", "br0", "type", "bridge"]);
        must_ip(&["-n", &hub, "link", "set", "br0", "up"]);
        for i in 0..devices {
            let ns = lab.ns(i);
            must_ip(&["netns", "add", &ns]);
            let (outer, inner) = (format!("{}o{i}", lab.prefix), format!("{}i{i}", lab.prefix));
            must_ip(&[
                "link", "add", &outer, "netns", &hub, "type", "veth", "peer", "name", &inner,
                "netns", &ns,
            ]);
            must_ip(&["-n", &hub, "link", "set", &outer, "master", "br0"]);
            must_ip(&["-n", &hub, "link", "set", &outer, "up"]);
            must_ip(&[
                "-n",
                &ns,
                "addr",
                "add",
                &format!("{}/24", lab.addr(i)),
                "dev",
                &inner,
            ]);
            must_ip(&["-n", &ns, "link", "set", &inner, "up"]);
            must_ip(&["-n", &ns, "link", "set", "lo", "up"]);
            let wrapper = lab.wrappers.path().join(format!("duetd-{i}"));
            std::fs::write(
                &wrapper,
                format!("#!/bin/sh\nexec ip netns exec {ns} {DUETD} \"$@\"\n"),
            )
            .unwrap();
            let mut perms = std::fs::metadata(&wrapper).unwrap().permissions();
            std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
            std::fs::set_permissions(&wrapper, perms).unwrap();
        }
        Some(lab)
    }

    fn ns(&self, i: usize) -> String {
        format!("{}d{i}", self.prefix)
    }

    fn addr(&self, i: usize) -> String {
        format!("10.231.{}.{}", self.subnet, i + 1)
    }

    /// A running device whose daemon lives in namespace `i`.
    fn device(&self, i: usize, name: &str) -> Duet {
        let wrapper = self.wrappers.path().join(format!("duetd-{i}"));
        let addr = self.addr(i);
        Duet::person_with_env(
            name,
            &format!("dev{i}"),
            &[
                ("DUET_DAEMON_BIN", wrapper.to_str().unwrap()),
                ("DUET_LISTEN", &addr),
            ],
        )
    }

    /// Cuts (or restores) device `i`'s link: its packets are silently dropped.
    fn set_link(&self, i: usize, up: bool) {
        let inner = format!("{}i{i}", self.prefix);
        must_ip(&[
            "-n",
            &self.ns(i),
            "link",
            "set",
            &inner,
            if up { "up" } else { "down" },
        ]);
        if up {
            // A link brought down loses its address routes in some kernels: make sure.
            let _ = ip(&[
                "-n",
                &self.ns(i),
                "addr",
                "add",
                &format!("{}/24", self.addr(i)),
                "dev",
                &inner,
            ]);
        }
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for i in 0..self.devices {
            let _ = ip(&["netns", "del", &self.ns(i)]);
        }
        let _ = ip(&["netns", "del", &format!("{}h", self.prefix)]);
    }
}

/// A small seeded generator (xorshift64*): the run is reproducible from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

fn titles(d: &Duet) -> Vec<String> {
    let mut t: Vec<String> = d
        .json(&["note", "list"])
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["title"].as_str().unwrap().to_owned())
        .collect();
    t.sort();
    t
}

/// Syncs until every device holds exactly `written` (every acknowledged write, nothing else).
fn converge(devices: &[&Duet], written: &[String], seed: u64) {
    let mut written = written.to_vec();
    written.sort();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        for d in devices {
            d.run(&["sync", "--wait", "--timeout", "5s"]);
        }
        let views: Vec<Vec<String>> = devices.iter().map(|d| titles(d)).collect();
        if views.iter().all(|v| *v == written) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "seed {seed}: not converged after healing; missing per device: {:?}",
            views
                .iter()
                .map(|v| written.iter().filter(|w| !v.contains(w)).count())
                .collect::<Vec<_>>()
        );
    }
}

#[test]
fn three_devices_converge_through_random_partitions() {
    let Some(lab) = Lab::new(3) else { return };
    let seed = env_u64("DUET_PARTITION_SEED").unwrap_or_else(|| {
        u64::try_from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
                % u128::from(u64::MAX),
        )
        .unwrap()
            | 1
    });
    let cycles = env_u64("DUET_PARTITION_CYCLES").unwrap_or(4);
    eprintln!("partition run: seed {seed}, {cycles} cycles (DUET_PARTITION_SEED={seed})");
    let mut rng = Rng(seed);

    let a = lab.device(0, "Alice");
    let b = lab.device(1, "Bob");
    let c = lab.device(2, "Alice");
    a.pair(&b);
    b.synced();
    let t = a.ok(&["invite", "--same-person"]);
    c.ok(&["pair", t.trim()]);
    c.synced();
    let devices = [&a, &b, &c];

    let mut written = Vec::new();
    let mut healed = 0;
    let started = Instant::now();
    for cycle in 0..cycles {
        // Cut a random subset of links (possibly none, possibly all).
        let cut: Vec<bool> = (0..3).map(|_| rng.below(3) == 0).collect();
        for (i, down) in cut.iter().enumerate() {
            if *down {
                lab.set_link(i, false);
            }
        }
        for (i, d) in devices.iter().enumerate() {
            for k in 0..=rng.below(3) {
                let title = format!("c{cycle} d{i} n{k} {}", rng.next());
                d.ok(&["note", "add", &title, "--body", &format!("{}", rng.next())]);
                written.push(title);
            }
        }
        // Let what can flow, flow; sometimes restart a daemon mid-partition.
        if rng.below(4) == 0 {
            let i = usize::try_from(rng.below(3)).unwrap();
            devices[i].stop();
            devices[i].start();
        }
        std::thread::sleep(Duration::from_millis(rng.below(400)));
        for (i, down) in cut.iter().enumerate() {
            if *down {
                lab.set_link(i, true);
            }
        }
        // Every tenth cycle (and at the end, below) everything must heal completely.
        if cycle % 10 == 9 {
            converge(&devices, &written, seed);
            healed += 1;
        }
    }
    healed += 1;
    converge(&devices, &written, seed);
    eprintln!(
        "partition run: seed {seed}, {cycles} cycles, {} notes, {healed} full heals all converged, {:.1}s total",
        written.len(),
        started.elapsed().as_secs_f64()
    );
}
