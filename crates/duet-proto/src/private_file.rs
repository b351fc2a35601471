//! Writing a private file whole or not at all: backups, exports and the files of a home.
//!
//! It lives here, next to the home layout, because both sides write such files: the CLI
//! writes the backups and exports a person names (so they land in the person's view of the
//! file system, not a sandboxed daemon's), and the daemon writes a home's files.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// What to do when the target already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overwrite {
    /// Replace it atomically.
    Replace,
    /// Fail with [`std::io::ErrorKind::AlreadyExists`], checked atomically at the rename, so
    /// a file created meanwhile is not lost either.
    Refuse,
}

/// Writes `bytes` to `path` with mode 0600, atomically: a temporary file next to it
/// (`tempfile`), fsync, rename over `path` (or link without clobbering), fsync the directory.
/// A crash leaves the old file or the new one, and a reader never sees a partial file under
/// the final name; a failure leaves no temporary file behind.
pub fn write_private_atomic(
    path: &Path,
    bytes: &[u8],
    overwrite: Overwrite,
) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => std::env::current_dir()?,
    };
    let name = path.file_name().ok_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, "the path names no file")
    })?;
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(name);
    prefix.push(".");
    let mut tmp = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".tmp")
        .permissions(std::fs::Permissions::from_mode(0o600))
        .tempfile_in(&dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    match overwrite {
        Overwrite::Replace => tmp.persist(path).map_err(|e| e.error)?,
        Overwrite::Refuse => tmp.persist_noclobber(path).map_err(|e| e.error)?,
    };
    std::fs::File::open(&dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_atomic_and_no_temp_file_left() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.age");
        write_private_atomic(&path, b"one", Overwrite::Refuse).unwrap();
        write_private_atomic(&path, b"two", Overwrite::Replace).unwrap();
        let e = write_private_atomic(&path, b"three", Overwrite::Refuse).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
