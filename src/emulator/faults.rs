//! Faults on purpose: rules that make chosen requests fail, hang, lose
//! their answer or break later, so scripts can test their error paths.
//!
//! A rule matches requests by action, resource URI and metadata; an object
//! can also ask for its own fault with the metadata key `emulatorFault`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The metadata key through which a parameter file asks for a fault.
pub const METADATA_KEY: &str = "emulatorFault";

/// What a fault does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Effect {
    /// The request completes as `failed` with the rule's code and message.
    Fail,
    /// The answer to the call is delayed by `latencyMs`.
    Latency,
    /// The request never completes: it stays `in-progress`, as the tutorial
    /// warns can happen when a provider's answer is lost.
    Lose,
    /// A vm boots, runs for a while, then goes to `error`.
    ErrorAfterRunning,
}

/// A fault rule, as stored and as accepted by `POST /_emulator/faults`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Rule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// Matches a request's `parameters.action`, like `vm.create`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// Matches a request's `resourceUri` exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_uri: Option<String>,
    /// Matches when every key given has the same value in the object's metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Map<String, Value>>,
    pub effect: Effect,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
}

/// The fault chosen for one request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fault {
    pub effect: Effect,
    pub code: String,
    pub message: String,
    pub latency_ms: u64,
}

impl Rule {
    fn matches(&self, action: &str, resource_uri: &str, metadata: Option<&Value>) -> bool {
        let action_ok = self.action.as_deref().is_none_or(|a| a == action);
        let uri_ok = self
            .resource_uri
            .as_deref()
            .is_none_or(|u| u == resource_uri);
        let metadata_ok = self.metadata.as_ref().is_none_or(|wanted| {
            wanted
                .iter()
                .all(|(k, v)| metadata.and_then(|m| m.get(k)) == Some(v))
        });
        action_ok && uri_ok && metadata_ok
    }

    fn fault(&self) -> Fault {
        Fault {
            effect: self.effect,
            code: self.code.clone().unwrap_or_else(|| "ProviderError".into()),
            message: self
                .message
                .clone()
                .unwrap_or_else(|| "the provider reported an error (injected fault)".into()),
            latency_ms: self.latency_ms.unwrap_or(0),
        }
    }
}

/// The fault an object's own metadata asks for: `"emulatorFault": "fail"`
/// or `{"effect": "fail", "code": …, "message": …}`.
pub fn from_metadata(metadata: Option<&Value>) -> Option<Fault> {
    let asked = metadata?.get(METADATA_KEY)?;
    let rule: Rule = match asked {
        Value::String(effect) => {
            let effect = serde_json::from_value(Value::String(effect.clone())).ok()?;
            Rule {
                id: None,
                action: None,
                resource_uri: None,
                metadata: None,
                effect,
                code: None,
                message: None,
                latency_ms: None,
            }
        }
        other => serde_json::from_value(other.clone()).ok()?,
    };
    Some(rule.fault())
}

/// The first rule matching a new request, as the fault to apply.
pub fn choose(
    rules: &[Rule],
    action: &str,
    resource_uri: &str,
    metadata: Option<&Value>,
) -> Option<Fault> {
    rules
        .iter()
        .find(|r| r.matches(action, resource_uri, metadata))
        .map(Rule::fault)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rules_match_on_every_field_given() {
        let rule: Rule = serde_json::from_value(json!({
            "action": "vm.create", "metadata": {"name": "bad"}, "effect": "fail", "code": "NoCapacity"
        }))
        .unwrap();
        let rules = [rule];
        let bad = json!({"name": "bad"});
        let good = json!({"name": "good"});
        let fault = choose(&rules, "vm.create", "vm/a/b/c", Some(&bad)).unwrap();
        assert_eq!(fault.effect, Effect::Fail);
        assert_eq!(fault.code, "NoCapacity");
        assert!(choose(&rules, "vm.create", "vm/a/b/c", Some(&good)).is_none());
        assert!(choose(&rules, "kp.create", "vm/a/b/c", Some(&bad)).is_none());
    }

    #[test]
    fn metadata_can_ask_for_a_fault() {
        let simple = json!({"emulatorFault": "lose"});
        assert_eq!(from_metadata(Some(&simple)).unwrap().effect, Effect::Lose);
        let detailed = json!({"emulatorFault": {"effect": "fail", "message": "no"}});
        assert_eq!(from_metadata(Some(&detailed)).unwrap().message, "no");
        assert!(from_metadata(Some(&json!({"emulatorFault": "nonsense"}))).is_none());
        assert!(from_metadata(None).is_none());
    }
}
