//! Faults of the network and the server, each from a tiny purpose-built
//! server on 127.0.0.1: hangs, dropped connections, HTML error pages,
//! 503s with Retry-After, empty answers, redirects to another port.

mod common;

use common::fake::{self, Fake, Reply};
use common::{Home, Run, PASSWORD, USER};

const INSTANCE: &str = r#"{"instanceId":"i-1","attributes":{"instanceStatus":"running"}}"#;

/// Runs `args` against `endpoint` as the default test account.
fn runcws(home: &Home, endpoint: &str, args: &[&str]) -> Run {
    let mut command = home.command();
    command
        .env("RUNCWS_ENDPOINT", endpoint)
        .env("RUNCWS_USER", USER)
        .env("RUNCWS_PASSWORD", PASSWORD)
        .args(args);
    Run::from(command.output().unwrap())
}

fn last_line(run: &Run) -> &str {
    run.stderr.lines().last().unwrap_or_default()
}

#[test]
fn a_server_that_never_answers_times_out() {
    let home = Home::new();
    let server = Fake::start(|_, _| Reply::Hang);
    let run = runcws(
        &home,
        &server.base_url,
        &["geti", "i-1", "--http-timeout", "1"],
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(last_line(&run).ends_with("no answer within 1 s (--http-timeout)"));
    // A timeout is not retried: the server would not answer the next time.
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_lost_create_says_the_outcome_is_unknown_and_how_to_retry() {
    let home = Home::new();
    for reply in [Reply::Hang, Reply::Drop] {
        let is_hang = matches!(reply, Reply::Hang);
        let server = Fake::start(move |_, _| match is_hang {
            true => Reply::Hang,
            false => Reply::Drop,
        });
        let args = ["createi", "demo/kp.create.json", "--http-timeout", "1"];
        let run = runcws(&home, &server.base_url, &args);

        assert_eq!(run.code, 3, "{}", run.stderr);
        let requests = server.requests();
        assert_eq!(requests.len(), 1, "a create is never sent twice");
        let key = fake::header(&requests[0], "idempotency-key").unwrap();
        let line = last_line(&run);
        assert!(line.contains("the outcome is unknown"), "{line}");
        let retry = format!(
            "runcws createi demo/kp.create.json --http-timeout 1 --idempotency-key {key} ;"
        );
        assert!(line.contains(&retry), "{line}");
        assert!(line.contains("runcws listi, runcws listr --all"), "{line}");
        assert_eq!(run.stdout, "");
        assert!(!home.path().join("state").exists(), "no id is saved");
    }
}

#[test]
fn reads_are_retried_as_retry_after_says() {
    let home = Home::new();
    let server = Fake::start(|n, _| {
        let past = "Sun, 06 Nov 1994 08:49:37 GMT";
        Reply::Raw(match n {
            0 => fake::response("503 Service Unavailable", &[("retry-after", "1")], ""),
            1 => fake::response("429 Too Many Requests", &[("retry-after", past)], ""),
            2 => fake::response("502 Bad Gateway", &[], "down"),
            _ => fake::json("200 OK", INSTANCE),
        })
    });
    let run = runcws(&home, &server.base_url, &["geti", "i-1", "-v"]);
    assert_eq!(run.json()["instanceId"], "i-1");
    assert_eq!(server.requests().len(), 4);
    assert!(run.stderr.contains("sending GET again"), "{}", run.stderr);
}

#[test]
fn reads_give_up_after_the_last_attempt_and_changes_never_retry() {
    let home = Home::new();
    let server = Fake::always(fake::response(
        "503 Service Unavailable",
        &[("retry-after", "0")],
        "",
    ));
    let run_geti = runcws(&home, &server.base_url, &["geti", "i-1"]);
    assert_eq!(run_geti.code, 3);
    assert_eq!(server.requests().len(), 4);

    for args in [
        &["deletei", "i-1"][..],
        &["getir", "i-1"],
        &["listi"],
        &["createi", "demo/kp.create.json"],
    ] {
        let before = server.requests().len();
        let failed = runcws(&home, &server.base_url, args);
        assert_eq!(failed.code, 3, "{args:?}");
        assert_eq!(server.requests().len(), before + 1, "{args:?} was retried");
    }
}

#[test]
fn html_error_pages_show_status_type_and_excerpt() {
    let home = Home::new();
    let page = "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>nginx</body></html>";
    let server = Fake::always(fake::response(
        "502 Bad Gateway",
        &[("content-type", "text/html")],
        page,
    ));
    let run = runcws(&home, &server.base_url, &["listi"]);
    assert_eq!(run.code, 3);
    let expected = "listing instances: server answered 502 Bad Gateway with a text/html body: \
                    \"<html> <head><title>502 Bad Gateway</title></head> <body>nginx</body></html>\"";
    assert_eq!(last_line(&run), format!("runcws: error: {expected}"));
}

#[test]
fn empty_answers_are_success() {
    let home = Home::new();
    let server = Fake::start(|n, _| {
        Reply::Raw(match n {
            0 => "HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n".to_string(),
            _ => fake::json("200 OK", ""),
        })
    });
    for args in [["deletei", "i-1"], ["geti", "i-1"]] {
        let run = runcws(&home, &server.base_url, &args);
        assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{}", run.stderr);
        assert!(!run.stderr.contains("error"), "{}", run.stderr);
    }
}

#[test]
fn an_empty_list_is_exactly_one_document() {
    let home = Home::new();
    let server = Fake::always(fake::json("200 OK", "[]"));
    let run = runcws(&home, &server.base_url, &["listi", "-q"]);
    assert_eq!((run.code, run.stdout.as_str()), (0, "[]\n"));
}

#[test]
fn redirects_never_carry_credentials_to_another_port() {
    let home = Home::new();
    let elsewhere = Fake::always(fake::json(
        "401 Unauthorized",
        r#"{"error":{"code":"Unauthorized","message":"who are you"}}"#,
    ));
    let location = format!("{}/instance/i-1", elsewhere.base_url);
    let server = Fake::always(fake::response(
        "307 Temporary Redirect",
        &[("location", &location)],
        "",
    ));

    let run = runcws(&home, &server.base_url, &["geti", "i-1"]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(fake::header(&server.requests()[0], "authorization").is_some());
    let followed = elsewhere.requests();
    assert_eq!(followed.len(), 1);
    assert_eq!(fake::header(&followed[0], "authorization"), None);
    let expected = format!(
        "getting instance i-1: redirected to http://127.0.0.1:{}, another host or port, \
         where the credentials are never sent: server answered 401 Unauthorized",
        elsewhere.port
    );
    assert!(last_line(&run).contains(&expected), "{}", run.stderr);
}

#[test]
fn a_missing_ca_file_is_bad_input() {
    let home = Home::new();
    let server = Fake::always(fake::json("200 OK", "[]"));
    let run = runcws(&home, &server.base_url, &["listi", "--cacert", "nope.pem"]);
    assert_eq!(run.code, 2);
    assert!(last_line(&run).contains("reading CA file nope.pem"));
    home.write("empty.pem", "not a certificate\n");
    let run = runcws(&home, &server.base_url, &["listi", "--cacert", "empty.pem"]);
    assert_eq!(run.code, 2);
    assert!(
        last_line(&run).contains("empty.pem holds no PEM certificate"),
        "{}",
        run.stderr
    );
    assert!(server.requests().is_empty());
}
