//! Everything runcws prints: the only module allowed to write to the screen.
//!
//! stdout carries data alone (a command's result JSON, or the URL and test
//! credentials `serve` announces). stderr carries the talk of the original
//! tool (title, `options:`, setting lines, `----- RESULT -----`), which `-q`
//! silences, and the one-line error report, which it never silences.
//! A closed stdout (`runcws listi | head -c 10`) is not an error.

use std::io::{self, Write};

use anyhow::Context as _;
use serde_json::Value;

/// The talk on stderr around one command, silenced by `-q`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Talk {
    quiet: bool,
}

impl Talk {
    /// Talk that prints unless `quiet`.
    pub(crate) fn new(quiet: bool) -> Talk {
        Talk { quiet }
    }

    /// The command's title line, e.g. `geti (retrieve instance)`.
    pub(crate) fn title(&self, title: &str) {
        self.line(title);
    }

    /// `options: ` and the call about to be sent, as indented JSON.
    pub(crate) fn options(&self, options: &Value) {
        self.line(&format!("options: {}", pretty(options)));
    }

    /// `##### setting current requestId: …`, for an id that changed.
    pub(crate) fn setting(&self, name: &str, id: &str) {
        self.line(&format!("##### setting current {name}: {id}"));
    }

    /// The marker before the result.
    pub(crate) fn result_marker(&self) {
        self.line("----- RESULT -----");
    }

    fn line(&self, text: &str) {
        if !self.quiet {
            write_stderr(text);
        }
    }
}

/// Prints `result` alone on stdout, indented by two spaces, in the order
/// its keys came in, and a newline. A closed stdout counts as success.
pub(crate) fn result(result: &Value) -> anyhow::Result<()> {
    write_stdout(&pretty(result)).context("writing the result to stdout")
}

/// Prints lines of data on stdout (what `serve` announces).
pub(crate) fn data_lines(lines: &[String]) -> anyhow::Result<()> {
    write_stdout(&lines.join("\n")).context("writing to stdout")
}

/// Prints the one-line error report on stderr, never silenced.
pub(crate) fn error_line(message: &str) {
    let one_line = message.split_whitespace().collect::<Vec<_>>().join(" ");
    write_stderr(&format!("runcws: error: {one_line}"));
}

/// Two-space indented JSON, as the original printed it.
fn pretty(value: &Value) -> String {
    // Serializing a `Value` cannot fail: its keys are strings.
    serde_json::to_string_pretty(value).unwrap_or_default()
}

fn write_stdout(text: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    let written = writeln!(out, "{text}").and_then(|()| out.flush());
    match written {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

fn write_stderr(text: &str) {
    // Nowhere is left to report a failure to write to stderr.
    let _ = writeln!(io::stderr().lock(), "{text}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pretty_keeps_key_order_and_two_spaces() {
        let value: Value = serde_json::from_str(r#"{"url":"u","method":"get"}"#).unwrap();
        assert_eq!(
            pretty(&value),
            "{\n  \"url\": \"u\",\n  \"method\": \"get\"\n}"
        );
    }

    #[test]
    fn empty_list_is_one_document() {
        assert_eq!(pretty(&Value::Array(vec![])), "[]");
    }
}
