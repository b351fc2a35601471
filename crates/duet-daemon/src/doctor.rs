//! `duetd doctor`: the checks of a home that need no running daemon (permissions, key files,
//! config, free space, and the store itself when no daemon holds it). `duet doctor` adds the
//! checks that need the daemon (running, locked, version, network, peers, invitations).

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use duet_crypto::{DeviceKey, KeyFileKind};
use duet_proto::{DoctorFinding, Home};

/// Below this much free space on the home's file system, writes may soon fail.
const LOW_SPACE_BYTES: u64 = 256 * 1024 * 1024;

/// Runs every offline check. Never fails: what cannot be checked is itself a finding.
pub fn check(home: &Home) -> Vec<DoctorFinding> {
    let mut out = Vec::new();
    let root = home.root();
    if !root.is_dir() {
        out.push(DoctorFinding::problem(
            "home",
            format!("{} does not exist", root.display()),
            "create a journal with `duet init --name NAME`, or point --home / DUET_HOME at yours",
        ));
        return out;
    }
    out.push(match crate::socket::check_home_private(root) {
        Ok(()) => DoctorFinding::ok("home", format!("{} is private (0700)", root.display())),
        Err(e) => DoctorFinding::problem(
            "home",
            e.to_string(),
            format!("chmod 700 {}", root.display()),
        ),
    });
    let key_ok = keys(home, &mut out);
    out.push(match crate::config::Config::load(&home.config()) {
        Ok(_) => DoctorFinding::ok("config", "config.toml reads"),
        Err(e) => DoctorFinding::problem(
            "config",
            e.to_string(),
            "fix the line it names, or restore config.toml from a copy of this home",
        ),
    });
    out.push(disk(home));
    out.push(store(home, key_ok));
    out
}

/// A private file's finding: present and 0600 (or at least closed to others).
fn private_file(check: &str, path: &Path, what: &str) -> Option<DoctorFinding> {
    match std::fs::metadata(path) {
        Ok(m) => {
            let mode = m.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                Some(DoctorFinding::problem(
                    check,
                    format!(
                        "{} ({what}) is open to other users (mode {mode:03o})",
                        path.display()
                    ),
                    format!("chmod 600 {}", path.display()),
                ))
            } else if m.uid() != nix::unistd::getuid().as_raw() {
                Some(DoctorFinding::problem(
                    check,
                    format!("{} belongs to another user", path.display()),
                    format!("chown $(id -u) {}", path.display()),
                ))
            } else {
                None
            }
        }
        Err(e) => Some(DoctorFinding::problem(
            check,
            format!("cannot read {} ({what}): {e}", path.display()),
            "restore the home from a backup (`duet backup restore`)",
        )),
    }
}

/// Checks the key files; returns the device key when it is a readable plain key (so the
/// store can be opened to check it).
fn keys(home: &Home, out: &mut Vec<DoctorFinding>) -> Option<DeviceKey> {
    let path = home.device_key();
    if let Some(f) = private_file("keys", &path, "the device key") {
        out.push(f);
        return None;
    }
    let key = match DeviceKey::file_kind(&path) {
        Ok(KeyFileKind::Passphrase) => {
            out.push(DoctorFinding::ok(
                "keys",
                "keys/device.key is private and protected by a passphrase",
            ));
            None
        }
        Ok(KeyFileKind::Plain) => match DeviceKey::read(&path, None) {
            Ok(k) => {
                out.push(DoctorFinding::note(
                    "keys",
                    "keys/device.key is private, without a passphrase: anyone with a copy of the disk can read the journal",
                    Some("protect it with `duet passphrase set`".to_owned()),
                ));
                Some(k)
            }
            Err(e) => {
                out.push(DoctorFinding::problem(
                    "keys",
                    e.to_string(),
                    "put back the device key from a copy of this home, or restore from a backup",
                ));
                None
            }
        },
        Err(e) => {
            out.push(DoctorFinding::problem(
                "keys",
                e.to_string(),
                "put back the device key from a copy of this home",
            ));
            None
        }
    };
    if home.endpoint_key().exists() {
        if let Some(f) = private_file("keys", &home.endpoint_key(), "the network key") {
            out.push(f);
        }
    } else {
        out.push(DoctorFinding::note(
            "keys",
            "keys/endpoint.age is missing: the daemon makes a new network identity at its next start, and partners must pair again",
            None,
        ));
    }
    key
}

fn disk(home: &Home) -> DoctorFinding {
    match nix::sys::statvfs::statvfs(home.root()) {
        Ok(s) => {
            let free = s.blocks_available() * s.fragment_size();
            let mib = free / (1024 * 1024);
            if free < LOW_SPACE_BYTES {
                DoctorFinding::problem(
                    "disk",
                    format!("only {mib} MiB free on the home's file system"),
                    "free some space: writes fail when the disk is full",
                )
            } else {
                DoctorFinding::ok("disk", format!("{mib} MiB free"))
            }
        }
        Err(e) => DoctorFinding::problem(
            "disk",
            format!("cannot read the free space: {e}"),
            "check the file system the home is on",
        ),
    }
}

/// Opens and loads the store when that is possible without a passphrase and without a
/// running daemon (which holds it).
fn store(home: &Home, key: Option<DeviceKey>) -> DoctorFinding {
    let path = home.store();
    if let Some(f) = private_file("store", &path, "the journal") {
        return f;
    }
    let held = std::fs::File::open(home.lock_file()).is_ok_and(|f| f.try_lock_shared().is_err());
    if held {
        return DoctorFinding::ok(
            "store",
            "journal.redb is held by the running daemon (its checks follow)",
        );
    }
    let Some(key) = key else {
        return DoctorFinding::note(
            "store",
            "journal.redb was not opened: the device key has a passphrase or cannot be read",
            Some("start and unlock the daemon to have it checked".to_owned()),
        );
    };
    // redb 4 panics on some damaged files instead of returning an error (see state.rs): a
    // panic here is a finding like any other.
    let loaded = std::panic::catch_unwind(|| {
        duet_store::Store::open(&path, &key).and_then(|s| s.load(duet_store::JOURNAL_DOC))
    });
    let Ok(loaded) = loaded else {
        return DoctorFinding::problem(
            "store",
            "journal.redb is damaged and cannot be read",
            "restore from a backup: `duet backup restore FILE --force` (the damaged store is kept beside it)",
        );
    };
    match loaded {
        Ok(bytes) => match duet_journal::Journal::load(&bytes, "doctor") {
            Ok(j) => {
                let c = j.counts();
                DoctorFinding::ok(
                    "store",
                    format!(
                        "journal.redb opens and every chunk authenticates ({} notes, {} check-ins, {} boundaries)",
                        c.notes, c.checkins, c.boundaries
                    ),
                )
            }
            Err(e) => DoctorFinding::problem(
                "store",
                format!("journal.redb opens but its journal does not load: {e}"),
                "restore from a backup: `duet backup restore FILE --force`",
            ),
        },
        Err(e) => DoctorFinding::problem(
            "store",
            e.to_string(),
            "restore from a backup: `duet backup restore FILE --force` (the damaged store is kept beside it)",
        ),
    }
}
