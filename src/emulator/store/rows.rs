//! The rows of the store: requests, instances, the provider side, pending
//! transitions, idempotency keys and fault rules, each read and written by
//! one small function over a connection or transaction.

use rusqlite::{params, Connection, OptionalExtension};

use super::{wall_ms, InstanceRow, NewInstance, Transition};

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
