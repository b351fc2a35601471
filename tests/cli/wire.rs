//! The socket protocol, spoken by hand: version refusal and hostile frames.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;

use serde_json::{Value, json};

use crate::harness::Duet;

fn send(s: &mut UnixStream, v: &Value) {
    let bytes = serde_json::to_vec(v).unwrap();
    s.write_all(&(bytes.len() as u32).to_be_bytes()).unwrap();
    s.write_all(&bytes).unwrap();
}

fn recv(s: &mut UnixStream) -> Option<Value> {
    let mut len = [0u8; 4];
    s.read_exact(&mut len).ok()?;
    let mut buf = vec![0u8; u32::from_be_bytes(len) as usize];
    s.read_exact(&mut buf).ok()?;
    Some(serde_json::from_slice(&buf).unwrap())
}

fn hello(s: &mut UnixStream, version: u32) -> Value {
    send(
        s,
        &json!({"type": "hello", "version": version, "client": "test"}),
    );
    recv(s).unwrap()
}

#[test]
fn another_protocol_version_is_refused_clearly() {
    let d = Duet::started();
    let mut s = UnixStream::connect(d.socket()).unwrap();
    let r = hello(&mut s, 999);
    assert_eq!(r["type"], "error");
    assert_eq!(r["code"], "version_mismatch");
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("restart the daemon"),
        "{r}"
    );
    assert!(recv(&mut s).is_none(), "connection should be closed");
}

#[test]
fn requests_before_hello_are_refused() {
    let d = Duet::started();
    let mut s = UnixStream::connect(d.socket()).unwrap();
    send(&mut s, &json!({"type": "status"}));
    let r = recv(&mut s).unwrap();
    assert_eq!(r["code"], "version_mismatch");
}

#[test]
fn malformed_and_oversized_frames_do_not_hurt_the_daemon() {
    let d = Duet::started();
    let mut s = UnixStream::connect(d.socket()).unwrap();
    assert_eq!(hello(&mut s, 1)["type"], "hello");
    s.write_all(&5u32.to_be_bytes()).unwrap();
    s.write_all(b"{oops").unwrap();
    let r = recv(&mut s).unwrap();
    assert_eq!(r["code"], "invalid_input");
    send(&mut s, &json!({"type": "note_add", "title": 5}));
    assert_eq!(recv(&mut s).unwrap()["code"], "invalid_input");
    // Still usable after bad requests.
    send(&mut s, &json!({"type": "status"}));
    assert_eq!(recv(&mut s).unwrap()["type"], "status");

    let mut big = UnixStream::connect(d.socket()).unwrap();
    assert_eq!(hello(&mut big, 1)["type"], "hello");
    big.write_all(&u32::MAX.to_be_bytes()).unwrap();
    let _ = recv(&mut big);
    // A client that vanishes mid-frame.
    let mut half = UnixStream::connect(d.socket()).unwrap();
    half.write_all(&100u32.to_be_bytes()).unwrap();
    drop(half);

    d.note("daemon still fine", "");
    assert_eq!(d.json(&["note", "list"]).as_array().unwrap().len(), 1);
}

/// The entry cap holds at the write itself, whatever client sends it: a clear refusal, and
/// the journal unchanged.
#[test]
fn the_daemon_refuses_an_entry_over_16_mib() {
    let d = Duet::started();
    let mut s = UnixStream::connect(d.socket()).unwrap();
    assert_eq!(hello(&mut s, 1)["type"], "hello");
    let body = "a".repeat(16 * 1024 * 1024 + 1);
    send(
        &mut s,
        &json!({"type": "note_add", "title": "big", "body": body, "tags": []}),
    );
    let r = recv(&mut s).unwrap();
    assert_eq!(r["code"], "invalid_input", "{r}");
    assert!(
        r["message"].as_str().unwrap().contains("at most 16 MiB"),
        "{r}"
    );
    // Appending past the cap is refused too.
    let id = d.note("small", "x");
    send(
        &mut s,
        &json!({"type": "note_edit", "id": id, "title": null,
                "body": {"mode": "append", "text": "a".repeat(16 * 1024 * 1024)},
                "add_tags": [], "remove_tags": []}),
    );
    assert_eq!(recv(&mut s).unwrap()["code"], "invalid_input");
    assert_eq!(d.json(&["note", "show", &id])["body"], "x");
}
