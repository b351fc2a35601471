//! Framing: one JSON message per length-delimited frame.

use tokio_util::codec::LengthDelimitedCodec;

/// The largest frame either side accepts. Large enough for a note of several megabytes after
/// JSON escaping; small enough that a confused or hostile peer cannot make us allocate without
/// bound.
pub const MAX_FRAME_BYTES: usize = 64 * 1024 * 1024;

/// The codec both sides use: a 4-byte big-endian length, then that many bytes of JSON.
pub fn codec() -> LengthDelimitedCodec {
    LengthDelimitedCodec::builder()
        .max_frame_length(MAX_FRAME_BYTES)
        .new_codec()
}
