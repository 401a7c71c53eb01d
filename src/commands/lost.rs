//! What a create says when its answer is lost: the outcome is unknown.
//!
//! Every create carries an idempotency key. When the request may have
//! reached the server but no answer came back (a timeout, a dropped
//! connection, a gateway's 502 or 504), runcws cannot know whether the
//! object exists. It says so, records no id, and prints the exact command
//! that sends the same create again under the same key (which the server
//! answers with the first answer instead of creating twice) and how to look.

use crate::client::new_idempotency_key;
use crate::error::{self, ApiDetail, ApiError, BadInput, NetworkError, UnknownOutcome};

/// The key given with `--idempotency-key`, checked, or a fresh one.
pub(crate) fn pick_key(given: Option<String>) -> Result<String, BadInput> {
    let Some(key) = given else {
        return Ok(new_idempotency_key());
    };
    let is_visible = |c: char| c.is_ascii_graphic();
    if key.is_empty() || key.len() > 255 || !key.chars().all(is_visible) {
        return Err(BadInput::new(format!(
            "idempotency key {key:?} must be 1 to 255 visible ASCII characters"
        )));
    }
    Ok(key)
}

/// `err` as it stands, or, if the create may have happened, an
/// `UnknownOutcome` saying how to retry it under `key` and how to look.
pub(crate) fn explain(err: anyhow::Error, key: &str) -> anyhow::Error {
    if !is_lost(&err) {
        return err;
    }
    let retry = retry_command(std::env::args().skip(1), key);
    UnknownOutcome {
        message: format!(
            "{err:#}; the outcome is unknown: the create may or may not have happened, \
             and no id was saved. Retry it safely with the same key: {retry} ; \
             see what exists with: runcws listi, runcws listr --all"
        ),
    }
    .into()
}

/// Whether the request may have arrived although no answer did.
fn is_lost(err: &anyhow::Error) -> bool {
    if let Some(network) = error::find::<NetworkError>(err) {
        return network.may_have_arrived();
    }
    // A gateway's own error page: the API behind it may have acted.
    matches!(
        error::find::<ApiError>(err),
        Some(ApiError {
            status: 502 | 504,
            detail: ApiDetail::Other { .. }
        })
    )
}

/// The command line `args` (without the program) with `key` as its
/// `--idempotency-key`, quoted for a POSIX shell.
fn retry_command(args: impl Iterator<Item = String>, key: &str) -> String {
    let mut words = vec!["runcws".to_string()];
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        if arg == "--idempotency-key" {
            args.next();
            continue;
        }
        if !arg.starts_with("--idempotency-key=") {
            words.push(arg);
        }
    }
    words.extend(["--idempotency-key".to_string(), key.to_string()]);
    words
        .iter()
        .map(|w| shell_quote(w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `word` as a POSIX shell reads it back: bare if plain, else quoted.
fn shell_quote(word: &str) -> String {
    let is_plain = |c: char| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c);
    if !word.is_empty() && word.chars().all(is_plain) {
        return word.to_string();
    }
    format!("'{}'", word.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &[&str]) -> impl Iterator<Item = String> {
        text.iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn the_retry_command_keeps_the_arguments_and_pins_the_key() {
        let got = retry_command(args(&["createi", "demo/kp.create.json", "-q"]), "k1");
        assert_eq!(
            got,
            "runcws createi demo/kp.create.json -q --idempotency-key k1"
        );
        let given = ["createi", "--idempotency-key", "old", "a b.json"];
        assert_eq!(
            retry_command(args(&given), "old"),
            "runcws createi 'a b.json' --idempotency-key old"
        );
        let given = ["createi", "--idempotency-key=old", "x.json"];
        assert_eq!(
            retry_command(args(&given), "old"),
            "runcws createi x.json --idempotency-key old"
        );
    }

    #[test]
    fn quoting_survives_any_word() {
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("demo\\kp.json"), "'demo\\kp.json'");
    }

    #[test]
    fn keys_are_checked() {
        assert_eq!(pick_key(Some("abc-1".into())).unwrap(), "abc-1");
        assert_eq!(pick_key(None).unwrap().len(), 36);
        for bad in ["", "a b", "é", &"k".repeat(256)] {
            assert!(pick_key(Some(bad.to_string())).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_answers_that_may_have_arrived_are_lost() {
        let network = |stage| {
            anyhow::Error::new(NetworkError {
                endpoint: "e".into(),
                reason: "r".into(),
                stage,
            })
        };
        assert!(is_lost(&network(error::Stage::Timeout)));
        assert!(is_lost(&network(error::Stage::Exchange)));
        assert!(!is_lost(&network(error::Stage::Connect)));
        let api = |status, detail| anyhow::Error::new(ApiError { status, detail });
        let page = || ApiDetail::Other {
            content_type: "text/html".into(),
            excerpt: String::new(),
        };
        assert!(is_lost(&api(502, page())));
        assert!(!is_lost(&api(500, page())));
        let own = ApiDetail::Api {
            code: "Bad".into(),
            message: "m".into(),
        };
        assert!(!is_lost(&api(502, own)));
    }
}
