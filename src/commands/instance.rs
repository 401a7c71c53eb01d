//! Instance commands: `createi`, `geti`, `getir`, `listi`, `deletei`.

use anyhow::Context as _;

use super::answer_id;
use super::context::Context;
use crate::client::Call;
use crate::params;
use crate::state::IdKind;

/// `createi FILE`: creates an instance from a resource. The answer is the
/// create request; its id becomes current. The new instance's id becomes
/// current only with `getr`, as in the original.
pub(crate) async fn create(ctx: &Context, file: &str) -> anyhow::Result<()> {
    let params = params::read_create(file)?;

    let call = Call::create(&params.resource_uri, params.body);
    let answer = ctx
        .exchange("createi (create instance from resource)", &call)
        .await
        .with_context(|| format!("creating an instance of {}", params.resource_uri))?;

    let request_id = answer.as_ref().and_then(|a| answer_id(a, "requestId"));
    let ids = request_id.map(|id| (IdKind::Request, id));
    ctx.finish(answer.as_ref(), ids.as_slice())
}

/// `geti [ID]`: the instance as last stored. Changes no current id.
pub(crate) async fn get(ctx: &Context, given: Option<String>) -> anyhow::Result<()> {
    let id = ctx.pick_id(IdKind::Instance, given)?;

    let answer = ctx
        .exchange("geti (retrieve instance)", &Call::get_instance(&id))
        .await
        .with_context(|| format!("getting instance {id}"))?;

    ctx.finish(answer.as_ref(), &[])
}

/// `getir [ID]`: starts a refresh request; its id becomes current.
pub(crate) async fn refresh(ctx: &Context, given: Option<String>) -> anyhow::Result<()> {
    let id = ctx.pick_id(IdKind::Instance, given)?;

    let call = Call::refresh_instance(&id);
    let answer = ctx
        .exchange("getir (retrieve instance (with refresh))", &call)
        .await
        .with_context(|| format!("refreshing instance {id}"))?;

    let request_id = answer.as_ref().and_then(|a| answer_id(a, "requestId"));
    let ids = request_id.map(|id| (IdKind::Request, id));
    ctx.finish(answer.as_ref(), ids.as_slice())
}

/// `listi [--all]`: the account's instances. Changes no current id.
pub(crate) async fn list(ctx: &Context, all: bool) -> anyhow::Result<()> {
    let answer = ctx
        .exchange(
            "listi (retrieve multiple instances)",
            &Call::list_instances(all),
        )
        .await
        .context("listing instances")?;

    ctx.finish(answer.as_ref(), &[])
}

/// `deletei [ID]`: starts a delete request; its id becomes current.
pub(crate) async fn delete(ctx: &Context, given: Option<String>) -> anyhow::Result<()> {
    let id = ctx.pick_id(IdKind::Instance, given)?;

    let answer = ctx
        .exchange("deletei (delete instance)", &Call::delete_instance(&id))
        .await
        .with_context(|| format!("deleting instance {id}"))?;

    let request_id = answer.as_ref().and_then(|a| answer_id(a, "requestId"));
    let ids = request_id.map(|id| (IdKind::Request, id));
    ctx.finish(answer.as_ref(), ids.as_slice())
}
