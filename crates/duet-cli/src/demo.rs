//! `duet demo`: two devices on this machine, end to end, through the real binaries.
//!
//! It creates two throwaway homes (Sam's laptop and Alex's phone) with two daemons, pairs
//! them, has each write while the other is stopped, brings both back, and shows that the
//! journal merged, including two edits to the same note. The devices talk over loopback
//! with relays off, so the demo needs no network; real installs use iroh's relays and
//! discovery by default.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::Command;

use crate::clean::outln;
use anyhow::{Context, bail};

struct Device {
    label: &'static str,
    home: PathBuf,
}

struct Demo {
    exe: PathBuf,
}

impl Demo {
    /// Runs `duet ARGS` on a device, echoing the command and its output.
    fn run(&self, d: &Device, args: &[&str]) -> anyhow::Result<String> {
        outln!("\n[{}]$ duet {}", d.label, shell_words(args))?;
        let out = Command::new(&self.exe)
            .args(args)
            .env("DUET_HOME", &d.home)
            .env("DUET_RELAY", "disabled")
            .env("DUET_LISTEN", "127.0.0.1")
            .env("DUET_NO_LOCAL_DISCOVERY", "true")
            .env_remove("DUET_LOG")
            .output()
            .with_context(|| format!("cannot run {}", self.exe.display()))?;
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        {
            use std::io::Write as _;
            std::io::stdout().write_all(stdout.as_bytes())?;
            let _ = std::io::stderr().write_all(&out.stderr);
        }
        if !out.status.success() {
            bail!("`duet {}` failed on {}", shell_words(args), d.label);
        }
        Ok(stdout.trim().to_owned())
    }

    fn say(&self, text: &str) -> anyhow::Result<()> {
        outln!("\n# {text}")?;
        Ok(())
    }
}

fn shell_words(args: &[&str]) -> String {
    args.iter()
        .map(|a| {
            let short = if a.len() > 60 {
                format!(
                    "{}…",
                    &a[..a.char_indices().nth(40).map_or(a.len(), |(i, _)| i)]
                )
            } else {
                (*a).to_owned()
            };
            if short.contains([' ', '"', '\'', '\n']) {
                format!("{short:?}")
            } else {
                short
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

pub(crate) fn run(keep: bool) -> anyhow::Result<()> {
    // A fresh directory with a random name, made 0700 by `mkdir` itself (`tempfile`'s
    // default follows the umask): a predictable /tmp path could be
    // created first, or watched, by another user, and the homes hold keys and a socket.
    let tmp = tempfile::Builder::new()
        .prefix("duet-demo-")
        .permissions(std::fs::Permissions::from_mode(0o700))
        .tempdir()
        .context("cannot create a private temporary directory for the demo")?;
    let dir = tmp.path().to_owned();
    let sam = Device {
        label: "sam-laptop",
        home: dir.join("sam"),
    };
    let alex = Device {
        label: "alex-phone",
        home: dir.join("alex"),
    };
    let demo = Demo {
        exe: std::env::current_exe()?,
    };
    outln!(
        "duet demo: two devices on this machine, homes under {}",
        dir.display()
    )?;
    let result = script(&demo, &sam, &alex);
    for d in [&sam, &alex] {
        if d.home.join("duetd.sock").exists() {
            let _ = demo.run(d, &["daemon", "stop"]);
        }
    }
    if keep {
        outln!(
            "\nKept the demo homes: DUET_HOME={} and DUET_HOME={}",
            sam.home.display(),
            alex.home.display()
        )?;
        // Kept on purpose: the person asked to look around afterwards.
        let _ = tmp.keep();
    }
    // Otherwise dropping `tmp` removes the homes.
    result
}

fn script(demo: &Demo, sam: &Device, alex: &Device) -> anyhow::Result<()> {
    demo.say("Each partner sets up their own device: a key, an encrypted store, a daemon.")?;
    demo.run(
        sam,
        &[
            "init",
            "--name",
            "Sam",
            "--device-name",
            "laptop",
            "--no-passphrase",
        ],
    )?;
    demo.run(
        alex,
        &[
            "init",
            "--name",
            "Alex",
            "--device-name",
            "phone",
            "--no-passphrase",
        ],
    )?;
    demo.run(sam, &["daemon", "start"])?;
    demo.run(alex, &["daemon", "start"])?;
    let plans = demo.run(
        sam,
        &[
            "note",
            "add",
            "Weekend plans",
            "--body",
            "Saturday: hike if it's dry.\nSunday: slow breakfast.",
        ],
    )?;

    demo.say(
        "Sam invites Alex's phone; Alex redeems the one-time ticket. Both see the same words.",
    )?;
    let ticket = demo.run(sam, &["invite", "--expires", "5m"])?;
    demo.run(alex, &["pair", &ticket])?;
    demo.run(sam, &["peers"])?;
    demo.run(alex, &["sync", "--wait", "--timeout", "20s"])?;
    demo.run(alex, &["note", "list"])?;

    demo.say("Alex's phone goes offline. Sam keeps writing.")?;
    demo.run(alex, &["daemon", "stop"])?;
    demo.run(
        sam,
        &[
            "note",
            "edit",
            &plans,
            "--append",
            "\nSam: I'll pack the thermos.",
        ],
    )?;
    let boundary = demo.run(
        sam,
        &[
            "boundary",
            "add",
            "Half an hour to myself after work, then I'm all yours",
        ],
    )?;
    demo.run(
        sam,
        &[
            "checkin",
            "--mood",
            "4",
            "--feeling",
            "hopeful",
            "--need",
            "a quiet evening",
        ],
    )?;

    demo.say("Now Sam's laptop is off and Alex writes on the phone, offline, in the same note.")?;
    demo.run(sam, &["daemon", "stop"])?;
    demo.run(alex, &["daemon", "start"])?;
    demo.run(
        alex,
        &[
            "note",
            "edit",
            &plans,
            "--body",
            "Friday: pizza night?\nSaturday: hike if it's dry.\nSunday: slow breakfast.",
        ],
    )?;
    demo.run(
        alex,
        &[
            "note",
            "add",
            "Things I want you to know",
            "--body",
            "You make hard days lighter. 🌿",
        ],
    )?;
    demo.run(
        alex,
        &[
            "checkin",
            "--mood",
            "3",
            "--feeling",
            "tired",
            "--need",
            "a hug",
        ],
    )?;

    demo.say("Both devices come back. They find each other and merge.")?;
    demo.run(sam, &["daemon", "start"])?;
    demo.run(sam, &["sync", "--wait", "--timeout", "20s"])?;
    demo.run(alex, &["sync", "--wait", "--timeout", "20s"])?;
    demo.say("Both edits to the same note survived, on both devices:")?;
    demo.run(sam, &["note", "show", &plans])?;
    demo.run(alex, &["note", "show", &plans])?;
    demo.say("Alex acknowledges Sam's boundary; Sam sees it.")?;
    demo.run(alex, &["boundary", "ack", &boundary])?;
    demo.run(alex, &["sync", "--wait", "--timeout", "20s"])?;
    demo.run(sam, &["boundary", "list"])?;
    demo.run(sam, &["checkin", "list"])?;
    demo.run(sam, &["status"])?;
    Ok(())
}
