//! `duet export`: the journal in open formats, to stdout or to a private file.
//!
//! The daemon sends one consistent snapshot (every entry, or the automerge document); the
//! Markdown rendering happens here, since it is presentation.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write};

use anyhow::{Context, bail};
use base64::Engine as _;
use duet_proto::{BoundaryStatus, ExportView, Home, NoteView, Request, Response};
use jiff::Timestamp;

use crate::UsageError;
use crate::args::{ExportArgs, ExportFormat};
use crate::clean::errln;
use crate::connect::call;
use crate::progress::Spinner;
use crate::target::Target;

/// Runs `duet export`.
pub(crate) async fn run(home: &Home, args: ExportArgs) -> anyhow::Result<()> {
    let target = args
        .output
        .as_deref()
        .map(|p| Target::check(home, p, args.force))
        .transpose()?;
    if target.is_none() && args.format == ExportFormat::Automerge && std::io::stdout().is_terminal()
    {
        return Err(UsageError(
            "refusing to write the binary automerge document to a terminal: pass -o FILE or redirect standard output".into(),
        )
        .into());
    }
    let bytes = {
        let _spinner = Spinner::start("Exporting");
        match args.format {
            ExportFormat::Automerge => {
                let Response::Document(d) = call(home, Request::ExportDocument).await? else {
                    bail!("duetd sent an unexpected answer to export");
                };
                base64::engine::general_purpose::STANDARD
                    .decode(d.automerge_base64)
                    .context("duetd sent a malformed document")?
            }
            format => {
                let Response::Export(view) = call(home, Request::ExportEntries).await? else {
                    bail!("duetd sent an unexpected answer to export");
                };
                if format == ExportFormat::Json {
                    let mut out = crate::clean::json(serde_json::to_string_pretty(&view)?);
                    out.push('\n');
                    out.into_bytes()
                } else if target.is_none() && std::io::stdout().is_terminal() {
                    // Read on a terminal: the partner's words must not drive it.
                    crate::clean::block(&markdown(&view))
                        .into_owned()
                        .into_bytes()
                } else {
                    markdown(&view).into_bytes()
                }
            }
        }
    };
    match target {
        Some(target) => {
            target.write(&bytes)?;
            errln!(
                "Exported to {} (mode 0600). This file is NOT encrypted: anyone who can read it can read your journal.",
                target.path().display()
            );
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&bytes)?;
            out.flush()?;
        }
    }
    Ok(())
}

fn day(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d").to_string()
}

fn time(t: Timestamp) -> String {
    t.strftime("%H:%M UTC").to_string()
}

/// Entries grouped by their UTC day, in the order given.
fn by_day<T>(items: &[T], at: impl Fn(&T) -> Timestamp) -> Vec<(String, Vec<&T>)> {
    let mut groups: Vec<(String, Vec<&T>)> = Vec::new();
    for item in items {
        let d = day(at(item));
        match groups.last_mut() {
            Some((last, list)) if *last == d => list.push(item),
            _ => groups.push((d, vec![item])),
        }
    }
    groups
}

/// Text for inline Markdown (a heading, a list item): every character that could start
/// markup is backslash-escaped (CommonMark lets any ASCII punctuation be), and a newline
/// becomes a space, so the journal's words cannot change the document's structure.
fn md_inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~' | '&' | '!' | '('
            | ')' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// A body as a block quote: Markdown in it still renders, but only inside the quote, so a
/// heading or an unclosed HTML comment in a note cannot swallow the rest of the document.
/// Raw HTML is escaped, since it is the one thing that can escape a quote's meaning.
fn md_block(out: &mut String, body: &str) {
    for l in body.trim_end().lines() {
        let l = l.replace('&', "&amp;").replace('<', "&lt;");
        if l.is_empty() {
            let _ = writeln!(out, ">");
        } else {
            let _ = writeln!(out, "> {l}");
        }
    }
    let _ = writeln!(out);
}

fn note_md(out: &mut String, n: &NoteView) {
    let _ = writeln!(out, "#### {}\n", md_inline(&n.title));
    let mut meta = format!(
        "*{} · {} · id {}",
        md_inline(&n.author),
        time(n.created_at),
        md_inline(&n.id)
    );
    if n.updated_at != n.created_at {
        let _ = write!(
            meta,
            " · edited {} {}",
            day(n.updated_at),
            time(n.updated_at)
        );
    }
    if let Some(d) = n.deleted_at {
        let _ = write!(meta, " · in the trash since {} {}", day(d), time(d));
    }
    if !n.tags.is_empty() {
        let _ = write!(meta, " · tags: {}", md_inline(&n.tags.join(", ")));
    }
    let _ = writeln!(out, "{meta}*\n");
    if !n.body.trim_end().is_empty() {
        md_block(out, &n.body);
    }
}

/// The whole journal as one readable Markdown document, grouped by kind, then by day (UTC).
pub(crate) fn markdown(v: &ExportView) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# duet journal\n\nJournal `{}`, exported {} {}.\n",
        v.journal_id,
        day(v.exported_at),
        time(v.exported_at)
    );
    let _ = writeln!(out, "## Notes\n");
    if v.notes.is_empty() {
        let _ = writeln!(out, "No notes.\n");
    }
    for (d, notes) in by_day(&v.notes, |n| n.created_at) {
        let _ = writeln!(out, "### {d}\n");
        for n in notes {
            note_md(&mut out, n);
        }
    }
    if !v.trash.is_empty() {
        let _ = writeln!(out, "## Trash\n");
        for (d, notes) in by_day(&v.trash, |n| n.created_at) {
            let _ = writeln!(out, "### {d}\n");
            for n in notes {
                note_md(&mut out, n);
            }
        }
    }
    let _ = writeln!(out, "## Check-ins\n");
    if v.checkins.is_empty() {
        let _ = writeln!(out, "No check-ins.\n");
    }
    for (d, checkins) in by_day(&v.checkins, |c| c.created_at) {
        let _ = writeln!(out, "### {d}\n");
        for c in checkins {
            let mut parts = Vec::new();
            if let Some(m) = c.mood {
                parts.push(format!("mood {m}/5"));
            }
            if !c.feelings.is_empty() {
                parts.push(format!("feeling {}", md_inline(&c.feelings.join(", "))));
            }
            if let Some(need) = &c.need {
                parts.push(format!("needs: {}", md_inline(need)));
            }
            let _ = writeln!(
                out,
                "- **{} · {}** {} (id {})",
                md_inline(&c.author),
                time(c.created_at),
                parts.join("; "),
                md_inline(&c.id)
            );
            for a in &c.answers {
                let prompt = a.prompt.as_deref().unwrap_or(&a.prompt_id);
                let _ = writeln!(out, "  - *{}* {}", md_inline(prompt), md_inline(&a.text));
            }
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out, "## Boundaries\n");
    if v.boundaries.is_empty() {
        let _ = writeln!(out, "No boundaries.\n");
    }
    for (d, boundaries) in by_day(&v.boundaries, |b| b.created_at) {
        let _ = writeln!(out, "### {d}\n");
        for b in boundaries {
            let status = match b.status {
                BoundaryStatus::Active => "active",
                BoundaryStatus::Retired => "retired",
            };
            let ack = if b.acknowledged {
                "acknowledged"
            } else {
                "not yet acknowledged"
            };
            let _ = writeln!(out, "#### {}\n", md_inline(&b.text));
            let _ = writeln!(
                out,
                "*{} · {} · {status}, revision {}, {ack} · id {}*\n",
                md_inline(&b.author),
                time(b.created_at),
                b.revision,
                md_inline(&b.id)
            );
            if b.revisions.len() > 1 || b.revisions.iter().any(|r| !r.acks.is_empty()) {
                for r in &b.revisions {
                    let acks: Vec<String> = r
                        .acks
                        .iter()
                        .map(|a| {
                            format!(
                                "acknowledged by {} {} {}",
                                md_inline(&a.by),
                                day(a.at),
                                time(a.at)
                            )
                        })
                        .collect();
                    let _ = writeln!(
                        out,
                        "{}. {} ({} {}){}",
                        r.revision,
                        md_inline(&r.text),
                        day(r.at),
                        time(r.at),
                        if acks.is_empty() {
                            String::new()
                        } else {
                            format!(": {}", acks.join("; "))
                        }
                    );
                }
                let _ = writeln!(out);
            }
        }
    }
    out
}
