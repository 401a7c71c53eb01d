//! What scripts lean on: output formats, `--jq`, JSON errors, profiles,
//! completions, the man page, `state`, `resources`, `geti --save-key`,
//! stdin and backslash parameter paths.

mod common;

use std::io::Write as _;
use std::process::Stdio;

use common::{Client, Home, Run, Server, NOPAY_USER, USER};
use serde_json::Value;

fn client<'a>(home: &'a Home, server: &Server) -> Client<'a> {
    Client {
        home,
        base_url: Some(server.base_url.clone()),
    }
}

/// Creates a key pair and waits for it; returns its id.
fn key_pair(client: &Client) -> String {
    let kp = client
        .run(&["-q", "createi", "--wait", "demo\\kp.create.json"])
        .json();
    kp["instanceId"].as_str().unwrap().to_string()
}

#[test]
fn each_output_format_reads_back() {
    let home = Home::new();
    let server = Server::start(&home);
    let client = client(&home, &server);
    let id = key_pair(&client);
    let json = client.run(&["geti", &id]).json();

    let run = client.run(&["geti", &id, "-o", "compact"]);
    assert_eq!(run.stdout.lines().count(), 1);
    assert_eq!(serde_json::from_str::<Value>(&run.stdout).unwrap(), json);

    let run = client.run(&["geti", &id, "--output", "yaml"]);
    assert!(run.stdout.starts_with("instanceId: "), "{}", run.stdout);
    assert_eq!(serde_norway::from_str::<Value>(&run.stdout).unwrap(), json);

    let run = client.run(&["listi", "-o", "table"]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines[0].starts_with("ID  "), "{}", run.stdout);
    assert!(lines[0].contains("STATUS") && lines[0].contains("PROVIDER/REGION"));
    assert!(
        lines[1].starts_with(&id) && lines[1].contains("created"),
        "{}",
        run.stdout
    );

    // Never colored off a terminal.
    assert!(!client.run(&["geti", &id]).stdout.contains('\u{1b}'));
}

#[test]
fn jq_selects_with_the_real_language() {
    let home = Home::new();
    let server = Server::start(&home);
    let client = client(&home, &server);
    let id = key_pair(&client);

    let run = client.run(&["geti", &id, "--jq", ".attributes.instanceStatus"]);
    assert_eq!(run.stdout, "created\n");
    let filter = ".attributes | {status: .instanceStatus, n: (keys_unsorted | length)}";
    let run = client.run(&["geti", &id, "-o", "compact", "--jq", filter]);
    let picked: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(picked["status"], "created");
    assert!(picked["n"].as_u64().unwrap() > 3);
    let run = client.run(&[
        "listi",
        "--jq",
        ".[] | select(.resourceType == \"kp\") | .instanceId",
    ]);
    assert_eq!(run.stdout, format!("{id}\n"));

    // A bad filter is bad input, found before anything is sent.
    let run = client.run(&["createi", "demo/kp.create.json", "--jq", ".["]);
    assert_eq!((run.code, run.stdout.as_str()), (2, ""), "{}", run.stderr);
    assert!(run.stderr.contains("jq filter"), "{}", run.stderr);
    assert_eq!(
        client.run(&["listr", "--all", "--jq", "length"]).stdout,
        "1\n"
    );
}

#[test]
fn errors_as_json_for_programs() {
    let home = Home::new();
    let server = Server::start(&home);
    let client = client(&home, &server);
    let unknown = "3f0c8a53-0000-4000-8000-000000000000";
    let run = client.run(&["-q", "--error-format", "json", "geti", unknown]);
    assert_eq!(run.code, 5);
    let error: Value = serde_json::from_str(run.stderr.trim()).unwrap();
    assert_eq!(error["status"], 404);
    assert_eq!(error["exitCode"], 5);
    assert!(
        error["code"].as_str().unwrap().ends_with("NotFound"),
        "{error}"
    );
    assert!(error["message"]
        .as_str()
        .unwrap()
        .starts_with("getting instance "));
    assert!(error["requestId"].is_null());
}

#[test]
fn save_key_writes_a_new_private_file() {
    let home = Home::new();
    let server = Server::start(&home);
    let client = client(&home, &server);
    let id = key_pair(&client);

    let run = client.run(&["-q", "geti", &id, "--save-key", "kp1.pem"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let path = home.path().join("kp1.pem");
    let key = std::fs::read_to_string(&path).unwrap();
    assert!(key.starts_with("-----BEGIN RSA PRIVATE KEY-----"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Never overwritten (exit 2); an unwritable place is a local failure
    // (exit 1).
    let run = client.run(&["geti", &id, "--save-key", "kp1.pem"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("already exists"));
    let run = client.run(&["geti", &id, "--save-key", "no/such/dir/kp.pem"]);
    assert_eq!((run.code, run.stdout.as_str()), (1, ""), "{}", run.stderr);
    assert!(run.stderr.contains("writing key file no/such/dir/kp.pem"));
}

#[test]
fn state_resources_and_stdin_parameters() {
    let home = Home::new();
    let server = Server::start(&home);
    let client = client(&home, &server);

    let mut child = home
        .command()
        .env("RUNCWS_ENDPOINT", &server.base_url)
        .env("RUNCWS_USER", USER)
        .env("RUNCWS_PASSWORD", common::PASSWORD)
        .args(["-q", "createi", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(common::KP_CREATE.as_bytes())
        .unwrap();
    let created = Run::from(child.wait_with_output().unwrap()).json();

    let state = client.run(&["state"]).json();
    assert_eq!(state["requestId"], created["requestId"]);
    assert!(state["path"].as_str().unwrap().ends_with(".json"));
    let state = client.run(&["state", "reset"]).json();
    assert!(state["requestId"].is_null() && state["instanceId"].is_null());

    let catalog = client.run(&["resources"]).json();
    assert!(catalog["providers"].is_array());
    let run = client.run(&["resources", "-o", "table"]);
    assert!(run.stdout.starts_with("RESOURCE "), "{}", run.stdout);
    assert!(run.stdout.contains("vm/hpcloud/nova/standard.small"));
}

#[test]
fn completions_and_man_page() {
    let home = Home::new();
    for shell in ["bash", "zsh", "fish"] {
        let run = Run::from(
            home.command()
                .args(["completions", shell])
                .output()
                .unwrap(),
        );
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        assert!(
            run.stdout.contains("runcws") && run.stdout.contains("createi"),
            "{shell}"
        );
    }
    let run = Run::from(home.command().arg("man").output().unwrap());
    assert!(
        run.stdout.starts_with(".ie") || run.stdout.contains(".TH runcws"),
        "{}",
        run.stdout
    );
}

#[test]
fn profiles_flag_beats_env_beats_file() {
    let home = Home::new();
    let server = Server::start(&home);
    let config = format!(
        "[profiles.default]\nendpoint = \"{0}\"\nuser = \"{USER}\"\n\
         [profiles.other]\nendpoint = \"{0}\"\nuser = \"{NOPAY_USER}\"\n",
        server.base_url
    );
    home.write("config/runcws/config.toml", &config);
    let show = |args: &[&str], env: &[(&str, &str)]| -> Value {
        let mut command = home.command();
        command
            .envs(env.iter().copied())
            .args(["config", "show"])
            .args(args);
        Run::from(command.output().unwrap()).json()
    };

    let got = show(&[], &[]);
    assert_eq!(
        (
            got["user"]["value"].as_str(),
            got["profile"]["value"].as_str()
        ),
        (Some(USER), Some("default"))
    );
    assert!(got["user"]["from"]
        .as_str()
        .unwrap()
        .contains("profile default"));
    assert_eq!(got["endpoint"]["value"], server.base_url.as_str());
    assert_eq!(got["password"]["value"], Value::Null);

    let got = show(&[], &[("RUNCWS_PROFILE", "other")]);
    assert_eq!(got["user"]["value"], NOPAY_USER);
    let got = show(&["--profile", "default"], &[("RUNCWS_PROFILE", "other")]);
    assert_eq!(got["user"]["value"], USER);
    assert_eq!(got["profile"]["from"], "flag");

    let got = show(
        &[],
        &[
            ("RUNCWS_USER", "env-user"),
            ("RUNCWS_PASSWORD", "env-secret"),
        ],
    );
    assert_eq!(got["user"]["value"], "env-user");
    assert_eq!(got["user"]["from"], "environment (RUNCWS_USER)");
    assert_eq!(got["password"]["value"], "<hidden>");
    let got = show(&["--user", "flag-user"], &[("RUNCWS_USER", "env-user")]);
    assert_eq!(
        (got["user"]["value"].as_str(), got["user"]["from"].as_str()),
        (Some("flag-user"), Some("flag"))
    );

    let run = Run::from(
        home.command()
            .args(["--profile", "nope", "config", "show"])
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
}

#[test]
fn configure_writes_a_private_profile_scripts_can_use() {
    let home = Home::new();
    let server = Server::start(&home);
    let run = Run::from(
        home.command()
            .env("RUNCWS_PASSWORD", common::PASSWORD)
            .args(["--profile", "emu", "configure", "--no-input"])
            .args(["--endpoint", &server.base_url, "--user", USER])
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let path = home.path().join("config/runcws/config.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("[profiles.emu]"), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let run = Run::from(
        home.command()
            .args(["--profile", "emu", "config", "show"])
            .output()
            .unwrap(),
    );
    assert!(!run.stdout.contains(common::PASSWORD));
    let run = Run::from(
        home.command()
            .env("RUNCWS_PROFILE", "emu")
            .args(["listi"])
            .output()
            .unwrap(),
    );
    assert_eq!(run.json(), Value::Array(vec![]));
}

#[test]
fn the_readme_script_runs_as_written() {
    let home = Home::new();
    home.write(
        "demo/create-image-delete.sh",
        include_str!("../demo/create-image-delete.sh"),
    );
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_runcws"))
        .parent()
        .unwrap();
    let run = Run::from(
        std::process::Command::new("sh")
            .arg("demo/create-image-delete.sh")
            .current_dir(home.path())
            .env_clear()
            .env("PATH", format!("{}:/usr/bin:/bin", bin_dir.display()))
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .env("XDG_STATE_HOME", home.path().join("state"))
            .env("XDG_DATA_HOME", home.path().join("data"))
            .env("RUNCWS_EMULATOR_SPEED", common::SPEED)
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines[0].starts_with("vm ") && lines[0].contains(" is running at "),
        "{}",
        run.stdout
    );
    assert!(lines[1].contains(" is created: image/"), "{}", run.stdout);
    assert!(
        lines[2].ends_with(": deleted") && lines[3].ends_with(": deleted"),
        "{}",
        run.stdout
    );
}
