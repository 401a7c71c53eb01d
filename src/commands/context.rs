//! The resolved settings every client command runs in.
//!
//! Resolving a context picks the endpoint and credentials, the state file
//! and the talk, and for the embedded default starts the emulator in
//! process: the one place the client half starts it.

use anyhow::Context as _;
use reqwest::Url;
use serde_json::Value;

use std::path::PathBuf;

use crate::cli::{GlobalArgs, WaitTiming};
use crate::client::{Call, Client, Target};
use crate::config::{self, Endpoint, Inputs, Password};
use crate::config_net::NetInputs;
use crate::emulator::{self, DbLocation, Embedded, EmulatorConfig};
use crate::error::BadInput;
use crate::jq::Filter;
use crate::output::{Printer, Talk};
use crate::state::{self, IdKind, StateFile};
use crate::wait::Waiter;

/// The base URL `options:` shows for the embedded default, whose real
/// port changes with every run.
const LOCAL_SHOWN_BASE: &str = "http://local/api";

/// What a client command needs: where to send, what to remember, how to talk.
pub(crate) struct Context {
    pub(crate) client: Client,
    pub(crate) state: StateFile,
    pub(crate) talk: Talk,
    pub(crate) printer: Printer,
    /// Keeps the in-process emulator serving while the command runs.
    _embedded: Option<Embedded>,
}

impl Context {
    /// Resolves the global flags, environment and config file.
    pub(crate) async fn resolve(global: GlobalArgs) -> anyhow::Result<Context> {
        // A bad filter is reported before anything is sent.
        let printer = printer(&global)?;
        let settings = config::resolve(inputs(&global))?;
        tracing::debug!(endpoint = %settings.endpoint, user = %settings.user, "resolved settings");

        // The state file is read only by commands that need it, so that a
        // corrupt one stops only those (see `commands::run_client`).
        let state = state_file(global.state, &settings.endpoint, &settings.user)?;

        let (target, embedded) = connect(&settings.endpoint).await?;
        let client = Client::new(target, settings.user, settings.password, settings.net)?;
        Ok(Context {
            client,
            state,
            talk: Talk::new(global.quiet),
            printer,
            _embedded: embedded,
        })
    }

    /// A wait in this context for `want` (see `Waiter::new`).
    pub(crate) fn waiter(&self, timing: &WaitTiming, want: Option<&str>) -> Waiter<'_> {
        let want = want.map(String::from);
        Waiter::new(&self.client, &self.state, self.talk, timing, want)
    }

    /// The id to act on: the one given, else the current one of `kind`.
    pub(crate) fn pick_id(&self, kind: IdKind, given: Option<String>) -> anyhow::Result<String> {
        if let Some(id) = given {
            check_id(kind, &id)?;
            return Ok(id);
        }
        let current = self.state.load()?;
        let Some(id) = current.get(kind) else {
            let hint = match kind {
                IdKind::Request => {
                    "run createi first, or pass a request id (getr ID, wait --request ID)"
                }
                IdKind::Instance => {
                    "run getr after createi, or pass an instance id \
                     (geti ID, createimage --instance ID)"
                }
            };
            return Err(BadInput::new(format!("no current {kind}: {hint}")).into());
        };
        if let Some(problem) = state::id_problem(id) {
            return Err(BadInput::new(format!(
                "the current {kind} {} in state file {} {problem}: run `runcws state reset`",
                state::shown_id(id),
                self.state.path().display()
            ))
            .into());
        }
        tracing::debug!("using the current {kind} {id}");
        Ok(id.to_string())
    }

    /// Prints the title and `options:`, then sends `call`.
    pub(crate) async fn exchange(&self, title: &str, call: &Call) -> anyhow::Result<Option<Value>> {
        self.talk.title(title);
        self.talk.options(&self.client.options(call));
        self.client.send(call).await
    }

    /// Records `ids` as current (announcing those that changed), then
    /// prints the answer. A failure to record is reported after the answer
    /// is shown, so that the answer is never lost.
    pub(crate) fn finish(
        &self,
        answer: Option<&Value>,
        ids: &[(IdKind, &str)],
    ) -> anyhow::Result<()> {
        let recorded = self.record(ids);
        self.talk.result_marker();
        if let Some(answer) = answer {
            self.printer.result(answer)?;
        }
        recorded
    }

    /// Records `ids` as current, announcing those that changed.
    pub(crate) fn record(&self, ids: &[(IdKind, &str)]) -> anyhow::Result<()> {
        let changed = self.state.set(ids)?;
        for kind in changed {
            if let Some((_, id)) = ids.iter().find(|(k, _)| *k == kind) {
                self.talk.setting(&kind.to_string(), id);
            }
        }
        Ok(())
    }
}

/// What the flags and environment give, before the config file.
pub(crate) fn inputs(global: &GlobalArgs) -> Inputs {
    Inputs {
        endpoint: config::given(global.endpoint.clone(), "RUNCWS_ENDPOINT"),
        user: config::given(global.user.clone(), "RUNCWS_USER"),
        password: std::env::var("RUNCWS_PASSWORD").ok().map(Password::new),
        profile: config::given(global.profile.clone(), "RUNCWS_PROFILE"),
        net: NetInputs {
            connect_timeout: global.connect_timeout,
            http_timeout: global.http_timeout,
            cacert: global.cacert.clone(),
        },
    }
}

/// The printer `--output` and `--jq` ask for.
pub(crate) fn printer(global: &GlobalArgs) -> Result<Printer, BadInput> {
    let filter = global.jq.as_deref().map(Filter::new).transpose()?;
    Ok(Printer::new(global.output, filter))
}

/// The state file: `--state`, else the one of this endpoint and user.
pub(crate) fn state_file(
    given: Option<PathBuf>,
    endpoint: &Endpoint,
    user: &str,
) -> Result<StateFile, BadInput> {
    match given {
        Some(path) => Ok(StateFile::at(path)),
        None => StateFile::for_account(&endpoint.to_string(), user),
    }
}

/// Where the client connects for `endpoint`, starting the embedded
/// emulator for `local`.
async fn connect(endpoint: &Endpoint) -> anyhow::Result<(Target, Option<Embedded>)> {
    let Endpoint::Remote(url) = endpoint else {
        let embedded = start_embedded().await?;
        let target = Target {
            base: Url::parse(embedded.base_url()).context("reading the emulator's URL")?,
            shown_base: Url::parse(LOCAL_SHOWN_BASE)?,
            endpoint_name: "the built-in emulator (local)".to_string(),
            no_proxy: true,
        };
        return Ok((target, Some(embedded)));
    };
    let target = Target {
        base: url.clone(),
        shown_base: url.clone(),
        endpoint_name: endpoint.to_string(),
        no_proxy: false,
    };
    Ok((target, None))
}

async fn start_embedded() -> anyhow::Result<Embedded> {
    let db = emulator::default_db_path().context("finding the emulator's database")?;
    start_embedded_on(db).await
}

/// Starts the built-in emulator in process over the database `db`.
pub(crate) async fn start_embedded_on(db: std::path::PathBuf) -> anyhow::Result<Embedded> {
    let mut config = EmulatorConfig::new(DbLocation::File(db));
    config.speed = speed_from_env()?;
    tracing::debug!(speed = config.speed, "starting the built-in emulator");
    Embedded::start(config)
        .await
        .context("starting the built-in emulator")
}

/// Refuses ids that could not name one object (`state::id_problem`).
fn check_id(kind: IdKind, id: &str) -> Result<(), BadInput> {
    match state::id_problem(id) {
        None => Ok(()),
        Some(problem) => Err(BadInput::new(format!(
            "the {kind} given ({}) {problem}",
            state::shown_id(id)
        ))),
    }
}

/// The emulator speed from `RUNCWS_EMULATOR_SPEED`, 1 if unset.
fn speed_from_env() -> Result<f64, BadInput> {
    let Ok(text) = std::env::var("RUNCWS_EMULATOR_SPEED") else {
        return Ok(1.0);
    };
    let speed = text.trim().parse::<f64>().ok();
    check_speed(speed.unwrap_or(f64::NAN)).map_err(|_| {
        BadInput::new(format!(
            "RUNCWS_EMULATOR_SPEED={text:?} is not a positive number"
        ))
    })
}

/// An emulator speed must be a positive, finite factor.
pub(crate) fn check_speed(speed: f64) -> Result<f64, BadInput> {
    if speed.is_finite() && speed > 0.0 {
        return Ok(speed);
    }
    Err(BadInput::new(format!(
        "speed {speed} is not a positive number"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_that_would_change_the_url_are_refused() {
        let long = "x".repeat(300);
        let bad = [
            "", " ", ".", "..", "a/b", "a?b", "a#b", "%2F", "a b", "a\nb", &long,
        ];
        for id in bad {
            assert!(check_id(IdKind::Instance, id).is_err(), "{id:?}");
        }
        assert!(check_id(IdKind::Instance, "615d07cf-d0e5-4325-ac02-1148d6e0d50b").is_ok());
        assert!(check_id(IdKind::Request, "i-1.2_x").is_ok());
    }
}
