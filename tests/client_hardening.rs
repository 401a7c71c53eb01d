//! Faults an attack on the client found: lost profiles under parallel
//! `configure`, unbounded answers and parameter files, terminal escapes
//! from servers and files, credentials echoed from endpoint URLs, corrupt
//! state files, and oversized resource URIs. Each test names its fault.

mod common;

use std::process::Stdio;

use common::{fake, Client, Home, Run};

/// Fault: 20 parallel `configure` runs each reported success, but their
/// read-modify-writes of config.toml raced and profiles were lost.
#[test]
fn twenty_parallel_configure_runs_keep_every_profile() {
    let home = Home::new();
    let children: Vec<_> = (0..20)
        .map(|n| {
            home.command()
                .args(["--profile", &format!("p{n}"), "configure", "--no-input"])
                .args(["--endpoint", "http://127.0.0.1:9/api", "--user", "u"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let run = Run::from(child.wait_with_output().unwrap());
        assert_eq!(run.code, 0, "{}", run.stderr);
    }

    let text = std::fs::read_to_string(home.path().join("config/runcws/config.toml")).unwrap();
    let config: toml::Table = toml::from_str(&text).unwrap();
    let profiles = config["profiles"].as_table().unwrap();
    let missing: Vec<String> = (0..20)
        .map(|n| format!("p{n}"))
        .filter(|name| !profiles.contains_key(name))
        .collect();
    assert!(missing.is_empty(), "lost profiles {missing:?}: {text}");
}

/// Fault: a password typed into an endpoint URL was echoed in the error.
#[test]
fn an_endpoint_with_credentials_is_refused_without_echoing_them() {
    let home = Home::new();
    let endpoint = "http://u:pw-in-url@127.0.0.1:1/api";
    for args in [
        vec!["--endpoint", endpoint, "listi"],
        vec!["--endpoint", endpoint, "--error-format", "json", "listi"],
        vec!["--endpoint", endpoint, "config", "show"],
        vec![
            "--endpoint",
            endpoint,
            "--user",
            "u",
            "configure",
            "--no-input",
        ],
    ] {
        let run = Run::from(home.command().args(&args).output().unwrap());
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(!run.stderr.contains("pw-in-url"), "{}", run.stderr);
        assert!(run.stderr.contains("***@127.0.0.1:1"), "{}", run.stderr);
    }
}

/// Faults: a huge or endless parameter file was read whole; a 100k
/// resourceUri gave "builder error" (exit 3) and was echoed whole; a
/// non-object `metadata` was left to the server. All are bad input now,
/// with short messages, and nothing is sent.
#[test]
fn bad_parameter_files_are_refused_locally_and_briefly() {
    let home = Home::new();
    let server = fake::Fake::always(fake::json("200 OK", "{}"));
    let client = Client {
        home: &home,
        base_url: Some(server.base_url.clone()),
    };
    let long = format!(
        r#"{{"resourceUri":"kp/hpcloud/nova/{}"}}"#,
        "x".repeat(100_000)
    );
    home.write("long.json", &long);
    home.write(
        "meta.json",
        r#"{"resourceUri":"kp/a/b/c","metadata":"VM-1"}"#,
    );
    home.write("big.json", &" ".repeat(2 * 1024 * 1024));

    let run = client.run(&["createi", "/dev/zero"]);
    Run::assert_error(&run, 2, "parameter file /dev/zero is larger than 1 MiB");
    let run = client.run(&["createi", "big.json"]);
    Run::assert_error(&run, 2, "parameter file big.json is larger than 1 MiB");
    let run = client.run(&["createi", "long.json"]);
    Run::assert_error(&run, 2, "is not type/provider/region/resourceId");
    assert!(
        run.stderr.len() < 1000,
        "{} bytes of stderr",
        run.stderr.len()
    );
    let run = client.run(&["createi", "meta.json"]);
    Run::assert_error(&run, 2, "`metadata` must be an object");
    let run = client.run(&["createimage", "meta.json", "--instance", "i-1"]);
    Run::assert_error(&run, 2, "`metadata` must be an object");
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}

/// Fault: a huge answer was read whole; now it is refused (exit 3) as
/// soon as its announced length is over 256 MiB.
#[test]
fn an_answer_over_256_mib_is_refused_with_exit_3() {
    let home = Home::new();
    let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                content-length: 2147483648\r\nconnection: close\r\n\r\n[";
    let server = fake::Fake::always(head.to_string());
    let client = Client {
        home: &home,
        base_url: Some(server.base_url.clone()),
    };
    let run = client.run(&["listi", "--all"]);
    Run::assert_error(&run, 3, "the answer is larger than 256 MiB");
    assert_eq!(
        server.requests().len(),
        1,
        "an oversized answer is not asked again"
    );
}

/// Faults: `state reset` could not fix a corrupt state file, and a corrupt
/// file stopped even commands that never write it (`geti ID`, lists).
#[test]
fn a_corrupt_state_file_stops_only_the_commands_that_write_it() {
    let home = Home::new();
    let server = common::Server::start(&home);
    let client = Client {
        home: &home,
        base_url: Some(server.base_url.clone()),
    };
    let state = home.write("s.json", "{\"requestId\": ");
    let state_arg = state.to_str().unwrap();
    for args in [vec!["listi"], vec!["listr", "--all"], vec!["resources"]] {
        let run = client.run(&[&["--state", state_arg][..], &args].concat());
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
    }
    let run = client.run(&["--state", state_arg, "geti", "i-unknown"]);
    assert_eq!(
        run.code, 5,
        "a 404 from the server, not the state: {}",
        run.stderr
    );

    let run = client.run(&["--state", state_arg, "createi", "demo/kp.create.json"]);
    Run::assert_error(&run, 2, &format!("state file {state_arg} is corrupt"));
    assert!(run.stderr.contains("runcws state reset"), "{}", run.stderr);
    assert_eq!(
        client.run(&["listr", "--all"]).stdout,
        "[]\n",
        "nothing was sent"
    );

    let run = client.run(&["--state", state_arg, "state", "reset"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = client.run(&["--state", state_arg, "createi", "demo/kp.create.json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// Fault: ESC sequences in a server's error, in a server-sent id and in a
/// parameter file reached the terminal raw, and the bad id was stored.
#[test]
fn nothing_from_outside_sends_escape_sequences_to_the_terminal() {
    let home = Home::new();
    let error = r#"{"error":{"code":"Boom\u001b[2J","message":"bad \u001b[31mred\u0007"}}"#;
    let server = fake::Fake::start(move |_, request| match request.starts_with("POST") {
        true => fake::Reply::Raw(fake::json(
            "200 OK",
            r#"{"requestId":"../../../x\u001b[31m","requestStatus":"in-progress"}"#,
        )),
        false => fake::Reply::Raw(fake::json("500 Internal Server Error", error)),
    });
    let client = Client {
        home: &home,
        base_url: Some(server.base_url.clone()),
    };
    let state = home.path().join("s.json");
    let state_arg = state.to_str().unwrap();

    let run = client.run(&["--state", state_arg, "listi", "--all"]);
    Run::assert_error(&run, 3, r"bad \u{1b}[31mred\u{7} (Boom\u{1b}[2J)");
    assert!(!run.stderr.contains('\u{1b}'), "{:?}", run.stderr);

    let run = client.run(&["--state", state_arg, "createi", "demo/kp.create.json"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stdout.contains("requestId"),
        "the answer is still shown"
    );
    assert!(!run.stderr.contains('\u{1b}'), "{:?}", run.stderr);
    assert!(
        run.stderr.contains("not recorded as current"),
        "{}",
        run.stderr
    );
    assert!(run.settings().is_empty(), "{}", run.stderr);
    assert!(!state.exists(), "the bad id was stored");

    home.write(
        "esc.json",
        r#"{"resourceUri":"kp/hpcloud/nova/x\u001b[31m","metadata":{}}"#,
    );
    let run = client.run(&["--state", state_arg, "createi", "esc.json"]);
    Run::assert_error(&run, 2, r"x\u{1b}[31m");
    assert!(!run.stderr.contains('\u{1b}'), "{:?}", run.stderr);
}
