//! Where calls go: `local` (the built-in emulator) or an http(s) base URL.
//!
//! An endpoint never carries credentials; one that tries is refused, and
//! no message ever shows the user name or password typed into it.

use std::fmt;

use reqwest::Url;

use crate::error::BadInput;

/// The name of the built-in emulator as an endpoint.
pub(crate) const LOCAL: &str = "local";

/// Where calls go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Endpoint {
    /// The emulator, started in process for one command.
    Local,
    /// A server at this base URL (ending in `/api` for the real API).
    Remote(Url),
}

impl Endpoint {
    /// Parses `local` or an http(s) URL without credentials in it.
    pub(crate) fn parse(text: &str) -> Result<Endpoint, BadInput> {
        if text.trim().eq_ignore_ascii_case(LOCAL) {
            return Ok(Endpoint::Local);
        }
        let bad = |why: &str| BadInput::new(format!("endpoint {:?} {why}", redact(text)));
        let url = Url::parse(text.trim()).map_err(|e| bad(&format!("is not a URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(bad("must be an http or https URL, or `local`"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad(
                "must not hold credentials: use RUNCWS_USER and RUNCWS_PASSWORD",
            ));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(bad("must not have a query or fragment"));
        }
        Ok(Endpoint::Remote(url))
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Local => f.write_str(LOCAL),
            Endpoint::Remote(url) => f.write_str(url.as_str().trim_end_matches('/')),
        }
    }
}

/// `text` with any user info (`user:password@`) before the host replaced
/// by `***@`, whether or not the rest of it is a valid URL.
pub(crate) fn redact(text: &str) -> String {
    let (scheme, rest) = match text.find("://") {
        Some(at) => text.split_at(at + 3),
        None => ("", text),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rfind('@') {
        Some(at) => format!("{scheme}***{}{path}", &authority[at..]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_checked() {
        assert_eq!(Endpoint::parse(" LOCAL ").unwrap(), Endpoint::Local);
        assert!(Endpoint::parse("ftp://127.0.0.1/api").is_err());
        assert!(Endpoint::parse("http://u:p@127.0.0.1/api").is_err());
        assert!(Endpoint::parse("127.0.0.1:80").is_err());
        assert!(Endpoint::parse("http://127.0.0.1/api?x=1").is_err());
    }

    /// Fault: `--endpoint http://u:pw@host/api` echoed the password.
    #[test]
    fn no_message_shows_credentials_typed_into_an_endpoint() {
        let texts = [
            "http://u:pw-in-url@127.0.0.1:1/api",
            "https://pw-in-url@127.0.0.1/api",
            "ftp://u:pw-in-url@127.0.0.1/api",
            "http://u:pw-in-url@[::1/api",
            "http://u:pw-in-url@127.0.0.1/api?x=1",
            "u:pw-in-url@127.0.0.1/api",
            "http://u:p@w-in-url@127.0.0.1/api",
        ];
        for text in texts {
            let err = Endpoint::parse(text).unwrap_err().to_string();
            assert!(!err.contains("pw-in-url"), "{err}");
            assert!(!err.contains("w-in-url"), "{err}");
            assert!(err.contains("***@"), "{err}");
        }
    }

    #[test]
    fn redact_keeps_what_is_not_user_info() {
        assert_eq!(
            redact("http://u:p@127.0.0.1:1/a@b"),
            "http://***@127.0.0.1:1/a@b"
        );
        assert_eq!(redact("http://127.0.0.1/a@b"), "http://127.0.0.1/a@b");
    }
}
