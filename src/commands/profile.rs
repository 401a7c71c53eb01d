//! Profiles: `configure` writes one into the config file, `config show`
//! tells which settings are in force and where each came from.

use std::io::{self, IsTerminal as _};

use serde_json::{json, Value};

use super::context::{inputs, printer};
use crate::cli::{ConfigureArgs, GlobalArgs};
use crate::config::{self, Endpoint, Source};
use crate::config_file::{self, Profile, DEFAULT_PROFILE};
use crate::error::BadInput;
use crate::output::{self, Talk};

/// `config show`: endpoint, user and password (hidden), each with where it
/// came from, without asking for anything.
pub(crate) fn show(global: &GlobalArgs) -> anyhow::Result<()> {
    let printer = printer(global)?;
    let settings = config::resolve_partial(inputs(global))?;
    let [endpoint_from, user_from, password_from] = &settings.sources;
    let password = settings.password.as_ref().map(|_| "<hidden>");
    printer.result(&json!({
        "profile": setting(Some(&settings.profile.0), &settings.profile.1),
        "endpoint": setting(Some(&settings.endpoint.to_string()), endpoint_from),
        "user": setting(Some(&settings.user), user_from),
        "password": setting(password, password_from),
        "configFile": config_file::describe_path(),
    }))
}

fn setting(value: Option<&str>, from: &Source) -> Value {
    json!({ "value": value, "from": from.to_string() })
}

/// `configure`: writes the profile `--profile` names (else `default`)
/// from `--endpoint`, `--user` and the password (`--password-stdin`,
/// `RUNCWS_PASSWORD`), asking on a terminal for what is missing.
pub(crate) fn configure(global: &GlobalArgs, args: &ConfigureArgs) -> anyhow::Result<()> {
    let name = global
        .profile
        .clone()
        .unwrap_or_else(|| DEFAULT_PROFILE.to_string());
    let existing = config_file::load()?
        .and_then(|f| f.profile(&name))
        .unwrap_or_default();
    let can_ask = !args.no_input && !args.password_stdin && io::stdin().is_terminal();

    let endpoint = pick(
        global.endpoint.clone(),
        existing.endpoint,
        can_ask,
        "endpoint (URL or local)",
    )?;
    if let Some(text) = &endpoint {
        Endpoint::parse(text)?;
    }
    let user = pick(global.user.clone(), existing.user, can_ask, "user")?;
    let password = password(args, existing.password, can_ask)?;
    if endpoint.is_none() && user.is_none() && password.is_none() {
        return Err(BadInput::new(
            "nothing to write: pass --endpoint, --user or a password (RUNCWS_PASSWORD, \
             --password-stdin), or run in a terminal to be asked",
        )
        .into());
    }

    let profile = Profile {
        endpoint,
        user,
        password,
        connect_timeout: existing.connect_timeout,
        http_timeout: existing.http_timeout,
        cacert: existing.cacert,
    };
    let path = config_file::save_profile(&name, &profile)?;
    Talk::new(global.quiet).note(&format!("wrote profile {name} to {}", path.display()));
    Ok(())
}

/// The value given, else asked for (the current one kept on Enter), else
/// the current one.
fn pick(
    given: Option<String>,
    current: Option<String>,
    can_ask: bool,
    what: &str,
) -> anyhow::Result<Option<String>> {
    if given.is_some() || !can_ask {
        return Ok(given.or(current));
    }
    let shown = current
        .as_deref()
        .map(|c| format!(" [{c}]"))
        .unwrap_or_default();
    let answer = output::ask(&format!("{what}{shown}: "))
        .map_err(|e| BadInput::caused_by(format!("reading the {what}"), e))?;
    Ok(Some(answer).filter(|a| !a.is_empty()).or(current))
}

/// The password from stdin, the environment or a hidden prompt.
fn password(
    args: &ConfigureArgs,
    current: Option<String>,
    can_ask: bool,
) -> anyhow::Result<Option<String>> {
    if args.password_stdin {
        let mut line = String::new();
        io::stdin()
            .read_line(&mut line)
            .map_err(|e| BadInput::caused_by("reading the password from stdin", e))?;
        return Ok(Some(line.trim_end_matches(['\r', '\n']).to_string()));
    }
    if let Ok(password) = std::env::var("RUNCWS_PASSWORD") {
        return Ok(Some(password));
    }
    if !can_ask {
        return Ok(current);
    }
    let keep = if current.is_some() {
        " (Enter keeps the current one)"
    } else {
        ""
    };
    let answer = rpassword::prompt_password(format!("password{keep}: "))
        .map_err(|e| BadInput::caused_by("reading the password from the terminal", e))?;
    Ok(Some(answer).filter(|a| !a.is_empty()).or(current))
}
