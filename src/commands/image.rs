//! Image commands: `createimage`.

use anyhow::Context as _;

use super::context::Context;
use super::lost;
use super::{answer_id, finish_or_wait};
use crate::cli::WaitArgs;
use crate::client::Call;
use crate::params;
use crate::state::IdKind;

/// `createimage FILE [--instance VM_ID]`: images a VM. The file gives only
/// the image's metadata. Both the request and the new image become current.
/// With `--wait`, prints the image once it is built. A lost answer says
/// so, as for `createi`.
pub(crate) async fn create(
    ctx: &Context,
    file: &str,
    vm: Option<String>,
    wait: &WaitArgs,
    key: Option<String>,
) -> anyhow::Result<()> {
    let body = params::read_image(file)?;
    let vm_id = ctx.pick_id(IdKind::Instance, vm)?;
    let key = lost::pick_key(key)?;

    let call = Call::create_image(&vm_id, body, &key);
    let title = "createimage (create an image instance from a VM instance)";
    let answer = ctx
        .exchange(title, &call)
        .await
        .with_context(|| format!("creating an image of instance {vm_id}"))
        .map_err(|err| lost::explain(err, &key))?;

    let answer_ref = answer.as_ref();
    let request_id = answer_ref.and_then(|a| answer_id(a, "requestId"));
    let image_id = answer_ref.and_then(|a| answer_id(a, "instanceId"));
    let ids: Vec<(IdKind, &str)> = [
        request_id.map(|id| (IdKind::Request, id)),
        image_id.map(|id| (IdKind::Instance, id)),
    ]
    .into_iter()
    .flatten()
    .collect();
    finish_or_wait(ctx, answer_ref, &ids, wait, None).await
}
