//! A thin async HTTP client for the CWS instance API.
//!
//! A `Call` describes one API call; the `Client` shows it (the original's
//! `options:` echo) and sends it with basic auth, retrying as `retry`
//! allows. Answers are `serde_json::Value`s, in the server's key order.
//! Non-2xx answers become an `ApiError`; an unreachable endpoint a
//! `NetworkError` naming it. Headers and the password are never logged.
//! Redirects are followed, but reqwest drops the credentials when one
//! leads to another host or port; a 401 from there says so.

mod answer;
mod call;
mod retry;

use std::time::{Instant, SystemTime};

use anyhow::Context as _;
use reqwest::{header, Url};
use serde_json::{json, Value};

use crate::config::Password;
use crate::config_net::NetSettings;
use crate::error::{BadInput, NetworkError, Stage};
use answer::Answer;
pub(crate) use call::{new_idempotency_key, Call};

/// Sends calls to one endpoint as one user.
pub(crate) struct Client {
    http: reqwest::Client,
    base: Url,
    shown_base: Url,
    endpoint_name: String,
    user: String,
    password: Password,
    net: NetSettings,
    /// The largest answer body read (`MAX_ANSWER_BYTES`; tests lower it).
    max_answer_bytes: u64,
}

/// The largest answer body runcws reads: 256 MiB. A bigger one is refused
/// as it arrives, before it can exhaust memory.
const MAX_ANSWER_BYTES: u64 = 256 * 1024 * 1024;

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
    /// Proxies come from `HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY` (either
    /// case) unless the target bypasses them.
    pub(crate) fn new(
        target: Target,
        user: String,
        password: Password,
        net: NetSettings,
    ) -> anyhow::Result<Client> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(net.connect_timeout)
            .timeout(net.http_timeout)
            .user_agent(concat!("runcws/", env!("CARGO_PKG_VERSION")));
        if target.no_proxy {
            builder = builder.no_proxy();
        }
        for certificate in read_cacert(&net)? {
            builder = builder.add_root_certificate(certificate);
        }
        // Loading the system's root certificates reads every file in
        // /etc/ssl/certs: most of a plain-http call's start-up. A plain-http
        // endpoint never needs them: a redirect to https is another origin,
        // where the credentials are never sent.
        if target.base.scheme() != "https" {
            builder = builder.tls_built_in_root_certs(false);
        }
        let http = builder.build().context("setting up the HTTP client")?;
        Ok(Client {
            http,
            base: target.base,
            shown_base: target.shown_base,
            endpoint_name: target.endpoint_name,
            user,
            password,
            net,
            max_answer_bytes: MAX_ANSWER_BYTES,
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

    /// Sends `call`, again while `retry` allows; the answer's JSON, or
    /// `None` for an empty body.
    pub(crate) async fn send(&self, call: &Call) -> anyhow::Result<Option<Value>> {
        let mut attempt = 1;
        loop {
            let result = self.send_once(call).await;
            let Some(wait) = retry::delay(call.effect, attempt, &result) else {
                return result?.decode();
            };
            tracing::debug!(
                "sending {} again in {:.1} s (attempt {} of {})",
                call.method,
                wait.as_secs_f64(),
                attempt + 1,
                retry::MAX_ATTEMPTS
            );
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// One attempt: the whole answer, or how the exchange failed.
    async fn send_once(&self, call: &Call) -> Result<Answer, NetworkError> {
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
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| retry::parse_retry_after(v, SystemTime::now()));
        let foreign_origin = answer::foreign_origin(&url, response.url());
        let content_type = answer::content_type(&response);
        let bytes = self.read_body(response).await?;

        let elapsed = started.elapsed().as_millis();
        tracing::debug!("{} {} {status} {elapsed}ms", call.method, url.path());
        tracing::trace!(body = %answer::excerpt(&bytes, 2000), "answer body");
        Ok(Answer {
            status,
            content_type,
            retry_after,
            foreign_origin,
            bytes,
        })
    }

    /// The answer's body, read in chunks and refused once it is larger
    /// than `max_answer_bytes` (by its announced length, or as it comes).
    async fn read_body(&self, mut response: reqwest::Response) -> Result<Vec<u8>, NetworkError> {
        let limit = self.max_answer_bytes;
        if response.content_length().is_some_and(|n| n > limit) {
            return Err(self.oversized());
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.network_error(&e))? {
            if (bytes.len() + chunk.len()) as u64 > limit {
                return Err(self.oversized());
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }

    /// An answer larger than this client reads.
    fn oversized(&self) -> NetworkError {
        let limit = self.max_answer_bytes;
        let shown = match limit % (1024 * 1024) {
            0 => format!("{} MiB", limit / 1024 / 1024),
            _ => format!("{limit} bytes"),
        };
        NetworkError {
            endpoint: self.endpoint_name.clone(),
            reason: format!("the answer is larger than {shown}, the most runcws reads"),
            stage: Stage::Oversized,
        }
    }

    fn network_error(&self, err: &reqwest::Error) -> NetworkError {
        let stage = match (err.is_connect(), err.is_timeout()) {
            (true, _) => Stage::Connect,
            (false, true) => Stage::Timeout,
            (false, false) => Stage::Exchange,
        };
        let reason = match stage {
            Stage::Timeout => format!(
                "no answer within {} s (--http-timeout)",
                self.net.http_timeout.as_secs_f64()
            ),
            _ => network_reason(err),
        };
        NetworkError {
            endpoint: self.endpoint_name.clone(),
            reason,
            stage,
        }
    }
}

/// The certificates of the `--cacert` file, if one is given.
fn read_cacert(net: &NetSettings) -> Result<Vec<reqwest::Certificate>, BadInput> {
    let Some(path) = &net.cacert else {
        return Ok(Vec::new());
    };
    let name = path.display();
    let pem = std::fs::read(path)
        .map_err(|e| BadInput::caused_by(format!("reading CA file {name}"), e))?;
    let certificates = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|_| BadInput::new(format!("CA file {name} is not PEM certificates")))?;
    if certificates.is_empty() {
        return Err(BadInput::new(format!(
            "CA file {name} holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
        )));
    }
    Ok(certificates)
}

/// A short reason for a failed exchange, without reqwest's URL-laden text.
fn network_reason(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        return "timed out while connecting (--connect-timeout)".to_string();
    }
    let mut source = std::error::Error::source(err);
    let mut innermost = None;
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            return match io.kind() {
                std::io::ErrorKind::ConnectionRefused => "connection refused".to_string(),
                _ => io.to_string(),
            };
        }
        innermost = Some(cause.to_string());
        source = cause.source();
    }
    match (err.is_connect(), innermost) {
        (true, _) => "cannot connect".to_string(),
        (false, Some(cause)) => cause,
        (false, None) => text_without_url(err),
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
