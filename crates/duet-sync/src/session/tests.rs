//! The session against a peer that accepts the stream and then never reads or answers, on
//! real iroh endpoints over loopback, with a replica that only says what it is told to.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use iroh::protocol::{AcceptError, ProtocolHandler, Router};
use tokio::sync::watch;

use super::*;
use crate::access::MemberGate;
use crate::endpoint::{NetConfig, build};
use crate::replica::{PeerRecord, ReplicaError};
use crate::{SYNC_ALPN, SecretKey};

/// A replica whose outgoing messages are queued by the test, and which is never in sync.
#[derive(Clone)]
struct Scripted {
    outbox: Arc<Mutex<VecDeque<Vec<u8>>>>,
    changes: Arc<watch::Sender<u64>>,
}

impl Scripted {
    fn new(outbox: impl IntoIterator<Item = Vec<u8>>) -> Self {
        Self {
            outbox: Arc::new(Mutex::new(outbox.into_iter().collect())),
            changes: Arc::new(watch::channel(0).0),
        }
    }

    fn unsent(&self) -> usize {
        self.outbox.lock().unwrap().len()
    }
}

impl Replica for Scripted {
    async fn generate(&self, _: String) -> Result<Option<Vec<u8>>, ReplicaError> {
        Ok(self.outbox.lock().unwrap().pop_front())
    }
    async fn receive(&self, _: String, _: Vec<u8>) -> Result<(), ReplicaError> {
        Ok(())
    }
    async fn reset(&self, _: String) -> Result<(), ReplicaError> {
        Ok(())
    }
    async fn resume(&self, _: String, _: String) -> Result<(), ReplicaError> {
        Ok(())
    }
    async fn save_state(&self, _: String, _: String) -> Result<(), ReplicaError> {
        Ok(())
    }
    async fn in_sync(&self, _: String) -> Result<bool, ReplicaError> {
        Ok(false)
    }
    async fn members(&self) -> Result<Vec<PeerRecord>, ReplicaError> {
        Ok(Vec::new())
    }
    async fn upsert_member(&self, _: PeerRecord) -> Result<(), ReplicaError> {
        Ok(())
    }
    async fn check_invite(
        &self,
        _: crate::InviteFor,
    ) -> Result<Option<crate::wire::PersonInfo>, ReplicaError> {
        Ok(None)
    }
    async fn admit(&self, _: PeerRecord, _: crate::InviteFor) -> Result<(), ReplicaError> {
        Ok(())
    }
    async fn adopt_journal(
        &self,
        _: String,
        _: Option<crate::wire::PersonInfo>,
    ) -> Result<(), ReplicaError> {
        Ok(())
    }
    async fn load_invitations(&self) -> Result<Option<Vec<u8>>, ReplicaError> {
        Ok(None)
    }
    async fn save_invitations(&self, _: Vec<u8>) -> Result<(), ReplicaError> {
        Ok(())
    }
    fn changes(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }
}

struct NoEvents;

impl SessionEvents for NoEvents {
    fn seen(&self, _: &EndpointId) {}
    fn synced(&self, _: &EndpointId) {}
    fn traffic(&self, _: &EndpointId, _: usize, _: usize) {}
}

/// Takes the stream and holds it open without ever reading from it.
#[derive(Debug, Clone)]
struct Silent;

impl ProtocolHandler for Silent {
    async fn accept(&self, conn: Connection) -> Result<(), AcceptError> {
        let _halves = conn.accept_bi().await?;
        conn.closed().await;
        Ok(())
    }
}

/// A silent peer and a connection to it with its stream opened.
async fn silent_peer() -> (Router, iroh::Endpoint, Connection, FrameStream) {
    let gate = MemberGate::default();
    let server = Router::builder(
        build(SecretKey::generate(), &NetConfig::loopback(), gate.clone())
            .await
            .unwrap(),
    )
    .accept(SYNC_ALPN, Silent)
    .spawn();
    let client = build(
        SecretKey::generate(),
        &NetConfig::loopback(),
        MemberGate::default(),
    )
    .await
    .unwrap();
    gate.allow(client.id());
    let conn = client
        .connect(server.endpoint().addr(), SYNC_ALPN)
        .await
        .unwrap();
    let (send, recv) = conn.open_bi().await.unwrap();
    (server, client, conn, FrameStream::new(send, recv))
}

/// Far more than a QUIC stream window (~1.25 MB): the send cannot complete while the peer
/// does not read.
const WINDOWS: usize = 4 * 1024 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancellation_reaches_a_session_blocked_mid_send() {
    let (server, client, conn, stream) = silent_peer().await;
    let replica = Scripted::new([vec![7u8; WINDOWS]]);
    let cancel = CancellationToken::new();
    let session = run(
        &replica,
        &NoEvents,
        &conn,
        stream,
        cancel.clone(),
        "peer/1",
        Duration::from_secs(3600),
    );
    tokio::pin!(session);
    // The writer took the message and is stuck sending it.
    let waited = tokio::time::timeout(Duration::from_millis(500), &mut session).await;
    assert!(waited.is_err(), "the session ended on its own: {waited:?}");
    assert_eq!(replica.unsent(), 0);
    cancel.cancel();
    let ended = tokio::time::timeout(Duration::from_secs(5), session)
        .await
        .expect("cancellation must end a session blocked mid-send");
    assert!(ended.result.is_ok(), "{ended:?}");
    // Nothing was ever delivered: this session made no progress.
    assert!(!ended.progressed);
    conn.close(0u32.into(), b"done");
    client.close().await;
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_that_moves_nothing_while_the_devices_differ_is_torn_down() {
    let (server, client, conn, stream) = silent_peer().await;
    // Writing blocks (the peer never reads) and nothing ever arrives.
    let replica = Scripted::new([vec![7u8; WINDOWS]]);
    let ended = tokio::time::timeout(
        Duration::from_secs(10),
        run(
            &replica,
            &NoEvents,
            &conn,
            stream,
            CancellationToken::new(),
            "peer/1",
            Duration::from_millis(300),
        ),
    )
    .await
    .expect("the watchdog must end a stalled session");
    let err = ended.result.expect_err("a stall is a failure");
    assert!(err.to_string().contains("nothing moved"), "{err}");
    assert!(!ended.progressed);
    conn.close(0u32.into(), b"done");
    client.close().await;
    server.shutdown().await.unwrap();
}
