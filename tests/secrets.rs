//! The password never shows: not on stdout or stderr, at any verbosity,
//! in the `options:` echo or in errors, nor as the base64 of the header.

mod common;

use base64::Engine as _;
use common::{Home, Run, Server, PASSWORD, USER};

#[test]
fn the_password_never_appears_at_any_verbosity() {
    let home = Home::new();
    let server = Server::start(&home);
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
    let wrong = "wrong-password-1234";
    let wrong_encoded = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{wrong}"));

    for password in [PASSWORD, wrong] {
        for verbosity in [None, Some("-v"), Some("-vv")] {
            for rust_log in [None, Some("trace")] {
                let mut command = home.command();
                command
                    .env("RUNCWS_ENDPOINT", &server.base_url)
                    .env("RUNCWS_USER", USER)
                    .env("RUNCWS_PASSWORD", password)
                    .args(["createi", "demo/kp.create.json"]);
                command.args(verbosity);
                if let Some(filter) = rust_log {
                    command.env("RUST_LOG", filter);
                }
                let run = Run::from(command.output().unwrap());
                let all = format!("{}{}", run.stdout, run.stderr);
                assert!(all.contains("<hidden>"), "{all}");
                for secret in [PASSWORD, encoded.as_str(), wrong, wrong_encoded.as_str()] {
                    assert!(
                        !all.contains(secret),
                        "{verbosity:?} {rust_log:?} shows {secret}"
                    );
                }
            }
        }
    }
}
