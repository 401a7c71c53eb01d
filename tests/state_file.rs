//! The state file under concurrent scripts and crashes, private files, and
//! safe retries of a create under the same idempotency key.

mod common;

use std::fs::File;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::{Client, Home, Run, Server};

/// The state file's requestId, asserting the file is whole JSON.
fn request_id(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let json: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("torn state file: {e}: {text:?}"));
    json["requestId"].as_str().map(String::from)
}

fn is_uuid(id: &str) -> bool {
    id.len() == 36 && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

/// Waits for `child` to end, failing the test if it never does.
fn finish(mut child: Child) -> Run {
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the command waited on the lock");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Run::from(child.wait_with_output().unwrap())
}

#[test]
fn forty_concurrent_commands_leave_one_whole_id() {
    let home = Home::new();
    let server = Server::start(&home);
    let client = Client {
        home: &home,
        base_url: Some(server.base_url.clone()),
    };
    let state = home.path().join("shared-state.json");
    let state_arg = state.to_str().unwrap();
    let first = client.run(&["--state", state_arg, "createi", "demo/kp.create.json"]);
    let first_id = first.json()["requestId"].as_str().unwrap().to_string();

    let mut children = Vec::new();
    for n in 0..40 {
        let mut command = home.command();
        command
            .env("RUNCWS_ENDPOINT", &server.base_url)
            .env("RUNCWS_USER", common::USER)
            .env("RUNCWS_PASSWORD", common::PASSWORD)
            .args(["--state", state_arg, "-q"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        match n % 2 {
            0 => command.args(["createi", "demo/kp.create.json"]),
            _ => command.args(["getr", &first_id]),
        };
        children.push(command.spawn().unwrap());
    }
    let mut created = vec![first_id];
    for child in children {
        let run = finish(child);
        let answer = run.json();
        if let Some(id) = answer["requestId"].as_str() {
            created.push(id.to_string());
        }
    }

    assert_eq!(created.len(), 21);
    let current = request_id(&state).unwrap();
    assert!(created.contains(&current), "{current} was never created");
}

#[test]
fn kill_9_at_any_moment_leaves_the_old_or_the_new_file() {
    let home = Home::new();
    let server = Server::start(&home);
    let state = home.path().join("killed-state.json");
    for n in 0..30u64 {
        let child = home
            .command()
            .env("RUNCWS_ENDPOINT", &server.base_url)
            .env("RUNCWS_USER", common::USER)
            .env("RUNCWS_PASSWORD", common::PASSWORD)
            .args(["--state", state.to_str().unwrap(), "-q"])
            .args(["createi", "demo/kp.create.json"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Spread the kills over the command's life, writes included.
        std::thread::sleep(Duration::from_millis(n * 3 % 90));
        let mut child = child;
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        if let Some(id) = request_id(&state) {
            assert!(is_uuid(&id), "{id:?}");
        }
    }
}

#[test]
fn read_only_commands_never_wait_on_the_lock() {
    let home = Home::new();
    let server = Server::start(&home);
    let client = Client {
        home: &home,
        base_url: Some(server.base_url.clone()),
    };
    let state = home.path().join("locked.json");
    let state_arg = state.to_str().unwrap();
    client.run(&["--state", state_arg, "createi", "demo/kp.create.json"]);
    let done = |v: &serde_json::Value| v[0]["requestStatus"] != "in-progress";
    client.poll(&["--state", state_arg, "getr"], done);

    let lock = File::create(home.path().join("locked.json.lock")).unwrap();
    lock.lock().unwrap();
    for args in [vec!["listi", "--all"], vec!["listr", "--all"], vec!["geti"]] {
        let child = home
            .command()
            .env("RUNCWS_ENDPOINT", &server.base_url)
            .env("RUNCWS_USER", common::USER)
            .env("RUNCWS_PASSWORD", common::PASSWORD)
            .args(["--state", state_arg])
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let run = finish(child);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
    }
    drop(lock);
}

#[cfg(unix)]
#[test]
fn files_are_private_under_umask_022_and_loose_ones_warned() {
    use std::os::unix::fs::PermissionsExt as _;

    let home = Home::new();
    let server = Server::start(&home);
    // The same environment as the harness's, in a shell that sets umask.
    let harness = home.command();
    let mut shell = std::process::Command::new("sh");
    shell.env_clear().current_dir(home.path());
    shell.envs(harness.get_envs().filter_map(|(k, v)| Some((k, v?))));
    let script = format!(
        "umask 022; exec '{}' createi demo/kp.create.json",
        env!("CARGO_BIN_EXE_runcws")
    );
    let run = Run::from(
        shell
            .env("RUNCWS_ENDPOINT", &server.base_url)
            .env("RUNCWS_USER", common::USER)
            .env("RUNCWS_PASSWORD", common::PASSWORD)
            .args(["-c", &script])
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);

    let folder = home.path().join("state/runcws/state");
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&folder), 0o700);
    let files: Vec<_> = std::fs::read_dir(&folder).unwrap().flatten().collect();
    assert!(!files.is_empty());
    for file in files {
        assert_eq!(mode(&file.path()), 0o600, "{}", file.path().display());
    }

    let config = home.write(
        "config/runcws/config.toml",
        "[profiles.default]\npassword = \"loose\"\n",
    );
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).unwrap();
    let client = Client {
        home: &home,
        base_url: Some(server.base_url.clone()),
    };
    let run = client.run(&["listi", "--all"]);
    assert!(
        run.stderr
            .contains("holds a password but others can read it"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_same_idempotency_key_never_creates_twice() {
    let home = Home::new();
    let server = Server::start(&home);
    let client = Client {
        home: &home,
        base_url: Some(server.base_url.clone()),
    };
    let args = [
        "createi",
        "demo/kp.create.json",
        "--idempotency-key",
        "retry-1",
    ];
    let first = client.run(&args).json();
    let second = client.run(&args).json();
    assert_eq!(first["requestId"], second["requestId"]);
    assert_eq!(
        client
            .run(&["listr", "--all"])
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let run = client.run(&["createi", "demo/kp.create.json", "--idempotency-key", "a b"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

#[test]
fn comments_in_parameter_files_are_bad_input_and_send_nothing() {
    let home = Home::new();
    let server = Server::start(&home);
    let client = Client {
        home: &home,
        base_url: Some(server.base_url.clone()),
    };
    home.write(
        "commented.json",
        "\u{feff}{\r\n  // the key pair\r\n  \"resourceUri\": \"kp/hpcloud/nova/standard\"\r\n}\r\n",
    );
    let run = client.run(&["createi", "commented.json"]);
    assert_eq!(run.code, 2);
    let last = run.stderr.lines().last().unwrap();
    assert!(
        last.starts_with("runcws: error: commented.json:2:3: invalid JSON"),
        "{last}"
    );
    assert_eq!(client.run(&["listr", "--all"]).stdout, "[]\n");

    home.write(
        "crlf.json",
        "\u{feff}{\r\n  \"resourceUri\": \"kp/hpcloud/nova/standard\"\r\n}\r\n",
    );
    assert_eq!(client.run(&["createi", "crlf.json"]).code, 0);
}
