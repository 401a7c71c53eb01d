//! One function per subcommand: read inputs, call the API, update the
//! current ids, print.
//!
//! `run` is the library's entry point: it builds the runtime, resolves the
//! context a client command needs and dispatches. Each noun has its file.

mod context;
mod image;
mod instance;
mod local;
mod lost;
mod profile;
mod request;
mod serve;
mod tools;
mod wait;

use anyhow::Context as _;
use serde_json::Value;

use crate::cli::{Cli, Command, GlobalArgs, WaitArgs};
use crate::error::Interrupted;
use crate::state::IdKind;
use crate::wait::Start;
use context::Context;

/// Runs the command `cli` describes.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let command = match cli.command {
        Command::Serve(args) => return serve::run(args),
        Command::Local(args) => return local::run(&cli.global, args),
        Command::Completions { shell } => return tools::completions(shell),
        Command::Man => return tools::man(),
        Command::State { action } => return tools::state(&cli.global, action),
        Command::Config(_) => return profile::show(&cli.global),
        Command::Configure(args) => return profile::configure(&cli.global, &args),
        command => command,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        // Biased, so that a wait sees Ctrl-C first and says how to resume.
        tokio::select! {
            biased;
            result = run_client(cli.global, command) => result,
            () = interrupted() => Err(Interrupted.into()),
        }
    })
}

/// Resolves the context, then runs one client command in it.
async fn run_client(global: GlobalArgs, command: Command) -> anyhow::Result<()> {
    let ctx = Context::resolve(global).await?;
    if writes_current_ids(&command) {
        // A broken state file is reported before anything is sent.
        ctx.state.load()?;
    }
    match command {
        Command::Createi {
            file,
            wait,
            idempotency_key,
        } => instance::create(&ctx, &file, &wait, idempotency_key).await,
        Command::Getr { request_id } => request::get(&ctx, request_id).await,
        Command::Geti {
            instance_id,
            save_key,
        } => instance::get(&ctx, instance_id, save_key).await,
        Command::Getir { instance_id, wait } => instance::refresh(&ctx, instance_id, &wait).await,
        Command::Listr(args) => request::list(&ctx, args.all).await,
        Command::Listi(args) => instance::list(&ctx, args.all).await,
        Command::Deletei { instance_id, wait } => instance::delete(&ctx, instance_id, &wait).await,
        Command::Createimage {
            file,
            instance,
            wait,
            idempotency_key,
        } => image::create(&ctx, &file, instance, &wait, idempotency_key).await,
        Command::Wait(args) => wait::run(&ctx, args).await,
        Command::Resources => request::resources(&ctx).await,
        Command::Serve(_)
        | Command::Local(_)
        | Command::Completions { .. }
        | Command::Man
        | Command::State { .. }
        | Command::Config(_)
        | Command::Configure(_) => unreachable!("local commands run before the client runtime"),
    }
}

/// Whether `command` may record current ids. Those that never do (`geti
/// ID`, the lists, the catalog) still work with a corrupt state file.
fn writes_current_ids(command: &Command) -> bool {
    matches!(
        command,
        Command::Createi { .. }
            | Command::Getr { .. }
            | Command::Getir { .. }
            | Command::Deletei { .. }
            | Command::Createimage { .. }
            | Command::Wait(_)
    )
}

/// Prints `answer` and records `ids`; with `--wait`, records them, waits
/// for the request among them to settle its instance (in status `want`),
/// and prints the instance instead.
async fn finish_or_wait(
    ctx: &Context,
    answer: Option<&Value>,
    ids: &[(IdKind, &str)],
    wait: &WaitArgs,
    want: Option<&str>,
) -> anyhow::Result<()> {
    if !wait.wait {
        return ctx.finish(answer, ids);
    }
    ctx.record(ids)?;
    let Some((_, request_id)) = ids.iter().find(|(kind, _)| *kind == IdKind::Request) else {
        anyhow::bail!("the answer carries no requestId to wait on");
    };
    let start = Start::Request(request_id.to_string());
    let instance = ctx.waiter(&wait.timing, want).run(start).await?;
    ctx.finish(Some(&instance), &[])
}

/// Resolves on Ctrl-C; never, if the signal cannot be watched.
pub(crate) async fn interrupted() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// An id an answer carries: at top level, else under `parameters` (a
/// create answered while in progress has it only there).
fn answer_id<'a>(answer: &'a serde_json::Value, key: &str) -> Option<&'a str> {
    answer
        .get(key)
        .or_else(|| answer.get("parameters")?.get(key))
        .and_then(serde_json::Value::as_str)
}
