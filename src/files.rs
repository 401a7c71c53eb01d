//! Owner-only files of the client: folders made 0700, files 0600, replaced
//! atomically (a temp file in the same folder, fsync, rename, fsync of the
//! folder) and changed under an advisory lock on a sibling `.lock` file.
//! The state file and the config file both go through here.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::Path;

use anyhow::Context as _;

/// The folder holding `path` (`.` for a bare file name).
pub(crate) fn folder(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// Options that create a file owner-only.
pub(crate) fn private_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

/// Creates `dir` (and its parents) owner-only.
pub(crate) fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Takes the exclusive lock on `PATH.lock`, creating it owner-only; it is
/// released when the returned file drops.
pub(crate) fn lock_beside(path: &Path) -> anyhow::Result<File> {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    let lock_path = folder(path).join(name);
    let file = private_options()
        .write(true)
        .truncate(false)
        .open(&lock_path)
        .with_context(|| format!("opening lock file {}", lock_path.display()))?;
    file.lock()
        .with_context(|| format!("locking {}", lock_path.display()))?;
    Ok(file)
}

/// Replaces `path` with `bytes` atomically and durably, owner-only (temp
/// files start with `prefix`).
pub(crate) fn replace_private(path: &Path, prefix: &str, bytes: &[u8]) -> io::Result<()> {
    let dir = folder(path);
    create_private_dir(dir)?;
    // tempfile creates its files 0600.
    let mut temp = tempfile::Builder::new().prefix(prefix).tempfile_in(dir)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    sync_dir(dir);
    Ok(())
}

/// Makes a rename durable; best effort, as not every system allows it.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replaced_file_is_whole_and_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/f.json");
        replace_private(&path, ".f-", b"one").unwrap();
        replace_private(&path, ".f-", b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(&dir.path().join("sub")), 0o700);
        }
        let _lock = lock_beside(&path).unwrap();
        assert!(dir.path().join("sub/f.json.lock").exists());
    }
}
