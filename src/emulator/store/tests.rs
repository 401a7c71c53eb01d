//! Store tests: the clock, the schedule, reopening and migrating files.

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
