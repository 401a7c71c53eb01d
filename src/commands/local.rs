//! `local`: the built-in emulator's control, without a server: reset it,
//! read and drive its clock, list what is scheduled, and inject faults.
//!
//! It acts on the same database the embedded default uses (or `--db`), with
//! the same engine `serve` exposes under `/_emulator/`.

use anyhow::Context as _;
use serde_json::Value;

use crate::cli::{FaultsAction, LocalAction, LocalArgs};
use crate::emulator::faults::Rule;
use crate::emulator::{self, parse_duration, DbLocation, EmulatorConfig, Engine};
use crate::error::BadInput;
use crate::output;

/// Runs one `local` action and prints its JSON answer.
pub(crate) fn run(args: LocalArgs) -> anyhow::Result<()> {
    let db = match args.db {
        Some(path) => path,
        None => emulator::default_db_path().context("finding the emulator's database")?,
    };
    let engine = Engine::new(&EmulatorConfig::new(DbLocation::File(db.clone())))?;
    let answer = match args.action {
        LocalAction::Reset => engine.reset(),
        LocalAction::Clock => engine.clock(),
        LocalAction::Advance { by, next } => engine.advance(advance_by(by.as_deref(), next)?),
        LocalAction::Schedule => engine.schedule(),
        LocalAction::Faults { action } => match action {
            None | Some(FaultsAction::List) => engine.faults(),
            Some(FaultsAction::Add { rule }) => engine.add_fault(parse_rule(&rule)?),
            Some(FaultsAction::Remove { id }) => engine.remove_faults(Some(id)),
            Some(FaultsAction::Clear) => engine.remove_faults(None),
        },
    };
    let answer = answer.map_err(|e| {
        anyhow::anyhow!(
            "the emulator at {} refused: {} ({})",
            db.display(),
            e.message,
            e.code
        )
    })?;
    let value: Value =
        serde_json::from_str(&answer.body).context("reading the emulator's answer")?;
    output::result(&value)
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
}
