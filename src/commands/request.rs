//! Request commands: `getr` and `listr`; and `resources`, the catalog.

use anyhow::Context as _;
use serde_json::Value;

use super::answer_id;
use super::context::Context;
use crate::client::Call;
use crate::state::IdKind;

/// `getr [ID]`: the request, as an array holding it. Once it has completed,
/// its instance becomes current (as in the original: an in-progress create's
/// instance does not exist yet, a failed one never will). A failed request
/// is still a successful call.
pub(crate) async fn get(ctx: &Context, given: Option<String>) -> anyhow::Result<()> {
    let id = ctx.pick_id(IdKind::Request, given)?;

    let answer = ctx
        .exchange("getr (retrieve request)", &Call::get_request(&id))
        .await
        .with_context(|| format!("getting request {id}"))?;

    let instance_id = answer
        .as_ref()
        .and_then(first_request)
        .filter(|request| is_completed(request))
        .and_then(|request| answer_id(request, "instanceId"));
    let ids = instance_id.map(|id| (IdKind::Instance, id));
    ctx.finish(answer.as_ref(), ids.as_slice())
}

/// `listr [--all]`: the account's requests. Changes no current id.
pub(crate) async fn list(ctx: &Context, all: bool) -> anyhow::Result<()> {
    let answer = ctx
        .exchange(
            "listr (retrieve multiple requests)",
            &Call::list_requests(all),
        )
        .await
        .context("listing requests")?;

    ctx.finish(answer.as_ref(), &[])
}

/// `resources`: the catalog of providers, regions and resources.
pub(crate) async fn resources(ctx: &Context) -> anyhow::Result<()> {
    let answer = ctx
        .exchange("resources (retrieve the catalog)", &Call::catalog())
        .await
        .context("listing the catalog")?;

    ctx.finish(answer.as_ref(), &[])
}

fn is_completed(request: &Value) -> bool {
    request.get("requestStatus").and_then(Value::as_str) == Some("completed")
}

/// The request in a `GET /request/{id}` answer: an array holding one
/// (a bare object is accepted too).
fn first_request(answer: &Value) -> Option<&Value> {
    match answer {
        Value::Array(items) => items.first(),
        Value::Object(_) => Some(answer),
        _ => None,
    }
}
