//! Files the user names for the CLI to write (`backup create FILE`, `export -o FILE`).
//!
//! They are written by this process, so they land where the user sees them (a daemon under
//! systemd's `PrivateTmp=` has its own `/tmp`), never inside the home (where a backup named
//! `journal.redb` or `keys/device.key` would destroy the journal or the key), and never over
//! an existing file unless `--force` says so.

use std::path::{Path, PathBuf};

use anyhow::Context;
use duet_proto::{Home, Overwrite};

use crate::UsageError;

/// A checked output path: absolute, outside the home, and free unless forced.
pub(crate) struct Target {
    path: PathBuf,
    force: bool,
}

impl Target {
    /// Checks `path` before any work is done, so a refusal costs nothing.
    pub(crate) fn check(home: &Home, path: &Path, force: bool) -> anyhow::Result<Self> {
        let path = absolute(path)?;
        if home.contains(&path) {
            return Err(UsageError(format!(
                "{} is inside the duet home {}; writing there could destroy the journal or its keys: choose a path outside it",
                path.display(),
                home.root().display()
            ))
            .into());
        }
        if path.is_dir() {
            return Err(UsageError(format!("{} is a directory", path.display())).into());
        }
        if let Some(dir) = path.parent()
            && !dir.is_dir()
        {
            return Err(UsageError(format!("there is no directory {}", dir.display())).into());
        }
        if !force && std::fs::symlink_metadata(&path).is_ok() {
            return Err(UsageError(format!(
                "{} already exists; pass --force to replace it",
                path.display()
            ))
            .into());
        }
        Ok(Self { path, force })
    }

    /// The absolute path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Writes the file privately (0600) and atomically. Without `--force`, a file that
    /// appeared since [`Target::check`] is still not replaced.
    pub(crate) fn write(&self, bytes: &[u8]) -> anyhow::Result<()> {
        let overwrite = if self.force {
            Overwrite::Replace
        } else {
            Overwrite::Refuse
        };
        match duet_proto::write_private_atomic(&self.path, bytes, overwrite) {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(UsageError(format!(
                "{} already exists; pass --force to replace it",
                self.path.display()
            ))
            .into()),
            r => r.with_context(|| format!("cannot write {}", self.path.display())),
        }
    }
}

/// `path` made absolute against the current directory.
pub(crate) fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    if path.is_absolute() {
        return Ok(path.to_owned());
    }
    Ok(std::env::current_dir()
        .context("cannot read the current directory")?
        .join(path))
}
