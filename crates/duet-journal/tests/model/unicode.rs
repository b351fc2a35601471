//! Text that is not ASCII survives every path exactly: add, diffed edits, merges, save/load.

use std::time::Instant;

use duet_journal::Journal;
use duet_proto::BodyEdit;

use crate::{ALICE_DEV, pair, solo, sync, ts};

/// Strings that break naive text handling: ZWJ sequences, flags, skin tones, RTL scripts
/// with bidi marks, combining marks (precomposed and not), CJK, and invisible characters.
const SAMPLES: &[&str] = &[
    "👩‍❤️‍👨 and 👨‍👩‍👧‍👦 and 🏳️‍🌈",
    "flags 🇮🇱🇵🇸🇫🇷 skin 👍🏽👋🏿",
    "שָׁלוֹם עוֹלָם",
    "مرحبا بالعالم، كيف حالك؟",
    "mixed עברית and English \u{200f}with marks\u{200e} ١٢٣",
    "e\u{301}te\u{301} vs \u{e9}t\u{e9}",
    "Z\u{324}\u{354}\u{367}\u{311}\u{313} zalgo a\u{30a}\u{30a}\u{30a}",
    "日本語のテキスト、中文，한국어",
    "zero\u{200b}width\u{200c}non\u{200d}joiner\u{feff}bom",
    "line\r\nbreaks\u{2028}and\u{2029}separators\ttab",
];

#[test]
fn unicode_round_trips_through_add_edit_and_save() {
    let mut j = solo();
    let mut ids = Vec::new();
    for (i, s) in SAMPLES.iter().enumerate() {
        let title = s.replace(['\r', '\n'], " ");
        let id = j
            .add_note(&title, s, &[], ts(i as i64))
            .expect("add unicode note");
        let n = j.note(&id).expect("show");
        assert_eq!(n.title, title);
        assert_eq!(n.body, *s);
        ids.push((id, title));
    }

    // Replace each body with a different sample, then with a small change of itself: the
    // text diff must never split a character or a grapheme wrongly.
    let n = SAMPLES.len();
    for (i, (id, _)) in ids.iter().enumerate() {
        let next = SAMPLES[(i + 1) % n];
        j.edit_note(
            id,
            None,
            Some(&BodyEdit::Replace(next.into())),
            &[],
            &[],
            ts(100),
        )
        .expect("replace");
        assert_eq!(j.note(id).expect("show").body, next);
        let tweaked = format!("«{next}»\u{301}");
        j.edit_note(
            id,
            None,
            Some(&BodyEdit::Replace(tweaked.clone())),
            &[],
            &[],
            ts(101),
        )
        .expect("replace again");
        assert_eq!(j.note(id).expect("show").body, tweaked);
    }

    // Edits inside ZWJ sequences and combining sequences.
    let (zwj, _) = &ids[0];
    let cases = [
        "👩‍❤️‍👩 and 👨‍👩‍👧‍👦 and 🏳️‍🌈",
        "👩‍❤️‍👩 and 👨‍👩‍👧 and 🏳️",
        "👩 and 👨‍👩‍👧 and 🏳️‍⚧️",
        "e\u{301}\u{302} 👩‍❤️‍👩",
        "",
        "ש\u{5b8}",
    ];
    for want in cases {
        j.edit_note(
            zwj,
            None,
            Some(&BodyEdit::Replace(want.into())),
            &[],
            &[],
            ts(102),
        )
        .expect("zwj replace");
        assert_eq!(j.note(zwj).expect("show").body, want);
    }
    // An appended combining mark joins the last character.
    j.edit_note(
        zwj,
        None,
        Some(&BodyEdit::Append("\u{5b0}👍\u{1f3fd}".into())),
        &[],
        &[],
        ts(103),
    )
    .expect("append");
    assert_eq!(
        j.note(zwj).expect("show").body,
        "ש\u{5b8}\u{5b0}👍\u{1f3fd}"
    );

    let before = j.notes(None);
    let mut loaded = Journal::load(&j.save(), ALICE_DEV).expect("load");
    assert_eq!(loaded.notes(None), before);
    assert_eq!(loaded.heads(), j.heads());
    for (id, title) in &ids {
        assert_eq!(&loaded.note(id).expect("show").title, title);
    }
}

#[test]
fn concurrent_edits_of_rtl_and_emoji_text_merge_cleanly() {
    let (mut a, mut b) = pair();
    let base = "שלום 👩‍👩‍👧 مرحبا";
    let id = a.add_note("t", base, &[], ts(10)).expect("add");
    sync(&mut a, &mut b);
    a.edit_note(
        &id,
        None,
        Some(&BodyEdit::Replace("שלום רב 👩‍👩‍👧 مرحبا".into())),
        &[],
        &[],
        ts(11),
    )
    .expect("a");
    b.edit_note(
        &id,
        None,
        Some(&BodyEdit::Replace("שלום 👩‍👩‍👧 مرحبا بك 🇵🇸".into())),
        &[],
        &[],
        ts(12),
    )
    .expect("b");
    sync(&mut a, &mut b);
    let body = a.note(&id).expect("a").body;
    assert_eq!(body, "שלום רב 👩‍👩‍👧 مرحبا بك 🇵🇸");
    assert_eq!(Some(body), b.note(&id).ok().map(|n| n.body));
}

/// About 1 MB of mixed text, mostly multi-byte (so fewer characters for automerge to
/// track in a debug build), with every line different so the document cannot cheat.
fn big_body() -> String {
    let mut s = String::with_capacity(1 << 20);
    let mut i = 0_u32;
    while s.len() < 1 << 20 {
        s.push_str(&format!(
            "{i:06} 日本語のテキスト 👩‍❤️‍👨 שלום مرحبا e\u{301} 🇮🇱🇵🇸 한국어 fox\n"
        ));
        i += 1;
    }
    s
}

#[test]
fn a_megabyte_body_round_trips() {
    let started = Instant::now();
    let body = big_body();
    assert!(body.len() >= 1 << 20);
    let mut j = solo();
    let id = j.add_note("big", &body, &[], ts(1)).expect("add big note");
    assert!(
        j.note(&id).expect("show").body == body,
        "the big body changed on add"
    );

    // A small edit in the middle of it, applied as a diff (splitting a grapheme if it
    // falls inside one), and an append.
    let mid = body.len() / 2;
    let mid = (mid..).find(|&k| body.is_char_boundary(k)).unwrap_or(mid);
    let edited = format!("{}✂ EDIT ✂{}", &body[..mid], &body[mid..]);
    j.edit_note(
        &id,
        None,
        Some(&BodyEdit::Replace(edited.clone())),
        &[],
        &[],
        ts(2),
    )
    .expect("edit big");
    j.edit_note(
        &id,
        None,
        Some(&BodyEdit::Append("the end".into())),
        &[],
        &[],
        ts(3),
    )
    .expect("append big");
    let want = format!("{edited}the end");

    let bytes = j.save();
    let loaded = Journal::load(&bytes, ALICE_DEV).expect("load");
    let got = loaded.note(&id).expect("show").body;
    assert_eq!(got.len(), want.len());
    assert!(got == want, "the big body changed through save/load");
    eprintln!("1 MB round trip took {:?}", started.elapsed());
}
