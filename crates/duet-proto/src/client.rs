//! An async client for the daemon's socket.

use std::path::Path;

use futures::{SinkExt, StreamExt};
use tokio::net::UnixStream;
use tokio_util::codec::{Framed, LengthDelimitedCodec};

use crate::{Hello, HelloReply, PROTOCOL_VERSION, Request, Response, WireError, frame::codec};

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
}

/// A connection to `duetd`, past the handshake.
pub struct Client {
    framed: Framed<UnixStream, LengthDelimitedCodec>,
    hello: HelloReply,
}

impl Client {
    /// Connects to the daemon at `socket` and performs the version handshake.
    pub async fn connect(socket: &Path, client_name: &str) -> Result<Self, ClientError> {
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

async fn round_trip(
    framed: &mut Framed<UnixStream, LengthDelimitedCodec>,
    request: &Request,
) -> Result<Response, ClientError> {
    let bytes = serde_json::to_vec(request)?;
    framed.send(tokio_util::bytes::Bytes::from(bytes)).await?;
    match framed.next().await {
        Some(frame) => Ok(serde_json::from_slice(&frame?)?),
        None => Err(ClientError::Closed),
    }
}
