//! Life cycles: the provider side of each object moving on with time, and
//! requests completing.
//!
//! Both are stored transitions with a due time, applied lazily and in due
//! order by `Engine::catch_up`, each as of its own due time. The provider
//! side changes by itself; the stored instance changes only when a request
//! completes and copies what the provider shows at that moment.

use serde_json::{json, Map, Value};

use super::engine::{ApiError, Engine};
use super::faults::{Effect, Fault};
use super::keys::KeyPair;
use super::objects;
use super::store::{self, Transition};

/// A completed request's results, or its error code and message.
pub(super) type Outcome = Result<Value, (String, String)>;

pub(super) fn parse_object(text: &str, what: &str) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_str(text) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(ApiError::from(anyhow::anyhow!(
            "stored {what} is not a JSON object"
        ))),
    }
}

pub(super) fn text<'a>(map: &'a Map<String, Value>, key: &str) -> &'a str {
    map.get(key).and_then(Value::as_str).unwrap_or_default()
}

pub(super) fn lost(what: &str) -> (String, String) {
    (
        "ProviderError".into(),
        format!("the provider no longer knows this {what}"),
    )
}

impl Engine {
    /// Creates the provider side of a new object and schedules how it moves
    /// on: a vm boots after its create completes, an image builds.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn start_provider_object(
        &self,
        tx: &rusqlite::Transaction,
        kind: &str,
        id: &str,
        key: Option<&KeyPair>,
        source: Option<&str>,
        completes: i64,
        fault: Option<&Fault>,
    ) -> Result<(), ApiError> {
        let state = match (kind, key) {
            ("kp", Some(key)) => json!({
                "status": "created", "providerInstanceId": id, "publicKey": key.public_key,
                "privateKey": key.private_key, "keyFingerprint": key.fingerprint,
            }),
            ("vm", _) => json!({
                "status": "creating", "providerInstanceId": self.dice.vm_number(),
                "password": self.dice.password(),
            }),
            _ => json!({
                "status": "creating", "providerInstanceId": self.dice.ami(),
                "imageNumber": self.dice.image_number(), "progress": 0, "sourceVm": source,
            }),
        };
        store::put_provider(tx, id, &state.to_string())?;
        match kind {
            "vm" => self.schedule_boot(tx, id, completes, fault),
            "image" => self.schedule_build(tx, id, completes),
            _ => Ok(()),
        }
    }

    fn schedule_boot(
        &self,
        tx: &rusqlite::Transaction,
        id: &str,
        from: i64,
        fault: Option<&Fault>,
    ) -> Result<(), ApiError> {
        let booted = from + self.timings.vm_boot as i64;
        let running = json!({
            "from": "creating",
            "set": {
                "status": "running",
                "privateIpAddress": self.dice.private_ip(),
                "publicIpAddress": self.dice.public_ip(),
            }
        });
        store::schedule(tx, booted, "provider", id, &running.to_string())?;
        if fault.is_some_and(|f| f.effect == Effect::ErrorAfterRunning) {
            let broken = booted + (self.timings.vm_boot as i64 / 2).max(1);
            let error = json!({ "from": "running", "set": { "status": "error" } });
            store::schedule(tx, broken, "provider", id, &error.to_string())?;
        }
        Ok(())
    }

    fn schedule_build(
        &self,
        tx: &rusqlite::Transaction,
        id: &str,
        from: i64,
    ) -> Result<(), ApiError> {
        let build = self.timings.image_build as i64;
        for quarter in 1..=4 {
            let progress = quarter * 25;
            let set = match quarter {
                4 => json!({ "status": "created", "progress": 100 }),
                _ => json!({ "progress": progress }),
            };
            let step = json!({ "from": "creating", "set": set });
            store::schedule(
                tx,
                from + build * quarter / 4,
                "provider",
                id,
                &step.to_string(),
            )?;
        }
        Ok(())
    }

    /// Applies one due transition.
    pub(crate) fn apply(
        &self,
        tx: &rusqlite::Transaction,
        transition: &Transition,
    ) -> Result<(), ApiError> {
        match transition.kind.as_str() {
            "complete" => self.complete(tx, transition),
            "provider" => self.provider_moves(tx, transition),
            other => {
                tracing::warn!("skipping a transition of unknown kind {other}");
                Ok(())
            }
        }
    }

    /// The provider side moves on, if it is still in the expected status.
    fn provider_moves(
        &self,
        tx: &rusqlite::Transaction,
        transition: &Transition,
    ) -> Result<(), ApiError> {
        let Some(text) = store::provider(tx, &transition.target)? else {
            return Ok(());
        };
        let mut state = parse_object(&text, "provider state")?;
        let step = parse_object(&transition.data, "transition")?;
        if step
            .get("from")
            .and_then(Value::as_str)
            .is_some_and(|from| from != text_of(&state))
        {
            return Ok(());
        }
        if let Some(Value::Object(set)) = step.get("set") {
            for (key, value) in set {
                state.insert(key.clone(), value.clone());
            }
        }
        let state = Value::Object(state).to_string();
        Ok(store::put_provider(tx, &transition.target, &state)?)
    }

    /// A request completes: it reads or changes the provider side, writes
    /// the instance, and records its results (or its error).
    fn complete(
        &self,
        tx: &rusqlite::Transaction,
        transition: &Transition,
    ) -> Result<(), ApiError> {
        let Some(stored) = store::request(tx, None, &transition.target)? else {
            return Ok(());
        };
        let mut request = parse_object(&stored, "request")?;
        let data = parse_object(&transition.data, "transition")?;
        let fault: Option<Fault> = data
            .get("fault")
            .and_then(|f| serde_json::from_value(f.clone()).ok());
        let parameters = request
            .get("parameters")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let action = text(&parameters, "action").to_owned();
        let instance_id = text(&parameters, "instanceId").to_owned();
        let at = transition.due;
        let outcome = match fault.filter(|f| f.effect == Effect::Fail) {
            Some(fault) => Err((fault.code, fault.message)),
            None if action.ends_with(".create") || action == "vm.create.image" => {
                self.complete_create(tx, &request, &instance_id, at)?
            }
            None if action.ends_with(".retrieve") => {
                self.complete_refresh(tx, &request, &instance_id, at)?
            }
            None if action.ends_with(".delete") => {
                self.complete_delete(tx, &request, &instance_id, at)?
            }
            None => Err(("BadAction".into(), format!("unknown action {action}"))),
        };
        self.after_request(tx, &action, &instance_id, outcome.is_ok())?;
        let status = match outcome {
            Ok(_) => objects::COMPLETED,
            Err(_) => objects::FAILED,
        };
        let outcome = match &outcome {
            Ok(results) => Ok(results.clone()),
            Err((code, message)) => Err((code.as_str(), message.as_str())),
        };
        objects::finish_request(&mut request, at, outcome);
        let owner = text(&request, "ownerId").to_owned();
        let request_id = text(&request, "requestId").to_owned();
        store::put_request(
            tx,
            &request_id,
            &owner,
            status,
            &Value::Object(request).to_string(),
        )?;
        Ok(())
    }

    /// Clears what a finished request held: the pending mark of a delete,
    /// the source vm of an image; a failed create leaves nothing behind.
    fn after_request(
        &self,
        tx: &rusqlite::Transaction,
        action: &str,
        id: &str,
        succeeded: bool,
    ) -> Result<(), ApiError> {
        if action.ends_with(".delete") {
            store::set_pending(tx, id, None)?;
        }
        if action == "vm.create.image" {
            if let Some(state) = store::provider(tx, id)? {
                let state = parse_object(&state, "provider state")?;
                if let Some(vm) = state.get("sourceVm").and_then(Value::as_str) {
                    store::set_pending(tx, vm, None)?;
                }
            }
        }
        let is_create = action.ends_with(".create") || action == "vm.create.image";
        if is_create && !succeeded {
            store::remove_provider(tx, id)?;
        }
        Ok(())
    }
}

/// The provider-side status in a provider state.
pub(super) fn text_of(state: &Map<String, Value>) -> &str {
    text(state, "status")
}
