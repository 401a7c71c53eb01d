//! Entry points for `cargo bench` into the client's crate-private hot
//! paths: the transcript's `options:` echo and the state file update.
//!
//! Not API: hidden from the docs, free to change with the code it wraps.
//! The emulator's hot paths are benched through its public `Engine`.

use std::path::PathBuf;

use anyhow::Context as _;
use reqwest::Url;
use serde_json::Value;

use crate::client::{new_idempotency_key, Call, Client, Target};
use crate::config::Password;
use crate::config_net::NetSettings;
use crate::state::{IdKind, StateFile};

/// Renders the transcript lines of one create call, as a client of
/// `base` prints them (without writing them anywhere).
pub struct Transcript {
    client: Client,
}

impl Transcript {
    /// A transcript for calls to `base` (an `http://…/api` URL).
    pub fn new(base: &str) -> anyhow::Result<Transcript> {
        let base = Url::parse(base).context("parsing the base URL")?;
        let target = Target {
            shown_base: base.clone(),
            base,
            endpoint_name: "bench".to_owned(),
            no_proxy: true,
        };
        let password = Password::new("secret");
        let client = Client::new(
            target,
            "bench-user".to_owned(),
            password,
            NetSettings::default(),
        )?;
        Ok(Transcript { client })
    }

    /// The `options:` line of `createi` for `resource_uri` and `body`, and
    /// the result as printed; both indented the way `output` prints them.
    pub fn create(&self, resource_uri: &str, body: Value, answer: &Value) -> String {
        let options =
            self.client
                .options(&Call::create(resource_uri, body, &new_idempotency_key()));
        let options = serde_json::to_string_pretty(&options).unwrap_or_default();
        let answer = serde_json::to_string_pretty(answer).unwrap_or_default();
        format!("options: {options}\n----- RESULT -----\n{answer}\n")
    }
}

/// The state file at one path, as `createi`, `getr` and `deletei` update it.
pub struct State(StateFile);

impl State {
    /// The state file at exactly `path`.
    pub fn at(path: PathBuf) -> State {
        State(StateFile::at(path))
    }

    /// Records `request_id` (and `instance_id`) as current; the number of
    /// ids that changed.
    pub fn set(&self, request_id: &str, instance_id: Option<&str>) -> anyhow::Result<usize> {
        let mut ids = vec![(IdKind::Request, request_id)];
        ids.extend(instance_id.map(|id| (IdKind::Instance, id)));
        Ok(self.0.set(&ids)?.len())
    }
}
