//! `duet doctor`: `duetd doctor`'s offline checks of the home, then what only the running
//! daemon knows (locked or not, its version, the network and each member's path, pending
//! invitations) and the clock. Each finding in plain words with its fix; exit 0 only when
//! nothing is a problem.

use std::process::ExitCode;

use duet_proto::{
    Client, ClientError, DoctorFinding, Home, PROTOCOL_VERSION, Request, Response, StatusView,
};
use jiff::Timestamp;
use serde_json::json;

use crate::clean::{line, outln};
use crate::daemon_ctl::{duetd, run_duetd};
use crate::print;

/// No real clock reads earlier than this (before duet existed): such a reading is a clock
/// that was never set.
const CLOCK_FLOOR: &str = "2025-01-01T00:00:00Z";

/// Runs every check, prints the findings, and exits 1 if any is a problem.
pub(crate) async fn run(home: &Home, json: bool) -> anyhow::Result<ExitCode> {
    let mut findings = offline(home);
    let home_ok = !findings
        .iter()
        .any(|f| f.is_problem() && f.check == "home" && f.finding.contains("does not exist"));
    let started = if home_ok {
        daemon(home, &mut findings).await
    } else {
        None
    };
    findings.push(clock(started));
    let healthy = !findings.iter().any(DoctorFinding::is_problem);
    if json {
        print::json(&json!({ "healthy": healthy, "findings": findings }))?;
    } else {
        for f in &findings {
            let mark = match f.status.as_str() {
                "ok" => "ok     ",
                "note" => "note   ",
                _ => "PROBLEM",
            };
            outln!("{mark} {:<12} {}", f.check, line(&f.finding))?;
            if let Some(fix) = &f.fix {
                outln!("{:<20} fix: {}", "", line(fix))?;
            }
        }
        outln!(
            "{}",
            if healthy {
                "All is well."
            } else {
                "Something needs fixing (see PROBLEM above)."
            }
        )?;
    }
    Ok(if healthy {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `duetd doctor`'s findings, or one saying it could not run.
fn offline(home: &Home) -> Vec<DoctorFinding> {
    let mut cmd = duetd(home);
    cmd.arg("doctor");
    match run_duetd(cmd, None)
        .and_then(|out| serde_json::from_str(&out).map_err(anyhow::Error::from))
    {
        Ok(findings) => findings,
        Err(e) => vec![DoctorFinding::problem(
            "home",
            format!("duetd could not check the home: {e}"),
            "check that duetd is installed next to duet (or set DUET_DAEMON_BIN)",
        )],
    }
}

/// The daemon's findings; returns when it started, which the clock must not be behind.
async fn daemon(home: &Home, out: &mut Vec<DoctorFinding>) -> Option<Timestamp> {
    let socket = match home.socket() {
        Ok(s) => s,
        Err(e) => {
            out.push(DoctorFinding::problem(
                "daemon",
                e.to_string(),
                "use a shorter --home",
            ));
            return None;
        }
    };
    let mut client = match Client::connect(&socket, "duet doctor").await {
        Ok(c) => c,
        Err(ClientError::NotRunning) => {
            out.push(DoctorFinding::problem(
                "daemon",
                "duetd is not running: nothing syncs",
                "duet daemon start",
            ));
            return None;
        }
        Err(e @ ClientError::VersionMismatch { .. }) => {
            out.push(DoctorFinding::problem(
                "daemon",
                e.to_string(),
                "duet daemon stop && duet daemon start",
            ));
            return None;
        }
        Err(e) => {
            out.push(DoctorFinding::problem(
                "daemon",
                format!("cannot talk to duetd: {e}"),
                "see duetd.log in the home, then `duet daemon stop && duet daemon start`",
            ));
            return None;
        }
    };
    let hello = client.hello().clone();
    if hello.locked {
        out.push(DoctorFinding::problem(
            "daemon",
            format!(
                "duetd (pid {}) is locked: the journal is closed and nothing syncs",
                hello.pid
            ),
            "duet unlock",
        ));
    } else {
        out.push(DoctorFinding::ok(
            "daemon",
            format!(
                "duetd {} (pid {}, protocol {PROTOCOL_VERSION}) is running and unlocked",
                hello.daemon_version, hello.pid
            ),
        ));
    }
    if hello.daemon_version != env!("CARGO_PKG_VERSION") {
        out.push(DoctorFinding::problem(
            "daemon",
            format!(
                "duetd is version {} but this duet is {}",
                hello.daemon_version,
                env!("CARGO_PKG_VERSION")
            ),
            "duet daemon stop && duet daemon start",
        ));
    }
    let status = match client.call(&Request::Status).await {
        Ok(Response::Status(s)) => s,
        Ok(_) | Err(_) => {
            out.push(DoctorFinding::problem(
                "daemon",
                "duetd did not answer status",
                "see duetd.log in the home",
            ));
            return None;
        }
    };
    if !hello.locked {
        network(&status, out);
        invitations(&mut client, out).await;
    }
    Some(status.started_at)
}

fn network(s: &StatusView, out: &mut Vec<DoctorFinding>) {
    match &s.network_error {
        Some(e) => out.push(DoctorFinding::problem(
            "network",
            format!("the network is not running: {e}"),
            "check the relay/listen settings in config.toml, then restart the daemon",
        )),
        None if s.endpoint_id.is_some() => {
            out.push(DoctorFinding::ok("network", "the network is running"));
        }
        None => out.push(DoctorFinding::note(
            "network",
            "the network has not started yet",
            None,
        )),
    }
    for p in &s.peers {
        let who = format!("{} ({})", p.device_name, p.person_name);
        out.push(match (p.connected, &p.last_error) {
            (true, _) => DoctorFinding::ok("peer", format!("{who}: connected")),
            (false, Some(e)) => DoctorFinding::problem(
                "peer",
                format!("{who}: unreachable, last error: {e}"),
                "make sure that device is on and its daemon runs; `duet sync --wait` tries again",
            ),
            (false, None) => DoctorFinding::note(
                "peer",
                format!("{who}: not connected (no attempt has failed)"),
                Some("`duet sync --wait` dials it now".to_owned()),
            ),
        });
    }
}

async fn invitations(client: &mut Client, out: &mut Vec<DoctorFinding>) {
    let Ok(Response::Invitations(list)) = client.call(&Request::InviteList).await else {
        out.push(DoctorFinding::problem(
            "invitations",
            "duetd did not list the invitations",
            "see duetd.log in the home",
        ));
        return;
    };
    let open: Vec<_> = list.items.iter().filter(|i| i.state == "open").collect();
    if open.is_empty() {
        out.push(DoctorFinding::ok("invitations", "no open invitation"));
    }
    for i in open {
        out.push(DoctorFinding::note(
            "invitations",
            format!(
                "invitation {} ({}) is open until {}: its ticket admits whoever holds it",
                i.id, i.invite_for, i.expires_at
            ),
            Some(format!(
                "duet invite --cancel {} if it is no longer needed",
                i.id
            )),
        ));
    }
}

/// The clock: set (not before duet existed), and not behind `seen`, the latest time this
/// device is known to have reached.
fn clock(seen: Option<Timestamp>) -> DoctorFinding {
    let now = Timestamp::now();
    let floor: Timestamp = CLOCK_FLOOR.parse().unwrap_or(Timestamp::UNIX_EPOCH);
    if now < floor || seen.is_some_and(|s| now < s) {
        DoctorFinding::problem(
            "clock",
            format!("the clock reads {now}, which is earlier than it can be"),
            "set the system clock (e.g. enable NTP: `timedatectl set-ntp true`)",
        )
    } else {
        DoctorFinding::ok("clock", format!("the clock reads {now}"))
    }
}
