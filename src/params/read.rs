//! Reading a parameter file's bytes: a path, the tutorial's Windows path,
//! or stdin (`-`), never more than `MAX_FILE_BYTES`.
//!
//! The cap keeps `runcws createi /dev/zero` (or a huge file) from eating
//! memory: at most one byte past it is read, so an endless source ends at
//! once. The emulator refuses bodies over 64 KiB anyway.

use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::error::BadInput;

/// The largest parameter file read: 1 MiB.
pub(crate) const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// Reads `arg` (a path or `-`); returns the name to use in messages and
/// the bytes.
pub(super) fn read_bytes(arg: &str) -> Result<(String, Vec<u8>), BadInput> {
    if arg == "-" {
        let name = "<stdin>".to_string();
        let reading = |e| BadInput::caused_by("reading parameters from stdin", e);
        let bytes = read_capped(io::stdin().lock(), &name, reading)?;
        return Ok((name, bytes));
    }
    let path = find_file(arg);
    let name = path.display().to_string();
    if path.is_dir() {
        return Err(BadInput::new(format!(
            "parameter file {name} is a directory: give a JSON file"
        )));
    }
    let reading = |e| BadInput::caused_by(format!("reading parameter file {name}"), e);
    let file = std::fs::File::open(&path).map_err(reading)?;
    let bytes = read_capped(file, &name, reading)?;
    Ok((name, bytes))
}

/// Reads all of `source` (named `name`), refusing it once it holds more
/// than `MAX_FILE_BYTES`; `reading` describes an I/O error.
fn read_capped(
    source: impl Read,
    name: &str,
    reading: impl FnOnce(io::Error) -> BadInput,
) -> Result<Vec<u8>, BadInput> {
    let mut bytes = Vec::new();
    source
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(reading)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(BadInput::new(format!(
            "parameter file {name} is larger than {} MiB, the most runcws reads",
            MAX_FILE_BYTES / 1024 / 1024
        )));
    }
    Ok(bytes)
}

/// `arg` itself if it exists, else with backslashes read as slashes (the
/// tutorial typed `demo\kp.create.json`).
fn find_file(arg: &str) -> PathBuf {
    let literal = Path::new(arg);
    if literal.exists() || !arg.contains('\\') {
        return literal.to_path_buf();
    }
    let slashed = PathBuf::from(arg.replace('\\', "/"));
    if slashed.exists() {
        tracing::debug!("reading {arg:?} as {}", slashed.display());
        return slashed;
    }
    literal.to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fault: `runcws createi /dev/zero` read until memory ran out.
    #[test]
    fn an_endless_or_huge_source_is_refused_at_the_cap() {
        let endless = io::repeat(b' ');
        let err = read_capped(endless, "/dev/zero", |e| BadInput::caused_by("x", e)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "parameter file /dev/zero is larger than 1 MiB, the most runcws reads"
        );
        let exact = vec![b' '; MAX_FILE_BYTES as usize];
        let read = read_capped(&exact[..], "f", |e| BadInput::caused_by("x", e)).unwrap();
        assert_eq!(read.len(), exact.len());
    }
}
