//! Calls that act on an existing instance: refresh, delete and image.
//!
//! Each stores a new request whose parameters name the instance at the
//! provider, as the transcript shows:
//! `providerInstanceId, action, instanceId, {type}_providerResourceId, zone`.

use serde_json::{Map, Value};

use super::accounts::Account;
use super::create::call_fingerprint;
use super::engine::{require_payment, take_metadata, ApiError, ApiResult, Engine};
use super::objects::{self, NewRequest};
use super::store;

/// The instance an action works on, read from its stored document.
struct Target {
    doc: Map<String, Value>,
    pending: Option<String>,
}

impl Target {
    fn text(&self, key: &str) -> &str {
        self.doc
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    fn field(&self, key: &str) -> &Value {
        self.doc.get(key).unwrap_or(&Value::Null)
    }

    fn kind(&self) -> &str {
        self.text("resourceType")
    }

    fn status(&self) -> &str {
        objects::instance_status(&self.doc)
    }

    fn provider_instance_id(&self) -> Value {
        self.field("attributes")
            .get("providerInstanceId")
            .cloned()
            .unwrap_or(Value::Null)
    }

    /// `{type}_providerResourceId`: the resource at the provider; for an
    /// image, its own provider id.
    fn provider_resource_id(&self) -> Value {
        let kind = self.kind();
        if kind == "image" {
            return self.provider_instance_id();
        }
        let key = format!("{kind}_providerResourceId");
        self.field("parameters")
            .get(&key)
            .cloned()
            .unwrap_or(Value::Null)
    }

    fn zone(&self) -> Value {
        self.field("parameters")
            .get("zone")
            .cloned()
            .unwrap_or(Value::Null)
    }

    /// The parameters of a request acting on this instance.
    fn action_parameters(&self, action: &str, instance_id: &str, kind: &str) -> Map<String, Value> {
        let mut parameters = Map::new();
        parameters.insert("providerInstanceId".into(), self.provider_instance_id());
        parameters.insert("action".into(), action.into());
        parameters.insert("instanceId".into(), instance_id.into());
        parameters.insert(
            format!("{kind}_providerResourceId"),
            self.provider_resource_id(),
        );
        parameters.insert("zone".into(), self.zone());
        parameters
    }
}

impl Engine {
    fn target(&self, account: &Account, id: &str) -> Result<Target, ApiError> {
        self.catch_up()?;
        let row = self
            .store
            .read(|c| Ok(store::instance(c, Some(&account.owner_id), id)?))?;
        let row = row.ok_or_else(|| ApiError::not_found("instance", id))?;
        let Ok(Value::Object(doc)) = serde_json::from_str(&row.doc) else {
            return Err(ApiError::from(anyhow::anyhow!(
                "stored instance {id} is not a JSON object"
            )));
        };
        Ok(Target {
            doc,
            pending: row.pending,
        })
    }

    fn connector(&self, provider: &str) -> String {
        self.catalog
            .providers
            .iter()
            .find(|p| p.name == provider)
            .map_or_else(|| "unknown".to_owned(), |p| p.connector.clone())
    }

    /// A request acting on `target` (retrieve or delete), with no metadata.
    fn action_request(
        &self,
        account: &Account,
        id: &str,
        target: &Target,
        action: &str,
        at: i64,
    ) -> Map<String, Value> {
        let request_id = self.dice.uuid();
        let kind = target.kind();
        objects::request_doc(NewRequest {
            request_id: &request_id,
            instance_id: Some(id),
            at,
            owner_id: &account.owner_id,
            resource_uri: target.text("resourceUri"),
            resource_type: kind,
            provider: target.text("provider"),
            region: target.text("region"),
            connector: &self.connector(target.text("provider")),
            parameters: target.action_parameters(action, id, kind),
            metadata: None,
        })
    }

    /// `GET /instance/{id}?refresh=true`: a request that reads the provider.
    pub fn refresh_instance(&self, account: &Account, id: &str) -> ApiResult {
        let target = self.target(account, id)?;
        let action = format!("{}.retrieve", target.kind());
        self.start_action(account, id, &target, &action, self.timings.refresh, false)
    }

    /// `DELETE /instance/{id}`: a request that deletes at the provider.
    pub fn delete_instance(&self, account: &Account, id: &str) -> ApiResult {
        let target = self.target(account, id)?;
        if let Some(pending) = &target.pending {
            return Err(ApiError::conflict(format!(
                "instance {id} has a {pending} request in progress"
            )));
        }
        if matches!(target.status(), "deleting" | "deleted") {
            return Err(ApiError::conflict(format!(
                "instance {id} is already {}",
                target.status()
            )));
        }
        let action = format!("{}.delete", target.kind());
        self.start_action(account, id, &target, &action, self.timings.delete, true)
    }

    /// Stores a request acting on `target` that completes after `duration`;
    /// a `pending` one marks the instance busy until then.
    fn start_action(
        &self,
        account: &Account,
        id: &str,
        target: &Target,
        action: &str,
        duration: u64,
        pending: bool,
    ) -> ApiResult {
        self.store.write(|tx| {
            let now = store::now(tx)?;
            let doc = self.action_request(account, id, target, action, now);
            let uri = target.text("resourceUri");
            let fault = self.fault_for(tx, action, uri, target.doc.get("metadata"))?;
            let due = now + duration as i64;
            let answer = self.start_request(tx, &account.owner_id, &doc, due, fault.as_ref())?;
            if pending {
                store::set_pending(tx, id, Some(action))?;
            }
            store::mark_time(tx, now)?;
            Ok(answer)
        })
    }

    /// `POST /instance/{vmId}?action=image`: a private image made from a
    /// running vm; the answer names the new image at top level.
    pub fn create_image(
        &self,
        account: &Account,
        vm_id: &str,
        body: Value,
        key: Option<&str>,
    ) -> ApiResult {
        let target = self.target(account, vm_id)?;
        require_payment(account)?;
        if target.kind() != "vm" {
            return Err(ApiError::conflict(format!(
                "instance {vm_id} is a {}; images are made from a vm",
                target.kind()
            )));
        }
        if target.status() != "running" || target.pending.is_some() {
            return Err(ApiError::conflict(format!(
                "vm {vm_id} is {}; an image needs a running vm (refresh it with getir first)",
                target.status()
            )));
        }
        let Value::Object(mut body) = body else {
            return Err(ApiError::bad_request(
                "the request body must be a JSON object",
            ));
        };
        let fingerprint = call_fingerprint(vm_id, &body);
        let metadata = take_metadata(&mut body)?;
        let (provider, region) = (target.text("provider"), target.text("region"));
        let uri = format!("image/{provider}/{region}/");
        self.idempotent(account, key, &fingerprint, |tx, now| {
            let request_id = self.dice.uuid();
            let image_id = self.dice.uuid();
            let action = "vm.create.image";
            let parameters = target.action_parameters(action, &image_id, "vm");
            let fault = self.fault_for(tx, action, &uri, Some(&metadata))?;
            let doc = objects::request_doc(NewRequest {
                request_id: &request_id,
                instance_id: Some(&image_id),
                at: now,
                owner_id: &account.owner_id,
                resource_uri: &uri,
                resource_type: "image",
                provider,
                region,
                connector: &self.connector(provider),
                parameters,
                metadata: Some(metadata),
            });
            let due = now + self.timings.image_create as i64;
            self.start_provider_object(
                tx,
                "image",
                &image_id,
                None,
                Some(vm_id),
                due,
                fault.as_ref(),
            )?;
            let answer = self.start_request(tx, &account.owner_id, &doc, due, fault.as_ref())?;
            store::set_pending(tx, vm_id, Some(action))?;
            Ok(answer)
        })
    }
}
