//! The emulator under hostile input, concurrency and a killed process.

mod common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use common::{http_call, Home, Server, PASSWORD, USER};
use serde_json::{json, Value};

const ME: (&str, &str) = (USER, PASSWORD);
const ADMIN: (&str, &str) = ("admin", "test-secret-admin");
const VM_BODY: &str =
    r#"{"imageUri": "image/hpcloud/nova/ami-00000075", "metadata": {"name": "load"}}"#;
const VM_PATH: &str = "/api/resource/vm/hpcloud/nova/standard.small";

fn address(server: &Server) -> String {
    server
        .base_url
        .trim_start_matches("http://")
        .trim_end_matches("/api")
        .to_owned()
}

#[test]
fn bad_input_gets_a_4xx_with_the_error_body() {
    let home = Home::new();
    let server = Server::start(&home);
    let big = format!(r#"{{"metadata": {{"blob": "{}"}}}}"#, "x".repeat(70 * 1024));
    let cases: Vec<(&str, String, Option<String>, u16)> = vec![
        (
            "POST",
            "/api/resource/kp/hpcloud/nova/standard".into(),
            Some(big),
            413,
        ),
        (
            "POST",
            "/api/resource/kp/hpcloud/nova/standard".into(),
            Some("{\"metadata\": ".into()),
            400,
        ),
        (
            "POST",
            "/api/resource/kp/hpcloud/nova/standard".into(),
            Some("[1]".into()),
            400,
        ),
        (
            "POST",
            "/api/resource/kp/hpcloud/nowhere/standard".into(),
            None,
            404,
        ),
        (
            "POST",
            "/api/resource/kp/elsewhere/nova/standard".into(),
            None,
            404,
        ),
        (
            "POST",
            "/api/resource/vm/hpcloud/nova/giant".into(),
            Some(VM_BODY.into()),
            404,
        ),
        (
            "POST",
            "/api/resource/kp/hpcloud/../standard".into(),
            None,
            404,
        ),
        (
            "POST",
            "/api/resource/kp/hpcloud/nova%2F..%2F/standard".into(),
            None,
            404,
        ),
        (
            "POST",
            "/api/resource/kp/hpcloud/nova/%00%ff".into(),
            None,
            404,
        ),
        (
            "POST",
            "/api/resource/kp/hpcloud/nova/standard/extra".into(),
            None,
            404,
        ),
        ("GET", "/api/instance?cleanup=yes".into(), None, 400),
        ("GET", "/api/instance/x?refesh=true".into(), None, 400),
        ("POST", "/api/instance/x?action=explode".into(), None, 400),
        ("PUT", "/api/instance/x".into(), None, 405),
        ("GET", "/api/instance/%FF".into(), None, 400),
        (
            "POST",
            "/api/resource/kp/hpcloud/nova/standard?x=1".into(),
            None,
            400,
        ),
        ("GET", "/api/nothing/here".into(), None, 404),
    ];
    for (method, path, body, status) in cases {
        let (got, answer) = server.call(method, &path, ME, body.as_deref());
        assert_eq!(got, status, "{method} {path}: {answer}");
        assert!(
            answer["error"]["code"].is_string(),
            "{method} {path}: {answer}"
        );
        assert!(
            answer["error"]["message"].is_string(),
            "{method} {path}: {answer}"
        );
    }
    // Still serving after all that.
    assert_eq!(server.call("GET", "/api/instance", ME, None).0, 200);
}

#[test]
fn an_oversized_body_is_refused_with_record_on_too() {
    let home = Home::new();
    let record = home.path().join("calls.jsonl");
    let record = record.to_str().unwrap();
    let server = Server::start_with(&home, &["--memory", "--record", record]);
    let big = format!(r#"{{"metadata": {{"blob": "{}"}}}}"#, "x".repeat(70 * 1024));
    let (status, answer) = server.call(
        "POST",
        "/api/resource/kp/hpcloud/nova/standard",
        ME,
        Some(&big),
    );
    assert_eq!(status, 413, "{answer}");
    assert_eq!(
        server.call("GET", "/api/request", ME, None).1,
        json!([]),
        "nothing was created"
    );
}

#[test]
fn an_idempotency_key_cannot_be_reused_for_another_call() {
    let home = Home::new();
    let server = Server::start(&home);
    let address = address(&server);
    let send = |path: &str, body: &str, key: &str| {
        let headers = format!("Idempotency-Key: {key}");
        common::http_call_with(&address, "POST", path, Some(ME), Some(body), &[&headers])
    };
    let kp = "/api/resource/kp/hpcloud/nova/standard";
    let (first, one) = send(kp, "{}", "k-1");
    let (again, two) = send(kp, "{}", "k-1");
    assert_eq!((first, again), (200, 200));
    assert_eq!(
        one, two,
        "the same call with the same key gets the first answer"
    );
    let (status, answer) = send(VM_PATH, VM_BODY, "k-1");
    assert_eq!(status, 422, "{answer}");
    assert_eq!(send(kp, "{}", "has space").0, 400);
}

#[test]
fn wrong_credentials_get_401_without_saying_which_part() {
    let home = Home::new();
    let server = Server::start(&home);
    let (_, wrong_password) = server.call("GET", "/api/instance", (USER, "nope"), None);
    let (_, wrong_user) = server.call("GET", "/api/instance", ("nobody", PASSWORD), None);
    let (status, none) = http_call(&address(&server), "GET", "/api/instance", None, None);
    assert_eq!(status, 401);
    assert_eq!(wrong_password, wrong_user);
    assert_eq!(wrong_password, none);
}

#[test]
fn every_documented_operation_is_served() {
    let home = Home::new();
    let server = Server::start(&home);
    let (status, doc) = http_call(&address(&server), "GET", "/api/openapi.json", None, None);
    assert_eq!(status, 200);
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 7);
    for (path, operations) in paths {
        let concrete = path
            .replace("{provider}", "hpcloud")
            .replace("{region}", "nova")
            .replace("{resourceId}", "standard")
            .replace("{requestId}", "00000000-0000-4000-8000-000000000000")
            .replace("{instanceId}", "00000000-0000-4000-8000-000000000000");
        for method in operations.as_object().unwrap().keys() {
            let method = method.to_uppercase();
            let suffix = if method == "POST" && path.starts_with("/instance/") {
                "?action=image"
            } else {
                ""
            };
            let (status, answer) =
                server.call(&method, &format!("/api{concrete}{suffix}"), ME, Some("{}"));
            let unknown = answer["error"]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("no such endpoint"));
            assert!(
                !unknown && status != 405,
                "{method} {path} is documented but not served: {status} {answer}"
            );
        }
    }
}

#[test]
fn a_thousand_creates_over_fifty_connections_are_each_answered_once() {
    let home = Home::new();
    let server = Server::start(&home);
    let address = address(&server);
    let ids = Arc::new(Mutex::new(Vec::new()));
    let torn = Arc::new(Mutex::new(0));
    std::thread::scope(|scope| {
        for _ in 0..50 {
            let (address, ids) = (address.clone(), ids.clone());
            scope.spawn(move || {
                for _ in 0..20 {
                    let (status, answer) =
                        http_call(&address, "POST", VM_PATH, Some(ME), Some(VM_BODY));
                    assert_eq!(status, 200, "{answer}");
                    ids.lock()
                        .unwrap()
                        .push(answer["requestId"].as_str().unwrap().to_owned());
                }
            });
        }
        // Reads during the writes parse whole, every time.
        let (address, torn) = (address.clone(), torn.clone());
        scope.spawn(move || {
            for _ in 0..40 {
                let (status, answer) = http_call(&address, "GET", "/api/request", Some(ME), None);
                if status != 200 || !answer.is_array() {
                    *torn.lock().unwrap() += 1;
                }
            }
        });
    });
    assert_eq!(*torn.lock().unwrap(), 0);
    let ids = ids.lock().unwrap();
    let unique: HashSet<_> = ids.iter().collect();
    assert_eq!(ids.len(), 1000);
    assert_eq!(unique.len(), 1000, "every request id is unique");
    let (_, listed) = server.call("GET", "/api/request", ME, None);
    let listed: HashSet<_> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["requestId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed.len(), 1000, "none lost, none duplicated");
    assert!(ids.iter().all(|id| listed.contains(id)));
}

#[test]
fn answered_creates_survive_a_kill_and_finish_after_the_restart() {
    let home = Home::new();
    let db = home.path().join("cloud.sqlite3");
    let db = db.to_str().unwrap().to_owned();
    let server = Server::start_with(&home, &["--db", &db]);
    let address = address(&server);
    let answered = Arc::new(Mutex::new(Vec::new()));
    std::thread::scope(|scope| {
        for _ in 0..8 {
            let (address, answered) = (address.clone(), answered.clone());
            scope.spawn(move || {
                for _ in 0..200 {
                    let Some((200, answer)) = try_create(&address) else {
                        return;
                    };
                    answered
                        .lock()
                        .unwrap()
                        .push(answer["requestId"].as_str().unwrap().to_owned());
                }
            });
        }
        // Kill the server mid-burst, as kill -9 would.
        while answered.lock().unwrap().len() < 100 {
            std::thread::yield_now();
        }
        server.kill();
    });
    let answered = answered.lock().unwrap().clone();
    assert!(answered.len() >= 100);

    let server = Server::start_with(&home, &["--db", &db]);
    let body = json!({ "by": "1m" }).to_string();
    assert_eq!(
        server
            .call("POST", "/_emulator/clock/advance", ADMIN, Some(&body))
            .0,
        200
    );
    for id in &answered {
        let (status, request) = server.call("GET", &format!("/api/request/{id}"), ME, None);
        assert_eq!(status, 200, "answered create {id} was lost");
        assert_eq!(request[0]["requestStatus"], "completed", "{request}");
        let instance = request[0]["instanceId"].as_str().unwrap();
        let (status, vm) = server.call("GET", &format!("/api/instance/{instance}"), ME, None);
        assert_eq!(status, 200);
        assert_eq!(vm["attributes"]["instanceStatus"], "creating");
    }
}

/// One create that may meet a dead server: `None` if the call failed.
fn try_create(address: &str) -> Option<(u16, Value)> {
    std::panic::catch_unwind(|| http_call(address, "POST", VM_PATH, Some(ME), Some(VM_BODY)))
        .ok()
        .filter(|(status, _)| *status != 0)
}
