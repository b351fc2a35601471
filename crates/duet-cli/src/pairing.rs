//! Pairing and replication commands: invite, pair, peers, unpair, sync.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::bail;
use duet_proto::{EntryRef, Home, Invite, Pair, PeerView, Request, Response, SyncNow};
use serde_json::json;

use crate::args::{InviteArgs, SyncArgs};
use crate::clean::{errln, line, outln};
use crate::connect::call;
use crate::print;

/// How to use the verification phrase, said wherever it is shown after pairing.
const COMPARE: &str = "Compare them over a channel you trust (in person, or on a call where you know the voice), not in the chat the ticket went through. If they differ, someone else paired: run `duet unpair` on that device and invite again.";

fn unexpected(what: &str) -> anyhow::Error {
    anyhow::anyhow!("duetd sent an unexpected answer to {what}")
}

async fn peer_list(home: &Home) -> anyhow::Result<Vec<PeerView>> {
    match call(home, Request::Peers).await? {
        Response::Peers(l) => Ok(l.items),
        _ => Err(unexpected("peers")),
    }
}

/// `duet invite --list`.
async fn invite_list(home: &Home, json_out: bool) -> anyhow::Result<()> {
    let Response::Invitations(l) = call(home, Request::InviteList).await? else {
        return Err(unexpected("invite --list"));
    };
    if json_out {
        return print::json(&l.items);
    }
    print::invitations(&l.items)
}

/// `duet invite --cancel ID`.
async fn invite_cancel(home: &Home, json_out: bool, id: &str) -> anyhow::Result<()> {
    let Response::Created(c) =
        call(home, Request::InviteCancel(EntryRef { id: id.to_owned() })).await?
    else {
        return Err(unexpected("invite --cancel"));
    };
    if json_out {
        print::json(&json!({ "cancelled": c.id }))?;
    } else {
        errln!(
            "Cancelled invitation {}: its ticket no longer works.",
            line(&c.id)
        );
    }
    Ok(())
}

/// `duet invite`: the ticket alone on stdout, guidance on stderr.
pub(crate) async fn invite(home: &Home, json_out: bool, args: &InviteArgs) -> anyhow::Result<()> {
    if args.list {
        return invite_list(home, json_out).await;
    }
    if let Some(id) = &args.cancel {
        return invite_cancel(home, json_out, id).await;
    }
    let before: Vec<String> = if args.wait {
        peer_list(home)
            .await?
            .into_iter()
            .map(|p| p.device_id)
            .collect()
    } else {
        Vec::new()
    };
    let Response::Invitation(inv) = call(
        home,
        Request::Invite(Invite {
            expires_secs: args.expires.as_secs(),
            same_person: args.same_person,
            partner_device: args.partner_device,
        }),
    )
    .await?
    else {
        return Err(unexpected("invite"));
    };
    if json_out && args.wait {
        // Two JSON lines: the ticket now (it must be handed over before anything can
        // happen), the pairing when it does.
        outln!(
            "{}",
            json!({ "ticket": inv.ticket, "expires_at": inv.expires_at })
        )?;
    } else if json_out {
        print::json(&json!({
            "ticket": inv.ticket,
            "expires_at": inv.expires_at,
            "id": inv.id,
            "invite_for": inv.invite_for,
        }))?;
    } else {
        outln!("{}", inv.ticket)?;
    }
    if !json_out {
        let whom = match inv.invite_for.as_str() {
            "same-person" => "another device of yours",
            "partner-device" => "a new device of your partner's",
            _ => "your partner",
        };
        errln!(
            "Give this one-time ticket to {whom} and run `duet pair TICKET` there.\nIt works once, until {} (invitation {}; cancel it with `duet invite --cancel {}`).\nTreat it like a password: send it privately.",
            inv.expires_at,
            line(&inv.id),
            line(&inv.id)
        );
    }
    if !args.wait {
        return Ok(());
    }
    if !json_out {
        errln!("Waiting for the other device...");
    }
    let deadline = Instant::now() + args.expires;
    loop {
        if let Some(p) = peer_list(home)
            .await?
            .into_iter()
            .find(|p| !before.contains(&p.device_id))
        {
            if json_out {
                outln!("{}", crate::clean::json(json!({ "paired": p }).to_string()))?;
            } else {
                errln!(
                    "Paired with {} on {}. These words must match the ones shown there:\n  {}\n{COMPARE}",
                    line(&p.person_name),
                    line(&p.device_name),
                    line(&p.phrase)
                );
            }
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("the invitation expired before it was used");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// `duet pair TICKET`.
pub(crate) async fn pair(home: &Home, json_out: bool, ticket: String) -> anyhow::Result<()> {
    // `-` reads the ticket from stdin, keeping the credential out of argv and shell history.
    let ticket = if ticket == "-" {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .map_err(|e| anyhow::anyhow!("cannot read the ticket from stdin: {e}"))?;
        line.trim().to_owned()
    } else {
        ticket
    };
    let Response::Paired(p) = call(home, Request::Pair(Pair { ticket })).await? else {
        return Err(unexpected("pair"));
    };
    if json_out {
        print::json(&p)?;
    } else {
        outln!("{}", line(&p.phrase))?;
        errln!(
            "Joined the journal of {} ({}). These words must match the ones shown there:\n  {}\n{COMPARE}",
            line(&p.person_name),
            line(&p.device_name),
            line(&p.phrase)
        );
    }
    Ok(())
}

/// `duet peers`.
pub(crate) async fn peers(home: &Home, json_out: bool) -> anyhow::Result<()> {
    let peers = peer_list(home).await?;
    if json_out {
        return print::json(&peers);
    }
    print::peers(&peers)
}

/// `duet unpair ID`.
pub(crate) async fn unpair(home: &Home, json_out: bool, id: String) -> anyhow::Result<()> {
    call(home, Request::Unpair(EntryRef { id: id.clone() })).await?;
    if json_out {
        print::json(&json!({ "unpaired": id }))?;
    } else {
        errln!(
            "Removed {}: it no longer syncs with this journal.",
            line(&id)
        );
    }
    Ok(())
}

/// `duet sync [--wait]`: 0 when every reachable device has our changes.
pub(crate) async fn sync(home: &Home, json_out: bool, args: &SyncArgs) -> anyhow::Result<ExitCode> {
    let Response::Synced(report) = call(
        home,
        Request::Sync(SyncNow {
            wait: args.wait,
            timeout_ms: u64::try_from(args.timeout.as_millis()).unwrap_or(u64::MAX),
        }),
    )
    .await?
    else {
        return Err(unexpected("sync"));
    };
    let why = |p: &PeerView| {
        format!(
            "{} on {}{}",
            line(&p.person_name),
            line(&p.device_name),
            p.last_error
                .as_deref()
                .map(|e| format!(": {}", line(e)))
                .unwrap_or_default()
        )
    };
    if args.wait && report.synced.is_empty() && !report.unreachable.is_empty() {
        let reasons: Vec<String> = report.unreachable.iter().map(why).collect();
        bail!("no paired device could be reached ({})", reasons.join("; "));
    }
    if json_out {
        print::json(&report)?;
    } else if report.synced.is_empty() && report.unreachable.is_empty() && args.wait {
        errln!("No paired devices: nothing to sync. Invite one with `duet invite`.");
    } else if !args.wait {
        errln!("Syncing with every reachable device in the background.");
    } else {
        for p in &report.synced {
            errln!(
                "in sync with {} on {}",
                line(&p.person_name),
                line(&p.device_name)
            );
        }
        for p in &report.unreachable {
            errln!("could not reach {}", why(p));
        }
    }
    Ok(ExitCode::SUCCESS)
}
