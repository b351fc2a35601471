//! Text of every kind, and large notes, round-trip exactly.

use crate::harness::Duet;

const SAMPLES: &[&str] = &[
    "emoji 😀🎉 family 👨‍👩‍👧‍👦 flags 🇳🇿🇯🇵 skin 👋🏽",
    "עברית: שלום עולם, and mixed direction",
    "العربية: مرحبا بالعالم",
    "combining: e\u{301} a\u{308}\u{304} Z\u{335}\u{321}\u{30D} and precomposed é",
    "zero width: a\u{200B}b\u{200D}c\u{FEFF}d",
    "CJK 日本語 한국어 中文, tabs\tand\r\nwindows newlines",
];

#[test]
fn unicode_round_trips_exactly() {
    let d = Duet::started();
    for s in SAMPLES {
        let id = d.ok(&["note", "add", &s.replace(['\r', '\n'], " "), "--body", s]);
        let id = id.trim();
        let n = d.json(&["note", "show", id]);
        assert_eq!(n["body"], *s);
        // An edit through the minimal diff keeps every code point.
        let edited = format!("{s} ✍️ {s}");
        d.ok(&["note", "edit", id, "--body", &edited]);
        assert_eq!(d.json(&["note", "show", id])["body"], edited.as_str());
    }
    d.ok(&["checkin", "--feeling", SAMPLES[0], "--need", SAMPLES[2]]);
    assert_eq!(d.json(&["checkin", "list"])[0]["need"], SAMPLES[2]);
    d.ok(&["daemon", "stop"]);
    d.ok(&["daemon", "start"]);
    let list = d.json(&["note", "list"]);
    for (n, s) in list.as_array().unwrap().iter().zip(SAMPLES) {
        assert_eq!(n["body"], format!("{s} ✍️ {s}").as_str());
    }
}

#[test]
fn a_one_megabyte_note_round_trips() {
    let d = Duet::started();
    let unit = "a line of text with ünïcödé and 🐢 in it\n";
    let mut body = String::new();
    while body.len() < 1_000_000 {
        body.push_str(unit);
    }
    let file = d.home.with_file_name("big.txt");
    std::fs::write(&file, &body).unwrap();
    let id = d.ok(&["note", "add", "big", "--body-file", file.to_str().unwrap()]);
    let id = id.trim();
    assert_eq!(
        d.json(&["note", "show", id])["body"].as_str().unwrap(),
        body
    );
    d.ok(&["note", "edit", id, "--append", "the end"]);
    d.ok(&["daemon", "stop"]);
    d.ok(&["daemon", "start"]);
    let shown = d.json(&["note", "show", id]);
    assert_eq!(shown["body"].as_str().unwrap(), format!("{body}the end"));
}
