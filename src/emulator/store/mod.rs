//! Persistence: one SQLite database holding requests, instances, the
//! provider side of each object, pending transitions and the clock.
//!
//! Objects are stored as the JSON documents the API serves, beside the
//! columns used to find them. Every write is one `BEGIN IMMEDIATE`
//! transaction, so many processes can share a file. The store knows nothing
//! of HTTP or of life cycles.

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};

use super::DbLocation;

mod rows;
#[cfg(test)]
mod tests;

pub use rows::*;

/// The schema version this code writes, kept in `PRAGMA user_version`.
pub const SCHEMA_VERSION: i64 = 3;

/// Version 1 of the schema; later versions are steps from it in `migrate`.
const SCHEMA_V1: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS requests (
    id TEXT PRIMARY KEY, owner TEXT NOT NULL, status TEXT NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS requests_owner ON requests (owner);
CREATE TABLE IF NOT EXISTS instances (
    id TEXT PRIMARY KEY, owner TEXT NOT NULL, status TEXT NOT NULL,
    resource_uri TEXT NOT NULL, pending TEXT, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS instances_owner ON instances (owner);
CREATE INDEX IF NOT EXISTS instances_uri ON instances (owner, resource_uri);
CREATE TABLE IF NOT EXISTS provider (id TEXT PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS transitions (
    id INTEGER PRIMARY KEY AUTOINCREMENT, due INTEGER NOT NULL,
    kind TEXT NOT NULL, target TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS transitions_due ON transitions (due, id);
CREATE TABLE IF NOT EXISTS idempotency (
    owner TEXT NOT NULL, key TEXT NOT NULL, created INTEGER NOT NULL,
    status INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (owner, key));
CREATE TABLE IF NOT EXISTS faults (id INTEGER PRIMARY KEY AUTOINCREMENT, rule TEXT NOT NULL);
";

/// A stored transition: something due to happen to one object.
#[derive(Debug, Clone)]
pub struct Transition {
    pub id: i64,
    pub due: i64,
    pub kind: String,
    pub target: String,
    pub data: String,
}

/// What `put_instance` stores.
pub struct NewInstance<'a> {
    pub id: &'a str,
    pub owner: &'a str,
    pub status: &'a str,
    pub resource_uri: &'a str,
    pub doc: &'a str,
    /// When the instance expires if it is stored as deleted.
    pub expires: i64,
}

/// One row of the instances table.
#[derive(Debug, Clone)]
pub struct InstanceRow {
    pub status: String,
    /// For a deleted instance, when it stops being shown.
    pub expires: Option<i64>,
    pub pending: Option<String>,
    pub doc: String,
}

/// The database, behind one connection.
pub struct Store {
    conn: Mutex<Connection>,
}

impl Store {
    /// Opens (creating if needed) the database and brings its schema up to date.
    pub fn open(location: &DbLocation) -> anyhow::Result<Self> {
        let conn = match location {
            DbLocation::Memory => Connection::open_in_memory()?,
            DbLocation::File(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    create_private_dir(dir)?;
                }
                create_private_file(path)?;
                Connection::open(path)
                    .with_context(|| format!("opening emulator database {}", path.display()))?
            }
        };
        let describe = || match location {
            DbLocation::Memory => "the in-memory emulator database".to_owned(),
            DbLocation::File(path) => format!("emulator database {}", path.display()),
        };
        prepare_patiently(&conn).with_context(|| format!("setting up {}", describe()))?;
        Ok(Store {
            conn: Mutex::new(conn),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` outside any write transaction.
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> anyhow::Result<T>) -> anyhow::Result<T> {
        f(&self.lock())
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction, committed if it succeeds.
    pub fn write<T, E>(&self, f: impl FnOnce(&Transaction) -> Result<T, E>) -> Result<T, E>
    where
        E: From<rusqlite::Error>,
    {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }
}

fn create_private_dir(dir: &std::path::Path) -> anyhow::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .with_context(|| format!("creating folder {}", dir.display()))
}

/// Creates the database file owner-only if it does not exist yet; SQLite
/// gives its journal files the same permissions.
fn create_private_file(path: &std::path::Path) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .map(drop)
        .with_context(|| format!("creating emulator database {}", path.display()))
}

/// `prepare`, tried again while another process holds the file: switching
/// a new file to WAL answers "database is locked" at once, without the busy
/// timeout, when many processes open it together.
fn prepare_patiently(conn: &Connection) -> anyhow::Result<()> {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut pause = Duration::from_millis(5);
    loop {
        match prepare(conn) {
            Err(e) if is_busy(&e) && std::time::Instant::now() < deadline => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(200));
            }
            other => return other,
        }
    }
}

fn is_busy(error: &anyhow::Error) -> bool {
    use rusqlite::ErrorCode::{DatabaseBusy, DatabaseLocked};
    matches!(
        error.downcast_ref::<rusqlite::Error>(),
        Some(rusqlite::Error::SqliteFailure(e, _)) if matches!(e.code, DatabaseBusy | DatabaseLocked)
    )
}

fn prepare(conn: &Connection) -> anyhow::Result<()> {
    conn.busy_timeout(Duration::from_secs(10))?;
    // WAL with synchronous=NORMAL survives a killed process.
    conn.prepare_cached("PRAGMA journal_mode = WAL")?
        .query_row([], |_| Ok(()))?;
    conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = OFF;")?;
    migrate(conn)
}

/// Creates or upgrades the schema under the write lock, so two processes
/// opening a new file at once do it once.
fn migrate(conn: &Connection) -> anyhow::Result<()> {
    let version: i64 = conn
        .prepare_cached("PRAGMA user_version")?
        .query_row([], |r| r.get(0))?;
    if version == SCHEMA_VERSION {
        return Ok(());
    }
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let result = (|| {
        let version: i64 = conn
            .prepare_cached("PRAGMA user_version")?
            .query_row([], |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            // Newer versions only add tables and columns: if ours are all
            // there, this runcws can work with the file as it is.
            if has_tables(conn)? {
                tracing::warn!(
                    "the emulator database has schema version {version}, newer than \
                     this runcws knows ({SCHEMA_VERSION}); using the parts it knows"
                );
                return Ok(());
            }
            anyhow::bail!(
                "the database has schema version {version}, newer than this runcws \
                 knows ({SCHEMA_VERSION}), without the tables it needs; upgrade \
                 runcws or use another --db"
            );
        }
        if version < 1 {
            conn.execute_batch(SCHEMA_V1)?;
        }
        if version < 2 {
            // When a deleted instance stops being shown.
            conn.execute_batch("ALTER TABLE instances ADD COLUMN expires INTEGER")?;
        }
        if version < 3 {
            // What a key was first used for, so reusing it for another call is refused.
            conn.execute_batch("ALTER TABLE idempotency ADD COLUMN fingerprint TEXT")?;
        }
        conn.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION}"))?;
        Ok(())
    })();
    match result {
        Ok(()) => Ok(conn.execute_batch("COMMIT")?),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

/// Whether every table this version uses exists.
fn has_tables(conn: &Connection) -> anyhow::Result<bool> {
    const TABLES: [&str; 7] = [
        "meta",
        "requests",
        "instances",
        "provider",
        "transitions",
        "idempotency",
        "faults",
    ];
    let mut stmt =
        conn.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1")?;
    for table in TABLES {
        let count: i64 = stmt.query_row([table], |r| r.get(0))?;
        if count == 0 {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Milliseconds since the epoch, by the wall clock.
pub fn wall_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn meta(conn: &Connection, key: &str) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()
        .map(|v| v.unwrap_or(0))
}

fn set_meta(conn: &Connection, key: &str, value: i64) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// The emulator's time: the wall clock plus every `advance`, never earlier
/// than a time already written.
pub fn now(conn: &Connection) -> rusqlite::Result<i64> {
    let offset = meta(conn, "clock_offset")?;
    let last = meta(conn, "clock_last")?;
    Ok(wall_ms().saturating_add(offset).max(last))
}

/// Records that time `at` has been seen, so the clock never goes back.
pub fn mark_time(conn: &Connection, at: i64) -> rusqlite::Result<()> {
    if at > meta(conn, "clock_last")? {
        set_meta(conn, "clock_last", at)?;
    }
    Ok(())
}

/// Moves the emulator's clock forward by `ms`.
/// How far ahead of the wall clock the emulator's clock may go: a century.
pub const MAX_CLOCK_OFFSET: i64 = 100 * 365 * 86_400_000;

/// Moves the emulator's clock forward by `ms`; `false` (and no change) if
/// that would take it more than `MAX_CLOCK_OFFSET` ahead.
pub fn advance_clock(conn: &Connection, ms: i64) -> rusqlite::Result<bool> {
    let offset = meta(conn, "clock_offset")?;
    match offset.checked_add(ms.max(0)) {
        Some(moved) if moved <= MAX_CLOCK_OFFSET => {
            set_meta(conn, "clock_offset", moved)?;
            Ok(true)
        }
        _ => Ok(false),
    }
}
