//! Frames on a duet QUIC stream: a 4-byte length, a 1-byte kind, then either a JSON control
//! message or the bytes of an automerge sync message.

use futures::{SinkExt, StreamExt};
use iroh::EndpointAddr;
use iroh::endpoint::{RecvStream, SendStream};
use serde::{Deserialize, Serialize};
use tokio_util::bytes::{BufMut, Bytes, BytesMut};
use tokio_util::codec::{FramedRead, FramedWrite, LengthDelimitedCodec};

use crate::SyncError;
use crate::invitations::InviteId;

/// The largest frame accepted: a first sync after a long time apart can carry many changes.
pub const MAX_FRAME_BYTES: usize = 64 * 1024 * 1024;

/// The largest frame accepted before a peer's first message: control messages are small, and
/// an unknown peer must not make us reserve megabytes.
pub const CONTROL_FRAME_BYTES: usize = 64 * 1024;

const KIND_CONTROL: u8 = 1;
const KIND_SYNC: u8 = 2;

/// Who a device is, as exchanged at pairing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberInfo {
    /// The device id.
    pub device_id: String,
    /// The device's name.
    pub device_name: String,
    /// The person's id.
    pub person_id: String,
    /// The person's display name.
    pub person_name: String,
}

/// A person of the journal, as a pairing answer names the one a joiner becomes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonInfo {
    /// The person's id.
    pub person_id: String,
    /// The person's display name.
    pub person_name: String,
}

/// Control messages.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Control {
    /// First message of a sync session, both ways: which journal, and where to reach me.
    SyncHello {
        /// The journal the sender keeps.
        journal_id: String,
        /// The sender's current addresses.
        addr: EndpointAddr,
    },
    /// The joiner redeems a ticket.
    PairRequest {
        /// The invitation the ticket is for.
        invite_id: InviteId,
        /// The ticket's secret.
        secret: [u8; 32],
        /// The joiner.
        member: MemberInfo,
        /// The joiner's current addresses.
        addr: EndpointAddr,
    },
    /// The inviter accepts.
    PairAccept {
        /// The inviter.
        member: MemberInfo,
        /// The journal joined (the joiner checks it against the ticket's keyed hash).
        journal_id: String,
        /// The person the joiner becomes, when it is a device of a person already in the
        /// journal (the inviter's, or the partner's); `None` when it joins as the partner.
        person: Option<PersonInfo>,
    },
    /// Either side refuses, with a reason meant for the user.
    Refuse {
        /// One line.
        reason: String,
    },
}

impl std::fmt::Debug for Control {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Control::SyncHello { journal_id, .. } => write!(f, "SyncHello({journal_id})"),
            Control::PairRequest {
                member, invite_id, ..
            } => write!(f, "PairRequest({}, {invite_id})", member.device_id),
            Control::PairAccept { member, .. } => write!(f, "PairAccept({})", member.device_id),
            Control::Refuse { reason } => write!(f, "Refuse({reason})"),
        }
    }
}

/// One frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A control message.
    Control(Control),
    /// An automerge sync message.
    Sync(Vec<u8>),
}

impl Frame {
    /// Serialises the frame's body (without the length prefix).
    pub fn encode(&self) -> Bytes {
        let mut out = BytesMut::new();
        match self {
            Frame::Control(c) => {
                out.put_u8(KIND_CONTROL);
                out.extend_from_slice(&serde_json::to_vec(c).unwrap_or_default());
            }
            Frame::Sync(m) => {
                out.put_u8(KIND_SYNC);
                out.extend_from_slice(m);
            }
        }
        out.freeze()
    }

    /// Parses a frame's body.
    pub fn decode(body: &[u8]) -> Result<Self, SyncError> {
        match body.split_first() {
            Some((&KIND_CONTROL, json)) => serde_json::from_slice(json)
                .map(Frame::Control)
                .map_err(|e| SyncError::Protocol(format!("bad control message: {e}"))),
            Some((&KIND_SYNC, msg)) => Ok(Frame::Sync(msg.to_vec())),
            _ => Err(SyncError::Protocol("unknown frame kind".into())),
        }
    }
}

/// The receiving half of a frame stream. Kept apart from the sending half so a session can
/// read while it writes: two peers that both wrote more than a QUIC stream window before
/// reading would wait on each other forever.
pub struct FrameReader {
    inner: FramedRead<RecvStream, LengthDelimitedCodec>,
}

/// The sending half of a frame stream.
pub struct FrameWriter {
    inner: FramedWrite<SendStream, LengthDelimitedCodec>,
}

fn codec(limit: usize) -> LengthDelimitedCodec {
    LengthDelimitedCodec::builder()
        .max_frame_length(limit)
        .new_codec()
}

impl FrameReader {
    /// The next frame, or `None` when the peer finished the stream.
    pub async fn recv(&mut self) -> Result<Option<Frame>, SyncError> {
        match self.inner.next().await {
            None => Ok(None),
            Some(Ok(body)) => Frame::decode(&body).map(Some),
            Some(Err(e)) => Err(SyncError::Protocol(e.to_string())),
        }
    }
}

impl FrameWriter {
    /// Sends one frame.
    pub async fn send(&mut self, frame: &Frame) -> Result<(), SyncError> {
        self.inner
            .send(frame.encode())
            .await
            .map_err(|e| SyncError::Protocol(e.to_string()))
    }
}

/// A bi-directional QUIC stream speaking frames.
pub struct FrameStream {
    reader: FrameReader,
    writer: FrameWriter,
}

impl FrameStream {
    /// Wraps the two halves of a bi-stream.
    pub fn new(send: SendStream, recv: RecvStream) -> Self {
        Self::with_limit(send, recv, MAX_FRAME_BYTES)
    }

    /// Wraps a bi-stream accepting frames of at most `limit` bytes.
    pub fn with_limit(send: SendStream, recv: RecvStream, limit: usize) -> Self {
        Self {
            reader: FrameReader {
                inner: FramedRead::new(recv, codec(limit)),
            },
            writer: FrameWriter {
                // Our own frames are bounded by what we build, not by what we accept.
                inner: FramedWrite::new(send, codec(MAX_FRAME_BYTES)),
            },
        }
    }

    /// Changes the frame limit (raised once the peer is known).
    pub fn set_limit(&mut self, limit: usize) {
        self.reader.inner.decoder_mut().set_max_frame_length(limit);
    }

    /// Separates reading from writing, for a session that does both at once. Bytes already
    /// read ahead stay with the reader.
    pub fn split(self) -> (FrameReader, FrameWriter) {
        (self.reader, self.writer)
    }

    /// Sends one frame.
    pub async fn send(&mut self, frame: &Frame) -> Result<(), SyncError> {
        self.writer.send(frame).await
    }

    /// The next frame, or `None` when the peer finished the stream.
    pub async fn recv(&mut self) -> Result<Option<Frame>, SyncError> {
        self.reader.recv().await
    }

    /// The next frame, which must be a control message.
    pub async fn recv_control(&mut self) -> Result<Control, SyncError> {
        match self.recv().await? {
            Some(Frame::Control(c)) => Ok(c),
            Some(Frame::Sync(_)) => Err(SyncError::Protocol("expected a control message".into())),
            None => Err(SyncError::Protocol(
                "the other device closed the stream".into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip() {
        let frames = [
            Frame::Sync(vec![1, 2, 3]),
            Frame::Control(Control::Refuse {
                reason: "no".into(),
            }),
        ];
        for f in frames {
            assert_eq!(Frame::decode(&f.encode()).unwrap(), f);
        }
        assert!(Frame::decode(&[]).is_err());
        assert!(Frame::decode(&[9, 1]).is_err());
        assert!(Frame::decode(&[1, b'{']).is_err());
    }
}

/// Writes the fuzz targets' seed corpora (`fuzz/corpus/…`) from real messages:
/// `cargo test -p duet-sync write_fuzz_seeds -- --ignored`.
#[cfg(test)]
mod fuzz_seeds {
    use super::*;
    use crate::invitations::{InviteFor, InviteId};

    #[test]
    #[ignore = "writes files: run on demand to refresh the fuzz corpora"]
    fn write_fuzz_seeds() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
        let secret = [42u8; 32];
        let key = iroh::SecretKey::from_bytes(&[7u8; 32]);
        let addr = EndpointAddr::new(key.public()).with_ip_addr("127.0.0.1:4433".parse().unwrap());
        let ticket = crate::Ticket {
            inviter: addr.clone(),
            invite_id: InviteId::from_bytes([1, 2, 3, 4, 5, 6, 7, 8]),
            journal_tag: crate::Ticket::journal_tag(&secret, "0123456789abcdef0123456789abcdef"),
            secret,
            expires_at: 1_900_000_000,
            invite_for: InviteFor::Partner,
        };
        let dir = root.join("ticket_decode");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("partner"), ticket.encode()).unwrap();
        let same = crate::Ticket {
            invite_for: InviteFor::SamePerson,
            ..ticket.clone()
        };
        std::fs::write(dir.join("same_person"), same.encode()).unwrap();
        std::fs::write(dir.join("old_format"), "duet1mfrggzdfmztwq2lk").unwrap();

        let dir = root.join("pair_request");
        std::fs::create_dir_all(&dir).unwrap();
        let member = MemberInfo {
            device_id: "0190aa".into(),
            device_name: "phone".into(),
            person_id: "0190bb".into(),
            person_name: "Alex".into(),
        };
        let request = Frame::Control(Control::PairRequest {
            invite_id: ticket.invite_id,
            secret,
            member: member.clone(),
            addr,
        });
        std::fs::write(dir.join("request"), request.encode()).unwrap();
        let accept = Frame::Control(Control::PairAccept {
            member,
            journal_id: "0123456789abcdef0123456789abcdef".into(),
            person: Some(PersonInfo {
                person_id: "0190bb".into(),
                person_name: "Alex".into(),
            }),
        });
        std::fs::write(dir.join("accept"), accept.encode()).unwrap();
        let refuse = Frame::Control(Control::Refuse {
            reason: "no".into(),
        });
        std::fs::write(dir.join("refuse"), refuse.encode()).unwrap();
    }
}
