//! Creates: a key pair or a virtual machine from a catalog resource.
//!
//! The request's parameters are the body's (`imageUri`), then `action`,
//! `instanceId`, `{type}_providerResourceId`, `zone`, then the catalog's
//! values as strings, as the transcript shows.

use serde_json::{Map, Value};

use super::accounts::Account;
use super::catalog::ResourceUri;
use super::engine::{require_payment, take_metadata, ApiError, ApiResult, Engine};
use super::objects::{self, NewRequest};
use super::store;

impl Engine {
    /// `POST /resource/{type}/{provider}/{region}/{id}`: creates a kp or vm.
    pub fn create_resource(
        &self,
        account: &Account,
        uri: &str,
        body: Value,
        key: Option<&str>,
    ) -> ApiResult {
        let Some(parsed) = ResourceUri::parse(uri) else {
            return Err(ApiError::not_found("resource", uri));
        };
        let (provider, region, resource) = self
            .catalog
            .resource(&parsed)
            .ok_or_else(|| ApiError::not_found("resource", uri))?;
        require_payment(account)?;
        let Value::Object(mut body) = body else {
            return Err(ApiError::bad_request(
                "the request body must be a JSON object",
            ));
        };
        let fingerprint = call_fingerprint(uri, &body);
        let metadata = take_metadata(&mut body)?;
        body.shift_remove("resourceUri");
        self.catch_up()?;
        let image = match parsed.kind {
            "vm" => Some(self.boot_image(account, &parsed, &body)?),
            _ => None,
        };
        // Key generation is slow: do it before the write transaction.
        let key_pair = match parsed.kind {
            "kp" => Some(self.keys.take()?),
            _ => None,
        };
        let kind = parsed.kind;
        self.idempotent(account, key, &fingerprint, |tx, now| {
            let request_id = self.dice.uuid();
            let instance_id = self.dice.uuid();
            let mut parameters = body;
            parameters.insert("action".into(), format!("{kind}.create").into());
            parameters.insert("instanceId".into(), instance_id.clone().into());
            parameters.insert(
                format!("{kind}_providerResourceId"),
                resource.provider_resource_id.clone().into(),
            );
            parameters.insert("zone".into(), region.zone.clone().into());
            for (name, value) in &resource.parameters {
                parameters.insert(name.clone(), stringify(value).into());
            }
            if let Some(image) = &image {
                parameters.insert("image_providerResourceId".into(), image.clone().into());
            }
            let action = format!("{kind}.create");
            let fault = self.fault_for(tx, &action, uri, Some(&metadata))?;
            let doc = objects::request_doc(NewRequest {
                request_id: &request_id,
                instance_id: None,
                at: now,
                owner_id: &account.owner_id,
                resource_uri: uri,
                resource_type: kind,
                provider: &provider.name,
                region: &region.name,
                connector: &provider.connector,
                parameters,
                metadata: Some(metadata),
            });
            let due = match kind {
                "kp" => now + self.timings.kp_create as i64,
                _ => now + self.timings.vm_create as i64,
            };
            self.start_provider_object(
                tx,
                kind,
                &instance_id,
                key_pair.as_ref(),
                None,
                due,
                fault.as_ref(),
            )?;
            self.start_request(tx, &account.owner_id, &doc, due, fault.as_ref())
        })
    }

    /// The `image_providerResourceId` of a vm's `imageUri`: a public image
    /// of the catalog or one of the account's own created images, in the
    /// vm's provider and region.
    fn boot_image(
        &self,
        account: &Account,
        vm: &ResourceUri,
        body: &Map<String, Value>,
    ) -> Result<String, ApiError> {
        let Some(Value::String(image_uri)) = body.get("imageUri") else {
            return Err(ApiError::bad_request(
                "a vm needs an imageUri string, like image/hpcloud/nova/ami-00000075",
            ));
        };
        let shaped = image_uri.starts_with("image/") && image_uri.split('/').count() == 4;
        if !shaped {
            return Err(ApiError::bad_request(format!(
                "imageUri {image_uri:?} is not of the form image/provider/region/id"
            )));
        }
        // Well shaped but naming nothing we serve (odd bytes included): 404.
        let Some(image) = ResourceUri::parse(image_uri) else {
            return Err(ApiError::not_found("image", image_uri));
        };
        if (image.provider, image.region) != (vm.provider, vm.region) {
            return Err(ApiError::new(
                404,
                "NotFound",
                format!(
                    "image {image_uri} is not in {}/{}, where the vm is",
                    vm.provider, vm.region
                ),
            ));
        }
        if self.catalog.has_image(&image) {
            return Ok(image.id.to_owned());
        }
        let own = self
            .store
            .read(|c| Ok(store::instance_by_uri(c, &account.owner_id, image_uri)?))?;
        match own {
            Some(row) if row.status == "created" => Ok(image.id.to_owned()),
            Some(row) => Err(ApiError::conflict(format!(
                "image {image_uri} is {}, not created",
                row.status
            ))),
            None => Err(ApiError::not_found("image", image_uri)),
        }
    }
}

/// Tells calls apart for idempotency keys: the target and the body.
pub(crate) fn call_fingerprint(target: &str, body: &Map<String, Value>) -> String {
    use md5::{Digest as _, Md5};
    let digest = Md5::digest(format!("{target}\n{}", Value::Object(body.clone())));
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Catalog values land in parameters as strings.
fn stringify(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
