//! Bad input and failures: a clear one-line error, the right exit code,
//! nothing on stdout, nothing sent.

mod common;

use common::{run_as, Client, Home, Run, Server, NOPAY_PASSWORD, NOPAY_USER};

#[test]
fn bad_parameter_files_send_nothing() {
    let home = Home::new();
    let server = Server::start(&home);
    let client = Client {
        home: &home,
        base_url: Some(server.base_url.clone()),
    };
    home.write(
        "trailing.json",
        "{\n  \"resourceUri\": \"kp/hpcloud/nova/standard\",\n}\n",
    );
    home.write("nores.json", "{\"metadata\": {}}");
    home.write("dir/keep", "");

    let run = client.run(&["createi", "trailing.json"]);
    Run::assert_error(&run, 2, "trailing.json:3:1: invalid JSON: trailing comma");
    Run::assert_error(
        &client.run(&["createi", "nores.json"]),
        2,
        "nores.json: no `resourceUri`",
    );
    Run::assert_error(
        &client.run(&["createi", "missing.json"]),
        2,
        "reading parameter file missing.json",
    );
    Run::assert_error(&client.run(&["createi", "dir"]), 2, "is a directory");
    // Nothing was created.
    assert_eq!(client.run(&["listr", "--all"]).stdout, "[]\n");
}

#[test]
fn no_current_id_says_what_to_run() {
    let home = Home::new();
    let server = Server::start(&home);
    let client = Client {
        home: &home,
        base_url: Some(server.base_url.clone()),
    };
    let message = "no current instanceId: run getr after createi, or pass an instance id";
    for command in ["geti", "getir", "deletei"] {
        Run::assert_error(&client.run(&[command]), 2, message);
    }
    let run = client.run(&["getr"]);
    Run::assert_error(
        &run,
        2,
        "no current requestId: run createi first, or pass a request id",
    );
}

#[test]
fn http_failures_map_to_exit_codes() {
    let home = Home::new();
    let server = Server::start(&home);
    let client = Client {
        home: &home,
        base_url: Some(server.base_url.clone()),
    };
    let unknown = "3f0c8a53-0000-4000-8000-000000000000";
    let run = client.run(&["geti", unknown]);
    Run::assert_error(
        &run,
        5,
        &format!("getting instance {unknown}: server answered 404"),
    );
    assert!(run.stderr.starts_with("geti (retrieve instance)\n"));

    let wrong = (NOPAY_USER, "wrong");
    let run = run_as(&home, &server.base_url, wrong, &["listi"]);
    run.assert_error(4, "server answered 401");

    let nopay = (NOPAY_USER, NOPAY_PASSWORD);
    let run = run_as(
        &home,
        &server.base_url,
        nopay,
        &["createi", "demo/kp.create.json"],
    );
    run.assert_error(4, "server answered 403");
}

#[test]
fn a_refused_connection_names_the_endpoint() {
    let home = Home::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint = format!("http://127.0.0.1:{port}/api");
    let client = Client {
        home: &home,
        base_url: Some(endpoint.clone()),
    };
    let run = client.run(&["listi"]);
    Run::assert_error(
        &run,
        3,
        &format!("cannot reach {endpoint}: connection refused"),
    );
}

#[test]
fn broken_state_and_config_files_are_named() {
    let home = Home::new();
    let server = Server::start(&home);
    let client = Client {
        home: &home,
        base_url: Some(server.base_url.clone()),
    };
    let state = home.write("s.json", "{\"requestId\": ");
    let run = client.run(&["--state", state.to_str().unwrap(), "getr"]);
    Run::assert_error(
        &run,
        2,
        &format!("state file {} is corrupt", state.display()),
    );
    assert!(run.stderr.contains("run `runcws state reset`"));

    let config = home.write("config/runcws/config.toml", "[profiles.default\n");
    let run = client.run(&["listi"]);
    Run::assert_error(&run, 2, &format!("config file {}:1:", config.display()));
    assert!(run.stderr.contains("delete it to start over"));
}

#[test]
fn quiet_silences_talk_but_not_errors() {
    let home = Home::new();
    let server = Server::start(&home);
    let client = Client {
        home: &home,
        base_url: Some(server.base_url.clone()),
    };
    let run = client.run(&["-q", "listi"]);
    assert_eq!(
        (run.code, run.stderr.as_str(), run.stdout.as_str()),
        (0, "", "[]\n")
    );
    let run = client.run(&["geti", "-q"]);
    Run::assert_error(&run, 2, "no current instanceId");
    assert_eq!(run.stderr.lines().count(), 1);
}

#[test]
fn usage_errors_exit_2() {
    let home = Home::new();
    let run = Run::from(home.command().arg("nosuchcommand").output().unwrap());
    assert_eq!(run.code, 2);
    let run = Run::from(home.command().arg("--help").output().unwrap());
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("Exit codes:\n  0    success"));
}
