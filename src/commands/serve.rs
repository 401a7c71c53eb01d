//! `serve`: the emulator over HTTP, for other clients and the tests.
//!
//! Its first stdout line is the base URL, so a script can read it; the
//! lines after it give the documented test accounts and how to point the
//! client at the server.

use anyhow::Context as _;

use super::context::check_speed;
use crate::cli::ServeArgs;
use crate::emulator::accounts::{self, Accounts};
use crate::emulator::catalog::Catalog;
use crate::emulator::timings::Timings;
use crate::emulator::{self, DbLocation, EmulatorConfig};
use crate::error::BadInput;
use crate::output;

/// Serves the emulator until Ctrl-C.
pub(crate) fn run(args: ServeArgs) -> anyhow::Result<()> {
    let listen = args.listen;
    let config = emulator_config(args)?;
    let added = added_accounts(&config)?;
    if !listen.ip().is_loopback() {
        tracing::warn!("serving on {listen}, beyond this machine, with public test credentials");
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime
        .block_on(emulator::serve(config, listen, |url| announce(url, &added)))
        .with_context(|| format!("serving the emulator on {listen}"))
}

fn emulator_config(args: ServeArgs) -> anyhow::Result<EmulatorConfig> {
    let db = match (args.memory, args.db) {
        (true, _) => DbLocation::Memory,
        (false, Some(path)) => DbLocation::File(path),
        (false, None) => DbLocation::File(
            emulator::default_db_path().context("finding the emulator's database")?,
        ),
    };
    let mut config = EmulatorConfig::new(db);
    if let Some(speed) = args.speed {
        config.speed = check_speed(speed)?;
    }
    config.seed = args.seed;
    config.catalog = args.catalog;
    config.timings = args.timings;
    config.accounts = args.accounts;
    config.record = args.record;
    Ok(config)
}

/// Prints the base URL first, then the test accounts and client settings.
/// Checks the data files `serve` was given, so a bad one is bad input
/// (exit 2), and names the accounts the accounts file adds.
fn added_accounts(config: &EmulatorConfig) -> anyhow::Result<Vec<String>> {
    let bad = |e: anyhow::Error| BadInput::new(format!("{e:#}"));
    if let Some(path) = &config.catalog {
        Catalog::load(path).map_err(bad)?;
    }
    if let Some(path) = &config.timings {
        Timings::load(path).map_err(bad)?;
    }
    let Some(path) = &config.accounts else {
        return Ok(Vec::new());
    };
    let builtin: Vec<String> = Accounts::builtin().iter().map(|a| a.user.clone()).collect();
    let accounts = Accounts::with_file(path).map_err(bad)?;
    let added = accounts.iter().filter(|a| !builtin.contains(&a.user));
    Ok(added
        .map(|a| {
            let kind = match (a.is_admin, a.has_payment) {
                (true, _) => "control API",
                (false, true) => "with payment information",
                (false, false) => "without payment information",
            };
            format!("  from {}: user {} ({kind})", path.display(), a.user)
        })
        .collect())
}

fn announce(base_url: &str, added: &[String]) {
    let lines = announcement(base_url, added);
    if let Err(err) = output::data_lines(&lines) {
        tracing::warn!("{err:#}");
    }
}

fn announcement(base_url: &str, added: &[String]) -> Vec<String> {
    let mut lines = vec![
        base_url.to_string(),
        String::new(),
        "Test accounts (documented, not secret):".to_string(),
        format!(
            "  with payment information:    user {}  password {}",
            accounts::DEFAULT_USER,
            accounts::DEFAULT_PASSWORD
        ),
        format!(
            "  without payment information: user {}  password {}",
            accounts::NOPAY_USER,
            accounts::NOPAY_PASSWORD
        ),
        format!(
            "  control API (/_emulator/):   user {}  password {}",
            accounts::ADMIN_USER,
            accounts::ADMIN_PASSWORD
        ),
    ];
    lines.extend(added.iter().cloned());
    lines.extend([
        String::new(),
        "Point the client at it:".to_string(),
        format!("  export RUNCWS_ENDPOINT={base_url}"),
        format!("  export RUNCWS_USER={}", accounts::DEFAULT_USER),
        format!("  export RUNCWS_PASSWORD={}", accounts::DEFAULT_PASSWORD),
    ]);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_base_url_comes_first() {
        let added = ["  from a.json: user alice (with payment information)".to_string()];
        let lines = announcement("http://127.0.0.1:7780/api", &added);
        assert!(lines.contains(&added[0]));
        assert_eq!(lines[0], "http://127.0.0.1:7780/api");
        assert!(lines.contains(&"  export RUNCWS_ENDPOINT=http://127.0.0.1:7780/api".into()));
    }
}
