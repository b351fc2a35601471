//! The built-in deck of open prompts for check-ins, and which ones are today's.
//!
//! Prompt ids are stable: answers refer to them, so an id is never reused for a different
//! question. New prompts get new ids.

use duet_proto::{PromptKind, PromptView};
use jiff::civil::{Date, Weekday};

/// One prompt of the deck.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prompt {
    /// Stable id.
    pub id: &'static str,
    /// Daily or weekly.
    pub kind: PromptKind,
    /// The question.
    pub text: &'static str,
}

const fn daily(id: &'static str, text: &'static str) -> Prompt {
    Prompt {
        id,
        kind: PromptKind::Daily,
        text,
    }
}

const fn weekly(id: &'static str, text: &'static str) -> Prompt {
    Prompt {
        id,
        kind: PromptKind::Weekly,
        text,
    }
}

/// The whole deck: open questions, never yes/no.
pub const DECK: &[Prompt] = &[
    daily("d01", "What gave you a little lift today?"),
    daily("d02", "What is taking up most of your thoughts right now?"),
    daily("d03", "When did you feel closest to me today?"),
    daily("d04", "What would make tomorrow a bit easier for you?"),
    daily("d05", "What is something you are looking forward to?"),
    daily(
        "d06",
        "What drained your energy today, and what restored it?",
    ),
    daily("d07", "What is one thing you wish I knew about your day?"),
    daily("d08", "What made you laugh or smile recently?"),
    daily("d09", "How did your body feel today?"),
    daily(
        "d10",
        "What did you do today that you are quietly proud of?",
    ),
    daily(
        "d11",
        "What is one small thing I could do for you this week?",
    ),
    daily(
        "d12",
        "What are you worried about that you haven't said out loud?",
    ),
    daily("d13", "Which moment of today would you like to keep?"),
    daily(
        "d14",
        "What do you need more of right now: rest, company, or space?",
    ),
    daily("d15", "What surprised you today?"),
    daily("d16", "How did you take care of yourself today?"),
    daily("d17", "What are you grateful for in us lately?"),
    daily("d18", "What conversation would you like us to have soon?"),
    daily("d19", "What felt heavy today, even if it was small?"),
    daily(
        "d20",
        "What would a perfect evening together look like this week?",
    ),
    daily("d21", "What did you learn about yourself today?"),
    weekly("w01", "How are we, honestly, this week?"),
    weekly("w02", "What went well between us this week?"),
    weekly(
        "w03",
        "Where did we miss each other this week, and what would help?",
    ),
    weekly("w04", "Which boundary or need should we revisit?"),
    weekly(
        "w05",
        "What is one thing we could look forward to together next week?",
    ),
    weekly("w06", "When did you feel most appreciated this week?"),
    weekly(
        "w07",
        "Is there something unresolved that we should come back to, gently?",
    ),
    weekly("w08", "What ritual of ours mattered most this week?"),
];

/// The day a weekly prompt is asked. Sunday, the end of most people's week.
pub const WEEKLY_DAY: Weekday = Weekday::Sunday;

/// Looks a prompt up by id.
pub fn find(id: &str) -> Option<&'static Prompt> {
    DECK.iter().find(|p| p.id == id)
}

/// Today's prompts: one daily prompt, plus the weekly one on [`WEEKLY_DAY`]. The daily prompt
/// walks the deck one per day, so none repeats until every one has been asked; likewise the
/// weekly prompt, one per week.
pub fn for_day(date: Date) -> Vec<&'static Prompt> {
    let days = date
        .since(Date::constant(1970, 1, 1))
        .map(|s| s.get_days())
        .unwrap_or(0);
    let days = usize::try_from(days.max(0)).unwrap_or(0);
    let dailies: Vec<&Prompt> = DECK
        .iter()
        .filter(|p| p.kind == PromptKind::Daily)
        .collect();
    let weeklies: Vec<&Prompt> = DECK
        .iter()
        .filter(|p| p.kind == PromptKind::Weekly)
        .collect();
    let mut today = vec![dailies[days % dailies.len()]];
    if date.weekday() == WEEKLY_DAY {
        today.push(weeklies[(days / 7) % weeklies.len()]);
    }
    today
}

impl From<&Prompt> for PromptView {
    fn from(p: &Prompt) -> Self {
        PromptView {
            id: p.id.to_owned(),
            kind: p.kind,
            text: p.text.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique() {
        let mut ids: Vec<_> = DECK.iter().map(|p| p.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), DECK.len());
    }

    #[test]
    fn daily_prompts_do_not_repeat_within_a_cycle() {
        let start = Date::constant(2026, 1, 1);
        let n = DECK.iter().filter(|p| p.kind == PromptKind::Daily).count();
        let mut seen = std::collections::HashSet::new();
        for i in 0..n {
            let day = start.checked_add(jiff::Span::new().days(i as i64)).unwrap();
            assert!(seen.insert(for_day(day)[0].id), "repeated on day {i}");
        }
    }

    #[test]
    fn weekly_prompt_only_on_the_weekly_day() {
        let sunday = Date::constant(2026, 11, 22);
        assert_eq!(sunday.weekday(), Weekday::Sunday);
        assert_eq!(for_day(sunday).len(), 2);
        assert_eq!(for_day(Date::constant(2026, 11, 23)).len(), 1);
    }
}
