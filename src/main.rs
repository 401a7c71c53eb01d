//! The `runcws` binary: parse, set up logging, run, map errors to exit codes.

use std::io::IsTerminal as _;
use std::process::ExitCode;

use clap::Parser as _;
use runcws::cli::{Cli, Command};
use tracing_subscriber::fmt::format::{self, FormatEvent, FormatFields};
use tracing_subscriber::fmt::FmtContext;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return runcws::exit::usage(err, wants_json_errors()),
    };
    init_tracing(cli.global.verbose, matches!(cli.command, Command::Serve(_)));
    let error_format = cli.global.error_format;
    match runcws::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => runcws::exit::fail(&err, error_format),
    }
}

/// Whether `--error-format json` (or `RUNCWS_ERROR_FORMAT=json`) was asked
/// for, read before clap, whose own errors must honour it too.
fn wants_json_errors() -> bool {
    let args: Vec<String> = std::env::args().collect();
    let flagged = args
        .windows(2)
        .any(|w| w[0] == "--error-format" && w[1] == "json")
        || args.iter().any(|a| a == "--error-format=json");
    flagged || std::env::var("RUNCWS_ERROR_FORMAT").is_ok_and(|v| v == "json")
}

/// Logs to stderr: warnings only by default, more with `-v`/`-vv`, and
/// `RUST_LOG` when set. `serve` also logs one line per API call by default.
fn init_tracing(verbose: u8, is_serve: bool) {
    let default = match (verbose, is_serve) {
        (0, false) => "warn",
        (0, true) => "warn,runcws::emulator=info",
        (1, _) => "warn,runcws=debug",
        _ => "info,runcws=trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(color)
        .with_target(verbose > 0);
    // Quiet by default: a warning reads like an error line, without a
    // timestamp; `serve` and `-v` keep the timestamps a log wants.
    if verbose == 0 && !is_serve && std::env::var_os("RUST_LOG").is_none() {
        builder.event_format(Plain).init();
    } else {
        builder.init();
    }
}

/// `runcws: warning: …`, like the error line.
struct Plain;

impl<S, N> FormatEvent<S, N> for Plain
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: format::Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        let level = match *event.metadata().level() {
            tracing::Level::ERROR => "error",
            tracing::Level::WARN => "warning",
            _ => "note",
        };
        write!(writer, "runcws: {level}: ")?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}
