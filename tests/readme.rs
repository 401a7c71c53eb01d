//! README's "Local cloud" examples run as written: each shell block marked
//! `<!-- readme-test: NAME -->` is run by bash, with the built binary first
//! on PATH, in a temporary home holding the demo files.

mod common;

use std::process::Command;

use common::{Home, Run};

/// The shell block that follows the marker `<!-- readme-test: NAME -->`.
fn block(name: &str) -> String {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let marker = format!("<!-- readme-test: {name} -->");
    let after = &readme[readme
        .find(&marker)
        .unwrap_or_else(|| panic!("no {marker} in README.md"))..];
    let start = after.find("```sh\n").unwrap() + "```sh\n".len();
    let end = after[start..].find("```").unwrap();
    after[start..start + end].to_owned()
}

fn run_block(home: &Home, name: &str) -> Run {
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_runcws"))
        .parent()
        .unwrap();
    // Whatever the block starts in the background is stopped afterwards.
    let script = format!(
        "set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n{}",
        block(name)
    );
    let output = Command::new("bash")
        .current_dir(home.path())
        .env_clear()
        .envs(
            home.command()
                .get_envs()
                .filter_map(|(k, v)| Some((k.to_owned(), v?.to_owned()))),
        )
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .args(["-c", &script])
        .output()
        .unwrap();
    Run::from(output)
}

#[test]
fn the_local_cloud_example_runs_as_written() {
    let home = Home::new();
    let run = run_block(&home, "local-cloud");
    assert_eq!(
        run.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines[0].starts_with("http://127.0.0.1:") && lines[0].ends_with("/api"),
        "{}",
        lines[0]
    );
    assert!(lines.contains(&"running"), "{}", run.stdout);
    assert!(
        lines.contains(&r#"{"code":"QuotaExceeded","message":"no more key pairs"}"#),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains(r#"{"reset":true}"#), "{}", run.stdout);
    assert!(
        lines.iter().any(|l| l.starts_with(r#"[{"due":"#)),
        "the schedule: {}",
        run.stdout
    );
}

#[test]
fn the_local_commands_example_runs_as_written() {
    let home = Home::new();
    let run = run_block(&home, "local-commands");
    assert_eq!(
        run.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    assert!(
        run.stdout.lines().any(|l| l == "completed"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("\"reset\": true"), "{}", run.stdout);
}

#[test]
fn the_readme_script_is_the_demo_script() {
    let script = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/demo/create-image-delete.sh"
    ))
    .unwrap();
    assert_eq!(
        block("script"),
        script,
        "README and demo/create-image-delete.sh differ"
    );
}

#[test]
fn command_line_mistakes_honour_the_error_format() {
    let home = Home::new();
    let output = home
        .command()
        .args(["--error-format", "json", "geti", "--bogus"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let error: serde_json::Value = serde_json::from_slice(&output.stderr).unwrap();
    assert_eq!(error["code"], "Usage");
    assert_eq!(error["exitCode"], 2);
    let plain = home.command().args(["geti", "--bogus"]).output().unwrap();
    assert_eq!(plain.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&plain.stderr).contains("--bogus"));
}
