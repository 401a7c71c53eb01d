//! Where calls go and as whom: endpoint, user and password.
//!
//! Each comes from the first of: a flag, an environment variable, the
//! config file's profile (`--profile`, `RUNCWS_PROFILE`, else `default`), a
//! default. Each resolved setting remembers where it came from, for
//! `runcws config show`. The password has no flag: it
//! comes from `RUNCWS_PASSWORD`, the config file or a prompt on a terminal.
//! The built-in emulator (`local`, the default endpoint) needs nothing: its
//! documented test accounts fill in the user and password.

use std::fmt;
use std::io::IsTerminal as _;

use crate::config_file::{self, ConfigFile, Profile, DEFAULT_PROFILE};
use crate::config_net::{self, NetInputs, NetSettings};
use crate::emulator::accounts;
use crate::error::BadInput;

pub(crate) use crate::endpoint::Endpoint;

/// A password: shown as `<hidden>` by `Debug` and `Display`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Password(String);

impl Password {
    /// Wraps a password.
    pub(crate) fn new(text: impl Into<String>) -> Password {
        Password(text.into())
    }

    /// The password itself, for the Authorization header only.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<hidden>")
    }
}

impl fmt::Display for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<hidden>")
    }
}

/// Where a setting came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    /// A command-line flag.
    Flag,
    /// This environment variable.
    Env(&'static str),
    /// This profile of the config file.
    Profile(String),
    /// The built-in default (the emulator and its test account).
    BuiltIn,
    /// Nowhere yet: it will be asked for.
    Unset,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag => f.write_str("flag"),
            Source::Env(name) => write!(f, "environment ({name})"),
            Source::Profile(name) => {
                write!(
                    f,
                    "config file {}, profile {name}",
                    config_file::describe_path()
                )
            }
            Source::BuiltIn => f.write_str("built-in default"),
            Source::Unset => f.write_str("not set (asked on a terminal)"),
        }
    }
}

/// A value given by a flag or its environment variable (clap merges the
/// two): it came from the variable when that holds the same value.
pub(crate) fn given(value: Option<String>, env: &'static str) -> Option<(String, Source)> {
    let value = value?;
    let from_env = std::env::var(env).is_ok_and(|v| v == value);
    Some((
        value,
        if from_env {
            Source::Env(env)
        } else {
            Source::Flag
        },
    ))
}

/// What the user supplied, before precedence is applied.
#[derive(Debug, Default)]
pub(crate) struct Inputs {
    /// `--endpoint`, else `RUNCWS_ENDPOINT`.
    pub(crate) endpoint: Option<(String, Source)>,
    /// `--user`, else `RUNCWS_USER`.
    pub(crate) user: Option<(String, Source)>,
    /// `RUNCWS_PASSWORD`.
    pub(crate) password: Option<Password>,
    /// `--profile`, else `RUNCWS_PROFILE`.
    pub(crate) profile: Option<(String, Source)>,
    /// Timeouts and CA file from flags and environment.
    pub(crate) net: NetInputs,
}

/// The resolved endpoint and credentials.
#[derive(Debug)]
pub(crate) struct Settings {
    pub(crate) endpoint: Endpoint,
    pub(crate) user: String,
    pub(crate) password: Password,
    pub(crate) net: NetSettings,
}

/// Resolves the settings from `inputs` and the config file, prompting for
/// a missing password when stdin is a terminal.
pub(crate) fn resolve(mut inputs: Inputs) -> anyhow::Result<Settings> {
    let file = config_file::load()?;
    let (_, profile) = pick_profile(&inputs, file.as_ref())?;
    let net = config_net::resolve(std::mem::take(&mut inputs.net), &profile)?;
    let partial = merge(inputs, file.as_ref())?;
    let password = match partial.password {
        Some(password) => password,
        None => prompt_password(&partial.endpoint, &partial.user)?,
    };
    Ok(Settings {
        endpoint: partial.endpoint,
        user: partial.user,
        password,
        net,
    })
}

/// Resolves the settings without asking for a missing password.
pub(crate) fn resolve_partial(inputs: Inputs) -> anyhow::Result<Partial> {
    let file = config_file::load()?;
    Ok(merge(inputs, file.as_ref())?)
}

/// Settings before a missing password is asked for, with their sources.
#[derive(Debug)]
pub(crate) struct Partial {
    pub(crate) endpoint: Endpoint,
    pub(crate) user: String,
    pub(crate) password: Option<Password>,
    /// The profile used, and where its name came from.
    pub(crate) profile: (String, Source),
    /// Where the endpoint, user and password came from.
    pub(crate) sources: [Source; 3],
}

/// The profile `inputs` names (an error if the file lacks it), else the
/// default one (empty if the file lacks it).
fn pick_profile(
    inputs: &Inputs,
    file: Option<&ConfigFile>,
) -> Result<((String, Source), Profile), BadInput> {
    let Some((name, source)) = inputs.profile.clone() else {
        let profile = file.map(ConfigFile::default_profile).unwrap_or_default();
        return Ok(((DEFAULT_PROFILE.to_string(), Source::BuiltIn), profile));
    };
    let Some(profile) = file.and_then(|f| f.profile(&name)) else {
        return Err(BadInput::new(format!(
            "no profile {name:?} in {} (named by {source}): run `runcws --profile {name} configure`",
            config_file::describe_path()
        )));
    };
    Ok(((name, source), profile))
}

/// Applies precedence: inputs, then the file's profile, then defaults.
/// The profile's credentials count only for the profile's own endpoint
/// (or any endpoint, when it names none), so they never go elsewhere.
fn merge(inputs: Inputs, file: Option<&ConfigFile>) -> Result<Partial, BadInput> {
    let (profile_name, profile) = pick_profile(&inputs, file)?;
    let from_profile = Source::Profile(profile_name.0.clone());
    let (endpoint, endpoint_source) = match (inputs.endpoint, profile.endpoint.clone()) {
        (Some((text, source)), _) => (Endpoint::parse(&text)?, source),
        (None, Some(text)) => (Endpoint::parse(&text)?, from_profile.clone()),
        (None, None) => (Endpoint::Local, Source::BuiltIn),
    };
    let profile_applies = match &profile.endpoint {
        Some(text) => Endpoint::parse(text)? == endpoint,
        None => true,
    };
    let (profile_user, profile_password) = match profile_applies {
        true => (profile.user, profile.password.map(Password::new)),
        false => (None, None),
    };

    let user = inputs
        .user
        .or(profile_user.map(|u| (u, from_profile.clone())))
        .or_else(|| local_user(&endpoint).map(|u| (u, Source::BuiltIn)));
    let Some((user, user_source)) = user else {
        return Err(BadInput::new(format!(
            "no user for endpoint {endpoint}: pass --user, set RUNCWS_USER or add `user` to {}",
            config_file::describe_path()
        )));
    };
    let (password, password_source) = match (inputs.password, profile_password) {
        (Some(password), _) => (Some(password), Source::Env("RUNCWS_PASSWORD")),
        (None, Some(password)) => (Some(password), from_profile),
        (None, None) => match local_password(&endpoint, &user) {
            Some(password) => (Some(password), Source::BuiltIn),
            None => (None, Source::Unset),
        },
    };
    Ok(Partial {
        endpoint,
        user,
        password,
        profile: profile_name,
        sources: [endpoint_source, user_source, password_source],
    })
}

fn local_user(endpoint: &Endpoint) -> Option<String> {
    (*endpoint == Endpoint::Local).then(|| accounts::DEFAULT_USER.to_string())
}

/// The built-in emulator's test accounts have documented passwords.
fn local_password(endpoint: &Endpoint, user: &str) -> Option<Password> {
    if *endpoint != Endpoint::Local {
        return None;
    }
    match user {
        accounts::DEFAULT_USER => Some(Password::new(accounts::DEFAULT_PASSWORD)),
        accounts::NOPAY_USER => Some(Password::new(accounts::NOPAY_PASSWORD)),
        _ => None,
    }
}

fn prompt_password(endpoint: &Endpoint, user: &str) -> anyhow::Result<Password> {
    if !std::io::stdin().is_terminal() {
        return Err(BadInput::new(format!(
            "no password for user {user} at {endpoint}: set RUNCWS_PASSWORD, add `password` \
             to {} or run in a terminal to be asked",
            config_file::describe_path()
        ))
        .into());
    }
    let text = rpassword::prompt_password(format!("password for {user} at {endpoint}: "))
        .map_err(|e| BadInput::caused_by("reading the password from the terminal", e))?;
    Ok(Password::new(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> ConfigFile {
        toml::from_str(text).unwrap()
    }

    fn inputs(endpoint: Option<&str>, user: Option<&str>, password: Option<&str>) -> Inputs {
        Inputs {
            endpoint: endpoint.map(|e| (e.to_string(), Source::Flag)),
            user: user.map(|u| (u.to_string(), Source::Flag)),
            password: password.map(Password::new),
            profile: None,
            net: NetInputs::default(),
        }
    }

    #[test]
    fn a_named_profile_wins_over_default_and_must_exist() {
        let text = format!("{REMOTE}[profiles.other]\nuser = \"other-user\"\n");
        let mut given = inputs(None, None, None);
        given.profile = Some(("other".into(), Source::Env("RUNCWS_PROFILE")));
        let got = merge(given, Some(&file(&text))).unwrap();
        assert_eq!(
            (got.user.as_str(), got.endpoint),
            ("other-user", Endpoint::Local)
        );
        assert_eq!(got.sources[1], Source::Profile("other".into()));
        let mut given = inputs(None, None, None);
        given.profile = Some(("nope".into(), Source::Flag));
        let err = merge(given, Some(&file(&text))).unwrap_err().to_string();
        assert!(err.starts_with("no profile \"nope\""), "{err}");
    }

    const REMOTE: &str = "[profiles.default]\nendpoint = \"http://127.0.0.1:9/api\"\n\
                          user = \"file-user\"\npassword = \"file-pass\"\n";

    #[test]
    fn local_default_uses_the_emulator_test_account() {
        let got = merge(Inputs::default(), None).unwrap();
        assert_eq!(got.endpoint, Endpoint::Local);
        assert_eq!(got.user, accounts::DEFAULT_USER);
        assert_eq!(
            got.password,
            Some(Password::new(accounts::DEFAULT_PASSWORD))
        );
    }

    #[test]
    fn the_file_beats_the_default() {
        let got = merge(Inputs::default(), Some(&file(REMOTE))).unwrap();
        assert_eq!(got.endpoint.to_string(), "http://127.0.0.1:9/api");
        assert_eq!(got.user, "file-user");
        assert_eq!(got.password, Some(Password::new("file-pass")));
    }

    #[test]
    fn flags_and_env_beat_the_file() {
        let given = inputs(None, Some("flag-user"), Some("env-pass"));
        let got = merge(given, Some(&file(REMOTE))).unwrap();
        assert_eq!(got.user, "flag-user");
        assert_eq!(got.password, Some(Password::new("env-pass")));
    }

    #[test]
    fn profile_credentials_never_go_to_another_endpoint() {
        let given = inputs(Some("http://127.0.0.1:8/api"), Some("u"), None);
        let got = merge(given, Some(&file(REMOTE))).unwrap();
        assert_eq!(got.password, None);
        let given = inputs(Some("local"), None, None);
        let got = merge(given, Some(&file(REMOTE))).unwrap();
        assert_eq!(got.user, accounts::DEFAULT_USER);
    }

    #[test]
    fn a_profile_without_endpoint_applies_everywhere() {
        let text = "[profiles.default]\nuser = \"u\"\npassword = \"p\"\n";
        let given = inputs(Some("http://127.0.0.1:8/api"), None, None);
        let got = merge(given, Some(&file(text))).unwrap();
        assert_eq!(
            (got.user.as_str(), got.password),
            ("u", Some(Password::new("p")))
        );
    }

    #[test]
    fn a_remote_endpoint_needs_a_user() {
        let given = inputs(Some("http://127.0.0.1:8/api"), None, None);
        let err = merge(given, None).unwrap_err().to_string();
        assert!(
            err.starts_with("no user for endpoint http://127.0.0.1:8/api"),
            "{err}"
        );
    }

    #[test]
    fn passwords_are_redacted() {
        let password = Password::new("s3cret");
        assert_eq!(format!("{password} {password:?}"), "<hidden> <hidden>");
        assert!(!format!("{:?}", merge(Inputs::default(), None)).contains("test-secret"));
    }
}
