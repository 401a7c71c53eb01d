//! The current requestId and instanceId, remembered between commands.
//!
//! One JSON file per endpoint and user (`{"version":1,"requestId":…,
//! "instanceId":…}`) in the user's state directory, or exactly the file
//! `--state` names. It is created 0600 in a 0700 folder and replaced
//! atomically (a temp file in the same folder, fsync, rename), so a kill at
//! any moment leaves the old or the new file. Read-modify-write happens
//! under an advisory lock on a sibling `.lock` file; readers take no lock,
//! so they never wait on a writer.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use md5::{Digest as _, Md5};
use serde::{Deserialize, Serialize};

use crate::error::{BadAnswer, BadInput};
use crate::files::{create_private_dir, folder, lock_beside, replace_private};

/// The state format this runcws writes.
const VERSION: u32 = 1;

/// The two current ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IdKind {
    Request,
    Instance,
}

impl fmt::Display for IdKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IdKind::Request => "requestId",
            IdKind::Instance => "instanceId",
        })
    }
}

/// The content of a state file.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Current {
    #[serde(default)]
    version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    request_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    instance_id: Option<String>,
    /// Fields of a newer format, kept as they were.
    #[serde(flatten)]
    other: serde_json::Map<String, serde_json::Value>,
}

impl Current {
    /// The current id of `kind`, if any.
    pub(crate) fn get(&self, kind: IdKind) -> Option<&str> {
        match kind {
            IdKind::Request => self.request_id.as_deref(),
            IdKind::Instance => self.instance_id.as_deref(),
        }
    }

    /// Sets the current id of `kind`; true if that changed it.
    fn set(&mut self, kind: IdKind, id: &str) -> bool {
        let slot = match kind {
            IdKind::Request => &mut self.request_id,
            IdKind::Instance => &mut self.instance_id,
        };
        if slot.as_deref() == Some(id) {
            return false;
        }
        *slot = Some(id.to_string());
        true
    }
}

/// The state file of one endpoint and user.
#[derive(Debug, Clone)]
pub(crate) struct StateFile {
    path: PathBuf,
}

impl StateFile {
    /// The state file at exactly `path`.
    pub(crate) fn at(path: PathBuf) -> StateFile {
        StateFile { path }
    }

    /// The default state file of `endpoint` and `user`, in the user's
    /// state directory (or data directory where there is none).
    pub(crate) fn for_account(endpoint: &str, user: &str) -> Result<StateFile, BadInput> {
        let dirs = directories::ProjectDirs::from("", "", "runcws").ok_or_else(|| {
            BadInput::new("no home directory for the state file: set HOME or pass --state FILE")
        })?;
        let dir = dirs.state_dir().unwrap_or(dirs.data_dir()).join("state");
        Ok(StateFile::at(
            dir.join(format!("{}.json", account_key(endpoint, user))),
        ))
    }

    /// Reads the current ids without locking; empty if there is no file.
    pub(crate) fn load(&self) -> Result<Current, BadInput> {
        let bytes = match fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Current::default()),
            Err(e) => {
                let what = format!("reading state file {}", self.path.display());
                return Err(BadInput::caused_by(what, e));
            }
        };
        parse(&self.path, &bytes)
    }

    /// Sets the given ids under the lock and reports those that changed,
    /// in the order given. Writes nothing, and takes no lock, when nothing
    /// would change, so that read-only commands never wait on a writer.
    /// An id that could not name one object (see `id_problem`) is refused
    /// as a `BadAnswer` and nothing is written.
    pub(crate) fn set(&self, ids: &[(IdKind, &str)]) -> anyhow::Result<Vec<IdKind>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        check_answer_ids(ids)?;
        let unlocked = self.load()?;
        if ids
            .iter()
            .all(|(kind, id)| unlocked.get(*kind) == Some(*id))
        {
            return Ok(Vec::new());
        }
        let dir = folder(&self.path);
        create_private_dir(dir)
            .with_context(|| format!("creating state folder {}", dir.display()))?;
        let _lock = lock_beside(&self.path)?;

        let mut current = self.load()?;
        let changed: Vec<IdKind> = ids
            .iter()
            .filter(|(kind, id)| current.set(*kind, id))
            .map(|(kind, _)| *kind)
            .collect();
        if !changed.is_empty() {
            current.version = current.version.max(VERSION);
            self.replace(&current)
                .with_context(|| format!("writing state file {}", self.path.display()))?;
        }
        Ok(changed)
    }

    /// Where the file is.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Forgets both current ids (keeping fields of newer formats). A
    /// corrupt file is replaced by an empty one: this is its remedy.
    pub(crate) fn reset(&self) -> anyhow::Result<()> {
        if !self.path.exists() {
            return Ok(());
        }
        let _lock = lock_beside(&self.path)?;
        let mut current = self.load().unwrap_or_else(|err| {
            tracing::warn!("{err}: replacing it");
            Current::default()
        });
        current.request_id = None;
        current.instance_id = None;
        current.version = current.version.max(VERSION);
        self.replace(&current)
            .with_context(|| format!("writing state file {}", self.path.display()))
    }

    /// Atomically replaces the file with `current`.
    fn replace(&self, current: &Current) -> io::Result<()> {
        let mut text = serde_json::to_vec_pretty(current)?;
        text.push(b'\n');
        replace_private(&self.path, ".state-", &text)
    }
}

/// Why `id` could not name one object, if it cannot: empty, too long,
/// `.` or `..`, or holding characters that would change the URL it goes
/// into or the terminal it is shown on.
pub(crate) fn id_problem(id: &str) -> Option<&'static str> {
    if id.trim().is_empty() {
        Some("is empty")
    } else if id.len() > 256 {
        Some("is longer than 256 characters")
    } else if id == "." || id == ".." {
        Some("is a dot segment")
    } else if id
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || "/?#%\\".contains(c))
    {
        Some("holds a space, a control character or one of / ? # % \\")
    } else {
        None
    }
}

/// `id` as a message shows it: quoted, escaped, at most 40 characters.
pub(crate) fn shown_id(id: &str) -> String {
    let head: String = id.chars().take(40).collect();
    let more = if id.chars().count() > 40 { "…" } else { "" };
    format!("\"{}\"{more}", head.escape_debug())
}

/// Refuses ids from an answer that could not name one object.
fn check_answer_ids(ids: &[(IdKind, &str)]) -> Result<(), BadAnswer> {
    let Some((kind, id, problem)) = ids
        .iter()
        .find_map(|(kind, id)| Some((kind, id, id_problem(id)?)))
    else {
        return Ok(());
    };
    Err(BadAnswer {
        message: format!(
            "the answer's {kind} {} {problem}: not recorded as current",
            shown_id(id)
        ),
    })
}

/// Parses and migrates the bytes of the state file at `path`.
fn parse(path: &Path, bytes: &[u8]) -> Result<Current, BadInput> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let current: Current = serde_json::from_slice(bytes).map_err(|e| {
        BadInput::new(format!(
            "state file {} is corrupt ({e}): run `runcws state reset`, or delete the \
             file, to forget the current ids",
            path.display()
        ))
    })?;
    Ok(migrate(current))
}

/// Brings an older format up to `VERSION`. A file without a version is
/// version 1 written by hand; a newer one is read as far as it is known,
/// and its unknown fields and version are kept.
fn migrate(mut current: Current) -> Current {
    if current.version == 0 {
        current.version = VERSION;
    }
    current
}

/// A short, stable name for an endpoint and user.
fn account_key(endpoint: &str, user: &str) -> String {
    let digest = Md5::digest(format!("{endpoint}\n{user}").as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests;
