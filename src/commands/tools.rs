//! Client commands that need no server: `completions`, `man` and `state`.

use clap::CommandFactory as _;
use serde_json::json;

use super::context::{inputs, printer, state_file};
use crate::cli::{Cli, GlobalArgs, StateCommand};
use crate::config;
use crate::output::{self, Talk};

/// `completions SHELL`: the completion script, from the clap definitions.
pub(crate) fn completions(shell: clap_complete::Shell) -> anyhow::Result<()> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "runcws", &mut script);
    output::text(&String::from_utf8_lossy(&script))
}

/// `man`: the man page in roff, from the clap definitions.
pub(crate) fn man() -> anyhow::Result<()> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut page)?;
    output::text(&String::from_utf8_lossy(&page))
}

/// `state [reset]`: the current ids and the state file's path; `reset`
/// forgets the ids.
pub(crate) fn state(global: &GlobalArgs, action: Option<StateCommand>) -> anyhow::Result<()> {
    let printer = printer(global)?;
    let settings = config::resolve_partial(inputs(global))?;
    let state = state_file(global.state.clone(), &settings.endpoint, &settings.user)?;

    if let Some(StateCommand::Reset) = action {
        state.reset()?;
        Talk::new(global.quiet).note(&format!(
            "forgot the current ids in {}",
            state.path().display()
        ));
    }
    let current = state.load()?;
    printer.result(&json!({
        "path": state.path().display().to_string(),
        "endpoint": settings.endpoint.to_string(),
        "user": settings.user,
        "requestId": current.get(crate::state::IdKind::Request),
        "instanceId": current.get(crate::state::IdKind::Instance),
    }))
}
