//! The CWS API emulator: a local stand-in for the retired service.
//!
//! It is served by axum over a SQLite store. The client half starts it in
//! process for the embedded default (`Embedded`), and `runcws serve` runs it
//! as a server (`serve`). Nothing here imports the client half.

pub mod accounts;
mod actions;
pub mod catalog;
mod completion;
mod control;
mod create;
mod engine;
pub mod faults;
mod keys;
mod lifecycle;
mod objects;
mod random;
mod record;
mod routes;
mod store;
pub mod timings;

#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use control::parse_duration;
pub use engine::Engine;

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
    let dirs = directories::ProjectDirs::from("", "", "runcws")
        .context("finding the user's data directory (is HOME set?)")?;
    Ok(dirs.data_dir().join("emulator.sqlite3"))
}

/// An emulator served in process on an ephemeral loopback port, for the
/// length of one command.
pub struct Embedded {
    base_url: String,
    server: JoinHandle<()>,
}

impl Embedded {
    /// Opens the store and starts serving on `127.0.0.1:0`.
    pub async fn start(config: EmulatorConfig) -> anyhow::Result<Embedded> {
        let app = app(&config)?;
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .context("opening a loopback port for the embedded emulator")?;
        let address = listener.local_addr()?;
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!("the embedded emulator stopped: {e}");
            }
        });
        Ok(Embedded {
            base_url: format!("http://{address}/api"),
            server,
        })
    }

    /// The base URL, ending in `/api`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }
}

impl Drop for Embedded {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The emulator's HTTP app over the store `config` names, recording calls
/// if it asks.
fn app(config: &EmulatorConfig) -> anyhow::Result<axum::Router> {
    let engine = Arc::new(Engine::new(config)?);
    let recorder = config
        .record
        .as_deref()
        .map(record::Recorder::open)
        .transpose()?;
    Ok(routes::router(engine, recorder))
}

/// Serves the emulator on `listen` until Ctrl-C; `announce` receives the
/// base URL (ending in `/api`) once the socket is bound.
pub async fn serve(
    config: EmulatorConfig,
    listen: SocketAddr,
    announce: impl FnOnce(&str),
) -> anyhow::Result<()> {
    let app = app(&config)?;
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let address = listener.local_addr()?;
    let host = match address.ip() {
        ip if ip.is_unspecified() => "127.0.0.1".to_owned(),
        std::net::IpAddr::V6(ip) => format!("[{ip}]"),
        ip => ip.to_string(),
    };
    announce(&format!("http://{host}:{}/api", address.port()));
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("serving the emulator")
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
