//! One function per subcommand: read inputs, call the API, update the
//! current ids, print.
//!
//! `run` is the library's entry point: it builds the runtime, resolves the
//! context a client command needs and dispatches. Each noun has its file.

mod context;
mod image;
mod instance;
mod local;
mod request;
mod serve;

use anyhow::Context as _;

use crate::cli::{Cli, Command, GlobalArgs};
use crate::error::Interrupted;
use context::Context;

/// Runs the command `cli` describes.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let command = match cli.command {
        Command::Serve(args) => return serve::run(args),
        Command::Local(args) => return local::run(args),
        command => command,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        tokio::select! {
            result = run_client(cli.global, command) => result,
            () = interrupted() => Err(Interrupted.into()),
        }
    })
}

/// Resolves the context, then runs one client command in it.
async fn run_client(global: GlobalArgs, command: Command) -> anyhow::Result<()> {
    let ctx = Context::resolve(global).await?;
    match command {
        Command::Createi { file } => instance::create(&ctx, &file).await,
        Command::Getr { request_id } => request::get(&ctx, request_id).await,
        Command::Geti { instance_id } => instance::get(&ctx, instance_id).await,
        Command::Getir { instance_id } => instance::refresh(&ctx, instance_id).await,
        Command::Listr(args) => request::list(&ctx, args.all).await,
        Command::Listi(args) => instance::list(&ctx, args.all).await,
        Command::Deletei { instance_id } => instance::delete(&ctx, instance_id).await,
        Command::Createimage { file, instance } => image::create(&ctx, &file, instance).await,
        Command::Serve(_) | Command::Local(_) => {
            unreachable!("emulator commands run before the client runtime")
        }
    }
}

/// Resolves on Ctrl-C; never, if the signal cannot be watched.
async fn interrupted() {
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
