//! The layout of a duet home.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use duet_proto::{Home, HomeError};

/// Bytes `<root>/duetd.sock` may take: `sockaddr_un` holds 108 with the trailing NUL.
const LIMIT: usize = 107;
const SOCKET_NAME: &str = "/duetd.sock";

/// A root whose socket path is exactly `len` bytes long.
fn root_for_socket_len(len: usize) -> PathBuf {
    let root = format!(
        "/tmp/{}",
        "h".repeat(len - "/tmp/".len() - SOCKET_NAME.len())
    );
    assert_eq!(root.len() + SOCKET_NAME.len(), len);
    PathBuf::from(root)
}

#[test]
fn socket_path_at_the_limit_is_accepted() {
    let home = Home::new(root_for_socket_len(LIMIT));
    let socket = home.socket().expect("107 bytes fits");
    assert_eq!(socket.as_os_str().len(), LIMIT);
    assert_eq!(socket, home.root().join("duetd.sock"));
}

#[test]
fn socket_path_too_long_is_refused() {
    let home = Home::new(root_for_socket_len(LIMIT + 1));
    match home.socket() {
        Err(HomeError::SocketPathTooLong(path)) => {
            assert_eq!(path, home.root().join("duetd.sock"));
            let message = HomeError::SocketPathTooLong(path).to_string();
            assert!(message.contains("--home"), "{message}");
        }
        other => panic!("expected SocketPathTooLong, got {other:?}"),
    }
    let far_too_long = Home::new(format!("/{}", "x".repeat(300)));
    assert!(matches!(
        far_too_long.socket(),
        Err(HomeError::SocketPathTooLong(_))
    ));
}

fn every_path(home: &Home) -> Vec<(&'static str, PathBuf)> {
    vec![
        ("socket", home.socket().expect("short root")),
        ("lock_file", home.lock_file()),
        ("log_file", home.log_file()),
        ("keys_dir", home.keys_dir()),
        ("device_key", home.device_key()),
        ("endpoint_key", home.endpoint_key()),
        ("store", home.store()),
        ("config", home.config()),
    ]
}

#[test]
fn every_path_is_under_the_root_and_distinct() {
    let root = Path::new("/srv/duet/ana");
    let home = Home::new(root);
    assert_eq!(home.root(), root);
    let paths = every_path(&home);
    for (name, path) in &paths {
        assert!(
            path.starts_with(root) && path != root,
            "{name} = {} is not under the root",
            path.display()
        );
    }
    let distinct: BTreeSet<_> = paths.iter().map(|(_, p)| p).collect();
    assert_eq!(distinct.len(), paths.len(), "two paths coincide: {paths:?}");
    assert!(home.device_key().starts_with(home.keys_dir()));
    assert!(home.endpoint_key().starts_with(home.keys_dir()));
}

#[test]
fn the_layout_is_stable() {
    // Existing homes on disk depend on these names.
    let home = Home::new("/h");
    let layout: Vec<(&str, String)> = every_path(&home)
        .into_iter()
        .map(|(n, p)| (n, p.display().to_string()))
        .collect();
    assert_eq!(
        layout,
        [
            ("socket", "/h/duetd.sock"),
            ("lock_file", "/h/duetd.lock"),
            ("log_file", "/h/duetd.log"),
            ("keys_dir", "/h/keys"),
            ("device_key", "/h/keys/device.key"),
            ("endpoint_key", "/h/keys/endpoint.age"),
            ("store", "/h/journal.redb"),
            ("config", "/h/config.toml"),
        ]
        .map(|(n, p)| (n, p.to_owned()))
    );
}

#[test]
fn an_explicit_home_is_used_as_given() {
    let home = Home::resolve(Some(PathBuf::from("/given/home"))).expect("explicit home");
    assert_eq!(home, Home::new("/given/home"));
    assert!(!Home::new("/nonexistent/duet/home").is_initialised());
}
