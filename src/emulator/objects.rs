//! The API's two objects, requests and instances, as JSON documents with
//! their keys in the order the transcript shows.

use serde_json::{json, Map, Value};
use time::OffsetDateTime;

/// Secrets are replaced by this in every request, answer and list.
pub const HIDDEN: &str = "<HIDDEN>";

/// Request status while the operation runs.
pub const IN_PROGRESS: &str = "in-progress";
/// Request status once it succeeded.
pub const COMPLETED: &str = "completed";
/// Request status once it failed.
pub const FAILED: &str = "failed";

/// RFC 3339 UTC with milliseconds: `2014-01-09T22:51:39.039Z`.
pub fn timestamp(ms: i64) -> String {
    let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.millisecond()
    )
}

/// Whether an instance in this status will change by itself.
pub fn is_transient(status: &str) -> bool {
    matches!(status, "creating" | "deleting" | "pending")
}

/// What a new request is about, before it has a status.
pub struct NewRequest<'a> {
    pub request_id: &'a str,
    /// The id shown at top level while in progress (not for creates).
    pub instance_id: Option<&'a str>,
    pub at: i64,
    pub owner_id: &'a str,
    pub resource_uri: &'a str,
    pub resource_type: &'a str,
    pub provider: &'a str,
    pub region: &'a str,
    pub connector: &'a str,
    pub parameters: Map<String, Value>,
    pub metadata: Option<Value>,
}

/// An in-progress request document.
pub fn request_doc(new: NewRequest) -> Map<String, Value> {
    let at = timestamp(new.at);
    let mut doc = Map::new();
    doc.insert("requestId".into(), new.request_id.into());
    if let Some(id) = new.instance_id {
        doc.insert("instanceId".into(), id.into());
    }
    doc.insert("created".into(), at.clone().into());
    doc.insert("updated".into(), at.into());
    doc.insert("ownerId".into(), new.owner_id.into());
    doc.insert("requestStatus".into(), IN_PROGRESS.into());
    doc.insert("resourceUri".into(), new.resource_uri.into());
    doc.insert("resourceType".into(), new.resource_type.into());
    doc.insert("provider".into(), new.provider.into());
    doc.insert("region".into(), new.region.into());
    doc.insert("connector".into(), new.connector.into());
    doc.insert("parameters".into(), Value::Object(new.parameters));
    if let Some(metadata) = new.metadata {
        doc.insert("metadata".into(), metadata);
    }
    doc
}

/// Marks a request finished: status, time, the top-level `instanceId`
/// (right after `requestId`), then `results` or `error` last.
pub fn finish_request(doc: &mut Map<String, Value>, at: i64, outcome: Result<Value, (&str, &str)>) {
    doc.insert("updated".into(), timestamp(at).into());
    if !doc.contains_key("instanceId") {
        if let Some(id) = doc
            .get("parameters")
            .and_then(|p| p.get("instanceId"))
            .cloned()
        {
            doc.shift_insert(1, "instanceId".into(), id);
        }
    }
    match outcome {
        Ok(results) => {
            doc.insert("requestStatus".into(), COMPLETED.into());
            doc.insert("results".into(), results);
        }
        Err((code, message)) => {
            doc.insert("requestStatus".into(), FAILED.into());
            doc.insert("error".into(), json!({ "code": code, "message": message }));
        }
    }
}

/// A new instance document, made when its create request completes.
pub fn instance_doc(
    request: &Map<String, Value>,
    instance_id: &str,
    resource_uri: &str,
    at: i64,
    attributes: Map<String, Value>,
    stamped: &[&str],
) -> Map<String, Value> {
    let at_text = timestamp(at);
    let field = |key: &str| request.get(key).cloned().unwrap_or(Value::Null);
    let mut parameters = match request.get("parameters") {
        Some(Value::Object(p)) => p.clone(),
        _ => Map::new(),
    };
    parameters.shift_remove("action");
    parameters.shift_remove("instanceId");
    let mut doc = Map::new();
    doc.insert("instanceId".into(), instance_id.into());
    doc.insert("created".into(), at_text.clone().into());
    doc.insert("updated".into(), at_text.clone().into());
    doc.insert("ownerId".into(), field("ownerId"));
    doc.insert("resourceUri".into(), resource_uri.into());
    doc.insert("resourceType".into(), field("resourceType"));
    doc.insert("provider".into(), field("provider"));
    doc.insert("region".into(), field("region"));
    doc.insert("attributes".into(), Value::Object(attributes));
    let stamps: Map<String, Value> = stamped
        .iter()
        .map(|key| (key.to_string(), Value::from(at_text.clone())))
        .collect();
    doc.insert("attributeTimestamps".into(), Value::Object(stamps));
    doc.insert(
        "metadata".into(),
        request
            .get("metadata")
            .cloned()
            .unwrap_or_else(|| json!({})),
    );
    doc.insert("parameters".into(), Value::Object(parameters));
    doc
}

/// Writes what a provider call read into an instance: attribute values, the
/// time each was written, `transientStatus`, `providerResourceId` (right
/// after `region`) and `updated`.
pub fn write_attributes(
    doc: &mut Map<String, Value>,
    at: i64,
    provider_resource_id: &str,
    values: &[(&str, Value)],
) {
    let at_text = timestamp(at);
    doc.insert("updated".into(), at_text.clone().into());
    if !doc.contains_key("providerResourceId") {
        let index = doc
            .keys()
            .position(|k| k == "region")
            .map_or(doc.len(), |i| i + 1);
        doc.shift_insert(
            index,
            "providerResourceId".into(),
            provider_resource_id.into(),
        );
    }
    if let Some(Value::Object(attributes)) = doc.get_mut("attributes") {
        for (key, value) in values {
            attributes.insert(key.to_string(), value.clone());
        }
        if let Some(status) = attributes.get("instanceStatus").and_then(Value::as_str) {
            let transient = is_transient(status);
            attributes.insert("transientStatus".into(), transient.into());
        }
    }
    if let Some(Value::Object(stamps)) = doc.get_mut("attributeTimestamps") {
        for (key, _) in values {
            stamps.insert(key.to_string(), at_text.clone().into());
        }
    }
}

/// The status an instance document shows.
pub fn instance_status(doc: &Map<String, Value>) -> &str {
    doc.get("attributes")
        .and_then(|a| a.get("instanceStatus"))
        .and_then(Value::as_str)
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_milliseconds_and_a_z() {
        assert_eq!(timestamp(1_389_307_899_039), "2014-01-09T22:51:39.039Z");
        assert_eq!(timestamp(0), "1970-01-01T00:00:00.000Z");
    }

    fn sample_request() -> Map<String, Value> {
        let mut parameters = Map::new();
        parameters.insert("action".into(), "kp.create".into());
        parameters.insert("instanceId".into(), "i-1".into());
        parameters.insert("kp_providerResourceId".into(), "standard".into());
        request_doc(NewRequest {
            request_id: "r-1",
            instance_id: None,
            at: 0,
            owner_id: "o",
            resource_uri: "kp/hpcloud/nova/standard",
            resource_type: "kp",
            provider: "hpcloud",
            region: "nova",
            connector: "openStack.compute",
            parameters,
            metadata: Some(json!({"name": "KP1"})),
        })
    }

    #[test]
    fn a_finished_request_gains_instance_id_after_request_id_and_results_last() {
        let mut doc = sample_request();
        assert!(!doc.contains_key("instanceId"));
        finish_request(&mut doc, 900, Ok(json!({"instanceStatus": "created"})));
        let keys: Vec<_> = doc.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "requestId",
                "instanceId",
                "created",
                "updated",
                "ownerId",
                "requestStatus",
                "resourceUri",
                "resourceType",
                "provider",
                "region",
                "connector",
                "parameters",
                "metadata",
                "results"
            ]
        );
        assert_eq!(doc["requestStatus"], COMPLETED);
        assert_eq!(doc["updated"], "1970-01-01T00:00:00.900Z");
    }

    #[test]
    fn an_instance_takes_the_requests_parameters_without_action_and_id() {
        let request = sample_request();
        let mut attributes = Map::new();
        attributes.insert("instanceStatus".into(), "created".into());
        let mut doc = instance_doc(
            &request,
            "i-1",
            "kp/hpcloud/nova/standard",
            5,
            attributes,
            &["instanceStatus"],
        );
        assert_eq!(
            doc["parameters"],
            json!({"kp_providerResourceId": "standard"})
        );
        write_attributes(
            &mut doc,
            9,
            "standard",
            &[("instanceStatus", "deleted".into())],
        );
        let keys: Vec<_> = doc.keys().map(String::as_str).collect();
        assert_eq!(keys[8], "providerResourceId");
        assert_eq!(doc["attributes"]["transientStatus"], false);
        assert_eq!(
            doc["attributeTimestamps"]["instanceStatus"],
            "1970-01-01T00:00:00.009Z"
        );
    }
}
