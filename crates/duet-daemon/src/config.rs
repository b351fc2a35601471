//! The non-secret settings of a device, in `<home>/config.toml`.
//!
//! Nothing a user wrote goes here: names live in the encrypted journal. This file holds only
//! random ids and settings, so it can stay readable without the key.

use std::path::Path;

use serde::{Deserialize, Serialize};

/// Why the config file could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is not valid config.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// A device's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// This device's id: random, assigned at `duet init`, the `author` of what it writes.
    pub device_id: String,
    /// The id of the person this device belongs to.
    pub person_id: String,
    /// The journal this device keeps (also in the store; here so a locked daemon can say).
    pub journal_id: String,
    /// Relays: `default` (n0's public relays and DNS lookup), `disabled`, or a relay URL.
    #[serde(default = "default_relay")]
    pub relay: String,
    /// The UDP port to listen on; 0 picks a free one at each start.
    #[serde(default)]
    pub port: u16,
    /// The address to listen on.
    #[serde(default = "default_listen")]
    pub listen: std::net::IpAddr,
    /// Find devices on the local network (mDNS).
    #[serde(default = "default_true")]
    pub local_discovery: bool,
}

fn default_relay() -> String {
    "default".into()
}

fn default_listen() -> std::net::IpAddr {
    std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)
}

fn default_true() -> bool {
    true
}

impl Config {
    /// Reads the config file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Parses a config file's text; `path` only names it in errors. Separate from [`load`]
    /// so the parser can be fuzzed without files (`fuzz/fuzz_targets/config_toml.rs`).
    ///
    /// [`load`]: Config::load
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        toml::from_str(text).map_err(|e| {
            // `path:line:column: message`, as compilers say it, so an editor can jump there.
            let at = e.span().map_or(String::new(), |span| {
                // Never slice inside a character, whatever span the parser reports.
                let cut = (0..=span.start.min(text.len()))
                    .rev()
                    .find(|&i| text.is_char_boundary(i))
                    .unwrap_or(0);
                let before = &text[..cut];
                let line = before.matches('\n').count() + 1;
                let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                format!(":{line}:{column}")
            });
            ConfigError::Parse {
                path: format!("{}{at}", path.display()),
                message: e.message().trim().to_owned(),
            }
        })
    }

    /// Writes the config file (mode 0600).
    pub fn save(&self, path: &Path) -> Result<(), ConfigError> {
        let text = toml::to_string(self).map_err(|e| ConfigError::Parse {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        crate::init::write_private(path, text.as_bytes()).map_err(|source| ConfigError::Io {
            path: path.display().to_string(),
            source,
        })
    }
}

/// A running daemon's config: held in memory, shared by everything that reads or changes it
/// (pairing changes the journal id, the first start remembers the port), and written through
/// to the file on every change, so nobody re-reads the file to stay current.
#[derive(Debug, Clone)]
pub struct SharedConfig {
    path: std::path::PathBuf,
    inner: std::sync::Arc<std::sync::RwLock<Config>>,
}

impl SharedConfig {
    /// Wraps a loaded config and the file it lives in.
    pub fn new(path: std::path::PathBuf, config: Config) -> Self {
        Self {
            path,
            inner: std::sync::Arc::new(std::sync::RwLock::new(config)),
        }
    }

    /// The current config.
    pub fn get(&self) -> Config {
        self.inner
            .read()
            .map(|c| c.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    /// Changes the config: the file first (atomically), then memory, so the two agree
    /// whether or not the write succeeds.
    pub fn update(&self, change: impl FnOnce(&mut Config)) -> Result<(), ConfigError> {
        let mut next = self.get();
        change(&mut next);
        next.save(&self.path)?;
        match self.inner.write() {
            Ok(mut c) => *c = next,
            Err(p) => *p.into_inner() = next,
        }
        Ok(())
    }
}
