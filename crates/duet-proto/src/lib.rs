//! The contract between `duet` (the CLI) and `duetd` (the daemon).
//!
//! Everything that crosses the local socket is defined here, and nowhere else:
//!
//! - [`Request`] and [`Response`], one JSON object per length-delimited frame;
//! - the views ([`NoteView`], [`CheckinView`], [`BoundaryView`], ...) that responses carry and
//!   that `duet --json` prints verbatim, so the wire format *is* the scripting format;
//! - errors as data ([`WireError`] with a stable [`ErrorCode`]);
//! - the one protocol version, [`PROTOCOL_VERSION`], checked by the [`Request::Hello`]
//!   handshake before anything else;
//! - the layout of a duet home directory ([`Home`]).
//!
//! With the default `client` feature it also holds the framing and an async [`Client`]. Without
//! it the crate is plain data types, which is how the journal model uses it.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod error;
mod home;
mod request;
mod response;
mod short_id;
mod views;

#[cfg(feature = "client")]
mod client;
#[cfg(feature = "client")]
mod frame;
#[cfg(feature = "client")]
mod private_file;

pub use error::{ErrorCode, WireError};
pub use home::{Home, HomeError};
pub use request::*;
pub use response::*;
pub use short_id::{MIN_SHORT_ID, short_ids};
pub use views::*;

#[cfg(feature = "client")]
pub use client::{Client, ClientError, HANDSHAKE_TIMEOUT};
#[cfg(feature = "client")]
pub use frame::{MAX_FRAME_BYTES, MAX_RESPONSE_BYTES, codec};
#[cfg(feature = "client")]
pub use private_file::{Overwrite, write_private_atomic};

/// The largest entry text duet accepts, in bytes of UTF-8: a note's body (after an edit or
/// append), a boundary's wording, a check-in's answers. The same cap as one sync change, so
/// whatever a device accepts it can also send to its partner and read back.
pub const MAX_ENTRY_BYTES: usize = 16 * 1024 * 1024;

/// The version of the CLI <-> daemon protocol. Bump it on any change to [`Request`],
/// [`Response`] or the views that an older peer could misread; both sides refuse a peer whose
/// version differs, with a message telling the user to restart the daemon.
pub const PROTOCOL_VERSION: u32 = 1;
