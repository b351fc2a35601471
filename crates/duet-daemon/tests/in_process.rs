//! The daemon run in-process on a temp socket (mini-redis style): `server::run` with a
//! listener the test bound, driven by the real client, shut down gracefully.

use std::sync::Arc;

use duet_daemon::config::Config;
use duet_daemon::init::{InitOptions, NetOptions, Passphrase, init};
use duet_daemon::server;
use duet_daemon::state::Daemon;
use duet_proto::{Client, ClientError, ErrorCode, Home, NoteAdd, NoteList, Request, Response};

fn home(dir: &std::path::Path) -> Home {
    let home = Home::new(dir.join("h"));
    init(
        &home,
        &InitOptions {
            person_name: "Alice".into(),
            device_name: Some("test".into()),
            passphrase: Passphrase::None,
            net: NetOptions {
                relay: "disabled".into(),
                listen: std::net::Ipv4Addr::LOCALHOST.into(),
                local_discovery: false,
                ..NetOptions::default()
            },
        },
    )
    .unwrap();
    home
}

async fn serve(home: &Home) -> (Arc<Daemon>, tokio::task::JoinHandle<()>) {
    let daemon = Arc::new(Daemon::new(
        home.clone(),
        Config::load(&home.config()).unwrap(),
    ));
    daemon.open(None).await.unwrap();
    let listener = tokio::net::UnixListener::bind(home.socket().unwrap()).unwrap();
    let task = tokio::spawn(server::run(listener, daemon.clone()));
    (daemon, task)
}

fn add(title: &str) -> Request {
    Request::NoteAdd(NoteAdd {
        title: title.into(),
        body: String::new(),
        tags: vec![],
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_clients_and_shuts_down_with_everything_durable() {
    let dir = tempfile::tempdir_in("/tmp").unwrap();
    let home = home(dir.path());
    let (daemon, task) = serve(&home).await;
    let socket = home.socket().unwrap();

    let mut a = Client::connect(&socket, "a").await.unwrap();
    let mut b = Client::connect(&socket, "b").await.unwrap();
    assert!(!a.hello().locked);
    assert!(matches!(
        a.call(&add("one")).await.unwrap(),
        Response::Created(_)
    ));
    assert!(matches!(
        b.call(&add("two")).await.unwrap(),
        Response::Created(_)
    ));
    // A refused request is an error response, and the connection goes on.
    match a.call(&add("  ")).await {
        Err(ClientError::Daemon(e)) => assert_eq!(e.code, ErrorCode::InvalidInput),
        other => panic!("{other:?}"),
    }
    let Response::Notes(list) = b
        .call(&Request::NoteList(NoteList::default()))
        .await
        .unwrap()
    else {
        panic!("not a listing");
    };
    assert_eq!(list.items.len(), 2);

    // Shutdown: the request is answered, the server returns, the engine is closed.
    assert!(matches!(
        a.call(&Request::Shutdown).await.unwrap(),
        Response::Done
    ));
    tokio::time::timeout(std::time::Duration::from_secs(15), task)
        .await
        .expect("server did not stop")
        .unwrap();
    assert!(daemon.is_locked().await);
    drop(daemon);

    // A fresh daemon on the same home finds both notes.
    std::fs::remove_file(&socket).unwrap();
    let (daemon, task) = serve(&home).await;
    let mut c = Client::connect(&socket, "c").await.unwrap();
    let Response::Notes(list) = c
        .call(&Request::NoteList(NoteList::default()))
        .await
        .unwrap()
    else {
        panic!("not a listing");
    };
    let titles: Vec<_> = list.items.iter().map(|n| n.title.as_str()).collect();
    assert_eq!(titles, ["one", "two"]);
    daemon.shutdown_token().cancel();
    task.await.unwrap();
}
