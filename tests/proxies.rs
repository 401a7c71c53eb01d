//! Proxies and pipes: `HTTP_PROXY`, `HTTPS_PROXY` and `NO_PROXY` in either
//! case for real endpoints, never for the built-in emulator; a reader
//! that stops early is no error.

mod common;

use std::io::Read as _;
use std::process::Stdio;

use common::fake::{self, Fake, Reply};
use common::{Home, Run, PASSWORD, USER};

/// An endpoint nobody listens on: reached only through the proxy.
const ENDPOINT: &str = "http://127.0.0.1:9/api";

fn runcws(home: &Home, endpoint: &str, env: &[(&str, &str)], args: &[&str]) -> Run {
    let mut command = home.command();
    command
        .env("RUNCWS_ENDPOINT", endpoint)
        .env("RUNCWS_USER", USER)
        .env("RUNCWS_PASSWORD", PASSWORD)
        .envs(env.iter().copied())
        .args(args);
    Run::from(command.output().unwrap())
}

#[test]
fn http_proxy_is_honoured_in_either_case() {
    let home = Home::new();
    let proxy = Fake::always(fake::json("200 OK", "[]"));
    let url = format!("http://127.0.0.1:{}", proxy.port);
    for name in ["HTTP_PROXY", "http_proxy"] {
        let run = runcws(&home, ENDPOINT, &[(name, &url)], &["listi", "--all"]);
        assert_eq!(run.stdout, "[]\n", "{name}: {}", run.stderr);
    }
    let requests = proxy.requests();
    assert_eq!(requests.len(), 2);
    for request in requests {
        assert!(request.starts_with("GET http://127.0.0.1:9/api/instance HTTP/1.1\r\n"));
    }
}

#[test]
fn https_proxy_tunnels_https_endpoints() {
    let home = Home::new();
    let proxy = Fake::always(fake::response("403 Forbidden", &[], ""));
    let url = format!("http://127.0.0.1:{}", proxy.port);
    for name in ["HTTPS_PROXY", "https_proxy"] {
        let run = runcws(
            &home,
            "https://127.0.0.1:9/api",
            &[(name, &url)],
            &["listi"],
        );
        assert_eq!(run.code, 3, "{}", run.stderr);
    }
    let requests = proxy.requests();
    assert!(!requests.is_empty());
    for request in requests {
        assert!(
            request.starts_with("CONNECT 127.0.0.1:9 HTTP/1.1\r\n"),
            "{request}"
        );
        assert_eq!(fake::header(&request, "authorization"), None);
    }
}

#[test]
fn no_proxy_in_either_case_goes_direct() {
    let home = Home::new();
    let proxy = Fake::always(fake::json("200 OK", "[]"));
    let server = Fake::always(fake::json("200 OK", r#"[{"instanceId":"direct"}]"#));
    let url = format!("http://127.0.0.1:{}", proxy.port);
    for name in ["NO_PROXY", "no_proxy"] {
        let env = [("HTTP_PROXY", url.as_str()), (name, "127.0.0.1")];
        let run = runcws(&home, &server.base_url, &env, &["listi"]);
        assert_eq!(run.json()[0]["instanceId"], "direct");
    }
    assert!(proxy.requests().is_empty());
}

#[test]
fn the_built_in_emulator_never_uses_a_proxy() {
    let home = Home::new();
    let proxy = Fake::start(|_, _| Reply::Drop);
    let url = format!("http://127.0.0.1:{}", proxy.port);
    let mut command = home.command();
    for name in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "all_proxy",
    ] {
        command.env(name, &url);
    }
    let run = Run::from(command.args(["listi", "--all"]).output().unwrap());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(proxy.requests().is_empty());
}

#[test]
fn a_pipe_closed_early_ends_quietly() {
    let home = Home::new();
    let instances: Vec<String> = (0..5000)
        .map(|n| format!(r#"{{"instanceId":"i-{n}","metadata":{{"name":"VM-{n}"}}}}"#))
        .collect();
    let server = Fake::always(fake::json("200 OK", &format!("[{}]", instances.join(","))));

    let mut child = home
        .command()
        .env("RUNCWS_ENDPOINT", &server.base_url)
        .env("RUNCWS_USER", USER)
        .env("RUNCWS_PASSWORD", PASSWORD)
        .args(["listi", "-q"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // What `| head -c 10` does: read 10 bytes, then close the pipe.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 10];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let output = child.wait_with_output().unwrap();

    assert_eq!(&first, b"[\n  {\n    ");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr, "", "no panic and no message");
    assert_eq!(output.status.code(), Some(0));
}
