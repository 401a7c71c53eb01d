//! The password never shows: not on stdout or stderr, at any verbosity,
//! in the `options:` echo or in errors, nor as the base64 of the header.
//! Every client command runs at every verbosity against a 200 and a 401.

mod common;

use base64::Engine as _;
use common::{Client, Home, Run, Server, PASSWORD, USER};

/// Every client command, with the ids it needs.
fn every_command(request: &str, instance: &str) -> Vec<Vec<String>> {
    let commands: [&[&str]; 14] = [
        &["createi", "demo/kp.create.json"],
        &["getr", request],
        &["geti", instance],
        &["getir", instance],
        &["listr"],
        &["listr", "--all"],
        &["listi"],
        &["listi", "--all"],
        &[
            "createimage",
            "demo/vm.create.image.json",
            "--instance",
            instance,
        ],
        &["wait", "--request", request, "--timeout", "5s"],
        &["resources"],
        &["config", "show"],
        &["state"],
        &["deletei", instance],
    ];
    commands
        .iter()
        .map(|args| args.iter().map(|a| a.to_string()).collect())
        .collect()
}

#[test]
fn the_password_never_appears_for_any_command_at_any_verbosity() {
    let home = Home::new();
    let server = Server::start(&home);
    let client = Client {
        home: &home,
        base_url: Some(server.base_url.clone()),
    };
    client.run(&["createi", "demo/kp.create.json"]).json();
    let request = client.wait_request().json()[0].clone();
    let request_id = request["requestId"].as_str().unwrap();
    let instance_id = request["instanceId"].as_str().unwrap();

    let wrong = "wrong-password-1234";
    let secrets: Vec<String> = [PASSWORD, wrong]
        .iter()
        .flat_map(|p| {
            let header = format!("{USER}:{p}");
            let encoded = base64::engine::general_purpose::STANDARD.encode(header);
            [p.to_string(), encoded]
        })
        .collect();

    let mut answered = [false, false];
    for (n, password) in [PASSWORD, wrong].into_iter().enumerate() {
        for args in every_command(request_id, instance_id) {
            for verbosity in [None, Some("-v"), Some("-vv")] {
                for rust_log in [None, Some("trace")] {
                    let mut command = home.command();
                    command
                        .env("RUNCWS_ENDPOINT", &server.base_url)
                        .env("RUNCWS_USER", USER)
                        .env("RUNCWS_PASSWORD", password)
                        .args(&args)
                        .args(verbosity);
                    if let Some(filter) = rust_log {
                        command.env("RUST_LOG", filter);
                    }
                    let run = Run::from(command.output().unwrap());
                    answered[n] |= match n {
                        0 => run.code == 0,
                        _ => run.code == 4,
                    };
                    let all = format!("{}{}", run.stdout, run.stderr);
                    for secret in &secrets {
                        assert!(
                            !all.contains(secret.as_str()),
                            "{args:?} {verbosity:?} {rust_log:?} shows {secret}"
                        );
                    }
                }
            }
        }
    }
    assert_eq!(answered, [true, true], "both a 200 and a 401 were seen");
}
