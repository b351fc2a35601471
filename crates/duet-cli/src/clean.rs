//! Making text safe to show a person: the partner's words must not drive the terminal.
//!
//! A note's title or body, a name or a check-in can hold escape sequences (set the window
//! title, clear the screen, rewrite what was printed, reorder text with bidi overrides). Every
//! string that came from the journal or the daemon goes through [`line`] or [`block`] before it
//! is printed as text. `--json` and exports keep the text as it is (JSON escapes the C0
//! controls itself); the text output is for people.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` would be shown escaped: C0 controls, DEL, C1 controls, and the Unicode
/// formatting characters that can make text display differently from what it is (bidi
/// embeddings, overrides and isolates, line and paragraph separators).
fn unsafe_char(c: char, multiline: bool) -> bool {
    match c {
        '\t' => false,
        '\n' => !multiline,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => true,
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}' => true,
        _ => false,
    }
}

fn escape(s: &str, multiline: bool) -> Cow<'_, str> {
    if !s.chars().any(|c| unsafe_char(c, multiline)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // Windows line endings in a body are not a trick.
            '\r' if multiline && chars.peek() == Some(&'\n') => out.push(c),
            c if unsafe_char(c, multiline) => {
                let code = u32::from(c);
                if code <= 0xff {
                    let _ = write!(out, "\\x{code:02x}");
                } else {
                    let _ = write!(out, "\\u{{{code:x}}}");
                }
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A one-line field (a title, a name, a tag): every control character shown as an escape,
/// newlines included, so the field stays on its line.
pub(crate) fn line(s: &str) -> Cow<'_, str> {
    escape(s, false)
}

/// A block of text (a note body): newlines and tabs kept, every other control shown escaped.
pub(crate) fn block(s: &str) -> Cow<'_, str> {
    escape(s, true)
}

/// Serialized JSON with the characters JSON leaves raw but a terminal may act on (DEL, C1
/// controls, bidi and line-separator formatting) written as `\uXXXX` escapes. The values are
/// unchanged for any JSON reader; only their encoding is, so `duet ... --json` on a terminal
/// is as safe as the text output. Outside strings serde_json writes only ASCII structure, so
/// replacing everywhere is replacing inside strings.
pub(crate) fn json(s: String) -> String {
    if !s.chars().any(|c| unsafe_char(c, true)) {
        return s;
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if unsafe_char(c, true) && c != '\n' {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

/// Like `println!`, but returns the error instead of panicking, so a closed pipe
/// (`duet ... | head`) ends the command quietly.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout(), $($arg)*)
    }};
}

/// Like `eprintln!`, but a closed or broken standard error is ignored rather than a panic:
/// these lines are for a person, and nobody is there to read them.
macro_rules! errln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

pub(crate) use {errln, outln};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_drives_a_terminal_and_keeps_text() {
        assert_eq!(line("plain ❤️ text"), "plain ❤️ text");
        assert!(matches!(line("plain"), Cow::Borrowed(_)));
        assert_eq!(line("\u{1b}]0;pwned\u{7}"), "\\x1b]0;pwned\\x07");
        assert_eq!(line("a\nb\tc"), "a\\x0ab\tc");
        assert_eq!(block("a\nb\tc\r\nd\re"), "a\nb\tc\r\nd\\x0de");
        assert_eq!(block("\u{9b}2J\u{7f}"), "\\x9b2J\\x7f");
        assert_eq!(line("abc\u{202e}fed"), "abc\\u{202e}fed");
        let j = serde_json::to_string("a\u{9b}\u{7f}\u{202e}\u{1b}").unwrap();
        let safe = json(j);
        assert_eq!(safe, "\"a\\u009b\\u007f\\u202e\\u001b\"");
        assert_eq!(
            serde_json::from_str::<String>(&safe).unwrap(),
            "a\u{9b}\u{7f}\u{202e}\u{1b}"
        );
    }
}
