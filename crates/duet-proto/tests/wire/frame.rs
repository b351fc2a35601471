//! The framing: a 4-byte big-endian length, then that many bytes of JSON.

use std::io::ErrorKind;

use duet_proto::{MAX_FRAME_BYTES, Request, Response, codec};
use futures::{SinkExt, StreamExt};
use tokio_util::bytes::{BufMut, Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder, Framed, LengthDelimitedCodecError};

use crate::examples;

fn header(len: usize) -> BytesMut {
    let mut buf = BytesMut::new();
    buf.put_u32(u32::try_from(len).expect("fits the 4-byte header"));
    buf
}

#[test]
fn max_frame_is_128_mib_and_holds_the_largest_entry_escaped() {
    assert_eq!(MAX_FRAME_BYTES, 128 * 1024 * 1024);
    // Every byte of the largest entry as a six-byte `\u00XX` escape, plus the envelope.
    const { assert!(duet_proto::MAX_ENTRY_BYTES * 6 + 64 * 1024 < MAX_FRAME_BYTES) };
}

#[test]
fn a_message_encodes_as_a_big_endian_length_then_json() {
    let (_, request) = examples::requests().swap_remove(0);
    let json = serde_json::to_vec(&request).unwrap();
    let mut buf = BytesMut::new();
    codec().encode(Bytes::from(json.clone()), &mut buf).unwrap();

    let mut expected = header(json.len());
    expected.extend_from_slice(&json);
    assert_eq!(buf, expected);

    let frame = codec().decode(&mut buf).unwrap().expect("a whole frame");
    assert_eq!(serde_json::from_slice::<Request>(&frame).unwrap(), request);
    assert!(buf.is_empty(), "the frame was not consumed");
}

#[test]
fn frames_decode_one_at_a_time_and_wait_for_partial_input() {
    let mut decoder = codec();
    let mut wire = BytesMut::new();
    let responses = examples::responses();
    for (_, response) in &responses {
        let json = serde_json::to_vec(response).unwrap();
        decoder.encode(json.as_slice(), &mut wire).unwrap();
    }
    let mut incoming = BytesMut::new();
    let mut decoded = Vec::new();
    // Feed the stream in small pieces, as a socket might deliver it.
    for chunk in wire.chunks(7) {
        incoming.extend_from_slice(chunk);
        while let Some(frame) = decoder.decode(&mut incoming).unwrap() {
            decoded.push(serde_json::from_slice::<Response>(&frame).unwrap());
        }
    }
    let expected: Vec<Response> = responses.into_iter().map(|(_, r)| r).collect();
    assert_eq!(decoded, expected);
    assert!(incoming.is_empty());
}

#[test]
fn a_frame_above_the_limit_is_refused_on_decode() {
    let mut at_limit = header(MAX_FRAME_BYTES);
    assert!(
        codec().decode(&mut at_limit).unwrap().is_none(),
        "a frame of exactly MAX_FRAME_BYTES must be accepted (and awaited)"
    );

    let mut over = header(MAX_FRAME_BYTES + 1);
    over.extend_from_slice(b"{}");
    let err = codec()
        .decode(&mut over)
        .expect_err("an oversized frame must be refused");
    assert_eq!(err.kind(), ErrorKind::InvalidData);
    assert!(
        err.get_ref()
            .is_some_and(|e| e.is::<LengthDelimitedCodecError>()),
        "{err}"
    );
}

#[test]
fn a_frame_above_the_limit_is_refused_on_encode() {
    let mut buf = BytesMut::new();
    let big = vec![b' '; MAX_FRAME_BYTES + 1];
    let err = codec()
        .encode(big.as_slice(), &mut buf)
        .expect_err("must be refused");
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(buf.is_empty());
}

#[tokio::test]
async fn request_and_response_cross_a_stream() {
    let (client_end, daemon_end) = tokio::io::duplex(64);
    let mut client = Framed::new(client_end, codec());
    let mut daemon = Framed::new(daemon_end, codec());

    let (_, request) = examples::requests().swap_remove(0);
    let (_, response) = examples::responses().swap_remove(3); // a large status
    let sent = serde_json::to_vec(&request).unwrap();
    let reply = serde_json::to_vec(&response).unwrap();
    let daemon_task = tokio::spawn(async move {
        let frame = daemon.next().await.expect("a frame").expect("readable");
        let got: Request = serde_json::from_slice(&frame).expect("a request");
        daemon.send(Bytes::from(reply)).await.expect("send");
        got
    });
    client.send(Bytes::from(sent)).await.unwrap();
    let frame = client.next().await.expect("a frame").expect("readable");
    assert_eq!(
        serde_json::from_slice::<Response>(&frame).unwrap(),
        response
    );
    assert_eq!(daemon_task.await.unwrap(), request);
}
