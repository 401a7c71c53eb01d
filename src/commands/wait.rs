//! `wait`: follow a request (or settle instances) and print the result.

use futures_util::future::try_join_all;
use serde_json::Value;

use super::context::Context;
use crate::cli::WaitCommand;
use crate::state::IdKind;
use crate::wait::Start;

/// `wait [--request ID | --instance ID…] [--for STATUS]`: waits from the
/// request given, the instances given, or the current request.
pub(crate) async fn run(ctx: &Context, args: WaitCommand) -> anyhow::Result<()> {
    if args.instance.len() > 1 {
        return run_many(ctx, args).await;
    }
    let start = match (args.request, args.instance.into_iter().next()) {
        (Some(request), _) => Start::Request(ctx.pick_id(IdKind::Request, Some(request))?),
        (None, Some(instance)) => Start::Instance(ctx.pick_id(IdKind::Instance, Some(instance))?),
        (None, None) => Start::Request(ctx.pick_id(IdKind::Request, None)?),
    };
    ctx.talk.title("wait (wait for a request and its instance)");

    let waiter = ctx.waiter(&args.timing, args.for_status.as_deref());
    let instance = waiter.run(start).await?;

    ctx.finish(Some(&instance), &[])
}

/// Several `--instance`s: one wait each, all at once in this process; the
/// settled instances as an array, in the order given. The first failure
/// ends them all.
async fn run_many(ctx: &Context, args: WaitCommand) -> anyhow::Result<()> {
    for id in &args.instance {
        ctx.pick_id(IdKind::Instance, Some(id.clone()))?;
    }
    ctx.talk.title(&format!(
        "wait (wait for {} instances at once)",
        args.instance.len()
    ));

    let want = args.for_status.as_deref();
    let waits = args.instance.iter().map(|id| {
        let waiter = ctx.waiter(&args.timing, want).one_of_many();
        waiter.run(Start::Instance(id.clone()))
    });
    let instances = try_join_all(waits).await?;

    ctx.finish(Some(&Value::Array(instances)), &[])
}
