//! Framing: one JSON message per length-delimited frame.

use tokio_util::codec::LengthDelimitedCodec;

/// The largest request frame the daemon accepts (and the largest frame during the
/// handshake). It holds the largest entry, [`crate::MAX_ENTRY_BYTES`], even if every
/// character of it needs a six-byte JSON escape, and still bounds what a confused client can
/// make the daemon allocate.
pub const MAX_FRAME_BYTES: usize = 128 * 1024 * 1024;

/// The largest response frame a client accepts once the handshake has shown it is talking to
/// its own home's daemon: the most the 4-byte length can say. A listing of many large
/// entries can pass 128 MiB, and accepted data must never become unreadable.
pub const MAX_RESPONSE_BYTES: usize = u32::MAX as usize;

/// The codec both sides use: a 4-byte big-endian length, then that many bytes of JSON, at
/// most [`MAX_FRAME_BYTES`]. Each side raises the limit to [`MAX_RESPONSE_BYTES`] for
/// responses only (`set_max_frame_length` around each response).
pub fn codec() -> LengthDelimitedCodec {
    LengthDelimitedCodec::builder()
        .max_frame_length(MAX_FRAME_BYTES)
        .new_codec()
}
