//! The emulator as a local cloud: its control API, persistence, seeds,
//! faults seen by the client, the record file and `runcws local`.

mod common;

use common::{run_as, Client, Home, Server, NOPAY_PASSWORD, NOPAY_USER, PASSWORD, USER};
use serde_json::{json, Value};

const ADMIN: (&str, &str) = ("admin", "test-secret-admin");

fn client<'a>(home: &'a Home, server: &Server) -> Client<'a> {
    Client {
        home,
        base_url: Some(server.base_url.clone()),
    }
}

fn advance(server: &Server, by: &str) -> Value {
    let body = json!({ "by": by }).to_string();
    let (status, answer) = server.call("POST", "/_emulator/clock/advance", ADMIN, Some(&body));
    assert_eq!(status, 200, "{answer}");
    answer
}

fn add_fault(server: &Server, rule: Value) {
    let (status, answer) = server.call("POST", "/_emulator/faults", ADMIN, Some(&rule.to_string()));
    assert_eq!(status, 200, "{answer}");
}

#[test]
fn advancing_the_clock_boots_a_vm_without_sleeping() {
    let home = Home::new();
    // Real-time durations: only the driven clock can make this pass quickly.
    let server = Server::start_with(&home, &["--memory"]);
    let client = client(&home, &server);
    let id =
        client.run(&["createi", "demo/vm.create.json"]).json()["parameters"]["instanceId"].clone();
    let (_, schedule) = server.call("GET", "/_emulator/schedule", ADMIN, None);
    let kinds: Vec<_> = schedule
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["kind"].clone())
        .collect();
    assert_eq!(kinds, [json!("complete"), json!("provider")], "{schedule}");

    advance(&server, "60s");
    assert_eq!(
        client.run(&["getr"]).json()[0]["requestStatus"],
        "completed"
    );
    client.run(&["getir"]).json();
    advance(&server, "1s");
    let refreshed = client.run(&["getr"]).json();
    assert_eq!(refreshed[0]["results"]["instanceStatus"], "running");
    let vm = client.run(&["geti", id.as_str().unwrap()]).json();
    assert_eq!(vm["attributes"]["instanceStatus"], "running");
    let (_, schedule) = server.call("GET", "/_emulator/schedule", ADMIN, None);
    assert_eq!(schedule, json!([]));
}

#[test]
fn reset_empties_the_cloud_and_the_control_api_is_admin_only() {
    let home = Home::new();
    let server = Server::start(&home);
    let client = client(&home, &server);
    client.run(&["createi", "demo/kp.create.json"]).json();
    assert_eq!(
        server
            .call("POST", "/_emulator/reset", (USER, PASSWORD), None)
            .0,
        403
    );
    assert_eq!(
        server
            .call("POST", "/_emulator/reset", (USER, "wrong"), None)
            .0,
        401
    );
    assert_eq!(server.call("POST", "/_emulator/reset", ADMIN, None).0, 200);
    assert_eq!(client.run(&["listr", "--all"]).json(), json!([]));
}

#[test]
fn injected_faults_reach_the_client() {
    let home = Home::new();
    let server = Server::start_with(&home, &["--memory"]);
    let client = client(&home, &server);
    add_fault(
        &server,
        json!({"action": "kp.create", "effect": "fail", "code": "QuotaExceeded", "message": "too many key pairs"}),
    );
    client.run(&["createi", "demo/kp.create.json"]).json();
    advance(&server, "5s");
    let run = client.run(&["getr"]);
    assert_eq!(run.code, 0, "reading a failed request is a successful call");
    let failed = &run.json()[0];
    assert_eq!(failed["requestStatus"], "failed");
    assert_eq!(failed["error"]["code"], "QuotaExceeded");

    home.write("lost.json", r#"{"resourceUri": "vm/hpcloud/nova/standard.small", "imageUri": "image/hpcloud/nova/ami-00000075", "metadata": {"emulatorFault": "lose"}}"#);
    client.run(&["createi", "lost.json"]).json();
    advance(&server, "10m");
    assert_eq!(
        client.run(&["getr"]).json()[0]["requestStatus"],
        "in-progress"
    );

    home.write("broken.json", r#"{"resourceUri": "vm/hpcloud/nova/standard.small", "imageUri": "image/hpcloud/nova/ami-00000075", "metadata": {"emulatorFault": "error-after-running"}}"#);
    let id = client.run(&["createi", "broken.json"]).json()["parameters"]["instanceId"].clone();
    advance(&server, "10m");
    client.run(&["getir", id.as_str().unwrap()]).json();
    advance(&server, "1s");
    assert_eq!(
        client.run(&["getr"]).json()[0]["results"]["instanceStatus"],
        "error"
    );
}

#[test]
fn a_latency_fault_delays_the_answer() {
    let home = Home::new();
    let server = Server::start(&home);
    let client = client(&home, &server);
    add_fault(
        &server,
        json!({"action": "kp.retrieve", "effect": "latency", "latencyMs": 20000}),
    );
    let id =
        client.run(&["createi", "demo/kp.create.json"]).json()["parameters"]["instanceId"].clone();
    let id = id.as_str().unwrap();
    client.wait_request();
    // Seen by the client as an answer that does not come in time.
    let late = client.run(&["--http-timeout", "1", "getir", id]);
    assert_eq!(late.code, 3, "{}", late.stderr);
    assert!(
        late.stderr.contains("no answer within 1 s"),
        "{}",
        late.stderr
    );
    // Other calls are not delayed by the rule.
    assert_eq!(client.run(&["--http-timeout", "1", "geti", id]).code, 0);
}

#[test]
fn a_database_file_survives_a_restart_and_memory_does_not() {
    let home = Home::new();
    let db = home.path().join("cloud.sqlite3");
    let db = db.to_str().unwrap();
    let server = Server::start_with(&home, &["--db", db, "--speed", common::SPEED]);
    let id = client(&home, &server)
        .run(&["createi", "demo/kp.create.json"])
        .json()["requestId"]
        .clone();
    server.kill();
    let server = Server::start_with(&home, &["--db", db, "--speed", common::SPEED]);
    // A new port is a new endpoint, with its own current ids: name the request.
    let id_text = id.as_str().unwrap();
    let request = client(&home, &server)
        .poll(&["getr", id_text], |v| {
            v[0]["requestStatus"] != "in-progress"
        })
        .json();
    assert_eq!(request[0]["requestId"], id);
    assert_eq!(request[0]["requestStatus"], "completed");
    server.kill();

    let server = Server::start(&home);
    client(&home, &server)
        .run(&["createi", "demo/kp.create.json"])
        .json();
    server.kill();
    let server = Server::start(&home);
    assert_eq!(
        client(&home, &server).run(&["listr", "--all"]).json(),
        json!([])
    );
}

#[test]
fn a_seed_gives_the_same_ids_keys_and_addresses() {
    let run = || {
        let home = Home::new();
        let server = Server::start_with(
            &home,
            &["--memory", "--seed", "7", "--speed", common::SPEED],
        );
        let client = client(&home, &server);
        let kp = client.run(&["createi", "demo/kp.create.json"]).json();
        let key = client.wait_request().json()[0]["results"].clone();
        let vm = client.run(&["createi", "demo/vm.create.json"]).json();
        client.wait_request();
        advance(&server, "60s");
        client.run(&["getir"]).json();
        advance(&server, "1s");
        let running = client.run(&["getr"]).json()[0]["results"].clone();
        (
            kp["requestId"].clone(),
            key,
            vm["parameters"]["instanceId"].clone(),
            running,
        )
    };
    let (first, second) = (run(), run());
    assert_eq!(first, second);
    assert!(first.3["publicIpAddress"].is_string());
}

#[test]
fn wrong_state_calls_conflict_and_other_accounts_see_nothing() {
    let home = Home::new();
    let server = Server::start(&home);
    let client = client(&home, &server);
    client.run(&["createi", "demo/vm.create.json"]).json();
    let id = client.wait_request().json()[0]["instanceId"]
        .as_str()
        .unwrap()
        .to_owned();
    let image = client.run(&[
        "createimage",
        "demo/vm.create.image.json",
        "--instance",
        &id,
    ]);
    assert_eq!(
        image.code, 3,
        "an image of a vm not yet running: 409: {}",
        image.stderr
    );
    assert!(image.stderr.contains("409"), "{}", image.stderr);
    client.run(&["deletei", &id]).json();
    assert_eq!(client.run(&["deletei", &id]).code, 3);

    let nopay = (NOPAY_USER, NOPAY_PASSWORD);
    let other = run_as(&home, &server.base_url, nopay, &["geti", &id]);
    assert_eq!(other.code, 5, "another account's instance is not found");
    let create = run_as(
        &home,
        &server.base_url,
        nopay,
        &["createi", "demo/kp.create.json"],
    );
    assert_eq!(create.code, 4, "no payment information: 403");
}

#[test]
fn the_record_file_holds_every_call_with_secrets_masked() {
    let home = Home::new();
    let record = home.path().join("calls.jsonl");
    let server = Server::start_with(
        &home,
        &[
            "--memory",
            "--speed",
            common::SPEED,
            "--record",
            record.to_str().unwrap(),
        ],
    );
    let client = client(&home, &server);
    client.run(&["createi", "demo/vm.create.json"]).json();
    client.wait_request();
    let vm = client.run(&["geti"]).json();
    let password = vm["attributes"]["password"].as_str().unwrap().to_owned();
    server.kill();
    let text = std::fs::read_to_string(&record).unwrap();
    assert!(
        !text.contains(&password),
        "the vm password leaked into the record"
    );
    assert!(
        !text.contains(PASSWORD),
        "the account password leaked into the record"
    );
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let geti = lines
        .iter()
        .find(|l| {
            l["method"] == "GET" && l["target"].as_str().unwrap().starts_with("/api/instance/")
        })
        .unwrap();
    assert_eq!(geti["answer"]["attributes"]["password"], "<HIDDEN>");
    assert_eq!(geti["user"], USER);
    assert_eq!(geti["status"], 200);
}

#[test]
fn local_commands_drive_the_embedded_default() {
    let home = Home::new();
    let client = Client {
        home: &home,
        base_url: None,
    };
    let run = |args: &[&str]| {
        let output = home
            .command()
            .env("RUNCWS_EMULATOR_SPEED", "1")
            .args(args)
            .output()
            .unwrap();
        common::Run::from(output)
    };
    run(&["createi", "demo/vm.create.json"]).json();
    let schedule = run(&["local", "schedule"]).json();
    assert_eq!(schedule.as_array().unwrap().len(), 2, "{schedule}");
    run(&["local", "advance", "1m"]).json();
    assert_eq!(run(&["getr"]).json()[0]["requestStatus"], "completed");
    run(&["getir"]).json();
    run(&["local", "advance", "--next"]).json();
    assert_eq!(
        run(&["getr"]).json()[0]["results"]["instanceStatus"],
        "running"
    );
    run(&[
        "local",
        "faults",
        "add",
        r#"{"action": "kp.create", "effect": "fail"}"#,
    ])
    .json();
    assert_eq!(
        run(&["local", "faults"]).json().as_array().unwrap().len(),
        1
    );
    assert_eq!(run(&["local", "reset"]).json(), json!({"reset": true}));
    assert_eq!(client.run(&["listi", "--all"]).json(), json!([]));
    assert_eq!(
        run(&["local", "advance"]).code,
        2,
        "advance needs a duration or --next"
    );
}
