//! Everything runcws prints: the only module allowed to write to the screen.
//!
//! stdout carries data alone (a command's result JSON, or the URL and test
//! credentials `serve` announces). stderr carries the talk of the original
//! tool (title, `options:`, setting lines, `----- RESULT -----`), which `-q`
//! silences, and the one-line error report, which it never silences.
//! A closed stdout (`runcws listi | head -c 10`) is not an error.
//! `format` renders a result as `--output` asks, `table` lays out rows and
//! `progress` is the live line (or plain lines) of a wait.

mod format;
mod progress;
mod table;

use std::borrow::Cow;
use std::io::{self, IsTerminal as _, Write};

use anyhow::Context as _;
use serde_json::Value;

use crate::cli::OutputFormat;
use crate::jq::Filter;

pub(crate) use progress::Progress;

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

    /// True when `-q` silenced the talk.
    pub(crate) fn is_quiet(&self) -> bool {
        self.quiet
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

    /// A note about what a local command did.
    pub(crate) fn note(&self, text: &str) {
        self.line(text);
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

/// How results go to stdout: the format, an optional jq filter, color.
#[derive(Debug, Clone)]
pub(crate) struct Printer {
    format: OutputFormat,
    jq: Option<Filter>,
    color: bool,
}

impl Printer {
    /// A printer for `format`, coloring JSON only on a terminal without
    /// `NO_COLOR`.
    pub(crate) fn new(format: OutputFormat, jq: Option<Filter>) -> Printer {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = io::stdout().is_terminal() && !no_color;
        Printer { format, jq, color }
    }

    /// Prints `result` alone on stdout (by default indented by two spaces,
    /// in the order its keys came in). With `--jq`, prints what the filter
    /// selects, one value after another, strings raw.
    pub(crate) fn result(&self, result: &Value) -> anyhow::Result<()> {
        let text = match &self.jq {
            None => format::render(result, self.format, self.color)?,
            Some(filter) => {
                // The call itself is done by now: say so, or a script may
                // send a create again.
                let selected = filter.apply(result).map_err(|e| {
                    anyhow::Error::new(e).context(
                        "the call succeeded (and the current ids are saved), \
                         but --jq failed on its answer",
                    )
                })?;
                if selected.is_empty() {
                    return Ok(());
                }
                let texts: anyhow::Result<Vec<String>> = selected
                    .iter()
                    .map(|value| match value {
                        Value::String(text) => Ok(text.clone()),
                        other => format::render(other, self.format, self.color),
                    })
                    .collect();
                texts?.join("\n")
            }
        };
        write_stdout(&text).context("writing the result to stdout")
    }
}

/// Prints text as it is on stdout (completions, the man page).
pub(crate) fn text(text: &str) -> anyhow::Result<()> {
    write_stdout(text.trim_end_matches('\n')).context("writing to stdout")
}

/// Prints lines of data on stdout (what `serve` announces).
pub(crate) fn data_lines(lines: &[String]) -> anyhow::Result<()> {
    write_stdout(&lines.join("\n")).context("writing to stdout")
}

/// Asks `question` on stderr and reads one line of stdin, trimmed.
pub(crate) fn ask(question: &str) -> io::Result<String> {
    let mut err = io::stderr().lock();
    write!(err, "{}", escape_controls(question))?;
    err.flush()?;
    let mut line = String::new();
    io::stdin().read_line(&mut line)?;
    Ok(line.trim().to_string())
}

/// Prints the one-line error report on stderr, never silenced.
pub(crate) fn error_line(message: &str) {
    let one_line = message.split_whitespace().collect::<Vec<_>>().join(" ");
    write_stderr(&format!("runcws: error: {one_line}"));
}

/// Prints an error as one JSON object on one line of stderr.
pub(crate) fn error_json(error: &Value) {
    write_stderr(&error.to_string());
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

/// Writes one line on stderr: talk, errors and progress. Its text may come
/// from a server or a file, so control characters are escaped.
fn write_stderr(text: &str) {
    // Nowhere is left to report a failure to write to stderr.
    let _ = writeln!(io::stderr().lock(), "{}", escape_controls(text));
}

/// `text` with control characters (but line ends and tabs) and bidi
/// overrides escaped as `\u{1b}`, so that no server or file can send
/// escape sequences to the terminal through runcws.
pub(crate) fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let escaped = text
        .chars()
        .map(|c| match is_unsafe(c) {
            true => c.escape_unicode().to_string(),
            false => c.to_string(),
        })
        .collect();
    Cow::Owned(escaped)
}

fn is_unsafe(c: char) -> bool {
    let is_bidi = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    (c.is_control() && c != '\n' && c != '\t') || is_bidi
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

    /// Fault: ESC sequences from a server's error or a file reached the
    /// terminal raw.
    #[test]
    fn control_characters_are_escaped_but_lines_are_kept() {
        let text = "server answered 500: \u{1b}[31mred\u{7}\r\u{9b}x\u{202e}y\nnext\tcol";
        assert_eq!(
            escape_controls(text),
            "server answered 500: \\u{1b}[31mred\\u{7}\\u{d}\\u{9b}x\\u{202e}y\nnext\tcol"
        );
        assert!(matches!(escape_controls("plain"), Cow::Borrowed("plain")));
    }

    #[test]
    fn empty_list_is_one_document() {
        assert_eq!(pretty(&Value::Array(vec![])), "[]");
    }
}
