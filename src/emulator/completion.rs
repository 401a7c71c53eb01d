//! Requests completing: what each kind of request reads from or does to the
//! provider side, and how it writes the stored instance and its results.

use serde_json::{json, Map, Value};

use super::engine::{ApiError, Engine};
use super::lifecycle::{lost, parse_object, text, text_of, Outcome};
use super::objects::{self, HIDDEN};
use super::store;

type Object = Map<String, Value>;

impl Engine {
    /// A create completes: the instance exists from now on, as the provider
    /// shows it; the results hide its secrets.
    pub(super) fn complete_create(
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

    /// A refresh completes: what the provider shows now is written into the
    /// stored instance (the only way news reaches it).
    pub(super) fn complete_refresh(
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

    /// A delete completes: the provider deletes (a booting vm takes a while,
    /// and shows `deleting` first) and the instance says so.
    pub(super) fn complete_delete(
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
