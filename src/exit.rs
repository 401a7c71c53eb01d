//! Exit codes: the one table scripts branch on, and how an error maps to it.
//!
//! The table is also shown at the end of `--help` and in the README; keep
//! the three in step.

use std::process::ExitCode;

use serde_json::{json, Value};

use crate::cli::ErrorFormat;
use crate::error::{self, ApiDetail, ApiError, BadAnswer, BadInput, Interrupted, NetworkError};
use crate::error::{TimedOut, UnknownOutcome, WaitFailed};
use crate::output;

/// The command did what it was asked.
pub const SUCCESS: u8 = 0;
/// A bug or an unexpected local failure (an unwritable file, ...).
pub const INTERNAL: u8 = 1;
/// Bad usage or input: flags, parameter files, state or config files.
/// clap uses the same code for its own usage errors.
pub const BAD_INPUT: u8 = 2;
/// Network failure, HTTP 5xx, 409 or any other HTTP failure.
pub const HTTP_FAILURE: u8 = 3;
/// Authentication or payment: HTTP 401 or 403.
pub const AUTH: u8 = 4;
/// Not found: HTTP 404.
pub const NOT_FOUND: u8 = 5;
/// A request or an instance ended in failure (when waiting).
pub const FAILED: u8 = 6;
/// A wait timed out.
pub const TIMED_OUT: u8 = 7;
/// Interrupted by Ctrl-C.
pub const INTERRUPTED: u8 = 130;

/// The exit code table, as shown after `--help`.
pub const HELP: &str = "\
Exit codes:
  0    success
  1    internal error
  2    usage or bad input (flags, parameter, state or config files)
  3    network failure, HTTP 5xx, 409 or another HTTP failure
  4    authentication or payment (HTTP 401, 403)
  5    not found (HTTP 404)
  6    a request or instance failed (when waiting)
  7    a wait timed out
  130  interrupted";

/// The exit code for `err`, from the typed errors in its chain.
pub fn code_for(err: &anyhow::Error) -> u8 {
    if error::find::<Interrupted>(err).is_some() {
        return INTERRUPTED;
    }
    if error::find::<BadInput>(err).is_some() {
        return BAD_INPUT;
    }
    if error::find::<WaitFailed>(err).is_some() {
        return FAILED;
    }
    if error::find::<TimedOut>(err).is_some() {
        return TIMED_OUT;
    }
    if error::find::<NetworkError>(err).is_some()
        || error::find::<UnknownOutcome>(err).is_some()
        || error::find::<BadAnswer>(err).is_some()
    {
        return HTTP_FAILURE;
    }
    match error::find::<ApiError>(err).map(|e| e.status) {
        Some(401 | 403) => AUTH,
        Some(404) => NOT_FOUND,
        Some(_) => HTTP_FAILURE,
        None => INTERNAL,
    }
}

/// Reports `err` on stderr, as one line or one JSON object, and gives the
/// matching exit code.
pub fn fail(err: &anyhow::Error, format: ErrorFormat) -> ExitCode {
    match format {
        ErrorFormat::Text => output::error_line(&format!("{err:#}")),
        ErrorFormat::Json => output::error_json(&error_json(err)),
    }
    ExitCode::from(code_for(err))
}

/// A command line clap refused: help and version print as usual; a usage
/// error is clap's text, or with `json` one JSON object like any error.
pub fn usage(err: clap::Error, json: bool) -> ExitCode {
    use clap::error::ErrorKind;
    let is_usage_error = !matches!(
        err.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    );
    if !(json && is_usage_error) {
        let _ = err.print();
        return ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(BAD_INPUT));
    }
    let rendered = err.render().to_string();
    let first = rendered.lines().next().unwrap_or_default();
    let message = first.strip_prefix("error: ").unwrap_or(first);
    output::error_json(&json!({
        "code": "Usage",
        "status": null,
        "message": message,
        "requestId": null,
        "exitCode": BAD_INPUT,
    }));
    ExitCode::from(BAD_INPUT)
}

/// `{code, status, message, requestId, exitCode}` for `--error-format json`:
/// the server's error code when it gave one, else a name for the kind.
pub(crate) fn error_json(err: &anyhow::Error) -> Value {
    let api = error::find::<ApiError>(err);
    let failed = error::find::<WaitFailed>(err);
    let timed_out = error::find::<TimedOut>(err);
    let exit_code = code_for(err);
    let api_code = api.and_then(|e| match &e.detail {
        ApiDetail::Api { code, .. } => Some(code.clone()),
        ApiDetail::Other { .. } => None,
    });
    let network = error::find::<NetworkError>(err).map(|_| "NetworkError".to_string());
    let code = api_code
        .or_else(|| failed.and_then(|f| f.code.clone()))
        .or(network)
        .unwrap_or_else(|| kind_name(exit_code).to_string());
    let request_id = failed
        .and_then(|f| f.request_id.clone())
        .or_else(|| timed_out.and_then(|t| t.request_id.clone()));
    json!({
        "code": code,
        "status": api.map(|e| e.status),
        "message": format!("{err:#}"),
        "requestId": request_id,
        "exitCode": exit_code,
    })
}

/// A code for errors the server did not name.
fn kind_name(exit_code: u8) -> &'static str {
    match exit_code {
        BAD_INPUT => "BadInput",
        HTTP_FAILURE => "HttpFailure",
        AUTH => "Unauthorized",
        NOT_FOUND => "NotFound",
        FAILED => "Failed",
        TIMED_OUT => "TimedOut",
        INTERRUPTED => "Interrupted",
        _ => "Internal",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ApiDetail;

    fn api(status: u16) -> anyhow::Error {
        let detail = ApiDetail::Other {
            content_type: "text/plain".into(),
            excerpt: String::new(),
        };
        anyhow::Error::new(ApiError { status, detail }).context("getting instance x")
    }

    #[test]
    fn http_statuses_map_to_their_codes() {
        assert_eq!(code_for(&api(401)), AUTH);
        assert_eq!(code_for(&api(403)), AUTH);
        assert_eq!(code_for(&api(404)), NOT_FOUND);
        assert_eq!(code_for(&api(409)), HTTP_FAILURE);
        assert_eq!(code_for(&api(502)), HTTP_FAILURE);
    }

    #[test]
    fn untyped_errors_are_internal() {
        assert_eq!(code_for(&anyhow::anyhow!("boom")), INTERNAL);
        assert_eq!(code_for(&BadInput::new("x").into()), BAD_INPUT);
        assert_eq!(code_for(&Interrupted.into()), INTERRUPTED);
        let unknown = UnknownOutcome {
            message: "lost".into(),
        };
        assert_eq!(code_for(&unknown.into()), HTTP_FAILURE);
    }

    #[test]
    fn error_json_carries_the_server_code() {
        let detail = ApiDetail::Api {
            code: "InstanceNotFound".into(),
            message: "no such instance".into(),
        };
        let err = anyhow::Error::new(ApiError {
            status: 404,
            detail,
        });
        let value = error_json(&err.context("getting instance x"));
        assert_eq!(value["code"], "InstanceNotFound");
        assert_eq!(value["status"], 404);
        assert_eq!(value["exitCode"], 5);
        assert!(value["message"]
            .as_str()
            .unwrap()
            .starts_with("getting instance x: "));
        let value = error_json(&BadInput::new("x").into());
        assert_eq!(
            (value["code"].as_str(), value["status"].is_null()),
            (Some("BadInput"), true)
        );
    }

    #[test]
    fn help_lists_every_code() {
        for code in [
            SUCCESS,
            INTERNAL,
            BAD_INPUT,
            HTTP_FAILURE,
            AUTH,
            NOT_FOUND,
            FAILED,
            TIMED_OUT,
            INTERRUPTED,
        ] {
            assert!(HELP.contains(&format!("\n  {code} ")), "{code}");
        }
    }
}
