//! Turning what the server sent back into JSON or a typed error.
//!
//! A 2xx answer with an empty body (204, or an empty 200) is success with
//! no result. Anything that is not the API's own error body (a proxy's
//! HTML page, plain text) is reported by status, content type and a short
//! excerpt, never parsed blindly.

use std::time::Duration;

use reqwest::{header, Url};
use serde_json::Value;

use crate::error::{ApiDetail, ApiError};

/// How much of a non-JSON body an error shows.
const EXCERPT_CHARS: usize = 200;

/// An HTTP answer, read whole.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) content_type: String,
    /// What a `Retry-After` header asked for, if it could be read.
    pub(crate) retry_after: Option<Duration>,
    /// The origin that answered, if a redirect led to another host or port.
    pub(crate) foreign_origin: Option<String>,
    pub(crate) bytes: Vec<u8>,
}

impl Answer {
    /// The answer's JSON (`None` for an empty body) or its error.
    pub(crate) fn decode(self) -> anyhow::Result<Option<Value>> {
        let result = decode(self.status, &self.content_type, &self.bytes);
        match (&self.foreign_origin, result) {
            (Some(origin), Err(err)) if self.status == 401 => Err(err.context(format!(
                "redirected to {origin}, another host or port, where the credentials \
                 are never sent"
            ))),
            (_, result) => result,
        }
    }
}

/// Turns an answer into its JSON or a typed error.
pub(crate) fn decode(
    status: u16,
    content_type: &str,
    bytes: &[u8],
) -> anyhow::Result<Option<Value>> {
    let is_success = (200..300).contains(&status);
    if is_success && bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let parsed: Option<Value> = serde_json::from_slice(bytes).ok();
    if is_success {
        if let Some(value) = parsed {
            return Ok(Some(value));
        }
    }
    let api_detail = parsed.as_ref().and_then(|v| {
        let error = v.get("error")?;
        Some(ApiDetail::Api {
            code: error.get("code")?.as_str()?.to_string(),
            message: error.get("message")?.as_str()?.to_string(),
        })
    });
    let detail = api_detail.unwrap_or_else(|| ApiDetail::Other {
        content_type: content_type.to_string(),
        excerpt: excerpt(bytes, EXCERPT_CHARS),
    });
    Err(ApiError { status, detail }.into())
}

/// The answer's content type, `untyped` if it has none.
pub(crate) fn content_type(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("untyped")
        .to_string()
}

/// The origin of `answered` if it differs from that of `asked`.
pub(crate) fn foreign_origin(asked: &Url, answered: &Url) -> Option<String> {
    let is_same = asked.scheme() == answered.scheme()
        && asked.host_str() == answered.host_str()
        && asked.port_or_known_default() == answered.port_or_known_default();
    (!is_same).then(|| answered.origin().ascii_serialization())
}

/// The first `max` characters of `bytes`, whitespace collapsed.
pub(crate) fn excerpt(bytes: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match words.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &words[..cut]),
        None => words,
    }
}

/// Properties of answer decoding (longer runs: `PROPTEST_CASES=N`).
#[cfg(test)]
mod props {
    use super::*;
    use crate::error;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_answer_decodes_or_keeps_its_status(
            status in 100u16..600,
            bytes in proptest::collection::vec(any::<u8>(), 0..300),
        ) {
            match decode(status, "text/html", &bytes) {
                Ok(_) => prop_assert!((200..300).contains(&status)),
                Err(err) => {
                    let api = error::find::<ApiError>(&err).unwrap();
                    prop_assert_eq!(api.status, status);
                    let expected = format!("server answered {}", status);
                    prop_assert!(err.to_string().starts_with(&expected));
                }
            }
        }

        #[test]
        fn json_successes_come_back_whole(status in 200u16..300, items in 0usize..50) {
            let list: Vec<Value> = (0..items).map(|n| serde_json::json!({"instanceId": n})).collect();
            let bytes = serde_json::to_vec(&list).unwrap();
            let got = decode(status, "application/json", &bytes).unwrap();
            prop_assert_eq!(got, Some(Value::Array(list)));
        }

        #[test]
        fn excerpts_are_short_and_on_one_line(text in "\\PC*|[ \\r\\n\\t<>a-z]*", max in 0usize..60) {
            let cut = excerpt(text.as_bytes(), max);
            prop_assert!(cut.chars().count() <= max + 1);
            prop_assert!(!cut.contains('\n') && !cut.contains('\r'));
        }
    }
}
