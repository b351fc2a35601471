//! An async client for the daemon's socket.

use std::path::{Path, PathBuf};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio::net::UnixStream;
use tokio_util::codec::{Framed, LengthDelimitedCodec};

use crate::frame::{MAX_FRAME_BYTES, MAX_RESPONSE_BYTES, codec};
use crate::{Hello, HelloReply, PROTOCOL_VERSION, Request, Response, WireError};

/// How long connecting and the `hello` exchange may take. The daemon answers `hello` from
/// its connection task at once, whatever the engine is doing, so a daemon that says nothing
/// for this long is hung, or the socket is not a duetd at all. Requests themselves have no
/// timeout: a backup or an export of a large journal may take minutes.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Why talking to the daemon failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// Nothing listens on the socket: the daemon is not running.
    #[error("duetd is not running for this home (start it with `duet daemon start`)")]
    NotRunning,
    /// The socket exists but could not be used.
    #[error("cannot reach duetd at {path}")]
    Connect {
        /// The socket path.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The daemon speaks another protocol version.
    #[error(
        "duetd speaks protocol version {daemon} but this duet speaks {client}; restart the daemon (`duet daemon stop && duet daemon start`) so both are the same version"
    )]
    VersionMismatch {
        /// The daemon's version.
        daemon: u32,
        /// Ours.
        client: u32,
    },
    /// The connection broke mid-request.
    #[error("lost the connection to duetd")]
    Io(#[from] std::io::Error),
    /// The daemon closed the connection without answering.
    #[error("duetd closed the connection without answering")]
    Closed,
    /// A frame that is not a valid message.
    #[error("duetd sent a message this duet cannot read")]
    Decode(#[from] serde_json::Error),
    /// The daemon answered with an error.
    #[error("{0}")]
    Daemon(WireError),
    /// The daemon answered with a response of the wrong kind.
    #[error("duetd sent an unexpected answer to {0}")]
    Unexpected(&'static str),
    /// Nothing answered the handshake in time.
    #[error(
        "{path} accepted the connection but did not answer within {}s; duetd may be hung (see duetd.log, then `duet daemon stop`), or something else is listening there",
        HANDSHAKE_TIMEOUT.as_secs()
    )]
    Timeout {
        /// The socket path.
        path: String,
    },
    /// The socket leads to the daemon of another home (a symlinked or copied `duetd.sock`).
    #[error(
        "{socket} leads to the duetd of another home ({daemon_home}), not of {expected}; refusing to use it: remove that socket and start this home's daemon"
    )]
    WrongHome {
        /// The socket path.
        socket: String,
        /// The home the client expects.
        expected: String,
        /// The home the daemon serves.
        daemon_home: String,
    },
}

/// A connection to `duetd`, past the handshake.
pub struct Client {
    framed: Framed<UnixStream, LengthDelimitedCodec>,
    hello: HelloReply,
}

impl Client {
    /// Connects to the daemon at `socket` and performs the version handshake, within
    /// [`HANDSHAKE_TIMEOUT`]. The daemon must serve the home the socket is in: a socket that
    /// is a symlink to another home's daemon is refused ([`ClientError::WrongHome`]).
    pub async fn connect(socket: &Path, client_name: &str) -> Result<Self, ClientError> {
        tokio::time::timeout(HANDSHAKE_TIMEOUT, Self::connect_now(socket, client_name))
            .await
            .map_err(|_| ClientError::Timeout {
                path: socket.display().to_string(),
            })?
    }

    async fn connect_now(socket: &Path, client_name: &str) -> Result<Self, ClientError> {
        let stream = match UnixStream::connect(socket).await {
            Ok(s) => s,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
                ) =>
            {
                return Err(ClientError::NotRunning);
            }
            Err(source) => {
                return Err(ClientError::Connect {
                    path: socket.display().to_string(),
                    source,
                });
            }
        };
        let mut framed = Framed::new(stream, codec());
        let hello = Request::Hello(Hello {
            version: PROTOCOL_VERSION,
            client: client_name.to_owned(),
        });
        let reply = round_trip(&mut framed, &hello).await?;
        match reply {
            Response::Hello(hello) if hello.version == PROTOCOL_VERSION => {
                check_home(socket, &hello)?;
                // Past the handshake, this is our own daemon: accept responses of any size.
                framed.codec_mut().set_max_frame_length(MAX_RESPONSE_BYTES);
                Ok(Self { framed, hello })
            }
            Response::Hello(hello) => Err(ClientError::VersionMismatch {
                daemon: hello.version,
                client: PROTOCOL_VERSION,
            }),
            Response::Error(e) if e.code == crate::ErrorCode::VersionMismatch => {
                Err(ClientError::Daemon(e))
            }
            Response::Error(e) => Err(ClientError::Daemon(e)),
            _ => Err(ClientError::Unexpected("hello")),
        }
    }

    /// The daemon's side of the handshake.
    pub fn hello(&self) -> &HelloReply {
        &self.hello
    }

    /// Sends one request and waits for its response. An error response becomes
    /// [`ClientError::Daemon`].
    pub async fn call(&mut self, request: &Request) -> Result<Response, ClientError> {
        match round_trip(&mut self.framed, request).await? {
            Response::Error(e) => Err(ClientError::Daemon(e)),
            other => Ok(other),
        }
    }
}

/// The home a socket belongs to: the directory it is in, symlinks resolved (the socket
/// itself is not followed: that is the point).
fn home_of(socket: &Path) -> Option<PathBuf> {
    socket.parent()?.canonicalize().ok()
}

/// Refuses a daemon that serves another home than the socket's. A daemon that predates
/// `HelloReply::home` says nothing, and is trusted as before.
fn check_home(socket: &Path, hello: &HelloReply) -> Result<(), ClientError> {
    let (Some(daemon_home), Some(expected)) = (&hello.home, home_of(socket)) else {
        return Ok(());
    };
    if Path::new(daemon_home) == expected {
        return Ok(());
    }
    Err(ClientError::WrongHome {
        socket: socket.display().to_string(),
        expected: expected.display().to_string(),
        daemon_home: daemon_home.clone(),
    })
}

async fn round_trip(
    framed: &mut Framed<UnixStream, LengthDelimitedCodec>,
    request: &Request,
) -> Result<Response, ClientError> {
    let bytes = serde_json::to_vec(request)?;
    // Requests keep the daemon's limit, so an oversized one fails here, clearly, instead of
    // the daemon dropping the connection. (The limit applies to encoding and decoding.)
    let response_limit = framed.codec().max_frame_length();
    framed.codec_mut().set_max_frame_length(MAX_FRAME_BYTES);
    let sent = framed.send(tokio_util::bytes::Bytes::from(bytes)).await;
    framed.codec_mut().set_max_frame_length(response_limit);
    sent?;
    match framed.next().await {
        Some(frame) => Ok(serde_json::from_slice(&frame?)?),
        None => Err(ClientError::Closed),
    }
}
