//! Parameter files: the JSON that `createi` and `createimage` send.
//!
//! A `createi` file names the resource and holds the body:
//! `{"resourceUri": "kp/hpcloud/nova/standard", "metadata": {...}}`;
//! everything but `resourceUri` is sent. A `createimage` file supplies only
//! the image's `metadata`. Files saved by other editors work (a UTF-8 BOM,
//! CRLF line ends), `-` reads stdin, and the tutorial's Windows paths
//! (`demo\vm.create.json`) work where no file of that literal name exists.
//! Any fault is bad input: nothing is sent. A file may hold at most
//! 1 MiB (`read`).

use serde_json::{Map, Value};

use crate::error::BadInput;

mod read;

/// What `createi` sends: to which resource, with which body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CreateParams {
    /// `type/provider/region/resourceId`, e.g. `kp/hpcloud/nova/standard`.
    pub(crate) resource_uri: String,
    /// The file's object without `resourceUri`.
    pub(crate) body: Value,
}

/// Reads a `createi` parameter file.
pub(crate) fn read_create(arg: &str) -> Result<CreateParams, BadInput> {
    let (name, object) = read_object(arg)?;
    check_metadata(&name, &object)?;
    parse_create(&name, object)
}

/// Reads a `createimage` parameter file: the body to send, which holds
/// only the file's `metadata`.
pub(crate) fn read_image(arg: &str) -> Result<Value, BadInput> {
    let (name, mut object) = read_object(arg)?;
    check_metadata(&name, &object)?;
    let ignored: Vec<&str> = object
        .keys()
        .filter(|k| *k != "metadata")
        .map(String::as_str)
        .collect();
    if !ignored.is_empty() {
        tracing::warn!("{name}: an image takes only `metadata`; ignoring {ignored:?}");
    }
    let mut body = Map::new();
    if let Some(metadata) = object.shift_remove("metadata") {
        body.insert("metadata".into(), metadata);
    }
    Ok(Value::Object(body))
}

fn parse_create(name: &str, mut object: Map<String, Value>) -> Result<CreateParams, BadInput> {
    let resource_uri = match object.shift_remove("resourceUri") {
        Some(Value::String(uri)) => uri,
        Some(other) => {
            return Err(BadInput::new(format!(
                "{name}: `resourceUri` must be a string like \"kp/hpcloud/nova/standard\", \
                 not {}",
                kind_of(&other)
            )))
        }
        None => {
            return Err(BadInput::new(format!(
                "{name}: no `resourceUri`: add one naming the resource, e.g. \
                 \"resourceUri\": \"vm/hpcloud/nova/standard.small\""
            )))
        }
    };
    check_resource_uri(name, &resource_uri)?;
    Ok(CreateParams {
        resource_uri,
        body: Value::Object(object),
    })
}

/// A resource URI is `type/provider/region/resourceId`: four segments of
/// 1 to `MAX_SEGMENT` unreserved URL characters, none `.` or `..`.
fn check_resource_uri(name: &str, uri: &str) -> Result<(), BadInput> {
    let segments: Vec<&str> = uri.split('/').collect();
    if segments.len() == 4 && segments.iter().all(|s| is_plain_segment(s)) {
        return Ok(());
    }
    Err(BadInput::new(format!(
        "{name}: `resourceUri` {} is not type/provider/region/resourceId (each part 1 to \
         {MAX_SEGMENT} of A-Z a-z 0-9 . _ ~ -, and not . or ..), e.g. \
         \"kp/hpcloud/nova/standard\"",
        shown(uri)
    )))
}

/// The longest segment of a resource URI.
const MAX_SEGMENT: usize = 128;

fn is_plain_segment(segment: &str) -> bool {
    let is_allowed = |c: char| c.is_ascii_alphanumeric() || "._~-".contains(c);
    (1..=MAX_SEGMENT).contains(&segment.len())
        && segment != "."
        && segment != ".."
        && segment.chars().all(is_allowed)
}

/// `metadata`, when present, must be a JSON object.
fn check_metadata(name: &str, object: &Map<String, Value>) -> Result<(), BadInput> {
    match object.get("metadata") {
        None | Some(Value::Object(_)) => Ok(()),
        Some(other) => Err(BadInput::new(format!(
            "{name}: `metadata` must be an object like {{\"name\": \"VM-1\"}}, not {}",
            kind_of(other)
        ))),
    }
}

/// A bad value as a message shows it: quoted, escaped, and cut short.
fn shown(value: &str) -> String {
    const MAX: usize = 80;
    let head: String = value.chars().take(MAX).collect();
    let more = if value.chars().count() > MAX {
        "…"
    } else {
        ""
    };
    format!("\"{}\"{more}", head.escape_debug())
}

/// Reads `arg` (a path or `-`) as a JSON object; returns the name to use
/// in messages and the object.
fn read_object(arg: &str) -> Result<(String, Map<String, Value>), BadInput> {
    let (name, bytes) = read::read_bytes(arg)?;
    let value = parse_json(&name, &bytes)?;
    match value {
        Value::Object(object) => Ok((name, object)),
        other => Err(BadInput::new(format!(
            "{name}: a parameter file holds a JSON object, not {}",
            kind_of(&other)
        ))),
    }
}

/// Parses JSON, reporting faults as `FILE:LINE:COLUMN: message`.
fn parse_json(name: &str, bytes: &[u8]) -> Result<Value, BadInput> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    serde_json::from_slice(bytes).map_err(|e| {
        let full = e.to_string();
        let message = full
            .rsplit_once(" at line ")
            .map_or(full.as_str(), |(m, _)| m);
        BadInput::new(format!(
            "{name}:{}:{}: invalid JSON: {message}",
            e.line(),
            e.column().max(1)
        ))
    })
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn write(dir: &Path, name: &str, text: &[u8]) -> String {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }

    #[test]
    fn createi_sends_everything_but_the_resource_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let text = b"\xef\xbb\xbf{\r\n \"resourceUri\": \"vm/hpcloud/nova/standard.small\",\r\n \
                     \"imageUri\": \"image/hpcloud/nova/ami-00000075\",\r\n \
                     \"metadata\": {\"name\": \"VM-1\"}\r\n}\r\n";
        let params = read_create(&write(dir.path(), "vm.json", text)).unwrap();
        assert_eq!(params.resource_uri, "vm/hpcloud/nova/standard.small");
        assert_eq!(
            serde_json::to_string(&params.body).unwrap(),
            r#"{"imageUri":"image/hpcloud/nova/ami-00000075","metadata":{"name":"VM-1"}}"#
        );
    }

    #[test]
    fn a_missing_or_odd_resource_is_bad_input() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            (r#"{"metadata": {}}"#, "no `resourceUri`"),
            (r#"{"resourceUri": 5}"#, "must be a string"),
            (r#"{"resourceUri": "kp/../nova/x"}"#, "is not type/provider"),
            (
                r#"{"resourceUri": "kp/hpcloud/nova"}"#,
                "is not type/provider",
            ),
            ("[1]", "not an array"),
        ];
        for (text, expected) in cases {
            let path = write(dir.path(), "p.json", text.as_bytes());
            let err = read_create(&path).unwrap_err().to_string();
            assert!(err.starts_with(&path) && err.contains(expected), "{err}");
        }
    }

    /// Fault: a 100k-character resourceUri reached the HTTP layer (exit 3,
    /// "builder error") and was echoed whole.
    #[test]
    fn resource_uris_are_plain_short_segments_and_shown_short() {
        let dir = tempfile::tempdir().unwrap();
        let long = "x".repeat(100_000);
        let segment = "y".repeat(129);
        let bad = [
            format!("kp/hpcloud/nova/{long}"),
            format!("kp/{segment}/nova/x"),
            "kp/hp cloud/nova/x".to_string(),
            "kp/hpcloud/nova/x\u{1b}[31m".to_string(),
            "kp/hpcloud/nova/x?y".to_string(),
            "kp/hpcloud/./x".to_string(),
            "kp/hpcloud/nova/%2F".to_string(),
        ];
        for uri in bad {
            let text = serde_json::json!({ "resourceUri": uri }).to_string();
            let path = write(dir.path(), "p.json", text.as_bytes());
            let err = read_create(&path).unwrap_err().to_string();
            assert!(err.contains("is not type/provider"), "{err}");
            assert!(err.len() < path.len() + 300, "{err}");
            assert!(!err.contains('\u{1b}'), "{err:?}");
        }
        let good = format!("kp/{}/a.b_c~d-e/X9", "z".repeat(128));
        let text = serde_json::json!({ "resourceUri": good }).to_string();
        let path = write(dir.path(), "p.json", text.as_bytes());
        assert_eq!(read_create(&path).unwrap().resource_uri, good);
    }

    /// Fault: a `metadata` that is not an object was sent, and refused
    /// only by the server.
    #[test]
    fn metadata_must_be_an_object_in_both_kinds_of_file() {
        let dir = tempfile::tempdir().unwrap();
        for metadata in [r#""VM-1""#, "[1]", "5", "null"] {
            let text = format!(r#"{{"resourceUri":"kp/a/b/c","metadata":{metadata}}}"#);
            let path = write(dir.path(), "p.json", text.as_bytes());
            let err = read_create(&path).unwrap_err().to_string();
            assert!(err.starts_with(&format!("{path}: `metadata` must be an object")));
            let err = read_image(&path).unwrap_err().to_string();
            assert!(err.starts_with(&format!("{path}: `metadata` must be an object")));
        }
    }

    #[test]
    fn invalid_json_names_file_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "bad.json", b"{\n  \"a\": 1,\n}\n");
        let err = read_create(&path).unwrap_err().to_string();
        assert_eq!(err, format!("{path}:3:1: invalid JSON: trailing comma"));
    }

    #[test]
    fn missing_files_and_directories_are_bad_input() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.json").display().to_string();
        let err = read_create(&missing).unwrap_err().to_string();
        assert_eq!(err, format!("reading parameter file {missing}"));
        let err = read_create(&dir.path().display().to_string()).unwrap_err();
        assert!(err
            .to_string()
            .ends_with("is a directory: give a JSON file"));
    }

    #[test]
    fn backslash_paths_fall_back_to_slashes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("demo")).unwrap();
        write(
            &dir.path().join("demo"),
            "kp.json",
            br#"{"resourceUri":"kp/a/b/c"}"#,
        );
        let arg = format!("{}\\demo\\kp.json", dir.path().display());
        assert_eq!(read_create(&arg).unwrap().resource_uri, "kp/a/b/c");
    }

    #[test]
    fn an_image_file_gives_only_its_metadata() {
        let dir = tempfile::tempdir().unwrap();
        let text = br#"{"resourceUri":"x","metadata":{"name":"IMAGE-1"}}"#;
        let body = read_image(&write(dir.path(), "img.json", text)).unwrap();
        assert_eq!(body.to_string(), r#"{"metadata":{"name":"IMAGE-1"}}"#);
    }
}

/// Properties of the parameter-file parser (longer runs: `PROPTEST_CASES=N`).
#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    /// JSON values without floats (whose text form may not round-trip).
    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            "\\PC{0,12}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::vec(("\\PC{0,8}", inner), 0..4)
                    .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
            ]
        })
    }

    /// `FILE:LINE:COLUMN:` at the start of `message`, as numbers.
    fn position(message: &str, name: &str) -> Option<(usize, usize)> {
        let rest = message.strip_prefix(name)?.strip_prefix(':')?;
        let mut parts = rest.splitn(3, ':');
        let line = parts.next()?.parse().ok()?;
        let column = parts.next()?.parse().ok()?;
        Some((line, column))
    }

    proptest! {
        #[test]
        fn any_bytes_parse_or_give_a_position_in_the_file(
            bytes in proptest::collection::vec(any::<u8>(), 0..200)
        ) {
            if let Err(err) = parse_json("f.json", &bytes) {
                let message = err.to_string();
                let (line, column) = position(&message, "f.json").unwrap();
                let lines = bytes.split(|b| *b == b'\n').count();
                prop_assert!(line >= 1 && line <= lines && column >= 1, "{}", message);
            }
        }

        #[test]
        fn a_bom_and_crlf_parse_like_plain_lf(value in json_value()) {
            let lf = serde_json::to_string_pretty(&value).unwrap();
            let crlf = format!("\u{feff}{}\r\n", lf.replace('\n', "\r\n"));
            prop_assert_eq!(parse_json("f", crlf.as_bytes()).unwrap(), value);
        }

        #[test]
        fn a_trailing_comma_is_found_on_its_line(value in json_value()) {
            let object = serde_json::json!({ "resourceUri": "kp/a/b/c", "v": value });
            let text = serde_json::to_string_pretty(&object).unwrap();
            let broken = format!("{},\n}}\n", text.trim_end_matches('}').trim_end());
            let message = parse_json("f", broken.as_bytes()).unwrap_err().to_string();
            let (line, _) = position(&message, "f").unwrap();
            prop_assert_eq!(line, broken.lines().count(), "{}", message);
        }

        #[test]
        fn any_object_gives_params_or_bad_input(value in json_value(), uri in "\\PC{0,30}") {
            let mut object = match value {
                Value::Object(object) => object,
                other => Map::from_iter([("x".to_string(), other)]),
            };
            object.insert("resourceUri".into(), Value::from(uri.clone()));
            match parse_create("f", object) {
                Ok(params) => prop_assert_eq!(params.resource_uri.split('/').count(), 4),
                Err(err) => prop_assert!(err.to_string().starts_with("f: ")),
            }
        }
    }
}
