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
use super::objects::{self, HIDDEN};
use super::store::{self, Transition};

type Outcome = Result<Value, (String, String)>;
type Object = Map<String, Value>;

fn parse_object(text: &str, what: &str) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_str(text) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(ApiError::from(anyhow::anyhow!(
            "stored {what} is not a JSON object"
        ))),
    }
}

fn text<'a>(map: &'a Map<String, Value>, key: &str) -> &'a str {
    map.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn lost(what: &str) -> (String, String) {
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

    fn complete_create(
        &self,
        tx: &rusqlite::Transaction,
        request: &Map<String, Value>,
        id: &str,
        at: i64,
    ) -> Result<Outcome, ApiError> {
        let Some(state) = store::provider(tx, id)? else {
            return Ok(Err(lost("object")));
        };
        let state = parse_object(&state, "provider state")?;
        let status = text_of(&state);
        let field = |key: &str| state.get(key).cloned().unwrap_or(Value::Null);
        let kind = text(request, "resourceType");
        let mut uri = text(request, "resourceUri").to_owned();
        let (attributes, stamped, results) = match kind {
            "kp" => (
                vec![
                    ("providerInstanceId", field("providerInstanceId")),
                    ("publicKey", field("publicKey")),
                    ("privateKey", field("privateKey")),
                    ("keyFingerprint", field("keyFingerprint")),
                ],
                vec!["instanceStatus"],
                json!({
                    "providerInstanceId": field("providerInstanceId"),
                    "keyFingerprint": field("keyFingerprint"),
                    "privateKey": HIDDEN,
                    "publicKey": field("publicKey"),
                    "instanceStatus": status,
                }),
            ),
            "vm" => (
                vec![
                    ("providerInstanceId", field("providerInstanceId")),
                    ("password", field("password")),
                ],
                vec!["password", "instanceStatus"],
                json!({
                    "providerInstanceId": field("providerInstanceId"),
                    "instanceStatus": status,
                    "password": HIDDEN,
                }),
            ),
            _ => {
                uri.push_str(text(&state, "providerInstanceId"));
                (
                    vec![("providerInstanceId", field("providerInstanceId"))],
                    vec!["instanceStatus"],
                    json!({ "providerInstanceId": field("providerInstanceId"), "instanceStatus": status }),
                )
            }
        };
        let mut map: Map<String, Value> = attributes
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        map.insert("instanceStatus".into(), status.into());
        map.insert(
            "transientStatus".into(),
            objects::is_transient(status).into(),
        );
        let doc = objects::instance_doc(request, id, &uri, at, map, &stamped);
        self.put_instance_doc(tx, id, &doc, at)?;
        Ok(Ok(results))
    }

    fn complete_refresh(
        &self,
        tx: &rusqlite::Transaction,
        request: &Map<String, Value>,
        id: &str,
        at: i64,
    ) -> Result<Outcome, ApiError> {
        let Some((mut doc, state)) = self.instance_and_provider(tx, id)? else {
            return Ok(Err(("NotFound".into(), format!("instance {id} not found"))));
        };
        let status = text_of(&state);
        let kind = text(&doc, "resourceType").to_owned();
        let field = |key: &str| state.get(key).cloned();
        let mut values: Vec<(&str, Value)> = Vec::new();
        let mut results = Map::new();
        match kind.as_str() {
            "vm" => {
                if let Some(password) = field("password") {
                    values.push(("password", password));
                }
                values.push(("instanceStatus", status.into()));
                results.insert("instanceStatus".into(), status.into());
                for ip in ["privateIpAddress", "publicIpAddress"] {
                    if let Some(address) = field(ip) {
                        values.push((ip, address.clone()));
                        results.insert(ip.into(), address);
                    }
                }
            }
            "image" => {
                values.push(("instanceStatus", status.into()));
                results.insert(
                    "providerInstanceId".into(),
                    field("imageNumber").unwrap_or(Value::Null),
                );
                results.insert("progress".into(), field("progress").unwrap_or(json!(0)));
                results.insert("instanceStatus".into(), status.into());
            }
            _ => {
                values.push(("instanceStatus", status.into()));
                results.insert(
                    "providerInstanceId".into(),
                    field("providerInstanceId").unwrap_or(Value::Null),
                );
                results.insert(
                    "keyFingerprint".into(),
                    field("keyFingerprint").unwrap_or(Value::Null),
                );
                results.insert("instanceStatus".into(), status.into());
            }
        }
        let resource_id = provider_resource_id(request, &kind);
        objects::write_attributes(&mut doc, at, &resource_id, &values);
        self.put_instance_doc(tx, id, &doc, at)?;
        Ok(Ok(Value::Object(results)))
    }

    fn complete_delete(
        &self,
        tx: &rusqlite::Transaction,
        request: &Map<String, Value>,
        id: &str,
        at: i64,
    ) -> Result<Outcome, ApiError> {
        let Some((mut doc, mut state)) = self.instance_and_provider(tx, id)? else {
            return Ok(Err(("NotFound".into(), format!("instance {id} not found"))));
        };
        let kind = text(&doc, "resourceType").to_owned();
        // A vm deleted while it still boots takes a while to go.
        let status = if kind == "vm" && text_of(&state) == "creating" {
            let gone = json!({ "from": "deleting", "set": { "status": "deleted" } });
            store::schedule(
                tx,
                at + self.timings.vm_deleting as i64,
                "provider",
                id,
                &gone.to_string(),
            )?;
            "deleting"
        } else {
            "deleted"
        };
        state.insert("status".into(), status.into());
        store::put_provider(tx, id, &Value::Object(state).to_string())?;
        let resource_id = provider_resource_id(request, &kind);
        objects::write_attributes(
            &mut doc,
            at,
            &resource_id,
            &[("instanceStatus", status.into())],
        );
        self.put_instance_doc(tx, id, &doc, at)?;
        Ok(Ok(json!({ "instanceStatus": status })))
    }

    /// An instance's stored document and its provider side; a provider
    /// that no longer knows the object reads as `deleted`.
    fn instance_and_provider(
        &self,
        tx: &rusqlite::Transaction,
        id: &str,
    ) -> Result<Option<(Object, Object)>, ApiError> {
        let Some(row) = store::instance(tx, None, id)? else {
            return Ok(None);
        };
        let doc = parse_object(&row.doc, "instance")?;
        let state = match store::provider(tx, id)? {
            Some(state) => parse_object(&state, "provider state")?,
            None => Map::from_iter([("status".to_owned(), Value::from("deleted"))]),
        };
        Ok(Some((doc, state)))
    }

    /// Stores an instance document written at `at`; a deleted one expires
    /// after the retention.
    fn put_instance_doc(
        &self,
        tx: &rusqlite::Transaction,
        id: &str,
        doc: &Map<String, Value>,
        at: i64,
    ) -> Result<(), ApiError> {
        let stored = Value::Object(doc.clone()).to_string();
        store::put_instance(
            tx,
            &store::NewInstance {
                id,
                owner: text(doc, "ownerId"),
                status: objects::instance_status(doc),
                resource_uri: text(doc, "resourceUri"),
                doc: &stored,
                expires: at + self.timings.retention as i64,
            },
        )?;
        Ok(())
    }
}

/// The provider-side status in a provider state.
fn text_of(state: &Map<String, Value>) -> &str {
    text(state, "status")
}

/// `{type}_providerResourceId` of an acting request, as a string.
fn provider_resource_id(request: &Map<String, Value>, kind: &str) -> String {
    match request
        .get("parameters")
        .and_then(|p| p.get(format!("{kind}_providerResourceId")))
    {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}
