//! Output: JSON for scripts (the views, verbatim), text for people.
//!
//! Text goes through `anstream`, which drops colour when stdout is not a terminal or
//! `NO_COLOR` is set.

use std::io::Write;

use anstyle::{AnsiColor, Style};
use duet_proto::{
    BoundaryStatus, BoundaryView, CheckinView, NoteView, PromptDeck, StatusView, TrashItemView,
};
use jiff::{Timestamp, tz::TimeZone};
use serde::Serialize;

use crate::clean::{block, line};

const ID: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Yellow)));
const DIM: Style = Style::new().dimmed();
const BOLD: Style = Style::new().bold();
const WARN: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Magenta)));

/// The short ids to show: the daemon's, which are unique among everything an id resolves
/// to, or (from an older daemon) ones unique among the listed ids.
fn short_ids<'a>(ids: impl Iterator<Item = &'a str>, given: &[String]) -> Vec<String> {
    let ids: Vec<&str> = ids.collect();
    if given.len() == ids.len() {
        return given.to_vec();
    }
    duet_proto::short_ids(ids.iter().copied(), &ids)
}

fn local(t: Timestamp) -> String {
    t.to_zoned(TimeZone::system())
        .strftime("%Y-%m-%d %H:%M")
        .to_string()
}

/// Prints any view as pretty JSON.
pub(crate) fn json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    let text = crate::clean::json(serde_json::to_string_pretty(value)?);
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")?;
    Ok(())
}

fn out() -> anstream::AutoStream<std::io::Stdout> {
    anstream::stdout()
}

/// Notes as a table: short id, last change, title, author, tags.
pub(crate) fn notes(items: &[NoteView], short: &[String]) -> anyhow::Result<()> {
    let mut o = out();
    if items.is_empty() {
        writeln!(
            o,
            "{DIM}No notes yet. Write one with `duet note add TITLE`.{DIM:#}"
        )?;
        return Ok(());
    }
    let short = short_ids(items.iter().map(|n| n.id.as_str()), short);
    for (n, id) in items.iter().zip(short) {
        let tags = if n.tags.is_empty() {
            String::new()
        } else {
            format!(" {DIM}#{}{DIM:#}", line(&n.tags.join(" #")))
        };
        let conflict = if n.conflicts.is_empty() { "" } else { " (!)" };
        writeln!(
            o,
            "{ID}{}{ID:#}  {DIM}{}{DIM:#}  {BOLD}{}{BOLD:#}{conflict}  {DIM}by {}{DIM:#}{tags}",
            line(&id),
            local(n.updated_at),
            line(&n.title),
            line(&n.author)
        )?;
    }
    Ok(())
}

/// One note in full.
pub(crate) fn note(n: &NoteView) -> anyhow::Result<()> {
    let mut o = out();
    writeln!(o, "{BOLD}{}{BOLD:#}", line(&n.title))?;
    writeln!(o, "{DIM}id{DIM:#}       {ID}{}{ID:#}", line(&n.id))?;
    writeln!(
        o,
        "{DIM}by{DIM:#}       {} on {}, changed {}",
        line(&n.author),
        local(n.created_at),
        local(n.updated_at)
    )?;
    if !n.tags.is_empty() {
        writeln!(o, "{DIM}tags{DIM:#}     #{}", line(&n.tags.join(" #")))?;
    }
    if let Some(d) = n.deleted_at {
        writeln!(
            o,
            "{WARN}in the trash since {}{WARN:#} (restore with `duet note restore {}`)",
            local(d),
            line(&n.id)
        )?;
    }
    for c in &n.conflicts {
        writeln!(
            o,
            "{WARN}the {} was also changed concurrently to: {}{WARN:#}",
            line(&c.field),
            c.other_values
                .iter()
                .map(|v| format!("\"{}\"", line(v)))
                .collect::<Vec<_>>()
                .join(", ")
        )?;
    }
    if !n.body.is_empty() {
        writeln!(o)?;
        write!(o, "{}", block(&n.body))?;
        if !n.body.ends_with('\n') {
            writeln!(o)?;
        }
    }
    Ok(())
}

/// The trash, most recent first.
pub(crate) fn trash(items: &[TrashItemView], short: &[String]) -> anyhow::Result<()> {
    let mut o = out();
    if items.is_empty() {
        writeln!(o, "{DIM}The trash is empty.{DIM:#}")?;
        return Ok(());
    }
    let short = short_ids(items.iter().map(|n| n.id.as_str()), short);
    for (t, id) in items.iter().zip(short) {
        writeln!(
            o,
            "{ID}{}{ID:#}  {DIM}deleted {}{DIM:#}  {} {BOLD}{}{BOLD:#}",
            line(&id),
            local(t.deleted_at),
            line(&t.kind),
            line(&t.title)
        )?;
    }
    Ok(())
}

/// Check-ins, oldest first.
pub(crate) fn checkins(items: &[CheckinView]) -> anyhow::Result<()> {
    let mut o = out();
    if items.is_empty() {
        writeln!(
            o,
            "{DIM}No check-ins yet. Make one with `duet checkin`.{DIM:#}"
        )?;
        return Ok(());
    }
    for c in items {
        let mood = c
            .mood
            .map(|m| format!("mood {m}/5"))
            .unwrap_or_else(|| "mood -".into());
        writeln!(
            o,
            "{BOLD}{}{BOLD:#}  {}  {mood}{}",
            local(c.created_at),
            line(&c.author),
            if c.feelings.is_empty() {
                String::new()
            } else {
                format!("  feeling {}", line(&c.feelings.join(", ")))
            }
        )?;
        for a in &c.answers {
            let q = a.prompt.as_deref().unwrap_or(&a.prompt_id);
            writeln!(o, "  {DIM}{}{DIM:#} {}", line(q), line(&a.text))?;
        }
        if let Some(n) = &c.need {
            writeln!(o, "  {DIM}needs:{DIM:#} {}", line(n))?;
        }
    }
    Ok(())
}

fn boundary_line(b: &BoundaryView, id: &str) -> String {
    let state = match (b.status, b.acknowledged) {
        (BoundaryStatus::Retired, _) => format!("{DIM}retired{DIM:#}"),
        (_, true) => "acknowledged".to_owned(),
        (_, false) => format!("{WARN}not yet acknowledged{WARN:#}"),
    };
    format!(
        "{ID}{}{ID:#}  {BOLD}{}{BOLD:#}  {DIM}by {} (rev {}){DIM:#}  {state}",
        line(id),
        line(&b.text),
        line(&b.author),
        b.revision
    )
}

/// Boundaries, oldest first.
pub(crate) fn boundaries(items: &[BoundaryView], short: &[String]) -> anyhow::Result<()> {
    let mut o = out();
    if items.is_empty() {
        writeln!(
            o,
            "{DIM}No boundaries. State one with `duet boundary add TEXT`.{DIM:#}"
        )?;
        return Ok(());
    }
    let short = short_ids(items.iter().map(|b| b.id.as_str()), short);
    for (b, id) in items.iter().zip(short) {
        writeln!(o, "{}", boundary_line(b, &id))?;
    }
    Ok(())
}

/// One boundary with its history.
pub(crate) fn boundary(b: &BoundaryView) -> anyhow::Result<()> {
    let mut o = out();
    writeln!(o, "{}", boundary_line(b, &b.id))?;
    for r in &b.revisions {
        let acks = if r.acks.is_empty() {
            "not acknowledged".to_owned()
        } else {
            r.acks
                .iter()
                .map(|a| format!("acknowledged by {} on {}", line(&a.by), local(a.at)))
                .collect::<Vec<_>>()
                .join("; ")
        };
        writeln!(
            o,
            "  {DIM}rev {} · {} · {acks}{DIM:#}\n    {}",
            r.revision,
            local(r.at),
            line(&r.text)
        )?;
    }
    if let Some(t) = b.retired_at {
        writeln!(o, "  {DIM}retired on {}{DIM:#}", local(t))?;
    }
    Ok(())
}

/// The prompt deck, today's first.
pub(crate) fn prompts(deck: &PromptDeck) -> anyhow::Result<()> {
    let mut o = out();
    writeln!(o, "{BOLD}Today{BOLD:#}")?;
    for p in &deck.today {
        writeln!(o, "  {ID}{}{ID:#}  {}", line(&p.id), line(&p.text))?;
    }
    writeln!(o, "{BOLD}The deck{BOLD:#}")?;
    for p in &deck.all {
        writeln!(
            o,
            "  {ID}{}{ID:#}  {DIM}{:?}{DIM:#}  {}",
            line(&p.id),
            p.kind,
            line(&p.text)
        )?;
    }
    Ok(())
}

/// `duet peers`.
pub(crate) fn peers(items: &[duet_proto::PeerView]) -> anyhow::Result<()> {
    let mut o = out();
    if items.is_empty() {
        writeln!(
            o,
            "{DIM}No paired devices. Invite one with `duet invite`.{DIM:#}"
        )?;
        return Ok(());
    }
    for p in items {
        let state = match (p.connected, p.in_sync) {
            (true, true) => "connected, in sync".to_owned(),
            (true, false) => format!("{WARN}connected, syncing{WARN:#}"),
            (false, _) => format!("{DIM}not connected{DIM:#}"),
        };
        let when = |t: Option<Timestamp>| t.map(local).unwrap_or_else(|| "-".into());
        writeln!(
            o,
            "{BOLD}{}{BOLD:#} on {}  {ID}{}{ID:#}  {state}\n  {DIM}last seen {} · last synced {} · phrase: {}{DIM:#}",
            line(&p.person_name),
            line(&p.device_name),
            line(p.device_id.get(..12).unwrap_or(&p.device_id)),
            when(p.last_seen),
            when(p.last_synced),
            line(&p.phrase)
        )?;
        if let (false, Some(e)) = (p.connected, &p.last_error) {
            writeln!(o, "  {DIM}last error: {}{DIM:#}", line(e))?;
        }
        if let Some(at) = p.added_at {
            let by = p.added_by.as_deref().unwrap_or("someone");
            writeln!(o, "  {DIM}added by {} on {}{DIM:#}", line(by), local(at))?;
        }
    }
    Ok(())
}

/// `duet invite --list`.
pub(crate) fn invitations(items: &[duet_proto::InvitationView]) -> anyhow::Result<()> {
    let mut o = out();
    if items.is_empty() {
        writeln!(o, "{DIM}No invitations in the last week.{DIM:#}")?;
        return Ok(());
    }
    for i in items {
        let detail = match (i.state.as_str(), &i.detail) {
            ("used", Some(by)) => {
                let short = by
                    .char_indices()
                    .nth(10)
                    .map_or(by.as_str(), |(i, _)| &by[..i]);
                format!(" by endpoint {}", line(short))
            }
            ("cancelled", Some(why)) => format!(": {}", line(why)),
            _ => String::new(),
        };
        writeln!(
            o,
            "{ID}{}{ID:#}  for {}  {}{detail}\n  {DIM}made {} · until {} · {} attempt(s){DIM:#}",
            line(&i.id),
            line(&i.invite_for),
            line(&i.state),
            local(i.created_at),
            local(i.expires_at),
            i.attempts
        )?;
    }
    Ok(())
}

/// `duet status`.
pub(crate) fn status(s: &StatusView) -> anyhow::Result<()> {
    let mut o = out();
    let name = match (&s.person_name, &s.device_name) {
        (Some(p), Some(d)) => format!("{} on {}", line(p), line(d)),
        _ => "(locked)".to_owned(),
    };
    writeln!(o, "{BOLD}device{BOLD:#}    {name}")?;
    if let Some(id) = &s.device_id {
        writeln!(o, "{DIM}device id{DIM:#} {}", line(id))?;
    }
    writeln!(o, "{BOLD}journal{BOLD:#}   {}", line(&s.journal_id))?;
    writeln!(o, "{BOLD}home{BOLD:#}      {}", line(&s.home))?;
    if s.locked {
        writeln!(
            o,
            "{WARN}locked{WARN:#}    run `duet unlock` to open the journal"
        )?;
    }
    if let Some(c) = &s.counts {
        writeln!(
            o,
            "{BOLD}entries{BOLD:#}   {} notes ({} in trash), {} check-ins, {} boundaries",
            c.notes, c.trash, c.checkins, c.boundaries
        )?;
    }
    if !s.members.is_empty() {
        writeln!(o, "{BOLD}members{BOLD:#}")?;
        for m in &s.members {
            let me = if m.is_self { " (this device)" } else { "" };
            writeln!(
                o,
                "  {} on {}{me}",
                line(&m.person_name),
                line(&m.device_name)
            )?;
        }
    }
    if let Some(why) = &s.shut_out {
        writeln!(o, "{WARN}not admitted{WARN:#} {}", line(why))?;
    }
    for c in &s.device_changes {
        let by = c.by.as_deref().unwrap_or("someone");
        let whose = if c.by.as_deref() == Some(c.person_name.as_str()) {
            String::new()
        } else {
            format!(" of {}'s", line(&c.person_name))
        };
        writeln!(
            o,
            "{BOLD}devices{BOLD:#}   {} {} a device{whose}: {} ({})",
            line(by),
            line(&c.action),
            line(&c.device_name),
            local(c.at)
        )?;
    }
    if let Some(ep) = &s.endpoint_id {
        writeln!(o, "{BOLD}network{BOLD:#}   endpoint {}", line(ep))?;
    }
    if let Some(e) = &s.network_error {
        writeln!(o, "{WARN}network{WARN:#}   not running: {}", line(e))?;
    }
    for p in &s.peers {
        let state = match (p.connected, p.in_sync) {
            (true, true) => "connected, in sync",
            (true, false) => "connected, syncing",
            (false, _) => "not connected",
        };
        writeln!(
            o,
            "  {} on {}: {state}",
            line(&p.person_name),
            line(&p.device_name)
        )?;
    }
    if s.unsynced {
        writeln!(
            o,
            "{WARN}unsynced{WARN:#}  some changes have not reached a connected device yet"
        )?;
    }
    writeln!(
        o,
        "{BOLD}daemon{BOLD:#}    pid {}, up {}, version {}",
        s.pid,
        uptime(s.uptime_secs),
        line(&s.daemon_version)
    )?;
    Ok(())
}

/// Seconds as a short human duration in its two largest units, truncated: `5s`, `1m5s`,
/// `2h1m`, `3d4h`. jiff balances and prints the span; only the choice of units is ours.
pub(crate) fn uptime(secs: u64) -> String {
    use jiff::fmt::friendly::{Designator, Spacing, SpanPrinter};
    use jiff::{RoundMode, SpanRound, Unit};
    let smallest = match secs {
        0..3600 => Unit::Second,
        3600..86400 => Unit::Minute,
        _ => Unit::Hour,
    };
    let span = jiff::Span::new()
        .try_seconds(i64::try_from(secs).unwrap_or(i64::MAX))
        .and_then(|s| {
            s.round(
                SpanRound::new()
                    .largest(Unit::Day)
                    .smallest(smallest)
                    .mode(RoundMode::Trunc)
                    .days_are_24_hours(),
            )
        });
    match span {
        Ok(span) => SpanPrinter::new()
            .designator(Designator::Compact)
            .spacing(Spacing::None)
            .span_to_string(&span),
        Err(_) => format!("{secs}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uptime_reads_well() {
        assert_eq!(uptime(5), "5s");
        assert_eq!(uptime(65), "1m5s");
        assert_eq!(uptime(7300), "2h1m");
        assert_eq!(uptime(0), "0s");
        assert_eq!(uptime(3600), "1h");
        assert_eq!(uptime(90061), "1d1h");
    }
}
