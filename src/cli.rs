//! What the user can type: clap definitions only.
//!
//! The docs on these fields are the `--help` text. Turning them into
//! settings (precedence, defaults, prompts) happens in `config`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Client for the CWS instance API, with a built-in emulator of that API.
///
/// With no endpoint configured, every command runs against the built-in
/// emulator on this machine; its objects persist between commands.
#[derive(Debug, Parser)]
#[command(name = "runcws", version, after_help = crate::exit::HELP)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags that apply to every command.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// API base URL (ending in /api), or `local` for the built-in emulator
    /// [default: local]
    #[arg(long, global = true, env = "RUNCWS_ENDPOINT", value_name = "URL|local")]
    pub endpoint: Option<String>,

    /// API user (the account's key). The password comes from
    /// RUNCWS_PASSWORD, the config file or a prompt, never from a flag
    #[arg(long, global = true, env = "RUNCWS_USER")]
    pub user: Option<String>,

    /// File holding the current requestId and instanceId
    /// [default: one per endpoint and user in the state directory]
    #[arg(long, global = true, env = "RUNCWS_STATE", value_name = "FILE")]
    pub state: Option<PathBuf>,

    /// Print only the result: no titles, options or setting lines on stderr
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Log decisions and one line per HTTP call on stderr (-vv: more)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Profile of the config file to use [default: default]
    #[arg(long, global = true, env = "RUNCWS_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,

    /// Format of the result on stdout
    #[arg(short, long, global = true, value_enum, default_value_t = OutputFormat::Json)]
    pub output: OutputFormat,

    /// Print what this jq filter selects from the result (strings raw)
    #[arg(long, global = true, value_name = "EXPR")]
    pub jq: Option<String>,

    /// Report errors on stderr as one line of text or one JSON object
    /// ({code, status, message, requestId, exitCode})
    #[arg(
        long,
        global = true,
        value_enum,
        default_value_t = ErrorFormat::Text,
        env = "RUNCWS_ERROR_FORMAT"
    )]
    pub error_format: ErrorFormat,

    /// Seconds to wait for a connection to the endpoint [default: 10]
    #[arg(long, global = true, env = "RUNCWS_CONNECT_TIMEOUT", value_name = "SECS",
          value_parser = crate::config_net::parse_seconds)]
    pub connect_timeout: Option<Duration>,

    /// Seconds to wait for each HTTP exchange as a whole [default: 60]
    #[arg(long, global = true, env = "RUNCWS_HTTP_TIMEOUT", value_name = "SECS",
          value_parser = crate::config_net::parse_seconds)]
    pub http_timeout: Option<Duration>,

    /// PEM file of CA certificates to trust for an https endpoint, besides
    /// the system's (for private CAs)
    #[arg(long, global = true, env = "RUNCWS_CACERT", value_name = "FILE")]
    pub cacert: Option<PathBuf>,
}

/// How the result is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Indented JSON (colored on a terminal unless NO_COLOR is set)
    Json,
    /// JSON on one line
    Compact,
    /// YAML
    Yaml,
    /// Rows of the useful columns (instances, requests, resources)
    Table,
}

/// How errors are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ErrorFormat {
    /// `runcws: error: …` on one line
    Text,
    /// One JSON object on one line
    Json,
}

/// `--wait` and its timing, on the commands that start a request.
#[derive(Debug, Clone, Args)]
pub struct WaitArgs {
    /// Wait until the request is done and the instance is no longer
    /// transient, then print the instance
    #[arg(long)]
    pub wait: bool,
    #[command(flatten)]
    pub timing: WaitTiming,
}

/// How long and how often a wait polls.
#[derive(Debug, Clone, Args)]
pub struct WaitTiming {
    /// Give up waiting after this long (e.g. 90s, 5m, 1h; 0 looks once) [exit 7]
    #[arg(long, value_parser = parse_duration, default_value = "10m", value_name = "DURATION")]
    pub timeout: Duration,

    /// Poll at this fixed interval (at least 100ms) instead of backing off
    /// from 0.5 s to 10 s
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub interval: Option<Duration>,
}

/// Parses `90s`, `5m`, `1h 30m`, `500ms`; a bare number is seconds.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<f64>() {
        return Duration::try_from_secs_f64(seconds).map_err(|e| e.to_string());
    }
    humantime::parse_duration(text).map_err(|e| format!("{e} (try 90s, 5m or 1h)"))
}

/// The subcommands, named as in the original tool.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create an instance from a resource, as a parameter file describes
    Createi {
        /// JSON file with `resourceUri` and the body to send (`-`: stdin)
        file: String,
        #[command(flatten)]
        wait: WaitArgs,
        /// Idempotency key to send [default: a fresh one]. The same key
        /// within 24 hours gets the first answer instead of a second
        /// instance: use it to retry a create whose answer was lost
        #[arg(long, value_name = "KEY")]
        idempotency_key: Option<String>,
    },
    /// Retrieve a request; sets the current instanceId from it
    Getr {
        /// Request id [default: the current requestId]
        request_id: Option<String>,
    },
    /// Retrieve an instance as last stored (no provider call)
    Geti {
        /// Instance id [default: the current instanceId]
        instance_id: Option<String>,
        /// Write a key pair's private key to this new file (mode 0600)
        #[arg(long, value_name = "FILE")]
        save_key: Option<PathBuf>,
    },
    /// Retrieve an instance with refresh: starts a request that reads the
    /// provider; sets the current requestId
    Getir {
        /// Instance id [default: the current instanceId]
        instance_id: Option<String>,
        #[command(flatten)]
        wait: WaitArgs,
    },
    /// Retrieve the account's requests (finished ones are then cleaned up)
    Listr(ListArgs),
    /// Retrieve the account's instances (long-deleted ones are cleaned up)
    Listi(ListArgs),
    /// Delete an instance; sets the current requestId
    Deletei {
        /// Instance id [default: the current instanceId]
        instance_id: Option<String>,
        #[command(flatten)]
        wait: WaitArgs,
    },
    /// Create an image instance from a VM instance
    Createimage {
        /// JSON file with the image's `metadata` (`-`: stdin)
        file: String,
        /// The VM instance to image [default: the current instanceId]
        #[arg(long, value_name = "VM_ID")]
        instance: Option<String>,
        #[command(flatten)]
        wait: WaitArgs,
        /// Idempotency key to send [default: a fresh one], as for createi
        #[arg(long, value_name = "KEY")]
        idempotency_key: Option<String>,
    },
    /// Wait for a request to finish and its instance to settle; print the
    /// instance
    Wait(WaitCommand),
    /// List the catalog of providers, regions and resources
    Resources,
    /// Write a profile (endpoint, user, password) into the config file:
    /// from flags and RUNCWS_PASSWORD, or by asking on a terminal
    Configure(ConfigureArgs),
    /// Show the settings in force
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Show the current ids and the state file's path
    State {
        #[command(subcommand)]
        action: Option<StateCommand>,
    },
    /// Print a shell completion script
    Completions {
        /// The shell to complete for
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff)
    Man,
    /// Serve the emulator over HTTP for other clients and tests
    Serve(ServeArgs),
    /// Control the emulator: reset it, drive its clock, inject faults (the
    /// built-in one, or the server --endpoint / RUNCWS_ENDPOINT names)
    Local(LocalArgs),
}

/// Flags and actions of `local`.
#[derive(Debug, Args)]
pub struct LocalArgs {
    /// SQLite database [default: the one the built-in default uses]
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    #[command(subcommand)]
    pub action: LocalAction,
}

/// What `local` does.
#[derive(Debug, Subcommand)]
pub enum LocalAction {
    /// Delete every request, instance, schedule entry and fault rule
    Reset,
    /// Show the emulator's time and when the next transition is due
    Clock,
    /// Move the emulator's clock forward and apply what comes due
    Advance {
        /// How far: 250ms, 90s, 5m, 2h, 1d
        #[arg(value_name = "DURATION", required_unless_present = "next")]
        by: Option<String>,
        /// Up to the next due transition
        #[arg(long, conflicts_with = "by")]
        next: bool,
    },
    /// List the pending transitions, in due order
    Schedule,
    /// List, add or remove fault rules
    Faults {
        #[command(subcommand)]
        action: Option<FaultsAction>,
    },
}

/// What `local faults` does.
#[derive(Debug, Subcommand)]
pub enum FaultsAction {
    /// List the rules
    List,
    /// Add a rule, given as JSON: {"action", "resourceUri", "metadata", "effect", "code", "message", "latencyMs"}
    Add {
        /// The rule, like {"action": "vm.create", "effect": "fail"}
        rule: String,
    },
    /// Remove one rule
    Remove {
        /// The rule's id
        id: i64,
    },
    /// Remove every rule
    Clear,
}

/// Flags of `wait`.
#[derive(Debug, Args)]
pub struct WaitCommand {
    /// The request to follow [default: the current requestId]
    #[arg(long, value_name = "ID", conflicts_with = "instance")]
    pub request: Option<String>,
    /// The instance to settle, without following a request first; give
    /// it several times to wait on several instances at once (the result
    /// is then an array, in the order given)
    #[arg(long, value_name = "ID")]
    pub instance: Vec<String>,
    /// The status to wait for (e.g. running, created, deleted); any other
    /// settled status fails [default: any settled status but error]
    #[arg(
        long = "for",
        value_name = "STATUS",
        value_parser = ["creating", "running", "created", "deleting", "deleted", "error"]
    )]
    pub for_status: Option<String>,
    #[command(flatten)]
    pub timing: WaitTiming,
}

/// Flags of `configure`; the endpoint and user come from the global flags.
#[derive(Debug, Args)]
pub struct ConfigureArgs {
    /// Read the password from the first line of stdin
    #[arg(long)]
    pub password_stdin: bool,
    /// Never ask: write only what flags and the environment give
    #[arg(long)]
    pub no_input: bool,
}

/// `config` subcommands.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// The endpoint and user in force and where each came from
    Show,
}

/// `state` subcommands.
#[derive(Debug, Subcommand)]
pub enum StateCommand {
    /// Forget the current ids
    Reset,
}

/// Flags of `listr` and `listi`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// List everything and clean nothing up (no `cleanup=true`)
    #[arg(long)]
    pub all: bool,
}

/// Flags of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0: any free port)
    #[arg(long, default_value = "127.0.0.1:7780", value_name = "ADDR")]
    pub listen: SocketAddr,

    /// SQLite database [default: the one the built-in default uses]
    #[arg(long, value_name = "PATH", conflicts_with = "memory")]
    pub db: Option<PathBuf>,

    /// Keep everything in memory, gone when the server stops
    #[arg(long)]
    pub memory: bool,

    /// Divide every emulated duration by this factor
    #[arg(long, env = "RUNCWS_EMULATOR_SPEED", value_name = "F")]
    pub speed: Option<f64>,

    /// Seed ids, keys and addresses, so that runs repeat
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// JSON catalog of providers, regions and resources to serve instead
    /// of the built-in one
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,

    /// JSON file overriding some life-cycle durations (milliseconds)
    #[arg(long, value_name = "FILE")]
    pub timings: Option<PathBuf>,

    /// JSON file of accounts to accept besides the default ones
    #[arg(long, value_name = "FILE")]
    pub accounts: Option<PathBuf>,

    /// Append every call and answer to FILE as JSON lines, secrets masked
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn definitions_are_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_flags_go_after_the_subcommand() {
        let cli = Cli::try_parse_from(["runcws", "geti", "abc", "-q", "-vv"]).unwrap();
        assert!(cli.global.quiet);
        assert_eq!(cli.global.verbose, 2);
        assert!(
            matches!(cli.command, Command::Geti { instance_id: Some(ref id), .. } if id == "abc")
        );
    }

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("-1").is_err());
    }
}
