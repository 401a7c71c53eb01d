//! `--wait` and `wait`: success, failure (exit 6), timeout (exit 7), the
//! 404 grace after a create, progress lines, `-q`, Ctrl-C (exit 130).

mod common;

use std::io::{BufRead as _, BufReader};
use std::process::Stdio;

use common::{Client, Home, Run, Server};
use serde_json::Value;

const ADMIN: (&str, &str) = ("admin", "test-secret-admin");

fn client<'a>(home: &'a Home, server: &Server) -> Client<'a> {
    Client {
        home,
        base_url: Some(server.base_url.clone()),
    }
}

fn status(instance: &Value) -> &str {
    instance["attributes"]["instanceStatus"].as_str().unwrap()
}

/// A vm parameter file whose metadata asks the emulator for `fault`.
fn faulty_vm(home: &Home, fault: &str) -> String {
    let text = format!(
        r#"{{"resourceUri": "vm/hpcloud/nova/standard.small",
            "imageUri": "image/hpcloud/nova/ami-00000075",
            "metadata": {{"name": "VM-F", "emulatorFault": "{fault}"}}}}"#
    );
    home.write(&format!("{fault}.json"), &text);
    format!("{fault}.json")
}

#[test]
fn create_image_delete_with_wait() {
    let home = Home::new();
    let server = Server::start(&home);
    let client = client(&home, &server);

    let run = client.run(&["createi", "--wait", "demo/vm.create.json"]);
    let vm = run.json();
    assert_eq!(status(&vm), "running");
    assert!(vm["attributes"]["publicIpAddress"].is_string());
    // Off a terminal: plain progress lines, and the ids recorded as the
    // plain commands would.
    assert!(run.stderr.contains("waiting: request "), "{}", run.stderr);
    assert!(run.stderr.contains(": running ["), "{}", run.stderr);
    let names: Vec<String> = run.settings().into_iter().map(|(k, _)| k).collect();
    assert_eq!(&names[..2], ["requestId", "instanceId"]);
    let state = client.run(&["state"]).json();
    assert_eq!(state["instanceId"], vm["instanceId"]);
    let vm_id = vm["instanceId"].as_str().unwrap();

    let run = client.run(&[
        "createimage",
        "--wait",
        "--instance",
        vm_id,
        "demo/vm.create.image.json",
    ]);
    let image = run.json();
    assert_eq!(
        (status(&image), image["resourceType"].as_str()),
        ("created", Some("image"))
    );
    let image_id = image["instanceId"].as_str().unwrap();

    // -q: the instance alone, nothing on stderr.
    let run = client.run(&["-q", "deletei", "--wait", image_id]);
    assert_eq!(run.stderr, "");
    assert_eq!(status(&run.json()), "deleted");
    let run = client.run(&["deletei", "--wait", vm_id]);
    let deleted = run.json();
    assert_eq!(
        (status(&deleted), deleted["instanceId"].as_str()),
        ("deleted", Some(vm_id))
    );
}

#[test]
fn getir_wait_and_wait_for_a_status() {
    let home = Home::new();
    let server = Server::start(&home);
    let client = client(&home, &server);
    let created = client.run(&["createi", "demo/kp.create.json"]).json();
    let request_id = created["requestId"].as_str().unwrap();

    let kp = client.run(&["wait", "--request", request_id]).json();
    assert_eq!(status(&kp), "created");
    let kp_id = kp["instanceId"].as_str().unwrap();
    assert_eq!(
        status(&client.run(&["getir", "--wait", kp_id]).json()),
        "created"
    );

    // A settled status other than the one waited for fails at once.
    let run = client.run(&["wait", "--instance", kp_id, "--for", "running"]);
    assert_eq!(run.code, 6, "{}", run.stderr);
    assert!(
        run.stderr.contains("settled as created, not running"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_failed_request_exits_6_with_the_server_error() {
    let home = Home::new();
    let server = Server::start(&home);
    let client = client(&home, &server);

    let file = faulty_vm(&home, "fail");
    let run = client.run(&["createi", "--wait", &file]);
    assert_eq!((run.code, run.stdout.as_str()), (6, ""), "{}", run.stderr);
    let last = run.stderr.lines().last().unwrap();
    assert!(last.starts_with("runcws: error: request "), "{last}");
    assert!(
        last.contains("failed: ") && last.contains("(ProviderError)"),
        "{last}"
    );

    let rule =
        r#"{"action": "kp.create", "effect": "fail", "code": "NoCapacity", "message": "no room"}"#;
    let (code, _) = server.call("POST", "/_emulator/faults", ADMIN, Some(rule));
    assert!((200..300).contains(&code), "{code}");
    let run = client.run(&[
        "--error-format",
        "json",
        "createi",
        "--wait",
        "demo/kp.create.json",
    ]);
    assert_eq!(run.code, 6, "{}", run.stderr);
    let error: Value = serde_json::from_str(run.stderr.lines().last().unwrap()).unwrap();
    assert_eq!(error["code"], "NoCapacity");
    assert_eq!(error["exitCode"], 6);
    assert!(error["requestId"].is_string());
    assert!(error["message"].as_str().unwrap().contains("no room"));
}

#[test]
fn a_lost_request_times_out_with_exit_7() {
    let home = Home::new();
    let server = Server::start(&home);
    let client = client(&home, &server);
    let file = faulty_vm(&home, "lose");

    let args = [
        "createi",
        "--wait",
        "--timeout",
        "1s",
        "--interval",
        "100ms",
        &file,
    ];
    let run = client.run(&args);
    assert_eq!((run.code, run.stdout.as_str()), (7, ""), "{}", run.stderr);
    let last = run.stderr.lines().last().unwrap();
    assert!(last.contains("did not finish within 1s"), "{last}");
    assert!(
        last.contains("resume with: runcws wait --request "),
        "{last}"
    );
}

#[test]
fn a_404_right_after_a_create_is_retried() {
    let home = Home::new();
    // The vm's create request takes 1.5 s, so its instance answers 404
    // for that long.
    let timings = home.write("timings.json", r#"{"vmCreate": 60000}"#);
    let flags = [
        "--memory",
        "--speed",
        common::SPEED,
        "--timings",
        timings.to_str().unwrap(),
    ];
    let server = Server::start_with(&home, &flags);
    let client = client(&home, &server);

    let created = client.run(&["createi", "demo/vm.create.json"]).json();
    let id = created["parameters"]["instanceId"].as_str().unwrap();
    let run = client.run(&[
        "wait",
        "--instance",
        id,
        "--for",
        "creating",
        "--interval",
        "100ms",
    ]);
    assert_eq!(status(&run.json()), "creating");
    assert!(
        run.stderr
            .contains(&format!("instance {id}: not found yet")),
        "{}",
        run.stderr
    );

    // Within the grace, only the timeout ends a wait on an unknown id.
    let unknown = "3f0c8a53-0000-4000-8000-000000000000";
    let run = client.run(&["wait", "--instance", unknown, "--timeout", "1s"]);
    assert_eq!(run.code, 7, "{}", run.stderr);
}

#[test]
fn ctrl_c_exits_130_and_says_how_to_resume() {
    let home = Home::new();
    let server = Server::start(&home);
    let file = faulty_vm(&home, "lose");
    let mut child = home
        .command()
        .env("RUNCWS_ENDPOINT", &server.base_url)
        .env("RUNCWS_USER", common::USER)
        .env("RUNCWS_PASSWORD", common::PASSWORD)
        .args(["createi", "--wait", "--interval", "100ms", &file])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    while !seen.contains("waiting: request") {
        let mut line = String::new();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "{seen}");
        seen.push_str(&line);
    }
    let pid = child.id().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(killed.success());

    let output = child.wait_with_output().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: rest,
    };
    assert_eq!((run.code, run.stdout.as_str()), (130, ""), "{}", run.stderr);
    assert!(
        run.stderr.contains("resume with: runcws wait --request "),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.trim_end().ends_with("interrupted"),
        "{}",
        run.stderr
    );
}

/// Fault: `--interval 1ns` polled some 600 times a second; a pinned
/// interval is now at least 100 ms.
#[test]
fn a_tiny_interval_is_raised_to_100ms() {
    let home = Home::new();
    let body = r#"[{"requestId":"r-1","requestStatus":"in-progress"}]"#;
    let server = common::fake::Fake::always(common::fake::json("200 OK", body));
    let run = common::Client {
        home: &home,
        base_url: Some(server.base_url.clone()),
    }
    .run(&[
        "wait",
        "--request",
        "r-1",
        "--interval",
        "1ns",
        "--timeout",
        "1s",
    ]);
    assert_eq!(run.code, 7, "{}", run.stderr);
    let polls = server.requests().len();
    assert!((2..=15).contains(&polls), "{polls} polls in one second");
}

/// Fault: `--timeout 0` reported a timeout without asking even once; now
/// the first look happens, so a finished request and settled instance
/// are reported.
#[test]
fn a_zero_timeout_still_looks_once() {
    let home = Home::new();
    let server = Server::start(&home);
    let client = client(&home, &server);
    client.run(&["createi", "demo/kp.create.json"]).json();
    client.wait_request();

    let run = client.run(&["wait", "--timeout", "0"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["instanceId"].as_str().map(str::len), Some(36));
}

#[test]
fn one_wait_settles_several_instances_at_once() {
    let home = Home::new();
    let server = Server::start(&home);
    let client = client(&home, &server);
    let ids: Vec<String> = (0..3)
        .map(|_| {
            let created = client.run(&["-q", "createi", "demo/vm.create.json"]).json();
            created["parameters"]["instanceId"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let state_before = client.run(&["state"]).stdout;

    let mut args = vec!["wait", "--interval", "100ms"];
    for id in &ids {
        args.extend(["--instance", id.as_str()]);
    }
    let run = client.run(&args);
    let settled = run.json();
    let settled = settled.as_array().unwrap();
    let got: Vec<&str> = settled
        .iter()
        .map(|i| i["instanceId"].as_str().unwrap())
        .collect();
    assert_eq!(
        got,
        ids.iter().map(String::as_str).collect::<Vec<_>>(),
        "in the order given"
    );
    assert!(
        settled.iter().all(|i| status(i) == "running"),
        "{}",
        run.stdout
    );
    assert_eq!(run.settings(), vec![], "several waits set no current id");
    assert_eq!(client.run(&["state"]).stdout, state_before);

    // One that settles elsewhere fails them all, with the exit code of a wait.
    args.extend(["--for", "deleted"]);
    let run = client.run(&args);
    assert_eq!(run.code, 6, "{}", run.stderr);
    assert!(run.stdout.is_empty());
}
