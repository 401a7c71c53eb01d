//! `wait`: follow a request (or settle an instance) and print the instance.

use super::context::Context;
use crate::cli::WaitCommand;
use crate::state::IdKind;
use crate::wait::Start;

/// `wait [--request ID | --instance ID] [--for STATUS]`: waits from the
/// request given, the instance given, or the current request.
pub(crate) async fn run(ctx: &Context, args: WaitCommand) -> anyhow::Result<()> {
    let start = match (args.request, args.instance) {
        (Some(request), _) => Start::Request(ctx.pick_id(IdKind::Request, Some(request))?),
        (None, Some(instance)) => Start::Instance(ctx.pick_id(IdKind::Instance, Some(instance))?),
        (None, None) => Start::Request(ctx.pick_id(IdKind::Request, None)?),
    };
    ctx.talk.title("wait (wait for a request and its instance)");

    let waiter = ctx.waiter(&args.timing, args.for_status.as_deref());
    let instance = waiter.run(start).await?;

    ctx.finish(Some(&instance), &[])
}
