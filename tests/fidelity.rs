//! Fidelity: the transcript's three walkthroughs against `runcws serve`,
//! every answer compared with the transcript's (repaired, in
//! `tests/fixtures/`) after scrubbing ids, times, keys, passwords and
//! addresses: same keys in the same order, same value types, same values.

mod common;

use common::{Client, Home, Server};
use serde_json::{Map, Value};

/// Keys whose values differ on every run.
const VOLATILE: [&str; 9] = [
    "requestId",
    "instanceId",
    "ownerId",
    "created",
    "updated",
    "publicKey",
    "keyFingerprint",
    "privateIpAddress",
    "publicIpAddress",
];

/// The catalog image the demo vm boots from, kept as is.
const CATALOG_IMAGE: &str = "ami-00000075";

fn fixture(name: &str) -> (String, Value) {
    let path = format!("{}/tests/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut wrapper: Value = serde_json::from_str(&text).unwrap();
    let step = wrapper["transcriptStep"].as_str().unwrap().to_owned();
    (step, wrapper["answer"].take())
}

fn scrub_private_image(text: &str) -> String {
    let Some(at) = text.find("ami-") else {
        return text.to_owned();
    };
    let token: String = text[at..].chars().take_while(|c| *c != '/').collect();
    if token == CATALOG_IMAGE {
        return text.to_owned();
    }
    format!("{}ami-X{}", &text[..at], &text[at + token.len()..])
}

fn scrub_value(key: &str, parent: &str, value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(scrub_map(key, map)),
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| scrub_value(key, parent, v)).collect())
        }
        Value::String(_) if parent == "attributeTimestamps" => "<time>".into(),
        Value::String(_) if VOLATILE.contains(&key) => "<volatile>".into(),
        Value::String(s) if matches!(key, "privateKey" | "password") && s != "<HIDDEN>" => {
            "<secret>".into()
        }
        Value::String(s) if key == "providerInstanceId" && s.len() == 36 => "<uuid>".into(),
        Value::String(s)
            if key == "providerInstanceId" && s.bytes().all(|b| b.is_ascii_digit()) =>
        {
            "<digits>".into()
        }
        Value::String(s) => scrub_private_image(s).into(),
        Value::Number(_) if key == "providerInstanceId" => 0.into(),
        other => other.clone(),
    }
}

fn scrub_map(parent: &str, map: &Map<String, Value>) -> Map<String, Value> {
    map.iter()
        .map(|(k, v)| (k.clone(), scrub_value(k, parent, v)))
        .collect()
}

/// Paths where the two documents' keys differ in set or order.
fn key_order_differences(path: &str, want: &Value, got: &Value, out: &mut Vec<String>) {
    match (want, got) {
        (Value::Object(w), Value::Object(g)) => {
            let (wk, gk): (Vec<_>, Vec<_>) = (w.keys().collect(), g.keys().collect());
            if wk != gk {
                out.push(format!("{path}: keys {wk:?}, got {gk:?}"));
            }
            for (k, v) in w {
                if let Some(other) = g.get(k) {
                    key_order_differences(&format!("{path}.{k}"), v, other, out);
                }
            }
        }
        (Value::Array(w), Value::Array(g)) => {
            for (i, (a, b)) in w.iter().zip(g).enumerate() {
                key_order_differences(&format!("{path}[{i}]"), a, b, out);
            }
        }
        _ => {}
    }
}

/// Asserts that `got` matches the fixture `name`.
fn assert_like(name: &str, got: &Value) {
    let (step, want) = fixture(name);
    let (want, got) = (scrub_value("", "", &want), scrub_value("", "", got));
    let mut differences = Vec::new();
    key_order_differences("$", &want, &got, &mut differences);
    assert!(differences.is_empty(), "{name} ({step}): {differences:#?}");
    assert_eq!(
        want,
        got,
        "{name} ({step}):\nwant {}\ngot  {}",
        serde_json::to_string_pretty(&want).unwrap(),
        serde_json::to_string_pretty(&got).unwrap()
    );
}

/// Refreshes the current instance until the refresh finds `status`;
/// returns the refresh request's answer and its completed form.
fn refresh_until(client: &Client, status: &str) -> (Value, Value) {
    for _ in 0..200 {
        let started = client.run(&["getir"]).json();
        let done = client.wait_request().json();
        if done[0]["results"]["instanceStatus"] == status {
            return (started, done);
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("the instance never became {status}");
}

#[test]
fn key_pair_walkthrough_matches_the_transcript() {
    let home = Home::new();
    let server = Server::start(&home);
    let client = Client {
        home: &home,
        base_url: Some(server.base_url.clone()),
    };
    assert_like(
        "kp-1-createi",
        &client.run(&["createi", "demo/kp.create.json"]).json(),
    );
    assert_like("kp-2-getr", &client.wait_request().json());
    assert_like("kp-3-geti", &client.run(&["geti"]).json());
    assert_like("kp-4-listi", &client.run(&["listi"]).json());
    assert_like("kp-5-deletei", &client.run(&["deletei"]).json());
    assert_like("kp-6-getr", &client.wait_request().json());
    assert_like("kp-7-geti", &client.run(&["geti"]).json());
}

#[test]
fn virtual_machine_walkthrough_matches_the_transcript() {
    let home = Home::new();
    let server = Server::start(&home);
    let client = Client {
        home: &home,
        base_url: Some(server.base_url.clone()),
    };
    assert_like(
        "vm-1-createi",
        &client.run(&["createi", "demo/vm.create.json"]).json(),
    );
    assert_like("vm-2-getr", &client.wait_request().json());
    assert_like("vm-3-geti", &client.run(&["geti"]).json());
    let (started, done) = refresh_until(&client, "running");
    assert_like("vm-4-getir", &started);
    assert_like("vm-5-getr", &done);
    assert_like("vm-6-geti", &client.run(&["geti"]).json());
    assert_like("vm-7-deletei", &client.run(&["deletei"]).json());
    assert_like("vm-8-getr", &client.wait_request().json());
    assert_like("vm-9-geti", &client.run(&["geti"]).json());
}

#[test]
fn private_image_walkthrough_matches_the_transcript() {
    let home = Home::new();
    let server = Server::start(&home);
    let client = Client {
        home: &home,
        base_url: Some(server.base_url.clone()),
    };
    client.run(&["createi", "demo/vm.create.json"]).json();
    client.wait_request().json();
    refresh_until(&client, "running");
    assert_like(
        "image-1-createimage",
        &client
            .run(&["createimage", "demo/vm.create.image.json"])
            .json(),
    );
    assert_like("image-2-getr", &client.wait_request().json());
    let (started, done) = refresh_until(&client, "created");
    assert_like("image-3-getir", &started);
    assert_like("image-4-getr", &done);
    assert_like("image-5-geti", &client.run(&["geti"]).json());
}
