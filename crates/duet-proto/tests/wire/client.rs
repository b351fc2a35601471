//! The client against a scripted daemon: responses larger than a request may be, and the
//! home check of the handshake.

use duet_proto::{
    Client, ClientError, HelloReply, MAX_FRAME_BYTES, PROTOCOL_VERSION, Request, Response, codec,
};
use futures::{SinkExt, StreamExt};
use tokio::net::UnixListener;
use tokio_util::bytes::Bytes;
use tokio_util::codec::Framed;

/// Serves one connection: answers `hello` with `home`, then answers one request with a
/// `document` response of `size` base64 bytes.
async fn fake_daemon(listener: UnixListener, home: Option<String>, size: usize) {
    let (stream, _) = listener.accept().await.unwrap();
    let mut framed = Framed::new(stream, codec());
    framed.next().await.unwrap().unwrap();
    let hello = Response::Hello(HelloReply {
        version: PROTOCOL_VERSION,
        daemon_version: "test".into(),
        pid: 1,
        locked: false,
        home,
    });
    framed
        .send(Bytes::from(serde_json::to_vec(&hello).unwrap()))
        .await
        .unwrap();
    let Some(Ok(_)) = framed.next().await else {
        return;
    };
    let big = format!(
        "{{\"type\":\"document\",\"automerge_base64\":\"{}\"}}",
        "A".repeat(size)
    );
    framed
        .codec_mut()
        .set_max_frame_length(duet_proto::MAX_RESPONSE_BYTES);
    framed.send(Bytes::from(big)).await.unwrap();
}

#[tokio::test]
async fn a_response_larger_than_any_request_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("duetd.sock");
    let listener = UnixListener::bind(&socket).unwrap();
    let home = dir.path().canonicalize().unwrap().display().to_string();
    let size = MAX_FRAME_BYTES + 1024;
    let server = tokio::spawn(fake_daemon(listener, Some(home), size));
    let mut client = Client::connect(&socket, "test").await.unwrap();
    match client.call(&Request::ExportDocument).await.unwrap() {
        Response::Document(d) => assert_eq!(d.automerge_base64.len(), size),
        other => panic!("{other:?}"),
    }
    server.await.unwrap();
}

#[tokio::test]
async fn a_daemon_of_another_home_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("duetd.sock");
    let listener = UnixListener::bind(&socket).unwrap();
    let server = tokio::spawn(fake_daemon(listener, Some("/elsewhere".into()), 0));
    match Client::connect(&socket, "test").await {
        Err(ClientError::WrongHome { daemon_home, .. }) => assert_eq!(daemon_home, "/elsewhere"),
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("connected to another home's daemon"),
    }
    server.abort();
}
