//! The member gate on real iroh endpoints over loopback (no relays, no discovery): a device
//! that was never paired is cut off after the TLS handshake and never reads a journal byte;
//! a member on the same path does.

use duet_sync::access::MemberGate;
use duet_sync::endpoint::{NetConfig, build};
use duet_sync::{SYNC_ALPN, SecretKey};
use iroh::endpoint::Connection;
use iroh::protocol::{AcceptError, ProtocolHandler, Router};

const JOURNAL_BYTES: &[u8] = b"pretend these are automerge sync messages";

#[derive(Debug, Clone)]
struct Serve;

impl ProtocolHandler for Serve {
    async fn accept(&self, conn: Connection) -> Result<(), AcceptError> {
        let (mut send, mut recv) = conn.accept_bi().await?;
        let _ = recv.read_to_end(1024).await;
        let _ = send.write_all(JOURNAL_BYTES).await;
        let _ = send.finish();
        conn.closed().await;
        Ok(())
    }
}

/// Dials the journal's endpoint on the sync ALPN and returns what it could read.
async fn dial(server: &Router, client: &iroh::Endpoint) -> Result<Vec<u8>, String> {
    let conn = client
        .connect(server.endpoint().addr(), SYNC_ALPN)
        .await
        .map_err(|e| e.to_string())?;
    let (mut send, mut recv) = conn.open_bi().await.map_err(|e| e.to_string())?;
    send.write_all(b"hello").await.map_err(|e| e.to_string())?;
    send.finish().map_err(|e| e.to_string())?;
    let got = recv.read_to_end(1024).await.map_err(|e| {
        // The refusal's reason travels in the connection close, not the stream error.
        conn.close_reason()
            .map_or_else(|| e.to_string(), |r| r.to_string())
    });
    conn.close(0u32.into(), b"done");
    got
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_that_was_never_paired_gets_no_journal_byte() {
    let gate = MemberGate::default();
    let server_ep = build(SecretKey::generate(), &NetConfig::loopback(), gate.clone())
        .await
        .unwrap();
    let server = Router::builder(server_ep).accept(SYNC_ALPN, Serve).spawn();

    let stranger = build(
        SecretKey::generate(),
        &NetConfig::loopback(),
        MemberGate::default(),
    )
    .await
    .unwrap();
    let refused = dial(&server, &stranger).await;
    let err = refused.expect_err("a stranger must not read anything");
    assert!(err.contains("not a member"), "{err}");

    // The same dial from a member succeeds: the gate, not the setup, made the difference.
    let member = build(
        SecretKey::generate(),
        &NetConfig::loopback(),
        MemberGate::default(),
    )
    .await
    .unwrap();
    gate.allow(member.id());
    assert_eq!(dial(&server, &member).await.unwrap(), JOURNAL_BYTES);
    // And the stranger is still refused afterwards.
    assert!(dial(&server, &stranger).await.is_err());

    stranger.close().await;
    member.close().await;
    server.shutdown().await.unwrap();
}
