//! `duet demo`: a scripted session against a throwaway home, run through the real binaries,
//! so a newcomer sees the whole path (init, daemon, writes, restart, reads) in one command.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};

struct Demo<'a> {
    exe: std::path::PathBuf,
    home: &'a Path,
}

impl Demo<'_> {
    /// Runs `duet ARGS` against the demo home, echoing the command and its output.
    fn run(&self, args: &[&str]) -> anyhow::Result<String> {
        println!("\n$ duet {}", shell_words(args));
        let out = Command::new(&self.exe)
            .args(args)
            .env("DUET_HOME", self.home)
            .env_remove("DUET_LOG")
            .output()
            .with_context(|| format!("cannot run {}", self.exe.display()))?;
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        print!("{stdout}");
        eprint!("{}", String::from_utf8_lossy(&out.stderr));
        if !out.status.success() {
            bail!("`duet {}` failed", shell_words(args));
        }
        Ok(stdout.trim().to_owned())
    }
}

fn shell_words(args: &[&str]) -> String {
    args.iter()
        .map(|a| {
            if a.contains([' ', '"', '\'']) {
                format!("{a:?}")
            } else {
                (*a).to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

pub(crate) fn run(keep: bool) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("duet-demo-{}", std::process::id()));
    let demo = Demo {
        exe: std::env::current_exe()?,
        home: &dir,
    };
    println!("duet demo: a journal in {}", dir.display());
    let result = script(&demo);
    let _ = demo.run(&["daemon", "stop"]);
    if keep {
        println!("\nKept the demo home: DUET_HOME={}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

fn script(d: &Demo) -> anyhow::Result<()> {
    d.run(&[
        "init",
        "--name",
        "Sam",
        "--device-name",
        "laptop",
        "--no-passphrase",
    ])?;
    d.run(&["daemon", "start"])?;
    let plans = d.run(&[
        "note",
        "add",
        "Weekend plans",
        "--body",
        "Hike on Saturday if it's dry.\nSunday: slow breakfast.",
        "--tag",
        "plans",
    ])?;
    d.run(&[
        "note",
        "add",
        "Things I want you to know",
        "--body",
        "You make hard days lighter. 🌿",
    ])?;
    d.run(&[
        "note",
        "edit",
        &plans,
        "--append",
        "\nBring the good thermos.",
    ])?;
    d.run(&["note", "list"])?;
    d.run(&[
        "checkin",
        "--mood",
        "4",
        "--feeling",
        "calm",
        "--feeling",
        "a bit tired",
        "--need",
        "an early night",
    ])?;
    d.run(&[
        "boundary",
        "add",
        "I need half an hour to myself after work before we talk plans",
    ])?;
    d.run(&["note", "rm", &plans])?;
    d.run(&["trash"])?;
    d.run(&["note", "restore", &plans])?;
    println!("\n# Restart the daemon: every acknowledged write is on disk, encrypted.");
    d.run(&["daemon", "stop"])?;
    d.run(&["daemon", "start"])?;
    d.run(&["note", "show", &plans])?;
    d.run(&["checkin", "list"])?;
    d.run(&["boundary", "list"])?;
    d.run(&["status"])?;
    Ok(())
}
