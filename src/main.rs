//! The `runcws` binary: parse, set up logging, run, map errors to exit codes.

use std::io::IsTerminal as _;
use std::process::ExitCode;

use clap::Parser as _;
use runcws::cli::{Cli, Command};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.global.verbose, matches!(cli.command, Command::Serve(_)));
    let error_format = cli.global.error_format;
    match runcws::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => runcws::exit::fail(&err, error_format),
    }
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
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(color)
        .with_target(verbose > 0)
        .init();
}
