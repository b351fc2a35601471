//! Any bytes a local client writes to the daemon's socket: the frame decoder (the daemon's
//! own codec, with its 64 MiB cap) never panics, and every frame it yields decodes as a
//! request or fails as malformed JSON, never a panic.

#![no_main]

use duet_proto::{Request, codec};
use libfuzzer_sys::fuzz_target;
use tokio_util::bytes::BytesMut;
use tokio_util::codec::Decoder;

fuzz_target!(|data: &[u8]| {
    let mut codec = codec();
    let mut buf = BytesMut::from(data);
    while let Ok(Some(frame)) = codec.decode(&mut buf) {
        let _ = serde_json::from_slice::<Request>(&frame);
    }
    let _ = codec.decode_eof(&mut buf);
});
