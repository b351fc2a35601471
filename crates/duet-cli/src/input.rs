//! Reading what the user gives beyond flags: bodies from files or pipes, dates, and the
//! interactive check-in.

use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::Path;

use anyhow::Context;
use duet_proto::{CheckinAdd, PromptAnswer, PromptDeck};
use jiff::{Span, Timestamp, ToSpan, Zoned, civil::Date, tz::TimeZone};

use crate::UsageError;
use crate::clean::errln;

/// Reads a body from FILE, or standard input for `-`.
pub(crate) fn read_body_file(path: &Path) -> anyhow::Result<String> {
    if path == Path::new("-") {
        return read_stdin();
    }
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

fn read_stdin() -> anyhow::Result<String> {
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .context("cannot read standard input (is it UTF-8 text?)")?;
    Ok(s)
}

/// Refuses a body larger than an entry may be, before sending it anywhere.
pub(crate) fn check_size(body: String) -> anyhow::Result<String> {
    let max = duet_proto::MAX_ENTRY_BYTES;
    if body.len() > max {
        return Err(UsageError(format!(
            "the body is {:.1} MiB; a note holds at most {} MiB",
            body.len() as f64 / (1024.0 * 1024.0),
            max / (1024 * 1024)
        ))
        .into());
    }
    Ok(body)
}

/// A `--body` value: `-` asks for standard input, anything else is the body itself.
pub(crate) fn body_arg(body: String) -> anyhow::Result<String> {
    if body == "-" { read_stdin() } else { Ok(body) }
}

/// The body of a new note: `--body` (`-` for standard input), `--body-file` (`-` likewise),
/// else empty. Standard input is read only when asked, so `while read l; do duet note add
/// "$l"; done < list` adds one note per line instead of swallowing the list.
pub(crate) fn new_body(body: Option<String>, body_file: Option<&Path>) -> anyhow::Result<String> {
    match (body, body_file) {
        (Some(b), _) => body_arg(b),
        (None, Some(f)) => read_body_file(f),
        (None, None) => Ok(String::new()),
    }
    .and_then(check_size)
}

/// Parses `--since`: a date (local midnight), an RFC 3339 instant, `today`, `yesterday`, or
/// an age such as `7d`, `12h` or `2w` counted back from now.
pub(crate) fn parse_since(s: &str) -> anyhow::Result<Timestamp> {
    let s = s.trim();
    let tz = TimeZone::system();
    let midnight =
        |d: Date| -> anyhow::Result<Timestamp> { Ok(d.to_zoned(tz.clone())?.timestamp()) };
    let today = Zoned::now().date();
    match s {
        "today" => return midnight(today),
        "yesterday" => return midnight(today.checked_sub(1.day())?),
        _ => {}
    }
    if let Ok(d) = s.parse::<Date>() {
        return midnight(d);
    }
    if let Ok(t) = s.parse::<Timestamp>() {
        return Ok(t);
    }
    if let Ok(span) = s.parse::<Span>() {
        return Ok(Zoned::now().checked_sub(span)?.timestamp());
    }
    Err(UsageError(format!(
        "cannot read '{s}' as a date: use YYYY-MM-DD, an RFC 3339 time, today, yesterday, or an age like 7d"
    ))
    .into())
}

/// Whether an interactive check-in is possible: both ends are a terminal.
pub(crate) fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

fn ask(prompt: &str) -> anyhow::Result<String> {
    let mut err = std::io::stderr();
    write!(err, "{prompt}")?;
    err.flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim().to_owned())
}

/// Asks the day's questions on the terminal. Every question can be skipped with Enter.
pub(crate) fn interactive_checkin(deck: &PromptDeck) -> anyhow::Result<CheckinAdd> {
    errln!("Check-in (press Enter to skip any question)");
    let mood = loop {
        let answer = ask("Mood, 1 (low) to 5 (high): ")?;
        if answer.is_empty() {
            break None;
        }
        match answer.parse::<u8>() {
            Ok(m @ 1..=5) => break Some(m),
            _ => errln!("  please type a number from 1 to 5"),
        }
    };
    let feelings = ask("A few words for how you feel (comma-separated): ")?
        .split(',')
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    let mut answers = Vec::new();
    for p in &deck.today {
        let text = ask(&format!("{} ", p.text))?;
        if !text.is_empty() {
            answers.push(PromptAnswer {
                prompt_id: p.id.clone(),
                text,
            });
        }
    }
    let need = Some(ask("What do you need right now? ")?).filter(|n| !n.is_empty());
    Ok(CheckinAdd {
        mood,
        feelings,
        answers,
        need,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_accepts_dates_instants_and_ages() {
        assert!(parse_since("2026-11-01").is_ok());
        assert!(parse_since("2026-11-01T10:00:00Z").is_ok());
        assert!(parse_since("today").is_ok());
        let week = parse_since("7d").unwrap();
        let day = parse_since("1d").unwrap();
        assert!(week < day);
        assert!(parse_since("last tuesday").is_err());
    }
}
