//! The typed errors that decide an exit code.
//!
//! Most failures travel as plain `anyhow` chains; the few a caller branches
//! on (bad input, an HTTP error answer, an unreachable endpoint, an
//! interruption) are typed here so that `exit` can find them in the chain.

use std::error::Error as StdError;
use std::fmt;

/// Input the user can fix: a flag, a parameter file, a state or config file.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub(crate) struct BadInput {
    message: String,
    #[source]
    source: Option<Box<dyn StdError + Send + Sync>>,
}

impl BadInput {
    /// A bad input described by `message` alone.
    pub(crate) fn new(message: impl Into<String>) -> BadInput {
        BadInput {
            message: message.into(),
            source: None,
        }
    }

    /// A bad input whose cause is `source` (shown after the message).
    pub(crate) fn caused_by(
        message: impl Into<String>,
        source: impl StdError + Send + Sync + 'static,
    ) -> BadInput {
        BadInput {
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }
}

/// A non-2xx answer from the API, or a 2xx answer that is not JSON.
#[derive(Debug, thiserror::Error)]
pub(crate) struct ApiError {
    /// The HTTP status code.
    pub(crate) status: u16,
    /// What the server said.
    pub(crate) detail: ApiDetail,
}

/// The body of an error answer, as far as it could be understood.
#[derive(Debug)]
pub(crate) enum ApiDetail {
    /// The API's own `{"error": {"code", "message"}}`.
    Api { code: String, message: String },
    /// Anything else: its content type and a short excerpt.
    Other {
        content_type: String,
        excerpt: String,
    },
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reason = reqwest::StatusCode::from_u16(self.status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("");
        write!(f, "server answered {} {}", self.status, reason)?;
        match &self.detail {
            ApiDetail::Api { code, message } => write!(f, ": {message} ({code})"),
            ApiDetail::Other {
                content_type,
                excerpt,
            } if excerpt.is_empty() => write!(f, " with an empty {content_type} body"),
            ApiDetail::Other {
                content_type,
                excerpt,
            } => write!(f, " with a {content_type} body: {excerpt:?}"),
        }
    }
}

/// The endpoint could not be reached, did not answer in time, or sent an
/// answer too large to read.
#[derive(Debug, thiserror::Error)]
pub(crate) struct NetworkError {
    /// The endpoint as the user knows it (`local` for the embedded default).
    pub(crate) endpoint: String,
    /// A short cause, such as `connection refused`.
    pub(crate) reason: String,
    /// How far the exchange got before it failed.
    pub(crate) stage: Stage,
}

/// How far a failed exchange got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    /// No connection was made: the request certainly never left.
    Connect,
    /// The connection failed after the request may have been sent.
    Exchange,
    /// The request was sent but no whole answer came in time.
    Timeout,
    /// The answer was larger than runcws reads.
    Oversized,
}

impl fmt::Display for NetworkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self {
            endpoint, reason, ..
        } = self;
        match self.stage {
            Stage::Oversized => write!(f, "reading the answer of {endpoint}: {reason}"),
            Stage::Connect => write!(f, "cannot reach {endpoint}: {reason}"),
            Stage::Exchange | Stage::Timeout => {
                write!(f, "no whole answer from {endpoint}: {reason}")
            }
        }
    }
}

impl NetworkError {
    /// Whether the server may have received and acted on the request.
    pub(crate) fn may_have_arrived(&self) -> bool {
        self.stage != Stage::Connect
    }
}

/// A 2xx answer that runcws cannot act on, such as an id that could not
/// name one object; the answer itself is still shown.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub(crate) struct BadAnswer {
    /// What was wrong with the answer.
    pub(crate) message: String,
}

/// A create whose answer was lost: it may or may not have happened.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub(crate) struct UnknownOutcome {
    /// The cause, the unknown outcome and how to retry or look.
    pub(crate) message: String,
}

/// A request ended `failed`, or an instance reached a status other than
/// the one waited for.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub(crate) struct WaitFailed {
    /// What failed, with the server's message and code when it gave them.
    pub(crate) message: String,
    /// The server's error code, if the request carried one.
    pub(crate) code: Option<String>,
    /// The request that failed, or the last one followed.
    pub(crate) request_id: Option<String>,
}

/// A wait ran out of time.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub(crate) struct TimedOut {
    /// What was still unfinished, and how to resume.
    pub(crate) message: String,
    /// The request being followed, if any.
    pub(crate) request_id: Option<String>,
}

/// The user pressed Ctrl-C.
#[derive(Debug, thiserror::Error)]
#[error("interrupted")]
pub(crate) struct Interrupted;

/// Finds an error of type `T` anywhere in `err`'s chain.
pub(crate) fn find<T: StdError + Send + Sync + 'static>(err: &anyhow::Error) -> Option<&T> {
    err.downcast_ref::<T>()
        .or_else(|| err.chain().find_map(|e| e.downcast_ref::<T>()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context as _;

    #[test]
    fn finds_a_typed_error_under_context() {
        let err = Err::<(), _>(BadInput::new("no resourceUri"))
            .context("reading parameter file x.json")
            .unwrap_err();
        assert!(find::<BadInput>(&err).is_some());
        assert!(find::<ApiError>(&err).is_none());
    }

    #[test]
    fn api_error_reads_as_one_line() {
        let err = ApiError {
            status: 404,
            detail: ApiDetail::Api {
                code: "InstanceNotFound".into(),
                message: "no such instance".into(),
            },
        };
        assert_eq!(
            err.to_string(),
            "server answered 404 Not Found: no such instance (InstanceNotFound)"
        );
    }
}
