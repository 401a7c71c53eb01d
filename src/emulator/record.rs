//! `serve --record FILE`: every call and its answer as one JSON line, with
//! secrets masked, for bug reports and for replaying a session by eye.
//!
//! Credentials are never recorded: only the account's user name is kept,
//! and any `password` or `privateKey` in a body becomes `<HIDDEN>`.

use std::fs::File;
use std::io::Write as _;
use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::{json, Value};

use super::engine::ApiError;
use super::objects::{timestamp, HIDDEN};
use super::routes::{error_response, BODY_LIMIT};
use super::store::wall_ms;

/// Keys whose values are masked wherever they appear.
const SECRET_KEYS: [&str; 2] = ["password", "privateKey"];

/// An open record file, shared by every call.
#[derive(Clone)]
pub struct Recorder {
    file: Arc<Mutex<File>>,
}

impl Recorder {
    /// Opens (appending to) a record file, owner-only.
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options
            .open(path)
            .with_context(|| format!("opening record file {}", path.display()))?;
        Ok(Recorder {
            file: Arc::new(Mutex::new(file)),
        })
    }

    fn write(&self, line: &Value) {
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        if let Err(e) = writeln!(file, "{line}") {
            tracing::warn!("writing the record file failed: {e}");
        }
    }
}

/// Replaces secret values, at any depth, by `<HIDDEN>`.
pub fn mask(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                if SECRET_KEYS.contains(&key.as_str()) && !inner.is_null() {
                    *inner = Value::from(HIDDEN);
                } else {
                    mask(inner);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask),
        _ => {}
    }
}

fn body_value(bytes: &[u8]) -> Value {
    if bytes.is_empty() {
        return Value::Null;
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(mut value) => {
            mask(&mut value);
            value
        }
        Err(_) => Value::from(format!("<{} bytes, not JSON>", bytes.len())),
    }
}

/// Middleware writing one line per call.
pub async fn record_call(
    State(recorder): State<Recorder>,
    request: Request,
    next: Next,
) -> Response {
    let started = wall_ms();
    let (parts, body) = request.into_parts();
    let Ok(sent) = to_bytes(body, BODY_LIMIT).await else {
        let error = ApiError::new(
            413,
            "PayloadTooLarge",
            format!("bodies are limited to {BODY_LIMIT} bytes"),
        );
        return error_response(&error);
    };
    let method = parts.method.to_string();
    let target = parts.uri.to_string();
    let user = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| super::routes::basic_user(v.to_str().ok()?));
    let response = next
        .run(Request::from_parts(parts, Body::from(sent.clone())))
        .await;
    let (parts, body) = response.into_parts();
    let answered = to_bytes(body, usize::MAX).await.unwrap_or_default();
    recorder.write(&json!({
        "at": timestamp(started),
        "method": method,
        "target": target,
        "user": user,
        "body": body_value(&sent),
        "status": parts.status.as_u16(),
        "answer": body_value(&answered),
        "ms": wall_ms() - started,
    }));
    Response::from_parts(parts, Body::from(answered))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_at_any_depth() {
        let mut value = json!([{"attributes": {"password": "pw", "privateKey": "k", "name": "n"}}]);
        mask(&mut value);
        assert_eq!(
            value,
            json!([{"attributes": {"password": HIDDEN, "privateKey": HIDDEN, "name": "n"}}])
        );
    }
}
