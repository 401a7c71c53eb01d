//! The config file: `config.toml` in the user's config directory.
//!
//! ```toml
//! version = 1
//!
//! [profiles.default]
//! endpoint = "http://127.0.0.1:7780/api"
//! user = "63a25f81-15dd-481e-a4d4-c5ed9a80f93a"
//! password = "…"
//! ```
//!
//! Unknown keys are ignored, so a file from a newer runcws still works.
//! The directory comes from the `directories` crate, so `HOME` and
//! `XDG_CONFIG_HOME` move it.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::BadInput;

/// The newest config format this runcws knows.
const VERSION: u32 = 1;

/// The parsed config file.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ConfigFile {
    #[serde(default)]
    version: Option<u32>,
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
}

/// One named set of settings.
#[derive(Debug, Default, Clone, Deserialize)]
pub(crate) struct Profile {
    pub(crate) endpoint: Option<String>,
    pub(crate) user: Option<String>,
    pub(crate) password: Option<String>,
}

impl ConfigFile {
    /// The `default` profile, empty if the file has none.
    pub(crate) fn default_profile(&self) -> Profile {
        self.profiles.get("default").cloned().unwrap_or_default()
    }
}

/// The config file's path, if the user has a home directory.
pub(crate) fn path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "runcws").map(|d| d.config_dir().join("config.toml"))
}

/// The config file's path for messages.
pub(crate) fn describe_path() -> String {
    match path() {
        Some(path) => path.display().to_string(),
        None => "the config file".to_string(),
    }
}

/// Reads the config file; `None` if there is none.
pub(crate) fn load() -> Result<Option<ConfigFile>, BadInput> {
    let Some(path) = path() else {
        tracing::debug!("no home directory: no config file");
        return Ok(None);
    };
    load_from(&path)
}

/// Reads the config file at `path`; `None` if it does not exist.
pub(crate) fn load_from(path: &Path) -> Result<Option<ConfigFile>, BadInput> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            let what = format!("reading config file {}", path.display());
            return Err(BadInput::caused_by(what, e));
        }
    };
    let file = parse(path, &text)?;
    tracing::debug!(path = %path.display(), "read config file");
    if file.version.is_some_and(|v| v > VERSION) {
        tracing::warn!(
            "config file {} is from a newer runcws; using the settings this one knows",
            path.display()
        );
    }
    warn_if_readable_by_others(path, &file);
    Ok(Some(file))
}

/// Parses the text of the config file at `path`.
fn parse(path: &Path, text: &str) -> Result<ConfigFile, BadInput> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    toml::from_str(text).map_err(|e| {
        let (line, column) = e
            .span()
            .map(|span| line_column(text, span.start))
            .unwrap_or((1, 1));
        BadInput::new(format!(
            "config file {}:{line}:{column}: {}: fix it, or delete it to start over",
            path.display(),
            e.message()
        ))
    })
}

/// 1-based line and column of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path, file: &ConfigFile) {
    use std::os::unix::fs::PermissionsExt as _;

    let has_password = file.profiles.values().any(|p| p.password.is_some());
    let Ok(meta) = fs::metadata(path) else {
        return;
    };
    if has_password && meta.permissions().mode() & 0o077 != 0 {
        tracing::warn!(
            "config file {} holds a password but others can read it: run chmod 600 on it",
            path.display()
        );
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_path: &Path, _file: &ConfigFile) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_default_profile_and_ignores_unknown_keys() {
        let text = "\u{feff}version = 1\nfuture = true\n[profiles.default]\n\
                    endpoint = \"http://127.0.0.1:1/api\"\nuser = \"u\"\ncolor = \"x\"\n";
        let file = parse(Path::new("c.toml"), text).unwrap();
        let profile = file.default_profile();
        assert_eq!(profile.endpoint.as_deref(), Some("http://127.0.0.1:1/api"));
        assert_eq!(profile.user.as_deref(), Some("u"));
        assert_eq!(profile.password, None);
    }

    #[test]
    fn a_broken_file_is_named_with_its_position_and_the_fix() {
        let err = parse(
            Path::new("/x/config.toml"),
            "version = 1\n[profiles.default\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("config file /x/config.toml:2:"), "{err}");
        assert!(err.contains("delete it to start over"), "{err}");
    }

    #[test]
    fn a_missing_file_is_no_file() {
        let dir = tempfile::tempdir().unwrap();
        assert!(load_from(&dir.path().join("config.toml"))
            .unwrap()
            .is_none());
    }

    #[test]
    fn line_column_counts_from_one() {
        assert_eq!(line_column("ab\ncd", 4), (2, 2));
        assert_eq!(line_column("", 0), (1, 1));
    }
}
