//! The embedded default: no endpoint configured, the emulator in process.

mod common;

use std::io::Read as _;
use std::process::Stdio;

use common::{Client, Home, PASSWORD};

#[test]
fn embedded_default_end_to_end() {
    let home = Home::new();
    let client = Client {
        home: &home,
        base_url: None,
    };

    let run = client.run(&["createi", "demo/kp.create.json"]);
    let created = run.json();
    // The URL shown is stable, not the ephemeral port.
    assert!(run
        .stderr
        .contains("\"url\": \"http://local/api/resource/kp/hpcloud/nova/standard\""));
    assert!(!run.stderr.contains(PASSWORD));

    // Objects persist between commands (one database in the data dir).
    let run = client.wait_request();
    let request = &run.json()[0];
    assert_eq!(request["requestId"], created["requestId"]);
    assert_eq!(request["requestStatus"], "completed");
    let instance = client.run(&["geti"]).json();
    assert_eq!(instance["attributes"]["instanceStatus"], "created");
}

#[test]
fn a_closed_stdout_is_not_an_error() {
    let home = Home::new();
    let client = Client {
        home: &home,
        base_url: None,
    };
    client.run(&["createi", "demo/kp.create.json"]).json();
    let mut child = home
        .command()
        .args(["listr", "--all"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read nothing, as `| head -c 0` would, and close the pipe.
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn many_first_commands_at_once_share_a_new_database() {
    let home = Home::new();
    let children: Vec<_> = (0..100)
        .map(|_| {
            home.command()
                .args(["-q", "createi", "demo/kp.create.json"])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{stderr}");
    }
}
