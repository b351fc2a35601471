//! Terminal safety: the partner's words never drive the terminal, binary never goes to one,
//! and a closed pipe ends every command quietly.

use std::io::Read;
use std::os::fd::OwnedFd;
use std::process::Stdio;

use crate::harness::Duet;

/// Escape sequences and controls a hostile entry could carry: retitle the window, ring the
/// bell, clear the screen, an 8-bit CSI, DEL and a right-to-left override.
const EVIL: &str = "x\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\u{7f}gotcha\u{202e}txt.exe";

/// Runs `duet ARGS` with stdin, stdout and stderr on a fresh pseudo-terminal, colour allowed,
/// and returns the exit code and every byte the terminal received.
fn on_pty(d: &Duet, args: &[&str]) -> (i32, Vec<u8>) {
    let pty = nix::pty::openpty(None, None).unwrap();
    let slave = |fd: &OwnedFd| Stdio::from(fd.try_clone().unwrap());
    let mut cmd = d.cmd(args);
    cmd.env_remove("NO_COLOR")
        .stdin(slave(&pty.slave))
        .stdout(slave(&pty.slave))
        .stderr(slave(&pty.slave));
    let mut child = cmd.spawn().unwrap();
    // The parent's copies of the slave must close, or the master never sees the end.
    drop(cmd);
    drop(pty.slave);
    let mut master = std::fs::File::from(pty.master);
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    // Linux reports EIO once the last slave descriptor is closed.
    while let Ok(n) = master.read(&mut buf) {
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    (child.wait().unwrap().code().unwrap_or(-1), out)
}

/// The first control that reached the terminal raw, other than duet's own CSI sequences
/// (colours `m`; the progress spinner's erase-line `K`, cursor moves `A`/`G` and cursor
/// hiding `?25l`/`?25h`) and the line ends and tabs of text. `EVIL` has none of those.
fn raw_control(bytes: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(bytes);
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\u{1b}' {
            let rest = &text[i + 1..];
            if let Some(params) = rest.strip_prefix('[') {
                let len = params
                    .find(|ch: char| !(ch.is_ascii_digit() || ch == ';' || ch == '?'))
                    .unwrap_or(params.len());
                if params[len..].starts_with(['m', 'K', 'A', 'G', 'l', 'h']) {
                    for _ in 0..len + 2 {
                        chars.next();
                    }
                    continue;
                }
            }
            return Some(format!(
                "ESC at {i}: {:?}",
                &text[i..text.len().min(i + 20)]
            ));
        }
        let bad = matches!(c, '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
            && !matches!(c, '\n' | '\r' | '\t');
        if bad {
            return Some(format!("{c:?} at {i}: {:?}", &text[i.saturating_sub(10)..]));
        }
    }
    None
}

#[test]
fn hostile_entries_reach_no_terminal_raw() {
    let d = Duet::new();
    d.ok(&[
        "init",
        "--name",
        &format!("Sam{EVIL}"),
        "--device-name",
        &format!("laptop{EVIL}"),
        "--no-passphrase",
    ]);
    d.ok(&["daemon", "start"]);
    // A body may also hold a carriage return that would overwrite its line.
    let body = format!("line one {EVIL}\rfake\nline two\t{EVIL}\n");
    let id = d
        .ok(&["note", "add", &format!("title {EVIL}"), "--body", &body])
        .trim()
        .to_owned();
    let trashed = d.note(&format!("trashed {EVIL}"), &body);
    d.ok(&["note", "rm", &trashed]);
    d.ok(&[
        "checkin",
        "--mood",
        "3",
        "--feeling",
        &format!("odd{EVIL}"),
        "--need",
        EVIL,
        "--answer",
        &format!("d01={EVIL}"),
    ]);
    let b = d
        .ok(&["boundary", "add", &format!("boundary {EVIL}")])
        .trim()
        .to_owned();
    d.ok(&["boundary", "revise", &b, &format!("revised {EVIL}")]);
    let commands: Vec<Vec<&str>> = vec![
        vec!["note", "list"],
        vec!["note", "show", &id],
        vec!["note", "show", &trashed],
        vec!["note", "edit", &id, "--append", "more"],
        vec!["note", "rm", &id],
        vec!["note", "restore", &id],
        vec!["trash"],
        vec!["checkin", "list"],
        vec!["boundary", "list", "--all"],
        vec!["boundary", "show", &b],
        vec!["status"],
        vec!["daemon", "status"],
        vec!["key", "show"],
        vec!["prompts"],
        vec!["peers"],
        vec!["invite", "--list"],
        vec!["export", "--format", "markdown"],
        // Errors quote what they were given.
        vec!["note", "show", EVIL],
        // JSON escapes the C0 controls itself.
        vec!["note", "list", "--json"],
        vec!["export", "--format", "json"],
    ];
    for args in commands {
        let (code, out) = on_pty(&d, &args);
        assert!(
            code == 0 || args[2..].contains(&EVIL),
            "duet {args:?}: {code}"
        );
        let text = String::from_utf8_lossy(&out);
        assert!(!text.contains("panicked"), "duet {args:?}: {text}");
        if let Some(raw) = raw_control(&out) {
            panic!("duet {args:?} sent a raw control to the terminal: {raw}\n{text}");
        }
    }
    // The entry is shown, escaped rather than dropped, and kept as it is in --json.
    let (_, out) = on_pty(&d, &["note", "show", &id]);
    assert!(String::from_utf8_lossy(&out).contains("\\x1b]0;pwned\\x07"));
    assert_eq!(
        d.json(&["note", "show", &id])["body"],
        format!("{body}more")
    );
}

#[test]
fn binary_export_refuses_a_terminal() {
    let d = Duet::started();
    d.note("One", "");
    let (code, out) = on_pty(&d, &["export", "--format", "automerge"]);
    let text = String::from_utf8_lossy(&out);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("terminal"), "{text}");
    // To a pipe it is fine.
    let out = d
        .cmd(&["export", "--format", "automerge"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(automerge::AutoCommit::load(&out.stdout).is_ok());
}

/// `duet completions zsh | head -3` and friends: stdout is a pipe nobody reads, so every
/// write fails with EPIPE. Each command must end quietly (exit 0, nothing on stderr).
#[test]
fn a_closed_pipe_ends_every_command_quietly() {
    let d = Duet::started();
    let id = d.note("Piped away", "body");
    let commands: Vec<Vec<&str>> = vec![
        vec!["completions", "zsh"],
        vec!["completions", "bash"],
        vec!["man"],
        vec!["--help"],
        vec!["--version"],
        vec!["note", "list"],
        vec!["note", "list", "--json"],
        vec!["note", "show", &id],
        vec!["note", "add", "Into the void"],
        vec!["status"],
        vec!["daemon", "status"],
        vec!["prompts"],
        vec!["key", "show"],
        vec!["export", "--format", "json"],
        vec!["export", "--format", "markdown"],
        vec!["backup", "verify", "/nonexistent"],
    ];
    for args in commands {
        let (read, write) = nix::unistd::pipe().unwrap();
        drop(read);
        let out = d
            .cmd(&args)
            .stdout(Stdio::from(write))
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "duet {args:?}: {stderr}");
        if args[0] == "backup" {
            // A real error is still reported, on stderr.
            assert_eq!(out.status.code(), Some(1), "{stderr}");
            continue;
        }
        assert_eq!(out.status.code(), Some(0), "duet {args:?}: {stderr}");
        assert!(stderr.is_empty(), "duet {args:?}: {stderr}");
    }
}
