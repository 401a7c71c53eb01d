//! Network settings: how long to wait for the endpoint, which CAs to trust.
//!
//! Each comes from the first of: a flag, an environment variable, the
//! config file's profile (`connect_timeout`, `http_timeout` in seconds,
//! `cacert` a path), a default a person would pick.

use std::path::PathBuf;
use std::time::Duration;

use crate::config_file::Profile;
use crate::error::BadInput;

/// How long to wait for a connection, unless told otherwise.
pub(crate) const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long to wait for one whole exchange, unless told otherwise.
pub(crate) const DEFAULT_HTTP_TIMEOUT: Duration = Duration::from_secs(60);

/// The resolved network settings.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NetSettings {
    pub(crate) connect_timeout: Duration,
    pub(crate) http_timeout: Duration,
    /// A PEM file of CA certificates trusted besides the system's.
    pub(crate) cacert: Option<PathBuf>,
}

impl Default for NetSettings {
    fn default() -> NetSettings {
        NetSettings {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            http_timeout: DEFAULT_HTTP_TIMEOUT,
            cacert: None,
        }
    }
}

/// What the flags and environment gave.
#[derive(Debug, Default)]
pub(crate) struct NetInputs {
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) http_timeout: Option<Duration>,
    pub(crate) cacert: Option<PathBuf>,
}

/// Applies precedence: inputs, then the profile, then the defaults.
pub(crate) fn resolve(inputs: NetInputs, profile: &Profile) -> Result<NetSettings, BadInput> {
    let from_file = |key: &str, seconds: Option<f64>| {
        seconds
            .map(|s| to_duration(s).map_err(|why| BadInput::new(format!("config `{key}` {why}"))))
            .transpose()
    };
    let connect_timeout = match inputs.connect_timeout {
        Some(timeout) => Some(timeout),
        None => from_file("connect_timeout", profile.connect_timeout)?,
    };
    let http_timeout = match inputs.http_timeout {
        Some(timeout) => Some(timeout),
        None => from_file("http_timeout", profile.http_timeout)?,
    };
    Ok(NetSettings {
        connect_timeout: connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
        http_timeout: http_timeout.unwrap_or(DEFAULT_HTTP_TIMEOUT),
        cacert: inputs.cacert.or_else(|| profile.cacert.clone()),
    })
}

/// Parses a flag's seconds (`2`, `0.5`) into a duration.
pub(crate) fn parse_seconds(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .trim()
        .trim_end_matches('s')
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    to_duration(seconds).map_err(|why| format!("{text:?} {why}"))
}

fn to_duration(seconds: f64) -> Result<Duration, &'static str> {
    if !(seconds.is_finite() && seconds > 0.0 && seconds <= 86_400.0) {
        return Err("must be a number of seconds above 0 and at most a day");
    }
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_beat_the_file_and_the_file_beats_defaults() {
        let profile = Profile {
            connect_timeout: Some(2.0),
            http_timeout: Some(30.0),
            cacert: Some("/file/ca.pem".into()),
            ..Profile::default()
        };
        let inputs = NetInputs {
            http_timeout: Some(Duration::from_secs(5)),
            ..NetInputs::default()
        };
        let got = resolve(inputs, &profile).unwrap();
        assert_eq!(got.connect_timeout, Duration::from_secs(2));
        assert_eq!(got.http_timeout, Duration::from_secs(5));
        assert_eq!(got.cacert, Some(PathBuf::from("/file/ca.pem")));
        let none = resolve(NetInputs::default(), &Profile::default()).unwrap();
        assert_eq!(none, NetSettings::default());
    }

    #[test]
    fn seconds_are_checked() {
        assert_eq!(parse_seconds("1.5"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_seconds("3s"), Ok(Duration::from_secs(3)));
        for bad in ["0", "-1", "NaN", "inf", "x", "100000"] {
            assert!(parse_seconds(bad).is_err(), "{bad}");
        }
        let profile = Profile {
            http_timeout: Some(0.0),
            ..Profile::default()
        };
        let err = resolve(NetInputs::default(), &profile).unwrap_err();
        assert!(err.to_string().starts_with("config `http_timeout` must be"));
    }
}
