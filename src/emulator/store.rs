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
        prepare(&conn).with_context(|| format!("setting up {}", describe()))?;
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

/// Stores a request document.
pub fn put_request(
    conn: &Connection,
    id: &str,
    owner: &str,
    status: &str,
    doc: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO requests (id, owner, status, doc) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, doc = excluded.doc",
        params![id, owner, status, doc],
    )?;
    Ok(())
}

/// A request's document, if the owner has it.
pub fn request(
    conn: &Connection,
    owner: Option<&str>,
    id: &str,
) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT doc FROM requests WHERE id = ?1 AND (?2 IS NULL OR owner = ?2)")?
        .query_row(params![id, owner], |r| r.get(0))
        .optional()
}

/// Every request of an owner, oldest first.
pub fn requests(conn: &Connection, owner: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt =
        conn.prepare_cached("SELECT doc FROM requests WHERE owner = ?1 ORDER BY rowid")?;
    let rows = stmt.query_map([owner], |r| r.get(0))?;
    rows.collect()
}

/// Removes an owner's finished requests.
pub fn remove_finished_requests(conn: &Connection, owner: &str) -> rusqlite::Result<usize> {
    conn.execute(
        "DELETE FROM requests WHERE owner = ?1 AND status != 'in-progress'",
        [owner],
    )
}

/// Stores an instance document. A deleted one expires at `expires`
/// (kept from the first time it was stored as deleted).
pub fn put_instance(conn: &Connection, row: &NewInstance) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO instances (id, owner, status, resource_uri, doc, expires)
         VALUES (?1, ?2, ?3, ?4, ?5, CASE WHEN ?3 = 'deleted' THEN ?6 END)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status,
             resource_uri = excluded.resource_uri, doc = excluded.doc,
             expires = CASE WHEN excluded.status = 'deleted'
                 THEN coalesce(instances.expires, ?6) END",
        params![
            row.id,
            row.owner,
            row.status,
            row.resource_uri,
            row.doc,
            row.expires
        ],
    )?;
    Ok(())
}

/// Removes an owner's deleted instances that expired by `now`.
pub fn remove_expired(conn: &Connection, owner: &str, now: i64) -> rusqlite::Result<usize> {
    conn.execute(
        "DELETE FROM provider WHERE id IN
             (SELECT id FROM instances WHERE owner = ?1 AND expires <= ?2)",
        params![owner, now],
    )?;
    conn.execute(
        "DELETE FROM instances WHERE owner = ?1 AND expires <= ?2",
        params![owner, now],
    )
}

/// Marks an instance as having a request under way that changes it.
pub fn set_pending(conn: &Connection, id: &str, action: Option<&str>) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE instances SET pending = ?2 WHERE id = ?1",
        params![id, action],
    )?;
    Ok(())
}

/// Reads the columns `status, pending, doc, expires`.
fn instance_row(row: &rusqlite::Row) -> rusqlite::Result<InstanceRow> {
    Ok(InstanceRow {
        status: row.get(0)?,
        pending: row.get(1)?,
        doc: row.get(2)?,
        expires: row.get(3)?,
    })
}

/// An instance, if the owner (or, with `None`, anyone) has it.
pub fn instance(
    conn: &Connection,
    owner: Option<&str>,
    id: &str,
) -> rusqlite::Result<Option<InstanceRow>> {
    conn.prepare_cached(
        "SELECT status, pending, doc, expires FROM instances
         WHERE id = ?1 AND (?2 IS NULL OR owner = ?2)",
    )?
    .query_row(params![id, owner], instance_row)
    .optional()
}

/// The instance of an owner with this resource URI, if any.
pub fn instance_by_uri(
    conn: &Connection,
    owner: &str,
    uri: &str,
) -> rusqlite::Result<Option<InstanceRow>> {
    conn.prepare_cached(
        "SELECT status, pending, doc, expires FROM instances WHERE owner = ?1 AND resource_uri = ?2",
    )?
    .query_row(params![owner, uri], instance_row)
    .optional()
}

/// Every instance of an owner, oldest first.
pub fn instances(conn: &Connection, owner: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt =
        conn.prepare_cached("SELECT doc FROM instances WHERE owner = ?1 ORDER BY rowid")?;
    let rows = stmt.query_map([owner], |r| r.get(0))?;
    rows.collect()
}

/// The provider side of an object, as JSON.
pub fn provider(conn: &Connection, id: &str) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT state FROM provider WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()
}

/// Stores the provider side of an object.
pub fn put_provider(conn: &Connection, id: &str, state: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO provider (id, state) VALUES (?1, ?2)
         ON CONFLICT (id) DO UPDATE SET state = excluded.state",
        params![id, state],
    )?;
    Ok(())
}

/// Removes the provider side of an object.
pub fn remove_provider(conn: &Connection, id: &str) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM provider WHERE id = ?1", [id])?;
    Ok(())
}

/// Schedules a transition.
pub fn schedule(
    conn: &Connection,
    due: i64,
    kind: &str,
    target: &str,
    data: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO transitions (due, kind, target, data) VALUES (?1, ?2, ?3, ?4)",
        params![due, kind, target, data],
    )?;
    Ok(())
}

/// Whether a transition is due by the emulator's time: one query, as every
/// call asks it first.
pub fn is_anything_due(conn: &Connection) -> rusqlite::Result<bool> {
    let mut stmt = conn.prepare_cached(
        "SELECT (SELECT min(due) FROM transitions),
                (SELECT value FROM meta WHERE key = 'clock_offset'),
                (SELECT value FROM meta WHERE key = 'clock_last')",
    )?;
    let (next, offset, last): (Option<i64>, Option<i64>, Option<i64>) =
        stmt.query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    let now = wall_ms()
        .saturating_add(offset.unwrap_or(0))
        .max(last.unwrap_or(0));
    Ok(next.is_some_and(|next| next <= now))
}

/// When the earliest pending transition is due.
pub fn next_due(conn: &Connection) -> rusqlite::Result<Option<i64>> {
    let mut stmt = conn.prepare_cached("SELECT min(due) FROM transitions")?;
    stmt.query_row([], |r| r.get(0))
}

/// Pending transitions, in due order; with `until`, only those due by then.
pub fn transitions(
    conn: &Connection,
    until: Option<i64>,
    limit: i64,
) -> rusqlite::Result<Vec<Transition>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, due, kind, target, data FROM transitions
         WHERE ?1 IS NULL OR due <= ?1 ORDER BY due, id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![until, limit], |r| {
        Ok(Transition {
            id: r.get(0)?,
            due: r.get(1)?,
            kind: r.get(2)?,
            target: r.get(3)?,
            data: r.get(4)?,
        })
    })?;
    rows.collect()
}

/// Removes a transition once applied.
pub fn remove_transition(conn: &Connection, id: i64) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM transitions WHERE id = ?1", [id])?;
    Ok(())
}

/// The answer first given to an idempotency key, if still remembered.
pub struct Remembered {
    pub status: u16,
    pub body: String,
    /// What the key was first used for (`None` in databases before v3).
    pub fingerprint: Option<String>,
}

/// The answer first given to an idempotency key since `since`, if any.
pub fn idempotent_answer(
    conn: &Connection,
    owner: &str,
    key: &str,
    since: i64,
) -> rusqlite::Result<Option<Remembered>> {
    conn.prepare_cached(
        "SELECT status, body, fingerprint FROM idempotency
         WHERE owner = ?1 AND key = ?2 AND created >= ?3",
    )?
    .query_row(params![owner, key, since], |r| {
        Ok(Remembered {
            status: r.get(0)?,
            body: r.get(1)?,
            fingerprint: r.get(2)?,
        })
    })
    .optional()
}

/// Remembers the answer given to an idempotency key, and what it was for.
pub fn remember_answer(
    conn: &Connection,
    owner: &str,
    key: &str,
    at: i64,
    answer: &Remembered,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO idempotency (owner, key, created, status, body, fingerprint)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (owner, key) DO UPDATE SET created = excluded.created,
             status = excluded.status, body = excluded.body,
             fingerprint = excluded.fingerprint",
        params![
            owner,
            key,
            at,
            answer.status,
            answer.body,
            answer.fingerprint
        ],
    )?;
    Ok(())
}

/// The fault rules, as JSON, oldest first.
pub fn faults(conn: &Connection) -> rusqlite::Result<Vec<(i64, String)>> {
    let mut stmt = conn.prepare_cached("SELECT id, rule FROM faults ORDER BY id")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

/// Adds a fault rule and returns its id.
pub fn add_fault(conn: &Connection, rule: &str) -> rusqlite::Result<i64> {
    conn.execute("INSERT INTO faults (rule) VALUES (?1)", [rule])?;
    Ok(conn.last_insert_rowid())
}

/// Removes one fault rule, or all with `None`.
pub fn remove_faults(conn: &Connection, id: Option<i64>) -> rusqlite::Result<usize> {
    conn.execute("DELETE FROM faults WHERE ?1 IS NULL OR id = ?1", [id])
}

/// Empties every table and resets the clock.
pub fn reset(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "DELETE FROM requests; DELETE FROM instances; DELETE FROM provider;
         DELETE FROM transitions; DELETE FROM idempotency; DELETE FROM faults;
         DELETE FROM meta;",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_never_goes_back_and_advances() {
        let store = Store::open(&DbLocation::Memory).unwrap();
        store
            .write(|tx| -> anyhow::Result<()> {
                let t0 = now(tx)?;
                mark_time(tx, t0 + 60_000)?;
                assert!(now(tx)? >= t0 + 60_000);
                assert!(advance_clock(tx, 3_600_000)?);
                assert!(
                    !advance_clock(tx, i64::MAX)?,
                    "an overflowing advance is refused"
                );
                assert!(now(tx)? >= t0 + 3_600_000);
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn transitions_come_in_due_order() {
        let store = Store::open(&DbLocation::Memory).unwrap();
        store
            .write(|tx| -> anyhow::Result<()> {
                schedule(tx, 30, "b", "x", "{}")?;
                schedule(tx, 10, "a", "x", "{}")?;
                schedule(tx, 50, "c", "x", "{}")?;
                assert_eq!(next_due(tx)?, Some(10));
                let due = transitions(tx, Some(30), 10)?;
                let kinds: Vec<_> = due.iter().map(|t| t.kind.as_str()).collect();
                assert_eq!(kinds, ["a", "b"]);
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn a_database_from_a_newer_version_still_opens_if_its_tables_are_there() {
        let dir = tempfile::tempdir().unwrap();
        let location = DbLocation::File(dir.path().join("emu.sqlite3"));
        drop(Store::open(&location).unwrap());
        let conn = Connection::open(dir.path().join("emu.sqlite3")).unwrap();
        conn.execute_batch("PRAGMA user_version = 9; CREATE TABLE future (x);")
            .unwrap();
        drop(conn);
        assert!(Store::open(&location).is_ok());

        let bare = dir.path().join("bare.sqlite3");
        let conn = Connection::open(&bare).unwrap();
        conn.execute_batch("PRAGMA user_version = 9;").unwrap();
        drop(conn);
        let error = Store::open(&DbLocation::File(bare)).err().unwrap();
        assert!(
            format!("{error:#}").contains("newer than this runcws"),
            "{error:#}"
        );
    }

    #[test]
    fn a_version_1_database_is_migrated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.sqlite3");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(SCHEMA_V1).unwrap();
        conn.execute_batch("PRAGMA user_version = 1").unwrap();
        conn.execute(
            "INSERT INTO instances (id, owner, status, resource_uri, doc) VALUES ('i', 'o', 'deleted', 'u', '{}')",
            [],
        )
        .unwrap();
        drop(conn);
        let store = Store::open(&DbLocation::File(path)).unwrap();
        let row = store
            .read(|c| Ok(instance(c, Some("o"), "i")?))
            .unwrap()
            .unwrap();
        assert_eq!((row.status.as_str(), row.expires), ("deleted", None));
        let version: i64 = store
            .read(|c| Ok(c.query_row("PRAGMA user_version", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
    }

    #[test]
    fn a_file_database_is_reopened_with_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        let location = DbLocation::File(dir.path().join("sub/emu.sqlite3"));
        let store = Store::open(&location).unwrap();
        store
            .write(|tx| put_request(tx, "r1", "o", "in-progress", "{}"))
            .unwrap();
        drop(store);
        let store = Store::open(&location).unwrap();
        let doc = store.read(|c| Ok(request(c, Some("o"), "r1")?)).unwrap();
        assert_eq!(doc.as_deref(), Some("{}"));
        let other = store.read(|c| Ok(request(c, Some("p"), "r1")?)).unwrap();
        assert_eq!(other, None);
    }
}
