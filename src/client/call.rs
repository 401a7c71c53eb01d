//! One API call before it is sent: method, path, query, body, and whether
//! it changes anything on the server (which decides how it is retried).

use reqwest::{Method, Url};
use serde_json::Value;

/// What a call does to the server's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    /// Changes nothing: safe to send again.
    Reads,
    /// Creates, deletes, refreshes or cleans up: sent again only when the
    /// first attempt certainly never left.
    Changes,
}

/// One API call, before it is sent.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub(super) method: Method,
    segments: Vec<String>,
    query: Option<(&'static str, &'static str)>,
    pub(super) body: Option<Value>,
    pub(super) idempotency_key: Option<String>,
    pub(super) effect: Effect,
}

impl Call {
    fn new(method: Method, segments: &[&str], effect: Effect) -> Call {
        Call {
            method,
            segments: segments.iter().map(|s| s.to_string()).collect(),
            query: None,
            body: None,
            idempotency_key: None,
            effect,
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

    fn key(mut self, key: &str) -> Call {
        self.idempotency_key = Some(key.to_string());
        self
    }

    /// `POST /resource/{resourceUri}` under idempotency key `key`.
    pub(crate) fn create(resource_uri: &str, body: Value, key: &str) -> Call {
        let mut segments = vec!["resource"];
        segments.extend(resource_uri.split('/'));
        Call::new(Method::POST, &segments, Effect::Changes)
            .body(body)
            .key(key)
    }

    /// `GET /request/{id}`: an array holding that one request.
    pub(crate) fn get_request(id: &str) -> Call {
        Call::new(Method::GET, &["request", id], Effect::Reads)
    }

    /// `GET /request`, cleaning finished requests up unless `all`.
    pub(crate) fn list_requests(all: bool) -> Call {
        Call::list("request", all)
    }

    /// `GET /instance/{id}`: the instance as last stored.
    pub(crate) fn get_instance(id: &str) -> Call {
        Call::new(Method::GET, &["instance", id], Effect::Reads)
    }

    /// `GET /instance/{id}?refresh=true`: a request that reads the provider.
    pub(crate) fn refresh_instance(id: &str) -> Call {
        Call::new(Method::GET, &["instance", id], Effect::Changes).query("refresh", "true")
    }

    /// `GET /instance`, cleaning long-deleted instances up unless `all`.
    pub(crate) fn list_instances(all: bool) -> Call {
        Call::list("instance", all)
    }

    /// `DELETE /instance/{id}`: a delete request.
    pub(crate) fn delete_instance(id: &str) -> Call {
        Call::new(Method::DELETE, &["instance", id], Effect::Changes)
    }

    /// `POST /instance/{vmId}?action=image` with the image's metadata,
    /// under idempotency key `key`.
    pub(crate) fn create_image(vm_id: &str, body: Value, key: &str) -> Call {
        Call::new(Method::POST, &["instance", vm_id], Effect::Changes)
            .query("action", "image")
            .body(body)
            .key(key)
    }

    /// `GET /resource`: the catalog.
    pub(crate) fn catalog() -> Call {
        Call::new(Method::GET, &["resource"], Effect::Reads)
    }

    /// A list reads only with `all`; otherwise it cleans up as it reads.
    fn list(noun: &str, all: bool) -> Call {
        match all {
            true => Call::new(Method::GET, &[noun], Effect::Reads),
            false => Call::new(Method::GET, &[noun], Effect::Changes).query("cleanup", "true"),
        }
    }

    /// This call's URL under `base`, each path segment escaped.
    pub(super) fn url(&self, base: &Url) -> Url {
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

/// A fresh idempotency key for a create.
pub(crate) fn new_idempotency_key() -> String {
    uuid::Uuid::new_v4().to_string()
}
