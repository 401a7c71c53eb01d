//! State file tests: ids, privacy, versions, locks, and properties of
//! the parser (run longer with `PROPTEST_CASES=N`).

use super::*;
use proptest::prelude::*;

fn temp_state() -> (tempfile::TempDir, StateFile) {
    let dir = tempfile::tempdir().unwrap();
    let file = StateFile::at(dir.path().join("sub").join("s.json"));
    (dir, file)
}

#[test]
fn no_file_means_no_current_ids() {
    let (_dir, state) = temp_state();
    let current = state.load().unwrap();
    assert_eq!(current.get(IdKind::Request), None);
    assert_eq!(current.get(IdKind::Instance), None);
}

#[test]
fn set_reports_only_changes_and_persists() {
    let (_dir, state) = temp_state();
    let both = [(IdKind::Request, "r1"), (IdKind::Instance, "i1")];
    assert_eq!(
        state.set(&both).unwrap(),
        vec![IdKind::Request, IdKind::Instance]
    );
    assert_eq!(state.set(&both).unwrap(), vec![]);
    let next = [(IdKind::Request, "r1"), (IdKind::Instance, "i2")];
    assert_eq!(state.set(&next).unwrap(), vec![IdKind::Instance]);

    let text = fs::read_to_string(&state.path).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["version"], 1);
    assert_eq!(json["requestId"], "r1");
    assert_eq!(json["instanceId"], "i2");
}

#[cfg(unix)]
#[test]
fn files_are_private() {
    use std::os::unix::fs::PermissionsExt as _;

    let (_dir, state) = temp_state();
    state.set(&[(IdKind::Request, "r")]).unwrap();
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&state.path), 0o600);
    assert_eq!(mode(folder(&state.path)), 0o700);
}

#[test]
fn unknown_fields_survive_a_write() {
    let (_dir, state) = temp_state();
    create_private_dir(folder(&state.path)).unwrap();
    fs::write(
        &state.path,
        r#"{"version":2,"requestId":"r","profile":"x"}"#,
    )
    .unwrap();
    state.set(&[(IdKind::Instance, "i")]).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&fs::read(&state.path).unwrap()).unwrap();
    assert_eq!(json["profile"], "x");
    assert_eq!(json["version"], 2);
    assert_eq!(json["requestId"], "r");
}

#[test]
fn a_corrupt_file_is_named_with_the_fix() {
    let (_dir, state) = temp_state();
    create_private_dir(folder(&state.path)).unwrap();
    fs::write(&state.path, "{\"requestId\": ").unwrap();
    let err = state.load().unwrap_err().to_string();
    assert!(err.contains(&state.path.display().to_string()), "{err}");
    assert!(err.contains("run `runcws state reset`"), "{err}");
    assert!(state.set(&[(IdKind::Request, "r")]).is_err());
}

/// Fault: `state reset` failed on a corrupt file with the very error
/// that told the user to run it.
#[test]
fn reset_replaces_a_corrupt_file() {
    let (_dir, state) = temp_state();
    create_private_dir(folder(&state.path)).unwrap();
    fs::write(&state.path, "{\"requestId\": ").unwrap();
    state.reset().unwrap();
    assert_eq!(
        state.load().unwrap(),
        Current {
            version: VERSION,
            ..Current::default()
        }
    );
    assert_eq!(
        state.set(&[(IdKind::Request, "r")]).unwrap(),
        vec![IdKind::Request]
    );
}

/// Fault: a server-sent `requestId` like `../../../x\e[31m` was stored as
/// current and echoed raw.
#[test]
fn ids_that_could_not_name_one_object_are_never_stored() {
    let (_dir, state) = temp_state();
    let long = "x".repeat(257);
    for id in [
        "../../../x\u{1b}[31m",
        "",
        ".",
        "..",
        "a b",
        "a/b",
        "a%2F",
        &long,
    ] {
        let err = state
            .set(&[(IdKind::Instance, "i"), (IdKind::Request, id)])
            .unwrap_err();
        assert!(crate::error::find::<BadAnswer>(&err).is_some(), "{id:?}");
        assert!(!err.to_string().contains('\u{1b}'), "{err}");
    }
    assert!(!state.path.exists(), "nothing may be written");
    assert_eq!(
        state.set(&[(IdKind::Request, "r-1.2_x~")]).unwrap().len(),
        1
    );
}

#[test]
fn setting_nothing_new_takes_no_lock() {
    let (_dir, state) = temp_state();
    state.set(&[(IdKind::Request, "r")]).unwrap();
    let lock = lock_beside(&state.path).unwrap();
    assert_eq!(state.set(&[]).unwrap(), vec![]);
    assert_eq!(state.set(&[(IdKind::Request, "r")]).unwrap(), vec![]);
    drop(lock);
}

#[test]
fn an_unversioned_file_is_migrated() {
    let current = parse(Path::new("s"), br#"{"requestId":"r"}"#).unwrap();
    assert_eq!(current.version, VERSION);
    assert_eq!(current.get(IdKind::Request), Some("r"));
}

#[test]
fn parallel_writers_leave_one_whole_file() {
    let (_dir, state) = temp_state();
    let threads: Vec<_> = (0..16)
        .map(|n| {
            let state = state.clone();
            std::thread::spawn(move || {
                let id = format!("request-{n}");
                state.set(&[(IdKind::Request, id.as_str())]).unwrap();
                state.load().unwrap();
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    let current = state.load().unwrap();
    assert!(current
        .get(IdKind::Request)
        .unwrap()
        .starts_with("request-"));
}

#[test]
fn reset_forgets_both_ids() {
    let (_dir, state) = temp_state();
    state.reset().unwrap();
    state
        .set(&[(IdKind::Request, "r"), (IdKind::Instance, "i")])
        .unwrap();
    state.reset().unwrap();
    assert_eq!(state.load().unwrap().get(IdKind::Request), None);
    assert_eq!(state.load().unwrap().get(IdKind::Instance), None);
}

#[test]
fn account_keys_are_short_and_distinct() {
    let a = account_key("local", "u");
    assert_eq!(a.len(), 16);
    assert_ne!(a, account_key("local", "v"));
    assert_eq!(a, account_key("local", "u"));
}

/// A map of fields a newer runcws might add.
fn unknown_fields() -> impl Strategy<Value = serde_json::Map<String, serde_json::Value>> {
    proptest::collection::btree_map("x[a-zA-Z]{0,8}", any::<i64>(), 0..4).prop_map(|fields| {
        fields
            .into_iter()
            .map(|(k, v)| (k, serde_json::Value::from(v)))
            .collect()
    })
}

proptest! {
    #[test]
    fn any_bytes_load_or_name_the_file_and_the_fix(
        bytes in proptest::collection::vec(any::<u8>(), 0..200)
    ) {
        match parse(Path::new("/s.json"), &bytes) {
            Ok(current) => prop_assert!(current.version >= VERSION),
            Err(err) => {
                let text = err.to_string();
                prop_assert!(text.starts_with("state file /s.json is corrupt"), "{}", text);
                prop_assert!(text.contains("runcws state reset"), "{}", text);
            }
        }
    }

    #[test]
    fn written_state_reads_back_with_unknown_fields(
        version in 0u32..5,
        request_id in proptest::option::of("[a-z0-9-]{1,40}"),
        instance_id in proptest::option::of("\\PC{1,40}"),
        other in unknown_fields(),
    ) {
        let current = Current { version, request_id, instance_id, other };
        let bytes = serde_json::to_vec_pretty(&current).unwrap();
        let read = parse(Path::new("s"), &bytes).unwrap();
        prop_assert_eq!(read.version, version.max(VERSION));
        prop_assert_eq!(&read.request_id, &current.request_id);
        prop_assert_eq!(&read.instance_id, &current.instance_id);
        prop_assert_eq!(&read.other, &current.other);
    }
}
