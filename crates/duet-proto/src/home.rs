//! The layout of a duet home directory, shared by the CLI and the daemon so they never
//! disagree about where the socket or the store is.

use std::path::{Path, PathBuf};

/// Unix socket paths longer than this do not fit `sockaddr_un` on Linux (108 bytes, with
/// the trailing NUL).
const MAX_SOCKET_PATH: usize = 107;

/// Why a home directory cannot be used.
#[derive(Debug)]
#[non_exhaustive]
pub enum HomeError {
    /// No home was given and the platform has no data directory for this user.
    NoDefault,
    /// The socket path would be longer than a Unix socket address can hold.
    SocketPathTooLong(PathBuf),
}

impl std::fmt::Display for HomeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HomeError::NoDefault => write!(
                f,
                "no home directory: pass --home DIR or set DUET_HOME (the platform has no data dir)"
            ),
            HomeError::SocketPathTooLong(p) => write!(
                f,
                "the socket path {} is longer than {MAX_SOCKET_PATH} bytes; use a shorter --home",
                p.display()
            ),
        }
    }
}

impl std::error::Error for HomeError {}

/// A duet home: one directory holding a device's keys, store, socket and logs.
///
/// Every path the programs use is derived from the root here, so moving a home is moving one
/// directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Home {
    root: PathBuf,
}

impl Home {
    /// A home rooted at `root` (which need not exist yet).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The home given on the command line (`explicit`), else in `DUET_HOME`, else the
    /// platform's per-user data directory for duet. An empty `DUET_HOME` counts as unset, as
    /// an empty `XDG_DATA_HOME` does.
    #[cfg(feature = "client")]
    pub fn resolve(explicit: Option<PathBuf>) -> Result<Self, HomeError> {
        let from_env = std::env::var_os("DUET_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        if let Some(root) = explicit.or(from_env) {
            return Ok(Self::new(root));
        }
        directories::ProjectDirs::from("", "", "duet")
            .map(|dirs| Self::new(dirs.data_dir()))
            .ok_or(HomeError::NoDefault)
    }

    /// The home directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The daemon's Unix socket, checked against the platform's path-length limit.
    pub fn socket(&self) -> Result<PathBuf, HomeError> {
        let path = self.root.join("duetd.sock");
        if path.as_os_str().len() > MAX_SOCKET_PATH {
            return Err(HomeError::SocketPathTooLong(path));
        }
        Ok(path)
    }

    /// The lock file a running daemon holds an exclusive lock on; it contains the daemon's pid.
    pub fn lock_file(&self) -> PathBuf {
        self.root.join("duetd.lock")
    }

    /// Where a backgrounded daemon writes its log.
    pub fn log_file(&self) -> PathBuf {
        self.root.join("duetd.log")
    }

    /// The directory holding the device's key files.
    pub fn keys_dir(&self) -> PathBuf {
        self.root.join("keys")
    }

    /// The device's age identity: a standard age identity file, or one encrypted to a
    /// passphrase (both forms are accepted by `age -d -i`).
    pub fn device_key(&self) -> PathBuf {
        self.keys_dir().join("device.key")
    }

    /// The device's network (iroh endpoint) secret key, sealed with age to the device key.
    pub fn endpoint_key(&self) -> PathBuf {
        self.keys_dir().join("endpoint.age")
    }

    /// The encrypted redb store.
    pub fn store(&self) -> PathBuf {
        self.root.join("journal.redb")
    }

    /// Non-secret settings of this device (TOML).
    pub fn config(&self) -> PathBuf {
        self.root.join("config.toml")
    }

    /// Whether `path` (existing or not) is inside this home once symlinks are resolved: a
    /// backup or export written there could replace the live store or the device key, so
    /// the CLI refuses such targets. A home that does not exist yet contains nothing.
    pub fn contains(&self, path: &Path) -> bool {
        let Ok(root) = self.root.canonicalize() else {
            return false;
        };
        let resolved = match path.canonicalize() {
            Ok(p) => p,
            // Not there yet: resolve its directory instead.
            Err(_) => {
                let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
                    return false;
                };
                let parent = if parent.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    parent
                };
                match parent.canonicalize() {
                    Ok(p) => p.join(name),
                    Err(_) => return false,
                }
            }
        };
        resolved.starts_with(root)
    }

    /// Whether this home has been initialised (`duet init` ran to completion).
    pub fn is_initialised(&self) -> bool {
        self.store().exists() && self.device_key().exists()
    }
}
