//! A thin async HTTP client for the CWS instance API.
//!
//! A `Call` describes one API call (method, path, query, body); the
//! `Client` shows it (the original's `options:` echo) and sends it with
//! basic auth. Answers are `serde_json::Value`s, in the server's key order.
//! Non-2xx answers become an `ApiError`; an unreachable endpoint a
//! `NetworkError` naming it. Headers and the password are never logged.

use std::time::{Duration, Instant};

use reqwest::{header, Method, Url};
use serde_json::{json, Value};

use crate::config::Password;
use crate::error::{ApiDetail, ApiError, NetworkError};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const TIMEOUT: Duration = Duration::from_secs(60);
/// How much of a non-JSON body an error shows.
const EXCERPT_CHARS: usize = 200;

/// One API call, before it is sent.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    method: Method,
    segments: Vec<String>,
    query: Option<(&'static str, &'static str)>,
    body: Option<Value>,
    idempotency_key: Option<String>,
}

impl Call {
    fn new(method: Method, segments: &[&str]) -> Call {
        Call {
            method,
            segments: segments.iter().map(|s| s.to_string()).collect(),
            query: None,
            body: None,
            idempotency_key: None,
        }
    }

    fn query(mut self, name: &'static str, value: &'static str) -> Call {
        self.query = Some((name, value));
        self
    }

    fn body(mut self, body: Value) -> Call {
        self.body = Some(body);
        self
    }

    /// `POST /resource/{resourceUri}`, with a fresh idempotency key.
    pub(crate) fn create(resource_uri: &str, body: Value) -> Call {
        let mut segments = vec!["resource"];
        segments.extend(resource_uri.split('/'));
        let mut call = Call::new(Method::POST, &segments).body(body);
        call.idempotency_key = Some(uuid::Uuid::new_v4().to_string());
        call
    }

    /// `GET /request/{id}`: an array holding that one request.
    pub(crate) fn get_request(id: &str) -> Call {
        Call::new(Method::GET, &["request", id])
    }

    /// `GET /request`, cleaning finished requests up unless `all`.
    pub(crate) fn list_requests(all: bool) -> Call {
        Call::new(Method::GET, &["request"]).cleanup(all)
    }

    /// `GET /instance/{id}`: the instance as last stored.
    pub(crate) fn get_instance(id: &str) -> Call {
        Call::new(Method::GET, &["instance", id])
    }

    /// `GET /instance/{id}?refresh=true`: a request that reads the provider.
    pub(crate) fn refresh_instance(id: &str) -> Call {
        Call::new(Method::GET, &["instance", id]).query("refresh", "true")
    }

    /// `GET /instance`, cleaning long-deleted instances up unless `all`.
    pub(crate) fn list_instances(all: bool) -> Call {
        Call::new(Method::GET, &["instance"]).cleanup(all)
    }

    /// `DELETE /instance/{id}`: a delete request.
    pub(crate) fn delete_instance(id: &str) -> Call {
        Call::new(Method::DELETE, &["instance", id])
    }

    /// `POST /instance/{vmId}?action=image` with the image's metadata.
    pub(crate) fn create_image(vm_id: &str, body: Value) -> Call {
        Call::new(Method::POST, &["instance", vm_id])
            .query("action", "image")
            .body(body)
    }

    /// `GET /resource`: the catalog.
    pub(crate) fn catalog() -> Call {
        Call::new(Method::GET, &["resource"])
    }

    fn cleanup(self, all: bool) -> Call {
        match all {
            true => self,
            false => self.query("cleanup", "true"),
        }
    }

    /// This call's URL under `base`, each path segment escaped.
    fn url(&self, base: &Url) -> Url {
        let mut url = base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(&self.segments);
        }
        if let Some((name, value)) = self.query {
            url.query_pairs_mut().append_pair(name, value);
        }
        url
    }
}

/// Sends calls to one endpoint as one user.
pub(crate) struct Client {
    http: reqwest::Client,
    base: Url,
    shown_base: Url,
    endpoint_name: String,
    user: String,
    password: Password,
}

/// How a `Client` reaches its server.
pub(crate) struct Target {
    /// Where calls really go.
    pub(crate) base: Url,
    /// The base URL shown in `options:` (stable for the embedded default).
    pub(crate) shown_base: Url,
    /// The endpoint as the user knows it, for error messages.
    pub(crate) endpoint_name: String,
    /// Bypass any proxy (for the in-process emulator).
    pub(crate) no_proxy: bool,
}

impl Client {
    /// A client for `target`, sending `user` and `password` as basic auth.
    pub(crate) fn new(target: Target, user: String, password: Password) -> anyhow::Result<Client> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(TIMEOUT)
            .user_agent(concat!("runcws/", env!("CARGO_PKG_VERSION")));
        if target.no_proxy {
            builder = builder.no_proxy();
        }
        let http = builder.build()?;
        Ok(Client {
            http,
            base: target.base,
            shown_base: target.shown_base,
            endpoint_name: target.endpoint_name,
            user,
            password,
        })
    }

    /// The original's `options:` echo of `call`, the password hidden.
    pub(crate) fn options(&self, call: &Call) -> Value {
        let mut options = json!({
            "url": call.url(&self.shown_base).as_str(),
            "method": call.method.as_str().to_lowercase(),
        });
        if let Some(body) = &call.body {
            options["json"] = body.clone();
        }
        options["auth"] = json!({ "user": self.user, "pass": "<hidden>" });
        options
    }

    /// Sends `call`; the answer's JSON, or `None` for an empty body.
    pub(crate) async fn send(&self, call: &Call) -> anyhow::Result<Option<Value>> {
        let url = call.url(&self.base);
        let mut request = self
            .http
            .request(call.method.clone(), url.clone())
            .basic_auth(&self.user, Some(self.password.expose()));
        if let Some(body) = &call.body {
            request = request.json(body);
        }
        if let Some(key) = &call.idempotency_key {
            request = request.header("Idempotency-Key", key);
        }

        let started = Instant::now();
        let response = request.send().await.map_err(|e| self.network_error(&e))?;
        let status = response.status();
        let content_type = content_type(&response);
        let bytes = response.bytes().await.map_err(|e| self.network_error(&e))?;
        let elapsed = started.elapsed().as_millis();
        tracing::debug!(
            "{} {} {} {elapsed}ms",
            call.method,
            url.path(),
            status.as_u16()
        );
        tracing::trace!(body = %excerpt(&bytes, 2000), "answer body");
        decode(status.as_u16(), &content_type, &bytes)
    }

    fn network_error(&self, err: &reqwest::Error) -> NetworkError {
        NetworkError {
            endpoint: self.endpoint_name.clone(),
            reason: network_reason(err),
        }
    }
}

/// Turns an answer into its JSON or a typed error.
fn decode(status: u16, content_type: &str, bytes: &[u8]) -> anyhow::Result<Option<Value>> {
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

fn content_type(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("untyped")
        .to_string()
}

/// The first `max` characters of `bytes`, whitespace collapsed.
fn excerpt(bytes: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match words.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &words[..cut]),
        None => words,
    }
}

/// A short reason for a failed exchange, without reqwest's URL-laden text.
fn network_reason(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        return format!("no answer within {} s", TIMEOUT.as_secs());
    }
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            return match io.kind() {
                std::io::ErrorKind::ConnectionRefused => "connection refused".to_string(),
                _ => io.to_string(),
            };
        }
        source = cause.source();
    }
    match err.is_connect() {
        true => "cannot connect".to_string(),
        false => text_without_url(err),
    }
}

/// reqwest's message without the URL it appends.
fn text_without_url(err: &reqwest::Error) -> String {
    let text = err.to_string();
    match text.split_once(" for url (") {
        Some((head, _)) => head.to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests;
