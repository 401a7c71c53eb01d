//! The CWS API emulator: a local stand-in for the retired service.
//!
//! It is served by axum over a SQLite store. The client half starts it in
//! process for the embedded default (`Embedded`), and `runcws serve` runs it
//! as a server (`serve`). Nothing here imports the client half.

pub mod accounts;

use std::net::SocketAddr;
use std::path::PathBuf;

/// Where the emulator keeps its objects.
#[derive(Debug, Clone)]
pub enum DbLocation {
    /// A SQLite file, created on first use.
    File(PathBuf),
    /// An in-memory database, gone when the process ends.
    Memory,
}

/// Settings of one emulator instance.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    pub db: DbLocation,
    /// Every duration of the life cycles is divided by this factor.
    pub speed: f64,
    /// Seeds ids, keys and addresses, so two runs of the same calls match.
    pub seed: Option<u64>,
    pub catalog: Option<PathBuf>,
    pub timings: Option<PathBuf>,
    pub accounts: Option<PathBuf>,
    pub record: Option<PathBuf>,
}

impl EmulatorConfig {
    /// The defaults over the given database.
    pub fn new(db: DbLocation) -> Self {
        EmulatorConfig {
            db,
            speed: 1.0,
            seed: None,
            catalog: None,
            timings: None,
            accounts: None,
            record: None,
        }
    }
}

/// The database of the embedded default, in the user's data directory.
pub fn default_db_path() -> anyhow::Result<PathBuf> {
    todo!()
}

/// An emulator served in process on an ephemeral loopback port, for the
/// length of one command.
pub struct Embedded {
    base_url: String,
}

impl Embedded {
    /// Opens the store and starts serving on `127.0.0.1:0`.
    pub async fn start(config: EmulatorConfig) -> anyhow::Result<Embedded> {
        let _ = config;
        todo!()
    }

    /// The base URL, ending in `/api`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }
}

/// Serves the emulator on `listen` until Ctrl-C; `announce` receives the
/// base URL (ending in `/api`) once the socket is bound.
pub async fn serve(
    config: EmulatorConfig,
    listen: SocketAddr,
    announce: impl FnOnce(&str),
) -> anyhow::Result<()> {
    let _ = (config, listen, announce);
    todo!()
}
