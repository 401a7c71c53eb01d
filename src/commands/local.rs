//! `local`: control of an emulator: reset it, read and drive its clock,
//! list what is scheduled, and inject faults.
//!
//! It speaks the control API (`/_emulator/`, admin account) to the
//! emulator the client would talk to: the built-in one (started in process
//! over its database, or `--db`), or the server `--endpoint` /
//! `RUNCWS_ENDPOINT` names. One path for both, as for the API itself.

use anyhow::Context as _;
use reqwest::Method;
use serde_json::{json, Value};

use super::context::{printer, start_embedded_on};
use crate::cli::{FaultsAction, GlobalArgs, LocalAction, LocalArgs};
use crate::emulator::accounts::{ADMIN_PASSWORD, ADMIN_USER};
use crate::emulator::{self, faults::Rule, parse_duration};
use crate::error::{ApiDetail, ApiError, BadInput};

/// One call of the control API.
struct ControlCall {
    method: Method,
    path: String,
    body: Option<Value>,
}

impl ControlCall {
    fn new(method: Method, path: &str, body: Option<Value>) -> Self {
        ControlCall {
            method,
            path: path.to_owned(),
            body,
        }
    }
}

/// Runs one `local` action and prints the emulator's answer.
pub(crate) fn run(global: &GlobalArgs, args: LocalArgs) -> anyhow::Result<()> {
    let printer = printer(global)?;
    let call = control_call(args.action)?;
    let server = global.endpoint.as_deref().filter(|e| *e != "local");
    if server.is_some() && args.db.is_some() {
        return Err(BadInput::new(
            "--db names the built-in emulator's database; it cannot go with a server endpoint",
        )
        .into());
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let answer = runtime.block_on(async {
        match server {
            Some(base) => send(base, &call, false).await,
            None => {
                let db = match args.db {
                    Some(path) => path,
                    None => {
                        emulator::default_db_path().context("finding the emulator's database")?
                    }
                };
                let embedded = start_embedded_on(db).await?;
                send(embedded.base_url(), &call, true).await
            }
        }
    })?;
    printer.result(&answer)
}

/// The control API call an action makes.
fn control_call(action: LocalAction) -> anyhow::Result<ControlCall> {
    Ok(match action {
        LocalAction::Reset => ControlCall::new(Method::POST, "reset", None),
        LocalAction::Clock => ControlCall::new(Method::GET, "clock", None),
        LocalAction::Advance { by, next } => {
            let body = match advance_by(by.as_deref(), next)? {
                Some(ms) => json!({ "by": ms }),
                None => json!({}),
            };
            ControlCall::new(Method::POST, "clock/advance", Some(body))
        }
        LocalAction::Schedule => ControlCall::new(Method::GET, "schedule", None),
        LocalAction::Faults { action } => match action {
            None | Some(FaultsAction::List) => ControlCall::new(Method::GET, "faults", None),
            Some(FaultsAction::Add { rule }) => {
                let rule = serde_json::to_value(parse_rule(&rule)?)?;
                ControlCall::new(Method::POST, "faults", Some(rule))
            }
            Some(FaultsAction::Remove { id }) => {
                ControlCall::new(Method::DELETE, &format!("faults/{id}"), None)
            }
            Some(FaultsAction::Clear) => ControlCall::new(Method::DELETE, "faults", None),
        },
    })
}

/// Sends `call` to the control API beside the API at `base` (ending in `/api`).
async fn send(base: &str, call: &ControlCall, in_process: bool) -> anyhow::Result<Value> {
    let root = base.trim_end_matches('/').trim_end_matches("/api");
    let url = format!("{root}/_emulator/{}", call.path);
    let mut builder = reqwest::Client::builder();
    if in_process {
        builder = builder.no_proxy();
    }
    let client = builder.build().context("building the HTTP client")?;
    let mut request = client
        .request(call.method.clone(), &url)
        .basic_auth(ADMIN_USER, Some(ADMIN_PASSWORD));
    if let Some(body) = &call.body {
        request = request.json(body);
    }
    let where_ = if in_process {
        "the built-in emulator"
    } else {
        root
    };
    let response = request
        .send()
        .await
        .with_context(|| format!("reaching the control API of {where_}"))?;
    let status = response.status().as_u16();
    let body: Value = response
        .json()
        .await
        .with_context(|| format!("reading the control API's answer ({status}) from {where_}"))?;
    if (200..300).contains(&status) {
        return Ok(body);
    }
    let text = |key: &str| body["error"][key].as_str().unwrap_or_default().to_owned();
    let detail = ApiDetail::Api {
        code: text("code"),
        message: text("message"),
    };
    Err(anyhow::Error::new(ApiError { status, detail })
        .context(format!("the control API of {where_} refused")))
}

/// Milliseconds to advance by; `None` means up to the next due transition.
fn advance_by(by: Option<&str>, next: bool) -> anyhow::Result<Option<i64>> {
    match (by, next) {
        (None, true) => Ok(None),
        (None, false) => {
            Err(BadInput::new("say how far to advance (like 90s or 5m), or --next").into())
        }
        (Some(text), _) => parse_duration(text).map(Some).ok_or_else(|| {
            BadInput::new(format!(
                "cannot read duration {text:?}: use 250ms, 90s, 5m, 2h or 1d"
            ))
            .into()
        }),
    }
}

fn parse_rule(text: &str) -> anyhow::Result<Rule> {
    serde_json::from_str(text).map_err(|e| {
        BadInput::caused_by(
            "a fault rule is JSON like {\"action\": \"vm.create\", \"effect\": \"fail\"}",
            e,
        )
        .into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_takes_a_duration_or_next() {
        assert_eq!(advance_by(Some("90s"), false).unwrap(), Some(90_000));
        assert_eq!(advance_by(None, true).unwrap(), None);
        assert!(advance_by(None, false).is_err());
        assert!(advance_by(Some("soon"), false).is_err());
    }

    #[test]
    fn each_action_names_its_control_call() {
        let call = control_call(LocalAction::Faults {
            action: Some(FaultsAction::Remove { id: 3 }),
        })
        .unwrap();
        assert_eq!(
            (call.method, call.path.as_str()),
            (Method::DELETE, "faults/3")
        );
        let call = control_call(LocalAction::Advance {
            by: Some("2m".into()),
            next: false,
        })
        .unwrap();
        assert_eq!(call.body, Some(json!({"by": 120_000})));
        assert!(control_call(LocalAction::Faults {
            action: Some(FaultsAction::Add { rule: "{".into() })
        })
        .is_err());
    }
}
