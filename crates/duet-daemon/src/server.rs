//! The socket server: accept loop, per-connection handshake, graceful shutdown.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use duet_proto::{
    ErrorCode, HelloReply, Home, MAX_FRAME_BYTES, MAX_RESPONSE_BYTES, PROTOCOL_VERSION, Request,
    Response, WireError, codec,
};
use futures::{SinkExt, StreamExt};
use tokio::net::{UnixListener, UnixStream};
use tokio_util::codec::{Framed, LengthDelimitedCodec};
use tokio_util::task::TaskTracker;
use tracing::Instrument;

use crate::config::Config;
use crate::lockfile::DaemonLock;
use crate::state::Daemon;

/// How long shutdown waits for in-flight requests before closing the journal anyway.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves `home` until SIGTERM, SIGINT or a `Shutdown` request: takes the home's lock,
/// replaces a stale socket, opens the journal unless its key needs a passphrase, and serves.
pub async fn serve_home(home: Home) -> anyhow::Result<()> {
    if !home.is_initialised() {
        bail!(
            "no journal in {}: create one with `duet init --name NAME`",
            home.root().display()
        );
    }
    crate::socket::check_home_private(home.root())?;
    let _lock = DaemonLock::acquire(&home.lock_file(), home.root())?;
    let config = Config::load(&home.config())?;
    let socket = home.socket()?;
    let daemon = Arc::new(Daemon::new(home, config));
    // Open the journal before listening, so a client that connects finds a daemon that is
    // ready, and a daemon that cannot open its store exits without ever answering.
    if daemon.key_is_protected()? {
        tracing::info!("device key is passphrase-protected: waiting for `duet unlock`");
    } else {
        daemon.open(None).await.map_err(|e| anyhow::anyhow!(e))?;
    }
    // We hold the lock, so any socket file left here belongs to a dead daemon.
    if socket.exists() {
        std::fs::remove_file(&socket)
            .with_context(|| format!("cannot remove stale socket {}", socket.display()))?;
    }
    let listener = crate::socket::bind_private(&socket)?;

    let token = daemon.shutdown_token().clone();
    tokio::spawn(async move {
        if let Err(e) = wait_for_signal().await {
            tracing::error!(error = %e, "cannot listen for signals");
        }
        token.cancel();
    });

    tracing::info!(pid = std::process::id(), socket = %socket.display(), "duetd listening");
    // Under systemd (`Type=notify`), say we are ready only now that the socket answers;
    // elsewhere NOTIFY_SOCKET is unset and this does nothing.
    notify(&[sd_notify::NotifyState::Ready]);
    run(listener, daemon).await;
    notify(&[sd_notify::NotifyState::Stopping]);
    let _ = std::fs::remove_file(&socket);
    tracing::info!("duetd stopped");
    Ok(())
}

/// Tells the service manager about our state, if one asked (`NOTIFY_SOCKET`). A failure is
/// only logged: the daemon works the same without a service manager.
fn notify(state: &[sd_notify::NotifyState]) {
    if let Err(e) = sd_notify::notify(false, state) {
        tracing::warn!(error = %e, "cannot notify the service manager");
    }
}

async fn wait_for_signal() -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM: shutting down"),
        _ = int.recv() => tracing::info!("SIGINT: shutting down"),
    }
    Ok(())
}

/// Serves connections on an already-bound listener until the daemon's shutdown token is
/// cancelled, then lets in-flight requests finish and closes the journal (its last batch
/// durable) before returning.
pub async fn run(listener: UnixListener, daemon: Arc<Daemon>) {
    let tracker = TaskTracker::new();
    let token = daemon.shutdown_token().clone();
    let mut next_id: u64 = 0;
    loop {
        tokio::select! {
            _ = token.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    next_id += 1;
                    let span = tracing::info_span!("conn", id = next_id);
                    tracker.spawn(connection(stream, daemon.clone()).instrument(span));
                }
                Err(e) => {
                    // Usually out of file descriptors: back off rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }
    drop(listener);
    tracker.close();
    if tokio::time::timeout(DRAIN_TIMEOUT, tracker.wait())
        .await
        .is_err()
    {
        tracing::warn!("some connections did not finish in time");
    }
    daemon.close().await;
}

type Conn = Framed<UnixStream, LengthDelimitedCodec>;

/// Sends one response. Responses may be larger than requests (a listing of many large
/// entries), so the frame limit is raised for the send alone; requests stay capped.
async fn send(framed: &mut Conn, response: &Response) -> bool {
    match serde_json::to_vec(response) {
        Ok(bytes) => {
            framed.codec_mut().set_max_frame_length(MAX_RESPONSE_BYTES);
            let sent = framed.send(tokio_util::bytes::Bytes::from(bytes)).await;
            framed.codec_mut().set_max_frame_length(MAX_FRAME_BYTES);
            if let Err(e) = &sent {
                tracing::warn!(error = %e, "cannot send a response");
            }
            sent.is_ok()
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot encode a response");
            false
        }
    }
}

fn decode(frame: &[u8]) -> Result<Request, WireError> {
    serde_json::from_slice(frame)
        .map_err(|e| WireError::new(ErrorCode::InvalidInput, format!("malformed request: {e}")))
}

async fn connection(stream: UnixStream, daemon: Arc<Daemon>) {
    // The socket is 0600 in a 0700 home; checking the peer's uid as well costs nothing,
    // and a peer whose uid cannot be read is refused too.
    if let Err(why) =
        crate::socket::peer_allowed(stream.peer_cred(), nix::unistd::getuid().as_raw())
    {
        tracing::warn!(%why, "refused a connection");
        return;
    }
    let mut framed = Framed::new(stream, codec());
    let token = daemon.shutdown_token().clone();

    let hello = tokio::select! {
        _ = token.cancelled() => return,
        frame = framed.next() => match frame {
            Some(Ok(frame)) => decode(&frame),
            _ => return,
        },
    };
    let reply = match hello {
        Ok(Request::Hello(h)) if h.version == PROTOCOL_VERSION => {
            tracing::debug!(client = %h.client, "hello");
            Response::Hello(HelloReply {
                version: PROTOCOL_VERSION,
                daemon_version: env!("CARGO_PKG_VERSION").to_owned(),
                pid: std::process::id(),
                locked: daemon.is_locked().await,
                home: daemon
                    .home()
                    .root()
                    .canonicalize()
                    .ok()
                    .map(|p| p.display().to_string()),
            })
        }
        Ok(Request::Hello(h)) => {
            tracing::info!(
                client_version = h.version,
                "refused a client of another protocol version"
            );
            let _ = send(
                &mut framed,
                &Response::Error(WireError::new(
                    ErrorCode::VersionMismatch,
                    format!(
                        "this duetd speaks protocol version {PROTOCOL_VERSION} but the client speaks {}; restart the daemon (`duet daemon stop && duet daemon start`) so both are the same version",
                        h.version
                    ),
                )),
            )
            .await;
            return;
        }
        Ok(_) | Err(_) => {
            let _ = send(
                &mut framed,
                &Response::Error(WireError::new(
                    ErrorCode::VersionMismatch,
                    "the first message must be a hello with the protocol version",
                )),
            )
            .await;
            return;
        }
    };
    if !send(&mut framed, &reply).await {
        return;
    }

    loop {
        let frame = tokio::select! {
            _ = token.cancelled() => break,
            frame = framed.next() => frame,
        };
        let response = match frame {
            None => break,
            Some(Err(e)) => {
                tracing::debug!(error = %e, "connection read failed");
                let _ = send(
                    &mut framed,
                    &Response::Error(WireError::new(
                        ErrorCode::InvalidInput,
                        format!("unreadable frame: {e}"),
                    )),
                )
                .await;
                break;
            }
            Some(Ok(frame)) => match decode(&frame) {
                Ok(request) => crate::handlers::handle(&daemon, request).await,
                Err(e) => Response::Error(e),
            },
        };
        if !send(&mut framed, &response).await {
            break;
        }
    }
}
