//! Keeping other local users out: the home's permissions, a socket that is private from the
//! moment it exists, and the peer-credential check on every connection. Each one fails
//! closed: when something cannot be checked, the answer is no.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use anyhow::{Context, bail};
use tokio::net::UnixListener;

/// Refuses a home that other users can read, write or enter, or that belongs to someone
/// else. The key file is 0600, but a home others can write lets them replace the socket or
/// the store, and one they can read shows its file names and sizes.
pub(crate) fn check_home_private(root: &Path) -> anyhow::Result<()> {
    let meta = std::fs::metadata(root)
        .with_context(|| format!("cannot read the permissions of {}", root.display()))?;
    let me = nix::unistd::getuid().as_raw();
    if meta.uid() != me {
        bail!(
            "{} belongs to uid {}, not to this user (uid {me}); refusing to serve a home another user owns",
            root.display(),
            meta.uid()
        );
    }
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        bail!(
            "{} is open to other users (mode {mode:03o}); refusing to start: make it private with `chmod 700 {}`",
            root.display(),
            root.display()
        );
    }
    Ok(())
}

/// Whether a connection may go on, given what the kernel said about its peer. A peer whose
/// credentials cannot be read is refused, like one of another user: the check exists to keep
/// others out, and a check that cannot be made keeps no one out.
pub(crate) fn peer_allowed(
    cred: std::io::Result<tokio::net::unix::UCred>,
    own_uid: u32,
) -> Result<(), String> {
    match cred {
        Ok(c) if c.uid() == own_uid => Ok(()),
        Ok(c) => Err(format!("peer uid {} is not this user's", c.uid())),
        Err(e) => Err(format!("cannot read the peer's credentials: {e}")),
    }
}

/// Binds the daemon's socket at `path` so that it is never reachable by another user, not
/// even for an instant.
///
/// `bind` creates the socket file with the process umask, and a `chmod` afterwards leaves a
/// window in which another user could connect. Changing the umask is process-wide and would
/// race with other threads creating files (the engine, the log). Instead the socket is bound
/// inside a fresh directory in the home, created with mode 0700 by `mkdir` itself, where
/// no one else can reach it whatever its mode; it is made 0600 there, then renamed into
/// place, which is atomic on one file system. A connected listener keeps working across the
/// rename. The temporary name is no longer than the final one, so the path-length check on
/// the final path covers it.
pub(crate) fn bind_private(path: &Path) -> anyhow::Result<UnixListener> {
    let dir = path
        .parent()
        .ok_or_else(|| anyhow::anyhow!("the socket path {} has no directory", path.display()))?;
    let private = tempfile::Builder::new()
        .prefix(".s")
        .rand_bytes(6)
        .permissions(std::fs::Permissions::from_mode(0o700))
        .tempdir_in(dir)
        .with_context(|| format!("cannot create a private directory in {}", dir.display()))?;
    let staged = private.path().join("s");
    let listener = UnixListener::bind(&staged)
        .with_context(|| format!("cannot listen on {}", path.display()))?;
    std::fs::set_permissions(&staged, std::fs::Permissions::from_mode(0o600))
        .with_context(|| format!("cannot make {} private", path.display()))?;
    std::fs::rename(&staged, path)
        .with_context(|| format!("cannot move the socket into place at {}", path.display()))?;
    Ok(listener)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_peer_whose_uid_cannot_be_read_is_refused() {
        let err = std::io::Error::from_raw_os_error(nix::libc::ENOTCONN);
        let why = peer_allowed(Err(err), 1000).unwrap_err();
        assert!(why.contains("cannot read the peer's credentials"), "{why}");
    }

    #[tokio::test]
    async fn only_the_same_user_is_allowed() {
        let (a, _b) = tokio::net::UnixStream::pair().unwrap();
        let me = nix::unistd::getuid().as_raw();
        assert!(peer_allowed(a.peer_cred(), me).is_ok());
        let why = peer_allowed(a.peer_cred(), me.wrapping_add(1)).unwrap_err();
        assert!(why.contains("is not this user's"), "{why}");
    }

    #[test]
    fn a_home_others_can_reach_is_refused_with_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        check_home_private(dir.path()).unwrap();
        for mode in [0o755, 0o701, 0o770, 0o707, 0o777] {
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(mode)).unwrap();
            let e = check_home_private(dir.path()).unwrap_err().to_string();
            assert!(e.contains(&format!("mode {mode:03o}")), "{e}");
            assert!(e.contains("chmod 700"), "{e}");
        }
    }

    #[tokio::test]
    async fn the_socket_is_private_and_no_staging_dir_is_left() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("duetd.sock");
        let listener = bind_private(&path).unwrap();
        let mode = std::fs::symlink_metadata(&path)
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        // The listener still answers at the final path after the rename.
        let client = tokio::net::UnixStream::connect(&path);
        let (accepted, connected) = tokio::join!(listener.accept(), client);
        accepted.unwrap();
        connected.unwrap();
    }
}
