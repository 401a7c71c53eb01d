//! The config file: `config.toml` in the user's config directory.
//!
//! ```toml
//! version = 1
//!
//! [profiles.default]
//! endpoint = "http://127.0.0.1:7780/api"
//! user = "63a25f81-15dd-481e-a4d4-c5ed9a80f93a"
//! password = "…"
//! connect_timeout = 10   # seconds
//! http_timeout = 60      # seconds, for each whole exchange
//! cacert = "/etc/ssl/private-ca.pem"
//! ```
//!
//! Unknown keys are ignored, so a file from a newer runcws still works;
//! `runcws configure` rewrites one profile and keeps every other key (but
//! not comments). The file is written owner-only, atomically, under an
//! advisory lock on a sibling `config.toml.lock`.
//! The directory comes from the `directories` crate, so `HOME` and
//! `XDG_CONFIG_HOME` move it.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

use crate::error::BadInput;
use crate::files::{create_private_dir, folder, lock_beside, replace_private};

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
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub(crate) struct Profile {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) endpoint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) user: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) password: Option<String>,
    /// Seconds to wait for a connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) connect_timeout: Option<f64>,
    /// Seconds to wait for one whole exchange.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) http_timeout: Option<f64>,
    /// PEM file of CA certificates to trust besides the system's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) cacert: Option<std::path::PathBuf>,
}

/// The profile used when none is named.
pub(crate) const DEFAULT_PROFILE: &str = "default";

impl ConfigFile {
    /// The `default` profile, empty if the file has none.
    pub(crate) fn default_profile(&self) -> Profile {
        self.profile(DEFAULT_PROFILE).unwrap_or_default()
    }

    /// The profile called `name`, if the file has it.
    pub(crate) fn profile(&self, name: &str) -> Option<Profile> {
        self.profiles.get(name).cloned()
    }
}

/// Writes `profile` as `[profiles.NAME]` into the config file, keeping the
/// file's other keys; returns the file's path.
pub(crate) fn save_profile(name: &str, profile: &Profile) -> anyhow::Result<PathBuf> {
    let path = path().ok_or_else(|| BadInput::new("no home directory for the config file"))?;
    save_profile_at(&path, name, profile)?;
    Ok(path)
}

/// Rewrites one profile under an advisory lock on a sibling `.lock` file,
/// so that parallel `configure` runs never lose each other's profiles.
fn save_profile_at(path: &Path, name: &str, profile: &Profile) -> anyhow::Result<()> {
    let dir = folder(path);
    create_private_dir(dir).with_context(|| format!("creating config folder {}", dir.display()))?;
    let _lock = lock_beside(path)?;
    let text = read_existing(path)?;
    let text = with_profile(path, &text, name, profile)?;
    replace_private(path, ".config-", text.as_bytes())
        .with_context(|| format!("writing config file {}", path.display()))
}

/// The text of the config file at `path`; empty if there is none.
fn read_existing(path: &Path) -> Result<String, BadInput> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(BadInput::caused_by(
            format!("reading config file {}", path.display()),
            e,
        )),
    }
}

/// `text` with `[profiles.NAME]` set to `profile`, other keys kept.
fn with_profile(path: &Path, text: &str, name: &str, profile: &Profile) -> anyhow::Result<String> {
    parse(path, text)?;
    let mut table: toml::Table = toml::from_str(text.trim_start_matches('\u{feff}'))
        .with_context(|| format!("reading config file {}", path.display()))?;
    table
        .entry("version")
        .or_insert(toml::Value::Integer(VERSION.into()));
    let profiles = table
        .entry("profiles")
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    let Some(profiles) = profiles.as_table_mut() else {
        return Err(BadInput::new(format!(
            "config file {}: `profiles` is not a table",
            path.display()
        ))
        .into());
    };
    profiles.insert(name.to_string(), toml::Value::try_from(profile)?);
    toml::to_string(&table).context("writing the config as TOML")
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
    fn saving_a_profile_keeps_the_others_and_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("runcws").join("config.toml");
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, "extra = 1\n[profiles.default]\nuser = \"a\"\n").unwrap();
        let profile = Profile {
            endpoint: Some("http://127.0.0.1:1/api".into()),
            user: Some("b".into()),
            password: None,
            ..Profile::default()
        };
        save_profile_at(&path, "staging", &profile).unwrap();
        let file = load_from(&path).unwrap().unwrap();
        assert_eq!(file.default_profile().user.as_deref(), Some("a"));
        assert_eq!(file.profile("staging").unwrap().user.as_deref(), Some("b"));
        assert!(fs::read_to_string(&path).unwrap().contains("extra = 1"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            assert_eq!(
                fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
    }

    #[test]
    fn line_column_counts_from_one() {
        assert_eq!(line_column("ab\ncd", 4), (2, 2));
        assert_eq!(line_column("", 0), (1, 1));
    }
}

/// Properties of the config parser (longer runs: `PROPTEST_CASES=N`).
#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_text_parses_or_names_a_position_in_it(text in "\\PC{0,80}|[a-z =\\[\\]\"\\n.]{0,80}") {
            if let Err(err) = parse(Path::new("/c.toml"), &text) {
                let message = err.to_string();
                let rest = message.strip_prefix("config file /c.toml:").unwrap();
                let line: usize = rest.split(':').next().unwrap().parse().unwrap();
                prop_assert!(line >= 1 && line <= text.lines().count().max(1) + 1, "{}", message);
            }
        }

        #[test]
        fn newer_files_with_unknown_keys_still_work(
            version in 1u32..100,
            key in "[a-z_]{1,12}",
            value in any::<i64>(),
        ) {
            let text = format!(
                "version = {version}\n{key}_x = {value}\n[profiles.default]\nuser = \"u\"\n\
                 {key}_y = {value}\n[{key}_z]\nv = 1\n"
            );
            let file = parse(Path::new("c.toml"), &text).unwrap();
            let profile = file.default_profile();
            prop_assert_eq!(profile.user.as_deref(), Some("u"));
        }
    }
}
